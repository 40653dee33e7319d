//! Native parameter plans: path and query values the bridge converts itself.
//!
//! The Python side (`fasterapi/_fastpath.py`) hands over, per route, which parameters to read
//! and how to convert them. Only unambiguous text is converted here; anything else (and any
//! missing required value) makes the route fall back to its Python handler, which accepts,
//! converts or reports exactly as it always does. So a plan can make a request faster but
//! never answer it differently.

use pyo3_ffi as ffi;

use super::interpreter::Attached;

use super::object::{self, PyObj};
use server::Request;

/// A route whose path/query parameters are converted here and passed positionally to
/// `call(request, *values)`. When a value is missing or not in the unambiguous form, the
/// ordinary Python handler answers instead, so the plan never changes an answer.
pub struct NativePlan {
    pub call: PyObj,
    params: Vec<NativeParam>,
    any_query: bool,
}

struct NativeParam {
    key: String,
    in_query: bool,
    kind: NativeKind,
    /// `None`: required (a missing value goes to the Python handler, which reports it).
    default: Option<PyObj>,
}

#[derive(Clone, Copy)]
enum NativeKind {
    Str,
    Int,
    Float,
}

/// Reads `(call, ((key, in_query, kind, required, default), ...))` or `None`.
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn read_native_plan(obj: *mut ffi::PyObject) -> Result<Option<NativePlan>, String> {
    if obj == ffi::Py_None() {
        return Ok(None);
    }
    let bad = || "native plan must be (call, ((key, in_query, kind, required, default), ...))".to_owned();
    if ffi::PyTuple_Check(obj) == 0 || ffi::PyTuple_Size(obj) != 2 {
        return Err(bad());
    }
    let call = PyObj::from_borrowed(ffi::PyTuple_GetItem(obj, 0));
    let entries = ffi::PyTuple_GetItem(obj, 1);
    if ffi::PyTuple_Check(entries) == 0 {
        return Err(bad());
    }
    let mut params = Vec::new();
    for i in 0..ffi::PyTuple_Size(entries) {
        let e = ffi::PyTuple_GetItem(entries, i);
        if ffi::PyTuple_Check(e) == 0 || ffi::PyTuple_Size(e) != 5 {
            return Err(bad());
        }
        let key = ffi::PyTuple_GetItem(e, 0);
        if ffi::PyUnicode_Check(key) == 0 {
            return Err(bad());
        }
        let key = String::from_utf8_lossy(object::str_utf8(key).ok_or_else(bad)?).into_owned();
        let in_query = ffi::PyObject_IsTrue(ffi::PyTuple_GetItem(e, 1)) == 1;
        let kind = match ffi::PyLong_AsLong(ffi::PyTuple_GetItem(e, 2)) {
            0 => NativeKind::Str,
            1 => NativeKind::Int,
            2 => NativeKind::Float,
            _ => {
                ffi::PyErr_Clear();
                return Err(bad());
            }
        };
        let required = ffi::PyObject_IsTrue(ffi::PyTuple_GetItem(e, 3)) == 1;
        let default = if required { None } else { Some(PyObj::from_borrowed(ffi::PyTuple_GetItem(e, 4))) };
        params.push(NativeParam { key, in_query, kind, default });
    }
    let any_query = params.iter().any(|p| p.in_query);
    Ok(Some(NativePlan { call, params, any_query }))
}

/// The plan's argument values for `request`: `None` to defer to the Python handler,
/// `Some(Err)` if Python failed to make an object (an exception is set).
///
/// # Safety
/// Attached to the interpreter that owns the plan's objects.
pub unsafe fn native_values(plan: &NativePlan, request: &Request) -> Option<Result<Vec<PyObj>, ()>> {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    let query = if plan.any_query { server::percent::parse_query(request.query()) } else { Vec::new() };
    let mut values = Vec::with_capacity(plan.params.len());
    for p in &plan.params {
        let raw: Option<&str> = if p.in_query {
            // The last of repeated keys, like `dict(pairs)` on the Python side.
            query.iter().rev().find(|(k, _)| *k == p.key).map(|(_, v)| v.as_str())
        } else {
            request.params.iter().find(|(k, _)| **k == *p.key).map(|(_, v)| v.as_str())
        };
        let value = match (raw, &p.default) {
            (None, Some(default)) => Some(PyObj::from_borrowed(default.as_ptr())),
            (None, None) => return None,
            (Some(text), _) => match p.kind {
                NativeKind::Str => object::new_str(a, text),
                NativeKind::Int => PyObj::from_owned(ffi::PyLong_FromLongLong(plain_int(text)?)),
                NativeKind::Float => PyObj::from_owned(ffi::PyFloat_FromDouble(plain_float(text)?)),
            },
        };
        match value {
            Some(v) => values.push(v),
            None => return Some(Err(())),
        }
    }
    Some(Ok(values))
}

/// `-?[0-9]{1,18}`: the integers whose meaning no validator could dispute.
fn plain_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `-?[0-9]+(.[0-9]+)?`: plain decimals, which Rust and Python round identically.
fn plain_float(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int_part, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{plain_float, plain_int};

    #[test]
    fn only_unambiguous_numbers_are_converted_natively() {
        assert_eq!(plain_int("123"), Some(123));
        assert_eq!(plain_int("-0"), Some(0));
        assert_eq!(plain_int("007"), Some(7));
        for deferred in ["", "-", "+5", " 7", "7 ", "1_000", "1.0", "١٢", "9999999999999999999"] {
            assert_eq!(plain_int(deferred), None, "{deferred:?}");
        }
        assert_eq!(plain_float("1.5"), Some(1.5));
        assert_eq!(plain_float("-2"), Some(-2.0));
        assert_eq!(plain_float("0.1"), Some(0.1));
        for deferred in ["", ".5", "5.", "1e3", "inf", "nan", "+1.0", "1.2.3", " 1"] {
            assert_eq!(plain_float(deferred), None, "{deferred:?}");
        }
    }
}
