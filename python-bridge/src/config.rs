//! What `fasterapi._native.serve(...)` is told, already resolved from flags and environment
//! by the Python CLI (`fasterapi/cli.py`), with the defaults named in one place.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// `module:attribute` of the FasterAPI app.
    pub app: String,
    pub host: String,
    pub port: u16,
    /// Core spec (`"4"`, `"0-3,6"`); `None` = every core in the affinity mask.
    pub cores: Option<String>,
    pub pin: bool,
    /// `auto`, `uring` or `epoll`.
    pub io: String,
    /// Diagnostic: every core runs the main interpreter under its one GIL.
    pub shared_gil: bool,
    pub grace: Duration,
    /// Threads per core for blocking `def` handlers and `run_in_executor`, started lazily
    /// (`FASTERAPI_BLOCKING_THREADS`; 40 like anyio's default limiter).
    pub blocking_threads: usize,
    /// Sync calls that may wait for a pool thread, per core, before new ones get a 503
    /// (`FASTERAPI_BLOCKING_QUEUE`).
    pub blocking_queue: usize,
    /// Requests per core waiting for a task or the pool before new ones get a 503
    /// (`FASTERAPI_MAX_INFLIGHT`).
    pub max_in_flight: usize,
    /// Serve Prometheus metrics at this path (`FASTERAPI_METRICS=1` means `/metrics`).
    pub metrics_path: Option<String>,
    /// Threads of the main-interpreter lane (`FASTERAPI_LANE_THREADS`), started only when the
    /// app has `interpreter="main"` routes.
    pub lane_threads: usize,
    /// Requests that may wait for the lane before new ones get a 503 (`FASTERAPI_LANE_QUEUE`).
    pub lane_queue: usize,
    /// One line per request on stderr, written off the cores (`FASTERAPI_ACCESS_LOG=1`).
    pub access_log: bool,
    pub limits: server::Limits,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            app: String::new(),
            host: "127.0.0.1".into(),
            port: 8000,
            cores: None,
            pin: true,
            io: "auto".into(),
            shared_gil: false,
            grace: Duration::from_secs(10),
            blocking_threads: 40,
            blocking_queue: 1000,
            max_in_flight: 16384,
            metrics_path: None,
            access_log: false,
            lane_threads: 2,
            lane_queue: 1024,
            limits: server::Limits::default(),
        }
    }
}

/// Which Python exception a failure to serve becomes.
#[derive(Debug)]
pub enum ServeError {
    /// Bad configuration value -> `ValueError` (the CLI exits 2).
    Config(String),
    /// Binding or other OS failure -> `OSError` (the CLI exits 1).
    Os(String),
    /// An interpreter could not load the app, or a core died -> `RuntimeError`.
    Runtime(String),
}
