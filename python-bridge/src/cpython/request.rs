//! `fasterapi._native.Request`: the server's parsed request, seen from Python.
//!
//! The object owns the Rust request (whose header section is a shared slice of the
//! connection's read buffer) and converts a field to a Python object only when Python first
//! reads it, then caches it. A handler that only looks at `path_params` never pays for
//! headers, body or query.

use pyo3_ffi as ffi;

use super::interpreter::Attached;
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::mem::ManuallyDrop;
use std::ptr;

use super::object::{self, Exc, PyObj};
use server::Request;

/// Attributes, in the order of the cache slots.
#[derive(Clone, Copy)]
enum Field {
    Method,
    Path,
    RawPath,
    QueryString,
    Headers,
    Body,
    PathParams,
    HttpVersion,
    Client,
    Server,
    Scheme,
}
const FIELDS: usize = 11;

#[repr(C)]
struct RequestObject {
    ob_base: ffi::PyObject,
    /// Written once right after allocation, dropped in `dealloc`.
    data: ManuallyDrop<RequestData>,
}

struct RequestData {
    request: Request,
    cache: [Cell<*mut ffi::PyObject>; FIELDS],
    /// Callables given to `after_send`, taken by the bridge when it has the response.
    after_send: RefCell<Vec<PyObj>>,
    /// `request.state` (`fasterapi.requests.Request.state`), set on first use: kept here so
    /// that every `Request` made for this request -- a middleware's, a dependency's, the
    /// endpoint's -- shares it, as Starlette's share the ASGI scope's.
    state: RefCell<Option<PyObj>>,
}

/// Creates a request object of `type_` (this interpreter's `Request` type).
///
/// # Safety
/// Attached; `type_` is the `Request` type created by this interpreter's `_native` module.
pub unsafe fn new_request_object(type_: *mut ffi::PyTypeObject, request: Request) -> Option<PyObj> {
    let obj = ffi::PyType_GenericAlloc(type_, 0);
    if obj.is_null() {
        return None;
    }
    let data = RequestData {
        request,
        cache: Default::default(),
        after_send: RefCell::new(Vec::new()),
        state: RefCell::new(None),
    };
    ptr::write(ptr::addr_of_mut!((*(obj as *mut RequestObject)).data), ManuallyDrop::new(data));
    PyObj::from_owned(obj)
}

unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: called by CPython, attached, when the last reference goes; `data` was written
    // by `new_request_object` (the type cannot be instantiated from Python).
    let this = &mut *(obj as *mut RequestObject);
    for slot in this.data.cache.iter() {
        let p = slot.get();
        if !p.is_null() {
            ffi::Py_DECREF(p);
        }
    }
    ManuallyDrop::drop(&mut this.data);
    object::free_instance(obj);
}

/// Shared getter: look in the cache, else build and cache.
unsafe fn get(obj: *mut ffi::PyObject, field: Field) -> *mut ffi::PyObject {
    let this = &*(obj as *mut RequestObject);
    let data = &this.data;
    let slot = &data.cache[field as usize];
    let cached = slot.get();
    if !cached.is_null() {
        ffi::Py_INCREF(cached);
        return cached;
    }
    match build(&data.request, field) {
        Some(v) => {
            let p = v.into_ptr();
            ffi::Py_INCREF(p);
            slot.set(p);
            p
        }
        None => ptr::null_mut(),
    }
}

unsafe fn build(r: &Request, field: Field) -> Option<PyObj> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    match field {
        Field::Method => object::new_str(a, r.method()),
        Field::Path => object::new_str(a, &r.path()),
        Field::RawPath => object::new_bytes(a, r.raw_path()),
        Field::QueryString => object::new_bytes(a, r.query()),
        Field::Headers => {
            let list = PyObj::from_owned(ffi::PyList_New(r.headers().len() as ffi::Py_ssize_t))?;
            for (i, (name, value)) in r.headers().enumerate() {
                let lower = name.to_ascii_lowercase();
                let n = object::new_latin1(a, &lower)?;
                let v = object::new_latin1(a, value)?;
                let pair = PyObj::from_owned(ffi::PyTuple_New(2))?;
                ffi::PyTuple_SET_ITEM(pair.as_ptr(), 0, n.into_ptr());
                ffi::PyTuple_SET_ITEM(pair.as_ptr(), 1, v.into_ptr());
                ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, pair.into_ptr());
            }
            Some(list)
        }
        Field::Body => object::new_bytes(a, &r.body),
        Field::PathParams => {
            let dict = PyObj::from_owned(ffi::PyDict_New())?;
            // Values come from the path the router matched, which is already decoded.
            for (name, value) in &r.params {
                let k = object::new_str(a, name)?;
                let v = object::new_str(a, value)?;
                if ffi::PyDict_SetItem(dict.as_ptr(), k.as_ptr(), v.as_ptr()) != 0 {
                    return None;
                }
            }
            Some(dict)
        }
        Field::HttpVersion => object::new_str(a, r.version.as_str()),
        Field::Client => address(a, r.peer),
        Field::Server => address(a, r.local),
        Field::Scheme => object::new_str(a, "http"),
    }
}

unsafe fn address(attached: &Attached<'_>, addr: Option<std::net::SocketAddr>) -> Option<PyObj> {
    match addr {
        None => Some(PyObj::from_borrowed(ffi::Py_None())),
        Some(addr) => {
            let host = object::new_str(attached, &addr.ip().to_string())?;
            let port = PyObj::from_owned(ffi::PyLong_FromLong(addr.port() as _))?;
            let t = PyObj::from_owned(ffi::PyTuple_New(2))?;
            ffi::PyTuple_SET_ITEM(t.as_ptr(), 0, host.into_ptr());
            ffi::PyTuple_SET_ITEM(t.as_ptr(), 1, port.into_ptr());
            Some(t)
        }
    }
}

macro_rules! getter {
    ($name:ident, $field:expr) => {
        unsafe extern "C" fn $name(obj: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
            // SAFETY: CPython calls getters attached, with `obj` an instance of our type.
            get(obj, $field)
        }
    };
}
getter!(get_method, Field::Method);
getter!(get_path, Field::Path);
getter!(get_raw_path, Field::RawPath);
getter!(get_query_string, Field::QueryString);
getter!(get_headers, Field::Headers);
getter!(get_body, Field::Body);
getter!(get_path_params, Field::PathParams);
getter!(get_http_version, Field::HttpVersion);
getter!(get_client, Field::Client);
getter!(get_server, Field::Server);
getter!(get_scheme, Field::Scheme);

/// `header_values(name) -> list[str]`: the values of one header field (case-insensitive), in
/// order, found in Rust without building the whole header list.
unsafe extern "C" fn header_values(obj: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_O method called attached with `obj` an instance of our type.
    if ffi::PyUnicode_Check(name) == 0 {
        object::raise(a, Exc::Type, "header_values() takes a str");
        return ptr::null_mut();
    }
    let Some(wanted) = object::str_utf8(name) else { return ptr::null_mut() };
    let this = &*(obj as *mut RequestObject);
    let Some(list) = PyObj::from_owned(ffi::PyList_New(0)) else { return ptr::null_mut() };
    for (n, v) in this.data.request.headers() {
        if n.eq_ignore_ascii_case(wanted) {
            let Some(value) = object::new_latin1(a, v) else { return ptr::null_mut() };
            if ffi::PyList_Append(list.as_ptr(), value.as_ptr()) != 0 {
                return ptr::null_mut();
            }
        }
    }
    list.into_ptr()
}

/// `after_send(fn)`: the bridge calls `fn()` on this core, attached, once the response to
/// this request has been written (or the connection has gone). See `take_after_send`.
unsafe extern "C" fn after_send(obj: *mut ffi::PyObject, callback: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    if ffi::PyCallable_Check(callback) == 0 {
        object::raise(a, Exc::Type, "after_send() takes a callable");
        return ptr::null_mut();
    }
    // SAFETY: METH_O method called attached with `obj` an instance of our type.
    let this = &*(obj as *mut RequestObject);
    this.data.after_send.borrow_mut().push(PyObj::from_borrowed(callback));
    ffi::Py_INCREF(ffi::Py_None());
    ffi::Py_None()
}

/// `state`: what was last set, or None.
unsafe extern "C" fn get_state(obj: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached, with `obj` an instance of our type.
    let this = &*(obj as *mut RequestObject);
    match &*this.data.state.borrow() {
        Some(state) => PyObj::from_borrowed(state.as_ptr()).into_ptr(),
        None => PyObj::from_borrowed(ffi::Py_None()).into_ptr(),
    }
}

unsafe extern "C" fn set_state(obj: *mut ffi::PyObject, value: *mut ffi::PyObject, _closure: *mut c_void) -> c_int {
    // SAFETY: CPython calls this attached, with `obj` an instance of our type; `value` is NULL
    // for `del`. The old value is released after the borrow ends (its finaliser may run code).
    let this = &*(obj as *mut RequestObject);
    let new = (!value.is_null() && value != ffi::Py_None()).then(|| PyObj::from_borrowed(value));
    let old = std::mem::replace(&mut *this.data.state.borrow_mut(), new);
    drop(old);
    0
}

/// The callables registered with `after_send` so far (they are removed from the request).
///
/// # Safety
/// Attached; `obj` is an instance of this interpreter's `Request` type.
pub unsafe fn take_after_send(obj: *mut ffi::PyObject) -> Vec<PyObj> {
    let this = &*(obj as *mut RequestObject);
    std::mem::take(&mut *this.data.after_send.borrow_mut())
}

unsafe extern "C" fn repr(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: attached; `obj` is an instance of our type.
    let this = &*(obj as *mut RequestObject);
    let r = &this.data.request;
    let text = format!("<Request {} {}>", r.method(), r.path());
    object::new_str(a, &text).map_or(ptr::null_mut(), PyObj::into_ptr)
}

/// Creates the `Request` type for the module being executed.
///
/// # Safety
/// Attached; `module` is the `_native` module under construction.
pub unsafe fn create_type(module: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // CPython keeps pointers into these tables for the life of the type, in every
    // interpreter: they are built once and leaked (a few hundred bytes per process).
    static TABLES: std::sync::OnceLock<(usize, usize)> = std::sync::OnceLock::new();
    let (getset_ptr, slots_ptr) = *TABLES.get_or_init(|| {
        let g = |name: &'static std::ffi::CStr, f: ffi::getter, doc: &'static std::ffi::CStr| ffi::PyGetSetDef {
            name: name.as_ptr(),
            get: Some(f),
            set: None,
            doc: doc.as_ptr(),
            closure: ptr::null_mut(),
        };
        let getset: Vec<ffi::PyGetSetDef> = vec![
            g(crate::cstr!("method"), get_method, crate::cstr!("HTTP method, e.g. 'GET'.")),
            g(crate::cstr!("path"), get_path, crate::cstr!("Percent-decoded path, without the query.")),
            g(crate::cstr!("raw_path"), get_raw_path, crate::cstr!("The path as received (bytes).")),
            g(crate::cstr!("query_string"), get_query_string, crate::cstr!("Raw query string, without '?' (bytes).")),
            g(crate::cstr!("headers"), get_headers, crate::cstr!("List of (lower-case name, value) pairs.")),
            g(crate::cstr!("body"), get_body, crate::cstr!("The whole request body (bytes).")),
            g(crate::cstr!("path_params"), get_path_params, crate::cstr!("Decoded path parameters by name.")),
            g(crate::cstr!("http_version"), get_http_version, crate::cstr!("'1.1' or '1.0'.")),
            g(crate::cstr!("client"), get_client, crate::cstr!("(host, port) of the peer, or None.")),
            g(crate::cstr!("server"), get_server, crate::cstr!("(host, port) of the local socket, or None.")),
            g(crate::cstr!("scheme"), get_scheme, crate::cstr!("'http'.")),
            ffi::PyGetSetDef {
                name: crate::cstr!("state").as_ptr(),
                get: Some(get_state),
                set: Some(set_state),
                doc: crate::cstr!("The request's state object, shared by every Request made for it (None until set).")
                    .as_ptr(),
                closure: ptr::null_mut(),
            },
            ffi::PyGetSetDef { name: ptr::null(), get: None, set: None, doc: ptr::null(), closure: ptr::null_mut() },
        ];
        let getset = Box::leak(getset.into_boxed_slice()).as_mut_ptr();
        let methods = vec![
            ffi::PyMethodDef {
                ml_name: crate::cstr!("header_values").as_ptr(),
                ml_meth: ffi::PyMethodDefPointer { PyCFunction: header_values },
                ml_flags: ffi::METH_O,
                ml_doc: crate::cstr!("header_values(name) -> list[str]\n\nValues of one header field, in order.")
                    .as_ptr(),
            },
            ffi::PyMethodDef {
                ml_name: crate::cstr!("after_send").as_ptr(),
                ml_meth: ffi::PyMethodDefPointer { PyCFunction: after_send },
                ml_flags: ffi::METH_O,
                ml_doc: crate::cstr!(
                    "after_send(fn)\n\nCall fn() on this core once the response has been written (or the connection has gone)."
                )
                .as_ptr(),
            },
            ffi::PyMethodDef::zeroed(),
        ];
        let methods = Box::leak(methods.into_boxed_slice()).as_mut_ptr();
        let slots = vec![
            ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: dealloc as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_getset, pfunc: getset as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_methods, pfunc: methods as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_repr, pfunc: repr as *mut c_void },
            ffi::PyType_Slot {
                slot: ffi::Py_tp_doc,
                pfunc: crate::cstr!("An HTTP request as parsed by the server (read-only).").as_ptr() as *mut c_void,
            },
            ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
        ];
        let slots = Box::leak(slots.into_boxed_slice()).as_mut_ptr();
        (getset as usize, slots as usize)
    });
    let _ = getset_ptr;
    let mut spec = ffi::PyType_Spec {
        name: crate::cstr!("fasterapi._native.Request").as_ptr(),
        basicsize: std::mem::size_of::<RequestObject>() as c_int,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_DISALLOW_INSTANTIATION | ffi::Py_TPFLAGS_IMMUTABLETYPE) as _,
        slots: slots_ptr as *mut ffi::PyType_Slot,
    };
    ffi::PyType_FromModuleAndSpec(module, &mut spec, ptr::null_mut())
}
