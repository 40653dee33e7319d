//! The dispatch layer: route lookup above the protocols. A miss (404, 405, trailing-slash
//! redirect) is handed to the application as a [`Target::Miss`], so exception handlers and
//! middleware can see unmatched requests too.

use crate::http1::request::Request;
use crate::router::{Lookup, Router};
use crate::service::{Handler, Miss, Reply, Target};

pub struct Dispatch<H: Handler> {
    router: Router<H::Route>,
    handler: H,
}

impl<H: Handler> Dispatch<H> {
    pub fn new(router: Router<H::Route>, handler: H) -> Self {
        Dispatch { router, handler }
    }

    /// Routes `request` and calls the handler with what was found.
    pub fn call(&self, mut request: Request) -> Reply<H::Future<'_>> {
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
