//! Where validation errors go: pydantic-shaped dicts appended to a Python list, located by
//! the path the validator is at (the request's prefix, e.g. `("body",)`, then keys and
//! indexes pushed and popped as the validator descends).

use pyo3_ffi as ffi;

use std::ffi::CStr;

use super::super::interpreter::Attached;
use super::super::object::{self, PyObj};

/// Why a validator stopped: its errors are recorded, or a Python exception is pending
/// (raised by user code or out of memory) and must propagate as is.
pub enum Stop {
    Invalid,
    Raised,
}

pub type Res = Result<PyObj, Stop>;

/// One step of a location: a key (a field name, an alias, a dict key, a union label) or an index.
#[derive(Clone, Copy)]
pub enum Loc {
    /// Borrowed: the object outlives the validation call (it belongs to the input or to a node).
    Key(*mut ffi::PyObject),
    Index(isize),
}

/// The state of one validation call.
pub struct Run {
    /// The input came from JSON (`model_validate_json`) rather than Python objects.
    pub json: bool,
    pub errors: PyObj,
    pub loc: Vec<Loc>,
    pub prefix: Option<PyObj>,
    pub depth: usize,
    /// `FAILED`, what Python leaf validators return after appending their errors.
    pub failed: *mut ffi::PyObject,
    /// "json" or "python" for `ValidationInfo.mode`, made on first use (few fields ask).
    mode_name: std::cell::OnceCell<PyObj>,
    /// `model_validate(..., strict=True)`: every node strict for this call.
    pub strict: bool,
    /// `model_validate(..., from_attributes=True)`.
    pub from_attributes: bool,
}

/// Nesting beyond this is refused with pydantic's `recursion_depth_exceeded` error rather than
/// risking the thread's stack (self-referencing models can nest as deep as the input).
pub const MAX_DEPTH: usize = 255;

impl Run {
    /// # Safety
    /// Attached; `failed` is a valid object that outlives the run.
    pub unsafe fn new(json: bool, prefix: Option<PyObj>, failed: *mut ffi::PyObject) -> Option<Run> {
        Some(Run {
            json,
            errors: PyObj::from_owned(ffi::PyList_New(0))?,
            loc: Vec::with_capacity(8),
            prefix,
            depth: 0,
            failed,
            mode_name: std::cell::OnceCell::new(),
            strict: false,
            from_attributes: false,
        })
    }

    /// `ValidationInfo.mode`: "json" or "python" (NULL if it could not be made).
    pub fn mode_name(&self) -> *mut ffi::PyObject {
        let text = if self.json { "json" } else { "python" };
        // SAFETY: attached (a Run only exists inside a validation call).
        let a = unsafe { &Attached::assume() };
        match self.mode_name.get() {
            Some(name) => name.as_ptr(),
            None => match object::new_str(a, text) {
                Some(name) => self.mode_name.get_or_init(|| name).as_ptr(),
                None => std::ptr::null_mut(),
            },
        }
    }

    pub fn error_count(&self) -> isize {
        // SAFETY: attached (a Run only exists inside a validation call); errors is a list.
        unsafe { ffi::PyList_Size(self.errors.as_ptr()) }
    }

    /// Drops the errors recorded after `count` (a union member that failed before another matched).
    pub fn truncate(&self, count: isize) {
        // SAFETY: attached; errors is a list and `count` <= its length.
        unsafe {
            ffi::PyList_SetSlice(
                self.errors.as_ptr(),
                count,
                ffi::PyList_Size(self.errors.as_ptr()),
                std::ptr::null_mut(),
            );
        }
    }

    /// The current location as a list (prefix + path), for an error dict.
    ///
    /// # Safety
    /// Attached.
    pub unsafe fn loc_list(&self) -> Option<PyObj> {
        let list = PyObj::from_owned(ffi::PyList_New(0))?;
        if let Some(prefix) = &self.prefix {
            for i in 0..ffi::PyTuple_Size(prefix.as_ptr()) {
                ffi::PyList_Append(list.as_ptr(), ffi::PyTuple_GetItem(prefix.as_ptr(), i));
            }
        }
        for step in &self.loc {
            let item = match *step {
                Loc::Key(k) => PyObj::from_borrowed(k),
                Loc::Index(i) => PyObj::from_owned(ffi::PyLong_FromSsize_t(i))?,
            };
            if ffi::PyList_Append(list.as_ptr(), item.as_ptr()) != 0 {
                return None;
            }
        }
        Some(list)
    }

    /// The current location as a tuple (what Python leaf validators receive).
    ///
    /// # Safety
    /// Attached.
    pub unsafe fn loc_tuple(&self) -> Option<PyObj> {
        let list = self.loc_list()?;
        PyObj::from_owned(ffi::PyList_AsTuple(list.as_ptr()))
    }

    /// Records `{"type", "loc", "msg", "input"[, "ctx"]}` at the current location; returns
    /// `Stop::Invalid`, or `Stop::Raised` if building the error itself failed.
    ///
    /// # Safety
    /// Attached; `input` is a valid object.
    pub unsafe fn fail(&self, kind: &str, msg: &str, input: *mut ffi::PyObject, ctx: &[(&CStr, PyObj)]) -> Stop {
        match self.record(kind, msg, input, ctx) {
            Some(()) => Stop::Invalid,
            None => Stop::Raised,
        }
    }

    unsafe fn record(&self, kind: &str, msg: &str, input: *mut ffi::PyObject, ctx: &[(&CStr, PyObj)]) -> Option<()> {
        let a = &Attached::assume();
        let error = PyObj::from_owned(ffi::PyDict_New())?;
        let d = error.as_ptr();
        set(d, c"type", object::new_str(a, kind)?)?;
        set(d, c"loc", self.loc_list()?)?;
        set(d, c"msg", object::new_str(a, msg)?)?;
        set(d, c"input", PyObj::from_borrowed(input))?;
        if !ctx.is_empty() {
            let c = PyObj::from_owned(ffi::PyDict_New())?;
            for (k, v) in ctx {
                set(c.as_ptr(), k, PyObj::from_borrowed(v.as_ptr()))?;
            }
            set(d, c"ctx", c)?;
        }
        (ffi::PyList_Append(self.errors.as_ptr(), d) == 0).then_some(())
    }
}

/// # Safety
/// Attached; `d` is a dict.
unsafe fn set(d: *mut ffi::PyObject, key: &CStr, value: PyObj) -> Option<()> {
    (ffi::PyDict_SetItemString(d, key.as_ptr(), value.as_ptr()) == 0).then_some(())
}

/// `str(obj)` as Rust text ("?" if it cannot be rendered).
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn display(obj: *mut ffi::PyObject) -> String {
    match PyObj::from_owned(ffi::PyObject_Str(obj)) {
        Some(s) => String::from_utf8_lossy(object::str_utf8(s.as_ptr()).unwrap_or(b"?")).into_owned(),
        None => {
            ffi::PyErr_Clear();
            "?".into()
        }
    }
}

/// pydantic's "1 character" / "3 characters".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A new `int` object for error contexts.
///
/// # Safety
/// Attached.
pub unsafe fn int_obj(n: usize) -> Option<PyObj> {
    PyObj::from_owned(ffi::PyLong_FromSize_t(n))
}

/// A new `str` object for error contexts.
///
/// # Safety
/// Attached.
pub unsafe fn str_obj(s: &str) -> Option<PyObj> {
    object::new_str(&Attached::assume(), s)
}
