//! What a handler answers, independent of the protocol that carries it: a status, header
//! fields, and one of three kinds of body. HTTP/1.1 (`http1::write`) decides the framing
//! (Content-Length, chunked, close-delimited); HTTP/2 and HTTP/3 will frame the same value.

use bytes::Bytes;
use std::fmt;
use std::task::{Context, Poll};

/// One header field; names are sent as given (lower-case by convention).
pub type Header = (Bytes, Bytes);

pub struct Response {
    pub status: u16,
    /// `Content-Type`, kept apart from `headers` because nearly every response has one: the
    /// common answer then needs no header list at all (no allocation).
    pub content_type: Option<Bytes>,
    pub headers: Vec<Header>,
    pub body: Body,
    /// Set on a `101 Switching Protocols` answer: after the head is written, the connection
    /// hands its socket and unread bytes to this and ends (WebSocket, h2c).
    pub upgrade: Option<crate::upgrade::OnUpgrade>,
    /// Work to run once the response has been written to the socket, or the connection has
    /// gone without it (background tasks, clean-up after the response).
    pub after_send: Option<AfterSend>,
}

/// Work that runs when it is dropped. The connection keeps it until the bytes of its
/// response have left in a write (or the connection ends), then drops it; a response that
/// is discarded before it reaches a connection runs it at once. Running on drop makes
/// "exactly once, whatever happens to the response" hold without any bookkeeping.
pub struct AfterSend(Option<Box<dyn FnOnce()>>);

impl AfterSend {
    pub fn new(work: impl FnOnce() + 'static) -> AfterSend {
        AfterSend(Some(Box::new(work)))
    }
}

impl Drop for AfterSend {
    fn drop(&mut self) {
        if let Some(work) = self.0.take() {
            work();
        }
    }
}

pub enum Body {
    /// The whole body, known now (`Content-Length`).
    Full(Bytes),
    /// Chunks produced over time; the writer pulls the next one only once the previous one
    /// is on its way to the socket, which is the producer's backpressure.
    Stream(Box<dyn ChunkStream>),
    /// A regular file, sent by the kernel without copies; `Range` requests get a part of it.
    File(FileBody),
}

/// A body produced chunk by chunk.
pub trait ChunkStream {
    /// The next chunk; `None` at the end; `Err` if the producer failed midway (the response
    /// is then cut off so that the client cannot mistake it for a complete one).
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>>;
}

/// The producer of a streamed body failed; it has already reported why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFailed;

pub struct FileBody {
    pub file: std::fs::File,
    /// The file's length when the response was made (the bytes sent never exceed it).
    pub len: u64,
}

impl Response {
    pub fn new(status: u16, headers: Vec<Header>, body: Body) -> Response {
        Response { status, content_type: None, headers, body, upgrade: None, after_send: None }
    }

    /// A complete response with a `content-type` and a body known now.
    pub fn full(status: u16, content_type: &'static [u8], body: impl Into<Bytes>) -> Response {
        Response {
            status,
            content_type: Some(Bytes::from_static(content_type)),
            headers: Vec::new(),
            body: Body::Full(body.into()),
            upgrade: None,
            after_send: None,
        }
    }

    /// The response every unexpected failure gets.
    pub fn internal_error() -> Response {
        Response::full(500, b"text/plain; charset=utf-8", Bytes::from_static(b"Internal Server Error"))
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        if name.eq_ignore_ascii_case("content-type") {
            if let Some(ct) = &self.content_type {
                return Some(ct);
            }
        }
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| &v[..])
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Full(b) => format!("Full({} bytes)", b.len()),
            Body::Stream(_) => "Stream".to_owned(),
            Body::File(file) => format!("File({} bytes)", file.len),
        };
        f.debug_struct("Response").field("status", &self.status).field("body", &body).finish()
    }
}

/// Header names must be tokens and values must not contain CR, LF or NUL: a response that
/// breaks this is replaced by a 500 rather than split (RFC 9110 §5.1, §5.5).
pub fn valid_header(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty()
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && !value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}
