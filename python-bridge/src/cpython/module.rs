//! The native module `fasterapi._native`, importable in every interpreter.
//!
//! Multi-phase initialisation (PEP 489) with `Py_mod_multiple_interpreters` set to
//! "per-interpreter GIL supported": each interpreter that imports it gets its own module
//! object and its own `Request`, `SharedCounter` and `SharedDict` types, and nothing Python-side
//! is shared between them (shared state lives in Rust: `crate::shared_state`).

use pyo3_ffi as ffi;

use super::interpreter::Attached;
use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr};
use std::ptr;
use std::time::Duration;

use super::json;
use super::object::{self, Exc, PyObj};
use crate::config::{ServeConfig, ServeError};

/// Per-interpreter state of the module.
#[repr(C)]
pub struct ModuleState {
    pub request_type: *mut ffi::PyObject,
    /// The core this interpreter serves (-1: not a serving interpreter). Per interpreter,
    /// not per thread: the blocking pool's threads serve the same core.
    pub core: i64,
    /// `(ValidationError, FAILED, to_jsonable)` for the native validator (`schema::schema_setup`).
    pub schema_support: *mut ffi::PyObject,
}

thread_local! {
    /// The core this thread serves, for `core_id()`; -1 outside the cores.
    pub static CORE_ID: Cell<i64> = const { Cell::new(-1) };
}

/// The core this thread serves (-1 outside the cores).
pub fn core_index() -> i64 {
    CORE_ID.with(Cell::get)
}

/// Entry point CPython looks up when importing `fasterapi._native`.
///
/// # Safety
/// Called by the import machinery, attached to the importing interpreter.
#[no_mangle]
pub unsafe extern "C" fn PyInit__native() -> *mut ffi::PyObject {
    ffi::PyModuleDef_Init(module_def())
}

fn module_def() -> *mut ffi::PyModuleDef {
    struct Def(*mut ffi::PyModuleDef);
    // SAFETY: written once, then only read by CPython.
    unsafe impl Send for Def {}
    unsafe impl Sync for Def {}
    static DEF: std::sync::OnceLock<Def> = std::sync::OnceLock::new();
    DEF.get_or_init(|| {
        let methods = vec![
            method(crate::cstr!("json_dumps"), json_dumps as *mut c_void, ffi::METH_O,
                   crate::cstr!("json_dumps(obj) -> bytes\n\nCompact JSON of dict/list/tuple/str/int/float/bool/None.")),
            method(crate::cstr!("json_loads"), json_loads as *mut c_void, ffi::METH_O,
                   crate::cstr!("json_loads(data) -> object\n\nParses JSON from bytes or str; ValueError (with .pos, .lineno, .colno, .msg) if invalid.")),
            method(crate::cstr!("parse_query"), parse_query as *mut c_void, ffi::METH_O,
                   crate::cstr!("parse_query(qs) -> list[tuple[str, str]]\n\nDecoded query pairs, order and repeats kept.")),
            method(crate::cstr!("core_id"), core_id as *mut c_void, ffi::METH_NOARGS,
                   crate::cstr!("core_id() -> int\n\nThe core this interpreter serves (-1 in the main interpreter).")),
            method(crate::cstr!("serve"), serve as *mut c_void, ffi::METH_VARARGS | ffi::METH_KEYWORDS,
                   crate::cstr!("serve(*, app, host, port, cores, pin, io, shared_gil, grace, max_header, max_body, keepalive, header_timeout, blocking_threads, blocking_queue, max_inflight, metrics, access_log, lane_threads, lane_queue)\n\nRuns the server until SIGINT/SIGTERM. Main interpreter only.")),
            method(crate::cstr!("schema_setup"), super::schema::schema_setup as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_setup(ValidationError, FAILED, to_jsonable)\n\nRegisters what the native validator raises and calls.")),
            method(crate::cstr!("schema_model_core"), super::schema::schema_model_core as *mut c_void, ffi::METH_NOARGS,
                   crate::cstr!("schema_model_core() -> capsule\n\nA model to be defined by schema_define_model.")),
            method(crate::cstr!("schema_define_model"), super::schema::schema_define_model as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_define_model(core, spec)")),
            method(crate::cstr!("schema_compile"), super::schema::schema_compile as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_compile(spec, title) -> capsule")),
            method(crate::cstr!("schema_validate"), super::schema::schema_validate as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_validate(schema, value, from_json, loc_prefix) -> value")),
            method(crate::cstr!("schema_validate_json"), super::schema::schema_validate_json as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_validate_json(schema, data, loc_prefix) -> value")),
            method(crate::cstr!("schema_validate_json_lazy"), super::schema::schema_validate_json_lazy as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_validate_json_lazy(schema, data, by_alias) -> instance | None\n\nA lazy model instance (fields made on first use), or None: validate the ordinary way.")),
            method(crate::cstr!("schema_lazy_eligible"), super::schema::schema_lazy_eligible as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_lazy_eligible(schema) -> bool")),
            method(crate::cstr!("schema_lazy_stats"), super::schema::schema_lazy_stats as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_lazy_stats(schema[, reset]) -> (made, materialised, paused)")),
            method(crate::cstr!("schema_take_lazy"), super::schema::schema_take_lazy as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_take_lazy(instance) -> (schema, data, json, by_alias) | None")),
            method(crate::cstr!("schema_instance_dict"), super::schema::schema_instance_dict as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_instance_dict(obj) -> dict\n\nobj's own __dict__, as object reads it.")),
            method(crate::cstr!("schema_set_instance_dict"), super::schema::schema_set_instance_dict as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_set_instance_dict(obj, dict)")),
            method(crate::cstr!("schema_dump"), super::schema::schema_dump as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_dump(schema, value, json, by_alias, exclude_unset, exclude_defaults, exclude_none, include, exclude)")),
            method(crate::cstr!("schema_dump_json"), super::schema::schema_dump_json as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("schema_dump_json(schema, value, json, by_alias, exclude_unset, exclude_defaults, exclude_none, include, exclude) -> bytes")),
            method(crate::cstr!("inprocess_app"), super::testing::inprocess_app as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("inprocess_app(loaded, max_header, max_body) -> capsule\n\nThe server's router and dispatch over a LoadedApp, answering in this thread (fasterapi.testclient).")),
            method(crate::cstr!("inprocess_request"), super::testing::inprocess_request as *mut c_void, ffi::METH_FASTCALL,
                   crate::cstr!("inprocess_request(app, method, target, headers, body) -> (status, headers, body, complete, raised)")),
            ffi::PyMethodDef::zeroed(),
        ];
        let slots = vec![
            ffi::PyModuleDef_Slot { slot: ffi::Py_mod_exec, value: exec as *mut c_void },
            ffi::PyModuleDef_Slot {
                slot: ffi::Py_mod_multiple_interpreters,
                value: ffi::Py_MOD_PER_INTERPRETER_GIL_SUPPORTED,
            },
            ffi::PyModuleDef_Slot { slot: 0, value: ptr::null_mut() },
        ];
        let def = Box::new(ffi::PyModuleDef {
            m_base: ffi::PyModuleDef_HEAD_INIT,
            m_name: crate::cstr!("fasterapi._native").as_ptr(),
            m_doc: crate::cstr!("FasterAPI's native core: request objects, JSON, and the server.").as_ptr(),
            m_size: std::mem::size_of::<ModuleState>() as ffi::Py_ssize_t,
            m_methods: Box::leak(methods.into_boxed_slice()).as_mut_ptr(),
            m_slots: Box::leak(slots.into_boxed_slice()).as_mut_ptr(),
            m_traverse: Some(traverse),
            m_clear: Some(clear),
            m_free: None,
        });
        Def(Box::leak(def))
    })
    .0
}

pub(super) fn method(name: &'static CStr, f: *mut c_void, flags: c_int, doc: &'static CStr) -> ffi::PyMethodDef {
    ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        // SAFETY: `f` has the signature `flags` announces (checked by each definition below).
        ml_meth: unsafe { std::mem::transmute::<*mut c_void, ffi::PyMethodDefPointer>(f) },
        ml_flags: flags,
        ml_doc: doc.as_ptr(),
    }
}

unsafe extern "C" fn exec(module: *mut ffi::PyObject) -> c_int {
    // SAFETY: CPython runs the exec slot attached to the importing interpreter.
    let ty = super::request::create_type(module);
    if ty.is_null() {
        return -1;
    }
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    (*state).request_type = ty; // the state keeps the new reference
    (*state).core = -1;
    (*state).schema_support = ptr::null_mut();
    ffi::Py_INCREF(ty);
    if ffi::PyModule_AddObject(module, crate::cstr!("Request").as_ptr(), ty) != 0 {
        ffi::Py_DECREF(ty);
        return -1;
    }
    super::shared::add_types(module)
}

unsafe extern "C" fn traverse(module: *mut ffi::PyObject, visit: ffi::visitproc, arg: *mut c_void) -> c_int {
    // SAFETY: GC traversal, attached.
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    if !state.is_null() && !(*state).request_type.is_null() {
        return visit((*state).request_type, arg);
    }
    0
}

unsafe extern "C" fn clear(module: *mut ffi::PyObject) -> c_int {
    // SAFETY: GC clear, attached.
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    if !state.is_null() && !(*state).request_type.is_null() {
        let t = (*state).request_type;
        (*state).request_type = ptr::null_mut();
        ffi::Py_DECREF(t);
    }
    if !state.is_null() && !(*state).schema_support.is_null() {
        let t = std::mem::replace(&mut (*state).schema_support, ptr::null_mut());
        ffi::Py_DECREF(t);
    }
    0
}

/// The `Request` type of the `_native` module imported in the current interpreter.
///
/// # Safety
/// Attached; `module` is this interpreter's `fasterapi._native`.
pub unsafe fn request_type(module: *mut ffi::PyObject) -> Option<PyObj> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    if state.is_null() || (*state).request_type.is_null() {
        object::raise(a, Exc::Runtime, "fasterapi._native is not initialised");
        return None;
    }
    Some(PyObj::from_borrowed((*state).request_type))
}

unsafe extern "C" fn json_dumps(_m: *mut ffi::PyObject, obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_O function, attached.
    let mut out = Vec::with_capacity(128);
    match json::encode(obj, &mut out) {
        Ok(()) => object::new_bytes(a, &out).map_or(ptr::null_mut(), PyObj::into_ptr),
        Err(e) => {
            json::raise_encode_error(e);
            ptr::null_mut()
        }
    }
}

unsafe extern "C" fn json_loads(_m: *mut ffi::PyObject, data: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_O function, attached. `input` borrows from `data`, alive for the call.
    let input = match object::text_bytes(data) {
        object::TextInput::Bytes(input) => input,
        object::TextInput::WrongType => {
            object::raise(a, Exc::Type, "json_loads() expects bytes, bytearray or str");
            return ptr::null_mut();
        }
        object::TextInput::Raised => return ptr::null_mut(),
    };
    match json::decode(input) {
        Ok(v) => v.into_ptr(),
        Err(Err(())) => ptr::null_mut(),
        Err(Ok(e)) => {
            raise_decode_error(&e);
            ptr::null_mut()
        }
    }
}

/// `ValueError("msg at line L column C")` with `.msg`, `.pos`, `.lineno`, `.colno`, like
/// `json.JSONDecodeError` (of which it is not a subclass, to stay independent of `json`).
unsafe fn raise_decode_error(e: &json::DecodeError) {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let text = format!("{} at line {} column {}", e.message, e.line, e.column);
    let Some(msg) = object::new_str(a, &text) else { return };
    let exc = ffi::PyObject_CallOneArg(ffi::PyExc_ValueError, msg.as_ptr());
    let Some(exc) = PyObj::from_owned(exc) else { return };
    let set = |name: &CStr, value: Option<PyObj>| {
        if let Some(v) = value {
            ffi::PyObject_SetAttrString(exc.as_ptr(), name.as_ptr(), v.as_ptr());
        }
    };
    set(crate::cstr!("msg"), object::new_str(a, &e.message));
    set(crate::cstr!("pos"), PyObj::from_owned(ffi::PyLong_FromSize_t(e.pos)));
    set(crate::cstr!("lineno"), PyObj::from_owned(ffi::PyLong_FromSize_t(e.line)));
    set(crate::cstr!("colno"), PyObj::from_owned(ffi::PyLong_FromSize_t(e.column)));
    ffi::PyErr_SetObject(ffi::PyExc_ValueError, exc.as_ptr());
}

unsafe extern "C" fn parse_query(_m: *mut ffi::PyObject, qs: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_O function, attached.
    let input: &[u8] = if ffi::PyBytes_Check(qs) != 0 {
        object::bytes_data(qs)
    } else if ffi::PyUnicode_Check(qs) != 0 {
        match object::str_utf8(qs) {
            Some(b) => b,
            None => return ptr::null_mut(),
        }
    } else {
        object::raise(a, Exc::Type, "parse_query() expects bytes or str");
        return ptr::null_mut();
    };
    match query_list(input) {
        Some(l) => l.into_ptr(),
        None => ptr::null_mut(),
    }
}

/// # Safety
/// Attached.
pub unsafe fn query_list(input: &[u8]) -> Option<PyObj> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let pairs = server::percent::parse_query(input);
    let list = PyObj::from_owned(ffi::PyList_New(pairs.len() as ffi::Py_ssize_t))?;
    for (i, (k, v)) in pairs.iter().enumerate() {
        let t = PyObj::from_owned(ffi::PyTuple_New(2))?;
        ffi::PyTuple_SET_ITEM(t.as_ptr(), 0, object::new_str(a, k)?.into_ptr());
        ffi::PyTuple_SET_ITEM(t.as_ptr(), 1, object::new_str(a, v)?.into_ptr());
        ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, t.into_ptr());
    }
    Some(list)
}

unsafe extern "C" fn core_id(m: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_NOARGS function, attached; `m` is this interpreter's module.
    let state = ffi::PyModule_GetState(m) as *mut ModuleState;
    let core = if state.is_null() { -1 } else { (*state).core };
    ffi::PyLong_FromLongLong(core)
}

/// Records which core the interpreter owning `module` serves (see `core_id()`).
///
/// # Safety
/// Attached; `module` is this interpreter's `fasterapi._native`.
pub unsafe fn set_core_id(module: *mut ffi::PyObject, core: i64) {
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    if !state.is_null() {
        (*state).core = core;
    }
}

unsafe extern "C" fn serve(
    _m: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_VARARGS|METH_KEYWORDS function, attached to the interpreter that called it.
    if ffi::PyInterpreterState_Get() != ffi::PyInterpreterState_Main() {
        object::raise(a, Exc::Runtime, "serve() can only be called from the main interpreter");
        return ptr::null_mut();
    }
    if !args.is_null() && ffi::PyTuple_Size(args) > 0 {
        object::raise(a, Exc::Type, "serve() takes keyword arguments only");
        return ptr::null_mut();
    }
    let config = match read_serve_kwargs(kwargs) {
        Ok(c) => c,
        Err(()) => return ptr::null_mut(),
    };
    let main = super::interpreter::MainInterpreter::assume_attached();
    match crate::serve::serve(&main, config) {
        Ok(()) => PyObj::from_borrowed(ffi::Py_None()).into_ptr(),
        Err(e) => {
            let (exc, msg) = match e {
                ServeError::Config(m) => (Exc::Value, m),
                ServeError::Os(m) => (Exc::OS, m),
                ServeError::Runtime(m) => (Exc::Runtime, m),
            };
            object::raise(a, exc, &msg);
            ptr::null_mut()
        }
    }
}

/// Reads the keyword arguments of `serve`; unknown names are a `TypeError`.
unsafe fn read_serve_kwargs(kwargs: *mut ffi::PyObject) -> Result<ServeConfig, ()> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let mut c = ServeConfig::default();
    if kwargs.is_null() {
        object::raise(a, Exc::Type, "serve() needs at least app=");
        return Err(());
    }
    let mut pos: ffi::Py_ssize_t = 0;
    let mut key: *mut ffi::PyObject = ptr::null_mut();
    let mut value: *mut ffi::PyObject = ptr::null_mut();
    let mut have_app = false;
    while ffi::PyDict_Next(kwargs, &mut pos, &mut key, &mut value) != 0 {
        let name = String::from_utf8_lossy(object::str_utf8(key).ok_or(())?).into_owned();
        let none = value == ffi::Py_None();
        let bad = |what: &str| {
            object::raise(a, Exc::Type, &format!("serve(): {name} must be {what}"));
        };
        match name.as_str() {
            "app" => {
                c.app = read_str(value).ok_or_else(|| bad("a str"))?;
                have_app = true;
            }
            "host" if !none => c.host = read_str(value).ok_or_else(|| bad("a str"))?,
            "port" if !none => {
                let p = read_f64(value).ok_or_else(|| bad("an int"))?;
                if !(0.0..=65535.0).contains(&p) || p.fract() != 0.0 {
                    object::raise(a, Exc::Value, &format!("invalid port {p}: must be 0-65535"));
                    return Err(());
                }
                c.port = p as u16;
            }
            "cores" => c.cores = if none { None } else { Some(read_str(value).ok_or_else(|| bad("a str or None"))?) },
            "pin" if !none => c.pin = ffi::PyObject_IsTrue(value) == 1,
            "io" if !none => c.io = read_str(value).ok_or_else(|| bad("a str"))?,
            "shared_gil" if !none => c.shared_gil = ffi::PyObject_IsTrue(value) == 1,
            "grace" if !none => c.grace = read_duration(value).ok_or_else(|| bad("a number of seconds >= 0"))?,
            "keepalive" if !none => {
                c.limits.keepalive_timeout = read_duration(value).ok_or_else(|| bad("a number of seconds >= 0"))?
            }
            "header_timeout" if !none => {
                c.limits.header_timeout = read_duration(value).ok_or_else(|| bad("a number of seconds >= 0"))?
            }
            "max_header" if !none => {
                c.limits.max_header_bytes = read_size(value).ok_or_else(|| bad("a positive int"))?
            }
            "max_body" if !none => c.limits.max_body_bytes = read_size(value).ok_or_else(|| bad("an int >= 0"))?,
            "blocking_queue" if !none => c.blocking_queue = read_size(value).ok_or_else(|| bad("an int >= 0"))?,
            "max_inflight" if !none => {
                c.max_in_flight = read_size(value).filter(|n| *n >= 1).ok_or_else(|| bad("an int >= 1"))?
            }
            "metrics" => {
                c.metrics_path = if none { None } else { Some(read_str(value).ok_or_else(|| bad("a path or None"))?) }
            }
            "access_log" if !none => c.access_log = ffi::PyObject_IsTrue(value) == 1,
            "lane_threads" if !none => {
                c.lane_threads = read_size(value).filter(|n| *n >= 1).ok_or_else(|| bad("an int >= 1"))?
            }
            "lane_queue" if !none => {
                c.lane_queue = read_size(value).filter(|n| *n >= 1).ok_or_else(|| bad("an int >= 1"))?
            }
            "blocking_threads" if !none => {
                c.blocking_threads = read_size(value).filter(|n| *n >= 1).ok_or_else(|| bad("an int >= 1"))?
            }
            "host" | "port" | "pin" | "io" | "shared_gil" | "grace" | "keepalive" | "header_timeout" | "max_header"
            | "max_body" | "blocking_threads" | "blocking_queue" | "max_inflight" | "access_log" | "lane_threads"
            | "lane_queue" => {}
            _ => {
                object::raise(a, Exc::Type, &format!("serve() got an unexpected keyword argument '{name}'"));
                return Err(());
            }
        }
    }
    if !have_app {
        object::raise(a, Exc::Type, "serve() needs app='module:attribute'");
        return Err(());
    }
    Ok(c)
}

unsafe fn read_str(v: *mut ffi::PyObject) -> Option<String> {
    if ffi::PyUnicode_Check(v) == 0 {
        return None;
    }
    object::str_utf8(v).map(|b| String::from_utf8_lossy(b).into_owned())
}

unsafe fn read_f64(v: *mut ffi::PyObject) -> Option<f64> {
    if ffi::PyLong_Check(v) == 0 && ffi::PyFloat_Check(v) == 0 {
        return None;
    }
    let f = ffi::PyFloat_AsDouble(v);
    if f == -1.0 && !ffi::PyErr_Occurred().is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    Some(f)
}

unsafe fn read_duration(v: *mut ffi::PyObject) -> Option<Duration> {
    read_f64(v).filter(|f| f.is_finite() && *f >= 0.0).map(Duration::from_secs_f64)
}

unsafe fn read_size(v: *mut ffi::PyObject) -> Option<usize> {
    read_f64(v).filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1e15).map(|f| f as usize)
}
