//! Parsing a request's header section and deciding its framing.
//!
//! httparse does the byte-level work (zero-copy, SIMD); this module adds what httparse leaves
//! to its caller: size limits, and the framing rules that close request-smuggling holes
//! (RFC 9112 §6.3): Content-Length together with Transfer-Encoding, differing
//! Content-Lengths, and codings we cannot decode are all refused.

use super::request::{Request, Version};
use crate::config::Limits;
use crate::percent;
use bytes::Bytes;

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(usize),
    Chunked,
}

#[derive(Debug)]
pub struct ParsedHead {
    pub request: Request,
    /// Bytes of the header section, including the blank line.
    pub len: usize,
    pub framing: Framing,
    pub keep_alive: bool,
    pub expect_continue: bool,
    /// A `Range` header is present (only then does a file answer look at `Range`/`If-Range`).
    pub has_range: bool,
}

/// A request the server refuses before it reaches the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub status: u16,
    pub message: &'static str,
}

impl Reject {
    const fn new(status: u16, message: &'static str) -> Reject {
        Reject { status, message }
    }
}

/// Upper bound on header fields httparse may fill; `Limits::max_headers` can only lower it.
const HEADER_SLOTS: usize = 128;

/// Parses a header section from the start of `buf`. `Ok(None)` means "not complete yet".
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Option<ParsedHead>, Reject> {
    // Uninitialised slots: httparse fills only as many as the request has, so we do not pay
    // for clearing 128 of them on every request.
    let mut slots = [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; HEADER_SLOTS];
    let max_headers = limits.max_headers.min(HEADER_SLOTS);
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, &mut slots[..max_headers]) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            check_partial(buf, limits)?;
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Reject::new(431, "Request Header Fields Too Large: too many header fields"))
        }
        Err(httparse::Error::Version) => return Err(Reject::new(400, "Bad Request: unsupported HTTP version")),
        Err(httparse::Error::Token) | Err(httparse::Error::Status) => {
            return Err(Reject::new(400, "Bad Request: malformed request line"))
        }
        Err(httparse::Error::HeaderName) | Err(httparse::Error::HeaderValue) => {
            return Err(Reject::new(400, "Bad Request: malformed header field"))
        }
        Err(_) => return Err(Reject::new(400, "Bad Request: malformed request")),
    };

    let target = req.path.unwrap_or("");
    if target.len() > limits.max_uri_bytes {
        return Err(Reject::new(414, "URI Too Long"));
    }
    if len > limits.max_header_bytes {
        return Err(Reject::new(431, "Request Header Fields Too Large"));
    }
    let version = match req.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };

    let base = buf.as_ptr();
    let mut content_length: Option<usize> = None;
    let mut transfer_encoding = false;
    let mut chunked = false;
    let mut close = false;
    let mut keep_alive_token = false;
    let mut expect_continue = false;
    let mut hosts = 0usize;
    let mut has_range = false;
    let mut headers = Vec::with_capacity(req.headers.len());
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        let value = trim(h.value);
        headers.push((Request::span_of(base, name), Request::span_of(base, value)));
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_content_length(value).ok_or(Reject::new(400, "Bad Request: invalid Content-Length"))?;
            if content_length.is_some_and(|prev| prev != n) {
                return Err(Reject::new(400, "Bad Request: conflicting Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            transfer_encoding = true;
            for coding in value.split(|&b| b == b',').map(trim).filter(|c| !c.is_empty()) {
                if coding.eq_ignore_ascii_case(b"chunked") {
                    if chunked {
                        return Err(Reject::new(400, "Bad Request: chunked applied twice"));
                    }
                    chunked = true;
                } else {
                    return Err(Reject::new(501, "Not Implemented: unsupported Transfer-Encoding"));
                }
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(trim) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive_token |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect_continue = value.eq_ignore_ascii_case(b"100-continue");
        } else if name.eq_ignore_ascii_case(b"range") {
            has_range = true;
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
            if !valid_host(value) {
                return Err(Reject::new(400, "Bad Request: invalid Host header"));
            }
        }
    }
    // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host.
    if version == Version::Http11 && hosts != 1 {
        return Err(Reject::new(
            400,
            if hosts == 0 { "Bad Request: missing Host header" } else { "Bad Request: more than one Host header" },
        ));
    }
    // RFC 9112 §6.1: HTTP/1.0 has no Transfer-Encoding; its framing cannot be trusted.
    if version == Version::Http10 && transfer_encoding {
        return Err(Reject::new(400, "Bad Request: Transfer-Encoding in an HTTP/1.0 request"));
    }

    let framing = match (transfer_encoding, content_length) {
        (true, Some(_)) => return Err(Reject::new(400, "Bad Request: both Content-Length and Transfer-Encoding")),
        (true, None) if !chunked => return Err(Reject::new(400, "Bad Request: empty Transfer-Encoding")),
        (true, None) => Framing::Chunked,
        (false, Some(0)) | (false, None) => Framing::None,
        (false, Some(n)) => Framing::Length(n),
    };
    let keep_alive = match version {
        Version::Http11 => !close,
        Version::Http10 => keep_alive_token && !close,
    };

    let (path, query) = split_target(target).ok_or(Reject::new(400, "Bad Request: invalid request target"))?;
    let decoded_path = if path.contains(&b'%') { Some(percent::decode_str(path, false)) } else { None };
    let method = req.method.unwrap_or("").as_bytes();
    let request = Request {
        head: Bytes::new(),
        method: Request::span_of(base, method),
        path: Request::span_of(base, path),
        query: Request::span_of(base, query),
        headers,
        version,
        body: Bytes::new(),
        params: Vec::new(),
        decoded_path,
        peer: None,
        local: None,
        started: None,
    };
    Ok(Some(ParsedHead { request, len, framing, keep_alive, expect_continue, has_range }))
}

/// A Host value is `host[:port]` (RFC 9110 §7.2 / RFC 3986 authority without userinfo):
/// reg-name characters, an IP literal in brackets, and digits after the colon. Empty is
/// allowed (RFC 9112 §3.2, for targets without an authority).
fn valid_host(value: &[u8]) -> bool {
    let (host, port) = if value.first() == Some(&b'[') {
        match memchr::memchr(b']', value) {
            Some(end) => {
                let literal = &value[1..end];
                if literal.is_empty() || !literal.iter().all(|&b| b.is_ascii_hexdigit() || b":.vV".contains(&b)) {
                    return false;
                }
                (&value[..=end], &value[end + 1..])
            }
            None => return false,
        }
    } else {
        match memchr::memrchr(b':', value) {
            Some(i) => (&value[..i], &value[i..]),
            None => (value, &value[value.len()..]),
        }
    };
    let host_ok = host.first() == Some(&b'[')
        || host.iter().all(|&b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(&b));
    let port_ok = port.is_empty() || (port[0] == b':' && port[1..].iter().all(u8::is_ascii_digit) && port.len() <= 6);
    host_ok && port_ok
}

/// An incomplete head already past a limit is refused now rather than read to the end.
fn check_partial(buf: &[u8], limits: &Limits) -> Result<(), Reject> {
    let line_end = memchr::memchr(b'\n', buf);
    // "METHOD SP target SP HTTP/x.y": the target is at most the line minus a few bytes.
    let request_line_limit = limits.max_uri_bytes + 32;
    match line_end {
        None if buf.len() > request_line_limit => Err(Reject::new(414, "URI Too Long")),
        Some(end) if end > request_line_limit => Err(Reject::new(414, "URI Too Long")),
        _ if buf.len() > limits.max_header_bytes => Err(Reject::new(431, "Request Header Fields Too Large")),
        _ => Ok(()),
    }
}

/// Splits a request target into path and query. Accepts origin-form (`/a?b`), absolute-form
/// (`http://host/a?b`, sent to proxies) and `*` (OPTIONS).
fn split_target(target: &str) -> Option<(&[u8], &[u8])> {
    let t = target.as_bytes();
    let from_path = if t.first() == Some(&b'/') || t == b"*" {
        t
    } else {
        let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
        let after_scheme = if lower.starts_with("http://") {
            7
        } else if lower.starts_with("https://") {
            8
        } else {
            return None;
        };
        match t[after_scheme..].iter().position(|&b| b == b'/' || b == b'?') {
            Some(p) if t[after_scheme + p] == b'/' => &t[after_scheme + p..],
            _ => return None,
        }
    };
    Some(match from_path.iter().position(|&b| b == b'?') {
        Some(q) => (&from_path[..q], &from_path[q + 1..]),
        None => (from_path, &from_path[from_path.len()..]),
    })
}

fn parse_content_length(v: &[u8]) -> Option<usize> {
    // Digits only: "+5", "5 5", "0x5" and empty are all smuggling material.
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &v[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(raw: &str) -> ParsedHead {
        parse(raw.as_bytes(), &Limits::default()).unwrap().expect("complete")
    }

    fn reject(raw: &[u8]) -> u16 {
        parse(raw, &Limits::default()).unwrap_err().status
    }

    #[test]
    fn host_rules() {
        assert_eq!(reject(b"GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), 400);
        for ok in ["a", "a.b-c:8000", "[::1]:80", "127.0.0.1", ""] {
            let text = format!("GET / HTTP/1.1\r\nHost: {ok}\r\n\r\n");
            assert!(parse(text.as_bytes(), &Limits::default()).unwrap().is_some(), "{ok}");
        }
        // HTTP/1.0 needs no Host, but may not use Transfer-Encoding.
        assert!(parse(b"GET / HTTP/1.0\r\n\r\n", &Limits::default()).unwrap().is_some());
        assert_eq!(reject(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
    }

    #[test]
    fn parses_a_simple_get() {
        let h = parse_ok("GET /users/1?q=a%20b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n");
        let mut r = h.request;
        r.head = Bytes::from_static(b"GET /users/1?q=a%20b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n");
        assert_eq!(r.method(), "GET");
        assert_eq!(r.raw_path(), b"/users/1");
        assert_eq!(r.query(), b"q=a%20b");
        assert_eq!(r.header("x-a"), Some(&b"1"[..]));
        assert_eq!(r.headers().len(), 2);
        assert_eq!(h.framing, Framing::None);
        assert!(h.keep_alive);
        assert_eq!(h.len, 50);
    }

    #[test]
    fn partial_heads_wait_for_more() {
        assert!(parse(b"GET / HTTP/1.1\r\nHost:", &Limits::default()).unwrap().is_none());
    }

    #[test]
    fn keep_alive_rules() {
        assert!(!parse_ok("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(parse_ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(!parse_ok("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(parse_ok("GET / HTTP/1.1\r\nHost: x\r\n\r\n").keep_alive);
    }

    #[test]
    fn framing() {
        assert_eq!(parse_ok("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n").framing, Framing::Length(5));
        assert_eq!(
            parse_ok("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n").framing,
            Framing::Length(5)
        );
        assert_eq!(
            parse_ok("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").framing,
            Framing::Chunked
        );
        assert!(parse_ok("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n").expect_continue);
    }

    #[test]
    fn smuggling_material_is_refused() {
        assert_eq!(
            reject(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400
        );
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400);
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"), 400);
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n"), 400);
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
        assert_eq!(reject(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 400);
    }

    #[test]
    fn malformed_and_oversized() {
        assert_eq!(reject(b"GARBAGE\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"), 400);
        assert_eq!(reject(b"GET / HTTP/9.9\r\n\r\n"), 400);
        assert_eq!(reject(b"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
        let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
        assert_eq!(reject(long_uri.as_bytes()), 414);
        let long_partial = format!("GET /{}", "a".repeat(9000));
        assert_eq!(reject(long_partial.as_bytes()), 414);
        let big = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(17000));
        assert_eq!(reject(big.as_bytes()), 431);
        let big_partial = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}", "b".repeat(17000));
        assert_eq!(reject(big_partial.as_bytes()), 431);
        let many: String = (0..200).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(reject(format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes()), 431);
    }

    #[test]
    fn absolute_form_and_star() {
        let h = parse_ok("GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut r = h.request;
        r.head = Bytes::from_static(b"GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.raw_path(), b"/a/b");
        assert_eq!(r.query(), b"x=1");
        parse_ok("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    /// xorshift64: a tiny deterministic generator, so failures reproduce.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn mutated_requests_never_panic_and_are_refused_with_a_client_or_server_error() {
        let base: &[u8] = b"POST /users/1?q=a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\
                            Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n";
        let alphabet = b" :\r\n\t\0\x7f\xff%?/-,;0123456789abcdefABCDEF";
        for seed in 1..20_000u64 {
            let mut next = rng(seed);
            let mut raw = base.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let at = (next() as usize) % raw.len();
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => raw[at] = byte,
                    1 => raw.insert(at, byte),
                    _ => {
                        raw.remove(at);
                    }
                }
            }
            match parse(&raw, &Limits::default()) {
                Ok(_) => {}
                Err(r) => assert!((400..=599).contains(&r.status), "seed {seed}: {r:?}"),
            }
        }
    }
}
