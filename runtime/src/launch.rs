//! Starting the cores, running them, and stopping them.
//!
//! ```text
//!  controller (calling thread)          core 0 (leader)            core k
//!  ─ start core 0, wait for its setup ─▶ setup ─▶ reactor runs
//!  ─ start core 1, ... (one at a time, so per-core setup such as creating an
//!    interpreter never runs concurrently with another core's)
//!  ─ SIGINT/SIGTERM ──ring──▶ leader ──mesh──▶ every core: Shutdown{grace}
//!                             leader ◀──mesh── every core: Stats{..} when it stops
//!  ◀─ RunReport (joined threads) ─────
//! ```

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use monoio::{IoUringDriver, LegacyDriver, RuntimeBuilder};
use rtrb::{Consumer, RingBuffer};

use crate::cores::CoreSet;
use crate::mesh::{Control, Mesh, MeshEndpoint};
use crate::shutdown::Shutdown;
use crate::signals::{self, Signal, SignalWatch};

/// Which reactor to use: `FASTERAPI_IO` / `--io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoChoice {
    /// io_uring where the kernel allows it, epoll otherwise.
    Auto,
    Uring,
    Epoll,
}

impl std::str::FromStr for IoChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(IoChoice::Auto),
            "uring" | "io_uring" | "io-uring" => Ok(IoChoice::Uring),
            "epoll" | "legacy" => Ok(IoChoice::Epoll),
            other => Err(format!("invalid io driver {other:?}: expected auto, uring or epoll")),
        }
    }
}

/// The reactor a core actually runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoDriverKind {
    Uring,
    Epoll,
}

impl std::fmt::Display for IoDriverKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IoDriverKind::Uring => "io_uring",
            IoDriverKind::Epoll => "epoll",
        })
    }
}

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub cores: CoreSet,
    /// Pin each core's thread to its CPU.
    pub pin: bool,
    pub io: IoChoice,
    /// How long in-flight work may take to finish after SIGINT/SIGTERM.
    pub grace: Duration,
    /// How often a core looks at its control rings. Control is rare; this bounds its latency.
    pub control_tick: Duration,
}

impl RuntimeConfig {
    pub fn new(cores: CoreSet) -> RuntimeConfig {
        RuntimeConfig {
            cores,
            pin: true,
            io: IoChoice::Auto,
            grace: Duration::from_secs(10),
            control_tick: Duration::from_millis(20),
        }
    }
}

/// Final counters of one core. Generic on purpose: the layer above decides what it counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoreStats {
    pub accepted: u64,
    pub handled: u64,
}

/// What a per-core closure gets.
pub struct CoreContext {
    /// 0..n, in the order of the core set; index 0 is the leader.
    pub index: usize,
    /// The CPU this core runs on (pinned there unless pinning is off).
    pub cpu: usize,
    pub pinned: bool,
    pub driver: IoDriverKind,
    /// Triggered when this core must stop accepting and drain.
    pub shutdown: Shutdown,
}

#[derive(Debug, Default)]
pub struct RunReport {
    /// Per core, in core-index order, as collected by the leader over the mesh.
    pub stats: Vec<CoreStats>,
    /// The signal that stopped the run, if one did.
    pub signal: Option<&'static str>,
}

#[derive(Debug)]
pub enum RunError {
    /// A core's setup failed; the message says which core and why.
    Setup(String),
    /// The reactor could not be created (e.g. io_uring forbidden while asked for explicitly).
    Reactor(String),
    /// A core thread panicked or exited unexpectedly.
    CoreDied(String),
    /// Cores did not stop within the grace period after shutdown was ordered. Their threads
    /// are still running (and may hold resources the caller must not tear down): the caller
    /// should end the process.
    Stuck(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Setup(m) | RunError::Reactor(m) | RunError::CoreDied(m) | RunError::Stuck(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs `setup` on every core of `config.cores`, one core at a time, each on its own pinned
/// thread inside its own reactor; then runs the future it returned until that core stops.
/// Blocks until every core has stopped (after SIGINT/SIGTERM, or when every future ends).
///
/// `setup` is synchronous and runs on the core's thread inside its reactor (so it may create
/// sockets and thread-bound state); the future it returns yields the core's final counters.
pub fn run<S, Fut>(config: &RuntimeConfig, setup: S) -> Result<RunReport, RunError>
where
    S: Fn(CoreContext) -> Result<Fut, String> + Sync,
    Fut: Future<Output = CoreStats> + 'static,
{
    let n = config.cores.len();
    let driver = resolve_driver(config.io)?;
    // Every connection is a descriptor; the usual soft limit of 1024 is far below what one
    // core can serve. Raise it to the hard limit (best effort: keep going if we cannot).
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let mut signals =
        SignalWatch::install().map_err(|e| RunError::Reactor(format!("cannot catch SIGINT/SIGTERM: {e}")))?;
    let mut mesh = Mesh::new(n);
    // The controller's line to the leader; the only ring that is not core-to-core.
    let (mut to_leader, leader_inbox) = RingBuffer::<Control>::new(8);
    let mut leader_inbox = Some(leader_inbox);

    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(n);
        let mut failure: Option<RunError> = None;
        for (index, &cpu) in config.cores.ids().iter().enumerate() {
            let endpoint = mesh.take(index);
            let inbox = if index == 0 { leader_inbox.take() } else { None };
            let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
            let setup = &setup;
            let handle = std::thread::Builder::new()
                .name(format!("fasterapi-core-{index}"))
                .spawn_scoped(scope, move || core_main(config, index, cpu, driver, endpoint, inbox, ready_tx, setup))
                .map_err(|e| RunError::CoreDied(format!("cannot start a thread for core {index}: {e}")));
            let handle = match handle {
                Ok(h) => h,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            handles.push(handle);
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(msg)) => {
                    failure = Some(RunError::Setup(msg));
                    break;
                }
                Err(_) => {
                    failure = Some(RunError::CoreDied(format!("core {index} died during setup")));
                    break;
                }
            }
        }

        let mut signal_name = None;
        if let Some(err) = failure {
            // Stop the cores that did start, quickly; their stats do not matter.
            let _ = to_leader.push(Control::Shutdown { grace: Duration::ZERO });
            for h in handles {
                let _ = h.join();
            }
            return Err(err);
        }

        // Controller loop: wait for a signal, or for the cores to stop on their own.
        let mut signalled = 0;
        let mut ordered_at: Option<std::time::Instant> = None;
        while !handles.iter().all(|h| h.is_finished()) {
            // A core stuck past its grace period (a handler that never returns cannot be
            // interrupted) must not keep the process alive forever.
            if ordered_at.is_some_and(|t| t.elapsed() > config.grace + STATS_WAIT + Duration::from_secs(1)) {
                return Err(RunError::Stuck(
                    "cores did not stop within the grace period (a request still running, \
                     or threads of the app that do not end)"
                        .to_owned(),
                ));
            }
            let signal = signals.poll();
            if signal.is_none() {
                std::thread::sleep(CONTROLLER_TICK);
            }
            if let Some(sig) = signal {
                signalled += 1;
                signal_name.get_or_insert(match sig {
                    Signal::Interrupt => "SIGINT",
                    Signal::Terminate => "SIGTERM",
                });
                // A second signal cuts the grace period short, like uvicorn's second Ctrl+C.
                let grace = if signalled == 1 { config.grace } else { Duration::ZERO };
                let _ = to_leader.push(Control::Shutdown { grace });
                ordered_at.get_or_insert_with(std::time::Instant::now);
            }
            if handles.iter().any(|h| h.is_finished()) && signalled == 0 {
                // A core stopped without being asked (its future ended or it panicked): stop all.
                signalled += 1;
                let _ = to_leader.push(Control::Shutdown { grace: config.grace });
                ordered_at.get_or_insert_with(std::time::Instant::now);
            }
        }

        let mut stats = Vec::new();
        let mut died = None;
        for (index, h) in handles.into_iter().enumerate() {
            match h.join() {
                Ok(Some(collected)) => stats = collected,
                Ok(None) => {}
                Err(_) => died = Some(RunError::CoreDied(format!("core {index} panicked"))),
            }
        }
        match died {
            Some(e) => Err(e),
            None => Ok(RunReport { stats, signal: signal_name }),
        }
    })
}

fn resolve_driver(io: IoChoice) -> Result<IoDriverKind, RunError> {
    let uring = monoio::utils::detect_uring();
    match io {
        IoChoice::Epoll => Ok(IoDriverKind::Epoll),
        IoChoice::Auto => Ok(if uring { IoDriverKind::Uring } else { IoDriverKind::Epoll }),
        IoChoice::Uring if uring => Ok(IoDriverKind::Uring),
        IoChoice::Uring => Err(RunError::Reactor(
            "io_uring was requested (--io uring / FASTERAPI_IO=uring) but this kernel does not allow it; \
             use --io epoll or auto"
                .into(),
        )),
    }
}

/// How often the controller looks for signals and for cores that stopped.
const CONTROLLER_TICK: Duration = Duration::from_millis(50);

/// How long past the grace deadline the leader waits for the other cores' reports.
const STATS_WAIT: Duration = Duration::from_secs(2);

/// Submission queue size per core; bounds in-flight socket operations per ring submission.
const URING_ENTRIES: u32 = 4096;

/// The body of one core thread. Returns the mesh-collected stats on the leader.
#[allow(clippy::too_many_arguments)]
fn core_main<S, Fut>(
    config: &RuntimeConfig,
    index: usize,
    cpu: usize,
    driver: IoDriverKind,
    endpoint: MeshEndpoint,
    inbox: Option<Consumer<Control>>,
    ready: mpsc::Sender<Result<(), String>>,
    setup: &S,
) -> Option<Vec<CoreStats>>
where
    S: Fn(CoreContext) -> Result<Fut, String>,
    Fut: Future<Output = CoreStats> + 'static,
{
    // Signals are the controller's business; a reactor should never be interrupted by one.
    signals::block_in_this_thread();
    let pinned = config.pin && core_affinity::set_for_current(core_affinity::CoreId { id: cpu });
    let body = CoreBody { config, index, cpu, pinned, driver, endpoint, inbox, setup };
    // The two drivers are different runtime types, hence two arms that do the same.
    let served = match driver {
        IoDriverKind::Uring => RuntimeBuilder::<IoUringDriver>::new()
            .with_entries(URING_ENTRIES)
            .enable_timer()
            .build()
            .map(|mut rt| rt.block_on(body.run(&ready))),
        IoDriverKind::Epoll => {
            RuntimeBuilder::<LegacyDriver>::new().enable_timer().build().map(|mut rt| rt.block_on(body.run(&ready)))
        }
    };
    served.unwrap_or_else(|e| {
        let _ = ready.send(Err(format!("core {index}: cannot create the {driver} reactor: {e}")));
        None
    })
}

struct CoreBody<'a, S> {
    config: &'a RuntimeConfig,
    index: usize,
    cpu: usize,
    pinned: bool,
    driver: IoDriverKind,
    endpoint: MeshEndpoint,
    inbox: Option<Consumer<Control>>,
    setup: &'a S,
}

impl<S, Fut> CoreBody<'_, S>
where
    S: Fn(CoreContext) -> Result<Fut, String>,
    Fut: Future<Output = CoreStats> + 'static,
{
    /// Sets the core up, reports the outcome on `ready`, then serves until told to stop.
    async fn run(self, ready: &mpsc::Sender<Result<(), String>>) -> Option<Vec<CoreStats>> {
        let CoreBody { config, index, cpu, pinned, driver, mut endpoint, mut inbox, setup } = self;
        let shutdown = Shutdown::new();
        let ctx = CoreContext { index, cpu, pinned, driver, shutdown: shutdown.clone() };
        let work = match setup(ctx) {
            Ok(fut) => {
                let _ = ready.send(Ok(()));
                fut
            }
            Err(msg) => {
                let _ = ready.send(Err(msg));
                return None;
            }
        };

        // The control task: polls this core's rings and turns Shutdown into the local signal.
        let n = endpoint.peers() + 1;
        let collected = std::rc::Rc::new(std::cell::RefCell::new(vec![None::<CoreStats>; n]));
        let tick = config.control_tick;
        let control = {
            let shutdown = shutdown.clone();
            let collected = collected.clone();
            async move {
                loop {
                    let mut order = None;
                    if let Some(rx) = inbox.as_mut() {
                        while let Ok(Control::Shutdown { grace }) = rx.pop() {
                            order = Some(grace);
                        }
                    }
                    if let Some(grace) = order {
                        // The leader passes the controller's order on to every core.
                        endpoint.broadcast(&Control::Shutdown { grace });
                        shutdown.trigger(grace);
                    }
                    endpoint.drain(|msg| match msg {
                        Control::Shutdown { grace } => shutdown.trigger(grace),
                        Control::Stats { from, stats } => collected.borrow_mut()[from] = Some(stats),
                    });
                    monoio::time::sleep(tick).await;
                    let done = if index == 0 {
                        // The leader waits for every core's report, but not for a dead core.
                        let all = collected.borrow().iter().all(Option::is_some);
                        let overdue = shutdown.deadline().is_some_and(|d| std::time::Instant::now() > d + STATS_WAIT);
                        all || overdue
                    } else {
                        // A follower sends its own report once its work has ended (below).
                        collected.borrow()[index].is_some()
                    };
                    if done {
                        return endpoint;
                    }
                }
            }
        };
        let control = monoio::spawn(control);

        let stats = work.await;
        collected.borrow_mut()[index] = Some(stats);
        let mut endpoint = control.await;

        if index == 0 {
            // Every follower reported before the leader's control task returned.
            let all = collected.borrow().iter().map(|s| s.unwrap_or_default()).collect();
            return Some(all);
        }
        // Followers report to the leader, retrying while its ring is full.
        let mut msg = Control::Stats { from: index, stats };
        loop {
            match endpoint.send(0, msg) {
                Ok(()) => break,
                Err(back) => {
                    msg = back;
                    monoio::time::sleep(tick).await;
                }
            }
        }
        None
    }
}
