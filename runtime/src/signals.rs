//! SIGINT/SIGTERM without signal handlers.
//!
//! The controller blocks both signals in its own mask before it starts the core threads (which
//! inherit the mask), then takes them synchronously with `sigtimedwait`. No handler runs
//! on a core, nothing async-signal-unsafe can happen, and an embedding interpreter's own
//! handlers (Python's KeyboardInterrupt) never see the signal.

use std::time::Duration;

pub struct BlockedSignals {
    set: libc::sigset_t,
    previous: libc::sigset_t,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl BlockedSignals {
    /// Blocks SIGINT and SIGTERM for the calling thread and the threads it starts from now on.
    pub fn block() -> BlockedSignals {
        // SAFETY: sigset_t is plain data initialised by sigemptyset; pthread_sigmask only
        // changes the calling thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut previous: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut previous);
            BlockedSignals { set, previous }
        }
    }

    /// Waits up to `timeout` for one of the blocked signals.
    pub fn wait(&self, timeout: Duration) -> Option<Signal> {
        let ts = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: `set` is a valid signal set; a null siginfo pointer is allowed.
        let sig = unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &ts) };
        match sig {
            libc::SIGINT => Some(Signal::Interrupt),
            libc::SIGTERM => Some(Signal::Terminate),
            _ => None,
        }
    }
}

impl Drop for BlockedSignals {
    fn drop(&mut self) {
        // Consume signals that arrived after the last wait, so unblocking does not deliver
        // them to whatever handler the process had before (they were meant for us).
        while self.wait(Duration::ZERO).is_some() {}
        // SAFETY: restores the mask saved in `block` for this same thread.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut());
        }
    }
}
