//! The server's `Handler`, implemented by calling the app in this core's interpreter, with
//! what the server asks around each call: the in-flight limit (503), route timeouts (504),
//! metrics and `/metrics`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::cpython::app::{overloaded, timed_out, Reply as AppReply};
use crate::cpython::core::{Core, PendingResponse};
use crate::lane::{LaneReply, LaneSender};
use crate::metrics::{self, CoreMetrics};
use server::{Handler, Miss, Reply, Request, Response, Target};

pub struct PythonHandler {
    pub core: Rc<Core>,
    /// Where `interpreter="main"` routes go.
    lane: Option<LaneSender>,
    /// Beyond this many requests waiting for a task or the pool, new ones get a 503.
    pub max_in_flight: usize,
    in_flight: Rc<Cell<usize>>,
    metrics: Option<Observer>,
    /// Requests of batch routes waiting for their batch, by route.
    batches: Rc<Batches>,
}

/// This core's metrics and the path that serves them.
struct Observer {
    metrics: Arc<Mutex<CoreMetrics>>,
    path: String,
}

impl PythonHandler {
    pub fn new(
        core: Rc<Core>,
        lane: Option<LaneSender>,
        max_in_flight: usize,
        metrics_path: Option<String>,
        core_index: usize,
    ) -> PythonHandler {
        let metrics = metrics_path
            .map(|path| Observer { metrics: metrics::registry().register(core_index, core.app.labels()), path });
        let batches = Rc::new(Batches::default());
        PythonHandler { core, lane, max_in_flight, in_flight: Rc::new(Cell::new(0)), metrics, batches }
    }

    /// An answer now: counted, and returned without any future.
    fn ready(
        &self,
        route: Option<usize>,
        response: Response,
        started: Option<Instant>,
    ) -> Reply<Pin<Box<PythonReply<'_>>>> {
        if let (Some(observer), Some(started)) = (&self.metrics, started) {
            let mut m = observer.metrics.lock().unwrap_or_else(|p| p.into_inner());
            m.record(route, response.status, started.elapsed());
        }
        Reply::Ready(response)
    }

    /// The future of an answer that waits: in flight until it completes or is dropped.
    fn waiting(
        &self,
        route: Option<usize>,
        state: State,
        timeout: Option<Duration>,
        started: Option<Instant>,
    ) -> Pin<Box<PythonReply<'_>>> {
        self.in_flight.set(self.in_flight.get() + 1);
        self.update_gauges();
        // Boxed: only answers that wait pay for it, and the ready path moves a small value.
        Box::pin(PythonReply {
            state,
            deadline: timeout.map(|t| Box::pin(monoio::time::sleep(t))),
            started,
            route,
            in_flight: Some(self.in_flight.clone()),
            handler: self,
        })
    }

    fn started(&self) -> Option<Instant> {
        self.metrics.as_ref().map(|_| Instant::now())
    }

    fn update_gauges(&self) {
        if let Some(observer) = &self.metrics {
            let mut m = observer.metrics.lock().unwrap_or_else(|p| p.into_inner());
            m.in_flight = self.in_flight.get() as i64;
            m.pool_queued = self.core.app.pool_calls() as i64;
            m.lane_queued = self.lane.as_ref().map_or(0, |lane| lane.queued() as i64);
        }
    }
}

enum State {
    /// Answered (by the timeout): nothing left to wait for.
    Done,
    Pending(PendingResponse),
    Lane(LaneReply),
    Batch(Rc<BatchSlot>),
}

/// A response now (most requests), or one a task or a pool thread is producing.
pub struct PythonReply<'a> {
    state: State,
    deadline: Option<Pin<Box<monoio::time::Sleep>>>,
    started: Option<Instant>,
    route: Option<usize>,
    /// Set while this reply counts as in flight.
    in_flight: Option<Rc<Cell<usize>>>,
    handler: &'a PythonHandler,
}

impl Future for PythonReply<'_> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.get_mut();
        let waiting = match &mut this.state {
            State::Done => Poll::Ready(Response::internal_error()),
            State::Pending(pending) => Pin::new(pending).poll(cx),
            State::Lane(reply) => Pin::new(reply).poll(cx),
            State::Batch(slot) => slot.poll(cx),
        };
        let response = match waiting {
            Poll::Ready(response) => response,
            Poll::Pending => match this.deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => {
                    // Dropping the pending response cancels the task (or drops the late
                    // answer of a pool call or of the lane).
                    this.state = State::Done;
                    if let Some(route) = this.route {
                        log::warn!("{} exceeded its timeout; answered 504", this.handler.core.app.label(route));
                    }
                    timed_out()
                }
                _ => return Poll::Pending,
            },
        };
        this.finished();
        if let (Some(started), Some(observer)) = (this.started, &this.handler.metrics) {
            let mut m = observer.metrics.lock().unwrap_or_else(|p| p.into_inner());
            m.record(this.route, response.status, started.elapsed());
        }
        Poll::Ready(response)
    }
}

impl PythonReply<'_> {
    fn finished(&mut self) {
        if let Some(count) = self.in_flight.take() {
            count.set(count.get() - 1);
            self.handler.update_gauges();
        }
    }
}

impl Drop for PythonReply<'_> {
    fn drop(&mut self) {
        self.finished();
    }
}

impl Handler for PythonHandler {
    /// Index into the app's endpoint table.
    type Route = usize;
    type Future<'a> = Pin<Box<PythonReply<'a>>>;

    fn call<'a>(&'a self, target: Target<'a, usize>, request: Request) -> Reply<Pin<Box<PythonReply<'a>>>> {
        let started = self.started();
        let mut request = request;
        let index = match target {
            Target::Route(index) => *index,
            Target::Miss(miss) => match self.miss_route(&miss, &request) {
                // The app's Python middleware sees it; the miss goes as path parameters.
                Some(index) => {
                    request.params = miss_params(miss);
                    index
                }
                None => return self.ready(None, self.miss(miss, &request), started),
            },
        };
        if self.in_flight.get() >= self.max_in_flight {
            return self.ready(Some(index), overloaded(), started);
        }
        let core = &self.core;
        let timeout = core.app.timeout(index);
        if let Some((max_size, max_wait)) = core.app.batch(index) {
            let slot = self.batches.join(&self.core, index, request, max_size, max_wait);
            // The batch goes within max_wait: no need to watch the peer meanwhile.
            return Reply::Soon(self.waiting(Some(index), State::Batch(slot), timeout, started));
        }
        if core.app.is_lane(index) {
            return match self.lane.as_ref().and_then(|lane| lane.submit(index, request)) {
                Some(reply) => Reply::Later(self.waiting(Some(index), State::Lane(reply), timeout, started)),
                None => self.ready(Some(index), overloaded(), started),
            };
        }
        // Attached for this call only: other Python threads of this interpreter (the
        // blocking pool, threads the app started) run while the core waits for I/O.
        let answer = core.interpreter.with(|attached| {
            let answer = core.app.respond(attached, &core.event_loop, index, request);
            core.event_loop.kick_if_needed(attached);
            answer
        });
        match answer {
            AppReply::Ready(response) => self.ready(Some(index), response, started),
            AppReply::Pending(pending) => {
                Reply::Later(self.waiting(Some(index), State::Pending(pending), timeout, started))
            }
        }
    }
}

/// What the miss route's handler reads from `request.path_params`: `status` ("404", "405",
/// "307") and `allow` or `location` (docs/bridge-contract.md, section 2).
pub(crate) fn miss_params(miss: Miss) -> Vec<(Box<str>, String)> {
    match miss {
        Miss::NotFound => vec![("status".into(), "404".to_owned())],
        Miss::MethodNotAllowed { allow } => vec![("status".into(), "405".to_owned()), ("allow".into(), allow)],
        Miss::Redirect { location } => vec![("status".into(), "307".to_owned()), ("location".into(), location)],
    }
}

impl PythonHandler {
    /// The app's miss route, unless the request is for `/metrics` (answered here).
    fn miss_route(&self, miss: &Miss, request: &Request) -> Option<usize> {
        let index = self.core.app.miss_route()?;
        match &self.metrics {
            Some(observer)
                if *miss == Miss::NotFound && request.method() == "GET" && request.path() == observer.path.as_str() =>
            {
                None
            }
            _ => Some(index),
        }
    }

    /// A request no route matched: `/metrics` when enabled, else the server's answer.
    fn miss(&self, miss: Miss, request: &Request) -> Response {
        if let Some(observer) = &self.metrics {
            if miss == Miss::NotFound && request.method() == "GET" && request.path() == observer.path.as_str() {
                return Response::full(
                    200,
                    b"text/plain; version=0.0.4; charset=utf-8",
                    Bytes::from(metrics::registry().render()),
                );
            }
        }
        miss.response()
    }
}

/// A core of an app that runs entirely in the main interpreter (`FasterAPI(interpreter=
/// "main")`): it parses and routes, and the lane answers. No sub-interpreter, no Python on
/// the core.
pub struct LaneHandler {
    pub lane: LaneSender,
    /// The lane's endpoint for unmatched requests (`LoadedApp.miss_route`), if any.
    pub miss_route: Option<usize>,
}

impl Handler for LaneHandler {
    type Route = usize;
    type Future<'a> = LaneReply;

    fn call<'a>(&'a self, target: Target<'a, usize>, request: Request) -> Reply<LaneReply> {
        match target {
            Target::Route(index) => match self.lane.submit(*index, request) {
                Some(reply) => Reply::Later(reply),
                None => Reply::Ready(overloaded()),
            },
            Target::Miss(miss) => match self.miss_route {
                // The app's Python middleware and exception handlers answer it in the lane.
                Some(index) => {
                    let mut request = request;
                    request.params = miss_params(miss);
                    match self.lane.submit(index, request) {
                        Some(reply) => Reply::Later(reply),
                        None => Reply::Ready(overloaded()),
                    }
                }
                None => Reply::Ready(miss.response()),
            },
        }
    }
}

/// Where one request of a batch gets its answer.
#[derive(Default)]
pub struct BatchSlot {
    response: std::cell::RefCell<Option<Response>>,
    waker: std::cell::RefCell<Option<std::task::Waker>>,
}

impl BatchSlot {
    fn fill(&self, response: Response) {
        *self.response.borrow_mut() = Some(response);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<Response> {
        match self.response.borrow_mut().take() {
            Some(r) => Poll::Ready(r),
            None => {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The requests of each batch route waiting for their batch on this core.
#[derive(Default)]
struct Batches {
    waiting: std::cell::RefCell<std::collections::HashMap<usize, Batch>>,
}

#[derive(Default)]
struct Batch {
    requests: Vec<Request>,
    slots: Vec<Rc<BatchSlot>>,
    /// Bumped at each flush, so that a timer armed for an earlier batch does nothing.
    generation: u64,
}

impl Batches {
    /// Adds a request to its route's batch; the batch goes when full, or `max_wait` after its
    /// first request.
    fn join(
        self: &Rc<Self>,
        core: &Rc<Core>,
        route: usize,
        request: Request,
        max_size: usize,
        max_wait: Duration,
    ) -> Rc<BatchSlot> {
        let slot = Rc::new(BatchSlot::default());
        let (len, generation) = {
            let mut waiting = self.waiting.borrow_mut();
            let batch = waiting.entry(route).or_default();
            batch.requests.push(request);
            batch.slots.push(slot.clone());
            (batch.requests.len(), batch.generation)
        };
        if len >= max_size || max_wait.is_zero() {
            self.flush(core, route);
        } else if len == 1 {
            let (batches, core) = (self.clone(), core.clone());
            monoio::spawn(async move {
                monoio::time::sleep(max_wait).await;
                let due = batches.waiting.borrow().get(&route).is_some_and(|b| b.generation == generation);
                if due {
                    batches.flush(&core, route);
                }
            });
        }
        slot
    }

    /// Calls the handler once for the waiting batch of `route` and hands out the answers.
    fn flush(&self, core: &Core, route: usize) {
        let (requests, slots) = {
            let mut waiting = self.waiting.borrow_mut();
            let Some(batch) = waiting.get_mut(&route) else { return };
            batch.generation += 1;
            (std::mem::take(&mut batch.requests), std::mem::take(&mut batch.slots))
        };
        if requests.is_empty() {
            return;
        }
        let responses = core.interpreter.with(|attached| {
            let responses = core.app.respond_batch(attached, Some(&core.event_loop), route, requests);
            core.event_loop.kick_if_needed(attached);
            responses
        });
        for (slot, response) in slots.iter().zip(responses) {
            slot.fill(response);
        }
    }
}
