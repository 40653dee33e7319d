//! `TrustedHostMiddleware` and `HTTPSRedirectMiddleware`: both judge the request by its
//! `Host` and may answer it at once, like Starlette's.

use bytes::Bytes;

use super::Exit;
use crate::http1::request::Request;
use crate::response::Response;

/// Starlette's `TrustedHostMiddleware` options.
#[derive(Debug, Clone)]
pub struct TrustedHostSpec {
    /// `"example.com"`, `"*.example.com"`, or `"*"` (anything).
    pub allowed_hosts: Vec<String>,
    pub www_redirect: bool,
}

pub struct TrustedHost {
    /// Lower-case patterns.
    allowed: Vec<String>,
    www_redirect: bool,
}

impl TrustedHost {
    /// `None` when every host is allowed (no layer needed).
    pub fn compile(spec: &TrustedHostSpec) -> Result<Option<TrustedHost>, String> {
        for pattern in &spec.allowed_hosts {
            let wildcard_ok = !pattern.get(1..).unwrap_or("").contains('*')
                && (!pattern.starts_with('*') || pattern == "*" || pattern.starts_with("*."));
            if !wildcard_ok {
                return Err(format!(
                    "TrustedHostMiddleware allowed_hosts {pattern:?}: Domain wildcard patterns must be like '*.example.com'."
                ));
            }
        }
        if spec.allowed_hosts.iter().any(|p| p == "*") {
            return Ok(None);
        }
        Ok(Some(TrustedHost {
            allowed: spec.allowed_hosts.iter().map(|p| p.to_lowercase()).collect(),
            www_redirect: spec.www_redirect,
        }))
    }

    /// A refusal or a redirect is boxed: the rare outcome, and a `Response` is large.
    pub fn enter(&self, request: &Request) -> Result<Exit, Box<Response>> {
        let Some(host) = request.header("host").and_then(host_of) else { return Err(Box::new(invalid_host())) };
        let host = host.to_lowercase();
        let mut www_redirect = false;
        for pattern in &self.allowed {
            if host == *pattern || (pattern.starts_with('*') && host.ends_with(&pattern[1..])) {
                return Ok(Exit::Pass);
            }
            if pattern.strip_prefix("www.") == Some(host.as_str()) {
                www_redirect = true;
            }
        }
        if www_redirect && self.www_redirect {
            let netloc = String::from_utf8_lossy(request.header("host").unwrap_or_default());
            return Err(Box::new(redirect(307, &format!("http://www.{netloc}{}", target(request)))));
        }
        Err(Box::new(invalid_host()))
    }
}

/// `HTTPSRedirectMiddleware`: this server speaks plain HTTP, so every request is sent to the
/// same URL with `https` (a port of 80 or 443 dropped), 307.
pub fn https_redirect(request: &Request) -> Response {
    let Some(netloc) = request.header("host").filter(|h| !h.is_empty()) else { return invalid_host() };
    let netloc = String::from_utf8_lossy(netloc);
    let netloc = match netloc.rsplit_once(':') {
        Some((host, "80" | "443")) if !host.ends_with(']') || netloc.starts_with('[') => host.to_owned(),
        _ => netloc.into_owned(),
    };
    redirect(307, &format!("https://{netloc}{}", target(request)))
}

/// The path and query as received.
fn target(request: &Request) -> String {
    let mut target = String::from_utf8_lossy(request.raw_path()).into_owned();
    if !request.query().is_empty() {
        target.push('?');
        target.push_str(&String::from_utf8_lossy(request.query()));
    }
    target
}

/// The host part of a `Host` value (`name`, `name:port`, `[v6]:port`); `None` if malformed.
fn host_of(value: &[u8]) -> Option<String> {
    let value = std::str::from_utf8(value).ok()?;
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let end = rest.find(']')?;
        let address = &rest[..end];
        address.parse::<std::net::Ipv6Addr>().ok()?;
        (&value[..end + 2], &rest[end + 1..])
    } else {
        match value.rsplit_once(':') {
            Some((host, _)) => (host, &value[host.len()..]),
            None => (value, ""),
        }
    };
    let port_ok =
        port.is_empty() || (port.len() > 1 && port[1..].bytes().all(|b| b.is_ascii_digit()) && port.starts_with(':'));
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(&b)));
    (port_ok && host_ok).then(|| host.to_owned())
}

fn invalid_host() -> Response {
    Response::full(400, b"text/plain; charset=utf-8", Bytes::from_static(b"Invalid host header"))
}

/// Starlette's `RedirectResponse`: no body, no content type.
fn redirect(status: u16, location: &str) -> Response {
    let mut response = Response::new(status, Vec::new(), crate::response::Body::Full(Bytes::new()));
    response.headers.push((Bytes::from_static(b"location"), Bytes::copy_from_slice(location.as_bytes())));
    response
}
