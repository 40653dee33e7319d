//! The HTTP server of one core: listener shard, HTTP/1.1 connections, router, limits.
//!
//! Knows nothing of Python. The application plugs in through [`Handler`]: the server parses
//! and routes a request, calls the handler on the core that accepted the connection, and
//! writes what the handler answered. See `docs/architecture.md` for the whole request path.

pub mod config;
pub mod date;
pub mod http1;
pub mod listener;
pub mod percent;
pub mod router;
pub mod serve;
pub mod service;

pub use config::Limits;
pub use http1::request::{Request, Version};
pub use router::{Lookup, Router, RouterError};
pub use serve::serve_core;
pub use service::{Handler, ResponseWriter};
