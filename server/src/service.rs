//! The interface between the server and an application.

use crate::http1::request::Request;
use crate::http1::response::{self, ConnectionHeader};

/// A per-core application. The server routes each request with the [`crate::Router`] it was
/// given and calls `handle` with the route's target, on the core that accepted the connection.
/// Handlers are `!Send`-friendly: nothing here crosses a thread.
pub trait Handler {
    /// What the router maps a method and path to (e.g. an index into a table of endpoints).
    type Route;

    /// Answers `request` through `response` (exactly one `send`; none means a 500).
    fn handle(&self, route: &Self::Route, request: Request, response: &mut ResponseWriter<'_>);
}

/// Where a handler writes its one response; the server adds `Server`, `Date`,
/// `Content-Length` and `Connection`.
pub struct ResponseWriter<'a> {
    out: &'a mut Vec<u8>,
    head_only: bool,
    connection: ConnectionHeader,
    sent: bool,
}

impl<'a> ResponseWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, head_only: bool, connection: ConnectionHeader) -> Self {
        ResponseWriter { out, head_only, connection, sent: false }
    }

    /// Writes the response. Header names must be tokens and values must not contain CR, LF
    /// or NUL; a response breaking that is replaced by a 500 (no response splitting).
    pub fn send(&mut self, status: u16, headers: &[(&[u8], &[u8])], body: &[u8]) {
        if self.sent {
            return;
        }
        self.sent = true;
        if !(200..=999).contains(&status) {
            eprintln!("fasterapi: the application answered with invalid status {status}; sending 500");
            return self.internal_error();
        }
        if let Some((name, _)) = headers.iter().find(|(n, v)| !valid_header(n, v)) {
            eprintln!(
                "fasterapi: the application sent an invalid header {:?}; sending 500",
                String::from_utf8_lossy(name)
            );
            return self.internal_error();
        }
        response::write_head(self.out, status, headers, body.len(), self.connection);
        if !self.head_only && !response::forbids_body(status) {
            self.out.extend_from_slice(body);
        }
    }

    /// The response every unexpected failure gets: `500 Internal Server Error`.
    pub fn internal_error(&mut self) {
        self.sent = true;
        response::write_simple(
            self.out,
            500,
            b"text/plain; charset=utf-8",
            None,
            b"Internal Server Error",
            self.connection,
            self.head_only,
        );
    }

    pub fn is_sent(&self) -> bool {
        self.sent
    }
}

fn valid_header(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty()
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && !value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_injection_becomes_a_500() {
        let mut out = Vec::new();
        let mut w = ResponseWriter::new(&mut out, false, ConnectionHeader::Omit);
        w.send(200, &[(b"x-a", b"1\r\nSet-Cookie: evil")], b"hi");
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("HTTP/1.1 500 "), "{s}");
        assert!(!s.contains("evil"));
    }

    #[test]
    fn head_only_keeps_length_drops_body() {
        let mut out = Vec::new();
        let mut w = ResponseWriter::new(&mut out, true, ConnectionHeader::Omit);
        w.send(200, &[(b"content-type", b"text/plain")], b"hello");
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("Content-Length: 5\r\n"), "{s}");
        assert!(s.ends_with("\r\n\r\n"), "{s}");
    }
}
