//! The app as one interpreter sees it: route handlers, and turning their results into
//! responses (see docs/bridge-contract.md for the contract with the Python package).

use pyo3_ffi as ffi;
use std::cell::RefCell;

use super::interpreter::Attached;
use super::json::{self, EncodeError};
use super::native_plan::{native_values, read_native_plan, NativePlan};
use super::object::{self, PyObj};
use super::request::new_request_object;
use server::{Request, ResponseWriter};

/// One route as the router needs it.
pub struct RouteSpec {
    pub method: String,
    pub path: String,
    /// Index into the app's handler table.
    pub index: usize,
}

struct Endpoint {
    handler: PyObj,
    status: u16,
    /// "GET /users/{user_id}", for error logs.
    label: String,
    /// Parameters the bridge extracts itself (see `fasterapi/_fastpath.py`).
    native: Option<NativePlan>,
}

/// Everything one interpreter needs to answer requests. Lives on its core, used attached.
pub struct App {
    endpoints: Vec<Endpoint>,
    request_type: PyObj,
    response_type: PyObj,
    encode_fallback: PyObj,
    attr_status_code: PyObj,
    attr_raw_headers: PyObj,
    attr_body: PyObj,
    /// Reused JSON output buffer: encoding allocates nothing once it has grown.
    scratch: RefCell<Vec<u8>>,
    core: usize,
}

const JSON: &[u8] = b"application/json";
const TEXT: &[u8] = b"text/plain; charset=utf-8";
const OCTET: &[u8] = b"application/octet-stream";

impl App {
    /// Imports the app in the attached interpreter via `fasterapi._server.load_app(spec)`.
    pub fn load(_attached: &Attached<'_>, spec: &str, core: usize) -> Result<(App, Vec<RouteSpec>), String> {
        // SAFETY: attached (proof in `_attached`); every object created here belongs to this
        // interpreter and is kept in the `App`, which is only used attached on this core.
        unsafe {
            let fail = |what: &str| format!("{what}: {}", object::take_error_line());
            let native =
                object::import(crate::cstr!("fasterapi._native")).ok_or_else(|| fail("importing fasterapi._native"))?;
            let request_type = super::module::request_type(native.as_ptr()).ok_or_else(|| fail("fasterapi._native"))?;
            let server_mod =
                object::import(crate::cstr!("fasterapi._server")).ok_or_else(|| fail("importing fasterapi._server"))?;
            let load_app = object::getattr(server_mod.as_ptr(), crate::cstr!("load_app"))
                .ok_or_else(|| fail("fasterapi._server"))?;
            let spec_obj = object::new_str(spec).ok_or_else(|| fail("app spec"))?;
            let loaded = PyObj::from_owned(ffi::PyObject_CallOneArg(load_app.as_ptr(), spec_obj.as_ptr()))
                .ok_or_else(|| object::take_error_line())?;
            let bad_shape =
                || "fasterapi._server.load_app() must return (routes, response_type, encode_fallback)".to_owned();
            if ffi::PyTuple_Check(loaded.as_ptr()) == 0 || ffi::PyTuple_Size(loaded.as_ptr()) != 3 {
                return Err(bad_shape());
            }
            let routes = ffi::PyTuple_GetItem(loaded.as_ptr(), 0);
            let response_type = PyObj::from_borrowed(ffi::PyTuple_GetItem(loaded.as_ptr(), 1));
            let encode_fallback = PyObj::from_borrowed(ffi::PyTuple_GetItem(loaded.as_ptr(), 2));
            let routes = PyObj::from_owned(ffi::PySequence_List(routes)).ok_or_else(bad_shape)?;

            let mut endpoints = Vec::new();
            let mut specs = Vec::new();
            for i in 0..ffi::PyList_Size(routes.as_ptr()) {
                let item = ffi::PyList_GetItem(routes.as_ptr(), i);
                let bad =
                    || format!("route #{i} must be (method: str, path: str, handler, status_code: int[, native_plan])");
                if ffi::PyTuple_Check(item) == 0 || !(4..=5).contains(&ffi::PyTuple_Size(item)) {
                    return Err(bad());
                }
                let native = if ffi::PyTuple_Size(item) == 5 {
                    read_native_plan(ffi::PyTuple_GetItem(item, 4)).map_err(|e| format!("route #{i}: {e}"))?
                } else {
                    None
                };
                let method = ffi::PyTuple_GetItem(item, 0);
                let path = ffi::PyTuple_GetItem(item, 1);
                let handler = ffi::PyTuple_GetItem(item, 2);
                let status = ffi::PyTuple_GetItem(item, 3);
                if ffi::PyUnicode_Check(method) == 0
                    || ffi::PyUnicode_Check(path) == 0
                    || ffi::PyLong_Check(status) == 0
                {
                    return Err(bad());
                }
                let method = String::from_utf8_lossy(object::str_utf8(method).ok_or_else(bad)?).to_uppercase();
                let path = String::from_utf8_lossy(object::str_utf8(path).ok_or_else(bad)?).into_owned();
                let status = ffi::PyLong_AsLong(status);
                if !(100..=999).contains(&status) {
                    return Err(format!("route {method} {path}: invalid status_code {status}"));
                }
                specs.push(RouteSpec { method: method.clone(), path: path.clone(), index: endpoints.len() });
                endpoints.push(Endpoint {
                    handler: PyObj::from_borrowed(handler),
                    status: status as u16,
                    label: format!("{method} {path}"),
                    native,
                });
            }
            let intern = |s: &std::ffi::CStr| PyObj::from_owned(ffi::PyUnicode_InternFromString(s.as_ptr()));
            let app = App {
                endpoints,
                request_type,
                response_type,
                encode_fallback,
                attr_status_code: intern(crate::cstr!("status_code")).ok_or_else(|| fail("interning"))?,
                attr_raw_headers: intern(crate::cstr!("raw_headers")).ok_or_else(|| fail("interning"))?,
                attr_body: intern(crate::cstr!("body")).ok_or_else(|| fail("interning"))?,
                scratch: RefCell::new(Vec::with_capacity(4096)),
                core,
            };
            Ok((app, specs))
        }
    }

    /// Calls the route's handler with `request` and writes its answer.
    pub fn respond(&self, _attached: &Attached<'_>, index: usize, request: Request, writer: &mut ResponseWriter<'_>) {
        let endpoint = &self.endpoints[index];
        // SAFETY: attached (proof in `_attached`) to the interpreter that owns every object
        // in `self`; borrowed byte slices are used before the objects holding them are dropped.
        unsafe {
            // Native extraction first; `None` means "let the Python handler do it".
            let native_args = match &endpoint.native {
                Some(plan) => match native_values(plan, &request) {
                    Some(Ok(values)) => Some((plan, values)),
                    Some(Err(())) => return self.fail(endpoint, writer),
                    None => None,
                },
                None => None,
            };
            let Some(req) = new_request_object(self.request_type.as_ptr() as *mut ffi::PyTypeObject, request) else {
                return self.fail(endpoint, writer);
            };
            let result = match native_args {
                Some((plan, values)) => {
                    let mut args: Vec<*mut ffi::PyObject> = Vec::with_capacity(values.len() + 1);
                    args.push(req.as_ptr());
                    args.extend(values.iter().map(PyObj::as_ptr));
                    ffi::PyObject_Vectorcall(plan.call.as_ptr(), args.as_ptr(), args.len(), std::ptr::null_mut())
                }
                None => {
                    let args = [req.as_ptr()];
                    ffi::PyObject_Vectorcall(endpoint.handler.as_ptr(), args.as_ptr(), 1, std::ptr::null_mut())
                }
            };
            drop(req);
            let Some(result) = PyObj::from_owned(result) else {
                return self.fail(endpoint, writer);
            };
            self.write_result(endpoint, result, writer);
        }
    }

    unsafe fn write_result(&self, endpoint: &Endpoint, result: PyObj, writer: &mut ResponseWriter<'_>) {
        let obj = result.as_ptr();
        if ffi::PyDict_CheckExact(obj) != 0 || ffi::PyList_CheckExact(obj) != 0 || obj == ffi::Py_None() {
            return self.write_json(endpoint, obj, endpoint.status, writer);
        }
        if ffi::PyUnicode_CheckExact(obj) != 0 {
            return match object::str_utf8(obj) {
                Some(text) => writer.send(endpoint.status, &[(b"content-type", TEXT)], text),
                None => self.fail(endpoint, writer),
            };
        }
        if ffi::PyBytes_CheckExact(obj) != 0 {
            return writer.send(endpoint.status, &[(b"content-type", OCTET)], object::bytes_data(obj));
        }
        match ffi::PyObject_IsInstance(obj, self.response_type.as_ptr()) {
            1 => return self.write_response_object(endpoint, obj, writer),
            -1 => return self.fail(endpoint, writer),
            _ => {}
        }
        self.write_json(endpoint, obj, endpoint.status, writer)
    }

    /// A plain value as JSON; values the native encoder refuses go through `encode_fallback`.
    unsafe fn write_json(
        &self,
        endpoint: &Endpoint,
        obj: *mut ffi::PyObject,
        status: u16,
        writer: &mut ResponseWriter<'_>,
    ) {
        let mut out = self.scratch.borrow_mut();
        out.clear();
        match json::encode(obj, &mut out) {
            Ok(()) => writer.send(status, &[(b"content-type", JSON)], &out),
            Err(EncodeError::Type(_)) => {
                drop(out);
                let encoded = PyObj::from_owned(ffi::PyObject_CallOneArg(self.encode_fallback.as_ptr(), obj));
                match encoded {
                    Some(b) if ffi::PyBytes_Check(b.as_ptr()) != 0 => {
                        writer.send(status, &[(b"content-type", JSON)], object::bytes_data(b.as_ptr()))
                    }
                    Some(_) => {
                        object::raise(ffi::PyExc_TypeError, "encode_fallback() must return bytes");
                        self.fail(endpoint, writer)
                    }
                    None => self.fail(endpoint, writer),
                }
            }
            Err(e) => {
                drop(out);
                json::raise_encode_error(e);
                self.fail(endpoint, writer)
            }
        }
    }

    /// A `fasterapi.responses.Response`: status, raw headers and body as they are.
    unsafe fn write_response_object(
        &self,
        endpoint: &Endpoint,
        obj: *mut ffi::PyObject,
        writer: &mut ResponseWriter<'_>,
    ) {
        let get = |name: &PyObj| PyObj::from_owned(ffi::PyObject_GetAttr(obj, name.as_ptr()));
        let (Some(status), Some(headers), Some(body)) =
            (get(&self.attr_status_code), get(&self.attr_raw_headers), get(&self.attr_body))
        else {
            return self.fail(endpoint, writer);
        };
        let status = ffi::PyLong_AsLong(status.as_ptr());
        if status == -1 && !ffi::PyErr_Occurred().is_null() {
            return self.fail(endpoint, writer);
        }
        let body_bytes: &[u8] = if ffi::PyBytes_Check(body.as_ptr()) != 0 {
            object::bytes_data(body.as_ptr())
        } else {
            object::raise(ffi::PyExc_TypeError, "Response.body must be bytes");
            return self.fail(endpoint, writer);
        };
        let list = if ffi::PyList_CheckExact(headers.as_ptr()) != 0 {
            headers
        } else {
            match PyObj::from_owned(ffi::PySequence_List(headers.as_ptr())) {
                Some(l) => l,
                None => return self.fail(endpoint, writer),
            }
        };
        let n = ffi::PyList_GET_SIZE(list.as_ptr());
        let mut pairs: Vec<(&[u8], &[u8])> = Vec::with_capacity(n as usize);
        for i in 0..n {
            // Borrowed from `list`, which outlives `pairs`.
            let item = ffi::PyList_GET_ITEM(list.as_ptr(), i);
            if ffi::PyTuple_Check(item) == 0 || ffi::PyTuple_GET_SIZE(item) != 2 {
                object::raise(ffi::PyExc_TypeError, "Response.raw_headers items must be (bytes, bytes) tuples");
                return self.fail(endpoint, writer);
            }
            let (k, v) = (ffi::PyTuple_GET_ITEM(item, 0), ffi::PyTuple_GET_ITEM(item, 1));
            match (header_bytes(k), header_bytes(v)) {
                (Some(k), Some(v)) => {
                    // The server computes Content-Length from the body it actually sends.
                    if !k.eq_ignore_ascii_case(b"content-length") {
                        pairs.push((k, v))
                    }
                }
                _ => {
                    object::raise(ffi::PyExc_TypeError, "Response.raw_headers items must be (bytes, bytes) tuples");
                    return self.fail(endpoint, writer);
                }
            }
        }
        if !(100..=999).contains(&status) {
            object::raise(ffi::PyExc_ValueError, &format!("invalid status_code {status}"));
            return self.fail(endpoint, writer);
        }
        writer.send(status as u16, &pairs, body_bytes);
    }

    /// Logs the pending exception with its traceback and answers 500. The core goes on.
    unsafe fn fail(&self, endpoint: &Endpoint, writer: &mut ResponseWriter<'_>) {
        eprintln!("fasterapi: core {}: exception in {}", self.core, endpoint.label);
        if ffi::PyErr_Occurred().is_null() {
            eprintln!("fasterapi: (no Python exception was set)");
        } else if ffi::PyErr_ExceptionMatches(ffi::PyExc_SystemExit) != 0 {
            // PyErr_Print would exit the whole process on SystemExit; a handler must not.
            eprintln!("fasterapi: {}", object::take_error_line());
        } else {
            ffi::PyErr_PrintEx(0);
        }
        writer.internal_error();
    }
}

/// Runs `fasterapi._server.shutdown()` in the attached interpreter, before it ends.
pub fn run_shutdown_hook(_attached: &Attached<'_>) -> Result<(), String> {
    // SAFETY: attached (proof in `_attached`); the objects made here are dropped before return.
    unsafe {
        let module = object::import(crate::cstr!("fasterapi._server")).ok_or_else(|| object::take_error_line())?;
        let hook =
            object::getattr(module.as_ptr(), crate::cstr!("shutdown")).ok_or_else(|| object::take_error_line())?;
        PyObj::from_owned(ffi::PyObject_CallNoArgs(hook.as_ptr())).ok_or_else(|| object::take_error_line())?;
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
