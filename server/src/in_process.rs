//! One request answered without a socket, for in-process test clients.
//!
//! The request's header section goes through the connection's parser and limits
//! (`http1::head`), the dispatch layer routes it, the application answers, and the answer is
//! written with the connection's own encoding (status line, `Server`/`Date`, framing, the
//! protocol checks, `HEAD` without a body, file ranges, chunked streams). Those wire bytes
//! are then read back as a client would ([`Exchange::read`]), so a test sees exactly what a
//! socket would have carried. Streamed and file bodies are collected whole.

use bytes::{Bytes, BytesMut};
use std::future::Future;
use std::net::SocketAddr;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::config::Limits;
use crate::date;
use crate::dispatch::Dispatch;
use crate::http1::body::{ChunkError, ChunkedDecoder};
use crate::http1::connection::{
    check, connection_header, file_part, pairs, write_chunk, write_last_chunk, RangeHeaders,
};
use crate::http1::head::{self, Framing, Reject};
use crate::http1::request::Version;
use crate::http1::response::{forbids_body, write_head, write_simple, BodyFraming, ConnectionHeader};
use crate::response::{Body, Response, StreamFailed};
use crate::service::{Handler, Reply};

/// Answers one request: `head` is a complete request header section (request line, header
/// fields, blank line), `body` the bytes after it. Returns the response as written on the
/// wire. Runs the handler's future to completion on the calling thread.
pub fn answer<H: Handler>(
    dispatch: &Dispatch<H>,
    limits: &Limits,
    head: Bytes,
    body: Bytes,
    peer: Option<SocketAddr>,
) -> Vec<u8> {
    block_on(answer_async(dispatch, limits, head, body, peer))
}

async fn answer_async<H: Handler>(
    dispatch: &Dispatch<H>,
    limits: &Limits,
    head: Bytes,
    body: Bytes,
    peer: Option<SocketAddr>,
) -> Vec<u8> {
    date::refresh();
    let mut out = Vec::new();
    let parsed = match head::parse(&head, limits) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return refused(out, Reject { status: 400, message: "Bad Request: incomplete request head" }),
        Err(reject) => return refused(out, reject),
    };
    let body = match parsed.framing {
        Framing::None => Bytes::new(),
        Framing::Length(n) if n > limits.max_body_bytes => {
            return refused(out, Reject { status: 413, message: "Content Too Large" })
        }
        // A socket would wait for the rest, then time out; here nothing more can come.
        Framing::Length(n) if body.len() < n => {
            return refused(out, Reject { status: 400, message: "Bad Request: body shorter than its Content-Length" })
        }
        Framing::Length(n) => body.slice(..n),
        Framing::Chunked => {
            let mut input = BytesMut::from(&body[..]);
            let mut decoded = BytesMut::new();
            match ChunkedDecoder::new().decode(&mut input, &mut decoded, limits.max_body_bytes) {
                Ok(true) => decoded.freeze(),
                Ok(false) => {
                    return refused(out, Reject { status: 400, message: "Bad Request: incomplete chunked body" })
                }
                Err(ChunkError::TooLarge) => return refused(out, Reject { status: 413, message: "Content Too Large" }),
                Err(ChunkError::Malformed(why)) => return refused(out, Reject { status: 400, message: why }),
            }
        }
    };
    let mut request = parsed.request;
    request.head = head;
    request.body = body;
    request.peer = peer;
    let version = request.version;
    let head_only = request.method() == "HEAD";
    let connection = connection_header(parsed.keep_alive, version);
    let range = parsed.has_range.then(|| RangeHeaders::of(&request));
    let response = match dispatch.call(request) {
        Reply::Ready(response) => response,
        Reply::Soon(future) | Reply::Later(future) => future.await,
    };
    write_response(&mut out, response, head_only, version, connection, range.as_ref()).await;
    out
}

/// What the connection writes when it refuses a request (and then closes).
fn refused(mut out: Vec<u8>, reject: Reject) -> Vec<u8> {
    let message = reject.message.as_bytes();
    write_simple(&mut out, reject.status, b"text/plain; charset=utf-8", None, message, ConnectionHeader::Close, false);
    out
}

/// The connection's `write_full`/`write_response`, into a buffer: the same checks, head,
/// framing and body rules. A stream that fails midway ends without its last chunk, as on
/// a socket.
async fn write_response(
    out: &mut Vec<u8>,
    mut response: Response,
    head_only: bool,
    version: Version,
    connection: ConnectionHeader,
    range: Option<&RangeHeaders>,
) {
    check(&mut response);
    if response.status == 101 && response.upgrade.is_some() {
        write_head(out, 101, pairs(&response), BodyFraming::Length(0), ConnectionHeader::Omit);
        return;
    }
    let status = response.status;
    let no_body = head_only || forbids_body(status);
    match std::mem::replace(&mut response.body, Body::Full(Bytes::new())) {
        Body::Full(bytes) => {
            write_head(out, status, pairs(&response), BodyFraming::Length(bytes.len() as u64), connection);
            if !no_body {
                out.extend_from_slice(&bytes);
            }
        }
        Body::Stream(mut stream) => {
            let (framing, connection) = match version {
                Version::Http11 => (BodyFraming::Chunked, connection),
                Version::Http10 => (BodyFraming::CloseDelimited, ConnectionHeader::Close),
            };
            write_head(out, status, pairs(&response), framing, connection);
            if no_body {
                return;
            }
            loop {
                match std::future::poll_fn(|cx| stream.poll_chunk(cx)).await {
                    Some(Ok(chunk)) if chunk.is_empty() => {}
                    Some(Ok(chunk)) => write_chunk(out, &chunk, framing),
                    Some(Err(StreamFailed)) => return,
                    None => return write_last_chunk(out, framing),
                }
            }
        }
        Body::File(file) => {
            let (status, start, len) = file_part(&mut response, range, file.len);
            write_head(out, status, pairs(&response), BodyFraming::Length(len), connection);
            if !no_body && len > 0 {
                let at = out.len();
                out.resize(at + len as usize, 0);
                if file.file.read_exact_at(&mut out[at..], start).is_err() {
                    // A socket would be closed with the body cut short: so is this one.
                    out.truncate(at);
                }
            }
        }
    }
}

/// A response read back from its wire form, as a client sees it.
#[derive(Debug)]
pub struct Exchange {
    pub status: u16,
    /// Header fields in wire order, names as written.
    pub headers: Vec<(Bytes, Bytes)>,
    /// The body, de-chunked.
    pub body: Bytes,
    /// `false` when the body was cut off (a streamed body whose producer failed, a file that
    /// could not be read): a socket client would see the connection end early.
    pub complete: bool,
}

impl Exchange {
    /// Parses `wire` (one response, as [`answer`] wrote it) for a request of `method`.
    pub fn read(wire: Vec<u8>, method: &str) -> Result<Exchange, String> {
        let wire = Bytes::from(wire);
        let mut slots = vec![httparse::EMPTY_HEADER; 256];
        let mut parsed = httparse::Response::new(&mut slots);
        let head_len = match parsed.parse(&wire) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Err("incomplete response head".into()),
            Err(e) => return Err(format!("malformed response head: {e}")),
        };
        let status = parsed.code.unwrap_or(0);
        let mut length = None;
        let mut chunked = false;
        let headers: Vec<(Bytes, Bytes)> = parsed
            .headers
            .iter()
            .map(|h| {
                if h.name.eq_ignore_ascii_case("content-length") {
                    length = std::str::from_utf8(h.value).ok().and_then(|v| v.parse::<usize>().ok());
                } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = h.value.eq_ignore_ascii_case(b"chunked");
                }
                (wire.slice_ref(h.name.as_bytes()), wire.slice_ref(h.value))
            })
            .collect();
        let rest = wire.slice(head_len..);
        let (body, complete) = if method == "HEAD" || forbids_body(status) {
            (Bytes::new(), true)
        } else if chunked {
            let mut input = BytesMut::from(&rest[..]);
            let mut body = BytesMut::new();
            let complete = matches!(ChunkedDecoder::new().decode(&mut input, &mut body, usize::MAX), Ok(true));
            (body.freeze(), complete)
        } else if let Some(n) = length {
            (rest.slice(..n.min(rest.len())), rest.len() >= n)
        } else {
            (rest, true)
        };
        Ok(Exchange { status, headers, body, complete })
    }
}

/// Runs `future` to completion on this thread, parking while it waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Router;
    use crate::service::{Miss, Target};

    /// Answers route 1 with a JSON body, route 2 with a stream of two chunks, and misses
    /// with the server's own answers.
    struct Echo;

    struct Chunks(Vec<Bytes>);
    impl crate::response::ChunkStream for Chunks {
        fn poll_chunk(&mut self, _cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
            Poll::Ready(if self.0.is_empty() { None } else { Some(Ok(self.0.remove(0))) })
        }
    }

    impl Handler for Echo {
        type Route = u32;
        type Future<'a> = std::future::Ready<Response>;

        fn call<'a>(&'a self, target: Target<'a, u32>, request: crate::Request) -> Reply<Self::Future<'a>> {
            Reply::Ready(match target {
                Target::Route(1) => Response::full(200, b"application/json", request.body.clone()),
                Target::Route(_) => {
                    let chunks = Chunks(vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cde")]);
                    Response::new(200, Vec::new(), Body::Stream(Box::new(chunks)))
                }
                Target::Miss(miss) => Miss::response(&miss),
            })
        }
    }

    fn dispatch() -> Dispatch<Echo> {
        let mut router = Router::new();
        router.insert("POST", "/echo", 1).unwrap();
        router.insert("GET", "/stream", 2).unwrap();
        Dispatch::new(router, Echo)
    }

    fn exchange(head: &str, body: &[u8], method: &str) -> Exchange {
        let wire =
            answer(&dispatch(), &Limits::default(), Bytes::from(head.to_owned()), Bytes::copy_from_slice(body), None);
        Exchange::read(wire, method).unwrap()
    }

    fn header<'e>(e: &'e Exchange, name: &str) -> Option<&'e [u8]> {
        e.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| &v[..])
    }

    #[test]
    fn full_bodies_are_framed_and_read_back() {
        let e = exchange("POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 7\r\n\r\n", b"{\"a\":1}", "POST");
        assert_eq!((e.status, &e.body[..], e.complete), (200, &b"{\"a\":1}"[..], true));
        assert_eq!(header(&e, "content-length"), Some(&b"7"[..]));
        assert_eq!(header(&e, "server"), Some(&b"fasterapi"[..]));
    }

    #[test]
    fn streams_are_chunked_and_collected() {
        let e = exchange("GET /stream HTTP/1.1\r\nhost: t\r\n\r\n", b"", "GET");
        assert_eq!((&e.body[..], e.complete), (&b"abcde"[..], true));
        assert_eq!(header(&e, "transfer-encoding"), Some(&b"chunked"[..]));
    }

    #[test]
    fn misses_head_and_refusals_are_the_servers() {
        let e = exchange("GET /nope HTTP/1.1\r\nhost: t\r\n\r\n", b"", "GET");
        assert_eq!((e.status, &e.body[..]), (404, &br#"{"detail":"Not Found"}"#[..]));
        let e = exchange("GET /echo HTTP/1.1\r\nhost: t\r\n\r\n", b"", "GET");
        assert_eq!((e.status, header(&e, "allow")), (405, Some(&b"POST"[..])));
        let e = exchange("HEAD /stream HTTP/1.1\r\nhost: t\r\n\r\n", b"", "HEAD");
        assert_eq!((e.status, &e.body[..]), (200, &b""[..]));
        let e = exchange("GET /stream HTTP/1.1\r\n\r\n", b"", "GET");
        assert_eq!((e.status, &e.body[..]), (400, &b"Bad Request: missing Host header"[..]));
        let e = exchange("POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 9\r\n\r\n", b"short", "POST");
        assert_eq!(e.status, 400);
    }
}
