//! `CORSMiddleware`, with Starlette's exact answers: preflights (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) are answered here — 200 "OK", or 400 "Disallowed CORS
//! origin, method, headers" naming what failed — and every other response gets the simple
//! CORS headers and `Vary: Origin` on its way out.

use bytes::Bytes;

use super::{header_bytes, headers, Exit};
use crate::http1::request::Request;
use crate::response::Response;

/// Starlette's `CORSMiddleware` options (defaults there: `allow_methods=("GET",)`,
/// `max_age=600`, everything else empty or false).
#[derive(Debug, Clone, Default)]
pub struct CorsSpec {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_credentials: bool,
    /// A regular expression the whole origin must match (Python's `re.fullmatch`).
    pub allow_origin_regex: Option<String>,
    pub allow_private_network: bool,
    pub expose_headers: Vec<String>,
    pub max_age: i64,
}

const ALL_METHODS: [&str; 8] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"];
const SAFELISTED_HEADERS: [&str; 4] = ["Accept", "Accept-Language", "Content-Language", "Content-Type"];

type Fields = Vec<(&'static [u8], Bytes)>;

pub struct Cors {
    allow_all_origins: bool,
    allow_all_headers: bool,
    allow_credentials: bool,
    allow_private_network: bool,
    preflight_explicit_allow_origin: bool,
    origins: Vec<Vec<u8>>,
    origin_regex: Option<regex::bytes::Regex>,
    methods: Vec<Vec<u8>>,
    /// Lower-case, safelisted ones included.
    allowed_headers: Vec<String>,
    /// Set on every response to a request with an `Origin`.
    simple_headers: Fields,
    /// Every preflight answer's headers, in Starlette's order.
    preflight_headers: Fields,
}

impl Cors {
    /// Derives the fixed header values once, as Starlette's constructor does.
    pub fn compile(spec: &CorsSpec) -> Result<Cors, String> {
        let methods: Vec<String> = if spec.allow_methods.iter().any(|m| m == "*") {
            ALL_METHODS.iter().map(|m| m.to_string()).collect()
        } else {
            spec.allow_methods.clone()
        };
        let origin_regex = match &spec.allow_origin_regex {
            // Anchored: Python's `fullmatch`.
            Some(pattern) => Some(
                regex::bytes::Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| format!("CORSMiddleware allow_origin_regex {pattern:?}: {e}"))?,
            ),
            None => None,
        };
        let allow_all_origins = spec.allow_origins.iter().any(|o| o == "*");
        let allow_all_headers = spec.allow_headers.iter().any(|h| h == "*");
        let preflight_explicit_allow_origin = !allow_all_origins || spec.allow_credentials;
        let text = |s: &str| Bytes::copy_from_slice(s.as_bytes());

        let mut simple_headers: Fields = Vec::new();
        if allow_all_origins {
            simple_headers.push((b"access-control-allow-origin", Bytes::from_static(b"*")));
        }
        if spec.allow_credentials {
            simple_headers.push((b"access-control-allow-credentials", Bytes::from_static(b"true")));
        }
        if !spec.expose_headers.is_empty() {
            simple_headers.push((b"access-control-expose-headers", text(&spec.expose_headers.join(", "))));
        }

        let mut preflight_headers: Fields = vec![(
            b"vary",
            Bytes::from_static(
                b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                  Access-Control-Request-Private-Network",
            ),
        )];
        if !preflight_explicit_allow_origin {
            preflight_headers.push((b"access-control-allow-origin", Bytes::from_static(b"*")));
        }
        preflight_headers.push((b"access-control-allow-methods", text(&methods.join(", "))));
        preflight_headers.push((b"access-control-max-age", text(&spec.max_age.to_string())));
        // sorted(SAFELISTED_HEADERS | set(allow_headers)): never empty.
        let mut listed: Vec<String> = SAFELISTED_HEADERS.iter().map(|h| h.to_string()).collect();
        listed.extend(spec.allow_headers.iter().cloned());
        listed.sort();
        listed.dedup();
        if !allow_all_headers {
            preflight_headers.push((b"access-control-allow-headers", text(&listed.join(", "))));
        }
        if spec.allow_credentials {
            preflight_headers.push((b"access-control-allow-credentials", Bytes::from_static(b"true")));
        }

        Ok(Cors {
            allow_all_origins,
            allow_all_headers,
            allow_credentials: spec.allow_credentials,
            allow_private_network: spec.allow_private_network,
            preflight_explicit_allow_origin,
            origins: spec.allow_origins.iter().map(|o| o.as_bytes().to_vec()).collect(),
            origin_regex,
            methods: methods.into_iter().map(String::into_bytes).collect(),
            allowed_headers: listed.iter().map(|h| h.to_lowercase()).collect(),
            simple_headers,
            preflight_headers,
        })
    }

    fn is_allowed_origin(&self, origin: &[u8]) -> bool {
        self.allow_all_origins
            || self.origin_regex.as_ref().is_some_and(|re| re.is_match(origin))
            || self.origins.iter().any(|o| o == origin)
    }

    /// A preflight is answered here; anything else goes on, remembering its `Origin`. (The
    /// answer is boxed: it is the rare outcome, and a `Response` is large.)
    pub fn enter(&self, request: &Request) -> Result<Exit, Box<Response>> {
        let origin = header_bytes(request, "origin");
        if origin.is_some() && request.method() == "OPTIONS" {
            if let Some(method) = request.header("access-control-request-method") {
                return Err(Box::new(self.preflight(request, origin.as_deref().unwrap_or_default(), method)));
            }
        }
        Ok(Exit::Cors { origin })
    }

    fn preflight(&self, request: &Request, origin: &[u8], method: &[u8]) -> Response {
        let mut response = Response::full(200, b"text/plain; charset=utf-8", Bytes::new());
        response.headers = self.preflight_headers.iter().map(|(n, v)| (Bytes::from_static(n), v.clone())).collect();
        let mut failures: Vec<&str> = Vec::new();
        if self.is_allowed_origin(origin) {
            if self.preflight_explicit_allow_origin {
                headers::set(&mut response, b"access-control-allow-origin", Bytes::copy_from_slice(origin));
            }
        } else {
            failures.push("origin");
        }
        if !self.methods.iter().any(|m| m == method) {
            failures.push("method");
        }
        if let Some(requested) = request.header("access-control-request-headers") {
            if self.allow_all_headers {
                headers::set(&mut response, b"access-control-allow-headers", Bytes::copy_from_slice(requested));
            } else {
                let requested = String::from_utf8_lossy(requested).to_lowercase();
                if requested.split(',').any(|h| !self.allowed_headers.iter().any(|a| a == h.trim())) {
                    failures.push("headers");
                }
            }
        }
        if request.header("access-control-request-private-network").is_some() {
            if self.allow_private_network {
                headers::set(&mut response, b"access-control-allow-private-network", Bytes::from_static(b"true"));
            } else {
                failures.push("private-network");
            }
        }
        if failures.is_empty() {
            response.body = crate::response::Body::Full(Bytes::from_static(b"OK"));
        } else {
            response.status = 400;
            let text = format!("Disallowed CORS {}", failures.join(", "));
            response.body = crate::response::Body::Full(Bytes::from(text));
        }
        response
    }

    /// The simple-response headers: the allowed origin (or `*`), credentials, exposed
    /// headers, and `Vary: Origin`.
    pub fn leave(&self, origin: Option<Bytes>, mut response: Response) -> Response {
        let Some(origin) = origin else {
            headers::add_vary(&mut response, b"Origin");
            return response;
        };
        for (name, value) in &self.simple_headers {
            headers::set(&mut response, name, value.clone());
        }
        let explicit = if self.allow_all_origins { self.allow_credentials } else { self.is_allowed_origin(&origin) };
        if explicit {
            headers::set(&mut response, b"access-control-allow-origin", origin);
        }
        headers::add_vary(&mut response, b"Origin");
        response
    }
}
