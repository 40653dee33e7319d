//! Native JSON: the fast path for handler results and request bodies.
//!
//! Written against the C API because orjson and friends cannot be imported in own-GIL
//! sub-interpreters. Encoding walks the objects directly into a byte buffer (no
//! intermediate tree); decoding drives serde_json's parser with a visitor that builds Python
//! objects as it goes.

use pyo3_ffi as ffi;

use super::interpreter::Attached;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::ffi::c_char;
use std::fmt;

use super::object::{self, Exc, PyObj};

/// Why an object could not be encoded.
pub enum EncodeError {
    /// Not a JSON type (the caller may fall back to `jsonable_encoder`): the type's name.
    Type(String),
    /// A value JSON cannot express (NaN, nesting too deep).
    Value(String),
    /// A Python error is set (e.g. from a `str` subclass's encoding).
    Python,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

/// Appends the JSON of `obj` to `out`.
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn encode(obj: *mut ffi::PyObject, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    encode_value(obj, out, 0)
}

unsafe fn encode_value(obj: *mut ffi::PyObject, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::Value("maximum nesting depth exceeded while encoding JSON".into()));
    }
    // Exact types first: they are nearly everything a handler returns.
    if ffi::PyUnicode_CheckExact(obj) != 0 {
        return encode_str(obj, out);
    }
    if obj == ffi::Py_None() {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    if obj == ffi::Py_True() {
        out.extend_from_slice(b"true");
        return Ok(());
    }
    if obj == ffi::Py_False() {
        out.extend_from_slice(b"false");
        return Ok(());
    }
    if ffi::PyLong_CheckExact(obj) != 0 {
        return encode_int(obj, out);
    }
    if ffi::PyFloat_CheckExact(obj) != 0 {
        return encode_float(ffi::PyFloat_AS_DOUBLE(obj), out);
    }
    if ffi::PyDict_CheckExact(obj) != 0 {
        return encode_dict(obj, out, depth);
    }
    if ffi::PyList_CheckExact(obj) != 0 {
        return encode_list(obj, out, depth);
    }
    if ffi::PyTuple_CheckExact(obj) != 0 {
        return encode_tuple(obj, out, depth);
    }
    // Subclasses behave like their base, as with the json module (str/int Enums included).
    if ffi::PyUnicode_Check(obj) != 0 {
        return encode_str(obj, out);
    }
    if ffi::PyLong_Check(obj) != 0 {
        return encode_int(obj, out);
    }
    if ffi::PyFloat_Check(obj) != 0 {
        return encode_float(ffi::PyFloat_AsDouble(obj), out);
    }
    if ffi::PyDict_Check(obj) != 0 {
        return encode_dict(obj, out, depth);
    }
    if ffi::PyList_Check(obj) != 0 {
        return encode_list(obj, out, depth);
    }
    if ffi::PyTuple_Check(obj) != 0 {
        return encode_tuple(obj, out, depth);
    }
    Err(EncodeError::Type(type_name(obj)))
}

unsafe fn type_name(obj: *mut ffi::PyObject) -> String {
    let ty = ffi::Py_TYPE(obj);
    let full = std::ffi::CStr::from_ptr((*ty).tp_name).to_string_lossy().into_owned();
    full.rsplit('.').next().unwrap_or(&full).to_owned()
}

unsafe fn encode_str(obj: *mut ffi::PyObject, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    // Lone surrogates cannot be UTF-8 encoded: that raises, and we report it as a Python error.
    let bytes = object::str_utf8(obj).ok_or(EncodeError::Python)?;
    write_escaped(bytes, out);
    Ok(())
}

/// Bytes needing an escape: control characters, `"` and `\`.
static ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// `s` as a JSON string, escaped as `json.dumps(..., ensure_ascii=False)` escapes it.
pub fn write_escaped(s: &[u8], out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if !ESCAPE[b as usize] {
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

unsafe fn encode_int(obj: *mut ffi::PyObject, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut overflow = 0;
    let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
    if overflow == 0 {
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(EncodeError::Python);
        }
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        return Ok(());
    }
    // Beyond 64 bits: Python's own decimal rendering (JSON has no integer size limit).
    let text = PyObj::from_owned(ffi::PyObject_Str(obj)).ok_or(EncodeError::Python)?;
    out.extend_from_slice(object::str_utf8(text.as_ptr()).ok_or(EncodeError::Python)?);
    Ok(())
}

fn encode_float(v: f64, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if !v.is_finite() {
        return Err(EncodeError::Value("Out of range float values are not JSON compliant".into()));
    }
    write_float_repr(v, out);
    Ok(())
}

/// A finite float as Python's `repr` writes it (what `json.dumps` and pydantic produce):
/// the shortest digits that round-trip (ryu), in fixed notation for decimal exponents -4..16
/// ("0.0001", "1e+16", "1.5e-05", "100.0").
pub fn write_float_repr(v: f64, out: &mut Vec<u8>) {
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    if !text.contains('e') && (v == 0.0 || v.abs() >= 1e-4) {
        // Fixed notation ("1.5", "100.0", "0.0001"): already what repr writes (ryu also
        // writes 1e-5 as "0.00001", which repr does not: that goes the long way).
        out.extend_from_slice(text.as_bytes());
        return;
    }
    // ryu: "1e20", "1.8446744073709552e19", "1e-7".
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match body.find('e') {
        Some(at) => (&body[..at], body[at + 1..].parse::<i32>().unwrap_or(0)),
        None => (body, 0),
    };
    // Digits without the point, and the decimal exponent of the first digit.
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: String = format!("{int_part}{frac_part}");
    let mut point = int_part.len() as i32 + exp; // position of the decimal point in `digits`
    let leading = digits.len() - digits.trim_start_matches('0').len();
    if leading == digits.len() {
        out.extend_from_slice(if negative { b"-0.0" } else { b"0.0" });
        return;
    }
    digits.drain(..leading);
    point -= leading as i32;
    let trimmed = digits.trim_end_matches('0').len();
    digits.truncate(trimmed);
    let sci = point - 1; // the exponent in scientific notation
    if negative {
        out.push(b'-');
    }
    if (-4..16).contains(&sci) {
        if point <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-point) as usize));
            out.extend_from_slice(digits.as_bytes());
        } else if point as usize >= digits.len() {
            out.extend_from_slice(digits.as_bytes());
            out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits.as_bytes()[..point as usize]);
            out.push(b'.');
            out.extend_from_slice(&digits.as_bytes()[point as usize..]);
        }
    } else {
        out.push(digits.as_bytes()[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits.as_bytes()[1..]);
        }
        out.push(b'e');
        out.push(if sci < 0 { b'-' } else { b'+' });
        let magnitude = sci.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(magnitude.to_string().as_bytes());
    }
}

unsafe fn encode_dict(obj: *mut ffi::PyObject, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
    out.push(b'{');
    let mut pos: ffi::Py_ssize_t = 0;
    let mut key: *mut ffi::PyObject = std::ptr::null_mut();
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    let mut first = true;
    while ffi::PyDict_Next(obj, &mut pos, &mut key, &mut value) != 0 {
        if !first {
            out.push(b',');
        }
        first = false;
        if ffi::PyUnicode_Check(key) != 0 {
            encode_str(key, out)?;
        } else if key == ffi::Py_None() {
            out.extend_from_slice(b"\"null\"");
        } else if key == ffi::Py_True() {
            out.extend_from_slice(b"\"true\"");
        } else if key == ffi::Py_False() {
            out.extend_from_slice(b"\"false\"");
        } else if ffi::PyLong_Check(key) != 0 || ffi::PyFloat_Check(key) != 0 {
            // Like json.dumps: numeric keys become their text.
            let mut tmp = Vec::new();
            encode_value(key, &mut tmp, depth + 1)?;
            out.push(b'"');
            out.extend_from_slice(&tmp);
            out.push(b'"');
        } else {
            return Err(EncodeError::Type(format!("dict key of type {}", type_name(key))));
        }
        out.push(b':');
        // The dict keeps `value` alive; encoding does not mutate it.
        encode_value(value, out, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

unsafe fn encode_list(obj: *mut ffi::PyObject, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
    out.push(b'[');
    let n = ffi::PyList_GET_SIZE(obj);
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        // Re-read the size each time in case a str subclass's hook mutates the list.
        if i >= ffi::PyList_GET_SIZE(obj) {
            break;
        }
        encode_value(ffi::PyList_GET_ITEM(obj, i), out, depth + 1)?;
    }
    out.push(b']');
    Ok(())
}

unsafe fn encode_tuple(obj: *mut ffi::PyObject, out: &mut Vec<u8>, depth: usize) -> Result<(), EncodeError> {
    out.push(b'[');
    for i in 0..ffi::PyTuple_GET_SIZE(obj) {
        if i > 0 {
            out.push(b',');
        }
        encode_value(ffi::PyTuple_GET_ITEM(obj, i), out, depth + 1)?;
    }
    out.push(b']');
    Ok(())
}

/// Raises the Python exception matching an encode error (for `json_dumps`).
///
/// # Safety
/// Attached.
pub unsafe fn raise_encode_error(e: EncodeError) {
    // SAFETY: attached (this function's contract).
    let a = &Attached::assume();
    match e {
        EncodeError::Type(name) => {
            object::raise(a, Exc::Type, &format!("Object of type {name} is not JSON serializable"))
        }
        EncodeError::Value(msg) => object::raise(a, Exc::Value, &msg),
        EncodeError::Python => {}
    }
}

// ---------------------------------------------------------------------------------------
// Decoding

/// A decode failure with its position, for FastAPI-shaped `json_invalid` errors.
pub struct DecodeError {
    pub message: String,
    /// Character offset of the error in the input (what Python's `JSONDecodeError.pos` is).
    pub pos: usize,
    pub line: usize,
    pub column: usize,
}

/// Parses JSON into Python objects.
///
/// # Safety
/// Attached.
pub unsafe fn decode(input: &[u8]) -> Result<PyObj, Result<DecodeError, ()>> {
    let mut de = serde_json::Deserializer::from_slice(input);
    // serde_json's own recursion limit (128) guards the stack; the error says so.
    let value = PyValueSeed.deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    match value {
        Ok(v) => Ok(v),
        Err(e) => {
            if !ffi::PyErr_Occurred().is_null() {
                return Err(Err(()));
            }
            let (line, column) = (e.line(), e.column());
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(at) => full[..at].to_owned(),
                None => full,
            };
            Err(Ok(DecodeError { message, pos: char_offset(input, line, column), line, column }))
        }
    }
}

/// serde_json reports 1-based line and column (column counted in bytes, 0 at end of line).
fn char_offset(input: &[u8], line: usize, column: usize) -> usize {
    let mut byte = 0;
    let mut current = 1;
    while current < line {
        match memchr_newline(&input[byte..]) {
            Some(i) => byte += i + 1,
            None => break,
        }
        current += 1;
    }
    let byte = (byte + column.saturating_sub(1)).min(input.len());
    String::from_utf8_lossy(&input[..byte]).chars().count()
}

fn memchr_newline(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

/// Error type carrying "a Python exception is already set".
struct PyErrMarker;

pub struct PyValueSeed;

impl<'de> DeserializeSeed<'de> for PyValueSeed {
    type Value = PyObj;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PyObj, D::Error> {
        d.deserialize_any(PyValueVisitor)
    }
}

struct PyValueVisitor;

fn py_result<E: serde::de::Error>(obj: Option<PyObj>) -> Result<PyObj, E> {
    obj.ok_or_else(|| E::custom(PyErrMarkerDisplay(PyErrMarker)))
}

struct PyErrMarkerDisplay(PyErrMarker);
impl fmt::Display for PyErrMarkerDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = &self.0;
        f.write_str("Python error while building a value")
    }
}

impl<'de> Visitor<'de> for PyValueVisitor {
    type Value = PyObj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { Ok(PyObj::from_borrowed(if v { ffi::Py_True() } else { ffi::Py_False() })) }
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { py_result(PyObj::from_owned(ffi::PyLong_FromLongLong(v))) }
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { py_result(PyObj::from_owned(ffi::PyLong_FromUnsignedLongLong(v))) }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { py_result(PyObj::from_owned(ffi::PyFloat_FromDouble(v))) }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe {
            py_result(PyObj::from_owned(ffi::PyUnicode_FromStringAndSize(
                v.as_ptr() as *const c_char,
                v.len() as ffi::Py_ssize_t,
            )))
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { Ok(PyObj::from_borrowed(ffi::Py_None())) }
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<PyObj, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyObj, A::Error> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe {
            let list = py_result::<A::Error>(PyObj::from_owned(ffi::PyList_New(0)))?;
            while let Some(item) = seq.next_element_seed(PyValueSeed)? {
                if ffi::PyList_Append(list.as_ptr(), item.as_ptr()) != 0 {
                    return Err(serde::de::Error::custom("Python error while building a list"));
                }
            }
            Ok(list)
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyObj, A::Error> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe {
            let dict = py_result::<A::Error>(PyObj::from_owned(ffi::PyDict_New()))?;
            while let Some(key) = map.next_key_seed(KeySeed)? {
                let key = match key {
                    MapKey::Key(key) => key,
                    // serde_json's arbitrary_precision hands each number over as a map of one
                    // entry whose value is the number's text.
                    MapKey::Number => return map.next_value_seed(NumberSeed),
                };
                let value = map.next_value_seed(PyValueSeed)?;
                if ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) != 0 {
                    return Err(serde::de::Error::custom("Python error while building a dict"));
                }
            }
            Ok(dict)
        }
    }
}

/// The key serde_json's arbitrary_precision uses to pass a number as text.
pub const NUMBER_TOKEN: &str = "$serde_json::private::Number";

enum MapKey {
    Key(PyObj),
    Number,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = MapKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<MapKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = MapKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MapKey, E> {
        if v == NUMBER_TOKEN {
            return Ok(MapKey::Number);
        }
        PyValueVisitor.visit_str(v).map(MapKey::Key)
    }
}

/// A number's text -> `int` (any size, exact) or `float` (`1e999` -> inf, like `json.loads`).
pub struct NumberSeed;

impl<'de> DeserializeSeed<'de> for NumberSeed {
    type Value = PyObj;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PyObj, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NumberSeed {
    type Value = PyObj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PyObj, E> {
        // SAFETY: attached, as `decode` requires; objects are new references we own.
        unsafe { py_result(number(v)) }
    }
}

/// # Safety
/// Attached.
unsafe fn number(text: &str) -> Option<PyObj> {
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        let value: f64 = text.parse().unwrap_or(f64::NAN);
        return PyObj::from_owned(ffi::PyFloat_FromDouble(value));
    }
    if text.len() <= 18 {
        if let Ok(n) = text.parse::<i64>() {
            return PyObj::from_owned(ffi::PyLong_FromLongLong(n));
        }
    }
    let owned = std::ffi::CString::new(text).ok()?;
    PyObj::from_owned(ffi::PyLong_FromString(owned.as_ptr(), std::ptr::null_mut(), 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_json_dumps_without_ascii_escaping() {
        let mut out = Vec::new();
        write_escaped("a\"b\\c\n\u{1}é€".as_bytes(), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\\"b\\\\c\\n\\u0001é€\"");
    }

    #[test]
    fn char_offsets_from_serde_positions() {
        assert_eq!(char_offset(b"{\"a\": x}", 1, 7), 6);
        assert_eq!(char_offset("{\"é\": x}".as_bytes(), 1, 8), 6);
        assert_eq!(char_offset(b"[1,\n  x]", 2, 3), 6);
        assert_eq!(char_offset(b"", 1, 0), 0);
    }

    #[test]
    fn floats_are_shortest_roundtrip() {
        let mut out = Vec::new();
        encode_float(1.5, &mut out).ok();
        out.push(b' ');
        encode_float(0.1, &mut out).ok();
        assert_eq!(out, b"1.5 0.1");
        assert!(encode_float(f64::NAN, &mut Vec::new()).is_err());
    }

    #[test]
    fn floats_are_written_as_python_repr() {
        let cases: &[(f64, &str)] = &[
            (1e20, "1e+20"),
            (1.8446744073709552e19, "1.8446744073709552e+19"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456.789, "123456.789"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e308, "1e+308"),
            (5e-324, "5e-324"),
            (0.1, "0.1"),
        ];
        for (value, expected) in cases {
            let mut out = Vec::new();
            write_float_repr(*value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), *expected, "{value}");
        }
    }
}
