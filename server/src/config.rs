//! Limits and timeouts: named, with their defaults in one place (documented in the README).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request header section (request line + headers), `FASTERAPI_MAX_HEADER`. -> 431
    pub max_header_bytes: usize,
    /// Longest request target (path + query). -> 414
    pub max_uri_bytes: usize,
    /// Most header fields in one request. -> 431
    pub max_headers: usize,
    /// Largest request body, `FASTERAPI_MAX_BODY`. -> 413, answered before reading the body.
    pub max_body_bytes: usize,
    /// How long an idle keep-alive connection is kept, `FASTERAPI_KEEPALIVE`.
    pub keepalive_timeout: Duration,
    /// How long a client may take to send a complete header section, and at most between
    /// two reads of a body, `FASTERAPI_HEADER_TIMEOUT`. Slow clients cannot hold a core.
    pub header_timeout: Duration,
    /// How long one batch of responses may take to be written. A client that stops reading
    /// its responses is disconnected after this instead of holding its connection forever.
    pub write_timeout: Duration,
    /// Responses of pipelined requests are written in batches up to this size.
    pub write_batch_bytes: usize,
    /// Initial read buffer per connection.
    pub read_buffer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 16 * 1024,
            max_uri_bytes: 8 * 1024,
            max_headers: 100,
            max_body_bytes: 1024 * 1024,
            keepalive_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            write_batch_bytes: 256 * 1024,
            read_buffer_bytes: 8 * 1024,
        }
    }
}
