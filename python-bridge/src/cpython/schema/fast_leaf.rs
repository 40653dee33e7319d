//! Native fast paths for the two leaf types that matter most on real documents: UUIDs and
//! datetimes in their canonical text forms.
//!
//! The Python leaf validators (`fasterapi/_leaf_validators.py`) own the rules: every input
//! this module does not recognise -- other forms, out-of-range values, errors -- goes to them,
//! so the fast path can make a valid value cheaper but never change an answer. What it makes
//! is the same object the leaf would: a `uuid.UUID` (built as pydantic-core builds it: no
//! `__init__`, `int` and `is_safe` set directly) or a `datetime.datetime` with a
//! `datetime.timezone` for offsets.

use pyo3_ffi as ffi;

use std::cell::RefCell;
use std::ptr;

use super::super::object::{self, PyObj};

pub enum Fast {
    Uuid {
        cls: PyObj,
        /// `uuid.SafeUUID.unknown`.
        safe: PyObj,
        int_name: PyObj,
        safe_name: PyObj,
    },
    DateTime {
        cls: PyObj,
        utc: PyObj,
        timezone: PyObj,
        timedelta: PyObj,
        /// `timezone` objects by offset in minutes, made once each.
        zones: RefCell<Vec<(i32, PyObj)>>,
    },
}

impl Fast {
    /// Reads `(1, UUID, SafeUUID.unknown)` or `(2, datetime, timezone.utc, timezone, timedelta)`.
    ///
    /// # Safety
    /// Attached; `spec` is a tuple.
    pub unsafe fn read(spec: *mut ffi::PyObject) -> Option<Fast> {
        let item = |i: isize| PyObj::from_borrowed(ffi::PyTuple_GetItem(spec, i));
        let a = &super::super::interpreter::Attached::assume();
        match ffi::PyLong_AsLong(ffi::PyTuple_GetItem(spec, 0)) {
            1 if ffi::PyTuple_Size(spec) == 3 => Some(Fast::Uuid {
                cls: item(1),
                safe: item(2),
                int_name: object::new_str(a, "int")?,
                safe_name: object::new_str(a, "is_safe")?,
            }),
            2 if ffi::PyTuple_Size(spec) == 5 => Some(Fast::DateTime {
                cls: item(1),
                utc: item(2),
                timezone: item(3),
                timedelta: item(4),
                zones: RefCell::new(Vec::new()),
            }),
            _ => {
                ffi::PyErr_Clear();
                None
            }
        }
    }

    /// The value for `text`, or `None` to let the Python leaf decide (nothing is pending).
    ///
    /// # Safety
    /// Attached.
    pub unsafe fn parse(&self, text: &[u8]) -> Option<PyObj> {
        match self {
            Fast::Uuid { cls, safe, int_name, safe_name } => {
                let digits = std::ffi::CString::new(format!("{:032x}", uuid_value(text)?)).ok()?;
                let int = PyObj::from_owned(ffi::PyLong_FromString(digits.as_ptr(), ptr::null_mut(), 16))?;
                let new = (*ptr::addr_of!(ffi::PyBaseObject_Type)).tp_new?;
                let empty = PyObj::from_owned(ffi::PyTuple_New(0))?;
                let uuid = PyObj::from_owned(new(cls.as_ptr().cast(), empty.as_ptr(), ptr::null_mut()))?;
                if ffi::PyObject_GenericSetAttr(uuid.as_ptr(), int_name.as_ptr(), int.as_ptr()) != 0
                    || ffi::PyObject_GenericSetAttr(uuid.as_ptr(), safe_name.as_ptr(), safe.as_ptr()) != 0
                {
                    ffi::PyErr_Clear();
                    return None;
                }
                Some(uuid)
            }
            Fast::DateTime { cls, utc, timezone, timedelta, zones } => {
                let dt = parse_datetime(text)?;
                let tz = match dt.offset_minutes {
                    None => PyObj::from_borrowed(ffi::Py_None()),
                    Some(0) if dt.zulu => PyObj::from_borrowed(utc.as_ptr()),
                    Some(minutes) => zone(zones, timezone, timedelta, minutes)?,
                };
                let fields = [dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.micro];
                let mut args: Vec<PyObj> = Vec::with_capacity(8);
                for value in fields {
                    args.push(PyObj::from_owned(ffi::PyLong_FromLong(value as _))?);
                }
                args.push(tz);
                let raw: Vec<*mut ffi::PyObject> = args.iter().map(PyObj::as_ptr).collect();
                let made =
                    PyObj::from_owned(ffi::PyObject_Vectorcall(cls.as_ptr(), raw.as_ptr(), raw.len(), ptr::null_mut()));
                if made.is_none() {
                    ffi::PyErr_Clear(); // out of range for Python: the leaf words the error
                }
                made
            }
        }
    }
}

impl Fast {
    /// The JSON text of a value of exactly this type (`None`: let the Python leaf render it).
    ///
    /// # Safety
    /// Attached; `v` is an instance of the type this fast path makes.
    pub unsafe fn to_json(&self, v: *mut ffi::PyObject) -> Option<String> {
        let text = match self {
            Fast::Uuid { int_name, .. } => {
                let int = PyObj::from_owned(ffi::PyObject_GenericGetAttr(v, int_name.as_ptr()))?;
                let shift = PyObj::from_owned(ffi::PyLong_FromLong(64))?;
                let high = PyObj::from_owned(ffi::PyNumber_Rshift(int.as_ptr(), shift.as_ptr()))?;
                let hi = ffi::PyLong_AsUnsignedLongLong(high.as_ptr());
                let lo = ffi::PyLong_AsUnsignedLongLongMask(int.as_ptr());
                if !ffi::PyErr_Occurred().is_null() {
                    ffi::PyErr_Clear();
                    return None;
                }
                Some(uuid_text(((hi as u128) << 64) | lo as u128))
            }
            Fast::DateTime { utc, zones, .. } => {
                if let Some(text) = datetime_text(v, utc, zones) {
                    return Some(text);
                }
                // Other tzinfo objects: datetime.isoformat (C code, but ~1 us: it asks the
                // tzinfo for its offset through a method call); pydantic writes UTC as "Z".
                let iso = PyObj::from_owned(ffi::PyObject_CallMethod(v, c"isoformat".as_ptr(), ptr::null()))?;
                let text = std::str::from_utf8(object::str_utf8(iso.as_ptr())?).ok()?;
                // An offset with seconds ("+05:30:15") is written differently by pydantic: the
                // Python leaf knows how.
                let tail = text.len().checked_sub(9).map(|i| &text.as_bytes()[i..]);
                if tail.is_some_and(|t| matches!(t[0], b'+' | b'-') && t[3] == b':' && t[6] == b':') {
                    return None;
                }
                Some(match text.strip_suffix("+00:00") {
                    Some(rest) => format!("{rest}Z"),
                    None => text.to_owned(),
                })
            }
        };
        if text.is_none() {
            ffi::PyErr_Clear();
        }
        text
    }
}

/// The canonical text of a UUID (lower-case hex, 8-4-4-4-12), as `str(uuid)` writes it.
fn uuid_text(value: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(36);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            text.push('-');
        }
        text.push(HEX[((value >> (124 - 4 * i)) & 0xf) as usize] as char);
    }
    text
}

/// A datetime's ISO 8601 text as pydantic writes it (`isoformat`, UTC as "Z"), read from the
/// object's fields -- for naive datetimes and the tzinfo objects this module makes
/// (`timezone.utc` and the cached fixed offsets); `None` for any other tzinfo.
///
/// # Safety
/// Attached; `v` is exactly a `datetime.datetime`.
unsafe fn datetime_text(v: *mut ffi::PyObject, utc: &PyObj, zones: &RefCell<Vec<(i32, PyObj)>>) -> Option<String> {
    let tzinfo = ffi::PyDateTime_DATE_GET_TZINFO(v);
    let offset = if tzinfo == ffi::Py_None() {
        None
    } else if tzinfo == utc.as_ptr() {
        Some(0)
    } else {
        Some(zones.borrow().iter().find(|(_, z)| z.as_ptr() == tzinfo)?.0)
    };
    Some(format_datetime(
        [
            ffi::PyDateTime_GET_YEAR(v),
            ffi::PyDateTime_GET_MONTH(v),
            ffi::PyDateTime_GET_DAY(v),
            ffi::PyDateTime_DATE_GET_HOUR(v),
            ffi::PyDateTime_DATE_GET_MINUTE(v),
            ffi::PyDateTime_DATE_GET_SECOND(v),
            ffi::PyDateTime_DATE_GET_MICROSECOND(v),
        ],
        offset,
    ))
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]` from (year, month, day, hour, minute, second,
/// microsecond) and the UTC offset in minutes: `isoformat` with UTC as "Z", as pydantic writes.
fn format_datetime(f: [i32; 7], offset_minutes: Option<i32>) -> String {
    let mut out = Vec::with_capacity(32);
    write_datetime(f, offset_minutes, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn write_datetime(f: [i32; 7], offset_minutes: Option<i32>, out: &mut Vec<u8>) {
    // Written digit by digit: this runs for every datetime of every lazy request body.
    fn digits(out: &mut Vec<u8>, value: i32, width: u32) {
        for place in (0..width).rev() {
            out.push(b'0' + ((value / 10i32.pow(place)) % 10) as u8);
        }
    }
    digits(out, f[0], 4);
    for (sep, value) in [(b'-', f[1]), (b'-', f[2]), (b'T', f[3]), (b':', f[4]), (b':', f[5])] {
        out.push(sep);
        digits(out, value, 2);
    }
    if f[6] != 0 {
        out.push(b'.');
        digits(out, f[6], 6);
    }
    match offset_minutes {
        None => {}
        Some(0) => out.push(b'Z'),
        Some(minutes) => {
            out.push(if minutes < 0 { b'-' } else { b'+' });
            digits(out, minutes.abs() / 60, 2);
            out.push(b':');
            digits(out, minutes.abs() % 60, 2);
        }
    }
}

/// Writes what a datetime given as `text` is dumped as (validated by the fast path, then
/// written by `to_json`), without making the object; `false` (nothing written) for every text
/// the fast path leaves to the Python leaf. (An offset of zero is `timezone.utc` either way,
/// hence "Z".)
pub fn write_canonical_datetime(text: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(dt) = parse_datetime(text) else { return false };
    write_datetime([dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.micro], dt.offset_minutes, out);
    true
}

/// Writes what a UUID given as `text` is dumped as (see `write_canonical_datetime`).
pub fn write_canonical_uuid(text: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(value) = uuid_value(text) else { return false };
    out.extend_from_slice(uuid_text(value).as_bytes());
    true
}

/// `timezone(timedelta(minutes=m))`, cached per offset.
unsafe fn zone(zones: &RefCell<Vec<(i32, PyObj)>>, timezone: &PyObj, timedelta: &PyObj, minutes: i32) -> Option<PyObj> {
    if let Some((_, z)) = zones.borrow().iter().find(|(m, _)| *m == minutes) {
        return Some(PyObj::from_borrowed(z.as_ptr()));
    }
    let zero = PyObj::from_owned(ffi::PyLong_FromLong(0))?;
    let seconds = PyObj::from_owned(ffi::PyLong_FromLong((minutes * 60) as _))?;
    let args = [zero.as_ptr(), seconds.as_ptr()];
    let delta = PyObj::from_owned(ffi::PyObject_Vectorcall(timedelta.as_ptr(), args.as_ptr(), 2, ptr::null_mut()))?;
    let made = PyObj::from_owned(ffi::PyObject_CallOneArg(timezone.as_ptr(), delta.as_ptr()));
    let Some(made) = made else {
        ffi::PyErr_Clear();
        return None;
    };
    let mut zones = zones.borrow_mut();
    if zones.len() < 64 {
        zones.push((minutes, PyObj::from_borrowed(made.as_ptr())));
    }
    Some(made)
}

/// The value of a UUID in its hyphenated (8-4-4-4-12) or simple (32 hex digits) form.
fn uuid_value(text: &[u8]) -> Option<u128> {
    let dashed = text.len() == 36 && [8, 13, 18, 23].iter().all(|&i| text[i] == b'-');
    if !(dashed || text.len() == 32) {
        return None;
    }
    let mut value: u128 = 0;
    for (i, &c) in text.iter().enumerate() {
        if dashed && matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        value = (value << 4) | (c as char).to_digit(16)? as u128;
    }
    Some(value)
}

struct DateTime {
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    minute: i32,
    second: i32,
    micro: i32,
    offset_minutes: Option<i32>,
    zulu: bool,
}

fn digits(text: &[u8], at: usize, n: usize) -> Option<i32> {
    let part = text.get(at..at + n)?;
    part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |acc, d| acc * 10 + (d - b'0') as i32))
}

fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD(T| )HH:MM:SS[.f{1,6}][Z|±HH:MM]`, every field in range; anything else: `None`.
fn parse_datetime(text: &[u8]) -> Option<DateTime> {
    if text.len() < 19 || text[4] != b'-' || text[7] != b'-' || !matches!(text[10], b'T' | b't' | b' ') {
        return None;
    }
    if text[13] != b':' || text[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(text, 0, 4)?, digits(text, 5, 2)?, digits(text, 8, 2)?);
    let (hour, minute, second) = (digits(text, 11, 2)?, digits(text, 14, 2)?, digits(text, 17, 2)?);
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut at = 19;
    let mut micro = 0;
    if text.get(at) == Some(&b'.') {
        let start = at + 1;
        let mut end = start;
        while end < text.len() && text[end].is_ascii_digit() {
            end += 1;
        }
        let n = end - start;
        if n == 0 || n > 6 {
            return None;
        }
        micro = digits(text, start, n)? * 10i32.pow((6 - n) as u32);
        at = end;
    }
    let (offset_minutes, zulu) = match &text[at..] {
        [] => (None, false),
        [b'Z'] | [b'z'] => (Some(0), true),
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let (h, m) = (digits(rest, 0, 2)?, digits(rest, 3, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            (Some(if *sign == b'-' { -minutes } else { minutes }), false)
        }
        _ => return None,
    };
    Some(DateTime { year, month, day, hour, minute, second, micro, offset_minutes, zulu })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_datetimes_parse_and_others_do_not() {
        let dt = parse_datetime(b"2032-04-23T10:20:30.4+02:30").unwrap();
        assert_eq!(
            (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.micro),
            (2032, 4, 23, 10, 20, 30, 400000)
        );
        assert_eq!(dt.offset_minutes, Some(150));
        assert!(parse_datetime(b"2024-02-29 00:00:00Z").unwrap().zulu);
        for bad in [
            &b"2023-02-29T00:00:00"[..],
            b"2024-13-01T00:00:00",
            b"2024-01-01T24:00:00",
            b"2024-01-01",
            b"1700000000",
            b"2024-01-01T00:00:00.1234567",
            b"2024-01-01T00:00:00+0200",
            b"2024-01-01T00:00:00+25:00",
        ] {
            assert!(parse_datetime(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn uuid_forms() {
        assert_eq!(uuid_value(b"12345678-1234-5678-1234-567812345678"), Some(0x12345678_1234_5678_1234_567812345678));
        assert!(uuid_value(b"12345678123456781234567812345678").is_some());
        assert!(uuid_value(b"g2345678-1234-5678-1234-567812345678").is_none());
        assert!(uuid_value(b"{12345678-1234-5678-1234-567812345678}").is_none());
    }

    #[test]
    fn uuid_text_is_str_uuid() {
        assert_eq!(uuid_text(0x3f2b8c1e_9a4d_4e5f_8b6a_1c2d3e4f5a6b), "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b");
        assert_eq!(uuid_text(0), "00000000-0000-0000-0000-000000000000");
        assert_eq!(uuid_text(u128::MAX), "ffffffff-ffff-ffff-ffff-ffffffffffff");
        let mut out = Vec::new();
        assert!(write_canonical_uuid(b"3F2B8C1E9A4D4E5F8B6A1C2D3E4F5A6B", &mut out));
        assert!(!write_canonical_uuid(b"3F2B8C1E-9A4D4E5F8B6A1C2D3E4F5A6B", &mut out));
        assert!(!write_canonical_uuid(b"g2345678-1234-5678-1234-567812345678", &mut out));
        assert_eq!(out, b"3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b");
    }

    #[test]
    fn canonical_datetimes() {
        let canonical = |text: &[u8]| {
            let mut out = Vec::new();
            write_canonical_datetime(text, &mut out).then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(canonical(b"2024-05-17T14:03:27.512Z").unwrap(), "2024-05-17T14:03:27.512000Z");
        assert_eq!(canonical(b"2024-05-17 14:03:27+00:00").unwrap(), "2024-05-17T14:03:27Z");
        assert_eq!(canonical(b"0999-01-01T00:00:00.000001-08:30").unwrap(), "0999-01-01T00:00:00.000001-08:30");
        assert!(canonical(b"2024-02-30T00:00:00").is_none());
    }
}
