//! Header edits with Starlette's `MutableHeaders` semantics, on a [`Response`] whose
//! `content-type` is kept apart from its other headers.

use bytes::{Bytes, BytesMut};

use crate::response::Response;

/// `headers[name] = value`: replaces the first field of that name and drops the others, or
/// appends one.
pub fn set(response: &mut Response, name: &'static [u8], value: Bytes) {
    let mut found = false;
    response.headers.retain_mut(|(n, v)| {
        if !n.eq_ignore_ascii_case(name) {
            return true;
        }
        if found {
            return false;
        }
        found = true;
        *v = value.clone();
        true
    });
    if !found {
        response.headers.push((Bytes::from_static(name), value));
    }
}

pub fn has(response: &Response, name: &[u8]) -> bool {
    response.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

pub fn remove(response: &mut Response, name: &[u8]) {
    response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
}

/// `add_vary_header`: every `Vary` value so far and `token`, joined with ", " into one field.
pub fn add_vary(response: &mut Response, token: &'static [u8]) {
    let mut joined = BytesMut::new();
    for (n, v) in &response.headers {
        if n.eq_ignore_ascii_case(b"vary") {
            joined.extend_from_slice(v);
            joined.extend_from_slice(b", ");
        }
    }
    if joined.is_empty() {
        response.headers.push((Bytes::from_static(b"vary"), Bytes::from_static(token)));
        return;
    }
    joined.extend_from_slice(token);
    set(response, b"vary", joined.freeze());
}
