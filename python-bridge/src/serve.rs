//! `fasterapi._native.serve`: bind the shards, start one interpreter per core, serve.
//!
//! ```text
//! main thread (main interpreter, GIL held on entry)
//!   parse config · bind N SO_REUSEPORT shards · preload decimal/_datetime · read sys.path
//!   release the main GIL ─▶ runtime::run ─▶ per core, one at a time:
//!        new own-GIL sub-interpreter · sys.path · load_app(spec) · router · serve_core
//!   ◀─ all cores stopped (SIGINT/SIGTERM) ─ re-take the main GIL · print summary
//! ```

use std::net::TcpListener;
use std::rc::Rc;
use std::sync::Mutex;

use crate::config::{ServeConfig, ServeError};
use crate::cpython::app::{self, App};
use crate::cpython::core::{self, Core, CoreLoop};
use crate::cpython::interpreter::{CoreInterpreter, MainInterpreter};
use crate::cpython::module::CORE_ID;
use crate::event_loop::{self, LoopPoller, Stop};
use crate::handler::{LaneHandler, PythonHandler};
use crate::lane::{Lane, LaneSender};
use runtime::{CoreContext, CoreSet, IoChoice, RuntimeConfig};
use server::listener;

/// Runs the server until SIGINT/SIGTERM.
pub fn serve(main: &MainInterpreter, config: ServeConfig) -> Result<(), ServeError> {
    crate::logging::init();
    let cores = CoreSet::parse(config.cores.as_deref()).map_err(|e| ServeError::Config(e.to_string()))?;
    let io: IoChoice = config.io.parse().map_err(ServeError::Config)?;
    let addr = listener::resolve(&config.host, config.port).map_err(|e| ServeError::Os(e.to_string()))?;
    let shards = listener::bind_shards(addr, cores.len()).map_err(|e| ServeError::Os(e.to_string()))?;
    let addr = shards[0].local_addr().unwrap_or(addr);
    let shards: Mutex<Vec<Option<TcpListener>>> = Mutex::new(shards.into_iter().map(Some).collect());

    main.preload().map_err(|e| ServeError::Runtime(format!("preparing the main interpreter: {e}")))?;
    let sys_path = main.sys_path();
    // Which routes the main interpreter's lane serves (the app is already imported here).
    let plan = app::lane_plan(main, &config.app).map_err(ServeError::Runtime)?;

    let mut rt = RuntimeConfig::new(cores);
    rt.pin = config.pin;
    rt.io = io;
    rt.grace = config.grace;

    let result = main.detached(|| {
        let lane = if plan.whole || plan.any_lane_route {
            Some(Lane::start(&config.app, config.lane_threads, config.lane_queue).map_err(runtime::RunError::Setup)?)
        } else {
            None
        };
        let lane_sender = lane.as_ref().map(Lane::sender);
        let result = runtime::run(&rt, |ctx| {
            let listener = shards.lock().unwrap_or_else(|p| p.into_inner())[ctx.index].take();
            let listener = listener.ok_or_else(|| format!("core {}: no listener shard", ctx.index))?;
            match (&lane_sender, plan.whole) {
                (Some(lane), true) => setup_lane_core(ctx, &config, &plan, lane.clone(), listener, addr),
                _ => setup_core(ctx, &config, &sys_path, &plan.layers, lane_sender.clone(), listener, addr),
            }
        });
        if let Some(lane) = lane {
            lane.stop();
        }
        result
    });

    match result {
        Ok(report) => {
            let total: u64 = report.stats.iter().map(|s| s.handled).sum();
            let per_core: Vec<String> = report.stats.iter().map(|s| s.handled.to_string()).collect();
            log::info!(
                "stopped{}: {total} request{} served on {} core{} ({})",
                report.signal.map(|s| format!(" after {s}")).unwrap_or_default(),
                if total == 1 { "" } else { "s" },
                report.stats.len(),
                if report.stats.len() == 1 { "" } else { "s" },
                per_core.join(" + ")
            );
            Ok(())
        }
        Err(runtime::RunError::Stuck(why)) => {
            // Core threads still run Python: returning to the interpreter (and finalising it)
            // under them is not safe. The process ends here, with the reason.
            log::error!("{why}; exiting");
            std::process::exit(1);
        }
        Err(e) => Err(ServeError::Runtime(e.to_string())),
    }
}

type CoreFuture = std::pin::Pin<Box<dyn std::future::Future<Output = runtime::CoreStats>>>;

/// A core of an app served wholly by the main interpreter's lane: its router, its server,
/// no interpreter of its own.
fn setup_lane_core(
    ctx: CoreContext,
    config: &ServeConfig,
    plan: &app::LanePlan,
    lane: LaneSender,
    listener: TcpListener,
    addr: std::net::SocketAddr,
) -> Result<CoreFuture, String> {
    let layers = server::Layers::compile(&plan.layers).map_err(|e| format!("core {}: {e}", ctx.index))?;
    let mut router = server::Router::new();
    for r in &plan.routes {
        router.insert(&r.method, &r.path, r.index).map_err(|e| format!("core {}: {e}", ctx.index))?;
    }
    log::info!(
        "core {} on cpu {}{}: {} reactor, main-interpreter lane, {} routes, serving http://{addr}",
        ctx.index,
        ctx.cpu,
        if ctx.pinned { " (pinned)" } else { "" },
        ctx.driver,
        router.len(),
    );
    let access_log = config.access_log.then(server::AccessLog::new);
    let (limits, shutdown) = (config.limits.clone(), ctx.shutdown.clone());
    Ok(Box::pin(server::serve_core(
        listener,
        router,
        LaneHandler { lane, miss_route: plan.miss_route },
        layers,
        limits,
        access_log,
        shutdown,
    )))
}

/// Runs on core `ctx.index`'s thread: its interpreter, its app, its router, its server.
fn setup_core(
    ctx: CoreContext,
    config: &ServeConfig,
    sys_path: &[String],
    layers: &[server::LayerSpec],
    lane: Option<LaneSender>,
    listener: TcpListener,
    addr: std::net::SocketAddr,
) -> Result<CoreFuture, String> {
    CORE_ID.with(|c| c.set(ctx.index as i64));
    let interpreter =
        if config.shared_gil { CoreInterpreter::new_shared_main() } else { CoreInterpreter::new_own_gil() }
            .map_err(|e| format!("core {}: {e}", ctx.index))?;
    interpreter.detach_after_setup();

    let loaded = interpreter.with(|attached| {
        let path_set = if interpreter.owns_gil() { attached.set_sys_path(sys_path) } else { Ok(()) };
        path_set.and_then(|_| App::load(attached, &config.app, Some(ctx.index)))
    });
    let (app, routes) = match loaded {
        Ok(x) => x,
        Err(e) => {
            interpreter.end();
            let kind = if config.shared_gil { "the main interpreter" } else { "its sub-interpreter" };
            let hint = match refused_module(&e) {
                Some(module) => format!(
                    " ({module} cannot run in an own-GIL sub-interpreter: run the routes that need it in the \
                     main interpreter's lane with @app.get(..., interpreter=\"main\") or FasterAPI(interpreter=\"main\"), \
                     or serve everything from the main interpreter with FASTERAPI_SHARED_GIL=1, without per-core scaling)"
                ),
                None => String::new(),
            };
            return Err(format!("core {}: cannot load {:?} in {kind}: {e}{hint}", ctx.index, config.app));
        }
    };

    // On a failure below, the app's Python objects go while attached, before the
    // interpreter ends.
    let give_up = |app: App, why: String| {
        interpreter.with(|_| drop(app));
        interpreter.end();
        Err(format!("core {}: {why}", ctx.index))
    };
    // Compiled per core (each owns its regexes); the options were checked in Python already.
    let layers = match server::Layers::compile(layers) {
        Ok(layers) => layers,
        Err(e) => return give_up(app, e.to_string()),
    };
    let mut router = server::Router::new();
    for r in &routes {
        if let Err(e) = router.insert(&r.method, &r.path, r.index) {
            return give_up(app, e.to_string());
        }
    }

    // The core's asyncio loop, over an epoll instance the reactor watches.
    let (poller, epoll_fd) = match LoopPoller::new() {
        Ok(p) => p,
        Err(e) => return give_up(app, format!("cannot create the event loop's poller: {e}")),
    };
    let event_loop =
        interpreter.with(|attached| CoreLoop::new(attached, &app.new_loop, epoll_fd, config.blocking_threads));
    let event_loop = match event_loop {
        Ok(l) => l,
        Err(e) => return give_up(app, e),
    };

    // The app's startup (lifespan, on_event), on this core's loop, before it serves. A
    // failure stops the whole server with one line.
    let started = interpreter.with(|attached| app::call_with_loop(attached, &app.startup, &event_loop));
    if let Err(e) = started {
        interpreter.with(|attached| {
            if let Err(close) = app::close_event_loop(attached, &app.close_loop, &event_loop) {
                log::error!("core {}: closing the event loop: {close}", ctx.index);
            }
            drop(event_loop);
        });
        return give_up(app, format!("the app's startup failed: {e}"));
    }

    log::info!(
        "core {} on cpu {}{}: {} reactor, interpreter {} ({}), {} routes, serving http://{addr}",
        ctx.index,
        ctx.cpu,
        if ctx.pinned { " (pinned)" } else { "" },
        ctx.driver,
        interpreter.id(),
        if interpreter.owns_gil() { "own GIL" } else { "shared GIL" },
        router.len(),
    );

    let interpreter = Rc::new(interpreter);
    let core = core::install(Core { interpreter: interpreter.clone(), app: Rc::new(app), event_loop });
    // The handler is leaked with the server (serve_core keeps it for the life of the core):
    // its reference keeps the app's Python objects from being released after the
    // interpreter ends.
    core.app.set_pool_limit(config.blocking_threads + config.blocking_queue);
    let handler = PythonHandler::new(core.clone(), lane, config.max_in_flight, config.metrics_path.clone(), ctx.index);
    let access_log = config.access_log.then(server::AccessLog::new);
    let limits = config.limits.clone();
    let shutdown = ctx.shutdown.clone();
    let index = ctx.index;
    Ok(Box::pin(async move {
        let stop = Rc::new(Stop::default());
        let driver = monoio::spawn(event_loop::drive(core.clone(), poller, stop.clone()));
        let stats = server::serve_core(listener, router, handler, layers, limits, access_log, shutdown).await;
        stop.stop(&core);
        driver.await;
        let closed = interpreter.with(|attached| {
            // The app's shutdown first, on the loop, which then closes.
            app::call_with_loop(attached, &core.app.shutdown, &core.event_loop)
                .and_then(|_| app::close_event_loop(attached, &core.app.close_loop, &core.event_loop))
                .and_then(|_| app::run_shutdown_hook(attached))
        });
        if let Err(e) = closed {
            log::error!("core {index}: shutting down the interpreter: {e}");
        }
        core::uninstall();
        interpreter.end();
        // `core` holds the app's Python objects, which died with the interpreter.
        std::mem::forget(core);
        stats
    }))
}

/// The extension module named by CPython's "module X does not support loading in
/// subinterpreters" error.
fn refused_module(error: &str) -> Option<&str> {
    let end = error.find(" does not support loading in subinterpreters")?;
    let start = error[..end].rfind("module ")? + "module ".len();
    Some(&error[start..end])
}
