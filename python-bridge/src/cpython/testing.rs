//! The in-process app behind `fasterapi.testclient`: the server's router and dispatch
//! (`server::in_process`) over the app's compiled routes, answered in the *calling*
//! interpreter and thread (tests run in the main interpreter), with nothing but a buffer
//! between the request and the response. See docs/architecture.md, "Testing in process".
//!
//! `_native.inprocess_app(loaded, max_header, max_body) -> capsule` builds it for a `TestClient`;
//! `_native.inprocess_request(app, method, target, headers, body)` answers one request.

use bytes::Bytes;
use pyo3_ffi as ffi;
use std::collections::VecDeque;
use std::ffi::{c_void, CStr};
use std::net::{Ipv4Addr, SocketAddr};
use std::ptr;
use std::rc::Rc;
use std::task::{Context, Poll};

use server::in_process::{self, Exchange};
use server::{Body, ChunkStream, Handler, Limits, Reply, Request, Response, StreamFailed, Target};

use super::app::{App, Place};
use super::interpreter::Attached;
use super::object::{self, Exc, PyObj};

const CAPSULE: &CStr = crate::cstr!("fasterapi._native.InProcessApp");

/// The address a test request comes from (Starlette's TestClient says `testclient:50000`;
/// a request's peer here is a socket address, so the loopback stands in for it).
const TEST_PEER: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 50000);

struct InProcess {
    dispatch: server::dispatch::Dispatch<InProcessHandler>,
    /// The same app as the handler's, for the exception its last failure kept.
    app: Rc<App>,
    limits: Limits,
}

/// The server's `Handler` for in-process requests: misses get the server's answers, or the
/// app's miss route (as `PythonHandler` gives them); routes are answered to completion on the
/// calling thread.
struct InProcessHandler {
    app: Rc<App>,
}

impl Handler for InProcessHandler {
    type Route = usize;
    type Future<'a> = std::future::Ready<Response>;

    fn call<'a>(&'a self, target: Target<'a, usize>, request: Request) -> Reply<Self::Future<'a>> {
        match target {
            Target::Route(index) => {
                // SAFETY: only reached from `inprocess_request`, a native function CPython
                // calls attached; dispatch calls the handler synchronously inside it.
                let attached = unsafe { Attached::assume() };
                Reply::Ready(self.app.respond_in_process(&attached, *index, request))
            }
            Target::Miss(miss) => match self.app.miss_route() {
                Some(index) => {
                    let mut request = request;
                    request.params = crate::handler::miss_params(miss);
                    // SAFETY: as for a route, above.
                    let attached = unsafe { Attached::assume() };
                    Reply::Ready(self.app.respond_in_process(&attached, index, request))
                }
                None => Reply::Ready(miss.response()),
            },
        }
    }
}

/// The app's declarative middleware (`LoadedApp.native_layers`) as the server's layers, so
/// in-process requests go through them as served ones do.
fn native_layers(a: &Attached<'_>, loaded: &PyObj) -> Result<server::Layers, String> {
    // SAFETY: attached (proof); `text` outlives the borrowed UTF-8 view of it.
    let specs = unsafe {
        let text = object::getattr(loaded.as_ptr(), crate::cstr!("native_layers"))
            .ok_or_else(|| object::take_error_line(a))?;
        let utf8 = object::str_utf8(text.as_ptr()).ok_or("native_layers must be a str")?;
        crate::layers::parse(&String::from_utf8_lossy(utf8))?
    };
    server::Layers::compile(&specs)
}

unsafe extern "C" fn drop_app(capsule: *mut ffi::PyObject) {
    // SAFETY: the capsule's destructor, attached; the pointer came from Box::into_raw.
    let p = ffi::PyCapsule_GetPointer(capsule, CAPSULE.as_ptr()) as *mut InProcess;
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}

/// `inprocess_app(loaded, max_header, max_body) -> capsule`: `loaded` is a
/// `fasterapi._server.LoadedApp` (with `collect_body`); its routes are compiled into the
/// server's router; the two limits are the server's (`FASTERAPI_MAX_HEADER`/`_BODY`).
///
/// # Safety
/// Called by CPython (METH_FASTCALL), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn inprocess_app(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached, with `nargs` objects at `args`.
    let a = &Attached::assume();
    if nargs != 3 {
        object::raise(a, Exc::Type, "inprocess_app(loaded, max_header, max_body) takes 3 arguments");
        return ptr::null_mut();
    }
    let size = |i: usize| {
        let n = ffi::PyLong_AsSsize_t(*args.add(i));
        (n >= 0).then_some(n as usize)
    };
    let (Some(max_header), Some(max_body)) = (size(1), size(2)) else {
        ffi::PyErr_Clear();
        object::raise(a, Exc::Value, "max_header and max_body must be ints >= 0");
        return ptr::null_mut();
    };
    let limits = Limits { max_header_bytes: max_header, max_body_bytes: max_body, ..Limits::default() };
    let loaded = PyObj::from_borrowed(*args);
    let (app, routes) = match App::from_loaded(a, &loaded, Place::InProcess) {
        Ok(built) => built,
        Err(e) => {
            object::raise(a, Exc::Type, &e);
            return ptr::null_mut();
        }
    };
    let mut router = server::Router::new();
    for r in &routes {
        if let Err(e) = router.insert(&r.method, &r.path, r.index) {
            object::raise(a, Exc::Value, &e.to_string());
            return ptr::null_mut();
        }
    }
    let layers = match native_layers(a, &loaded) {
        Ok(layers) => layers,
        Err(e) => {
            object::raise(a, Exc::Value, &e);
            return ptr::null_mut();
        }
    };
    let app = Rc::new(app);
    let dispatch = server::dispatch::Dispatch::new(router, InProcessHandler { app: app.clone() }).with_layers(layers);
    let raw = Box::into_raw(Box::new(InProcess { dispatch, app, limits }));
    let capsule = ffi::PyCapsule_New(raw as *mut c_void, CAPSULE.as_ptr(), Some(drop_app));
    if capsule.is_null() {
        drop(Box::from_raw(raw));
    }
    capsule
}

/// `inprocess_request(app, method, target, headers, body) -> (status, headers, body,
/// complete, raised)`: `target` is the request target (path and query, already
/// percent-encoded), `headers` a list of `(name, value)` pairs of `bytes` or `str`, `body`
/// bytes. The answer's `headers` are `(bytes, bytes)` pairs as written on the wire;
/// `complete` is false when the body was cut off; `raised` is the exception that made the
/// app answer 500, or `None`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn inprocess_request(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached, with `nargs` objects at `args`; the capsule's
    // pointer is the `InProcess` made by `inprocess_app`, alive as long as the capsule.
    let a = &Attached::assume();
    if nargs != 5 {
        object::raise(a, Exc::Type, "inprocess_request(app, method, target, headers, body) takes 5 arguments");
        return ptr::null_mut();
    }
    let arg = |i: usize| *args.add(i);
    if ffi::PyCapsule_IsValid(arg(0), CAPSULE.as_ptr()) == 0 {
        object::raise(a, Exc::Type, "inprocess_request() needs an app made by inprocess_app()");
        return ptr::null_mut();
    }
    let app = &*(ffi::PyCapsule_GetPointer(arg(0), CAPSULE.as_ptr()) as *const InProcess);
    let (Some(method), Some(target)) = (text(arg(1)), text(arg(2))) else {
        object::raise(a, Exc::Type, "method and target must be str");
        return ptr::null_mut();
    };
    if ffi::PyBytes_Check(arg(4)) == 0 {
        object::raise(a, Exc::Type, "body must be bytes");
        return ptr::null_mut();
    }
    let head = match request_head(method, target, arg(3)) {
        Ok(head) => head,
        Err(message) => {
            object::raise(a, Exc::Value, &message);
            return ptr::null_mut();
        }
    };
    let body = Bytes::copy_from_slice(object::bytes_data(arg(4)));
    let method = String::from_utf8_lossy(method).into_owned();
    let wire = in_process::answer(&app.dispatch, &app.limits, head, body, Some(TEST_PEER));
    let raised = app.app.take_raised();
    match Exchange::read(wire, &method) {
        Ok(exchange) => answer_tuple(a, exchange, raised).map_or(ptr::null_mut(), PyObj::into_ptr),
        Err(e) => {
            object::raise(a, Exc::Runtime, &format!("the in-process server wrote {e}"));
            ptr::null_mut()
        }
    }
}

/// `METHOD target HTTP/1.1`, the header fields and the blank line, as a client writes them.
/// CR, LF and NUL are refused: they would end a line early on a socket.
///
/// # Safety
/// Attached; `headers` is a valid object.
unsafe fn request_head(method: &[u8], target: &[u8], headers: *mut ffi::PyObject) -> Result<Bytes, String> {
    let clean = |b: &[u8]| !b.iter().any(|&c| c == b'\r' || c == b'\n' || c == 0);
    if !clean(method) || !clean(target) || method.contains(&b' ') || target.contains(&b' ') {
        return Err("method and target must not contain spaces, CR, LF or NUL".into());
    }
    if ffi::PyList_Check(headers) == 0 {
        return Err("headers must be a list of (name, value) pairs".into());
    }
    let mut head = Vec::with_capacity(256);
    head.extend_from_slice(method);
    head.push(b' ');
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\n");
    for i in 0..ffi::PyList_GET_SIZE(headers) {
        // Borrowed from `headers`, alive for this call.
        let pair = ffi::PyList_GET_ITEM(headers, i);
        if ffi::PyTuple_Check(pair) == 0 || ffi::PyTuple_GET_SIZE(pair) != 2 {
            return Err("headers must be a list of (name, value) pairs".into());
        }
        let (Some(name), Some(value)) = (text(ffi::PyTuple_GET_ITEM(pair, 0)), text(ffi::PyTuple_GET_ITEM(pair, 1)))
        else {
            ffi::PyErr_Clear();
            return Err("header names and values must be str or bytes".into());
        };
        if !clean(name) || !clean(value) {
            let name = String::from_utf8_lossy(name);
            return Err(format!("header {name:?}: CR, LF and NUL are not allowed in header fields"));
        }
        head.extend_from_slice(name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    Ok(Bytes::from(head))
}

/// The bytes of a `bytes` or (UTF-8) `str` object, borrowed from it.
///
/// # Safety
/// Attached; `obj` is a valid object that outlives the slice.
unsafe fn text<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    if ffi::PyBytes_Check(obj) != 0 {
        Some(object::bytes_data(obj))
    } else if ffi::PyUnicode_Check(obj) != 0 {
        object::str_utf8(obj)
    } else {
        None
    }
}

/// `(status, headers, body, complete, raised)` for Python.
///
/// # Safety
/// Attached; `raised` belongs to this interpreter.
unsafe fn answer_tuple(a: &Attached<'_>, exchange: Exchange, raised: Option<PyObj>) -> Option<PyObj> {
    let headers = PyObj::from_owned(ffi::PyList_New(exchange.headers.len() as ffi::Py_ssize_t))?;
    for (i, (name, value)) in exchange.headers.iter().enumerate() {
        let pair = PyObj::from_owned(ffi::PyTuple_New(2))?;
        ffi::PyTuple_SET_ITEM(pair.as_ptr(), 0, object::new_bytes(a, name)?.into_ptr());
        ffi::PyTuple_SET_ITEM(pair.as_ptr(), 1, object::new_bytes(a, value)?.into_ptr());
        ffi::PyList_SET_ITEM(headers.as_ptr(), i as ffi::Py_ssize_t, pair.into_ptr());
    }
    let tuple = PyObj::from_owned(ffi::PyTuple_New(5))?;
    let status = PyObj::from_owned(ffi::PyLong_FromLong(exchange.status as _))?;
    let complete = PyObj::from_borrowed(if exchange.complete { ffi::Py_True() } else { ffi::Py_False() });
    let raised = raised.unwrap_or_else(|| PyObj::from_borrowed(ffi::Py_None()));
    ffi::PyTuple_SET_ITEM(tuple.as_ptr(), 0, status.into_ptr());
    ffi::PyTuple_SET_ITEM(tuple.as_ptr(), 1, headers.into_ptr());
    ffi::PyTuple_SET_ITEM(tuple.as_ptr(), 2, object::new_bytes(a, &exchange.body)?.into_ptr());
    ffi::PyTuple_SET_ITEM(tuple.as_ptr(), 3, complete.into_ptr());
    ffi::PyTuple_SET_ITEM(tuple.as_ptr(), 4, raised.into_ptr());
    Some(tuple)
}

/// A streamed body run to its end now by `collect(body_iterator) -> (chunks, failure)`
/// (`fasterapi._server.collect_body`, which drives the same `pump_body` as the cores on the
/// calling thread's loop): the body (cut off after its chunks if the iterator raised) and
/// the exception it raised. `None` with the exception set if `collect` itself failed.
///
/// # Safety
/// Attached; `collect` and `content` belong to this interpreter.
pub unsafe fn collect_stream(a: &Attached<'_>, collect: &PyObj, content: PyObj) -> Option<(Body, Option<PyObj>)> {
    let result = PyObj::from_owned(ffi::PyObject_CallOneArg(collect.as_ptr(), content.as_ptr()))?;
    let bad = || object::raise(a, Exc::Type, "collect_body() must return (list of bytes, exception or None)");
    if ffi::PyTuple_Check(result.as_ptr()) == 0 || ffi::PyTuple_GET_SIZE(result.as_ptr()) != 2 {
        bad();
        return None;
    }
    let (chunks, failure) = (ffi::PyTuple_GET_ITEM(result.as_ptr(), 0), ffi::PyTuple_GET_ITEM(result.as_ptr(), 1));
    if ffi::PyList_Check(chunks) == 0 {
        bad();
        return None;
    }
    let mut collected = VecDeque::new();
    for i in 0..ffi::PyList_GET_SIZE(chunks) {
        let chunk = ffi::PyList_GET_ITEM(chunks, i);
        if ffi::PyBytes_Check(chunk) == 0 {
            bad();
            return None;
        }
        collected.push_back(Bytes::copy_from_slice(object::bytes_data(chunk)));
    }
    let failure = (failure != ffi::Py_None()).then(|| PyObj::from_borrowed(failure));
    let stream = CollectedStream { chunks: collected, complete: failure.is_none() };
    Some((Body::Stream(Box::new(stream)), failure))
}

/// A streamed body that already ran: its chunks, then its end (or its failure).
struct CollectedStream {
    chunks: VecDeque<Bytes>,
    complete: bool,
}

impl ChunkStream for CollectedStream {
    fn poll_chunk(&mut self, _cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
        Poll::Ready(match self.chunks.pop_front() {
            Some(chunk) => Some(Ok(chunk)),
            None if self.complete => None,
            None => Some(Err(StreamFailed)),
        })
    }
}

/// Takes the pending exception for the test client to re-raise; a `RuntimeError` naming
/// the route if the failure set none.
///
/// # Safety
/// Attached.
pub unsafe fn take_exception(a: &Attached<'_>, label: &str) -> PyObj {
    if let Some(exc) = PyObj::from_owned(ffi::PyErr_GetRaisedException()) {
        return exc;
    }
    object::raise(a, Exc::Runtime, &format!("{label} failed without a Python exception"));
    PyObj::from_owned(ffi::PyErr_GetRaisedException()).unwrap_or_else(|| PyObj::from_borrowed(ffi::Py_None()))
}
