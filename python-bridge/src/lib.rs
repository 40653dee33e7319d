//! The Python bridge: embeds CPython in the server.
//!
//! * [`cpython`] is the only module with raw CPython calls and `unsafe`: interpreters, the
//!   native module `fasterapi._native` (request object, JSON), and calling the app.
//! * [`serve`] wires the runtime, the server and one interpreter per core together.
//! * [`handler`] is the server's `Handler` implemented by calling into Python (with the
//!   in-flight limit, route timeouts, metrics and batching around each call).
//! * [`event_loop`] drives each core's asyncio loop from the core's reactor.
//! * [`layers`] reads the app's declarative middleware for the server's native layers.
//! * [`lane`] runs `interpreter="main"` routes on threads of the main interpreter.
//! * [`metrics`] (`/metrics`) and [`logging`] (the `log` facade's output).
//! * [`shared_state`] holds the counters and dicts every core shares (Rust-owned, no CPython).
//!
//! The module's import entry point, `PyInit__native`, is in `cpython::module`.
//!
//! The bridge knows nothing of sockets: it gets parsed requests from the server and answers
//! with `Response` values (`server::Handler`).

pub mod config;
pub mod cpython;
pub mod event_loop;
pub mod handler;
pub mod lane;
pub mod layers;
pub mod logging;
pub mod metrics;
pub mod serve;
pub mod shared_state;
