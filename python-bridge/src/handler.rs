//! The server's `Handler`, implemented by calling the app in this core's interpreter.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::cpython::app::Reply;
use crate::cpython::core::{Core, PendingResponse};
use server::{Handler, Request, Response, Target};

pub struct PythonHandler {
    pub core: Rc<Core>,
}

/// A response now (most requests), or one a task or a pool thread is producing.
pub enum PythonReply {
    Ready(Option<Response>),
    Pending(PendingResponse),
}

impl Future for PythonReply {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.get_mut() {
            PythonReply::Ready(r) => Poll::Ready(r.take().unwrap_or_else(Response::internal_error)),
            PythonReply::Pending(p) => Pin::new(p).poll(cx),
        }
    }
}

impl Handler for PythonHandler {
    /// Index into the app's endpoint table.
    type Route = usize;
    type Future<'a> = PythonReply;

    fn call<'a>(&'a self, target: Target<'a, usize>, request: Request) -> PythonReply {
        let index = match target {
            Target::Route(index) => *index,
            // Exception handlers and middleware for misses come with the middleware issue.
            Target::Miss(miss) => return PythonReply::Ready(Some(miss.response())),
        };
        let core = &self.core;
        // Attached for this call only: other Python threads of this interpreter (the
        // blocking pool, threads the app started) run while the core waits for I/O.
        core.interpreter.with(|attached| {
            let reply = core.app.respond(attached, &core.event_loop, index, request);
            core.event_loop.kick_if_needed(attached);
            match reply {
                Reply::Ready(response) => PythonReply::Ready(Some(response)),
                Reply::Pending(pending) => PythonReply::Pending(pending),
            }
        })
    }
}
