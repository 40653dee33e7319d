//! One HTTP/1.1 connection, from accept to close.
//!
//! ```text
//!        ┌──────────── read (keep-alive timeout while idle, header timeout mid-head) ◀───────┐
//!        ▼                                                                                    │
//!      Head ──complete──▶ [framing] ──none──────────────────────┐                             │
//!        │                   ├─Length(n)──▶ LengthBody ─────────┤                             │
//!        │                   └─Chunked───▶ ChunkedBody ─────────┤                             │
//!        │                                                      ▼                             │
//!        │       dispatch.call(request) ─▶ ready at once? ── yes ─▶ write ─▶ more buffered? ──no┘
//!        │                                  no: await it while watching the peer   yes: loop
//!        │                                      (a peer that leaves drops = cancels it)
//!        └─bad head──▶ 4xx + close
//! ```
//! Requests of one connection are answered one after another, so pipelined responses go out
//! in request order; other connections are separate tasks and proceed meanwhile. Full
//! bodies accumulate in one output buffer written with one syscall per batch; streamed and
//! file bodies are written as they come (chunked or close-delimited, and sendfile).

use bytes::{Bytes, BytesMut};
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use monoio::net::TcpStream;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Instant;

use super::body::{ChunkError, ChunkedDecoder};
use super::file;
use super::head::{self, Framing, ParsedHead, Reject};
use super::request::{Request, Version};
use super::response::{forbids_body, write_head, write_simple, BodyFraming, ConnectionHeader};
use crate::access_log::AccessLog;
use crate::config::Limits;
use crate::date;
use crate::dispatch::Dispatch;
use crate::range::{self, RangeOutcome};
use crate::response::{valid_header, Body, ChunkStream, Response, StreamFailed};
use crate::service::{Handler, Reply};
use crate::upgrade::{OnUpgrade, Upgraded};
use runtime::Shutdown;

enum Stage {
    Head,
    LengthBody { head: ParsedHead, remaining: usize },
    ChunkedBody { head: ParsedHead, decoder: ChunkedDecoder, body: BytesMut },
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
    dispatch: &'a Dispatch<H>,
    limits: &'a Limits,
    access_log: Option<&'a AccessLog>,
    shutdown: Shutdown,
    buf: BytesMut,
    out: Vec<u8>,
    stage: Stage,
    /// When the first byte of the current request's head arrived.
    head_started: Option<Instant>,
    /// When this connection's task last came back from waiting (a read, a pending answer, a
    /// streamed write): one clock reading, shared by the header timeout and by the requests
    /// handled before the next wait (their `started`).
    resumed: Instant,
    closing: bool,
    /// The server refused a request: unread input may still be arriving (see `linger`).
    rejected: bool,
    /// The client closed while its request was being handled: nothing more to write.
    peer_left: bool,
    stats: ConnectionStats,
}

enum ReadOutcome {
    Data,
    Closed,
}

/// How one response is to be written.
#[derive(Clone, Copy)]
struct Keep {
    head_only: bool,
    version: Version,
    connection: ConnectionHeader,
}

/// The request headers a file body's `Range` handling needs, copied before the request
/// goes to the handler (only when present: most requests have neither).
#[derive(Default)]
pub(crate) struct RangeHeaders {
    range: Option<Bytes>,
    if_range: Option<Bytes>,
}

impl RangeHeaders {
    pub(crate) fn of(request: &Request) -> RangeHeaders {
        if request.method() != "GET" && request.method() != "HEAD" {
            return RangeHeaders::default();
        }
        let copy = |name| request.header(name).map(Bytes::copy_from_slice);
        RangeHeaders { range: copy("range"), if_range: copy("if-range") }
    }

    fn resolve(&self, response: &Response, len: u64) -> RangeOutcome {
        range::resolve(
            self.range.as_deref(),
            self.if_range.as_deref(),
            response.header("etag"),
            response.header("last-modified"),
            len,
        )
    }
}

/// What writing a request's answer needs, noted before the request went to the handler.
struct Meta {
    keep: Keep,
    /// Boxed and rare (only requests with `Range`), so the common value stays small.
    range: Option<Box<RangeHeaders>>,
    request_line: Option<String>,
}

/// Replaces the response by a 500 when it would break the protocol (a status outside
/// 100-999, a header that is not a token or has CR/LF/NUL in its value).
pub(crate) fn check(response: &mut Response) {
    if !(100..=999).contains(&response.status) {
        log::error!("the application answered with invalid status {}; sending 500", response.status);
        *response = Response::internal_error();
    } else {
        let invalid = pairs(response).find(|(n, v)| !valid_header(n, v)).map(|(n, _)| n.to_vec());
        if let Some(name) = invalid {
            log::error!("the application sent an invalid header {:?}; sending 500", String::from_utf8_lossy(&name));
            *response = Response::internal_error();
        }
    }
}

/// Which part of a file body goes out, and the status and headers that say so: the whole
/// file (200, `accept-ranges`), one range (206, `content-range`) or none (416). Returns
/// `(status, start, len)`.
pub(crate) fn file_part(response: &mut Response, range: Option<&RangeHeaders>, file_len: u64) -> (u16, u64, u64) {
    let status = response.status;
    let part = match range {
        Some(range) if status == 200 => range.resolve(response, file_len),
        _ => RangeOutcome::Whole,
    };
    let (status, start, len) = match part {
        RangeOutcome::Whole => (status, 0, file_len),
        RangeOutcome::Part { start, end } => {
            let value = format!("bytes {start}-{end}/{file_len}");
            response.headers.push((Bytes::from_static(b"content-range"), Bytes::from(value)));
            (206, start, end - start + 1)
        }
        RangeOutcome::Unsatisfiable => {
            let value = format!("bytes */{file_len}");
            response.content_type = None;
            response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(b"content-type"));
            response.headers.push((Bytes::from_static(b"content-range"), Bytes::from(value)));
            (416, 0, 0)
        }
    };
    if status == 200 && file_len > 0 {
        response.headers.push((Bytes::from_static(b"accept-ranges"), Bytes::from_static(b"bytes")));
    }
    (status, start, len)
}

/// `GET /path?query HTTP/1.1`, as received.
fn request_line(request: &Request) -> String {
    let mut line = format!("{} {}", request.method(), String::from_utf8_lossy(request.raw_path()));
    if !request.query().is_empty() {
        line.push('?');
        line.push_str(&String::from_utf8_lossy(request.query()));
    }
    line.push_str(" HTTP/");
    line.push_str(request.version.as_str());
    line
}

pub(crate) fn connection_header(keep_alive: bool, version: Version) -> ConnectionHeader {
    match (keep_alive, version) {
        (false, _) => ConnectionHeader::Close,
        (true, Version::Http10) => ConnectionHeader::KeepAlive,
        (true, Version::Http11) => ConnectionHeader::Omit,
    }
}

/// The response's header fields as written: `content-type` first, then the others.
pub(crate) fn pairs(response: &Response) -> impl Iterator<Item = (&[u8], &[u8])> {
    let content_type = response.content_type.iter().map(|ct| (&b"content-type"[..], &ct[..]));
    content_type.chain(response.headers.iter().map(|(n, v)| (&n[..], &v[..])))
}

/// One chunk of a streamed body as it goes on the wire: chunked framing, or as is when the
/// body is close-delimited.
pub(crate) fn write_chunk(out: &mut Vec<u8>, chunk: &[u8], framing: BodyFraming) {
    if framing == BodyFraming::Chunked {
        let mut size = [0u8; 16];
        let n = hex_len(chunk.len(), &mut size);
        out.extend_from_slice(&size[..n]);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(chunk);
    }
}

/// The end of a complete streamed body (nothing for a close-delimited one).
pub(crate) fn write_last_chunk(out: &mut Vec<u8>, framing: BodyFraming) {
    if framing == BodyFraming::Chunked {
        out.extend_from_slice(b"0\r\n\r\n");
    }
}

/// Lower-case hex digits of `n` into `out`; returns how many.
fn hex_len(mut n: usize, out: &mut [u8; 16]) -> usize {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut tmp = [0u8; 16];
    let mut i = 0;
    loop {
        tmp[i] = DIGITS[n & 15];
        i += 1;
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    for j in 0..i {
        out[j] = tmp[i - 1 - j];
    }
    i
}

impl<'a, H: Handler> Connection<'a, H> {
    pub fn new(
        stream: TcpStream,
        peer: Option<SocketAddr>,
        dispatch: &'a Dispatch<H>,
        limits: &'a Limits,
        access_log: Option<&'a AccessLog>,
        shutdown: Shutdown,
    ) -> Self {
        let local = stream.local_addr().ok();
        Connection {
            stream,
            peer,
            local,
            dispatch,
            limits,
            access_log,
            shutdown,
            buf: BytesMut::with_capacity(limits.read_buffer_bytes),
            out: Vec::with_capacity(limits.read_buffer_bytes),
            stage: Stage::Head,
            head_started: None,
            resumed: Instant::now(),
            closing: false,
            rejected: false,
            peer_left: false,
            stats: ConnectionStats::default(),
        }
    }

    pub async fn run(mut self) -> ConnectionStats {
        loop {
            date::refresh();
            if let Some((head, body)) = self.next_request() {
                let (request, meta) = self.begin(head, body);
                let dispatch = self.dispatch;
                let response = match dispatch.call(request) {
                    // The common case: an answer now, no future, no I/O.
                    Reply::Ready(response) => response,
                    Reply::Soon(future) => {
                        let response = future.await;
                        self.resumed = Instant::now();
                        response
                    }
                    Reply::Later(future) => {
                        let mut future = std::pin::pin!(future);
                        let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
                        match first {
                            Poll::Ready(response) => response,
                            Poll::Pending => match self.wait_for(future.as_mut()).await {
                                Some(response) => {
                                    self.resumed = Instant::now();
                                    response
                                }
                                None => break,
                            },
                        }
                    }
                };
                if let Some(log) = self.access_log {
                    log.record(self.peer, meta.request_line.as_deref().unwrap_or(""), response.status);
                }
                if matches!(response.body, Body::Full(_)) && response.upgrade.is_none() {
                    self.write_full(response, meta.keep);
                } else {
                    let upgrade = self.write_response(response, meta.keep, meta.range).await;
                    self.resumed = Instant::now();
                    if let Some((upgrade, _response)) = upgrade {
                        return self.upgrade(upgrade).await;
                    }
                }
                // Pipelined requests: answer what is buffered, writing in batches.
                if self.out.len() >= self.limits.write_batch_bytes {
                    if self.flush().await.is_err() {
                        break;
                    }
                    self.resumed = Instant::now();
                }
                continue;
            }
            if !self.out.is_empty() && self.flush().await.is_err() {
                break;
            }
            if self.closing {
                break;
            }
            match self.read_more().await {
                ReadOutcome::Data => {}
                ReadOutcome::Closed => break,
            }
        }
        if !self.peer_left {
            let _ = self.stream.shutdown().await;
        }
        if self.rejected {
            self.linger().await;
        }
        self.stats
    }

    /// Writes the `101` head and hands the socket and the unread bytes to the new protocol.
    async fn upgrade(mut self, upgrade: OnUpgrade) -> ConnectionStats {
        if self.flush().await.is_err() {
            return self.stats;
        }
        let buffered = std::mem::take(&mut self.buf).freeze();
        let stats = self.stats;
        upgrade(Upgraded { stream: self.stream, buffered, peer: self.peer }).await;
        stats
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

    /// Advances the reading state machine over the buffered bytes until a request is
    /// complete (returned), more input is needed, or the request was refused (`closing`).
    fn next_request(&mut self) -> Option<(ParsedHead, Bytes)> {
        while !self.closing {
            match std::mem::replace(&mut self.stage, Stage::Head) {
                Stage::Head => {
                    if !self.try_head() {
                        return None;
                    }
                }
                Stage::LengthBody { head, remaining } => {
                    if self.buf.len() < remaining {
                        self.stage = Stage::LengthBody { head, remaining };
                        return None;
                    }
                    let body = self.buf.split_to(remaining).freeze();
                    return Some((head, body));
                }
                Stage::ChunkedBody { head, mut decoder, mut body } => {
                    match decoder.decode(&mut self.buf, &mut body, self.limits.max_body_bytes) {
                        Ok(true) => return Some((head, body.freeze())),
                        Ok(false) => {
                            self.stage = Stage::ChunkedBody { head, decoder, body };
                            return None;
                        }
                        Err(ChunkError::TooLarge) => self.reject(Reject { status: 413, message: "Content Too Large" }),
                        Err(ChunkError::Malformed(why)) => self.reject(Reject { status: 400, message: why }),
                    }
                }
            }
        }
        None
    }

    /// Parses a head if one is complete; moves to the body stage (a request without a body
    /// goes straight to `LengthBody` with nothing remaining). `false`: need more input.
    fn try_head(&mut self) -> bool {
        if self.buf.is_empty() {
            return false;
        }
        self.head_started.get_or_insert(self.resumed);
        let mut parsed = match head::parse(&self.buf, self.limits) {
            Ok(Some(p)) => p,
            Ok(None) => return false,
            Err(reject) => {
                self.reject(reject);
                return false;
            }
        };
        self.head_started = None;
        parsed.request.head = self.buf.split_to(parsed.len).freeze();
        match parsed.framing {
            Framing::None => {
                self.stage = Stage::LengthBody { head: parsed, remaining: 0 };
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
                self.stage = Stage::LengthBody { head: parsed, remaining: n };
                true
            }
            Framing::Chunked => {
                if parsed.expect_continue && self.buf.is_empty() {
                    self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                self.stage = Stage::ChunkedBody { head: parsed, decoder: ChunkedDecoder::new(), body: BytesMut::new() };
                true
            }
        }
    }

    /// Takes a complete request: counts it, decides keep-alive, and notes what writing its
    /// answer will need (the request itself goes to the application).
    fn begin(&mut self, parsed: ParsedHead, body: Bytes) -> (Request, Meta) {
        let ParsedHead { mut request, keep_alive, has_range, .. } = parsed;
        self.stats.requests += 1;
        let keep_alive = keep_alive && !self.shutdown.is_triggered();
        if !keep_alive {
            self.closing = true;
        }
        let version = request.version;
        request.body = body;
        request.peer = self.peer;
        request.local = self.local;
        request.started = Some(self.resumed);
        let meta = Meta {
            keep: Keep {
                head_only: request.method() == "HEAD",
                version,
                connection: connection_header(keep_alive, version),
            },
            range: has_range.then(|| Box::new(RangeHeaders::of(&request))),
            // Only when the access log is on: the request line outlives the request.
            request_line: self.access_log.map(|_| request_line(&request)),
        };
        (request, meta)
    }

    /// Awaits an answer that was not ready at once, watching the client meanwhile: if it
    /// leaves, `None`, and the caller drops the future, which cancels the handler's work.
    async fn wait_for<F: Future<Output = Response>>(&mut self, mut future: Pin<&mut F>) -> Option<Response> {
        let gone = monoio::select! {
            response = &mut future => Ok(response),
            gone = file::peer_gone(&self.stream) => Err(gone),
        };
        match gone {
            Ok(response) => Some(response),
            // More input (a pipelined request): it stays in the socket; just wait.
            Err(false) => Some(future.await),
            Err(true) => {
                self.closing = true;
                self.peer_left = true;
                None
            }
        }
    }

    /// A response with its whole body: head and body join the output batch.
    fn write_full(&mut self, mut response: Response, keep: Keep) {
        check(&mut response);
        let Body::Full(bytes) = &response.body else { return };
        let framing = BodyFraming::Length(bytes.len() as u64);
        write_head(&mut self.out, response.status, pairs(&response), framing, keep.connection);
        if !keep.head_only && !forbids_body(response.status) {
            self.out.extend_from_slice(bytes);
        }
    }

    /// Writes `response` after the ones already buffered: a full body joins the batch; a
    /// stream or a file is written out now.
    async fn write_response(
        &mut self,
        mut response: Response,
        keep: Keep,
        range: Option<Box<RangeHeaders>>,
    ) -> Option<(OnUpgrade, Response)> {
        check(&mut response);
        if response.status == 101 {
            if let Some(upgrade) = response.upgrade.take() {
                write_head(&mut self.out, 101, pairs(&response), BodyFraming::Length(0), ConnectionHeader::Omit);
                self.closing = true;
                return Some((upgrade, response));
            }
        }
        let status = response.status;
        let no_body = keep.head_only || forbids_body(status);
        let body = std::mem::replace(&mut response.body, Body::Full(Bytes::new()));
        match body {
            Body::Full(bytes) => {
                let framing = BodyFraming::Length(bytes.len() as u64);
                write_head(&mut self.out, status, pairs(&response), framing, keep.connection);
                if !no_body {
                    self.out.extend_from_slice(&bytes);
                }
            }
            Body::Stream(mut stream) => {
                let framing = match keep.version {
                    Version::Http11 => BodyFraming::Chunked,
                    Version::Http10 => {
                        self.closing = true;
                        BodyFraming::CloseDelimited
                    }
                };
                let connection = if self.closing { ConnectionHeader::Close } else { keep.connection };
                write_head(&mut self.out, status, pairs(&response), framing, connection);
                if !no_body {
                    self.write_stream(&mut *stream, framing).await;
                }
            }
            Body::File(file) => {
                let (status, start, len) = file_part(&mut response, range.as_deref(), file.len);
                write_head(&mut self.out, status, pairs(&response), BodyFraming::Length(len), keep.connection);
                if !no_body && len > 0 {
                    let sent = match self.flush().await {
                        Ok(()) => {
                            file::send_file(&self.stream, &file.file, start, len, self.limits.write_timeout).await
                        }
                        Err(e) => Err(e),
                    };
                    if sent.is_err() {
                        // Part of the body may be out: the connection cannot carry another response.
                        self.closing = true;
                    }
                }
            }
        }
        None
    }

    /// Sends a streamed body, one chunk per write: the producer is asked for the next chunk
    /// only once the previous one is written (backpressure). A failing producer or client
    /// ends the connection without the final chunk, so a cut body never looks complete.
    async fn write_stream(&mut self, stream: &mut dyn ChunkStream, framing: BodyFraming) {
        loop {
            let next = std::future::poll_fn(|cx| stream.poll_chunk(cx));
            // A client that leaves while the producer is idle is noticed by the next write.
            match next.await {
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(Ok(chunk)) => {
                    write_chunk(&mut self.out, &chunk, framing);
                    if self.flush().await.is_err() {
                        self.closing = true;
                        return;
                    }
                }
                Some(Err(StreamFailed)) => {
                    self.closing = true;
                    return;
                }
                None => {
                    write_last_chunk(&mut self.out, framing);
                    return;
                }
            }
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
        let idle = matches!(self.stage, Stage::Head) && self.buf.is_empty();
        if idle && self.shutdown.is_triggered() {
            return ReadOutcome::Closed;
        }
        let deadline = if idle {
            Instant::now() + self.limits.keepalive_timeout
        } else if matches!(self.stage, Stage::Head) {
            self.head_started.unwrap_or_else(Instant::now) + self.limits.header_timeout
        } else {
            // A body must keep arriving: at most one header-timeout between reads.
            Instant::now() + self.limits.header_timeout
        };
        // In-flight requests may finish after shutdown, but not past the grace deadline.
        let deadline = match self.shutdown.deadline() {
            Some(d) if !idle => deadline.min(d),
            _ => deadline,
        };

        // A body of known length gets its room at once (it is bounded by max_body_bytes);
        // otherwise grow by the read-buffer size when nearly full.
        let want = match &self.stage {
            Stage::LengthBody { remaining, .. } => remaining.saturating_sub(self.buf.len()).max(1024),
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
                self.resumed = Instant::now();
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
