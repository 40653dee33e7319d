//! The interface between the server and an application, in the spirit of hyper's `Service`:
//! a request value in, (eventually) a response value out. Nothing here is HTTP/1-specific,
//! so HTTP/2 and HTTP/3 streams will call the same handler.

use std::future::Future;

use crate::http1::request::Request;
use crate::response::{Body, Response};

/// A per-core application. The dispatch layer ([`crate::dispatch`]) routes each request and
/// calls `call` on the core that accepted the connection. Futures are `!Send`-friendly:
/// nothing here crosses a thread.
pub trait Handler {
    /// What the router maps a method and path to (e.g. an index into a table of endpoints).
    type Route;
    /// `Unpin` (a boxed future, a channel receiver): the dispatch layer wraps it to pass the
    /// answer back out through the middleware layers without pin projections.
    type Future<'a>: Future<Output = Response> + Unpin + 'a
    where
        Self: 'a;

    /// Answers a request. `target` is the matched route, or why nothing matched: the
    /// application may answer misses itself (exception handlers, middleware) or return
    /// [`Miss::response`]. An answer known at once is returned as [`Reply::Ready`] (no future
    /// at all on the common path); otherwise a future. Dropping the future before it
    /// completes means the client is gone: the handler's work is cancelled.
    fn call<'a>(&'a self, target: Target<'a, Self::Route>, request: Request) -> Reply<Self::Future<'a>>;
}

/// A handler's answer: now, soon, or later.
pub enum Reply<F> {
    Ready(Response),
    /// Within a few milliseconds, by construction (a batch about to be flushed): awaited
    /// without watching the peer, which would cost more than the wait.
    Soon(F),
    /// When the application is done: awaited while watching the peer, whose leaving drops
    /// (cancels) the future.
    Later(F),
}

/// What the dispatch layer found for a request.
pub enum Target<'a, R> {
    Route(&'a R),
    Miss(Miss),
}

/// Why no route matched, with the server's default answer for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No route has this path: 404.
    NotFound,
    /// The path exists for other methods: 405 with `Allow`.
    MethodNotAllowed { allow: String },
    /// The path matches with or without a trailing slash: 307 to that one, like Starlette's
    /// `redirect_slashes` (the query is kept).
    Redirect { location: String },
}

impl Miss {
    /// FastAPI's answers: `{"detail":"Not Found"}`, `{"detail":"Method Not Allowed"}`, 307.
    pub fn response(&self) -> Response {
        use bytes::Bytes;
        match self {
            Miss::NotFound => {
                Response::full(404, b"application/json", Bytes::from_static(br#"{"detail":"Not Found"}"#))
            }
            Miss::MethodNotAllowed { allow } => {
                let mut r =
                    Response::full(405, b"application/json", Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#));
                r.headers.push((Bytes::from_static(b"allow"), Bytes::copy_from_slice(allow.as_bytes())));
                r
            }
            // Starlette's RedirectResponse: no body, so no content-type either.
            Miss::Redirect { location } => Response::new(
                307,
                vec![(Bytes::from_static(b"location"), Bytes::copy_from_slice(location.as_bytes()))],
                Body::Full(Bytes::new()),
            ),
        }
    }
}
