//! An owned, zero-copy request: the header section stays in the connection's buffer (a
//! shared `Bytes`), and the request keeps offsets into it.

use bytes::Bytes;
use std::net::SocketAddr;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "1.0",
            Version::Http11 => "1.1",
        }
    }
}

pub(crate) type Span = Range<u32>;

#[derive(Debug)]
pub struct Request {
    pub(crate) head: Bytes,
    pub(crate) method: Span,
    /// The request target's path part, as received.
    pub(crate) path: Span,
    /// The query, without `?`; empty when absent.
    pub(crate) query: Span,
    pub(crate) headers: Vec<(Span, Span)>,
    pub version: Version,
    pub body: Bytes,
    /// Route parameters: template name and value, in template order. Values are slices of
    /// the routed path, which is percent-decoded once (like Starlette), so they are decoded.
    pub params: Vec<(Box<str>, String)>,
    /// The path used for routing: percent-decoded when the raw one has escapes.
    pub(crate) decoded_path: Option<String>,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    /// When the connection last came back from waiting before handling this request (the read
    /// that completed it, or the answer to an earlier pipelined request): for timings; `None`
    /// when built elsewhere.
    pub started: Option<std::time::Instant>,
}

impl Request {
    fn slice(&self, s: &Span) -> &[u8] {
        &self.head[s.start as usize..s.end as usize]
    }

    pub fn method(&self) -> &str {
        // httparse only accepts token characters in a method, so this is ASCII.
        std::str::from_utf8(self.slice(&self.method)).unwrap_or("")
    }

    pub fn raw_path(&self) -> &[u8] {
        self.slice(&self.path)
    }

    /// The percent-decoded path (what routes match against).
    pub fn path(&self) -> std::borrow::Cow<'_, str> {
        match &self.decoded_path {
            Some(p) => std::borrow::Cow::Borrowed(p.as_str()),
            None => String::from_utf8_lossy(self.raw_path()),
        }
    }

    pub fn query(&self) -> &[u8] {
        self.slice(&self.query)
    }

    /// Header fields as received (names in their original case).
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.iter().map(|(n, v)| (self.slice(n), self.slice(v)))
    }

    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v)
    }

    pub(crate) fn span_of(base: *const u8, part: &[u8]) -> Range<u32> {
        let start = part.as_ptr() as usize - base as usize;
        start as u32..(start + part.len()) as u32
    }
}
