//! Writing response heads and server-made responses.

use crate::date;

/// What the `Connection` header of a response says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionHeader {
    /// Nothing: HTTP/1.1 keep-alive is the default.
    Omit,
    /// The connection closes after this response.
    Close,
    /// An HTTP/1.0 client asked for keep-alive and gets it.
    KeepAlive,
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Status codes whose responses never carry a body (RFC 9110 §6.4.1).
pub fn forbids_body(status: u16) -> bool {
    status < 200 || status == 204 || status == 304
}

/// How a response's body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    Length(u64),
    /// `Transfer-Encoding: chunked` (HTTP/1.1 streams of unknown length).
    Chunked,
    /// Until the connection closes (HTTP/1.0 streams of unknown length).
    CloseDelimited,
}

/// Appends a status line and the headers the server always sends, then `headers`, then the
/// blank line. `headers` must already be validated (see `response::valid_header`).
pub fn write_head<'h>(
    out: &mut Vec<u8>,
    status: u16,
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    framing: BodyFraming,
    connection: ConnectionHeader,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let mut code = itoa::Buffer::new();
    out.extend_from_slice(code.format(status).as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason(status).as_bytes());
    out.extend_from_slice(b"\r\nServer: fasterapi\r\nDate: ");
    date::append(out);
    if !forbids_body(status) {
        match framing {
            BodyFraming::Length(n) => {
                out.extend_from_slice(b"\r\nContent-Length: ");
                let mut len = itoa::Buffer::new();
                out.extend_from_slice(len.format(n).as_bytes());
            }
            BodyFraming::Chunked => out.extend_from_slice(b"\r\nTransfer-Encoding: chunked"),
            BodyFraming::CloseDelimited => {}
        }
    }
    out.extend_from_slice(match connection {
        ConnectionHeader::Omit => &b"\r\n"[..],
        ConnectionHeader::Close => b"\r\nConnection: close\r\n",
        ConnectionHeader::KeepAlive => b"\r\nConnection: keep-alive\r\n",
    });
    for (name, value) in headers {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A complete response made by the server itself (errors, 404, 405).
pub fn write_simple(
    out: &mut Vec<u8>,
    status: u16,
    content_type: &[u8],
    extra: Option<(&[u8], &[u8])>,
    body: &[u8],
    connection: ConnectionHeader,
    head_only: bool,
) {
    let mut headers: [(&[u8], &[u8]); 2] = [(b"content-type", content_type), (b"", b"")];
    let n = match extra {
        Some(h) => {
            headers[1] = h;
            2
        }
        None => 1,
    };
    write_head(out, status, headers[..n].iter().copied(), BodyFraming::Length(body.len() as u64), connection);
    if !head_only && !forbids_body(status) {
        out.extend_from_slice(body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_has_server_date_length_and_connection() {
        let mut out = Vec::new();
        let headers: [(&[u8], &[u8]); 1] = [(b"content-type", b"application/json")];
        write_head(&mut out, 201, headers, BodyFraming::Length(7), ConnectionHeader::Close);
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("HTTP/1.1 201 Created\r\nServer: fasterapi\r\nDate: "), "{s}");
        assert!(
            s.contains("\r\nContent-Length: 7\r\nConnection: close\r\ncontent-type: application/json\r\n\r\n"),
            "{s}"
        );
    }

    #[test]
    fn no_length_for_204() {
        let mut out = Vec::new();
        write_simple(&mut out, 204, b"text/plain", None, b"ignored", ConnectionHeader::Omit, false);
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains("Content-Length"), "{s}");
        assert!(s.ends_with("\r\n\r\n"));
    }
}
