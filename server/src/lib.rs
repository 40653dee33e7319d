//! The HTTP server of one core: listener shard, HTTP/1.1 connections, router, limits.
//!
//! Knows nothing of Python. The application plugs in through [`Handler`]: the server parses
//! a request, the dispatch layer routes it, the handler answers it (eventually) with a
//! [`Response`] on the core that accepted the connection, and the protocol writes it. See `docs/architecture.md` for the whole request path.

pub mod access_log;
pub mod config;
pub mod date;
pub mod dispatch;
pub mod http1;
pub mod in_process;
pub mod layers;
pub mod listener;
pub mod percent;
pub mod range;
pub mod response;
pub mod router;
pub mod serve;
pub mod service;
mod sys;
pub mod upgrade;

pub use access_log::AccessLog;
pub use config::Limits;
pub use http1::request::{Request, Version};
pub use layers::{LayerSpec, Layers};
pub use response::{AfterSend, Body, ChunkStream, FileBody, Header, Response, StreamFailed};
pub use router::{Lookup, Router, RouterError};
pub use serve::serve_core;
pub use service::{Handler, Miss, Reply, Target};
pub use upgrade::{OnUpgrade, Upgraded};
