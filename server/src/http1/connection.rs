//! One HTTP/1.1 connection, from accept to close.
//!
//! ```text
//!        ┌──────────── read (keep-alive timeout while idle, header timeout mid-head) ◀──┐
//!        ▼                                                                               │
//!   ReadingHead ──complete──▶ [framing] ──none / all there──▶ dispatch ─┐                │
//!        │                       │                                      ▼                │
//!        │                       ├─Length(n)──▶ ReadingBody ──────▶ dispatch ──▶ more in buffer?
//!        │                       └─Chunked───▶ ReadingChunked ───▶ dispatch      yes: loop (pipelining)
//!        └─bad head──▶ 4xx + close                                              no: flush batch, read
//! ```
//! Responses of pipelined requests accumulate in one output buffer and are written with
//! one syscall per batch, in request order.

use bytes::{Bytes, BytesMut};
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use monoio::net::TcpStream;
use std::net::SocketAddr;
use std::time::Instant;

use super::body::{ChunkError, ChunkedDecoder};
use super::head::{self, Framing, ParsedHead, Reject};
use super::response::{write_simple, ConnectionHeader};
use crate::config::Limits;
use crate::date;
use crate::router::{Lookup, Router};
use crate::service::{Handler, ResponseWriter};
use runtime::Shutdown;

enum Stage {
    ReadingHead,
    ReadingBody { head: ParsedHead, remaining: usize },
    ReadingChunked { head: ParsedHead, decoder: ChunkedDecoder, body: BytesMut },
}

/// What became of a connection, for the core's counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConnectionStats {
    pub requests: u64,
}

pub struct Connection<'a, H: Handler> {
    stream: TcpStream,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    router: &'a Router<H::Route>,
    handler: &'a H,
    limits: &'a Limits,
    shutdown: Shutdown,
    buf: BytesMut,
    out: Vec<u8>,
    stage: Stage,
    /// When the first byte of the current request's head arrived.
    head_started: Option<Instant>,
    closing: bool,
    /// The server refused a request: unread input may still be arriving (see `linger`).
    rejected: bool,
    stats: ConnectionStats,
}

enum ReadOutcome {
    Data,
    Closed,
}

impl<'a, H: Handler> Connection<'a, H> {
    pub fn new(
        stream: TcpStream,
        peer: Option<SocketAddr>,
        router: &'a Router<H::Route>,
        handler: &'a H,
        limits: &'a Limits,
        shutdown: Shutdown,
    ) -> Self {
        let local = stream.local_addr().ok();
        Connection {
            stream,
            peer,
            local,
            router,
            handler,
            limits,
            shutdown,
            buf: BytesMut::with_capacity(limits.read_buffer_bytes),
            out: Vec::with_capacity(limits.read_buffer_bytes),
            stage: Stage::ReadingHead,
            head_started: None,
            closing: false,
            rejected: false,
            stats: ConnectionStats::default(),
        }
    }

    pub async fn run(mut self) -> ConnectionStats {
        loop {
            date::refresh();
            let batch_full = self.process_buffer();
            if !self.out.is_empty() && self.flush().await.is_err() {
                break;
            }
            if self.closing {
                break;
            }
            if batch_full {
                // More complete requests may be waiting in the buffer: answer them before
                // reading (the client may send nothing more until it has its responses).
                continue;
            }
            match self.read_more().await {
                ReadOutcome::Data => {}
                ReadOutcome::Closed => break,
            }
        }
        let _ = self.stream.shutdown().await;
        if self.rejected {
            self.linger().await;
        }
        self.stats
    }

    /// After refusing a request whose body may still be in flight (a 413, say), keep reading
    /// and discarding for a moment before closing. Closing with unread input makes the kernel
    /// send a reset, which can destroy our error response before the client reads it.
    async fn linger(&mut self) {
        const LINGER_BYTES: usize = 256 * 1024;
        const LINGER_TIME: std::time::Duration = std::time::Duration::from_secs(1);
        let until = Instant::now() + LINGER_TIME;
        let mut discarded = 0;
        let mut scratch = std::mem::take(&mut self.buf);
        while discarded < LINGER_BYTES {
            scratch.clear();
            scratch.reserve(16 * 1024);
            let cap = scratch.capacity();
            let read = self.stream.read(monoio::buf::IoBufMut::slice_mut(scratch, 0..cap));
            match monoio::time::timeout_at(until.into(), read).await {
                Ok((Ok(n), back)) if n > 0 => {
                    discarded += n;
                    scratch = back.into_inner();
                }
                _ => break,
            }
        }
    }

    /// Handles the requests that are complete in the buffer, until the output batch is full.
    /// Returns `true` if it stopped because the batch is full (more may be waiting).
    fn process_buffer(&mut self) -> bool {
        while !self.closing {
            let progressed = match std::mem::replace(&mut self.stage, Stage::ReadingHead) {
                Stage::ReadingHead => self.try_head(),
                Stage::ReadingBody { head, remaining } => self.try_body(head, remaining),
                Stage::ReadingChunked { head, decoder, body } => self.try_chunked(head, decoder, body),
            };
            if !progressed {
                return false;
            }
            if self.out.len() >= self.limits.write_batch_bytes {
                return true;
            }
        }
        false
    }

    fn try_head(&mut self) -> bool {
        if self.buf.is_empty() {
            return false;
        }
        self.head_started.get_or_insert_with(Instant::now);
        let parsed = match head::parse(&self.buf, self.limits) {
            Ok(Some(p)) => p,
            Ok(None) => return false,
            Err(reject) => {
                self.reject(reject);
                return false;
            }
        };
        let mut parsed = parsed;
        self.head_started = None;
        parsed.request.head = self.buf.split_to(parsed.len).freeze();
        match parsed.framing {
            Framing::None => {
                self.dispatch(parsed, Bytes::new());
                true
            }
            Framing::Length(n) if n > self.limits.max_body_bytes => {
                self.reject(Reject { status: 413, message: "Content Too Large" });
                false
            }
            Framing::Length(n) => {
                if parsed.expect_continue && self.buf.len() < n {
                    self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                self.stage = Stage::ReadingBody { head: parsed, remaining: n };
                true
            }
            Framing::Chunked => {
                if parsed.expect_continue && self.buf.is_empty() {
                    self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                self.stage =
                    Stage::ReadingChunked { head: parsed, decoder: ChunkedDecoder::new(), body: BytesMut::new() };
                true
            }
        }
    }

    fn try_body(&mut self, head: ParsedHead, remaining: usize) -> bool {
        if self.buf.len() < remaining {
            self.stage = Stage::ReadingBody { head, remaining };
            return false;
        }
        let body = self.buf.split_to(remaining).freeze();
        self.dispatch(head, body);
        true
    }

    fn try_chunked(&mut self, head: ParsedHead, mut decoder: ChunkedDecoder, mut body: BytesMut) -> bool {
        match decoder.decode(&mut self.buf, &mut body, self.limits.max_body_bytes) {
            Ok(true) => {
                self.dispatch(head, body.freeze());
                true
            }
            Ok(false) => {
                self.stage = Stage::ReadingChunked { head, decoder, body };
                false
            }
            Err(ChunkError::TooLarge) => {
                self.reject(Reject { status: 413, message: "Content Too Large" });
                false
            }
            Err(ChunkError::Malformed(why)) => {
                self.reject(Reject { status: 400, message: why });
                false
            }
        }
    }

    /// Routes a complete request and lets the handler answer it.
    fn dispatch(&mut self, parsed: ParsedHead, body: Bytes) {
        let ParsedHead { mut request, keep_alive, .. } = parsed;
        self.stats.requests += 1;
        let keep_alive = keep_alive && !self.shutdown.is_triggered();
        if !keep_alive {
            self.closing = true;
        }
        let connection = match (keep_alive, request.version) {
            (false, _) => ConnectionHeader::Close,
            (true, crate::Version::Http10) => ConnectionHeader::KeepAlive,
            (true, crate::Version::Http11) => ConnectionHeader::Omit,
        };
        request.body = body;
        request.peer = self.peer;
        request.local = self.local;
        let head_only = request.method() == "HEAD";
        let router = self.router;
        let found = {
            let path = request.path();
            match router.lookup(request.method(), &path) {
                Lookup::Found { target, params } => {
                    Ok((target, params.into_iter().map(|(k, v)| (Box::from(k), v)).collect()))
                }
                Lookup::MethodNotAllowed { allow } => Err(Some(allow)),
                Lookup::NotFound => Err(None),
            }
        };
        match found {
            Ok((target, params)) => {
                request.params = params;
                let mut writer = ResponseWriter::new(&mut self.out, head_only, connection);
                self.handler.handle(target, request, &mut writer);
                if !writer.is_sent() {
                    writer.internal_error();
                }
            }
            Err(Some(allow)) => write_simple(
                &mut self.out,
                405,
                b"application/json",
                Some((b"allow", allow.as_bytes())),
                br#"{"detail":"Method Not Allowed"}"#,
                connection,
                head_only,
            ),
            Err(None) => match router.slash_redirect(&request.path()) {
                // Like Starlette's redirect_slashes: /items/ -> /items (and back), keeping the query.
                Some(mut location) => {
                    if !request.query().is_empty() {
                        location.push('?');
                        location.push_str(&String::from_utf8_lossy(request.query()));
                    }
                    write_simple(
                        &mut self.out,
                        307,
                        b"text/plain; charset=utf-8",
                        Some((b"location", location.as_bytes())),
                        b"",
                        connection,
                        head_only,
                    )
                }
                None => write_simple(
                    &mut self.out,
                    404,
                    b"application/json",
                    None,
                    br#"{"detail":"Not Found"}"#,
                    connection,
                    head_only,
                ),
            },
        }
    }

    /// Answers a request the server refuses, and closes: after a framing error the rest
    /// of the stream cannot be trusted.
    fn reject(&mut self, reject: Reject) {
        self.closing = true;
        self.rejected = true;
        write_simple(
            &mut self.out,
            reject.status,
            b"text/plain; charset=utf-8",
            None,
            reject.message.as_bytes(),
            ConnectionHeader::Close,
            false,
        );
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        let out = std::mem::take(&mut self.out);
        let write = self.stream.write_all(out);
        match monoio::time::timeout(self.limits.write_timeout, write).await {
            Ok((res, mut out)) => {
                out.clear();
                self.out = out;
                res.map(|_| ())
            }
            // The buffer went with the cancelled write; the connection is closed anyway.
            Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
        }
    }

    /// Reads more bytes, bounded by the timeout that applies now.
    async fn read_more(&mut self) -> ReadOutcome {
        let idle = matches!(self.stage, Stage::ReadingHead) && self.buf.is_empty();
        if idle && self.shutdown.is_triggered() {
            return ReadOutcome::Closed;
        }
        let deadline = if idle {
            Instant::now() + self.limits.keepalive_timeout
        } else if matches!(self.stage, Stage::ReadingHead) {
            self.head_started.unwrap_or_else(Instant::now) + self.limits.header_timeout
        } else {
            // A body must keep arriving: at most one header-timeout between reads.
            Instant::now() + self.limits.header_timeout
        };
        // In-flight requests may finish after shutdown, but not past the grace deadline.
        let deadline = match self.shutdown.deadline() {
            Some(d) if !idle => deadline.min(d.into()),
            _ => deadline,
        };

        // A body of known length gets its room at once (it is bounded by max_body_bytes);
        // otherwise grow by the read-buffer size when nearly full.
        let want = match &self.stage {
            Stage::ReadingBody { remaining, .. } => remaining.saturating_sub(self.buf.len()).max(1024),
            _ => 1024,
        };
        if self.buf.capacity() - self.buf.len() < want {
            self.buf.reserve(want.max(self.limits.read_buffer_bytes));
        }
        let buf = std::mem::take(&mut self.buf);
        let len = buf.len();
        let cap = buf.capacity();
        let read = self.stream.read(monoio::buf::IoBufMut::slice_mut(buf, len..cap));
        let timed = monoio::time::timeout_at(deadline.into(), read);
        let result = if idle {
            let stop = self.shutdown.wait();
            monoio::select! {
                r = timed => Some(r),
                _ = stop => None,
            }
        } else {
            Some(timed.await)
        };
        match result {
            Some(Ok((Ok(n), slice))) => {
                self.buf = slice.into_inner();
                if n == 0 {
                    ReadOutcome::Closed
                } else {
                    ReadOutcome::Data
                }
            }
            // Read error, timeout, or shutdown while idle: close. (A timed-out or cancelled
            // read drops its buffer; nothing in it matters any more.)
            Some(Ok((Err(_), _))) | Some(Err(_)) | None => ReadOutcome::Closed,
        }
    }
}
