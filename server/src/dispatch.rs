//! The dispatch layer: route lookup above the protocols. A miss (404, 405, trailing-slash
//! redirect) is handed to the application as a [`Target::Miss`], so exception handlers and
//! middleware can see unmatched requests too. The native middleware layers
//! ([`crate::layers`]) wrap both, when the application declares any.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::http1::request::Request;
use crate::layers::{Entry, Exits, Layers};
use crate::response::Response;
use crate::router::{Lookup, Router};
use crate::service::{Handler, Miss, Reply, Target};

pub struct Dispatch<H: Handler> {
    router: Router<H::Route>,
    handler: H,
    layers: Layers,
}

impl<H: Handler> Dispatch<H> {
    pub fn new(router: Router<H::Route>, handler: H) -> Self {
        Dispatch { router, handler, layers: Layers::default() }
    }

    /// The native middleware layers every request goes through (none by default).
    pub fn with_layers(mut self, layers: Layers) -> Self {
        self.layers = layers;
        self
    }

    /// Runs the layers (if any) around routing and the handler.
    pub fn call(&self, request: Request) -> Reply<Layered<'_, H::Future<'_>>> {
        // Without middleware, one length check is all this costs.
        if self.layers.is_empty() {
            return match self.route(request) {
                Reply::Ready(response) => Reply::Ready(response),
                Reply::Soon(inner) => Reply::Soon(Layered { inner, exits: None }),
                Reply::Later(inner) => Reply::Later(Layered { inner, exits: None }),
            };
        }
        let exits = match self.layers.enter(&request) {
            Entry::Answer(response) => return Reply::Ready(response),
            Entry::Pass(exits) => exits,
        };
        match self.route(request) {
            Reply::Ready(response) => Reply::Ready(self.layers.leave(exits, response)),
            Reply::Soon(inner) => Reply::Soon(Layered { inner, exits: Some((&self.layers, exits)) }),
            Reply::Later(inner) => Reply::Later(Layered { inner, exits: Some((&self.layers, exits)) }),
        }
    }

    /// Routes `request` and calls the handler with what was found.
    fn route(&self, mut request: Request) -> Reply<H::Future<'_>> {
        let target = {
            let path = request.path();
            match self.router.lookup(request.method(), &path) {
                Lookup::Found { target, params } => {
                    request.params = params.into_iter().map(|(k, v)| (Box::from(k), v)).collect();
                    Target::Route(target)
                }
                Lookup::MethodNotAllowed { allow } => Target::Miss(Miss::MethodNotAllowed { allow: allow.to_owned() }),
                Lookup::NotFound => Target::Miss(match self.router.slash_redirect(&path) {
                    Some(mut location) => {
                        if !request.query().is_empty() {
                            location.push('?');
                            location.push_str(&String::from_utf8_lossy(request.query()));
                        }
                        Miss::Redirect { location }
                    }
                    None => Miss::NotFound,
                }),
            }
        };
        self.handler.call(target, request)
    }
}

/// A handler's future whose answer still has to go back out through the layers.
pub struct Layered<'a, F> {
    inner: F,
    exits: Option<(&'a Layers, Exits)>,
}

impl<F: Future<Output = Response> + Unpin> Future for Layered<'_, F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        let response = std::task::ready!(Pin::new(&mut this.inner).poll(cx));
        Poll::Ready(match this.exits.take() {
            Some((layers, exits)) => layers.leave(exits, response),
            None => response,
        })
    }
}
