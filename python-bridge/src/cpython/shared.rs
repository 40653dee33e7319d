//! `fasterapi._native.SharedCounter` and `SharedDict`: Python views of the Rust-owned stores
//! in `crate::shared_state`, the same for every core.
//!
//! Each interpreter that imports `_native` gets its own two heap types (made in the module's
//! exec slot). An instance holds only an `Arc` of the store it was constructed for, looked up
//! by name once, at construction. Values are copied: converted into `shared_state::Value`
//! before a stripe is locked, and back into new Python objects after it is unlocked, so no
//! Python code ever runs while a lock is held and no Python object crosses interpreters.

use pyo3_ffi as ffi;

use super::interpreter::Attached;
use std::ffi::{c_int, c_void};
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::{Arc, OnceLock};

use super::object::{self, Exc, PyObj};
use crate::shared_state::{self, Counter, IncrError, SharedDict, Value};

#[repr(C)]
struct CounterObject {
    ob_base: ffi::PyObject,
    /// Written once right after allocation, dropped in `dealloc`.
    store: ManuallyDrop<Arc<Counter>>,
}

#[repr(C)]
struct DictObject {
    ob_base: ffi::PyObject,
    /// Written once right after allocation, dropped in `dealloc`.
    store: ManuallyDrop<Arc<SharedDict>>,
}

/// Nesting deeper than this is refused (also catches self-referencing lists and dicts).
const MAX_DEPTH: usize = 256;

const VALUE_TYPES: &str = "str, bytes, int, float, bool, None, list, tuple or dict";

// ---- helpers ------------------------------------------------------------------------------

/// # Safety
/// Attached; `obj` is a valid object.
unsafe fn type_name(obj: *mut ffi::PyObject) -> String {
    let ty = ffi::Py_TYPE(obj);
    let full = std::ffi::CStr::from_ptr((*ty).tp_name).to_string_lossy().into_owned();
    full.rsplit('.').next().unwrap_or(&full).to_owned()
}

/// Borrows a `str` as Rust text (the UTF-8 is cached in the object and lives as long as it).
///
/// # Safety
/// Attached; `obj` is a `str`.
unsafe fn as_str<'a>(obj: *mut ffi::PyObject) -> Option<&'a str> {
    // PyUnicode_AsUTF8AndSize returns valid UTF-8 or fails (lone surrogates: an error is set).
    object::str_utf8(obj).map(|b| std::str::from_utf8_unchecked(b))
}

/// A dict key: `str`, else `TypeError`.
///
/// # Safety
/// Attached; `obj` is a valid object.
unsafe fn key<'a>(obj: *mut ffi::PyObject) -> Option<&'a str> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    if ffi::PyUnicode_Check(obj) == 0 {
        object::raise(a, Exc::Type, &format!("SharedDict keys must be str, not {}", type_name(obj)));
        return None;
    }
    as_str(obj)
}

/// An `int` argument that fits in 64 bits.
///
/// # Safety
/// Attached; `obj` is a valid object.
unsafe fn i64_arg(obj: *mut ffi::PyObject, what: &str) -> Option<i64> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    if ffi::PyLong_Check(obj) == 0 {
        object::raise(a, Exc::Type, &format!("{what} must be int, not {}", type_name(obj)));
        return None;
    }
    let mut overflow: c_int = 0;
    let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
    if overflow != 0 {
        object::raise(a, Exc::Overflow, &format!("{what} does not fit in 64 bits"));
        return None;
    }
    if v == -1 && !ffi::PyErr_Occurred().is_null() {
        return None;
    }
    Some(v)
}

/// The arguments of a `METH_FASTCALL | METH_KEYWORDS` method, by position or by name, in the
/// order of `names`; NULL where not given. The first `required` must be given.
///
/// # Safety
/// Attached; `args`, `nargs` and `kwnames` are what CPython passed to the method.
unsafe fn parse_args<const N: usize>(
    fname: &str,
    names: [&str; N],
    required: usize,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> Option<[*mut ffi::PyObject; N]> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let mut out = [ptr::null_mut(); N];
    let nargs = nargs as usize;
    if nargs > N {
        object::raise(a, Exc::Type, &format!("{fname}() takes at most {N} arguments ({nargs} given)"));
        return None;
    }
    for (i, slot) in out.iter_mut().enumerate().take(nargs) {
        *slot = *args.add(i);
    }
    if !kwnames.is_null() {
        for j in 0..ffi::PyTuple_GET_SIZE(kwnames) as usize {
            let kw = as_str(ffi::PyTuple_GET_ITEM(kwnames, j as ffi::Py_ssize_t))?;
            match names.iter().position(|n| *n == kw) {
                Some(i) if out[i].is_null() => out[i] = *args.add(nargs + j),
                Some(_) => {
                    object::raise(a, Exc::Type, &format!("{fname}() got multiple values for argument '{kw}'"));
                    return None;
                }
                None => {
                    object::raise(a, Exc::Type, &format!("{fname}() got an unexpected keyword argument '{kw}'"));
                    return None;
                }
            }
        }
    }
    if let Some(i) = out[..required].iter().position(|p| p.is_null()) {
        object::raise(a, Exc::Type, &format!("{fname}() missing required argument '{}'", names[i]));
        return None;
    }
    Some(out)
}

/// The `name` argument of a constructor: one `str`, by position or as `name=`.
///
/// # Safety
/// Attached; `args` is a tuple and `kwargs` NULL or a dict (as `tp_new` receives them).
unsafe fn name_arg<'a>(tname: &str, args: *mut ffi::PyObject, kwargs: *mut ffi::PyObject) -> Option<&'a str> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let nkw = if kwargs.is_null() { 0 } else { ffi::PyDict_Size(kwargs) };
    let nargs = ffi::PyTuple_Size(args);
    let mut name: *mut ffi::PyObject = ptr::null_mut();
    if nargs == 1 && nkw == 0 {
        name = ffi::PyTuple_GET_ITEM(args, 0);
    } else if nargs == 0 && nkw == 1 {
        let mut pos: ffi::Py_ssize_t = 0;
        let mut k: *mut ffi::PyObject = ptr::null_mut();
        let mut v: *mut ffi::PyObject = ptr::null_mut();
        if ffi::PyDict_Next(kwargs, &mut pos, &mut k, &mut v) != 0
            && ffi::PyUnicode_Check(k) != 0
            && as_str(k) == Some("name")
        {
            name = v;
        }
    }
    if name.is_null() {
        if !ffi::PyErr_Occurred().is_null() {
            return None;
        }
        object::raise(a, Exc::Type, &format!("{tname}() takes exactly one argument: name (a str)"));
        return None;
    }
    if ffi::PyUnicode_Check(name) == 0 {
        object::raise(a, Exc::Type, &format!("{tname}() name must be str, not {}", type_name(name)));
        return None;
    }
    as_str(name)
}

/// Python's `repr()` of a text, e.g. `'hits'`.
///
/// # Safety
/// Attached.
unsafe fn py_repr(text: &str) -> Option<String> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let s = object::new_str(a, text)?;
    let r = PyObj::from_owned(ffi::PyObject_Repr(s.as_ptr()))?;
    as_str(r.as_ptr()).map(str::to_owned)
}

/// A new reference to `None`.
///
/// # Safety
/// Attached.
unsafe fn none() -> *mut ffi::PyObject {
    PyObj::from_borrowed(ffi::Py_None()).into_ptr()
}

// ---- values: Python -> Rust -> Python (copies) ---------------------------------------------

/// Copies a Python value into a [`Value`]; `TypeError` naming the type if it has no copy.
///
/// Runs no Python code (it reads exact contents through the C API), so the containers being
/// walked cannot change under it.
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn to_value(obj: *mut ffi::PyObject) -> Option<Value> {
    to_value_at(obj, 0)
}

unsafe fn to_value_at(obj: *mut ffi::PyObject, depth: usize) -> Option<Value> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    if depth > MAX_DEPTH {
        object::raise(a, Exc::Value, "SharedDict value is nested too deeply (or contains itself)");
        return None;
    }
    if obj == ffi::Py_None() {
        return Some(Value::None);
    }
    if obj == ffi::Py_True() {
        return Some(Value::Bool(true));
    }
    if obj == ffi::Py_False() {
        return Some(Value::Bool(false));
    }
    // Subclasses (str/int Enums, OrderedDict, ...) are stored as their base type.
    if ffi::PyUnicode_Check(obj) != 0 {
        return as_str(obj).map(|s| Value::Str(s.to_owned()));
    }
    if ffi::PyLong_Check(obj) != 0 {
        let mut overflow: c_int = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
        if overflow == 0 {
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                return None;
            }
            return Some(Value::Int(v));
        }
        // beyond 64 bits: exact decimal text (PyNumber_ToBase does not call __str__/__repr__)
        let text = PyObj::from_owned(ffi::PyNumber_ToBase(obj, 10))?;
        return as_str(text.as_ptr()).map(|s| Value::BigInt(s.to_owned()));
    }
    if ffi::PyFloat_Check(obj) != 0 {
        return Some(Value::Float(ffi::PyFloat_AsDouble(obj)));
    }
    if ffi::PyBytes_Check(obj) != 0 {
        return Some(Value::Bytes(object::bytes_data(obj).to_vec()));
    }
    if ffi::PyList_Check(obj) != 0 {
        let mut items = Vec::with_capacity(ffi::PyList_GET_SIZE(obj) as usize);
        let mut i = 0;
        while i < ffi::PyList_GET_SIZE(obj) {
            items.push(to_value_at(ffi::PyList_GET_ITEM(obj, i), depth + 1)?);
            i += 1;
        }
        return Some(Value::List(items));
    }
    if ffi::PyTuple_Check(obj) != 0 {
        let n = ffi::PyTuple_GET_SIZE(obj);
        let mut items = Vec::with_capacity(n as usize);
        for i in 0..n {
            items.push(to_value_at(ffi::PyTuple_GET_ITEM(obj, i), depth + 1)?);
        }
        return Some(Value::List(items));
    }
    if ffi::PyDict_Check(obj) != 0 {
        let mut entries = Vec::with_capacity(ffi::PyDict_Size(obj) as usize);
        let mut pos: ffi::Py_ssize_t = 0;
        let mut k: *mut ffi::PyObject = ptr::null_mut();
        let mut v: *mut ffi::PyObject = ptr::null_mut();
        while ffi::PyDict_Next(obj, &mut pos, &mut k, &mut v) != 0 {
            if ffi::PyUnicode_Check(k) == 0 {
                object::raise(
                    a,
                    Exc::Type,
                    &format!("dict keys in a SharedDict value must be str, not {}", type_name(k)),
                );
                return None;
            }
            let key = as_str(k)?.to_owned();
            entries.push((key, to_value_at(v, depth + 1)?));
        }
        return Some(Value::Dict(entries));
    }
    object::raise(a, Exc::Type, &format!("SharedDict values must be {VALUE_TYPES}, not {}", type_name(obj)));
    None
}

/// A new Python object equal to `v`.
///
/// # Safety
/// Attached.
pub unsafe fn from_value(v: &Value) -> Option<PyObj> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    match v {
        Value::None => Some(PyObj::from_borrowed(ffi::Py_None())),
        Value::Bool(b) => Some(PyObj::from_borrowed(if *b { ffi::Py_True() } else { ffi::Py_False() })),
        Value::Int(i) => PyObj::from_owned(ffi::PyLong_FromLongLong(*i)),
        Value::BigInt(text) => {
            let c = std::ffi::CString::new(text.as_str()).ok()?;
            PyObj::from_owned(ffi::PyLong_FromString(c.as_ptr(), ptr::null_mut(), 10))
        }
        Value::Float(f) => PyObj::from_owned(ffi::PyFloat_FromDouble(*f)),
        Value::Str(s) => object::new_str(a, s),
        Value::Bytes(b) => object::new_bytes(a, b),
        Value::List(items) => {
            let list = PyObj::from_owned(ffi::PyList_New(items.len() as ffi::Py_ssize_t))?;
            for (i, item) in items.iter().enumerate() {
                ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, from_value(item)?.into_ptr());
            }
            Some(list)
        }
        Value::Dict(entries) => {
            let dict = PyObj::from_owned(ffi::PyDict_New())?;
            for (k, item) in entries {
                let k = object::new_str(a, k)?;
                let item = from_value(item)?;
                if ffi::PyDict_SetItem(dict.as_ptr(), k.as_ptr(), item.as_ptr()) != 0 {
                    return None;
                }
            }
            Some(dict)
        }
    }
}

unsafe fn value_ptr(v: &Value) -> *mut ffi::PyObject {
    from_value(v).map_or(ptr::null_mut(), PyObj::into_ptr)
}

// ---- SharedCounter -----------------------------------------------------------------------

/// # Safety
/// Attached; `obj` is an instance of a `SharedCounter` type.
unsafe fn counter<'a>(obj: *mut ffi::PyObject) -> &'a Counter {
    &(*(obj as *mut CounterObject)).store
}

unsafe extern "C" fn counter_new(
    subtype: *mut ffi::PyTypeObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: tp_new, attached; `subtype` is our SharedCounter type (it is not subclassable).
    let Some(name) = name_arg("SharedCounter", args, kwargs) else { return ptr::null_mut() };
    let store = shared_state::counter(name);
    let obj = ffi::PyType_GenericAlloc(subtype, 0);
    if obj.is_null() {
        return ptr::null_mut();
    }
    ptr::write(ptr::addr_of_mut!((*(obj as *mut CounterObject)).store), ManuallyDrop::new(store));
    obj
}

unsafe extern "C" fn counter_dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: called by CPython, attached, when the last reference goes; `store` was written
    // by `counter_new`, the only way to make an instance.
    ManuallyDrop::drop(&mut (*(obj as *mut CounterObject)).store);
    object::free_instance(obj);
}

unsafe extern "C" fn counter_add(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedCounter, attached.
    let n = if nargs == 0 && kwnames.is_null() {
        1
    } else {
        let Some([n]) = parse_args("add", ["n"], 0, args, nargs, kwnames) else { return ptr::null_mut() };
        if n.is_null() {
            1
        } else {
            match i64_arg(n, "SharedCounter.add(): n") {
                Some(n) => n,
                None => return ptr::null_mut(),
            }
        }
    };
    let c = counter(slf);
    match c.add(n) {
        Some(v) => ffi::PyLong_FromLongLong(v),
        None => {
            object::raise(
                a,
                Exc::Overflow,
                &format!("SharedCounter '{}' would overflow 64 bits (value {}, adding {n})", c.name(), c.get()),
            );
            ptr::null_mut()
        }
    }
}

unsafe extern "C" fn counter_get_value(obj: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: getter, attached, `obj` an instance of SharedCounter.
    ffi::PyLong_FromLongLong(counter(obj).get())
}

unsafe extern "C" fn counter_get_name(obj: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: getter, attached, `obj` an instance of SharedCounter.
    object::new_str(a, counter(obj).name()).map_or(ptr::null_mut(), PyObj::into_ptr)
}

unsafe extern "C" fn counter_repr(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: tp_repr, attached, `obj` an instance of SharedCounter.
    let c = counter(obj);
    let Some(name) = py_repr(c.name()) else { return ptr::null_mut() };
    object::new_str(a, &format!("SharedCounter({name}, value={})", c.get())).map_or(ptr::null_mut(), PyObj::into_ptr)
}

// ---- SharedDict --------------------------------------------------------------------------

/// # Safety
/// Attached; `obj` is an instance of a `SharedDict` type.
unsafe fn dict<'a>(obj: *mut ffi::PyObject) -> &'a SharedDict {
    &(*(obj as *mut DictObject)).store
}

unsafe extern "C" fn dict_new(
    subtype: *mut ffi::PyTypeObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: tp_new, attached; `subtype` is our SharedDict type (it is not subclassable).
    let Some(name) = name_arg("SharedDict", args, kwargs) else { return ptr::null_mut() };
    let store = shared_state::dict(name);
    let obj = ffi::PyType_GenericAlloc(subtype, 0);
    if obj.is_null() {
        return ptr::null_mut();
    }
    ptr::write(ptr::addr_of_mut!((*(obj as *mut DictObject)).store), ManuallyDrop::new(store));
    obj
}

unsafe extern "C" fn dict_dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: called by CPython, attached, when the last reference goes; `store` was written
    // by `dict_new`, the only way to make an instance.
    ManuallyDrop::drop(&mut (*(obj as *mut DictObject)).store);
    object::free_instance(obj);
}

/// `KeyError(key)`.
///
/// # Safety
/// Attached; `key` is a valid object.
unsafe fn key_error(key: *mut ffi::PyObject) {
    // a tuple argument would be unpacked by PyErr_SetObject: wrap it like dict does
    let arg = PyObj::from_owned(ffi::PyTuple_New(1));
    if let Some(arg) = arg {
        ffi::Py_INCREF(key);
        ffi::PyTuple_SET_ITEM(arg.as_ptr(), 0, key);
        ffi::PyErr_SetObject(ffi::PyExc_KeyError, arg.as_ptr());
    }
}

unsafe extern "C" fn dict_subscript(slf: *mut ffi::PyObject, k: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: mp_subscript, attached, `slf` an instance of SharedDict.
    let Some(key_s) = key(k) else { return ptr::null_mut() };
    match dict(slf).get(key_s) {
        Some(v) => value_ptr(&v),
        None => {
            key_error(k);
            ptr::null_mut()
        }
    }
}

unsafe extern "C" fn dict_ass_subscript(
    slf: *mut ffi::PyObject,
    k: *mut ffi::PyObject,
    v: *mut ffi::PyObject,
) -> c_int {
    // SAFETY: mp_ass_subscript, attached, `slf` an instance of SharedDict; `v` NULL = delete.
    let Some(key_s) = key(k) else { return -1 };
    if v.is_null() {
        if dict(slf).remove(key_s).is_none() {
            key_error(k);
            return -1;
        }
        return 0;
    }
    let Some(value) = to_value(v) else { return -1 };
    drop(dict(slf).set(key_s, value)); // the old value, dropped with the stripe unlocked
    0
}

unsafe extern "C" fn dict_length(slf: *mut ffi::PyObject) -> ffi::Py_ssize_t {
    // SAFETY: mp_length, attached, `slf` an instance of SharedDict.
    dict(slf).len() as ffi::Py_ssize_t
}

unsafe extern "C" fn dict_contains(slf: *mut ffi::PyObject, k: *mut ffi::PyObject) -> c_int {
    // SAFETY: sq_contains, attached, `slf` an instance of SharedDict.
    let Some(key_s) = key(k) else { return -1 };
    dict(slf).contains(key_s) as c_int
}

unsafe extern "C" fn dict_get(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedDict, attached.
    let Some([k, default]) = parse_args("get", ["key", "default"], 1, args, nargs, kwnames) else {
        return ptr::null_mut();
    };
    let Some(key_s) = key(k) else { return ptr::null_mut() };
    match dict(slf).get(key_s) {
        Some(v) => value_ptr(&v),
        None if default.is_null() => none(),
        None => PyObj::from_borrowed(default).into_ptr(),
    }
}

unsafe extern "C" fn dict_set(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedDict, attached.
    let Some([k, v]) = parse_args("set", ["key", "value"], 2, args, nargs, kwnames) else {
        return ptr::null_mut();
    };
    if dict_ass_subscript(slf, k, v) != 0 {
        return ptr::null_mut();
    }
    none()
}

unsafe extern "C" fn dict_pop(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedDict, attached.
    let Some([k, default]) = parse_args("pop", ["key", "default"], 1, args, nargs, kwnames) else {
        return ptr::null_mut();
    };
    let Some(key_s) = key(k) else { return ptr::null_mut() };
    match dict(slf).remove(key_s) {
        Some(v) => value_ptr(&v),
        None if default.is_null() => {
            key_error(k);
            ptr::null_mut()
        }
        None => PyObj::from_borrowed(default).into_ptr(),
    }
}

unsafe extern "C" fn dict_setdefault(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedDict, attached.
    let Some([k, default]) = parse_args("setdefault", ["key", "default"], 1, args, nargs, kwnames) else {
        return ptr::null_mut();
    };
    let Some(key_s) = key(k) else { return ptr::null_mut() };
    let default = if default.is_null() { Some(Value::None) } else { to_value(default) };
    let Some(default) = default else { return ptr::null_mut() };
    value_ptr(&dict(slf).setdefault(key_s, default))
}

unsafe extern "C" fn dict_incr(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_FASTCALL | METH_KEYWORDS method of SharedDict, attached.
    let Some([k, n]) = parse_args("incr", ["key", "n"], 1, args, nargs, kwnames) else {
        return ptr::null_mut();
    };
    let Some(key_s) = key(k) else { return ptr::null_mut() };
    let n = if n.is_null() { Some(1) } else { i64_arg(n, "SharedDict.incr(): n") };
    let Some(n) = n else { return ptr::null_mut() };
    match dict(slf).incr(key_s, n) {
        Ok(v) => ffi::PyLong_FromLongLong(v),
        Err(IncrError::NotInt) => {
            object::raise(a, Exc::Type, &format!("SharedDict.incr(): the value of {key_s:?} is not an int of 64 bits"));
            ptr::null_mut()
        }
        Err(IncrError::Overflow) => {
            object::raise(a, Exc::Overflow, &format!("SharedDict.incr(): {key_s:?} would overflow 64 bits"));
            ptr::null_mut()
        }
    }
}

/// A list built from `items` by `f`.
///
/// # Safety
/// Attached.
unsafe fn new_list<T>(items: &[T], f: impl Fn(&T) -> Option<PyObj>) -> *mut ffi::PyObject {
    let Some(list) = PyObj::from_owned(ffi::PyList_New(items.len() as ffi::Py_ssize_t)) else {
        return ptr::null_mut();
    };
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = f(item) else { return ptr::null_mut() };
        ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, obj.into_ptr());
    }
    list.into_ptr()
}

unsafe extern "C" fn dict_keys(slf: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_NOARGS method of SharedDict, attached.
    new_list(&dict(slf).keys(), |k| object::new_str(a, k))
}

unsafe extern "C" fn dict_values(slf: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_NOARGS method of SharedDict, attached.
    new_list(&dict(slf).items(), |(_, v)| from_value(v))
}

unsafe extern "C" fn dict_items(slf: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: METH_NOARGS method of SharedDict, attached.
    new_list(&dict(slf).items(), |(k, v)| {
        let k = object::new_str(a, k)?;
        let v = from_value(v)?;
        let pair = PyObj::from_owned(ffi::PyTuple_New(2))?;
        ffi::PyTuple_SET_ITEM(pair.as_ptr(), 0, k.into_ptr());
        ffi::PyTuple_SET_ITEM(pair.as_ptr(), 1, v.into_ptr());
        Some(pair)
    })
}

unsafe extern "C" fn dict_clear(slf: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_NOARGS method of SharedDict, attached.
    dict(slf).clear();
    none()
}

unsafe extern "C" fn dict_iter(slf: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: tp_iter, attached: an iterator over a snapshot of the keys.
    let Some(keys) = PyObj::from_owned(dict_keys(slf, ptr::null_mut())) else { return ptr::null_mut() };
    ffi::PyObject_GetIter(keys.as_ptr())
}

unsafe extern "C" fn dict_get_name(obj: *mut ffi::PyObject, _closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: getter, attached, `obj` an instance of SharedDict.
    object::new_str(a, dict(obj).name()).map_or(ptr::null_mut(), PyObj::into_ptr)
}

unsafe extern "C" fn dict_repr(obj: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached.
    let a = &unsafe { Attached::assume() };
    // SAFETY: tp_repr, attached, `obj` an instance of SharedDict.
    let Some(name) = py_repr(dict(obj).name()) else { return ptr::null_mut() };
    object::new_str(a, &format!("SharedDict({name})")).map_or(ptr::null_mut(), PyObj::into_ptr)
}

// ---- the types -----------------------------------------------------------------------------

/// Slot tables, built once per process and leaked: CPython keeps pointers into them for the
/// life of the types, in every interpreter. Stored as addresses (raw pointers are not `Sync`).
struct Tables {
    counter_slots: usize,
    dict_slots: usize,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let getset = |name: &'static std::ffi::CStr, f: ffi::getter, doc: &'static std::ffi::CStr| ffi::PyGetSetDef {
            name: name.as_ptr(),
            get: Some(f),
            set: None,
            doc: doc.as_ptr(),
            closure: ptr::null_mut(),
        };
        let end_getset =
            || ffi::PyGetSetDef { name: ptr::null(), get: None, set: None, doc: ptr::null(), closure: ptr::null_mut() };
        let method = super::module::method;
        let fast = ffi::METH_FASTCALL | ffi::METH_KEYWORDS;
        let leak = |v: Vec<ffi::PyType_Slot>| Box::leak(v.into_boxed_slice()).as_mut_ptr() as usize;
        let slot = |slot: c_int, pfunc: *mut c_void| ffi::PyType_Slot { slot, pfunc };

        let counter_methods = Box::leak(
            vec![
                method(crate::cstr!("add"), counter_add as *mut c_void, fast,
                       crate::cstr!("add(n=1) -> int\n\nAtomically adds n (which may be negative) and returns the new value. OverflowError instead of wrapping past 64 bits.")),
                ffi::PyMethodDef::zeroed(),
            ]
            .into_boxed_slice(),
        )
        .as_mut_ptr();
        let counter_getset = Box::leak(
            vec![
                getset(crate::cstr!("value"), counter_get_value, crate::cstr!("The current value.")),
                getset(crate::cstr!("name"), counter_get_name, crate::cstr!("The counter's name.")),
                end_getset(),
            ]
            .into_boxed_slice(),
        )
        .as_mut_ptr();
        let counter_slots = leak(vec![
            slot(ffi::Py_tp_new, counter_new as *mut c_void),
            slot(ffi::Py_tp_dealloc, counter_dealloc as *mut c_void),
            slot(ffi::Py_tp_methods, counter_methods as *mut c_void),
            slot(ffi::Py_tp_getset, counter_getset as *mut c_void),
            slot(ffi::Py_tp_repr, counter_repr as *mut c_void),
            slot(
                ffi::Py_tp_doc,
                crate::cstr!("SharedCounter(name)\n\nA 64-bit integer counter shared by every core of the process: the same name is the same counter everywhere.").as_ptr() as *mut c_void,
            ),
            slot(0, ptr::null_mut()),
        ]);

        let dict_methods = Box::leak(
            vec![
                method(crate::cstr!("get"), dict_get as *mut c_void, fast,
                       crate::cstr!("get(key, default=None)\n\nA copy of the value under key, or default.")),
                method(crate::cstr!("set"), dict_set as *mut c_void, fast,
                       crate::cstr!("set(key, value)\n\nStores a copy of value under key (same as d[key] = value).")),
                method(crate::cstr!("pop"), dict_pop as *mut c_void, fast,
                       crate::cstr!("pop(key[, default])\n\nRemoves key and returns its value; default (or KeyError) if missing.")),
                method(crate::cstr!("setdefault"), dict_setdefault as *mut c_void, fast,
                       crate::cstr!("setdefault(key, default=None)\n\nThe value under key, atomically storing default first if there is none.")),
                method(crate::cstr!("incr"), dict_incr as *mut c_void, fast,
                       crate::cstr!("incr(key, n=1) -> int\n\nAtomically adds n to the int under key (missing counts as 0) and returns the new value.")),
                method(crate::cstr!("keys"), dict_keys as *mut c_void, ffi::METH_NOARGS,
                       crate::cstr!("keys() -> list[str]\n\nA snapshot of the keys (no particular order).")),
                method(crate::cstr!("values"), dict_values as *mut c_void, ffi::METH_NOARGS,
                       crate::cstr!("values() -> list\n\nCopies of the values (no particular order).")),
                method(crate::cstr!("items"), dict_items as *mut c_void, ffi::METH_NOARGS,
                       crate::cstr!("items() -> list[tuple[str, object]]\n\nA snapshot of the entries (no particular order).")),
                method(crate::cstr!("clear"), dict_clear as *mut c_void, ffi::METH_NOARGS,
                       crate::cstr!("clear()\n\nRemoves every entry.")),
                ffi::PyMethodDef::zeroed(),
            ]
            .into_boxed_slice(),
        )
        .as_mut_ptr();
        let dict_getset = Box::leak(
            vec![getset(crate::cstr!("name"), dict_get_name, crate::cstr!("The dict's name.")), end_getset()]
                .into_boxed_slice(),
        )
        .as_mut_ptr();
        let dict_slots = leak(vec![
            slot(ffi::Py_tp_new, dict_new as *mut c_void),
            slot(ffi::Py_tp_dealloc, dict_dealloc as *mut c_void),
            slot(ffi::Py_tp_methods, dict_methods as *mut c_void),
            slot(ffi::Py_tp_getset, dict_getset as *mut c_void),
            slot(ffi::Py_tp_repr, dict_repr as *mut c_void),
            slot(ffi::Py_tp_iter, dict_iter as *mut c_void),
            slot(ffi::Py_mp_length, dict_length as *mut c_void),
            slot(ffi::Py_mp_subscript, dict_subscript as *mut c_void),
            slot(ffi::Py_mp_ass_subscript, dict_ass_subscript as *mut c_void),
            slot(ffi::Py_sq_contains, dict_contains as *mut c_void),
            slot(
                ffi::Py_tp_doc,
                crate::cstr!("SharedDict(name)\n\nA dict with str keys shared by every core of the process: the same name is the same dict everywhere. Values (str, bytes, int, float, bool, None, lists and dicts of them) are copied in and out.").as_ptr() as *mut c_void,
            ),
            slot(0, ptr::null_mut()),
        ]);
        Tables { counter_slots, dict_slots }
    })
}

/// Creates this interpreter's `SharedCounter` and `SharedDict` types and adds them to
/// `module`. Returns -1 with an exception set on failure.
///
/// # Safety
/// Attached; `module` is the `_native` module being executed.
pub unsafe fn add_types(module: *mut ffi::PyObject) -> c_int {
    let t = tables();
    let flags = (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_IMMUTABLETYPE) as _;
    let mut specs = [
        (
            crate::cstr!("SharedCounter"),
            ffi::PyType_Spec {
                name: crate::cstr!("fasterapi._native.SharedCounter").as_ptr(),
                basicsize: std::mem::size_of::<CounterObject>() as c_int,
                itemsize: 0,
                flags,
                slots: t.counter_slots as *mut ffi::PyType_Slot,
            },
        ),
        (
            crate::cstr!("SharedDict"),
            ffi::PyType_Spec {
                name: crate::cstr!("fasterapi._native.SharedDict").as_ptr(),
                basicsize: std::mem::size_of::<DictObject>() as c_int,
                itemsize: 0,
                flags,
                slots: t.dict_slots as *mut ffi::PyType_Slot,
            },
        ),
    ];
    for (name, spec) in specs.iter_mut() {
        let Some(ty) = PyObj::from_owned(ffi::PyType_FromModuleAndSpec(module, spec, ptr::null_mut())) else {
            return -1;
        };
        if ffi::PyModule_AddObjectRef(module, name.as_ptr(), ty.as_ptr()) != 0 {
            return -1;
        }
    }
    0
}
