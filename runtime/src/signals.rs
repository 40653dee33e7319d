//! SIGINT/SIGTERM, wherever they land.
//!
//! The kernel delivers a process-directed signal to any thread that does not block it. Core
//! threads block both (so a signal never interrupts a reactor), but threads that existed
//! before the server started — an app's own threads, started when the CLI imported it —
//! cannot be made to block them. So the controller installs real handlers (signal-hook's
//! async-signal-safe self-pipe) and polls them: whichever thread the handler runs on, the
//! controller sees the signal. A handler that was installed before (Python's
//! KeyboardInterrupt trigger for SIGINT) is still called after ours.

use nix::sys::signal::{SigSet, SigmaskHow, Signal as NixSignal};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

pub struct SignalWatch {
    signals: Signals,
}

impl SignalWatch {
    /// Starts catching SIGINT and SIGTERM (until dropped).
    pub fn install() -> std::io::Result<SignalWatch> {
        Ok(SignalWatch { signals: Signals::new([SIGINT, SIGTERM])? })
    }

    /// A signal that arrived since the last call, if any. Never blocks.
    pub fn poll(&mut self) -> Option<Signal> {
        self.signals.pending().find_map(|sig| match sig {
            SIGINT => Some(Signal::Interrupt),
            SIGTERM => Some(Signal::Terminate),
            _ => None,
        })
    }
}

/// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts later).
pub fn block_in_this_thread() {
    let mut set = SigSet::empty();
    set.add(NixSignal::SIGINT);
    set.add(NixSignal::SIGTERM);
    // Only fails for an invalid `how`; nothing to do about it but serve on.
    let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}
