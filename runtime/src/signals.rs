//! SIGINT/SIGTERM without signal handlers.
//!
//! The controller blocks both signals in its own mask before it starts the core threads (which
//! inherit the mask), then reads them from a signalfd. No handler runs on a core, nothing
//! async-signal-unsafe can happen, and an embedding interpreter's own handlers (Python's
//! KeyboardInterrupt) never see the signal.

use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal as NixSignal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::os::fd::AsFd;

pub struct BlockedSignals {
    fd: SignalFd,
    previous: SigSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl BlockedSignals {
    /// Blocks SIGINT and SIGTERM for the calling thread and the threads it starts from now on.
    pub fn block() -> std::io::Result<BlockedSignals> {
        let mut set = SigSet::empty();
        set.add(NixSignal::SIGINT);
        set.add(NixSignal::SIGTERM);
        let mut previous = SigSet::empty();
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut previous))?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(BlockedSignals { fd, previous })
    }

    /// Waits up to `timeout` for one of the blocked signals.
    pub fn wait(&self, timeout: Duration) -> Option<Signal> {
        let millis = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        if !matches!(poll(&mut fds, PollTimeout::from(millis)), Ok(n) if n > 0) {
            return None;
        }
        match self.fd.read_signal() {
            Ok(Some(info)) if info.ssi_signo == NixSignal::SIGINT as u32 => Some(Signal::Interrupt),
            Ok(Some(info)) if info.ssi_signo == NixSignal::SIGTERM as u32 => Some(Signal::Terminate),
            _ => None,
        }
    }
}

impl Drop for BlockedSignals {
    fn drop(&mut self) {
        // Consume signals that arrived after the last wait, so unblocking does not deliver
        // them to whatever handler the process had before (they were meant for us).
        while self.wait(Duration::ZERO).is_some() {}
        let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&self.previous), None);
    }
}
