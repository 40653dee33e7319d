//! The Python bridge: embeds CPython in the server.
//!
//! * [`cpython`] is the only module with raw CPython calls and `unsafe`: interpreters, the
//!   native module `fasterapi._native` (request object, JSON), and calling the app.
//! * [`serve`] wires the runtime, the server and one interpreter per core together.
//! * [`handler`] is the server's `Handler` implemented by calling into Python.
//! * [`shared_state`] holds the counters and dicts every core shares (Rust-owned, no CPython).
//!
//! The module's import entry point, `PyInit__native`, is in `cpython::module`.
//!
//! The bridge knows nothing of sockets: it gets parsed requests and writes responses through
//! the server's `ResponseWriter`.

pub mod config;
pub mod cpython;
pub mod event_loop;
pub mod handler;
pub mod lane;
pub mod logging;
pub mod metrics;
pub mod serve;
pub mod shared_state;
