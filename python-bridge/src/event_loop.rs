//! Driving the core's asyncio loop from the core's reactor, on the core's thread.
//!
//! The loop's selector is an epoll instance made here; the reactor waits for it to become
//! readable (io_uring poll or the epoll driver), for the loop's next timer, or for a kick
//! (Python scheduled a callback outside a loop turn), whichever comes first, together with
//! every connection of the core. Then one loop turn runs, attached. An idle core sleeps in
//! the kernel. See docs/architecture.md, "asyncio on the core".

use std::cell::Cell;
use std::future::Future;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use monoio::net::unix::UnixDatagram;

use crate::cpython::core::{Core, Wakeup};

/// The loop's epoll instance: ours to wait on, and a duplicate for Python's selector.
pub struct LoopPoller {
    watch: UnixDatagram,
}

impl LoopPoller {
    /// Returns the poller and the descriptor to hand to `fasterapi._loop.new_core_loop`
    /// (Python owns and closes that one).
    pub fn new() -> std::io::Result<(LoopPoller, i32)> {
        use nix::sys::epoll::{Epoll, EpollCreateFlags};
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let for_python: OwnedFd = nix::unistd::dup(&epoll.0)?;
        // monoio has no type for "any pollable descriptor"; a datagram socket's
        // `readable()` is a plain readiness wait (io_uring POLL_ADD, or epoll), which is all
        // we use. Nothing is ever read from or written to it.
        let std_socket = std::os::unix::net::UnixDatagram::from(epoll.0);
        let watch = UnixDatagram::from_std(std_socket)?;
        Ok((LoopPoller { watch }, for_python.into_raw_fd()))
    }
}

/// Tells the driver to stop after its current wait.
#[derive(Default)]
pub struct Stop(Cell<bool>);

impl Stop {
    pub fn stop(&self, core: &Core) {
        self.0.set(true);
        core.event_loop.kick().fire();
    }
}

/// Runs loop turns whenever the loop has work, until `stop`.
pub async fn drive(core: Rc<Core>, poller: LoopPoller, stop: Rc<Stop>) {
    let event_loop = &core.event_loop;
    loop {
        let wakeup = core.interpreter.with(|attached| event_loop.next_wakeup(attached));
        event_loop.kick().reset();
        if stop.0.get() {
            return;
        }
        match wakeup {
            // Ready callbacks: run them, but let the core's connections have their turn first.
            Wakeup::Now => YieldNow(false).await,
            Wakeup::After(delay) => {
                monoio::select! {
                    _ = poller.watch.readable(false) => {},
                    _ = monoio::time::sleep(delay) => {},
                    _ = event_loop.kick().wait() => {},
                }
            }
            Wakeup::Idle => {
                monoio::select! {
                    _ = poller.watch.readable(false) => {},
                    _ = event_loop.kick().wait() => {},
                }
            }
        }
        if stop.0.get() {
            return;
        }
        core.interpreter.with(|attached| event_loop.run_once(attached));
    }
}

/// Gives the other tasks of the core one turn.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
