//! The thread-per-core runtime.
//!
//! One pinned OS thread per selected core, each with its own reactor (monoio on io_uring,
//! or on epoll where io_uring is unavailable). Cores share nothing; they talk only through a
//! mesh of single-producer/single-consumer rings, one per ordered pair of cores, which this
//! crate uses for control traffic: the shutdown broadcast and the collection of per-core
//! statistics. This crate knows nothing of HTTP or Python: it runs "a per-core closure on
//! each selected core" and hands it its [`CoreContext`].

mod cores;
mod launch;
mod mesh;
mod shutdown;
mod signals;

pub use cores::{CoreSet, CoreSpecError};
pub use launch::{run, CoreContext, CoreStats, IoChoice, IoDriverKind, RunError, RunReport, RuntimeConfig};
pub use mesh::{Control, Mesh, MeshEndpoint};
pub use shutdown::Shutdown;

/// Re-exported so that crates above us spawn tasks and set timers on the same reactor.
pub use monoio;
