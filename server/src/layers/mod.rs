//! Declarative HTTP middleware (`CORSMiddleware`, `GZipMiddleware`, `TrustedHostMiddleware`,
//! `HTTPSRedirectMiddleware`), compiled once per core into native layers that the dispatch
//! layer applies around every request, matched or not.
//!
//! These are HTTP concerns, so they live here and not in Python: a plain `GET` without
//! `Origin` and a small answer cost a few header checks, and the route keeps its native
//! fast path. The application describes them with [`LayerSpec`]s (the Python bridge reads
//! them from the app); the server knows nothing of where they came from.
//!
//! A request goes through the layers outermost first ([`Layers::enter`]); any layer may answer
//! it at once (a CORS preflight, a bad `Host`, an HTTPS redirect), and that answer still goes
//! back out through the layers outside it. Otherwise each layer leaves an [`Exit`] — what it
//! must remember about the request — and the response goes back out innermost first
//! ([`Layers::leave`]), as with Starlette's middleware stack.

mod cors;
mod gzip;
mod headers;
mod host;
#[cfg(test)]
mod tests;

use bytes::Bytes;

use crate::http1::request::Request;
use crate::response::Response;

pub use cors::CorsSpec;
pub use gzip::GZipSpec;
pub use host::TrustedHostSpec;

/// One declarative middleware, as the application configured it (Starlette's options).
#[derive(Debug, Clone)]
pub enum LayerSpec {
    Cors(CorsSpec),
    GZip(GZipSpec),
    TrustedHost(TrustedHostSpec),
    HttpsRedirect,
}

/// The compiled layers of one core, outermost first. Empty: dispatch skips them entirely.
#[derive(Default)]
pub struct Layers {
    layers: Vec<Layer>,
}

enum Layer {
    Cors(cors::Cors),
    GZip(gzip::GZip),
    TrustedHost(host::TrustedHost),
    HttpsRedirect,
}

/// What a layer keeps from the request for the way back (one per layer entered).
pub enum Exit {
    /// Nothing to do on the way back.
    Pass,
    /// CORS: the request's `Origin`.
    Cors { origin: Option<Bytes> },
    /// GZip: whether the client accepts gzip.
    GZip { accepts_gzip: bool },
}

/// The exits of the layers a request went through, outermost first.
pub struct Exits(Vec<Exit>);

/// What entering the layers gave.
pub enum Entry {
    /// A layer answered (the answer has already gone back out through the outer layers).
    Answer(Response),
    /// On to the application; the response must then go through [`Layers::leave`].
    Pass(Exits),
}

impl Layers {
    /// Compiles the specs (outermost first); an invalid option is an error naming it.
    pub fn compile(specs: &[LayerSpec]) -> Result<Layers, String> {
        let mut layers = Vec::with_capacity(specs.len());
        for spec in specs {
            layers.push(match spec {
                LayerSpec::Cors(spec) => Layer::Cors(cors::Cors::compile(spec)?),
                LayerSpec::GZip(spec) => Layer::GZip(gzip::GZip::compile(spec)?),
                LayerSpec::TrustedHost(spec) => match host::TrustedHost::compile(spec)? {
                    Some(layer) => Layer::TrustedHost(layer),
                    // `allowed_hosts=["*"]` lets everything through: no layer at all.
                    None => continue,
                },
                LayerSpec::HttpsRedirect => Layer::HttpsRedirect,
            });
        }
        Ok(Layers { layers })
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Runs the request side of every layer, outermost first.
    pub fn enter(&self, request: &Request) -> Entry {
        let mut exits = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let step = match layer {
                Layer::Cors(cors) => cors.enter(request),
                Layer::GZip(gzip) => Ok(gzip.enter(request)),
                Layer::TrustedHost(host) => host.enter(request),
                Layer::HttpsRedirect => Err(Box::new(host::https_redirect(request))),
            };
            match step {
                Ok(exit) => exits.push(exit),
                Err(answer) => return Entry::Answer(self.leave(Exits(exits), *answer)),
            }
        }
        Entry::Pass(Exits(exits))
    }

    /// Runs the response side of the layers the request entered, innermost first.
    pub fn leave(&self, exits: Exits, mut response: Response) -> Response {
        for (layer, exit) in self.layers[..exits.0.len()].iter().zip(exits.0).rev() {
            response = match (layer, exit) {
                (Layer::Cors(cors), Exit::Cors { origin }) => cors.leave(origin, response),
                (Layer::GZip(gzip), Exit::GZip { accepts_gzip }) => gzip.leave(accepts_gzip, response),
                _ => response,
            };
        }
        response
    }
}

/// A request header's first value as a shared slice of the request's buffer (no copy).
fn header_bytes(request: &Request, name: &str) -> Option<Bytes> {
    request.header(name).map(|value| request.head.slice_ref(value))
}
