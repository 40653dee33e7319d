//! The main-interpreter lane: routes declared `interpreter="main"` (or a whole app made with
//! `FasterAPI(interpreter="main")`) run in the main interpreter, where extension modules
//! that refuse sub-interpreters (pydantic-core, orjson, numpy) load.
//!
//! ```text
//!  core k: route is a lane route ─▶ LaneJob{route, request, reply} ─▶ bounded queue ─┐
//!          (keeps serving; its connection task awaits the reply)                      ▼
//!  lane thread i (a thread state of the main interpreter): attach, call the handler, detach
//!          ◀── LaneAnswer over a oneshot (wakes core k's reactor) ◀──────────────────┘
//! ```
//! The main interpreter has one GIL, so lane threads take turns in Python; more than one
//! thread helps only when handlers block. A full queue answers 503.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use bytes::Bytes;
use futures_channel::oneshot;
use server::{Body, FileBody, Request, Response};

use crate::cpython::app::{self, App};
use crate::cpython::core::run_after_send;
use crate::cpython::interpreter::CoreInterpreter;

/// What lane threads receive: work, or the order to end (the cores keep their senders for
/// the life of the process, so the channel itself never closes).
enum LaneMsg {
    Job(Box<LaneJob>),
    Stop,
}

/// A request for the lane, and where its answer goes.
pub struct LaneJob {
    route: usize,
    request: Request,
    reply: oneshot::Sender<LaneAnswer>,
}

/// A response that can cross threads: a full body or a file (streamed bodies stay on
/// the cores).
pub struct LaneAnswer {
    status: u16,
    content_type: Option<Bytes>,
    headers: Vec<server::Header>,
    body: LaneBody,
}

enum LaneBody {
    Full(Bytes),
    File(FileBody),
}

impl LaneAnswer {
    fn from_response(response: Response) -> LaneAnswer {
        let body = match response.body {
            Body::Full(b) => LaneBody::Full(b),
            Body::File(f) => LaneBody::File(f),
            Body::Stream(_) => return LaneAnswer::from_response(Response::internal_error()),
        };
        LaneAnswer { status: response.status, content_type: response.content_type, headers: response.headers, body }
    }

    fn into_response(self) -> Response {
        let body = match self.body {
            LaneBody::Full(b) => Body::Full(b),
            LaneBody::File(f) => Body::File(f),
        };
        let mut response = Response::new(self.status, self.headers, body);
        response.content_type = self.content_type;
        response
    }
}

pub struct Lane {
    queue: crossbeam_channel::Sender<LaneMsg>,
    threads: Vec<JoinHandle<()>>,
}

/// How the cores reach the lane (cheap to clone, one per core).
#[derive(Clone)]
pub struct LaneSender(crossbeam_channel::Sender<LaneMsg>);

impl Lane {
    /// Starts `threads` lane threads, each loading `spec` in the main interpreter (whose GIL
    /// must be free: call this detached). Returns once all are ready, or the first error.
    pub fn start(spec: &str, threads: usize, queue: usize) -> Result<Lane, String> {
        let (tx, rx) = crossbeam_channel::bounded::<LaneMsg>(queue.max(1));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let mut handles = Vec::new();
        for i in 0..threads.max(1) {
            let (rx, ready_tx, spec) = (rx.clone(), ready_tx.clone(), spec.to_owned());
            let handle = std::thread::Builder::new()
                .name(format!("fasterapi-lane-{i}"))
                .spawn(move || lane_thread(&spec, rx, ready_tx))
                .map_err(|e| format!("cannot start a lane thread: {e}"))?;
            handles.push(handle);
        }
        drop(ready_tx);
        let lane = Lane { queue: tx, threads: handles };
        for _ in 0..lane.threads.len() {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    lane.stop();
                    return Err(e);
                }
                Err(_) => {
                    lane.stop();
                    return Err("a lane thread died while loading the app".into());
                }
            }
        }
        Ok(lane)
    }

    pub fn sender(&self) -> LaneSender {
        LaneSender(self.queue.clone())
    }

    /// Lets the lane threads finish the queued jobs and end (after the cores stopped).
    pub fn stop(self) {
        for _ in &self.threads {
            let _ = self.queue.send(LaneMsg::Stop);
        }
        for t in self.threads {
            let _ = t.join();
        }
    }
}

impl LaneSender {
    /// Queues `request` for `route`; `None` when the lane's queue is full (answer 503).
    pub fn submit(&self, route: usize, request: Request) -> Option<LaneReply> {
        let (reply, answer) = oneshot::channel();
        match self.0.try_send(LaneMsg::Job(Box::new(LaneJob { route, request, reply }))) {
            Ok(()) => Some(LaneReply(answer)),
            Err(_) => None,
        }
    }

    /// Jobs waiting for a lane thread.
    pub fn queued(&self) -> usize {
        self.0.len()
    }
}

/// The lane's answer, as the core awaits it. Dropping it (client gone, timeout) drops the
/// answer when it comes.
pub struct LaneReply(oneshot::Receiver<LaneAnswer>);

impl Future for LaneReply {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(Ok(answer)) => Poll::Ready(answer.into_response()),
            // The lane thread went away without answering.
            Poll::Ready(Err(_)) => Poll::Ready(Response::internal_error()),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn lane_thread(
    spec: &str,
    jobs: crossbeam_channel::Receiver<LaneMsg>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let interpreter = match CoreInterpreter::new_shared_main() {
        Ok(i) => i,
        Err(e) => {
            let _ = ready.send(Err(format!("lane: {e}")));
            return;
        }
    };
    interpreter.detach_after_setup();
    // The app's startup (lifespan, on_event) runs once for the main interpreter, by the
    // first lane thread; the others wait for it (`_server.lane_started`).
    let loaded = interpreter.with(|attached| {
        let loaded = App::load(attached, spec, None)
            .map_err(|e| format!("lane: cannot load {spec:?} in the main interpreter: {e}"))?;
        match app::call_server_hook(attached, crate::cstr!("lane_started")) {
            Ok(()) => Ok(loaded.0),
            Err(e) => {
                drop(loaded);
                Err(format!("main-interpreter lane: the app's startup failed: {e}"))
            }
        }
    });
    let app = match loaded {
        Ok(app) => app,
        Err(e) => {
            let _ = ready.send(Err(e));
            interpreter.end();
            return;
        }
    };
    let _ = ready.send(Ok(()));
    while let Ok(LaneMsg::Job(job)) = jobs.recv() {
        let LaneJob { route, request, reply } = *job;
        let (response, after_send) = interpreter.with(|attached| app.respond_blocking(attached, route, request));
        // The core may have stopped waiting (client gone, timeout): then nobody wants it.
        let _ = reply.send(LaneAnswer::from_response(response));
        if !after_send.is_empty() {
            // Python objects of the main interpreter cannot travel with the answer to the
            // core, so background work runs here, once the response is on its way.
            interpreter.with(|attached| run_after_send(attached, after_send));
        }
    }
    // The last lane thread to stop runs the app's shutdown (`_server.lane_stopped`). Then
    // the app's Python objects go while attached, and the thread state.
    interpreter.with(|attached| {
        if let Err(e) = app::call_server_hook(attached, crate::cstr!("lane_stopped")) {
            log::error!("lane: shutting down the app: {e}");
        }
        drop(app)
    });
    interpreter.end();
}
