//! Owned references and small helpers over the C API.

use pyo3_ffi as ffi;

use super::interpreter::Attached;
use std::ffi::{c_char, CStr};
use std::ptr::NonNull;

/// A strong reference to a Python object. Dropping it decrements the reference count, so it
/// must be dropped while attached to the interpreter that owns the object.
pub struct PyObj(NonNull<ffi::PyObject>);

impl PyObj {
    /// Takes ownership of a new reference; `None` if the pointer is NULL (a Python error is set).
    ///
    /// # Safety
    /// `ptr` is NULL or a new (owned) reference, and the caller is attached.
    pub unsafe fn from_owned(ptr: *mut ffi::PyObject) -> Option<PyObj> {
        NonNull::new(ptr).map(PyObj)
    }

    /// Takes a new reference to a borrowed object.
    ///
    /// # Safety
    /// `ptr` is a valid object and the caller is attached.
    pub unsafe fn from_borrowed(ptr: *mut ffi::PyObject) -> PyObj {
        ffi::Py_INCREF(ptr);
        PyObj(NonNull::new_unchecked(ptr))
    }

    pub fn as_ptr(&self) -> *mut ffi::PyObject {
        self.0.as_ptr()
    }

    /// Gives up ownership (e.g. to return the reference to CPython).
    pub fn into_ptr(self) -> *mut ffi::PyObject {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }
}

impl Drop for PyObj {
    fn drop(&mut self) {
        // SAFETY: attached (type-level convention above); we own one reference.
        unsafe { ffi::Py_DECREF(self.0.as_ptr()) }
    }
}

/// `CStr` literal helper: `cstr!("name")`.
#[macro_export]
macro_rules! cstr {
    ($s:literal) => {{
        const C: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(concat!($s, "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("interior NUL in cstr! literal"),
        };
        C
    }};
}

/// A new `str` from UTF-8 (invalid sequences are replaced).
pub fn new_str(_attached: &Attached<'_>, s: &str) -> Option<PyObj> {
    // SAFETY: attached (proof); the pointer and length describe `s`.
    unsafe {
        PyObj::from_owned(ffi::PyUnicode_FromStringAndSize(s.as_ptr() as *const c_char, s.len() as ffi::Py_ssize_t))
    }
}

/// A new `str` decoded as Latin-1 (how HTTP header values are exposed, like Starlette).
pub fn new_latin1(_attached: &Attached<'_>, b: &[u8]) -> Option<PyObj> {
    // SAFETY: attached (proof); the pointer and length describe `b`.
    unsafe {
        PyObj::from_owned(ffi::PyUnicode_DecodeLatin1(
            b.as_ptr() as *const c_char,
            b.len() as ffi::Py_ssize_t,
            std::ptr::null(),
        ))
    }
}

/// A new `bytes`.
pub fn new_bytes(_attached: &Attached<'_>, b: &[u8]) -> Option<PyObj> {
    // SAFETY: attached (proof); the pointer and length describe `b`.
    unsafe {
        PyObj::from_owned(ffi::PyBytes_FromStringAndSize(b.as_ptr() as *const c_char, b.len() as ffi::Py_ssize_t))
    }
}

/// Borrows the UTF-8 of a `str` (cached inside the object; valid while the object lives).
///
/// # Safety
/// Attached; `obj` is a `str`.
pub unsafe fn str_utf8<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    let mut len: ffi::Py_ssize_t = 0;
    let p = ffi::PyUnicode_AsUTF8AndSize(obj, &mut len);
    if p.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(p as *const u8, len as usize))
    }
}

/// Borrows the contents of a `bytes` (valid while the object lives).
///
/// # Safety
/// Attached; `obj` is a `bytes`.
pub unsafe fn bytes_data<'a>(obj: *mut ffi::PyObject) -> &'a [u8] {
    let p = ffi::PyBytes_AsString(obj);
    let n = ffi::PyBytes_Size(obj);
    std::slice::from_raw_parts(p as *const u8, n as usize)
}

/// A JSON document handed over as `bytes`, `bytearray` or `str`.
pub enum TextInput<'a> {
    /// Its bytes (a `str`'s UTF-8), valid while the object lives, unchanged.
    Bytes(&'a [u8]),
    /// Another type: the caller words the `TypeError`.
    WrongType,
    /// A `str` that cannot be encoded (a lone surrogate): an exception is pending.
    Raised,
}

/// Borrows the bytes of a JSON document given as `bytes`, `bytearray` or `str`.
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn text_bytes<'a>(obj: *mut ffi::PyObject) -> TextInput<'a> {
    if ffi::PyBytes_Check(obj) != 0 {
        TextInput::Bytes(bytes_data(obj))
    } else if ffi::PyUnicode_Check(obj) != 0 {
        str_utf8(obj).map_or(TextInput::Raised, TextInput::Bytes)
    } else if ffi::PyByteArray_Check(obj) != 0 {
        let data = ffi::PyByteArray_AsString(obj) as *const u8;
        TextInput::Bytes(std::slice::from_raw_parts(data, ffi::PyByteArray_Size(obj) as usize))
    } else {
        TextInput::WrongType
    }
}

/// An interned `str` (for attribute and keyword names looked up on every request).
pub fn intern(_attached: &Attached<'_>, name: &CStr) -> Option<PyObj> {
    // SAFETY: attached (proof); `name` is a C string.
    unsafe { PyObj::from_owned(ffi::PyUnicode_InternFromString(name.as_ptr())) }
}

/// Frees an instance of one of our heap types (the `tp_dealloc` tail): `tp_free`, then the
/// reference every heap-type instance holds on its type.
///
/// # Safety
/// Attached; `obj` is being deallocated and its Rust fields are already dropped.
pub unsafe fn free_instance(obj: *mut ffi::PyObject) {
    let ty = ffi::Py_TYPE(obj);
    let free: ffi::freefunc = std::mem::transmute(ffi::PyType_GetSlot(ty, ffi::Py_tp_free));
    free(obj as *mut std::ffi::c_void);
    ffi::Py_DECREF(ty as *mut ffi::PyObject);
}

/// Imports a module.
pub fn import(_attached: &Attached<'_>, name: &CStr) -> Option<PyObj> {
    // SAFETY: attached (proof); `name` is a C string.
    unsafe { PyObj::from_owned(ffi::PyImport_ImportModule(name.as_ptr())) }
}

/// `getattr(obj, name)`.
///
/// # Safety
/// Attached.
pub unsafe fn getattr(obj: *mut ffi::PyObject, name: &CStr) -> Option<PyObj> {
    PyObj::from_owned(ffi::PyObject_GetAttrString(obj, name.as_ptr()))
}

/// Takes the pending exception and renders it as `TypeName: message` (one line); a generic
/// text if none is set.
pub fn take_error_line(_attached: &Attached<'_>) -> String {
    // SAFETY: attached (proof); every object made here is dropped before returning.
    unsafe {
        let exc = ffi::PyErr_GetRaisedException();
        if exc.is_null() {
            return "unknown error".into();
        }
        let exc = PyObj::from_owned(exc).unwrap();
        let ty = ffi::Py_TYPE(exc.as_ptr());
        let name = CStr::from_ptr((*ty).tp_name).to_string_lossy().into_owned();
        let msg = match PyObj::from_owned(ffi::PyObject_Str(exc.as_ptr())) {
            Some(s) => str_utf8(s.as_ptr()).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default(),
            None => {
                ffi::PyErr_Clear();
                String::new()
            }
        };
        let name = name.rsplit('.').next().unwrap_or(&name).to_owned();
        if msg.is_empty() {
            name
        } else {
            format!("{name}: {}", msg.lines().next().unwrap_or(""))
        }
    }
}

/// The exception types the bridge raises itself.
#[derive(Debug, Clone, Copy)]
pub enum Exc {
    Type,
    Value,
    Runtime,
    Overflow,
    OS,
}

/// Raises `exc(message)`.
pub fn raise(_attached: &Attached<'_>, exc: Exc, message: &str) {
    let msg = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: attached (proof); the exception types are CPython's static type objects.
    unsafe {
        let ty = match exc {
            Exc::Type => ffi::PyExc_TypeError,
            Exc::Value => ffi::PyExc_ValueError,
            Exc::Runtime => ffi::PyExc_RuntimeError,
            Exc::Overflow => ffi::PyExc_OverflowError,
            Exc::OS => ffi::PyExc_OSError,
        };
        ffi::PyErr_SetString(ty, msg.as_ptr());
    }
}
