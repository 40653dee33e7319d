//! The app as one interpreter sees it: route handlers, and turning their results into
//! responses (see docs/bridge-contract.md for the contract with the Python package).

use bytes::Bytes;
use pyo3_ffi as ffi;
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use super::core::{after_send_work, after_send_work_in_process, CoreLoop, PendingResponse, PyChunkStream, Work};
use super::interpreter::{Attached, MainInterpreter};
use super::json::{self, EncodeError};
use super::native_plan::{native_values, read_native_plan, NativePlan};
use super::object::{self, Exc, PyObj};
use super::request::{new_request_object, take_after_send};
use server::{Body, FileBody, Request, Response};

/// One route as the router needs it.
pub struct RouteSpec {
    pub method: String,
    pub path: String,
    /// Index into the app's handler table.
    pub index: usize,
}

/// Where a sync (`def`) endpoint runs: in the blocking pool (never stalls the core) or
/// inline on the core thread (no thread hop). See docs/architecture.md, "Blocking handlers".
struct SyncPolicy {
    /// `inline=True`/`False` on the route; `None`: measured.
    forced: Option<bool>,
    inline: Cell<bool>,
    /// Pool calls measured quick and not quick, in the current window.
    quick: Cell<u32>,
    slow: Cell<u32>,
    /// How often an inline call was seen taking long: each time the route goes back to the
    /// pool and must prove quick over twice as many calls (up to `PROMOTE_AFTER << MAX_BACKOFF`).
    demotions: Cell<u32>,
}

/// Pool calls that must take under `QUICK_CALL` (with at most one in ten slower, which
/// contention alone can cause under load) before a handler runs inline.
const PROMOTE_AFTER: u32 = 32;
/// Measurements are counted in windows of this many calls, so that old ones age out.
const WINDOW: u32 = 4096;
/// The quick calls needed to come back inline double with each demotion, up to 32 << 5 = 1024.
const MAX_BACKOFF: u32 = 5;
const QUICK_CALL: Duration = Duration::from_micros(500);
/// An inline call that took this long stalled the core: the route goes back to the pool.
const BLOCKING_CALL: Duration = Duration::from_millis(2);

impl SyncPolicy {
    fn runs_inline(&self) -> bool {
        self.forced.unwrap_or_else(|| self.inline.get())
    }
}

struct Endpoint {
    handler: PyObj,
    status: u16,
    /// "GET /users/{user_id}", for error logs.
    label: String,
    /// Parameters the bridge extracts itself (see `fasterapi/_fastpath.py`).
    native: Option<NativePlan>,
    is_async: bool,
    sync: SyncPolicy,
    /// `timeout=` on the route: past it, 504 and the handler's work is cancelled.
    timeout: Option<Duration>,
    /// `interpreter="main"`: the main interpreter's lane answers (the cores never call it).
    lane: bool,
    /// `@app.batch(...)`: at most this many requests per call, waiting at most this long.
    batch: Option<(usize, Duration)>,
}

/// How a request is being answered.
pub enum Reply {
    Ready(Response),
    /// A task on the core's loop or a call in the blocking pool will answer.
    Pending(PendingResponse),
}

/// Everything one interpreter needs to answer requests. Lives on its core, used attached.
pub struct App {
    endpoints: Vec<Endpoint>,
    /// The endpoint that answers unmatched requests (`LoadedApp.miss_route`), if any.
    miss_index: Option<usize>,
    request_type: PyObj,
    response_type: PyObj,
    streaming_type: PyObj,
    file_type: PyObj,
    encode_fallback: PyObj,
    pub new_loop: PyObj,
    pub close_loop: PyObj,
    /// `startup(loop)` / `shutdown(loop)`: the app's lifespan on this core.
    pub startup: PyObj,
    pub shutdown: PyObj,
    pump_body: PyObj,
    timed_call: PyObj,
    run_coroutine: PyObj,
    /// `after_send_runner(work)`: the zero-argument hook that runs `Response.background`.
    after_send_runner: PyObj,
    attr_status_code: PyObj,
    attr_raw_headers: PyObj,
    attr_body: PyObj,
    attr_body_iterator: PyObj,
    attr_path: PyObj,
    attr_background: PyObj,
    /// The `background` of the `Response` object converted last, until the caller of
    /// `to_response` joins it to the request's after-send work (`after_send_for`). Every
    /// conversion is followed by that join on the same thread, so it never outlives a request.
    background: RefCell<Option<PyObj>>,
    /// Reused JSON output buffer: encoding allocates nothing once it has grown.
    scratch: RefCell<Vec<u8>>,
    /// "core 3" or "lane", for logs.
    place: String,
    /// Sync calls queued or running in the blocking pool, and how many may be.
    pool_calls: Cell<usize>,
    pool_limit: Cell<usize>,
    /// In-process apps (`fasterapi.testclient`) only: `collect_body(body_iterator) ->
    /// (chunks, complete)`, which runs a streamed body to its end on the calling thread.
    collect_body: Option<PyObj>,
    /// In-process apps only: the exception of the last failed call is kept here for the
    /// test client (which re-raises it) instead of being printed.
    raised: Option<RefCell<Option<PyObj>>>,
}

/// Where an `App` answers: a core's sub-interpreter, the main interpreter's lane, or the
/// calling thread of an in-process test client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Core(usize),
    Lane,
    InProcess,
}

const JSON: &[u8] = b"application/json";
const TEXT: &[u8] = b"text/plain; charset=utf-8";
const OCTET: &[u8] = b"application/octet-stream";

impl App {
    /// Imports the app in the attached interpreter via `fasterapi._server.load_app(spec)`.
    /// `core`: the core this interpreter serves, or `None` for the main interpreter's lane.
    pub fn load(attached: &Attached<'_>, spec: &str, core: Option<usize>) -> Result<(App, Vec<RouteSpec>), String> {
        let a = attached;
        // SAFETY: attached (proof); the objects made here belong to this interpreter.
        let loaded = unsafe {
            let fail = |what: &str| format!("{what}: {}", object::take_error_line(a));
            let server_mod = object::import(a, crate::cstr!("fasterapi._server"))
                .ok_or_else(|| fail("importing fasterapi._server"))?;
            let load_app = object::getattr(server_mod.as_ptr(), crate::cstr!("load_app"))
                .ok_or_else(|| fail("fasterapi._server"))?;
            let spec_obj = object::new_str(a, spec).ok_or_else(|| fail("app spec"))?;
            PyObj::from_owned(ffi::PyObject_CallOneArg(load_app.as_ptr(), spec_obj.as_ptr()))
                .ok_or_else(|| object::take_error_line(a))?
        };
        App::from_loaded(a, &loaded, core.map_or(Place::Lane, Place::Core))
    }

    /// The app described by `loaded` (a `fasterapi._server.LoadedApp`), answering at `place`.
    pub fn from_loaded(attached: &Attached<'_>, loaded: &PyObj, place: Place) -> Result<(App, Vec<RouteSpec>), String> {
        let a = attached;
        // SAFETY: attached (proof in `_attached`); every object created here belongs to this
        // interpreter and is kept in the `App`, which is only used attached on this core.
        unsafe {
            let fail = |what: &str| format!("{what}: {}", object::take_error_line(a));
            let native = object::import(a, crate::cstr!("fasterapi._native"))
                .ok_or_else(|| fail("importing fasterapi._native"))?;
            let request_type = super::module::request_type(native.as_ptr()).ok_or_else(|| fail("fasterapi._native"))?;
            if let Place::Core(core) = place {
                super::module::set_core_id(native.as_ptr(), core as i64);
            }
            let attr = |name: &std::ffi::CStr| {
                object::getattr(loaded.as_ptr(), name).ok_or_else(|| fail("fasterapi._server.load_app() result"))
            };
            let routes = attr(crate::cstr!("routes"))?;
            let routes = PyObj::from_owned(ffi::PySequence_List(routes.as_ptr())).ok_or_else(|| fail("routes"))?;
            // The route that answers unmatched requests when Python middleware must see them:
            // read like the others, after them, but never put in the router.
            let miss_route = attr(crate::cstr!("miss_route"))?;
            let miss_index = if miss_route.as_ptr() == ffi::Py_None() {
                None
            } else {
                if ffi::PyList_Append(routes.as_ptr(), miss_route.as_ptr()) != 0 {
                    return Err(fail("miss_route"));
                }
                Some(ffi::PyList_Size(routes.as_ptr()) as usize - 1)
            };

            let mut endpoints = Vec::new();
            let mut specs = Vec::new();
            for i in 0..ffi::PyList_Size(routes.as_ptr()) {
                let item = ffi::PyList_GetItem(routes.as_ptr(), i);
                let bad = || format!("route #{i} must be a fasterapi.routing.CompiledRoute");
                let field = |name: &std::ffi::CStr| object::getattr(item, name).ok_or_else(bad);
                let (method, path, handler, status) = (
                    field(crate::cstr!("method"))?,
                    field(crate::cstr!("path"))?,
                    field(crate::cstr!("handler"))?,
                    field(crate::cstr!("status_code"))?,
                );
                let native = read_native_plan(field(crate::cstr!("native_plan"))?.as_ptr())
                    .map_err(|e| format!("route #{i}: {e}"))?;
                let is_async = ffi::PyObject_IsTrue(field(crate::cstr!("is_async"))?.as_ptr()) == 1;
                let inline = field(crate::cstr!("inline"))?;
                let lane = object::str_utf8(field(crate::cstr!("interpreter"))?.as_ptr()) == Some(&b"main"[..]);
                let batch = field(crate::cstr!("batch"))?;
                let batch = if batch.as_ptr() == ffi::Py_None() {
                    None
                } else {
                    let size = ffi::PyLong_AsSsize_t(ffi::PyTuple_GetItem(batch.as_ptr(), 0));
                    let wait = ffi::PyFloat_AsDouble(ffi::PyTuple_GetItem(batch.as_ptr(), 1));
                    if size < 1 || !(wait >= 0.0 && wait.is_finite()) {
                        ffi::PyErr_Clear();
                        return Err(format!("route #{i}: batch must be (max_size >= 1, max_wait_seconds >= 0)"));
                    }
                    Some((size as usize, Duration::from_secs_f64(wait)))
                };
                let timeout = field(crate::cstr!("timeout"))?;
                let timeout = if timeout.as_ptr() == ffi::Py_None() {
                    None
                } else {
                    let seconds = ffi::PyFloat_AsDouble(timeout.as_ptr());
                    if !(seconds > 0.0 && seconds.is_finite()) {
                        ffi::PyErr_Clear();
                        return Err(format!("route #{i}: timeout must be a positive number of seconds"));
                    }
                    Some(Duration::from_secs_f64(seconds))
                };
                let forced = if inline.as_ptr() == ffi::Py_None() {
                    None
                } else {
                    Some(ffi::PyObject_IsTrue(inline.as_ptr()) == 1)
                };
                if ffi::PyUnicode_Check(method.as_ptr()) == 0
                    || ffi::PyUnicode_Check(path.as_ptr()) == 0
                    || ffi::PyLong_Check(status.as_ptr()) == 0
                {
                    return Err(bad());
                }
                let method = String::from_utf8_lossy(object::str_utf8(method.as_ptr()).ok_or_else(bad)?).to_uppercase();
                let path = String::from_utf8_lossy(object::str_utf8(path.as_ptr()).ok_or_else(bad)?).into_owned();
                let status = ffi::PyLong_AsLong(status.as_ptr());
                if !(100..=999).contains(&status) {
                    return Err(format!("route {method} {path}: invalid status_code {status}"));
                }
                if miss_index != Some(i as usize) {
                    specs.push(RouteSpec { method: method.clone(), path: path.clone(), index: endpoints.len() });
                }
                endpoints.push(Endpoint {
                    handler,
                    status: status as u16,
                    label: format!("{method} {path}"),
                    native,
                    is_async,
                    sync: SyncPolicy {
                        forced,
                        inline: Cell::new(false),
                        quick: Cell::new(0),
                        slow: Cell::new(0),
                        demotions: Cell::new(0),
                    },
                    timeout,
                    lane,
                    batch,
                });
            }
            let intern = |name: &std::ffi::CStr| object::intern(a, name).ok_or_else(|| fail("interning"));
            let app = App {
                endpoints,
                miss_index,
                request_type,
                response_type: attr(crate::cstr!("response_type"))?,
                streaming_type: attr(crate::cstr!("streaming_type"))?,
                file_type: attr(crate::cstr!("file_type"))?,
                encode_fallback: attr(crate::cstr!("encode_fallback"))?,
                new_loop: attr(crate::cstr!("new_loop"))?,
                close_loop: attr(crate::cstr!("close_loop"))?,
                startup: attr(crate::cstr!("startup"))?,
                shutdown: attr(crate::cstr!("shutdown"))?,
                pump_body: attr(crate::cstr!("pump_body"))?,
                timed_call: attr(crate::cstr!("timed_call"))?,
                run_coroutine: attr(crate::cstr!("run_coroutine"))?,
                after_send_runner: attr(crate::cstr!("after_send_runner"))?,
                attr_status_code: intern(crate::cstr!("status_code"))?,
                attr_raw_headers: intern(crate::cstr!("raw_headers"))?,
                attr_body: intern(crate::cstr!("body"))?,
                attr_body_iterator: intern(crate::cstr!("body_iterator"))?,
                attr_path: intern(crate::cstr!("path"))?,
                attr_background: intern(crate::cstr!("background"))?,
                background: RefCell::new(None),
                scratch: RefCell::new(Vec::with_capacity(4096)),
                place: match place {
                    Place::Core(c) => format!("core {c}"),
                    Place::Lane => "main-interpreter lane".to_owned(),
                    Place::InProcess => "in-process app".to_owned(),
                },
                pool_calls: Cell::new(0),
                pool_limit: Cell::new(usize::MAX),
                collect_body: match place {
                    Place::InProcess => Some(attr(crate::cstr!("collect_body"))?),
                    _ => None,
                },
                raised: (place == Place::InProcess).then(|| RefCell::new(None)),
            };
            Ok((app, specs))
        }
    }

    /// Calls the route's handler with `request`: the answer now, or a pending one.
    pub fn respond(&self, attached: &Attached<'_>, core_loop: &CoreLoop, index: usize, request: Request) -> Reply {
        let endpoint = &self.endpoints[index];
        // SAFETY: attached (proof) to the interpreter that owns every object in `self`;
        // borrowed pointers are used while the objects holding them are alive.
        unsafe {
            // Native extraction first; `None` means "let the Python handler do it".
            let native_args = match &endpoint.native {
                Some(plan) => match native_values(plan, &request) {
                    Some(Ok(values)) => Some((plan, values)),
                    Some(Err(())) => return Reply::Ready(self.fail(attached, endpoint)),
                    None => None,
                },
                None => None,
            };
            // The server's clock reading from when the connection last stopped waiting: timing
            // an inline call from there costs one clock read, not two (parsing and routing add
            // microseconds).
            let started = request.started;
            let Some(req) = new_request_object(self.request_type.as_ptr() as *mut ffi::PyTypeObject, request) else {
                return Reply::Ready(self.fail(attached, endpoint));
            };
            // The request and the plan's values, on the stack for the usual few parameters.
            let mut stack = [std::ptr::null_mut(); 8];
            let mut heap = Vec::new();
            let (callable, args): (*mut ffi::PyObject, &[*mut ffi::PyObject]) = match &native_args {
                Some((plan, values)) if values.len() < stack.len() => {
                    stack[0] = req.as_ptr();
                    for (slot, v) in stack[1..].iter_mut().zip(values) {
                        *slot = v.as_ptr();
                    }
                    (plan.call.as_ptr(), &stack[..values.len() + 1])
                }
                Some((plan, values)) => {
                    heap.push(req.as_ptr());
                    heap.extend(values.iter().map(PyObj::as_ptr));
                    (plan.call.as_ptr(), &heap[..])
                }
                None => {
                    stack[0] = req.as_ptr();
                    (endpoint.handler.as_ptr(), &stack[..1])
                }
            };
            if !endpoint.is_async && !endpoint.sync.runs_inline() {
                // A `def` endpoint not known to be quick: the blocking pool runs it, unless
                // its queue is full (503 rather than a queue without bound).
                if self.pool_calls.get() >= self.pool_limit.get() {
                    return Reply::Ready(overloaded());
                }
                let mut pool_args = Vec::with_capacity(args.len() + 2);
                pool_args.push(self.timed_call.as_ptr());
                pool_args.push(callable);
                pool_args.extend_from_slice(args);
                return match core_loop.run_in_executor(&pool_args) {
                    Some(future) => match PendingResponse::register(attached, core_loop, future, index, Work::Pool) {
                        Some(pending) => {
                            pending.keep_request(attached, req);
                            self.pool_calls.set(self.pool_calls.get() + 1);
                            Reply::Pending(pending)
                        }
                        None => Reply::Ready(self.fail(attached, endpoint)),
                    },
                    None => Reply::Ready(self.fail(attached, endpoint)),
                };
            }
            let timed = !endpoint.is_async && endpoint.sync.forced.is_none();
            let started = if timed { Some(started.unwrap_or_else(Instant::now)) } else { None };
            let result = ffi::PyObject_Vectorcall(callable, args.as_ptr(), args.len(), std::ptr::null_mut());
            if let Some(started) = started {
                let took = started.elapsed();
                // While pool threads run, a long call may only have waited for the GIL they
                // hold: judge only when the pool is idle.
                if took >= BLOCKING_CALL && self.pool_calls.get() == 0 {
                    self.demote(endpoint, took);
                }
            }
            drop(heap);
            drop(native_args);
            let Some(result) = PyObj::from_owned(result) else {
                return Reply::Ready(self.with_after_send(attached, self.fail(attached, endpoint), &req));
            };
            match self.answer(attached, core_loop, index, result) {
                Reply::Ready(response) => Reply::Ready(self.with_after_send(attached, response, &req)),
                Reply::Pending(pending) => {
                    pending.keep_request(attached, req);
                    Reply::Pending(pending)
                }
            }
        }
    }

    /// `response` carrying the work `req`'s handler registered with `after_send` (nothing
    /// to do, and nothing paid, when it registered none).
    ///
    /// # Safety
    /// `req` is this interpreter's `Request` object.
    unsafe fn with_after_send(&self, attached: &Attached<'_>, mut response: Response, req: &PyObj) -> Response {
        response.after_send = after_send_work(attached, self.after_send_for(Some(req)));
        response
    }

    /// What runs after the response to `req` is sent: the work its handler registered with
    /// `after_send` (yield-dependency clean-up, background tasks), then the `background` of
    /// the `Response` object just converted, if any.
    ///
    /// # Safety
    /// Attached; `req` is this interpreter's `Request` object.
    pub unsafe fn after_send_for(&self, req: Option<&PyObj>) -> Vec<PyObj> {
        let mut hooks = req.map(|r| take_after_send(r.as_ptr())).unwrap_or_default();
        if let Some(background) = self.background.borrow_mut().take() {
            hooks.push(background);
        }
        hooks
    }

    /// Turns what a handler returned into a reply: a coroutine becomes an eager task (done
    /// at once in the common case), anything else a response.
    ///
    /// # Safety
    /// Attached; `result` belongs to this interpreter.
    unsafe fn answer(&self, attached: &Attached<'_>, core_loop: &CoreLoop, index: usize, result: PyObj) -> Reply {
        let endpoint = &self.endpoints[index];
        if ffi::PyCoro_CheckExact(result.as_ptr()) == 0 {
            return Reply::Ready(self.to_response(attached, Some(core_loop), endpoint, result));
        }
        let Some(task) = core_loop.start_task(result.as_ptr()) else {
            return Reply::Ready(self.fail(attached, endpoint));
        };
        drop(result);
        match core_loop.is_done(task.as_ptr()) {
            Some(true) => match core_loop.result(task.as_ptr()) {
                Some(value) => Reply::Ready(self.to_response(attached, Some(core_loop), endpoint, value)),
                None => Reply::Ready(self.fail(attached, endpoint)),
            },
            Some(false) => match PendingResponse::register(attached, core_loop, task, index, Work::Task) {
                Some(pending) => Reply::Pending(pending),
                None => Reply::Ready(self.fail(attached, endpoint)),
            },
            None => Reply::Ready(self.fail(attached, endpoint)),
        }
    }

    /// The answer of a finished pending future (called by the loop, attached).
    ///
    /// # Safety
    /// Attached; `future` is the done future registered for `index`.
    pub unsafe fn finish(
        &self,
        attached: &Attached<'_>,
        core_loop: &CoreLoop,
        index: usize,
        work: Work,
        future: *mut ffi::PyObject,
    ) -> Response {
        let a = attached;
        let endpoint = &self.endpoints[index];
        if core_loop.is_cancelled(future) {
            // Cancelled by the server itself (shutdown): not the handler's failure.
            return overloaded();
        }
        let Some(value) = core_loop.result(future) else {
            return self.fail(a, endpoint);
        };
        let value = match work {
            Work::Task => value,
            Work::Pool => {
                // `timed_call` returned `(answer, seconds)`.
                if ffi::PyTuple_Check(value.as_ptr()) == 0 || ffi::PyTuple_Size(value.as_ptr()) != 2 {
                    object::raise(a, Exc::Type, "timed_call() must return (answer, seconds)");
                    return self.fail(a, endpoint);
                }
                let seconds = ffi::PyFloat_AsDouble(ffi::PyTuple_GetItem(value.as_ptr(), 1));
                self.measured_in_pool(endpoint, Duration::from_secs_f64(seconds.max(0.0)));
                PyObj::from_borrowed(ffi::PyTuple_GetItem(value.as_ptr(), 0))
            }
        };
        if ffi::PyCoro_CheckExact(value.as_ptr()) != 0 {
            // A sync handler answered with a coroutine (an async exception handler): it
            // cannot be awaited from here; its answer would need another wait.
            object::raise(a, Exc::Type, "a sync endpoint in the blocking pool returned a coroutine");
            return self.fail(a, endpoint);
        }
        self.to_response(attached, Some(core_loop), endpoint, value)
    }

    /// `(max_size, max_wait)` of a batch route.
    pub fn batch(&self, index: usize) -> Option<(usize, Duration)> {
        self.endpoints[index].batch
    }

    /// Answers a batch of requests with one call of the route's handler (a batch route is a
    /// plain `def`, run here on the core): `handler([request, ...]) -> [answer, ...]`.
    pub fn respond_batch(
        &self,
        attached: &Attached<'_>,
        core_loop: Option<&CoreLoop>,
        index: usize,
        requests: Vec<Request>,
    ) -> Vec<Response> {
        let a = attached;
        let endpoint = &self.endpoints[index];
        let n = requests.len();
        let all_failed = |this: &App| {
            let first = this.fail(a, endpoint);
            std::iter::once(first).chain((1..n).map(|_| Response::internal_error())).collect()
        };
        // SAFETY: attached (proof) to the interpreter that owns every object in `self`.
        unsafe {
            let Some(list) = PyObj::from_owned(ffi::PyList_New(n as ffi::Py_ssize_t)) else {
                return all_failed(self);
            };
            for (i, request) in requests.into_iter().enumerate() {
                let Some(req) = new_request_object(self.request_type.as_ptr() as *mut ffi::PyTypeObject, request)
                else {
                    return all_failed(self);
                };
                ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, req.into_ptr());
            }
            let Some(answers) = PyObj::from_owned(ffi::PyObject_CallOneArg(endpoint.handler.as_ptr(), list.as_ptr()))
            else {
                return all_failed(self);
            };
            if ffi::PyList_Check(answers.as_ptr()) == 0 || ffi::PyList_Size(answers.as_ptr()) != n as ffi::Py_ssize_t {
                object::raise(a, Exc::Type, "a batch handler must return a list with one answer per request");
                return all_failed(self);
            }
            (0..n)
                .map(|i| {
                    let answer = PyObj::from_borrowed(ffi::PyList_GetItem(answers.as_ptr(), i as ffi::Py_ssize_t));
                    let response = self.to_response(attached, core_loop, endpoint, answer);
                    let req = PyObj::from_borrowed(ffi::PyList_GetItem(list.as_ptr(), i as ffi::Py_ssize_t));
                    self.with_after_send(attached, response, &req)
                })
                .collect()
        }
    }

    /// Whether the route runs in the main interpreter's lane.
    /// The endpoint for requests no route matched, when the app's Python middleware must
    /// see them; `None`: the server's own answers are used.
    pub fn miss_route(&self) -> Option<usize> {
        self.miss_index
    }

    pub fn is_lane(&self, index: usize) -> bool {
        self.endpoints[index].lane
    }

    /// The lane's way to answer (main interpreter, a lane thread): the handler runs to its
    /// end on this thread, a coroutine on the thread's own loop. No streamed bodies here.
    /// Also returns the work the handler registered with `after_send`, which the lane thread
    /// runs once it has handed the response to the core.
    pub fn respond_blocking(&self, attached: &Attached<'_>, index: usize, request: Request) -> (Response, Vec<PyObj>) {
        let endpoint = &self.endpoints[index];
        // SAFETY: attached (proof) to the interpreter that owns every object in `self`.
        unsafe {
            let Some(req) = new_request_object(self.request_type.as_ptr() as *mut ffi::PyTypeObject, request) else {
                return (self.fail(attached, endpoint), Vec::new());
            };
            let response = self.respond_blocking_to(attached, endpoint, &req);
            (response, self.after_send_for(Some(&req)))
        }
    }

    /// # Safety
    /// Attached; `req` is this interpreter's `Request` object.
    unsafe fn respond_blocking_to(&self, attached: &Attached<'_>, endpoint: &Endpoint, req: &PyObj) -> Response {
        {
            let args = [req.as_ptr()];
            let Some(mut value) = PyObj::from_owned(ffi::PyObject_Vectorcall(
                endpoint.handler.as_ptr(),
                args.as_ptr(),
                1,
                std::ptr::null_mut(),
            )) else {
                return self.fail(attached, endpoint);
            };
            if ffi::PyCoro_CheckExact(value.as_ptr()) != 0 {
                value = match PyObj::from_owned(ffi::PyObject_CallOneArg(self.run_coroutine.as_ptr(), value.as_ptr())) {
                    Some(v) => v,
                    None => return self.fail(attached, endpoint),
                };
            }
            self.to_response(attached, None, endpoint, value)
        }
    }

    /// The in-process way to answer (`fasterapi.testclient`, the calling thread): the
    /// route's native plan and handler as a core calls them, a coroutine run to its end on
    /// the thread's loop (the lane's `run_coroutine`), a batch route called with a batch of
    /// one, a streamed body collected. No pool, no timeout.
    pub fn respond_in_process(&self, attached: &Attached<'_>, index: usize, request: Request) -> Response {
        let endpoint = &self.endpoints[index];
        if endpoint.batch.is_some() {
            return self
                .respond_batch(attached, None, index, vec![request])
                .pop()
                .unwrap_or_else(Response::internal_error);
        }
        // SAFETY: attached (proof) to the interpreter that owns every object in `self`.
        unsafe {
            let native_args = match &endpoint.native {
                Some(plan) => match native_values(plan, &request) {
                    Some(Ok(values)) => Some((plan, values)),
                    Some(Err(())) => return self.fail(attached, endpoint),
                    None => None,
                },
                None => None,
            };
            let Some(req) = new_request_object(self.request_type.as_ptr() as *mut ffi::PyTypeObject, request) else {
                return self.fail(attached, endpoint);
            };
            let mut args = vec![req.as_ptr()];
            let callable = match &native_args {
                Some((plan, values)) => {
                    args.extend(values.iter().map(PyObj::as_ptr));
                    plan.call.as_ptr()
                }
                None => endpoint.handler.as_ptr(),
            };
            let result = ffi::PyObject_Vectorcall(callable, args.as_ptr(), args.len(), std::ptr::null_mut());
            drop(native_args);
            let Some(mut value) = PyObj::from_owned(result) else {
                return self.fail(attached, endpoint);
            };
            if ffi::PyCoro_CheckExact(value.as_ptr()) != 0 {
                value = match PyObj::from_owned(ffi::PyObject_CallOneArg(self.run_coroutine.as_ptr(), value.as_ptr())) {
                    Some(v) => v,
                    None => return self.fail(attached, endpoint),
                };
            }
            // The after-send work runs when the in-process server has written the response
            // into its buffer (before the test gets it, as with Starlette's TestClient).
            let mut response = self.to_response(attached, None, endpoint, value);
            response.after_send = after_send_work_in_process(attached, self.after_send_for(Some(&req)));
            response
        }
    }

    /// The exception the last failed in-process call raised, if any (taken).
    pub fn take_raised(&self) -> Option<PyObj> {
        self.raised.as_ref().and_then(|r| r.borrow_mut().take())
    }

    /// A call of the blocking pool ended (answered or not).
    pub fn pool_call_done(&self) {
        self.pool_calls.set(self.pool_calls.get().saturating_sub(1));
    }

    /// Sync calls in the pool now (queued or running).
    pub fn pool_calls(&self) -> usize {
        self.pool_calls.get()
    }

    /// How many sync calls may wait for or run in the pool before new ones get a 503.
    pub fn set_pool_limit(&self, limit: usize) {
        self.pool_limit.set(limit);
    }

    /// The route's `timeout=`.
    pub fn timeout(&self, index: usize) -> Option<Duration> {
        self.endpoints[index].timeout
    }

    /// "GET /path" of each route, in index order (metrics labels).
    pub fn labels(&self) -> Vec<String> {
        self.endpoints.iter().map(|e| e.label.clone()).collect()
    }

    /// "GET /path" of one route (for logs).
    pub fn label(&self, index: usize) -> &str {
        &self.endpoints[index].label
    }

    /// An inline call took `took` (2 ms or more): back to the pool. The call may have blocked,
    /// or the thread was preempted, which looks the same from here: a handler that blocks
    /// shows it in the pool too and stays there; a quick one proves quick again, over twice
    /// as many calls as last time (so one that blocks now and then moves rarely).
    fn demote(&self, endpoint: &Endpoint, took: Duration) {
        let policy = &endpoint.sync;
        policy.inline.set(false);
        policy.quick.set(0);
        policy.slow.set(0);
        let demotions = policy.demotions.get().saturating_add(1);
        policy.demotions.set(demotions);
        let needed = PROMOTE_AFTER << demotions.min(MAX_BACKOFF);
        log::info!(
            "{}: {} held the core for {:.1} ms; it runs in the blocking pool until {needed} quick calls there \
             (pass inline=True or inline=False to decide yourself)",
            self.place,
            endpoint.label,
            took.as_secs_f64() * 1000.0
        );
    }

    /// Moves a handler inline once it proved quick often enough in the pool.
    fn measured_in_pool(&self, endpoint: &Endpoint, took: Duration) {
        let policy = &endpoint.sync;
        if policy.forced.is_some() {
            return;
        }
        let needed = PROMOTE_AFTER << policy.demotions.get().min(MAX_BACKOFF);
        let (mut quick, mut slow) = (policy.quick.get(), policy.slow.get());
        if took < QUICK_CALL {
            quick += 1;
        } else {
            slow += 1;
        }
        if quick >= needed && slow * 10 <= quick {
            policy.inline.set(true);
        }
        if quick + slow >= WINDOW {
            (quick, slow) = (0, 0);
        }
        policy.quick.set(quick);
        policy.slow.set(slow);
    }

    /// A handler's value as a response.
    ///
    /// # Safety
    /// Attached; `result` belongs to this interpreter.
    unsafe fn to_response(
        &self,
        attached: &Attached<'_>,
        core_loop: Option<&CoreLoop>,
        endpoint: &Endpoint,
        result: PyObj,
    ) -> Response {
        let obj = result.as_ptr();
        if ffi::PyDict_CheckExact(obj) != 0 || ffi::PyList_CheckExact(obj) != 0 || obj == ffi::Py_None() {
            return self.json_response(endpoint, obj);
        }
        if ffi::PyUnicode_CheckExact(obj) != 0 {
            return match object::str_utf8(obj) {
                Some(text) => Response::full(endpoint.status, TEXT, Bytes::copy_from_slice(text)),
                None => self.fail(attached, endpoint),
            };
        }
        if ffi::PyBytes_CheckExact(obj) != 0 {
            return Response::full(endpoint.status, OCTET, Bytes::copy_from_slice(object::bytes_data(obj)));
        }
        match ffi::PyObject_IsInstance(obj, self.response_type.as_ptr()) {
            1 => return self.response_object(attached, core_loop, endpoint, obj),
            -1 => return self.fail(attached, endpoint),
            _ => {}
        }
        self.json_response(endpoint, obj)
    }

    /// A plain value as JSON; values the native encoder refuses go through `encode_fallback`.
    unsafe fn json_response(&self, endpoint: &Endpoint, obj: *mut ffi::PyObject) -> Response {
        // SAFETY: attached (this function's contract).
        let a = &Attached::assume();
        let mut out = self.scratch.borrow_mut();
        out.clear();
        match json::encode(obj, &mut out) {
            Ok(()) => Response::full(endpoint.status, JSON, Bytes::copy_from_slice(&out)),
            Err(EncodeError::Type(_)) => {
                // A model returned as it is (or by a `response_model` route): its own schema
                // writes it, as `encode_fallback` would, without a call into Python.
                out.clear();
                match super::schema::dump::write_by_class(obj, &mut out) {
                    Ok(true) => return Response::full(endpoint.status, JSON, Bytes::copy_from_slice(&out)),
                    Ok(false) => {}
                    Err(()) => ffi::PyErr_Clear(), // the Python encoder decides (and words errors)
                }
                drop(out);
                let encoded = PyObj::from_owned(ffi::PyObject_CallOneArg(self.encode_fallback.as_ptr(), obj));
                match encoded {
                    Some(b) if ffi::PyBytes_Check(b.as_ptr()) != 0 => {
                        Response::full(endpoint.status, JSON, Bytes::copy_from_slice(object::bytes_data(b.as_ptr())))
                    }
                    Some(_) => {
                        object::raise(a, Exc::Type, "encode_fallback() must return bytes");
                        self.fail(a, endpoint)
                    }
                    None => self.fail(a, endpoint),
                }
            }
            Err(e) => {
                drop(out);
                json::raise_encode_error(e);
                self.fail(a, endpoint)
            }
        }
    }

    /// A `fasterapi.responses.Response`: status, raw headers and the body, which is the
    /// `body` bytes, a `StreamingResponse`'s iterator, or a `FileResponse`'s file.
    unsafe fn response_object(
        &self,
        attached: &Attached<'_>,
        core_loop: Option<&CoreLoop>,
        endpoint: &Endpoint,
        obj: *mut ffi::PyObject,
    ) -> Response {
        let a = attached;
        let get = |name: &PyObj| PyObj::from_owned(ffi::PyObject_GetAttr(obj, name.as_ptr()));
        let (Some(status), Some(headers)) = (get(&self.attr_status_code), get(&self.attr_raw_headers)) else {
            return self.fail(a, endpoint);
        };
        let status = ffi::PyLong_AsLong(status.as_ptr());
        if status == -1 && !ffi::PyErr_Occurred().is_null() {
            return self.fail(a, endpoint);
        }
        if !(100..=999).contains(&status) {
            object::raise(a, Exc::Value, &format!("invalid status_code {status}"));
            return self.fail(a, endpoint);
        }
        let Some(headers) = self.header_list(headers) else { return self.fail(a, endpoint) };
        let body = if ffi::PyObject_IsInstance(obj, self.streaming_type.as_ptr()) == 1 {
            let Some(content) = get(&self.attr_body_iterator) else { return self.fail(a, endpoint) };
            if let (None, Some(collect)) = (core_loop, &self.collect_body) {
                return match super::testing::collect_stream(a, collect, content) {
                    Some((body, failure)) => {
                        // The body's iterator raised: kept for the test client, like any failure.
                        if let (Some(raised), Some(failure)) = (&self.raised, failure) {
                            *raised.borrow_mut() = Some(failure);
                        }
                        Response::new(status as u16, headers, body)
                    }
                    None => self.fail(a, endpoint),
                };
            }
            let Some(core_loop) = core_loop else {
                object::raise(a, Exc::Type, "StreamingResponse is not supported on the main-interpreter lane");
                return self.fail(a, endpoint);
            };
            match PyChunkStream::start(attached, core_loop, self.pump_body.as_ptr(), content.as_ptr()) {
                Some(stream) => Body::Stream(Box::new(stream)),
                None => return self.fail(a, endpoint),
            }
        } else if ffi::PyObject_IsInstance(obj, self.file_type.as_ptr()) == 1 {
            let Some(path) = get(&self.attr_path) else { return self.fail(a, endpoint) };
            let Some(path) = object::str_utf8(path.as_ptr()) else { return self.fail(a, endpoint) };
            let path = String::from_utf8_lossy(path).into_owned();
            match std::fs::File::open(&path).and_then(|f| f.metadata().map(|m| (f, m))) {
                Ok((file, meta)) if meta.is_file() => Body::File(FileBody { file, len: meta.len() }),
                Ok(_) => {
                    object::raise(a, Exc::Runtime, &format!("File at path {path} is not a file."));
                    return self.fail(a, endpoint);
                }
                Err(e) => {
                    object::raise(a, Exc::Runtime, &format!("File at path {path} cannot be opened: {e}"));
                    return self.fail(a, endpoint);
                }
            }
        } else {
            let Some(body) = get(&self.attr_body) else { return self.fail(a, endpoint) };
            if ffi::PyBytes_Check(body.as_ptr()) == 0 {
                object::raise(a, Exc::Type, "Response.body must be bytes");
                return self.fail(a, endpoint);
            }
            Body::Full(Bytes::copy_from_slice(object::bytes_data(body.as_ptr())))
        };
        // `Response(background=...)`: called once the response has been sent.
        match get(&self.attr_background) {
            Some(background) if background.as_ptr() != ffi::Py_None() => {
                match PyObj::from_owned(ffi::PyObject_CallOneArg(self.after_send_runner.as_ptr(), background.as_ptr()))
                {
                    Some(runner) => *self.background.borrow_mut() = Some(runner),
                    None => return self.fail(a, endpoint),
                }
            }
            Some(_) => {}
            None => ffi::PyErr_Clear(), // a Response-like object without the attribute
        }
        Response::new(status as u16, headers, body)
    }

    /// `Response.raw_headers` as owned pairs; `content-length` is left to the server, which
    /// computes it from the body it actually sends.
    unsafe fn header_list(&self, headers: PyObj) -> Option<Vec<server::Header>> {
        // SAFETY: attached (this function's contract).
        let a = &Attached::assume();
        let list = if ffi::PyList_CheckExact(headers.as_ptr()) != 0 {
            headers
        } else {
            PyObj::from_owned(ffi::PySequence_List(headers.as_ptr()))?
        };
        let n = ffi::PyList_GET_SIZE(list.as_ptr());
        let mut pairs = Vec::with_capacity(n as usize);
        for i in 0..n {
            // Borrowed from `list`, which outlives this loop.
            let item = ffi::PyList_GET_ITEM(list.as_ptr(), i);
            if ffi::PyTuple_Check(item) == 0 || ffi::PyTuple_GET_SIZE(item) != 2 {
                object::raise(a, Exc::Type, "Response.raw_headers items must be (bytes, bytes) tuples");
                return None;
            }
            let (k, v) = (ffi::PyTuple_GET_ITEM(item, 0), ffi::PyTuple_GET_ITEM(item, 1));
            match (header_bytes(k), header_bytes(v)) {
                (Some(k), Some(v)) => {
                    if !k.eq_ignore_ascii_case(b"content-length") {
                        pairs.push((Bytes::copy_from_slice(k), Bytes::copy_from_slice(v)))
                    }
                }
                _ => {
                    object::raise(a, Exc::Type, "Response.raw_headers items must be (bytes, bytes) tuples");
                    return None;
                }
            }
        }
        Some(pairs)
    }

    /// Logs the pending exception with its traceback and answers 500. The core goes on.
    fn fail(&self, attached: &Attached<'_>, endpoint: &Endpoint) -> Response {
        if let Some(raised) = &self.raised {
            // SAFETY: attached (proof); takes the thread's pending exception (or makes one).
            *raised.borrow_mut() = Some(unsafe { super::testing::take_exception(attached, &endpoint.label) });
            return Response::internal_error();
        }
        log::error!("{}: exception in {}", self.place, endpoint.label);
        // SAFETY: attached (proof); these read and print the thread's pending exception.
        unsafe {
            if ffi::PyErr_Occurred().is_null() {
                log::error!("(no Python exception was set)");
            } else if ffi::PyErr_ExceptionMatches(ffi::PyExc_SystemExit) != 0 {
                // PyErr_Print would exit the whole process on SystemExit; a handler must not.
                log::error!("{}", object::take_error_line(attached));
            } else {
                ffi::PyErr_PrintEx(0);
            }
        }
        Response::internal_error()
    }
}

/// What the main interpreter says of the app before the cores start.
pub struct LanePlan {
    /// `FasterAPI(interpreter="main")`: the cores only route; the lane answers everything.
    pub whole: bool,
    /// Some route is `interpreter="main"`.
    pub any_lane_route: bool,
    /// The routes, for cores without an interpreter of their own.
    pub routes: Vec<RouteSpec>,
    /// The app's declarative middleware, compiled by each core into its server's layers.
    pub layers: Vec<server::LayerSpec>,
    /// The endpoint index of `LoadedApp.miss_route` (after the routes), if the app has one.
    pub miss_route: Option<usize>,
}

/// Reads the lane plan from `fasterapi._server.load_app(spec)` in the main interpreter.
pub fn lane_plan(main: &MainInterpreter, spec: &str) -> Result<LanePlan, String> {
    let a = &main.attached();
    // SAFETY: attached to the main interpreter (proof in `main`); objects made here are
    // dropped before returning.
    unsafe {
        let fail = |what: &str| format!("{what}: {}", object::take_error_line(a));
        let server_mod =
            object::import(a, crate::cstr!("fasterapi._server")).ok_or_else(|| fail("importing fasterapi._server"))?;
        let load_app =
            object::getattr(server_mod.as_ptr(), crate::cstr!("load_app")).ok_or_else(|| fail("fasterapi._server"))?;
        let spec_obj = object::new_str(a, spec).ok_or_else(|| fail("app spec"))?;
        let loaded = PyObj::from_owned(ffi::PyObject_CallOneArg(load_app.as_ptr(), spec_obj.as_ptr()))
            .ok_or_else(|| object::take_error_line(a))?;
        let attr = |obj: *mut ffi::PyObject, name: &std::ffi::CStr| {
            object::getattr(obj, name).ok_or_else(|| fail("fasterapi._server.load_app() result"))
        };
        let is_main = |obj: &PyObj| object::str_utf8(obj.as_ptr()) == Some(&b"main"[..]);
        let whole = is_main(&attr(loaded.as_ptr(), crate::cstr!("interpreter"))?);
        let routes = attr(loaded.as_ptr(), crate::cstr!("routes"))?;
        let routes = PyObj::from_owned(ffi::PySequence_List(routes.as_ptr())).ok_or_else(|| fail("routes"))?;
        let layers = attr(loaded.as_ptr(), crate::cstr!("native_layers"))?;
        let layers = object::str_utf8(layers.as_ptr()).ok_or_else(|| fail("native_layers must be a str"))?;
        let layers = crate::layers::parse(&String::from_utf8_lossy(layers))?;
        let has_miss_route = attr(loaded.as_ptr(), crate::cstr!("miss_route"))?.as_ptr() != ffi::Py_None();
        let mut plan = LanePlan { whole, any_lane_route: false, routes: Vec::new(), layers, miss_route: None };
        for i in 0..ffi::PyList_Size(routes.as_ptr()) {
            let item = ffi::PyList_GetItem(routes.as_ptr(), i);
            plan.any_lane_route |= is_main(&attr(item, crate::cstr!("interpreter"))?);
            let text = |name: &std::ffi::CStr| -> Result<String, String> {
                let value = attr(item, name)?;
                object::str_utf8(value.as_ptr())
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .ok_or_else(|| fail("route"))
            };
            plan.routes.push(RouteSpec {
                method: text(crate::cstr!("method"))?.to_uppercase(),
                path: text(crate::cstr!("path"))?,
                index: i as usize,
            });
        }
        // Appended after the routes by `App::load`, in the lane as on the cores.
        plan.miss_route = has_miss_route.then_some(plan.routes.len());
        Ok(plan)
    }
}

/// 503 with `Retry-After`: the core (or its pool) has more work than it accepts.
pub fn overloaded() -> Response {
    let mut r = Response::full(503, JSON, Bytes::from_static(br#"{"detail":"Service Unavailable"}"#));
    r.headers.push((Bytes::from_static(b"retry-after"), Bytes::from_static(b"1")));
    r
}

/// 504: the route's `timeout=` passed.
pub fn timed_out() -> Response {
    Response::full(504, JSON, Bytes::from_static(br#"{"detail":"Gateway Timeout"}"#))
}

/// `close_loop(loop)`: cancels the loop's remaining tasks and stops its blocking pool
/// (joining its threads, which must be gone before the interpreter ends).
pub fn close_event_loop(attached: &Attached<'_>, close_loop: &PyObj, core_loop: &CoreLoop) -> Result<(), String> {
    let a = attached;
    // SAFETY: attached (proof); both objects belong to this interpreter.
    unsafe {
        PyObj::from_owned(ffi::PyObject_CallOneArg(close_loop.as_ptr(), core_loop.loop_obj.as_ptr()))
            .map(drop)
            .ok_or_else(|| object::take_error_line(a))
    }
}

/// Calls `hook(loop)` (the app's `startup`/`shutdown`) with the core's loop; its error as
/// one line.
pub fn call_with_loop(attached: &Attached<'_>, hook: &PyObj, core_loop: &CoreLoop) -> Result<(), String> {
    let a = attached;
    // SAFETY: attached (proof); both objects belong to this interpreter.
    unsafe {
        PyObj::from_owned(ffi::PyObject_CallOneArg(hook.as_ptr(), core_loop.loop_obj.as_ptr()))
            .map(drop)
            .ok_or_else(|| object::take_error_line(a))
    }
}

/// Runs `fasterapi._server.shutdown()` in the attached interpreter, before it ends.
pub fn run_shutdown_hook(attached: &Attached<'_>) -> Result<(), String> {
    call_server_hook(attached, crate::cstr!("shutdown"))
}

/// Runs `fasterapi._server.<name>()` in the attached interpreter; its error as one line.
pub fn call_server_hook(attached: &Attached<'_>, name: &std::ffi::CStr) -> Result<(), String> {
    let a = attached;
    // SAFETY: attached (proof in `_attached`); the objects made here are dropped before return.
    unsafe {
        let module = object::import(a, crate::cstr!("fasterapi._server")).ok_or_else(|| object::take_error_line(a))?;
        let hook = object::getattr(module.as_ptr(), name).ok_or_else(|| object::take_error_line(a))?;
        PyObj::from_owned(ffi::PyObject_CallNoArgs(hook.as_ptr())).ok_or_else(|| object::take_error_line(a))?;
        Ok(())
    }
}

/// Header names and values as bytes; `str` is accepted too (encoded as Latin-1 would need a
/// copy, so only ASCII-compatible UTF-8 is taken as is).
unsafe fn header_bytes<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    if ffi::PyBytes_Check(obj) != 0 {
        Some(object::bytes_data(obj))
    } else if ffi::PyUnicode_Check(obj) != 0 {
        object::str_utf8(obj)
    } else {
        None
    }
}
