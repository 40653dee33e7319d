"""Validators written in Python for the types the native validator hands back to Python.

The native validator (``python-bridge/src/cpython/schema/``) handles scalars, containers,
unions, choices and models itself; the types here (UUID, Decimal, dates and times, bytes,
e-mail addresses, URLs) come back to Python, one call per value. Each entry is::

    validate(value, loc, errors, from_json=False, strict=False) -> value | FAILED

``from_json`` says the value was decoded from JSON (pydantic's rules differ by input kind:
JSON has no ``bytes``, strict JSON still takes ISO text for dates, a JSON integer past i64
is a "big int"); ``strict`` is the call's override (``model_validate(strict=True)``), on top
of the field's own ``strict``. On failure the validator appends pydantic-shaped error dicts
(type, loc, msg, input, ctx) to ``errors`` and returns ``FAILED``. ``to_json(value)`` gives
the value's JSON form for dumps.

The rules are pydantic-core's (2.4x), followed branch by branch; dates and times go through
``_speedate``, a port of the parser pydantic uses, so that the same text gives the same
value or the same error message.
"""

from __future__ import annotations

import datetime
import operator
import re
import uuid
from decimal import Decimal, DecimalException
from typing import Any, Callable

from fasterapi import _speedate as sd
from fasterapi._speedate import SpeedateError
from fasterapi._types import Constraints, TypeDesc
from fasterapi.params import Undefined

__all__ = ["FAILED", "Undefined", "expected_repr", "make_error", "spec_for", "to_jsonable"]

Validator = Callable[..., Any]

_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()


def make_error(type_: str, loc: tuple, msg: str, input_: Any, ctx: dict | None = None) -> dict:
    error = {"type": type_, "loc": list(loc), "msg": msg, "input": input_}
    if ctx is not None:
        error["ctx"] = ctx
    return error


def expected_repr(values: list) -> str:
    """pydantic's "'a', 'b' or 'c'" rendering of allowed values."""
    reprs = [repr(v) for v in values]
    if len(reprs) <= 1:
        return "".join(reprs)
    return f"{', '.join(reprs[:-1])} or {reprs[-1]}"


class _Invalid(Exception):
    """One validation error on the way out: ``kind`` is pydantic's error type, ``error`` the
    parser's explanation for ``*_parsing`` kinds."""

    def __init__(self, kind: str, error: str | None = None) -> None:
        self.kind = kind
        self.error = error


# Messages of the errors raised here, by type ({error} is the parser's explanation).
_MESSAGES = {
    "datetime_type": "Input should be a valid datetime",
    "datetime_parsing": "Input should be a valid datetime, {error}",
    "datetime_from_date_parsing": "Input should be a valid datetime or date, {error}",
    "date_type": "Input should be a valid date",
    "date_parsing": "Input should be a valid date in the format YYYY-MM-DD, {error}",
    "date_from_datetime_parsing": "Input should be a valid date or datetime, {error}",
    "date_from_datetime_inexact": "Datetimes provided to dates should have zero time - e.g. be exact dates",
    "time_type": "Input should be a valid time",
    "time_parsing": "Input should be in a valid time format, {error}",
    "time_delta_type": "Input should be a valid timedelta",
    "time_delta_parsing": "Input should be a valid timedelta, {error}",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "uuid_parsing": "Input should be a valid UUID, {error}",
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
    "finite_number": "Input should be a finite number",
    "bytes_type": "Input should be a valid bytes",
    "string_unicode": "Input should be a valid string, unable to parse raw data as a unicode string",
}


# pydantic words a few errors differently for JSON input ("duration" for timedelta).
_JSON_MESSAGES = dict(
    _MESSAGES,
    time_delta_type="Input should be a valid duration",
    time_delta_parsing="Input should be a valid duration, {error}",
)


def _report(errors: list, exc: _Invalid, loc: tuple, value: Any, from_json: bool = False) -> Any:
    template = (_JSON_MESSAGES if from_json else _MESSAGES)[exc.kind]
    if exc.error is None:
        errors.append(make_error(exc.kind, loc, template, value))
    else:
        errors.append(make_error(exc.kind, loc, template.format(error=exc.error), value, {"error": exc.error}))
    return FAILED


def _instance_error(errors: list, loc: tuple, value: Any, class_name: str) -> Any:
    errors.append(make_error("is_instance_of", loc, f"Input should be an instance of {class_name}", value, {"class": class_name}))
    return FAILED


def _text_bytes(value: str) -> bytes:
    """The UTF-8 the Rust parsers read; a lone surrogate cannot be one (pydantic: string_unicode)."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid("string_unicode") from None


# --- numbers as pydantic reads them --------------------------------------------------------
#
# Python input: an ``int`` that fits i64 is an integer timestamp; any other int, or an object
# with ``__float__`` (Decimal, Fraction), is read as a float, as pyo3's extractions do.
# JSON input: an integer past i64 is a "big int", which the date types refuse.

_NOT_A_NUMBER = object()


def _python_number(value: Any) -> Any:
    """``int`` (i64), ``float``, or ``_NOT_A_NUMBER`` -- what ``extract::<i64>()`` then
    ``extract::<f64>()`` make of a Python value (``None``-like failures included)."""
    if isinstance(value, int):
        if _I64_MIN <= value <= _I64_MAX:
            return int(value)
        try:
            return float(value)
        except OverflowError:
            return _NOT_A_NUMBER
    if isinstance(value, float):
        return float(value)
    cls = type(value)
    if hasattr(cls, "__index__"):
        try:
            index = operator.index(value)
        except Exception:  # noqa: BLE001 -- a failed extraction, as in pyo3
            index = None
        if index is not None and _I64_MIN <= index <= _I64_MAX:
            return index
    if hasattr(cls, "__float__"):
        try:
            return float(value)
        except Exception:  # noqa: BLE001
            return _NOT_A_NUMBER
    return _NOT_A_NUMBER


# --- datetime ----------------------------------------------------------------------------

_DATETIME_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt _]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6})[0-9]*)?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?",
    re.ASCII,
).fullmatch


def _zone(match: re.Match, z: int) -> Any:
    """The tzinfo of a matched ``Z``/``+HH:MM`` at group ``z`` (``False``: let the parser say why not)."""
    if match.group(z):
        return datetime.timezone.utc
    sign = match.group(z + 1)
    if sign is None:
        return None
    minutes = int(match.group(z + 3))
    hours = int(match.group(z + 2))
    if minutes > 59 or hours > 23:
        return False
    offset = (hours * 3600 + minutes * 60) * (-1 if sign == "-" else 1)
    return sd.tzinfo_for(offset)


def _fast_datetime(text: str) -> datetime.datetime | None:
    """The common well-formed text, without the parser's step-by-step walk (``None``: walk)."""
    m = _DATETIME_TEXT(text)
    if m is None:
        return None
    tz = _zone(m, 8)
    if tz is False:
        return None
    frac = m.group(7)
    try:
        year = int(m.group(1))
        if year == 0:
            return None
        return datetime.datetime(year, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                                 int(m.group(6) or 0), int(frac.ljust(6, "0")) if frac else 0, tz)
    except ValueError:
        return None


def _datetime_from_number(number: Any) -> Any:
    try:
        if type(number) is int:
            return sd.datetime_from_timestamp(number)
        return sd.datetime_from_float(number)
    except SpeedateError as exc:
        raise _Invalid("datetime_parsing", str(exc)) from None


def _parse_datetime_text(value: str | bytes) -> Any:
    if isinstance(value, str):
        fast = _fast_datetime(value)
        if fast is not None:
            return fast
        value = _text_bytes(value)
    try:
        return sd.parse_datetime(value)
    except SpeedateError as exc:
        raise _Invalid("datetime_parsing", str(exc)) from None


def _datetime_input(value: Any, from_json: bool, strict: bool) -> Any:
    """``validate_datetime``: a ``datetime``, or speedate's raw tuple, or raises ``_Invalid``."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        if strict and not from_json:
            raise _Invalid("datetime_type")
        return _parse_datetime_text(value)
    if strict:
        raise _Invalid("datetime_type")
    if from_json:
        if type(value) is int and _I64_MIN <= value <= _I64_MAX or type(value) is float:
            return _datetime_from_number(value)
        raise _Invalid("datetime_type")
    if isinstance(value, bytes):
        return _parse_datetime_text(value)
    if type(value) is bool:
        raise _Invalid("datetime_type")
    number = _python_number(value)
    if number is not _NOT_A_NUMBER:
        return _datetime_from_number(number)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    raise _Invalid("datetime_type")


def _datetime_value(value: Any, from_json: bool, strict: bool) -> Any:
    """The datetime validator's input step, with the lax fallback to a date at midnight."""
    try:
        return _datetime_input(value, from_json, strict)
    except _Invalid as first:
        if strict:
            raise
        try:
            ymd = _date_input(value, from_json, False)
        except _Invalid as second:
            if second.kind == "date_parsing":
                raise _Invalid("datetime_from_date_parsing", second.error) from None
            raise first from None
        if isinstance(ymd, datetime.date):
            ymd = (ymd.year, ymd.month, ymd.day)
        return (ymd, (0, 0, 0, 0, None))


def _as_py_datetime(raw: Any) -> datetime.datetime:
    if isinstance(raw, datetime.datetime):
        return raw
    try:
        return sd.to_py_datetime(raw)
    except SpeedateError as exc:
        raise _Invalid("datetime_parsing", str(exc)) from None


# --- date --------------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII).fullmatch


def _parse_date_text(value: str | bytes) -> Any:
    if isinstance(value, str):
        m = _DATE_TEXT(value)
        if m is not None and m.group(1) != "0000":
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        value = _text_bytes(value)
    try:
        return sd.parse_date(value)
    except SpeedateError as exc:
        raise _Invalid("date_parsing", str(exc)) from None


def _date_input(value: Any, from_json: bool, strict: bool) -> Any:
    """``validate_date``: a ``date``, or speedate's (y, m, d), or raises ``_Invalid``."""
    if from_json:
        if isinstance(value, str):
            return _parse_date_text(value)
        raise _Invalid("date_type")
    if type(value) is datetime.date:
        return value
    if isinstance(value, datetime.datetime):
        raise _Invalid("date_type")  # a datetime is a date subclass: refused here, coerced below
    if isinstance(value, datetime.date):
        return value
    if not strict and isinstance(value, (str, bytes)):
        return _parse_date_text(value)
    raise _Invalid("date_type")


def _date_value(value: Any, from_json: bool, strict: bool) -> Any:
    """The date validator's input step, with the lax fallback from an exact datetime."""
    try:
        return _date_input(value, from_json, strict)
    except _Invalid as first:
        if strict:
            raise
        try:
            raw = _datetime_input(value, from_json, False)
        except _Invalid as second:
            if second.kind == "datetime_parsing":
                raise _Invalid("date_from_datetime_parsing", second.error) from None
            raise first from None
        if isinstance(raw, datetime.datetime):
            if raw.hour or raw.minute or raw.second or raw.microsecond:
                raise _Invalid("date_from_datetime_inexact") from None
            return (raw.year, raw.month, raw.day)
        ymd, (hour, minute, second, micro, _) = raw
        if hour or minute or second or micro:
            raise _Invalid("date_from_datetime_inexact") from None
        return ymd


def _as_py_date(raw: Any) -> datetime.date:
    if isinstance(raw, datetime.date):
        return raw
    try:
        return sd.to_py_date(raw)
    except SpeedateError as exc:
        raise _Invalid("date_parsing", str(exc)) from None


# --- time --------------------------------------------------------------------------------

_TIME_TEXT = re.compile(
    r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6})[0-9]*)?)?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?",
    re.ASCII,
).fullmatch


def _parse_time_text(value: str | bytes) -> Any:
    if isinstance(value, str):
        m = _TIME_TEXT(value)
        if m is not None:
            tz = _zone(m, 5)
            if tz is not False:
                frac = m.group(4)
                try:
                    return datetime.time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0),
                                         int(frac.ljust(6, "0")) if frac else 0, tz)
                except ValueError:
                    pass
        value = _text_bytes(value)
    try:
        return sd.to_py_time(sd.parse_time(value))
    except SpeedateError as exc:
        raise _Invalid("time_parsing", str(exc)) from None


def _time_from_number(number: Any) -> datetime.time:
    try:
        raw = sd.time_from_int(number) if type(number) is int else sd.time_from_float(number)
    except SpeedateError as exc:
        raise _Invalid("time_parsing", str(exc)) from None
    return sd.to_py_time(raw)


def _time_value(value: Any, from_json: bool, strict: bool) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    if from_json:
        if isinstance(value, str):
            return _parse_time_text(value)
        if not strict and type(value) in (int, float):
            if type(value) is int and not _I64_MIN <= value <= _I64_MAX:
                raise _Invalid("time_parsing", sd.MESSAGES["TimeTooLarge"])
            return _time_from_number(value)
        raise _Invalid("time_type")
    if strict:
        raise _Invalid("time_type")
    if isinstance(value, (str, bytes)):
        return _parse_time_text(value)
    if type(value) is bool:
        raise _Invalid("time_type")
    number = _python_number(value)
    if number is not _NOT_A_NUMBER:
        return _time_from_number(number)
    raise _Invalid("time_type")


# --- timedelta ---------------------------------------------------------------------------

def _timedelta_from(make: Callable, arg: Any) -> datetime.timedelta:
    try:
        return sd.to_py_timedelta(make(arg))
    except SpeedateError as exc:
        raise _Invalid("time_delta_parsing", str(exc)) from None


def _timedelta_value(value: Any, from_json: bool, strict: bool) -> datetime.timedelta:
    if isinstance(value, datetime.timedelta):
        return value
    if from_json:
        if isinstance(value, str):
            return _timedelta_from(sd.parse_duration, _text_bytes(value))
        if not strict and (type(value) is int and _I64_MIN <= value <= _I64_MAX):
            return _timedelta_from(sd.duration_from_int, value)
        if not strict and type(value) is float:
            return _timedelta_from(sd.duration_from_float, value)
        raise _Invalid("time_delta_type")
    if strict:
        raise _Invalid("time_delta_type")
    if isinstance(value, str):
        return _timedelta_from(sd.parse_duration, _text_bytes(value))
    if isinstance(value, bytes):
        return _timedelta_from(sd.parse_duration, value)
    number = _python_number(value)  # bools included: pydantic reads True as 1 second
    if type(number) is int:
        return _timedelta_from(sd.duration_from_int, number)
    if type(number) is float:
        return _timedelta_from(sd.duration_from_float, number)
    raise _Invalid("time_delta_type")


# --- bounds on dates and times -----------------------------------------------------------
#
# pydantic converts each bound with the type's own lax validator, compares with speedate's
# ordering and writes the bound with speedate's Display in the message and ctx.

_BOUND_ERRORS = (  # pydantic's order of checks
    ("le", "less_than_equal", "less than or equal to", lambda c: c <= 0),
    ("lt", "less_than", "less than", lambda c: c < 0),
    ("ge", "greater_than_equal", "greater than or equal to", lambda c: c >= 0),
    ("gt", "greater_than", "greater than", lambda c: c > 0),
)


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


def _datetime_key(value: datetime.datetime) -> tuple:
    return (value.replace(tzinfo=None), sd.tz_offset_of(value))


def _datetime_cmp(a: datetime.datetime, b: datetime.datetime) -> int:
    (na, ta), (nb, tb) = _datetime_key(a), _datetime_key(b)
    if ta is not None and tb is not None:
        sa = na.replace(microsecond=0) - datetime.timedelta(seconds=ta)
        sb = nb.replace(microsecond=0) - datetime.timedelta(seconds=tb)
        return _cmp(sa, sb) or _cmp(na.microsecond, nb.microsecond)
    return _cmp(na, nb)


def _time_cmp(a: datetime.time, b: datetime.time) -> int:
    ta, tb = sd.tz_offset_of(a), sd.tz_offset_of(b)
    secs_a = a.hour * 3600 + a.minute * 60 + a.second
    secs_b = b.hour * 3600 + b.minute * 60 + b.second
    if ta is not None and tb is not None:
        secs_a -= ta
        secs_b -= tb
    return _cmp(secs_a, secs_b) or _cmp(a.microsecond, b.microsecond)


def _human_duration(value: datetime.timedelta) -> str:
    """pydantic's rendering of a timedelta bound ("1 day and 2 hours")."""
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in (
        (value.days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second"),
        (value.microseconds, "microsecond")) if n]
    return " and ".join(parts) or "0 seconds"


def _bounds(c: Constraints | None, convert: Callable, render: Callable) -> list:
    if c is None:
        return []
    out = []
    for key, kind, words, ok in _BOUND_ERRORS:
        bound = getattr(c, key)
        if bound is not None:
            value = convert(bound, key)
            out.append((key, kind, words, ok, value, render(value)))
    return out


def _check_bounds(bounds: list, result: Any, compare: Callable, loc: tuple, errors: list, input_: Any) -> bool:
    for key, kind, words, ok, bound, text in bounds:
        if not ok(compare(result, bound)):
            errors.append(make_error(kind, loc, f"Input should be {words} {text}", input_, {key: text}))
            return False
    return True


def _coerce_bound(step: Callable, finish: Callable, type_name: str) -> Callable:
    def convert(bound: Any, key: str) -> Any:
        try:
            return finish(step(bound, False, False))
        except _Invalid:
            raise ValueError(f"'{key}' must be coercible to a {type_name} instance") from None
    return convert


# --- the temporal validators -------------------------------------------------------------

def _temporal_validator(step: Callable, bound_step: Callable, finish: Callable, c: Constraints | None,
                        compare: Callable, render: Callable, exact: type, input_is_result: bool = False) -> Validator:
    """``step(value, from_json, strict)`` reads the input (raising ``_Invalid``), ``finish``
    makes the Python object; bounds are read by ``bound_step``, the type's lax Python input
    rule without the date/datetime fallbacks, as pydantic reads them."""
    declared = bool(c is not None and c.strict)
    bounds = _bounds(c, _coerce_bound(bound_step, finish, exact.__name__), render)

    def validate(value: Any, loc: tuple, errors: list, from_json: bool = False, strict: bool = False) -> Any:
        if type(value) is exact and not bounds:
            return value
        try:
            result = finish(step(value, from_json, declared or strict))
        except _Invalid as exc:
            return _report(errors, exc, loc, value, from_json)
        if bounds and not _check_bounds(bounds, result, compare, loc, errors, result if input_is_result else value):
            return FAILED
        return result

    return validate


def _render_date(value: datetime.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def datetime_validator(c: Constraints | None = None) -> Validator:
    return _temporal_validator(_datetime_value, _datetime_input, _as_py_datetime, c, _datetime_cmp, sd.format_datetime,
                               datetime.datetime)


def date_validator(c: Constraints | None = None) -> Validator:
    return _temporal_validator(_date_value, _date_input, _as_py_date, c, lambda a, b: _cmp((a.year, a.month, a.day), (b.year, b.month, b.day)),
                               _render_date, datetime.date)


def time_validator(c: Constraints | None = None) -> Validator:
    return _temporal_validator(_time_value, _time_value, lambda t: t, c, _time_cmp, sd.format_time, datetime.time)


def timedelta_validator(c: Constraints | None = None) -> Validator:
    # pydantic reports a timedelta out of bounds with the validated value as the input
    return _temporal_validator(_timedelta_value, _timedelta_value, lambda t: t, c, _cmp, _human_duration, datetime.timedelta,
                               input_is_result=True)


# --- UUID --------------------------------------------------------------------------------

_HEX = frozenset(b"0123456789abcdefABCDEF")
_UUID_HYPHENATED = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", re.ASCII).fullmatch
_UUID_SIMPLE = re.compile(r"[0-9a-fA-F]{32}", re.ASCII).fullmatch
_GROUP_STARTS = (0, 9, 14, 19, 24)


_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def _make_uuid(hex_digits: str) -> uuid.UUID:
    """A UUID built as pydantic-core builds it: no ``__init__`` (the text is already checked)."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", int(hex_digits, 16))
    object.__setattr__(made, "is_safe", _SAFE_UNKNOWN)
    return made


def _uuid_diagnose(body: str, offset: int, simple: bool, length: int) -> str:
    """Why ``body`` is no UUID, in the words of the Rust ``uuid`` crate pydantic uses.

    The crate looks at each character's low byte only (``c as u8``): "\u0661" passes for
    an "a" and "\u012d" for a hyphen; positions are byte offsets."""
    hyphens = []
    index = 0
    for char in body:
        low = ord(char) & 0xFF
        if low == 0x2D:
            hyphens.append(index)
        elif low not in _HEX:
            return f"invalid character: found `{char}` at {index + offset}"
        index += 1 if char < "\x80" else len(char.encode("utf-8", "surrogatepass"))
    if not hyphens and simple:
        return f"invalid length: found {length}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group in range(4):
        if hyphens[group] != _GROUP_STARTS[group + 1] - 1:
            expected = (8, 4, 4, 4, 12)[group]
            return f"invalid group length in group {group}: expected {expected}, found {hyphens[group] - _GROUP_STARTS[group]}"
    return f"invalid group length in group 4: expected 12, found {length - _GROUP_STARTS[4]}"


def _uuid_from_text(text: str) -> uuid.UUID:
    """``Uuid::parse_str``: simple, hyphenated, ``{braced}`` or ``urn:uuid:`` forms, else ``_Invalid``."""
    if len(text) == 36 and _UUID_HYPHENATED(text):
        return _make_uuid(text.replace("-", ""))
    if len(text) == 32 and _UUID_SIMPLE(text):
        return _make_uuid(text)
    n = len(text) if text.isascii() else len(_text_bytes(text))
    if n > 45:  # longer than the longest form (urn:uuid:...): judged on length alone
        raise _Invalid("uuid_parsing", f"invalid length: found {n}")
    # the exact lengths of the hyphenated, braced and URN forms are diagnosed on their
    # 36-character body; any other length on the whole text
    inner = None
    if n == 38 and text[0] == "{" and text[-1] == "}":
        inner = text[1:-1]
    elif n == 45 and text.startswith("urn:uuid:"):
        inner = text[9:]
    elif n == 36:
        inner = text
    if inner is not None:
        if _UUID_HYPHENATED(inner):
            return _make_uuid(inner.replace("-", ""))
        problem = _uuid_diagnose(inner, 0, False, 36)
    elif n >= 2 and text[0] == "{" and text[-1] == "}":
        problem = _uuid_diagnose(text[1:-1], 1, False, n)
    elif text.startswith("urn:uuid:"):
        problem = _uuid_diagnose(text[9:], 9, False, n)
    else:
        problem = _uuid_diagnose(text, 0, True, n)
    raise _Invalid("uuid_parsing", problem)


def _uuid_from_bytes(data: bytes) -> uuid.UUID:
    try:
        return _uuid_from_text(data.decode("utf-8"))
    except (UnicodeDecodeError, _Invalid):
        pass
    if len(data) != 16:
        raise _Invalid("uuid_parsing", f"invalid length: expected 16 bytes, found {len(data)}")
    return uuid.UUID(bytes=bytes(data))


def uuid_validator(c: Constraints | None = None) -> Validator:
    declared = bool(c is not None and c.strict)

    def validate(value: Any, loc: tuple, errors: list, from_json: bool = False, strict: bool = False) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        if (declared or strict) and not from_json:
            return _instance_error(errors, loc, value, "UUID")
        try:
            if isinstance(value, str):
                return _uuid_from_text(value)
            if not from_json and isinstance(value, bytes):
                return _uuid_from_bytes(value)
        except _Invalid as exc:
            return _report(errors, exc, loc, value)
        errors.append(make_error("uuid_type", loc, _MESSAGES["uuid_type"], value))
        return FAILED

    return validate


# --- Decimal -----------------------------------------------------------------------------

def _new_decimal(arg: Any) -> Decimal:
    """``Decimal(arg)`` with pydantic's reading of its failures."""
    try:
        return Decimal(arg)
    except DecimalException:
        raise _Invalid("decimal_parsing") from None
    except TypeError:
        raise _Invalid("decimal_type") from None


def json_float_text(value: float) -> str:
    """Rust's ``f64`` Display, which pydantic hands to ``Decimal`` for a JSON number: the
    shortest round-trip digits, never in exponent form ("1e20" -> "100000000000000000000")."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    shortest = Decimal(repr(value))
    # When two shortest digit strings are equally close to the float, Python's repr takes the
    # even one and Rust the one farther from zero (861740712460254.25 -> ...254.2 / ...254.3).
    # Only 16-17 digit reprs can tie: decimals of up to 15 digits map to distinct floats.
    _, digits, exponent = shortest.as_tuple()
    if len(digits) <= 15:
        return format(shortest.normalize(), "f")
    half = Decimal((0, (5,), exponent - 1))
    exact = Decimal(value)
    if exact == (shortest + half if value > 0 else shortest - half):
        farther = shortest + 2 * half if value > 0 else shortest - 2 * half
        if float(farther) == value:
            shortest = farther
    return format(shortest.normalize(), "f")


def _decimal_value(value: Any, from_json: bool, strict: bool) -> Decimal:
    if from_json:
        cls = type(value)
        if cls is float:
            return _new_decimal(json_float_text(value))
        if cls is str or cls is int:
            return _new_decimal(value)
        if cls is list and not strict and len(value) == 3:
            return _new_decimal(value)
        raise _Invalid("decimal_type")
    if type(value) is Decimal:
        return value
    if not strict:
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return _new_decimal(value)
        if isinstance(value, float):
            return _new_decimal(str(value))
        if type(value) is tuple and len(value) == 3:
            try:
                return _new_decimal(value)
            except _Invalid:
                pass
    if isinstance(value, Decimal):
        return _new_decimal(value)  # a subclass, upcast
    raise _Invalid("is_instance_of" if strict else "decimal_type")


def _digits_info(value: Decimal) -> tuple[int, int]:
    """(decimal places, digits) as pydantic counts them from ``as_tuple()``."""
    _, digit_tuple, exponent = value.as_tuple()
    digits = len(digit_tuple)
    if exponent >= 0:
        return 0, digits + exponent
    decimals = -exponent
    return decimals, max(digits, decimals)


def _plural(n: int) -> str:
    return "" if n == 1 else "s"


def _decimal_bound(bound: Any, name: str) -> Decimal:
    try:
        return _decimal_value(bound, False, False)
    except _Invalid:
        raise ValueError(f"'{name}' must be coercible to a Decimal instance") from None


def decimal_validator(c: Constraints | None = None) -> Validator:
    c = c or Constraints()
    declared = bool(c.strict)
    allow_inf_nan = bool(c.allow_inf_nan)
    max_digits, decimal_places = c.max_digits, c.decimal_places
    check_digits = max_digits is not None or decimal_places is not None
    multiple_of = _decimal_bound(c.multiple_of, "multiple_of") if c.multiple_of is not None else None
    bounds = [(key, kind, words, ok, _decimal_bound(getattr(c, key), key))
              for key, kind, words, ok in _BOUND_ERRORS if getattr(c, key) is not None]
    plain = not check_digits and multiple_of is None and not bounds

    def validate(value: Any, loc: tuple, errors: list, from_json: bool = False, strict: bool = False) -> Any:
        if plain and type(value) is Decimal and (allow_inf_nan or value.is_finite()):
            return value
        try:
            result = _decimal_value(value, from_json, declared or strict)
        except _Invalid as exc:
            if exc.kind == "is_instance_of":
                return _instance_error(errors, loc, value, "Decimal")
            return _report(errors, exc, loc, value)
        if not allow_inf_nan or check_digits:
            if not result.is_finite():
                return _report(errors, _Invalid("finite_number"), loc, value)
            if check_digits and not _digits_ok(result, loc, errors, value):
                return FAILED
        if multiple_of is not None and (result / multiple_of) % 1 != 0:
            errors.append(make_error("multiple_of", loc, f"Input should be a multiple of {multiple_of}", value,
                                     {"multiple_of": multiple_of}))
            return FAILED
        for key, kind, words, ok, bound in bounds:
            if result.is_nan() or not ok(_cmp(result, bound)):
                errors.append(make_error(kind, loc, f"Input should be {words} {bound}", value, {key: bound}))
                return FAILED
        return result

    def _digits_ok(result: Decimal, loc: tuple, errors: list, value: Any) -> bool:
        normalized_decimals, normalized_digits = _digits_info(result.normalize())
        decimals, digits = _digits_info(result)
        if max_digits is not None and digits > max_digits and normalized_digits > max_digits:
            errors.append(make_error("decimal_max_digits", loc,
                                     f"Decimal input should have no more than {max_digits} digit{_plural(max_digits)} in total",
                                     value, {"max_digits": max_digits}))
            return False
        if decimal_places is not None:
            if decimals > decimal_places and normalized_decimals > decimal_places:
                errors.append(make_error("decimal_max_places", loc,
                                         f"Decimal input should have no more than {decimal_places} decimal place{_plural(decimal_places)}",
                                         value, {"decimal_places": decimal_places}))
                return False
            if max_digits is not None:
                whole = max(max_digits - decimal_places, 0)
                if max(digits - decimals, 0) > whole and max(normalized_digits - normalized_decimals, 0) > whole:
                    errors.append(make_error("decimal_whole_digits", loc,
                                             f"Decimal input should have no more than {whole} digit{_plural(whole)} before the decimal point",
                                             value, {"whole_digits": whole}))
                    return False
        return True

    return validate


# --- bytes -------------------------------------------------------------------------------

def _bytes_input(value: Any, from_json: bool, strict: bool) -> bytes:
    """``validate_bytes`` with the default ``val_json_bytes="utf8"``."""
    if from_json:
        if isinstance(value, str):
            return _text_bytes(value)
    elif isinstance(value, bytes):
        return value
    elif not strict:
        if isinstance(value, str):
            return _text_bytes(value)
        if isinstance(value, bytearray):
            return bytes(value)
    raise _Invalid("bytes_type")


def bytes_validator(c: Constraints | None = None) -> Validator:
    declared = bool(c is not None and c.strict)
    min_length = c.min_length if c is not None else None
    max_length = c.max_length if c is not None else None

    def validate(value: Any, loc: tuple, errors: list, from_json: bool = False, strict: bool = False) -> Any:
        try:
            result = _bytes_input(value, from_json, declared or strict)
        except _Invalid as exc:
            return _report(errors, exc, loc, value)
        if min_length is not None and len(result) < min_length:
            errors.append(make_error("bytes_too_short", loc, f"Data should have at least {min_length} byte{_plural(min_length)}",
                                     value, {"min_length": min_length}))
            return FAILED
        if max_length is not None and len(result) > max_length:
            errors.append(make_error("bytes_too_long", loc, f"Data should have at most {max_length} byte{_plural(max_length)}",
                                     value, {"max_length": max_length}))
            return FAILED
        return result

    return validate


# --- e-mail ------------------------------------------------------------------------------

# A practical e-mail check (pydantic uses the email-validator package; this is its common
# subset: one @, a dotted domain, no spaces).
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def validate_email(value: Any, loc: tuple, errors: list, from_json: bool = False, strict: bool = False) -> Any:
    if not isinstance(value, str):
        errors.append(make_error("string_type", loc, "Input should be a valid string", value))
        return FAILED
    if _EMAIL.fullmatch(value.strip()) is None:
        reason = "An email address must have an @-sign." if "@" not in value else "The part after the @-sign is not valid."
        errors.append(make_error("value_error", loc, f"value is not a valid email address: {reason}", value, {"reason": reason}))
        return FAILED
    local, _, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


# --- JSON forms --------------------------------------------------------------------------

def datetime_json(value: Any) -> Any:
    return sd.format_datetime(value) if isinstance(value, datetime.datetime) else to_jsonable(value)


def date_json(value: Any) -> Any:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return _render_date(value)
    return to_jsonable(value)


def time_json(value: Any) -> Any:
    return sd.format_time(value) if isinstance(value, datetime.time) else to_jsonable(value)


def timedelta_json(value: Any) -> Any:
    return sd.format_duration(value) if isinstance(value, datetime.timedelta) else to_jsonable(value)


def bytes_json(value: bytes) -> str:
    # pydantic's default ser_json_bytes="utf8": bytes that are not UTF-8 cannot be dumped
    # (model_dump(mode="json") raises this UnicodeDecodeError as it is; model_dump_json
    # raises PydanticSerializationError(json_dump_error_message(exc)))
    return bytes(value).decode("utf-8")


def json_dump_error_message(exc: BaseException) -> str:
    """pydantic's ``PydanticSerializationError`` text for a ``to_json`` failure in a JSON dump
    (a bytes value that is not UTF-8 is described as Rust's ``Utf8Error`` describes it)."""
    if isinstance(exc, UnicodeDecodeError):
        if exc.reason == "unexpected end of data":
            return f"Error serializing to JSON: incomplete utf-8 byte sequence from index {exc.start}"
        return f"Error serializing to JSON: invalid utf-8 sequence of {exc.end - exc.start} bytes from index {exc.start}"
    return f"Error serializing to JSON: {exc}"



def spec_for(desc: TypeDesc) -> tuple[Validator, Any] | None:
    """``(validate, to_json)`` for a leaf kind the native validator delegates; ``None`` otherwise."""
    kind = desc.kind
    c = desc.constraints
    if kind == "uuid":
        return uuid_validator(c), str
    if kind == "decimal":
        return decimal_validator(c), str
    if kind == "datetime":
        return datetime_validator(c), datetime_json
    if kind == "date":
        return date_validator(c), date_json
    if kind == "time":
        return time_validator(c), time_json
    if kind == "timedelta":
        return timedelta_validator(c), timedelta_json
    if kind == "bytes":
        return bytes_validator(c), bytes_json
    if kind == "email":
        return validate_email, None
    if kind in ("url", "upload", "custom"):
        hook = getattr(desc.cls, "__fasterapi_validate__", None)
        if hook is not None:
            return hook, getattr(desc.cls, "__fasterapi_to_json__", None)
    return None


def to_jsonable(value: Any) -> Any:
    """JSON types for a value of no declared type (the native dump's fallback)."""
    import dataclasses
    import enum

    from fasterapi._errors import PydanticSerializationError

    if isinstance(value, datetime.datetime):
        return sd.format_datetime(value)
    if isinstance(value, datetime.timedelta):
        return sd.format_duration(value)
    if isinstance(value, datetime.date):
        return _render_date(value)
    if isinstance(value, datetime.time):
        return sd.format_time(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes_json(value)
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value) if not isinstance(value.value, (str, int, float, bool, type(None))) else value.value
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise PydanticSerializationError(f"Unable to serialize unknown type: {type(value)!r}")
