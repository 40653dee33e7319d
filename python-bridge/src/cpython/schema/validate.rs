//! Validation: a value (Python objects, or what the JSON parser made of a body) checked and
//! converted against a compiled `Node`, following pydantic's lax mode and error shapes.
//!
//! Every function returns the converted value (a new reference) or `Stop`: errors recorded in
//! the `Run` (validation goes on to collect every error of a document, as pydantic does) or a
//! Python exception pending (user code raised something that is not a validation error).

use pyo3_ffi as ffi;

use std::ffi::CStr;
use std::ptr;

use super::super::object::PyObj;
use super::errors::{display, int_obj, plural, str_obj, Loc, Res, Run, Stop, MAX_DEPTH};
use super::node::{
    Choice, Construct, Default, Extra, Field, FuncValidator, Lengths, Mode, ModelBody, ModelRef, Node, Numeric,
    Pattern, SeqKind, StrRules,
};

/// # Safety
/// Attached; `v` is a valid object.
pub unsafe fn validate(node: &Node, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    match node {
        Node::Any => Ok(PyObj::from_borrowed(v)),
        Node::None => {
            if v == ffi::Py_None() {
                Ok(PyObj::from_borrowed(v))
            } else {
                let msg = if run.json { "Input should be null" } else { "Input should be None" };
                Err(run.fail("none_required", msg, v, &[]))
            }
        }
        Node::Bool { strict } => validate_bool(*strict || run.strict, v, run),
        Node::Int(num) => validate_int(num, v, run),
        Node::Float { num, allow_inf_nan } => validate_float(num, *allow_inf_nan, v, run),
        Node::Str(rules) => validate_str(rules, v, run),
        Node::Seq { kind, item, len, strict } => {
            nested(run, v, |run| validate_seq(*kind, item, *len, *strict || run.strict, v, run))
        }
        Node::Tuple { items, strict } => nested(run, v, |run| validate_tuple(items, *strict || run.strict, v, run)),
        Node::Dict { key, value, len } => nested(run, v, |run| validate_dict(key, value, *len, v, run)),
        Node::Nullable(inner) => {
            if v == ffi::Py_None() {
                Ok(PyObj::from_borrowed(v))
            } else {
                validate(inner, v, run)
            }
        }
        Node::Union { members } => validate_union(members, v, run),
        Node::Tagged { field, tags, members, expected } => validate_tagged(field, tags, members, expected, v, run),
        Node::Choice(choice) => validate_choice(choice, v, run),
        Node::Model(model) => nested(run, v, |run| validate_model(model, v, run)),
        Node::Python { func, fast, strict, .. } => {
            if let (Some(fast), true) = (fast, ffi::PyUnicode_CheckExact(v) != 0) {
                // Strict Python input takes no text; JSON input always does.
                if run.json || !(*strict || run.strict) {
                    if let Some(value) = super::super::object::str_utf8(v).and_then(|t| fast.parse(t)) {
                        return Ok(value);
                    }
                    ffi::PyErr_Clear();
                }
            }
            call_leaf(func, v, run)
        }
        Node::Validated { inner, validators } => {
            with_validators(validators, None, None, v, run, |v, run| validate(inner, v, run))
        }
    }
}

/// Runs `f` one level deeper, refusing inputs nested deeper than `MAX_DEPTH`.
unsafe fn nested(run: &mut Run, v: *mut ffi::PyObject, f: impl FnOnce(&mut Run) -> Res) -> Res {
    if run.depth >= MAX_DEPTH {
        return Err(run.fail(
            "recursion_depth_exceeded",
            "Recursion error - maximum validation depth exceeded",
            v,
            &[],
        ));
    }
    run.depth += 1;
    let out = f(run);
    run.depth -= 1;
    out
}

// ---- scalars --------------------------------------------------------------------------------

unsafe fn is_bool(v: *mut ffi::PyObject) -> bool {
    v == ffi::Py_True() || v == ffi::Py_False()
}

unsafe fn validate_bool(strict: bool, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    if is_bool(v) {
        return Ok(PyObj::from_borrowed(v));
    }
    const TYPE_MSG: &str = "Input should be a valid boolean";
    const PARSE_MSG: &str = "Input should be a valid boolean, unable to interpret input";
    if strict {
        return Err(run.fail("bool_type", TYPE_MSG, v, &[]));
    }
    let truth = if let Some(text) = text_of(v, run) {
        match text.trim_ascii().to_ascii_lowercase().as_slice() {
            b"1" | b"true" | b"on" | b"yes" | b"t" | b"y" => Some(true),
            b"0" | b"false" | b"off" | b"no" | b"f" | b"n" => Some(false),
            _ => None,
        }
    } else if ffi::PyLong_Check(v) != 0 {
        let mut overflow = 0;
        let n = ffi::PyLong_AsLongLongAndOverflow(v, &mut overflow);
        if overflow != 0 {
            return Err(run.fail("bool_type", TYPE_MSG, v, &[]));
        }
        match n {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    } else if ffi::PyFloat_Check(v) != 0 || is_decimal(v) {
        // Whole numbers follow the int rule; other numbers are not booleans at all.
        let f = ffi::PyFloat_AsDouble(PyObj::from_owned(ffi::PyNumber_Float(v)).ok_or(Stop::Raised)?.as_ptr());
        if !f.is_finite() || f.fract() != 0.0 || f.abs() >= I64_BOUND {
            return Err(run.fail("bool_type", TYPE_MSG, v, &[]));
        }
        match f {
            0.0 => Some(false),
            1.0 => Some(true),
            _ => None,
        }
    } else {
        return Err(run.fail("bool_type", TYPE_MSG, v, &[]));
    };
    match truth {
        Some(true) => Ok(PyObj::from_borrowed(ffi::Py_True())),
        Some(false) => Ok(PyObj::from_borrowed(ffi::Py_False())),
        None => Err(run.fail("bool_parsing", PARSE_MSG, v, &[])),
    }
}

/// The text of a `str`, or (Python input in lax mode) of `bytes`: what numbers and booleans
/// are parsed from.
unsafe fn text_of<'a>(v: *mut ffi::PyObject, run: &Run) -> Option<&'a [u8]> {
    if ffi::PyUnicode_Check(v) != 0 {
        return super::super::object::str_utf8(v);
    }
    if !run.json && ffi::PyBytes_Check(v) != 0 {
        return Some(super::super::object::bytes_data(v));
    }
    None
}

/// Whether `v` is a `decimal.Decimal` (by type name: the module is not imported here).
unsafe fn is_decimal(v: *mut ffi::PyObject) -> bool {
    let ty = ffi::Py_TYPE(v);
    CStr::from_ptr((*ty).tp_name).to_bytes() == b"decimal.Decimal"
}

/// The integer in `text` per pydantic: surrounding whitespace, a sign, ASCII digits, and a
/// fractional part of zeros ("12.0") are accepted; underscores and other digits are not.
fn parse_int_text(text: &[u8]) -> Option<&[u8]> {
    let t = text.trim_ascii();
    let (int_part, frac) = match t.iter().position(|&c| c == b'.') {
        Some(dot) => (&t[..dot], Some(&t[dot + 1..])),
        None => (t, None),
    };
    let digits = int_part.strip_prefix(b"-").or_else(|| int_part.strip_prefix(b"+")).unwrap_or(int_part);
    // ASCII digits, with single underscores between them ("1_000"), as Python's int() reads.
    let underscores_ok =
        digits.first() != Some(&b'_') && digits.last() != Some(&b'_') && !digits.windows(2).any(|w| w == b"__");
    if digits.is_empty() || !underscores_ok || !digits.iter().all(|c| c.is_ascii_digit() || *c == b'_') {
        return None;
    }
    if let Some(frac) = frac {
        if !frac.iter().all(|&c| c == b'0') {
            return None;
        }
    }
    Some(int_part)
}

/// 2**63 as a float: floats at or beyond it are not i64-sized integers.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// Python's limit on the digits `int()` converts (`sys.int_info.str_digits_check_threshold`).
const MAX_INT_DIGITS: usize = 4300;

const INT_TYPE: &str = "Input should be a valid integer";

/// A float that is a whole number within i64 becomes that int (pydantic's rule).
unsafe fn int_from_f64(f: f64, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    if !f.is_finite() {
        return Err(run.fail("finite_number", "Input should be a finite number", v, &[]));
    }
    if f.fract() != 0.0 {
        return Err(run.fail(
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
            v,
            &[],
        ));
    }
    if f.abs() >= I64_BOUND {
        return Err(run.fail(
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
            v,
            &[],
        ));
    }
    PyObj::from_owned(ffi::PyLong_FromDouble(f)).ok_or(Stop::Raised)
}

unsafe fn validate_int(num: &Numeric, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let strict = num.strict || run.strict;
    let out = if ffi::PyLong_CheckExact(v) != 0 {
        PyObj::from_borrowed(v)
    } else if is_bool(v) {
        if strict {
            return Err(run.fail("int_type", INT_TYPE, v, &[]));
        }
        PyObj::from_owned(ffi::PyLong_FromLong((v == ffi::Py_True()) as _)).ok_or(Stop::Raised)?
    } else if ffi::PyLong_Check(v) != 0 {
        PyObj::from_owned(ffi::PyNumber_Long(v)).ok_or(Stop::Raised)?
    } else if strict {
        return Err(run.fail("int_type", INT_TYPE, v, &[]));
    } else if let Some(text) = text_of(v, run) {
        match parse_int_text(text) {
            Some(digits) if digits.len() > MAX_INT_DIGITS => {
                return Err(run.fail(
                    "int_parsing_size",
                    "Unable to parse input string as an integer, exceeded maximum size",
                    v,
                    &[],
                ))
            }
            Some(digits) => {
                let owned = std::ffi::CString::new(digits).map_err(|_| Stop::Invalid)?;
                PyObj::from_owned(ffi::PyLong_FromString(owned.as_ptr(), ptr::null_mut(), 10)).ok_or(Stop::Raised)?
            }
            None => {
                return Err(run.fail(
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                    v,
                    &[],
                ))
            }
        }
    } else if ffi::PyFloat_Check(v) != 0 {
        int_from_f64(ffi::PyFloat_AsDouble(v), v, run)?
    } else if is_decimal(v) {
        let as_float = PyObj::from_owned(ffi::PyNumber_Float(v)).ok_or(Stop::Raised)?;
        let f = ffi::PyFloat_AsDouble(as_float.as_ptr());
        if f.is_finite() && f.fract() == 0.0 {
            // Exact, whatever its size: int(Decimal) does not go through the float.
            PyObj::from_owned(ffi::PyNumber_Long(v)).ok_or(Stop::Raised)?
        } else {
            int_from_f64(f, v, run)?
        }
    } else {
        return Err(run.fail("int_type", INT_TYPE, v, &[]));
    };
    if num.constrained() {
        check_bounds(num, out.as_ptr(), v, run)?;
    }
    Ok(out)
}

unsafe fn validate_float(num: &Numeric, allow_inf_nan: bool, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let strict = num.strict || run.strict;
    const FLOAT_TYPE: &str = "Input should be a valid number";
    let out = if ffi::PyFloat_CheckExact(v) != 0 {
        PyObj::from_borrowed(v)
    } else if ffi::PyLong_Check(v) != 0 && !is_bool(v) {
        match PyObj::from_owned(ffi::PyNumber_Float(v)) {
            Some(f) => f,
            None => {
                // An int too large for a float.
                ffi::PyErr_Clear();
                return Err(run.fail("float_type", FLOAT_TYPE, v, &[]));
            }
        }
    } else if ffi::PyFloat_Check(v) != 0 || (!run.json && is_decimal(v)) {
        PyObj::from_owned(ffi::PyNumber_Float(v)).ok_or(Stop::Raised)?
    } else if strict {
        return Err(run.fail("float_type", FLOAT_TYPE, v, &[]));
    } else if is_bool(v) {
        PyObj::from_owned(ffi::PyFloat_FromDouble(if v == ffi::Py_True() { 1.0 } else { 0.0 })).ok_or(Stop::Raised)?
    } else if ffi::PyUnicode_Check(v) != 0 || (!run.json && ffi::PyBytes_Check(v) != 0) {
        // Python's own float() rules (what pydantic accepts): whitespace, "inf", "1_0", "1e400".
        match PyObj::from_owned(ffi::PyFloat_FromString(v)) {
            Some(f) => f,
            None => {
                ffi::PyErr_Clear();
                return Err(run.fail(
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number",
                    v,
                    &[],
                ));
            }
        }
    } else {
        return Err(run.fail("float_type", FLOAT_TYPE, v, &[]));
    };
    if !allow_inf_nan && !ffi::PyFloat_AsDouble(out.as_ptr()).is_finite() {
        return Err(run.fail("finite_number", "Input should be a finite number", v, &[]));
    }
    if num.constrained() {
        check_bounds(num, out.as_ptr(), v, run)?;
    }
    Ok(out)
}

/// gt/ge/lt/le/multiple_of of a converted number; errors show the original input.
unsafe fn check_bounds(
    num: &Numeric,
    value: *mut ffi::PyObject,
    input: *mut ffi::PyObject,
    run: &mut Run,
) -> Result<(), Stop> {
    // pydantic-core's order: multiple_of, then le, lt, ge, gt; the first failure is reported.
    if let Some(m) = &num.multiple_of {
        let rem = PyObj::from_owned(ffi::PyNumber_Remainder(value, m.as_ptr())).ok_or(Stop::Raised)?;
        let zero = PyObj::from_owned(ffi::PyLong_FromLong(0)).ok_or(Stop::Raised)?;
        match ffi::PyObject_RichCompareBool(rem.as_ptr(), zero.as_ptr(), ffi::Py_EQ) {
            1 => {}
            0 => {
                let msg = format!("Input should be a multiple of {}", bound_text(m.as_ptr()));
                let ctx = [(c"multiple_of", PyObj::from_borrowed(m.as_ptr()))];
                return Err(run.fail("multiple_of", &msg, input, &ctx));
            }
            _ => return Err(Stop::Raised),
        }
    }
    let checks: [(&Option<PyObj>, i32, &str, &CStr, &str); 4] = [
        (&num.le, ffi::Py_LE, "less_than_equal", c"le", "less than or equal to"),
        (&num.lt, ffi::Py_LT, "less_than", c"lt", "less than"),
        (&num.ge, ffi::Py_GE, "greater_than_equal", c"ge", "greater than or equal to"),
        (&num.gt, ffi::Py_GT, "greater_than", c"gt", "greater than"),
    ];
    for (bound, op, kind, key, words) in checks {
        if let Some(bound) = bound {
            match ffi::PyObject_RichCompareBool(value, bound.as_ptr(), op) {
                1 => {}
                0 => {
                    let msg = format!("Input should be {words} {}", bound_text(bound.as_ptr()));
                    return Err(run.fail(kind, &msg, input, &[(key, PyObj::from_borrowed(bound.as_ptr()))]));
                }
                _ => return Err(Stop::Raised),
            }
        }
    }
    Ok(())
}

/// A bound as pydantic's messages show it: floats as Rust prints them ("1" for 1.0, "0.5").
unsafe fn bound_text(bound: *mut ffi::PyObject) -> String {
    if ffi::PyFloat_Check(bound) != 0 {
        return format!("{}", ffi::PyFloat_AsDouble(bound));
    }
    display(bound)
}

unsafe fn validate_str(rules: &StrRules, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let mut out = if ffi::PyUnicode_CheckExact(v) != 0 {
        PyObj::from_borrowed(v)
    } else if ffi::PyUnicode_Check(v) != 0 && !is_enum(v) {
        PyObj::from_owned(ffi::PyObject_Str(v)).ok_or(Stop::Raised)?
    } else if !(rules.strict || run.strict || run.json)
        && (ffi::PyBytes_Check(v) != 0 || ffi::PyByteArray_Check(v) != 0)
    {
        let decoded = if ffi::PyBytes_Check(v) != 0 {
            ffi::PyUnicode_FromEncodedObject(v, c"utf-8".as_ptr(), c"strict".as_ptr())
        } else {
            ffi::PyUnicode_DecodeUTF8(ffi::PyByteArray_AsString(v), ffi::PyByteArray_Size(v), c"strict".as_ptr())
        };
        match PyObj::from_owned(decoded) {
            Some(s) => s,
            None => {
                ffi::PyErr_Clear();
                return Err(run.fail(
                    "string_unicode",
                    "Input should be a valid string, unable to parse raw data as a unicode string",
                    v,
                    &[],
                ));
            }
        }
    } else if ffi::PyUnicode_Check(v) != 0 {
        // A str Enum member: its value (lax mode).
        PyObj::from_owned(ffi::PyObject_GetAttrString(v, c"value".as_ptr())).ok_or(Stop::Raised)?
    } else {
        return Err(run.fail("string_type", "Input should be a valid string", v, &[]));
    };
    if rules.strip {
        out = call_method0(out.as_ptr(), c"strip")?;
    }
    if rules.lower {
        out = call_method0(out.as_ptr(), c"lower")?;
    }
    if rules.upper {
        out = call_method0(out.as_ptr(), c"upper")?;
    }
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let n = ffi::PyUnicode_GetLength(out.as_ptr()) as usize;
        if let Some(min) = rules.min_length {
            if n < min {
                let msg = format!("String should have at least {}", plural(min, "character"));
                return Err(run.fail(
                    "string_too_short",
                    &msg,
                    v,
                    &[(c"min_length", int_obj(min).ok_or(Stop::Raised)?)],
                ));
            }
        }
        if let Some(max) = rules.max_length {
            if n > max {
                let msg = format!("String should have at most {}", plural(max, "character"));
                return Err(run.fail(
                    "string_too_long",
                    &msg,
                    v,
                    &[(c"max_length", int_obj(max).ok_or(Stop::Raised)?)],
                ));
            }
        }
    }
    if let Some((pattern, text)) = &rules.pattern {
        let matched = match pattern {
            Pattern::Rust(re) => match super::super::object::str_utf8(out.as_ptr()) {
                Some(bytes) => re.is_match(std::str::from_utf8_unchecked(bytes)),
                None => return Err(Stop::Raised), // a lone surrogate: not valid UTF-8
            },
            Pattern::Python(search) => {
                let found =
                    PyObj::from_owned(ffi::PyObject_CallOneArg(search.as_ptr(), out.as_ptr())).ok_or(Stop::Raised)?;
                found.as_ptr() != ffi::Py_None()
            }
        };
        if !matched {
            let msg = format!("String should match pattern '{text}'");
            return Err(run.fail(
                "string_pattern_mismatch",
                &msg,
                v,
                &[(c"pattern", str_obj(text).ok_or(Stop::Raised)?)],
            ));
        }
    }
    Ok(out)
}

unsafe fn call_method0(obj: *mut ffi::PyObject, name: &CStr) -> Res {
    PyObj::from_owned(ffi::PyObject_CallMethod(obj, name.as_ptr(), ptr::null())).ok_or(Stop::Raised)
}

/// Whether `v` is an Enum member (its class has an `_value2member_map_`), without importing enum.
unsafe fn is_enum(v: *mut ffi::PyObject) -> bool {
    let ty = ffi::Py_TYPE(v) as *mut ffi::PyObject;
    let found = ffi::PyObject_HasAttrStringWithError(ty, c"_value2member_map_".as_ptr());
    if found < 0 {
        ffi::PyErr_Clear();
    }
    found == 1
}

// ---- containers -----------------------------------------------------------------------------

fn seq_names(kind: SeqKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        SeqKind::List => ("list_type", "Input should be a valid list", "List"),
        SeqKind::Set => ("set_type", "Input should be a valid set", "Set"),
        SeqKind::FrozenSet => ("frozen_set_type", "Input should be a valid frozenset", "Frozenset"),
        SeqKind::Tuple => ("tuple_type", "Input should be a valid tuple", "Tuple"),
    }
}

/// The items of a sequence input as a new list, or `None` if the input is not one this
/// kind accepts (JSON: arrays only; Python lax mode: list, tuple, set, frozenset, deque,
/// dict views and generators, but never str, bytes or dict).
unsafe fn sequence_items(kind: SeqKind, strict: bool, v: *mut ffi::PyObject, run: &Run) -> Result<Option<PyObj>, Stop> {
    if run.json {
        return Ok((ffi::PyList_Check(v) != 0).then(|| PyObj::from_borrowed(v)));
    }
    if strict {
        // Strict Python input: the container type itself (subclasses too).
        let exact = match kind {
            SeqKind::List => ffi::PyList_Check(v) != 0,
            SeqKind::Tuple => ffi::PyTuple_Check(v) != 0,
            SeqKind::Set => ffi::PySet_Check(v) != 0,
            SeqKind::FrozenSet => ffi::PyFrozenSet_Check(v) != 0,
        };
        if !exact {
            return Ok(None);
        }
    }
    if ffi::PyList_Check(v) != 0 {
        return Ok(Some(PyObj::from_borrowed(v)));
    }
    let is_set = ffi::PyAnySet_Check(v) != 0;
    let ok = ffi::PyTuple_Check(v) != 0
        || (is_set && kind != SeqKind::List && kind != SeqKind::Tuple)
        || (is_set && (kind == SeqKind::List || kind == SeqKind::Tuple))
        || (ffi::PyUnicode_Check(v) == 0
            && ffi::PyBytes_Check(v) == 0
            && ffi::PyDict_Check(v) == 0
            && ffi::PyByteArray_Check(v) == 0
            && (ffi::PyIter_Check(v) != 0 || is_view_or_deque(v)));
    if !ok {
        return Ok(None);
    }
    PyObj::from_owned(ffi::PySequence_List(v)).map(Some).ok_or(Stop::Raised)
}

unsafe fn is_view_or_deque(v: *mut ffi::PyObject) -> bool {
    let ty = ffi::Py_TYPE(v);
    let name = CStr::from_ptr((*ty).tp_name).to_bytes();
    matches!(name, b"dict_keys" | b"dict_values" | b"collections.deque" | b"deque")
}

unsafe fn check_len(
    len: Lengths,
    n: usize,
    field_type: &str,
    input: *mut ffi::PyObject,
    run: &mut Run,
) -> Result<(), Stop> {
    if let Some(min) = len.min {
        if n < min {
            let msg = format!("{field_type} should have at least {} after validation, not {n}", plural(min, "item"));
            return Err(run.fail(
                "too_short",
                &msg,
                input,
                &[
                    (c"field_type", str_obj(field_type).ok_or(Stop::Raised)?),
                    (c"min_length", int_obj(min).ok_or(Stop::Raised)?),
                    (c"actual_length", int_obj(n).ok_or(Stop::Raised)?),
                ],
            ));
        }
    }
    if let Some(max) = len.max {
        if n > max {
            // Sets and dicts stop counting at the first item too many (pydantic-core).
            let counted = !matches!(field_type, "Set" | "Frozenset" | "Dictionary");
            let not = if counted { n.to_string() } else { "more".to_owned() };
            let msg = format!("{field_type} should have at most {} after validation, not {not}", plural(max, "item"));
            let actual = if counted { int_obj(n).ok_or(Stop::Raised)? } else { PyObj::from_borrowed(ffi::Py_None()) };
            let ctx = [
                (c"field_type", str_obj(field_type).ok_or(Stop::Raised)?),
                (c"max_length", int_obj(max).ok_or(Stop::Raised)?),
                (c"actual_length", actual),
            ];
            return Err(run.fail("too_long", &msg, input, &ctx));
        }
    }
    Ok(())
}

unsafe fn validate_seq(
    kind: SeqKind,
    item: &Node,
    len: Lengths,
    strict: bool,
    v: *mut ffi::PyObject,
    run: &mut Run,
) -> Res {
    let (type_error, mut type_msg, field_type) = seq_names(kind);
    if run.json && kind == SeqKind::List {
        type_msg = "Input should be a valid array";
    }
    let items = match sequence_items(kind, strict, v, run)? {
        Some(items) => items,
        None => return Err(run.fail(type_error, type_msg, v, &[])),
    };
    let n = ffi::PyList_Size(items.as_ptr());
    let out = PyObj::from_owned(ffi::PyList_New(0)).ok_or(Stop::Raised)?;
    let mut invalid = false;
    let any = matches!(item, Node::Any);
    for i in 0..n {
        let element = ffi::PyList_GetItem(items.as_ptr(), i);
        if any {
            ffi::PyList_Append(out.as_ptr(), element);
            continue;
        }
        run.loc.push(Loc::Index(i));
        let result = validate(item, element, run);
        run.loc.pop();
        match result {
            Ok(value) => {
                if ffi::PyList_Append(out.as_ptr(), value.as_ptr()) != 0 {
                    return Err(Stop::Raised);
                }
            }
            Err(Stop::Invalid) => invalid = true,
            Err(Stop::Raised) => return Err(Stop::Raised),
        }
    }
    if invalid {
        return Err(Stop::Invalid);
    }
    let out = kind.collect(out).ok_or(Stop::Raised)?;
    if len.min.is_some() || len.max.is_some() {
        check_len(len, ffi::PyObject_Size(out.as_ptr()) as usize, field_type, v, run)?;
    }
    Ok(out)
}

unsafe fn validate_tuple(items: &[Node], strict: bool, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let list = match sequence_items(SeqKind::Tuple, strict, v, run)? {
        Some(list) => list,
        None => return Err(run.fail("tuple_type", "Input should be a valid tuple", v, &[])),
    };
    let n = ffi::PyList_Size(list.as_ptr()) as usize;
    let out = PyObj::from_owned(ffi::PyTuple_New(items.len() as isize)).ok_or(Stop::Raised)?;
    let mut invalid = false;
    for (i, node) in items.iter().enumerate() {
        run.loc.push(Loc::Index(i as isize));
        let result = if i < n {
            validate(node, ffi::PyList_GetItem(list.as_ptr(), i as isize), run)
        } else {
            Err(run.fail("missing", "Field required", v, &[]))
        };
        run.loc.pop();
        match result {
            Ok(value) => {
                ffi::PyTuple_SetItem(out.as_ptr(), i as isize, value.into_ptr());
            }
            Err(Stop::Invalid) => invalid = true,
            Err(Stop::Raised) => return Err(Stop::Raised),
        }
    }
    if n > items.len() {
        check_len(Lengths { min: None, max: Some(items.len()) }, n, "Tuple", v, run)?;
    }
    if invalid {
        return Err(Stop::Invalid);
    }
    Ok(out)
}

unsafe fn validate_dict(key: &Node, value: &Node, len: Lengths, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    if ffi::PyDict_Check(v) == 0 {
        return Err(run.fail("dict_type", "Input should be a valid dictionary", v, &[]));
    }
    if matches!(key, Node::Any) && matches!(value, Node::Any) {
        let out = PyObj::from_owned(ffi::PyDict_Copy(v)).ok_or(Stop::Raised)?;
        check_len(len, ffi::PyDict_Size(v) as usize, "Dictionary", v, run)?;
        return Ok(out);
    }
    let out = PyObj::from_owned(ffi::PyDict_New()).ok_or(Stop::Raised)?;
    let mut invalid = false;
    let mut pos: ffi::Py_ssize_t = 0;
    let mut k: *mut ffi::PyObject = ptr::null_mut();
    let mut val: *mut ffi::PyObject = ptr::null_mut();
    let key_tag = str_obj("[key]").ok_or(Stop::Raised)?;
    while ffi::PyDict_Next(v, &mut pos, &mut k, &mut val) != 0 {
        // Keep both alive even if validation code mutates the input dict.
        let (k, val) = (PyObj::from_borrowed(k), PyObj::from_borrowed(val));
        run.loc.push(Loc::Key(k.as_ptr()));
        run.loc.push(Loc::Key(key_tag.as_ptr()));
        let new_key = validate(key, k.as_ptr(), run);
        run.loc.pop();
        let new_value = validate(value, val.as_ptr(), run);
        run.loc.pop();
        match (new_key, new_value) {
            (Ok(nk), Ok(nv)) => {
                if ffi::PyDict_SetItem(out.as_ptr(), nk.as_ptr(), nv.as_ptr()) != 0 {
                    return Err(Stop::Raised);
                }
            }
            (Err(Stop::Raised), _) | (_, Err(Stop::Raised)) => return Err(Stop::Raised),
            _ => invalid = true,
        }
    }
    if invalid {
        return Err(Stop::Invalid);
    }
    check_len(len, ffi::PyDict_Size(out.as_ptr()) as usize, "Dictionary", v, run)?;
    Ok(out)
}

// ---- unions and choices ---------------------------------------------------------------------

/// Whether `v` already has exactly the type `node` produces (smart unions keep such inputs
/// on that member instead of converting them to an earlier one).
unsafe fn exact_match(node: &Node, v: *mut ffi::PyObject) -> bool {
    match node {
        Node::Int(_) => ffi::PyLong_CheckExact(v) != 0,
        Node::Float { .. } => ffi::PyFloat_CheckExact(v) != 0,
        Node::Str(_) => ffi::PyUnicode_CheckExact(v) != 0,
        Node::Bool { .. } => is_bool(v),
        Node::None => v == ffi::Py_None(),
        Node::Seq { kind: SeqKind::List, .. } => ffi::PyList_CheckExact(v) != 0,
        Node::Seq { kind: SeqKind::Set, .. } => ffi::PySet_CheckExact(v) != 0,
        Node::Seq { kind: SeqKind::FrozenSet, .. } => ffi::PyFrozenSet_CheckExact(v) != 0,
        Node::Seq { kind: SeqKind::Tuple, .. } | Node::Tuple { .. } => ffi::PyTuple_CheckExact(v) != 0,
        Node::Dict { .. } => ffi::PyDict_CheckExact(v) != 0,
        Node::Model(m) => m.core().is_some_and(|b| ffi::Py_TYPE(v) as *mut ffi::PyObject == b.cls.as_ptr()),
        Node::Choice(c) => c.enum_cls.as_ref().is_some_and(|cls| ffi::Py_TYPE(v) as *mut ffi::PyObject == cls.as_ptr()),
        _ => false,
    }
}

unsafe fn validate_union(members: &[(PyObj, Node)], v: *mut ffi::PyObject, run: &mut Run) -> Res {
    // Smart mode: an input that already is one member's type stays that type...
    for (_, node) in members {
        if exact_match(node, v) {
            let before = run.error_count();
            match validate(node, v, run) {
                Ok(value) => return Ok(value),
                Err(Stop::Raised) => return Err(Stop::Raised),
                Err(Stop::Invalid) => run.truncate(before),
            }
        }
    }
    // ...then the first member that takes it strictly (a JSON 1.5 is a Decimal before it is a
    // timestamp), unless models are involved (they are ranked by fields set, below)...
    if !run.strict && !members.iter().any(|(_, n)| matches!(n, Node::Model(_))) {
        let before = run.error_count();
        run.strict = true;
        for (_, node) in members {
            match validate(node, v, run) {
                Ok(value) => {
                    run.strict = false;
                    run.truncate(before);
                    return Ok(value);
                }
                Err(Stop::Raised) => {
                    run.strict = false;
                    return Err(Stop::Raised);
                }
                Err(Stop::Invalid) => {}
            }
        }
        run.strict = false;
        run.truncate(before);
    }
    // ...otherwise the first member that accepts it wins -- except that among models the one
    // that took the most fields wins (pydantic's smart mode); if none does, every member's
    // errors are reported, located under the member's label.
    let before = run.error_count();
    let mut best: Option<(PyObj, isize)> = None;
    for (label, node) in members {
        run.loc.push(Loc::Key(label.as_ptr()));
        let result = validate(node, v, run);
        run.loc.pop();
        match result {
            Ok(value) => match fields_set_count(node, value.as_ptr()) {
                None if best.is_none() => {
                    run.truncate(before);
                    return Ok(value);
                }
                None => {}
                Some(count) if best.as_ref().is_none_or(|(_, c)| count > *c) => best = Some((value, count)),
                Some(_) => {}
            },
            Err(Stop::Raised) => return Err(Stop::Raised),
            Err(Stop::Invalid) => {}
        }
    }
    match best {
        Some((value, _)) => {
            run.truncate(before);
            Ok(value)
        }
        None => Err(Stop::Invalid),
    }
}

/// How many fields a model instance made by `node` was given (`None`: not a model).
unsafe fn fields_set_count(node: &Node, value: *mut ffi::PyObject) -> Option<isize> {
    let Node::Model(m) = node else { return None };
    let slots = m.core()?.slots.as_ref()?;
    let (set, _) = slots.get(value);
    (!set.is_null()).then(|| ffi::PySet_Size(set))
}

unsafe fn validate_tagged(
    field: &PyObj,
    tags: &PyObj,
    members: &[(PyObj, Node)],
    expected: &str,
    v: *mut ffi::PyObject,
    run: &mut Run,
) -> Res {
    let discriminator = format!("'{}'", display(field.as_ptr()));
    let tag = if ffi::PyDict_Check(v) != 0 {
        let t = ffi::PyDict_GetItemWithError(v, field.as_ptr());
        if t.is_null() && !ffi::PyErr_Occurred().is_null() {
            return Err(Stop::Raised);
        }
        (!t.is_null()).then(|| PyObj::from_borrowed(t))
    } else if run.json {
        return Err(run.fail("dict_type", "Input should be an object", v, &[]));
    } else if !is_attribute_source(v) {
        let msg = "Input should be a valid dictionary or object to extract fields from";
        return Err(run.fail("model_attributes_type", msg, v, &[]));
    } else {
        let t = PyObj::from_owned(ffi::PyObject_GetAttr(v, field.as_ptr()));
        if t.is_none() {
            ffi::PyErr_Clear();
        }
        t
    };
    let Some(tag) = tag else {
        let msg = format!("Unable to extract tag using discriminator {discriminator}");
        return Err(run.fail(
            "union_tag_not_found",
            &msg,
            v,
            &[(c"discriminator", str_obj(&discriminator).ok_or(Stop::Raised)?)],
        ));
    };
    // An Enum member as a tag stands for its value.
    let lookup_key = if is_enum(tag.as_ptr()) {
        PyObj::from_owned(ffi::PyObject_GetAttrString(tag.as_ptr(), c"value".as_ptr())).ok_or(Stop::Raised)?
    } else {
        PyObj::from_borrowed(tag.as_ptr())
    };
    let index = ffi::PyDict_GetItemWithError(tags.as_ptr(), lookup_key.as_ptr());
    if index.is_null() {
        if !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
        }
        let shown = display(lookup_key.as_ptr());
        let msg = format!(
            "Input tag '{shown}' found using {discriminator} does not match any of the expected tags: {expected}"
        );
        return Err(run.fail(
            "union_tag_invalid",
            &msg,
            v,
            &[
                (c"discriminator", str_obj(&discriminator).ok_or(Stop::Raised)?),
                (c"tag", str_obj(&shown).ok_or(Stop::Raised)?),
                (c"expected_tags", str_obj(expected).ok_or(Stop::Raised)?),
            ],
        ));
    }
    let i = ffi::PyLong_AsSsize_t(index) as usize;
    let Some((_, node)) = members.get(i) else {
        return Err(run.fail("union_tag_invalid", "bad discriminator table", v, &[]));
    };
    let label = PyObj::from_owned(ffi::PyObject_Str(lookup_key.as_ptr())).ok_or(Stop::Raised)?;
    run.loc.push(Loc::Key(label.as_ptr()));
    let result = validate(node, v, run);
    run.loc.pop();
    result
}

unsafe fn validate_choice(c: &Choice, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    if let Some(cls) = &c.enum_cls {
        if ffi::PyObject_TypeCheck(v, cls.as_ptr() as *mut ffi::PyTypeObject) != 0 {
            return Ok(PyObj::from_borrowed(v));
        }
    }
    // Unhashable inputs (a JSON list or object) are simply not among the choices.
    if ffi::PyObject_Hash(v) != -1 {
        let found = ffi::PyDict_GetItemWithError(c.lookup.as_ptr(), v);
        if !found.is_null() {
            return Ok(PyObj::from_borrowed(found));
        }
    }
    if !ffi::PyErr_Occurred().is_null() {
        ffi::PyErr_Clear();
    }
    // Text that spells one of the int choices selects it ("2" from a query string).
    if let (Some(ints), true) = (&c.ints, ffi::PyUnicode_Check(v) != 0) {
        if let Some(digits) = parse_int_text(super::super::object::str_utf8(v).unwrap_or_default()) {
            if let Ok(owned) = std::ffi::CString::new(digits) {
                if let Some(n) = PyObj::from_owned(ffi::PyLong_FromString(owned.as_ptr(), ptr::null_mut(), 10)) {
                    let found = ffi::PyDict_GetItemWithError(ints.as_ptr(), n.as_ptr());
                    if !found.is_null() {
                        return Ok(PyObj::from_borrowed(found));
                    }
                }
                ffi::PyErr_Clear();
            }
        }
    }
    let kind =
        String::from_utf8_lossy(super::super::object::str_utf8(c.error_type.as_ptr()).unwrap_or_default()).into_owned();
    let msg = String::from_utf8_lossy(super::super::object::str_utf8(c.msg.as_ptr()).unwrap_or_default()).into_owned();
    Err(run.fail(&kind, &msg, v, &[(c"expected", PyObj::from_borrowed(c.expected.as_ptr()))]))
}

// ---- Python code: leaf validators and user validators ---------------------------------------

unsafe fn call_leaf(func: &PyObj, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let loc = run.loc_tuple().ok_or(Stop::Raised)?;
    let flag = |b: bool| if b { ffi::Py_True() } else { ffi::Py_False() };
    // f(value, loc, errors, from_json, strict): `strict` is the call's override
    // (model_validate(strict=True)); a leaf knows its own declared strictness.
    let args = [v, loc.as_ptr(), run.errors.as_ptr(), flag(run.json), flag(run.strict)];
    let out = PyObj::from_owned(ffi::PyObject_Vectorcall(func.as_ptr(), args.as_ptr(), 5, ptr::null_mut()))
        .ok_or(Stop::Raised)?;
    if out.as_ptr() == run.failed {
        return Err(Stop::Invalid);
    }
    Ok(out)
}

/// Calls a user validator; `ValueError`/`AssertionError` become pydantic's `value_error` /
/// `assertion_error` at the current location, anything else propagates.
/// `input` is what an error raised by the validator reports: the field's (or model's)
/// original input, whatever the validators before it made of it (pydantic's choice).
pub(super) unsafe fn call_user(
    f: &FuncValidator,
    cls: Option<&PyObj>,
    v: *mut ffi::PyObject,
    input: *mut ffi::PyObject,
    info: impl FnOnce() -> Option<PyObj>,
    run: &mut Run,
) -> Res {
    let mut args: Vec<*mut ffi::PyObject> = Vec::with_capacity(3);
    if f.pass_cls {
        args.push(cls.map_or(ffi::Py_None(), PyObj::as_ptr));
    }
    args.push(v);
    let info_obj;
    if f.wants_info {
        info_obj = info().ok_or(Stop::Raised)?;
        args.push(info_obj.as_ptr());
    }
    let out = ffi::PyObject_Vectorcall(f.func.as_ptr(), args.as_ptr(), args.len(), ptr::null_mut());
    match PyObj::from_owned(out) {
        Some(value) => Ok(value),
        None => Err(user_error(input, run)),
    }
}

/// Turns a pending `ValueError`/`AssertionError` (or a `PydanticCustomError`-like exception
/// with `.type`/`.message()`/`.context`) into a recorded error; other exceptions stay pending.
unsafe fn user_error(input: *mut ffi::PyObject, run: &mut Run) -> Stop {
    let exc = ffi::PyErr_GetRaisedException();
    if exc.is_null() {
        return Stop::Raised;
    }
    let exc = PyObj::from_owned(exc).unwrap();
    let custom = ffi::PyObject_HasAttrStringWithError(exc.as_ptr(), c"__fasterapi_custom_error__".as_ptr()) == 1;
    if custom {
        let kind = PyObj::from_owned(ffi::PyObject_GetAttrString(exc.as_ptr(), c"type".as_ptr()));
        let msg = PyObj::from_owned(ffi::PyObject_Str(exc.as_ptr()));
        let ctx = PyObj::from_owned(ffi::PyObject_GetAttrString(exc.as_ptr(), c"context".as_ptr()));
        if let (Some(kind), Some(msg)) = (kind, msg) {
            let mut pairs: Vec<(&CStr, PyObj)> = Vec::new();
            let mut owned_keys: Vec<std::ffi::CString> = Vec::new();
            if let Some(ctx) = &ctx {
                if ffi::PyDict_Check(ctx.as_ptr()) != 0 {
                    let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
                    while ffi::PyDict_Next(ctx.as_ptr(), &mut pos, &mut k, &mut val) != 0 {
                        owned_keys.push(std::ffi::CString::new(display(k)).unwrap_or_default());
                        pairs.push((c"", PyObj::from_borrowed(val)));
                    }
                }
            }
            let ctx_pairs: Vec<(&CStr, PyObj)> =
                owned_keys.iter().zip(pairs).map(|(k, (_, v))| (k.as_c_str(), v)).collect();
            return run.fail(&display(kind.as_ptr()), &display(msg.as_ptr()), input, &ctx_pairs);
        }
        ffi::PyErr_Clear();
    }
    let is = |t: *mut ffi::PyObject| ffi::PyErr_GivenExceptionMatches(exc.as_ptr(), t) != 0;
    if is(ffi::PyExc_ValueError) {
        let msg = format!("Value error, {}", display(exc.as_ptr()));
        return run.fail("value_error", &msg, input, &[(c"error", exc)]);
    }
    if is(ffi::PyExc_AssertionError) {
        let text = display(exc.as_ptr());
        let msg = format!("Assertion failed, {text}");
        return run.fail("assertion_error", &msg, input, &[(c"error", exc)]);
    }
    ffi::PyErr_SetRaisedException(exc.into_ptr());
    Stop::Raised
}

/// Runs `before` validators, then the inner validation (or the `plain` validator instead),
/// then `after` validators, in declaration order (the Python side orders them).
unsafe fn with_validators(
    validators: &[FuncValidator],
    cls: Option<&PyObj>,
    info: Option<&dyn Fn() -> Option<PyObj>>,
    v: *mut ffi::PyObject,
    run: &mut Run,
    inner: impl FnOnce(*mut ffi::PyObject, &mut Run) -> Res,
) -> Res {
    let make_info = || {
        info.map_or_else(
            || {
                PyObj::from_owned({
                    ffi::Py_INCREF(ffi::Py_None());
                    ffi::Py_None()
                })
            },
            |f| f(),
        )
    };
    let mut current = PyObj::from_borrowed(v);
    for f in validators.iter().filter(|f| f.mode == Mode::Before) {
        current = call_user(f, cls, current.as_ptr(), v, make_info, run)?;
    }
    let mut current = match validators.iter().find(|f| f.mode == Mode::Plain) {
        Some(plain) => call_user(plain, cls, current.as_ptr(), v, make_info, run)?,
        None => inner(current.as_ptr(), run)?,
    };
    for f in validators.iter().filter(|f| f.mode == Mode::After) {
        current = call_user(f, cls, current.as_ptr(), v, make_info, run)?;
    }
    Ok(current)
}

// ---- models ---------------------------------------------------------------------------------

unsafe fn validate_model(model: &ModelRef, v: *mut ffi::PyObject, run: &mut Run) -> Res {
    let Some(body) = model.core() else {
        ffi::PyErr_SetString(ffi::PyExc_RuntimeError, c"model used before its schema was defined".as_ptr());
        return Err(Stop::Raised);
    };
    let befores: Vec<&FuncValidator> = body.model_validators.iter().filter(|f| f.mode == Mode::Before).collect();
    let original = v;
    let mut input = PyObj::from_borrowed(v);
    for f in befores {
        let mode = run.mode_name();
        let info = || make_info(body, ptr::null_mut(), None, mode);
        input = call_user(f, Some(&body.cls), input.as_ptr(), original, info, run)?;
    }
    let v = input.as_ptr();
    if body.construct != Construct::TypedDict
        && ffi::PyObject_TypeCheck(v, body.cls.as_ptr() as *mut ffi::PyTypeObject) != 0
    {
        // An instance passes as is (pydantic's revalidate_instances="never").
        return Ok(PyObj::from_borrowed(v));
    }
    let from_dict = ffi::PyDict_Check(v) != 0;
    let from_attributes = (body.from_attributes || run.from_attributes) && !run.json;
    if !(from_dict || (from_attributes && is_attribute_source(v))) {
        if from_attributes && body.construct == Construct::Model {
            let msg = "Input should be a valid dictionary or object to extract fields from";
            return Err(run.fail("model_attributes_type", msg, v, &[]));
        }
        return Err(type_error(body, v, run));
    }
    let data = PyObj::from_owned(ffi::PyDict_New()).ok_or(Stop::Raised)?;
    let mut given = Vec::with_capacity(body.fields.len());
    let mut invalid = false;
    for field in &body.fields {
        match validate_field(body, field, v, from_dict, data.as_ptr(), run) {
            Ok(Some((value, was_given))) => {
                if ffi::PyDict_SetItem(data.as_ptr(), field.name.as_ptr(), value.as_ptr()) != 0 {
                    return Err(Stop::Raised);
                }
                given.push(was_given);
            }
            Ok(None) => given.push(false),
            Err(Stop::Invalid) => {
                invalid = true;
                given.push(false);
            }
            Err(Stop::Raised) => return Err(Stop::Raised),
        }
    }
    let extra = if from_dict && body.extra != Extra::Ignore { extra_keys(body, v, run, &mut invalid)? } else { None };
    if invalid {
        return Err(Stop::Invalid);
    }
    let fields_set = fields_set(body, &given, extra.as_ref()).ok_or(Stop::Raised)?;
    let instance = construct(body, data, fields_set, extra, v, run)?;
    let mut instance = instance;
    for f in body.model_validators.iter().filter(|f| f.mode == Mode::After) {
        let mode = run.mode_name();
        let info = || make_info(body, ptr::null_mut(), None, mode);
        let result = call_user(f, None, instance.as_ptr(), original, info, run)?;
        if result.as_ptr() != ffi::Py_None() {
            instance = result;
        }
    }
    Ok(instance)
}

unsafe fn is_attribute_source(v: *mut ffi::PyObject) -> bool {
    !(ffi::PyUnicode_Check(v) != 0
        || ffi::PyBytes_Check(v) != 0
        || ffi::PyLong_Check(v) != 0
        || ffi::PyFloat_Check(v) != 0
        || ffi::PyList_Check(v) != 0
        || ffi::PyTuple_Check(v) != 0
        || v == ffi::Py_None())
}

unsafe fn type_error(body: &ModelBody, v: *mut ffi::PyObject, run: &mut Run) -> Stop {
    let title = display(body.title.as_ptr());
    let class_name = || str_obj(&title);
    let Some(cn) = class_name() else { return Stop::Raised };
    match body.construct {
        Construct::TypedDict => run.fail("dict_type", "Input should be a valid dictionary", v, &[]),
        Construct::Dataclass => {
            let msg = format!("Input should be a dictionary or an instance of {title}");
            run.fail("dataclass_type", &msg, v, &[(c"class_name", cn)])
        }
        Construct::Model if run.json => run.fail("model_type", "Input should be an object", v, &[(c"class_name", cn)]),
        Construct::Model => {
            let msg = format!("Input should be a valid dictionary or instance of {title}");
            run.fail("model_type", &msg, v, &[(c"class_name", cn)])
        }
    }
}

/// The names given in the input (and the extras of `extra="allow"`, which count as given):
/// the model's shared frozenset of all names when every field was given, else a new set.
pub(super) unsafe fn fields_set(body: &ModelBody, given: &[bool], extra: Option<&PyObj>) -> Option<PyObj> {
    let extra_count = extra.map_or(0, |e| ffi::PyDict_Size(e.as_ptr()));
    if extra_count == 0 && given.iter().all(|g| *g) {
        return Some(PyObj::from_borrowed(body.all_fields.as_ptr()));
    }
    let set = PyObj::from_owned(ffi::PySet_New(ptr::null_mut()))?;
    for (field, _) in body.fields.iter().zip(given).filter(|(_, g)| **g) {
        ffi::PySet_Add(set.as_ptr(), field.name.as_ptr());
    }
    if let Some(extra) = extra {
        let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
        while ffi::PyDict_Next(extra.as_ptr(), &mut pos, &mut k, &mut val) != 0 {
            ffi::PySet_Add(set.as_ptr(), k);
        }
    }
    Some(set)
}

/// `ValidationInfo(field_name, data, mode)` for validators that ask for it.
pub(super) unsafe fn make_info(
    body: &ModelBody,
    data: *mut ffi::PyObject,
    field: Option<&Field>,
    mode: *mut ffi::PyObject,
) -> Option<PyObj> {
    let none = ffi::Py_None();
    let args = [field.map_or(none, |f| f.name.as_ptr()), if data.is_null() { none } else { data }, mode];
    PyObj::from_owned(ffi::PyObject_Vectorcall(body.info_cls.as_ptr(), args.as_ptr(), 3, ptr::null_mut()))
}

/// Looks a key path up in the input: `Some(value)` (new reference) or `None` if absent.
unsafe fn lookup(v: *mut ffi::PyObject, path: &[PyObj], from_dict: bool) -> Result<Option<PyObj>, Stop> {
    let mut current = PyObj::from_borrowed(v);
    for (i, step) in path.iter().enumerate() {
        let cur = current.as_ptr();
        let next = if ffi::PyDict_Check(cur) != 0 {
            let found = ffi::PyDict_GetItemWithError(cur, step.as_ptr());
            if found.is_null() {
                if !ffi::PyErr_Occurred().is_null() {
                    return Err(Stop::Raised);
                }
                return Ok(None);
            }
            PyObj::from_borrowed(found)
        } else if i == 0 && !from_dict {
            match PyObj::from_owned(ffi::PyObject_GetAttr(cur, step.as_ptr())) {
                Some(value) => value,
                None => {
                    if ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) != 0 {
                        ffi::PyErr_Clear();
                        return Ok(None);
                    }
                    return Err(Stop::Raised);
                }
            }
        } else if ffi::PyList_Check(cur) != 0 && ffi::PyLong_Check(step.as_ptr()) != 0 {
            let index = ffi::PyLong_AsSsize_t(step.as_ptr());
            let n = ffi::PyList_Size(cur);
            let index = if index < 0 { index + n } else { index };
            if index < 0 || index >= n {
                return Ok(None);
            }
            PyObj::from_borrowed(ffi::PyList_GetItem(cur, index))
        } else {
            return Ok(None);
        };
        current = next;
    }
    Ok(Some(current))
}

/// One field: `Some((value, given_in_input))`, `None` for an absent TypedDict key.
unsafe fn validate_field(
    body: &ModelBody,
    field: &Field,
    v: *mut ffi::PyObject,
    from_dict: bool,
    data: *mut ffi::PyObject,
    run: &mut Run,
) -> Result<Option<(PyObj, bool)>, Stop> {
    for path in &field.keys {
        if let Some(value) = lookup(v, path, from_dict)? {
            let depth = run.loc.len();
            for step in path {
                run.loc.push(Loc::Key(step.as_ptr()));
            }
            let result = if field.validators.is_empty() {
                validate(&field.node, value.as_ptr(), run)
            } else {
                let mode = run.mode_name();
                let info = || make_info(body, data, Some(field), mode);
                with_validators(&field.validators, Some(&body.cls), Some(&info), value.as_ptr(), run, |x, r| {
                    validate(&field.node, x, r)
                })
            };
            run.loc.truncate(depth);
            return result.map(|value| Some((value, true)));
        }
    }
    let value = match &field.default {
        Default::Required => {
            let depth = run.loc.len();
            if let Some(path) = field.keys.first() {
                for step in path {
                    run.loc.push(Loc::Key(step.as_ptr()));
                }
            }
            let stop = run.fail("missing", "Field required", v, &[]);
            run.loc.truncate(depth);
            return Err(stop);
        }
        Default::Absent => return Ok(None),
        Default::Value(value) => PyObj::from_borrowed(value.as_ptr()),
        Default::Copied(value) => {
            PyObj::from_owned(ffi::PyObject_CallOneArg(body.deepcopy.as_ptr(), value.as_ptr())).ok_or(Stop::Raised)?
        }
        Default::Factory(factory) => {
            PyObj::from_owned(ffi::PyObject_CallNoArgs(factory.as_ptr())).ok_or(Stop::Raised)?
        }
    };
    Ok(Some((value, false)))
}

/// `extra="forbid"`: an error per unknown key; `extra="allow"`: the unknown keys and values.
unsafe fn extra_keys(
    body: &ModelBody,
    v: *mut ffi::PyObject,
    run: &mut Run,
    invalid: &mut bool,
) -> Result<Option<PyObj>, Stop> {
    let allowed =
        if body.extra == Extra::Allow { Some(PyObj::from_owned(ffi::PyDict_New()).ok_or(Stop::Raised)?) } else { None };
    let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
    while ffi::PyDict_Next(v, &mut pos, &mut k, &mut val) != 0 {
        match ffi::PySequence_Contains(body.known_keys.as_ptr(), k) {
            1 => continue,
            0 => {}
            _ => return Err(Stop::Raised),
        }
        match &allowed {
            Some(extra) => {
                ffi::PyDict_SetItem(extra.as_ptr(), k, val);
            }
            None => {
                run.loc.push(Loc::Key(k));
                let stop = run.fail("extra_forbidden", "Extra inputs are not permitted", val, &[]);
                run.loc.pop();
                if let Stop::Raised = stop {
                    return Err(stop);
                }
                *invalid = true;
            }
        }
    }
    Ok(allowed)
}

/// Builds the validated object: a model instance (its `__dict__` set directly, no
/// `__init__`: the values are already validated), a dataclass through its constructor (so
/// `__post_init__` runs), or the dict of a TypedDict.
pub(super) unsafe fn construct(
    body: &ModelBody,
    data: PyObj,
    fields_set: PyObj,
    extra: Option<PyObj>,
    input: *mut ffi::PyObject,
    run: &mut Run,
) -> Res {
    match body.construct {
        Construct::TypedDict => {
            if let Some(extra) = extra {
                ffi::PyDict_Update(data.as_ptr(), extra.as_ptr());
            }
            Ok(data)
        }
        Construct::Dataclass => {
            let empty = PyObj::from_owned(ffi::PyTuple_New(0)).ok_or(Stop::Raised)?;
            match PyObj::from_owned(ffi::PyObject_Call(body.cls.as_ptr(), empty.as_ptr(), data.as_ptr())) {
                Some(instance) => Ok(instance),
                None => Err(user_error(input, run)),
            }
        }
        Construct::Model => {
            let cls = body.cls.as_ptr() as *mut ffi::PyTypeObject;
            // extra="allow": always a dict, possibly empty (pydantic); otherwise None.
            let extra = match (extra, body.extra) {
                (None, Extra::Allow) => Some(PyObj::from_owned(ffi::PyDict_New()).ok_or(Stop::Raised)?),
                (extra, _) => extra,
            };
            let empty = PyObj::from_owned(ffi::PyTuple_New(0)).ok_or(Stop::Raised)?;
            let new = (*ptr::addr_of!(ffi::PyBaseObject_Type)).tp_new.ok_or(Stop::Raised)?;
            let instance = PyObj::from_owned(new(cls, empty.as_ptr(), ptr::null_mut())).ok_or(Stop::Raised)?;
            let i = instance.as_ptr();
            let extra = extra.unwrap_or_else(|| PyObj::from_borrowed(ffi::Py_None()));
            if ffi::PyObject_GenericSetDict(i, data.as_ptr(), ptr::null_mut()) != 0 {
                return Err(Stop::Raised);
            }
            match &body.slots {
                Some(slots) => slots.init(i, fields_set, extra),
                None => return Err(Stop::Raised),
            }
            Ok(instance)
        }
    }
}
