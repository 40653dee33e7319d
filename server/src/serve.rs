//! One core's server: accept on this core's listener shard, run each connection as a task
//! on this core's reactor, and drain on shutdown.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use monoio::net::TcpListener;

use crate::access_log::AccessLog;
use crate::config::Limits;
use crate::dispatch::Dispatch;
use crate::http1::connection::Connection;
use crate::layers::Layers;
use crate::router::Router;
use crate::service::Handler;
use runtime::{CoreStats, Shutdown};

/// Serves `listener` until `shutdown` triggers, then waits for open connections to finish
/// (they close at their next idle point, or at the grace deadline) and returns the counts.
pub async fn serve_core<H: Handler + 'static>(
    listener: std::net::TcpListener,
    router: Router<H::Route>,
    handler: H,
    layers: Layers,
    limits: Limits,
    access_log: Option<AccessLog>,
    shutdown: Shutdown,
) -> CoreStats
where
    H::Route: 'static,
{
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            log::error!("cannot register the listener with the reactor: {e}");
            return CoreStats::default();
        }
    };
    // Leaked once per core for the life of the server: connection tasks borrow these
    // without reference counting on the request path.
    let dispatch: &'static Dispatch<H> = Box::leak(Box::new(Dispatch::new(router, handler).with_layers(layers)));
    let limits: &'static Limits = Box::leak(Box::new(limits));
    let access_log: Option<&'static AccessLog> = access_log.map(|log| &*Box::leak(Box::new(log)));
    if let Some(log) = access_log {
        let stop = shutdown.clone();
        monoio::spawn(async move {
            while !stop.is_triggered() {
                monoio::time::sleep(crate::access_log::FLUSH_EVERY).await;
                if log.due() {
                    log.flush();
                }
            }
        });
    }

    let open = Rc::new(Cell::new(0usize));
    let handled = Rc::new(Cell::new(0u64));
    let mut accepted = 0u64;
    loop {
        let stop = shutdown.wait();
        let next = monoio::select! {
            r = listener.accept() => Some(r),
            _ = stop => None,
        };
        let Some(result) = next else { break };
        let (stream, peer) = match result {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors or a connection reset before accept: keep serving.
                log::warn!("accept failed: {e}");
                monoio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        accepted += 1;
        let _ = stream.set_nodelay(true);
        let (open_c, handled_c, stop) = (open.clone(), handled.clone(), shutdown.clone());
        open.set(open.get() + 1);
        monoio::spawn(async move {
            let stats = Connection::new(stream, Some(peer), dispatch, limits, access_log, stop).run().await;
            handled_c.set(handled_c.get() + stats.requests);
            open_c.set(open_c.get() - 1);
        });
    }
    drop(listener);

    // Drain: idle connections close at once, busy ones after their response or at the deadline.
    let deadline = shutdown.deadline().unwrap_or_else(std::time::Instant::now);
    while open.get() > 0 && std::time::Instant::now() < deadline {
        monoio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some(log) = access_log {
        log.flush();
    }
    CoreStats { accepted, handled: handled.get() }
}
