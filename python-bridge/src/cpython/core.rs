//! The per-core state that outlives one request: the core's asyncio loop, the responses
//! still being computed (tasks on the loop, calls in the blocking pool) and streamed bodies.
//!
//! Python calls back into Rust (a task finished, a chunk was produced) through small native
//! functions whose `self` is only a number: the key of an entry in this core's thread-local
//! tables. No Rust resource is ever owned by a Python object, so it does not matter on which
//! thread Python frees one, and a callback that arrives on any other thread finds nothing.

use pyo3_ffi as ffi;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use server::{AfterSend, ChunkStream, Response, StreamFailed};

use super::app::App;
use super::interpreter::{is_attached, Attached, CoreInterpreter};
use super::object::{self, Exc, PyObj};
use super::request::take_after_send;

/// Streamed bodies: past this many queued bytes the producer waits for the socket.
const HIGH_WATER: usize = 64 * 1024;

/// What this core thread serves, reachable from Python's callbacks.
pub struct Core {
    pub interpreter: Rc<CoreInterpreter>,
    pub app: Rc<App>,
    pub event_loop: CoreLoop,
}

thread_local! {
    static CORE: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    static PENDING: RefCell<slab::Slab<Pending>> = const { RefCell::new(slab::Slab::new()) };
    static STREAMS: RefCell<slab::Slab<StreamSlot>> = const { RefCell::new(slab::Slab::new()) };
}

/// Makes `core` this thread's (once, at core setup) and returns it.
pub fn install(core: Core) -> Rc<Core> {
    let core = Rc::new(core);
    CORE.with(|c| *c.borrow_mut() = Some(core.clone()));
    core
}

/// Forgets this thread's core (at shutdown, before its interpreter ends).
pub fn uninstall() {
    CORE.with(|c| c.borrow_mut().take());
}

/// This thread's core; `None` outside a core, after `uninstall`, and while the thread's
/// locals are being destroyed (the reactor's tasks can be dropped then).
fn current() -> Option<Rc<Core>> {
    CORE.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Runs `f` attached to this core's interpreter: directly if already attached, else by
/// attaching. `None` outside a core thread.
fn with_attached<R>(f: impl FnOnce() -> R) -> Option<R> {
    if is_attached() {
        return Some(f());
    }
    let core = current()?;
    Some(core.interpreter.with(|_| f()))
}

/// A Python reference kept across `.await`s (a running task, a waiting future). Dropping it
/// attaches first, so no Python object is ever released without the GIL.
pub struct Parked(Option<PyObj>);

impl Parked {
    pub fn new(_attached: &Attached<'_>, obj: PyObj) -> Parked {
        Parked(Some(obj))
    }

    fn get(&self) -> *mut ffi::PyObject {
        self.0.as_ref().map_or(std::ptr::null_mut(), PyObj::as_ptr)
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        if let Some(obj) = self.0.take() {
            if is_attached() || current().is_some() {
                with_attached(|| drop(obj));
            } else {
                // After `uninstall` (teardown: a connection task dropped after its core's
                // interpreter ended), the object died with the interpreter: forget it.
                std::mem::forget(obj);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The core's event loop

/// The Python half of the core's asyncio loop (`fasterapi._loop.CoreEventLoop`), with the
/// attributes the driver reads cached.
pub struct CoreLoop {
    pub loop_obj: PyObj,
    run_once: PyObj,
    next_wakeup: PyObj,
    ready: PyObj,
    scheduled: PyObj,
    task_type: PyObj,
    /// `("loop", "eager_start")`, the keyword names of the Task call.
    task_kwnames: PyObj,
    attr_done: PyObj,
    attr_cancelled: PyObj,
    attr_result: PyObj,
    attr_cancel: PyObj,
    attr_add_done_callback: PyObj,
    attr_run_in_executor: PyObj,
    attr_create_future: PyObj,
    attr_set_result: PyObj,
    /// How many timers the loop had when the driver last looked: a new one needs a new wait.
    scheduled_seen: Cell<isize>,
    kick: Kick,
}

/// Wakes the driver when Python scheduled work outside a loop turn (a handler called
/// `call_soon`, a task was cancelled, a producer was released).
#[derive(Default)]
pub struct Kick {
    flag: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Kick {
    /// Wakes the driver (Python left it work, or it must stop).
    pub fn fire(&self) {
        self.flag.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Completes once `fire` was called (since the last `reset`).
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.flag.get() {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    pub fn reset(&self) {
        self.flag.set(false);
    }
}

/// When the loop next needs a turn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wakeup {
    Now,
    After(std::time::Duration),
    /// Only I/O on its selector (or a kick) can give it work.
    Idle,
}

impl CoreLoop {
    /// Creates the loop through `new_loop(epoll_fd, blocking_threads)`.
    pub fn new(attached: &Attached<'_>, new_loop: &PyObj, epoll_fd: i32, threads: usize) -> Result<CoreLoop, String> {
        let a = attached;
        // SAFETY: attached (proof); all objects made here belong to this interpreter and are
        // kept in the `CoreLoop`, which lives on this core and is used attached.
        unsafe {
            let fail = |what: &str| format!("{what}: {}", object::take_error_line(a));
            let fd = PyObj::from_owned(ffi::PyLong_FromLong(epoll_fd as _)).ok_or_else(|| fail("fd"))?;
            let n = PyObj::from_owned(ffi::PyLong_FromSize_t(threads)).ok_or_else(|| fail("threads"))?;
            let args = [fd.as_ptr(), n.as_ptr()];
            let loop_obj =
                PyObj::from_owned(ffi::PyObject_Vectorcall(new_loop.as_ptr(), args.as_ptr(), 2, std::ptr::null_mut()))
                    .ok_or_else(|| fail("creating the core's event loop"))?;
            let get =
                |name: &std::ffi::CStr| object::getattr(loop_obj.as_ptr(), name).ok_or_else(|| fail("event loop"));
            let asyncio = object::import(a, crate::cstr!("asyncio")).ok_or_else(|| fail("importing asyncio"))?;
            let task_type =
                object::getattr(asyncio.as_ptr(), crate::cstr!("Task")).ok_or_else(|| fail("asyncio.Task"))?;
            let intern = |name: &std::ffi::CStr| object::intern(a, name).ok_or_else(|| fail("interning"));
            let kw_loop = intern(crate::cstr!("loop"))?;
            let kw_eager = intern(crate::cstr!("eager_start"))?;
            let kwnames = PyObj::from_owned(ffi::PyTuple_Pack(2, kw_loop.as_ptr(), kw_eager.as_ptr()))
                .ok_or_else(|| fail("tuple"))?;
            Ok(CoreLoop {
                run_once: get(crate::cstr!("_run_once"))?,
                next_wakeup: get(crate::cstr!("next_wakeup"))?,
                ready: get(crate::cstr!("_ready"))?,
                scheduled: get(crate::cstr!("_scheduled"))?,
                loop_obj,
                task_type,
                task_kwnames: kwnames,
                attr_done: intern(crate::cstr!("done"))?,
                attr_cancelled: intern(crate::cstr!("cancelled"))?,
                attr_result: intern(crate::cstr!("result"))?,
                attr_cancel: intern(crate::cstr!("cancel"))?,
                attr_add_done_callback: intern(crate::cstr!("add_done_callback"))?,
                attr_run_in_executor: intern(crate::cstr!("run_in_executor"))?,
                attr_create_future: intern(crate::cstr!("create_future"))?,
                attr_set_result: intern(crate::cstr!("set_result"))?,
                scheduled_seen: Cell::new(0),
                kick: Kick::default(),
            })
        }
    }

    pub fn kick(&self) -> &Kick {
        &self.kick
    }

    /// One turn of the loop (`_run_once`): what is ready on the selector, due timers, and
    /// the callbacks ready now.
    pub fn run_once(&self, _attached: &Attached<'_>) {
        // SAFETY: attached (proof); `run_once` is this interpreter's bound method.
        unsafe {
            match PyObj::from_owned(ffi::PyObject_CallNoArgs(self.run_once.as_ptr())) {
                Some(_) => {}
                None => {
                    // asyncio logs callback errors itself; this is the loop machinery failing.
                    log::error!("core {}: event loop turn failed:", crate::cpython::module::core_index());
                    ffi::PyErr_PrintEx(0);
                }
            }
        }
    }

    /// When the loop next needs a turn.
    pub fn next_wakeup(&self, _attached: &Attached<'_>) -> Wakeup {
        // SAFETY: attached (proof).
        unsafe {
            self.scheduled_seen.set(ffi::PyList_Size(self.scheduled.as_ptr()));
            let Some(value) = PyObj::from_owned(ffi::PyObject_CallNoArgs(self.next_wakeup.as_ptr())) else {
                ffi::PyErr_PrintEx(0);
                return Wakeup::After(std::time::Duration::from_millis(10));
            };
            let seconds = ffi::PyFloat_AsDouble(value.as_ptr());
            if seconds < 0.0 {
                Wakeup::Idle
            } else if seconds == 0.0 {
                Wakeup::Now
            } else {
                Wakeup::After(std::time::Duration::from_secs_f64(seconds))
            }
        }
    }

    /// After Python ran outside a loop turn: if it made callbacks ready or added a timer,
    /// the driver must look again. Two C calls; nothing when nothing changed.
    pub fn kick_if_needed(&self, _attached: &Attached<'_>) {
        // SAFETY: attached (proof); `ready` is a deque and `scheduled` a list, both the loop's.
        let (ready, timers) =
            unsafe { (ffi::PyObject_Size(self.ready.as_ptr()), ffi::PyList_Size(self.scheduled.as_ptr())) };
        if ready > 0 || timers != self.scheduled_seen.get() {
            self.kick.fire();
        }
    }

    /// Starts `coro` as an eager task: it runs now, up to its first real suspension. Returns
    /// the task, done or not.
    ///
    /// # Safety
    /// Attached; `coro` is a coroutine of this interpreter.
    pub unsafe fn start_task(&self, coro: *mut ffi::PyObject) -> Option<PyObj> {
        let args = [coro, self.loop_obj.as_ptr(), ffi::Py_True()];
        PyObj::from_owned(ffi::PyObject_Vectorcall(
            self.task_type.as_ptr(),
            args.as_ptr(),
            1,
            self.task_kwnames.as_ptr(),
        ))
    }

    /// `args[0].<name>(*args[1:])`, its result and any error dropped (cancel, set_result).
    ///
    /// # Safety
    /// Attached; `args` are live objects of this interpreter.
    unsafe fn call_quietly(&self, name: &PyObj, args: &[*mut ffi::PyObject]) {
        let r = ffi::PyObject_VectorcallMethod(name.as_ptr(), args.as_ptr(), args.len(), std::ptr::null_mut());
        if r.is_null() {
            ffi::PyErr_Clear();
        } else {
            ffi::Py_DECREF(r);
        }
    }

    /// `future.done()`.
    ///
    /// # Safety
    /// Attached; `future` is an asyncio future or task.
    pub unsafe fn is_done(&self, future: *mut ffi::PyObject) -> Option<bool> {
        let r = PyObj::from_owned(ffi::PyObject_CallMethodNoArgs(future, self.attr_done.as_ptr()))?;
        Some(r.as_ptr() == ffi::Py_True())
    }

    /// `future.cancelled()` (a failure to ask counts as not cancelled).
    ///
    /// # Safety
    /// Attached; `future` is an asyncio future or task.
    pub unsafe fn is_cancelled(&self, future: *mut ffi::PyObject) -> bool {
        match PyObj::from_owned(ffi::PyObject_CallMethodNoArgs(future, self.attr_cancelled.as_ptr())) {
            Some(r) => r.as_ptr() == ffi::Py_True(),
            None => {
                ffi::PyErr_Clear();
                false
            }
        }
    }

    /// `future.result()` (raises what the future raised).
    ///
    /// # Safety
    /// Attached; `future` is a done asyncio future or task.
    pub unsafe fn result(&self, future: *mut ffi::PyObject) -> Option<PyObj> {
        PyObj::from_owned(ffi::PyObject_CallMethodNoArgs(future, self.attr_result.as_ptr()))
    }

    /// `loop.run_in_executor(None, *args)`: a future for a call in the blocking pool.
    ///
    /// # Safety
    /// Attached; `args` are objects of this interpreter.
    pub unsafe fn run_in_executor(&self, args: &[*mut ffi::PyObject]) -> Option<PyObj> {
        let mut all = Vec::with_capacity(args.len() + 2);
        all.push(self.loop_obj.as_ptr());
        all.push(ffi::Py_None());
        all.extend_from_slice(args);
        PyObj::from_owned(ffi::PyObject_VectorcallMethod(
            self.attr_run_in_executor.as_ptr(),
            all.as_ptr(),
            all.len(),
            std::ptr::null_mut(),
        ))
    }
}

/// The native callback `done(future)` whose `self` is the entry's key (see module doc).
struct CallbackDef(ffi::PyMethodDef);
// SAFETY: a constant table CPython only reads.
unsafe impl Sync for CallbackDef {}
unsafe impl Send for CallbackDef {}

fn callback_def(
    name: &'static std::ffi::CStr,
    f: unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> *mut ffi::PyObject,
) -> ffi::PyMethodDef {
    ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunction: f },
        ml_flags: ffi::METH_O,
        ml_doc: std::ptr::null(),
    }
}

/// A built-in function object bound to `key`.
///
/// # Safety
/// Attached; `def` lives for the whole process.
unsafe fn bound_callback(def: &'static CallbackDef, key: usize) -> Option<PyObj> {
    let key = PyObj::from_owned(ffi::PyLong_FromSize_t(key))?;
    PyObj::from_owned(ffi::PyCFunction_NewEx(&def.0 as *const _ as *mut _, key.as_ptr(), std::ptr::null_mut()))
}

/// # Safety
/// Attached; `obj` is the `self` of one of our callbacks (an int).
unsafe fn key_of(obj: *mut ffi::PyObject) -> Option<usize> {
    let k = ffi::PyLong_AsSize_t(obj);
    if k == usize::MAX && !ffi::PyErr_Occurred().is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    Some(k)
}

// ---------------------------------------------------------------------------------------
// Responses still being computed

/// What produces the pending response.
#[derive(Clone, Copy)]
pub enum Work {
    /// A task running an `async def` endpoint (its result is the answer).
    Task,
    /// A sync endpoint in the blocking pool (its result is `(answer, seconds)`).
    Pool,
}

struct Pending {
    endpoint: usize,
    work: Work,
    response: Option<Response>,
    waker: Option<Waker>,
    /// The request object, for the work it registered with `after_send`.
    request: Option<Parked>,
}

/// A response that a task or a pool thread will produce. Dropping it before it is ready
/// (the client left) cancels the task; a pool call cannot be interrupted, its answer is
/// dropped.
pub struct PendingResponse {
    key: usize,
    future: Parked,
    done: bool,
}

static TASK_DONE_DEF: std::sync::LazyLock<CallbackDef> =
    std::sync::LazyLock::new(|| CallbackDef(callback_def(crate::cstr!("_fasterapi_task_done"), on_task_done)));
static POOL_DONE_DEF: std::sync::LazyLock<CallbackDef> =
    std::sync::LazyLock::new(|| CallbackDef(callback_def(crate::cstr!("_fasterapi_pool_done"), on_pool_done)));

impl PendingResponse {
    /// Registers `future` (a task or an executor future) to answer for `endpoint`.
    pub fn register(
        attached: &Attached<'_>,
        core_loop: &CoreLoop,
        future: PyObj,
        endpoint: usize,
        work: Work,
    ) -> Option<PendingResponse> {
        let key = PENDING
            .with(|p| p.borrow_mut().insert(Pending { endpoint, work, response: None, waker: None, request: None }));
        // SAFETY: attached (proof); `future` is an asyncio future of this interpreter.
        let ok = unsafe {
            let def = match work {
                Work::Task => &TASK_DONE_DEF,
                Work::Pool => &POOL_DONE_DEF,
            };
            match bound_callback(def, key) {
                Some(cb) => {
                    let args = [future.as_ptr(), cb.as_ptr()];
                    PyObj::from_owned(ffi::PyObject_VectorcallMethod(
                        core_loop.attr_add_done_callback.as_ptr(),
                        args.as_ptr(),
                        2,
                        std::ptr::null_mut(),
                    ))
                    .is_some()
                }
                None => false,
            }
        };
        if !ok {
            PENDING.with(|p| p.borrow_mut().remove(key));
            return None;
        }
        Some(PendingResponse { key, future: Parked::new(attached, future), done: false })
    }

    /// Keeps `request` until the answer is ready, so that the work the handler registers
    /// with `request.after_send(...)` goes with the response.
    pub fn keep_request(&self, attached: &Attached<'_>, request: PyObj) {
        let request = Parked::new(attached, request);
        PENDING.with(|p| {
            if let Some(entry) = p.borrow_mut().get_mut(self.key) {
                entry.request = Some(request);
            }
        });
    }
}

impl Future for PendingResponse {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let key = self.key;
        let ready = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let entry = p.get_mut(key)?;
            match entry.response.take() {
                Some(r) => Some(r),
                None => {
                    entry.waker = Some(cx.waker().clone());
                    None
                }
            }
        });
        match ready {
            Some(response) => {
                PENDING.with(|p| p.borrow_mut().try_remove(key));
                self.done = true;
                Poll::Ready(response)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for PendingResponse {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // `try_with`: the reactor may drop this while the thread's locals are destroyed.
        let entry = PENDING.try_with(|p| p.borrow_mut().try_remove(self.key)).ok().flatten();
        // The client left: cancel the task (CancelledError inside the handler). A pool call
        // runs to its end; its late answer finds no entry and is dropped.
        let future = self.future.get();
        if let Some(core) = current() {
            // SAFETY: attached (inside `with_attached`); `future` is kept alive by `self.future`.
            with_attached(|| unsafe { core.event_loop.call_quietly(&core.event_loop.attr_cancel, &[future]) });
            // No response will be written: the request's after-send work runs now.
            if let Some(request) = entry.and_then(|e| e.request) {
                // SAFETY: attached (inside `with_attached`); `request` is our Request object.
                with_attached(|| unsafe {
                    let attached = Attached::assume();
                    run_after_send(&attached, take_after_send(request.get()));
                });
            }
            core.event_loop.kick.fire();
        }
    }
}

/// The work that `hooks` (callables registered with `Request.after_send`) describe, for
/// `Response::after_send`: when the connection is done with the response, each is called
/// on this core, attached. `None` when there is nothing to do (the common case: free).
pub fn after_send_work(attached: &Attached<'_>, hooks: Vec<PyObj>) -> Option<AfterSend> {
    if hooks.is_empty() {
        return None;
    }
    let hooks: Vec<Parked> = hooks.into_iter().map(|h| Parked::new(attached, h)).collect();
    Some(AfterSend::new(move || {
        // On a core (or, for the in-process test client, on the thread that is attached
        // while it answers); nowhere else, and never after the core's interpreter ended.
        with_attached(move || {
            // SAFETY: attached (inside `with_attached`); each `Parked` holds its object.
            let attached = unsafe { Attached::assume() };
            let callables = hooks.iter().map(|h| unsafe { PyObj::from_borrowed(h.get()) }).collect();
            run_after_send(&attached, callables);
            // The hooks may have scheduled tasks (async background work).
            if let Some(core) = current() {
                core.event_loop.kick_if_needed(&attached);
            }
            drop(hooks); // attached here: no second attach to release them
        });
    }))
}

/// `after_send_work` for the in-process test client: its server writes the response into
/// a buffer inside `inprocess_request`, a native function called attached, and drops the
/// response there; the hooks then run on that thread, before the test gets the response.
pub fn after_send_work_in_process(attached: &Attached<'_>, hooks: Vec<PyObj>) -> Option<AfterSend> {
    if hooks.is_empty() {
        return None;
    }
    let hooks: Vec<Parked> = hooks.into_iter().map(|h| Parked::new(attached, h)).collect();
    Some(AfterSend::new(move || {
        // SAFETY: PyGILState_Check only reads the thread's state.
        if unsafe { ffi::PyGILState_Check() } == 0 {
            // Dropped somewhere unexpected: the objects cannot be touched; forget them.
            std::mem::forget(hooks);
            return;
        }
        // SAFETY: this thread holds the GIL of the interpreter that owns the hooks (the
        // in-process app's), checked just above; each `Parked` holds its object.
        let attached = unsafe { Attached::assume() };
        let callables = hooks.iter().map(|h| unsafe { PyObj::from_borrowed(h.get()) }).collect();
        run_after_send(&attached, callables);
        for hook in hooks {
            let mut hook = std::mem::ManuallyDrop::new(hook);
            // Released here, attached, rather than through `Parked::drop` (no core here).
            drop(hook.0.take());
        }
    }))
}

/// Calls each hook with no arguments; a hook that raises is logged with its traceback.
/// (The Python side wraps user work so that it never raises; this is the last guard.)
pub fn run_after_send(_attached: &Attached<'_>, hooks: Vec<PyObj>) {
    for hook in hooks {
        // SAFETY: attached (proof); `hook` is a callable of this interpreter.
        unsafe {
            if PyObj::from_owned(ffi::PyObject_CallNoArgs(hook.as_ptr())).is_none() {
                log::error!("exception in after-send work");
                ffi::PyErr_PrintEx(0);
            }
        }
    }
}

/// `done(task)`: called by the loop, on the core thread, when a handler's task finishes.
unsafe extern "C" fn on_task_done(key: *mut ffi::PyObject, future: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_O function, called attached by the loop with the finished future.
    on_done(key, future);
    ffi::Py_INCREF(ffi::Py_None());
    ffi::Py_None()
}

/// `done(future)` of a call in the blocking pool: the pool has one call less, whether or not
/// anybody still waits for its answer.
unsafe extern "C" fn on_pool_done(key: *mut ffi::PyObject, future: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_O function, called attached by the loop with the finished future.
    if let Some(core) = current() {
        core.app.pool_call_done();
    }
    on_done(key, future);
    ffi::Py_INCREF(ffi::Py_None());
    ffi::Py_None()
}

/// Turns the finished `future` into the response its entry waits for.
///
/// # Safety
/// Attached, called by the loop; `key` is a callback's `self`.
unsafe fn on_done(key: *mut ffi::PyObject, future: *mut ffi::PyObject) {
    let Some(key) = key_of(key) else { return };
    let Some(core) = current() else { return };
    let Some((endpoint, work)) = PENDING.with(|p| p.borrow().get(key).map(|e| (e.endpoint, e.work))) else {
        // Cancelled (the client left, or a timeout) or on another thread: nobody waits.
        return;
    };
    // SAFETY: the loop calls us from Python code of this core's interpreter.
    let attached = Attached::assume();
    let mut response = core.app.finish(&attached, &core.event_loop, endpoint, work, future);
    let request = PENDING.with(|p| p.borrow_mut().get_mut(key).and_then(|e| e.request.take()));
    let request = request.map(|r| PyObj::from_borrowed(r.get()));
    response.after_send = after_send_work(&attached, core.app.after_send_for(request.as_ref()));
    PENDING.with(|p| {
        if let Some(entry) = p.borrow_mut().get_mut(key) {
            entry.response = Some(response);
            if let Some(w) = entry.waker.take() {
                w.wake();
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// Streamed bodies

#[derive(Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Open,
    Done,
    Failed,
}

struct StreamSlot {
    chunks: VecDeque<Bytes>,
    queued: usize,
    state: StreamState,
    consumer: Option<Waker>,
    /// The producer's future while it waits for room (resolved when the queue drains).
    producer: Option<PyObj>,
}

static SEND_DEF: std::sync::LazyLock<CallbackDef> =
    std::sync::LazyLock::new(|| CallbackDef(callback_def(crate::cstr!("send"), on_chunk)));
static FINISH_DEF: std::sync::LazyLock<CallbackDef> =
    std::sync::LazyLock::new(|| CallbackDef(callback_def(crate::cstr!("finish"), on_finish)));

/// A streamed body fed by a pump task on the loop (`fasterapi._loop.pump_body`).
pub struct PyChunkStream {
    key: usize,
    task: Option<Parked>,
}

impl PyChunkStream {
    /// Starts `pump_body(content, send, finish)` as a task feeding a new stream.
    ///
    /// # Safety
    /// Attached; `pump` and `content` are objects of this interpreter.
    pub unsafe fn start(
        attached: &Attached<'_>,
        core_loop: &CoreLoop,
        pump: *mut ffi::PyObject,
        content: *mut ffi::PyObject,
    ) -> Option<PyChunkStream> {
        let key = STREAMS.with(|s| {
            s.borrow_mut().insert(StreamSlot {
                chunks: VecDeque::new(),
                queued: 0,
                state: StreamState::Open,
                consumer: None,
                producer: None,
            })
        });
        let mut stream = PyChunkStream { key, task: None };
        let send = bound_callback(&SEND_DEF, key)?;
        let finish = bound_callback(&FINISH_DEF, key)?;
        let args = [content, send.as_ptr(), finish.as_ptr()];
        let coro = PyObj::from_owned(ffi::PyObject_Vectorcall(pump, args.as_ptr(), 3, std::ptr::null_mut()))?;
        let task = core_loop.start_task(coro.as_ptr())?;
        stream.task = Some(Parked::new(attached, task));
        Some(stream)
    }
}

impl ChunkStream for PyChunkStream {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
        let (next, release) = STREAMS.with(|s| {
            let mut s = s.borrow_mut();
            let Some(slot) = s.get_mut(self.key) else { return (Poll::Ready(Some(Err(StreamFailed))), None) };
            let next = match slot.chunks.pop_front() {
                Some(chunk) => {
                    slot.queued -= chunk.len();
                    Poll::Ready(Some(Ok(chunk)))
                }
                None => match slot.state {
                    StreamState::Done => Poll::Ready(None),
                    StreamState::Failed => Poll::Ready(Some(Err(StreamFailed))),
                    StreamState::Open => {
                        slot.consumer = Some(cx.waker().clone());
                        Poll::Pending
                    }
                },
            };
            let release = if slot.queued < HIGH_WATER { slot.producer.take() } else { None };
            (next, release)
        });
        if let Some(producer) = release {
            // Room again: let the producer go on (`future.set_result(None)`).
            if let Some(core) = current() {
                with_attached(|| {
                    // SAFETY: attached (inside `with_attached`); `producer` is a pending future
                    // (already cancelled, if the pump was: the error is then ignored).
                    unsafe {
                        core.event_loop
                            .call_quietly(&core.event_loop.attr_set_result, &[producer.as_ptr(), ffi::Py_None()])
                    };
                    drop(producer);
                });
                core.event_loop.kick.fire();
            } else {
                std::mem::forget(producer);
            }
        }
        next
    }
}

impl Drop for PyChunkStream {
    fn drop(&mut self) {
        // `try_with`: the reactor may drop this while the thread's locals are destroyed.
        let slot = STREAMS.try_with(|s| s.borrow_mut().try_remove(self.key)).ok().flatten();
        let unfinished = slot.as_ref().is_some_and(|s| s.state == StreamState::Open);
        let Some(core) = current() else {
            std::mem::forget(slot.and_then(|s| s.producer));
            return;
        };
        with_attached(|| {
            if unfinished {
                // The client left or did not want the body (HEAD): stop the producer, which
                // closes its iterator.
                if let Some(task) = &self.task {
                    // SAFETY: attached (inside `with_attached`); the task is alive.
                    unsafe { core.event_loop.call_quietly(&core.event_loop.attr_cancel, &[task.get()]) };
                }
            }
            drop(slot);
        });
        core.event_loop.kick.fire();
    }
}

/// `send(chunk)`: queue a chunk; returns `None`, or a future to await while the queue is full.
unsafe extern "C" fn on_chunk(key: *mut ffi::PyObject, chunk: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_O function, called attached by the pump task.
    let none = || {
        ffi::Py_INCREF(ffi::Py_None());
        ffi::Py_None()
    };
    if ffi::PyBytes_Check(chunk) == 0 {
        object::raise(a, Exc::Type, "send() takes bytes");
        return std::ptr::null_mut();
    }
    let Some(key) = key_of(key) else { return none() };
    let data = Bytes::copy_from_slice(object::bytes_data(chunk));
    let full = STREAMS.with(|s| {
        let mut s = s.borrow_mut();
        let slot = s.get_mut(key)?;
        slot.queued += data.len();
        slot.chunks.push_back(data);
        if let Some(w) = slot.consumer.take() {
            w.wake();
        }
        Some(slot.queued >= HIGH_WATER)
    });
    match (full, current()) {
        (Some(true), Some(core)) => {
            let args = [core.event_loop.loop_obj.as_ptr()];
            let Some(waiter) = PyObj::from_owned(ffi::PyObject_VectorcallMethod(
                core.event_loop.attr_create_future.as_ptr(),
                args.as_ptr(),
                1,
                std::ptr::null_mut(),
            )) else {
                return std::ptr::null_mut();
            };
            let ret = PyObj::from_borrowed(waiter.as_ptr());
            STREAMS.with(|s| {
                if let Some(slot) = s.borrow_mut().get_mut(key) {
                    slot.producer = Some(waiter);
                }
            });
            ret.into_ptr()
        }
        // No slot: the connection is gone; the pump is being cancelled.
        _ => none(),
    }
}

/// `finish(ok)`: the producer ended, completely (`True`) or by failing (`False`).
unsafe extern "C" fn on_finish(key: *mut ffi::PyObject, ok: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_O function, called attached by the pump task.
    if let Some(key) = key_of(key) {
        let ok = ffi::PyObject_IsTrue(ok) == 1;
        STREAMS.with(|s| {
            if let Some(slot) = s.borrow_mut().get_mut(key) {
                slot.state = if ok { StreamState::Done } else { StreamState::Failed };
                if let Some(w) = slot.consumer.take() {
                    w.wake();
                }
            }
        });
    }
    ffi::Py_INCREF(ffi::Py_None());
    ffi::Py_None()
}
