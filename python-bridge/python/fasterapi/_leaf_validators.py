"""Validators written in Python for the types the native validator hands back to Python.

The native validator (``python-bridge/src/cpython/schema/``) handles scalars, containers,
unions, choices and models itself; the types here (UUID, Decimal, dates and times,
bytes, e-mail addresses, URLs) are parsed by the standard library, which already knows
them, and reached through one call per value. Each entry is
``validate(value, loc, errors) -> value | FAILED`` plus ``to_json(value)`` for dumps.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from fasterapi._types import Constraints, TypeDesc
from fasterapi.params import Undefined

__all__ = ["FAILED", "Undefined", "expected_repr", "make_error", "spec_for"]

Validator = Callable[[Any, tuple, list], Any]


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


def _uuid_problem(text: str) -> str:
    """Explain why ``text`` is not a UUID, in the words of the Rust ``uuid`` crate pydantic uses."""
    body = text
    if body.startswith("urn:uuid:"):
        body = body[9:]
    elif body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    for index, char in enumerate(body, start=1):
        if char not in "0123456789abcdefABCDEF-":
            return (
                "invalid character: expected an optional prefix of `urn:uuid:` "
                f"followed by [0-9a-fA-F-], found `{char}` at {index}"
            )
    if "-" not in body:
        return f"invalid length: expected length 32 for simple format, found {len(body)}"
    groups = body.split("-")
    if len(groups) != 5:
        return f"invalid group count: expected 5, found {len(groups)}"
    for index, (group, expected) in enumerate(zip(groups, (8, 4, 4, 4, 12))):
        if len(group) != expected:
            return f"invalid group length in group {index}: expected {expected}, found {len(group)}"
    return "failed to parse a UUID"


def validate_uuid(value: Any, loc: tuple, errors: list) -> Any:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        # Python's parser is laxer than pydantic's (it drops every hyphen);
        # the length check keeps us to the simple/hyphenated/braced/URN forms.
        if len(value) in (32, 36, 38, 45):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass
        problem = _uuid_problem(value)
        errors.append(make_error("uuid_parsing", loc, f"Input should be a valid UUID, {problem}", value, {"error": problem}))
        return FAILED
    errors.append(make_error("uuid_type", loc, "UUID input should be a string, bytes or UUID object", value))
    return FAILED


def validate_decimal(value: Any, loc: tuple, errors: list) -> Any:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else str(value))
        except InvalidOperation:
            pass
        else:
            if result.is_finite():
                return result
        errors.append(make_error("decimal_parsing", loc, "Input should be a valid decimal", value))
        return FAILED
    errors.append(make_error("decimal_type", loc, "Decimal input should be an integer, float, string or Decimal object", value))
    return FAILED


def _iso_validator(cls: type, type_name: str, label: str) -> Validator:
    # ISO 8601 via the stdlib; pydantic's parser is a little laxer and its
    # error texts more detailed, the error types match.
    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if type(value) is cls:
            return value
        if isinstance(value, str):
            try:
                return cls.fromisoformat(value)
            except ValueError as exc:
                problem = str(exc)
            errors.append(make_error(f"{type_name}_parsing", loc, f"Input should be a valid {label}, {problem}", value, {"error": problem}))
            return FAILED
        errors.append(make_error(f"{type_name}_type", loc, f"Input should be a valid {label}", value))
        return FAILED

    return validate



def validate_decimal(value: Any, loc: tuple, errors: list) -> Any:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else str(value))
        except InvalidOperation:
            pass
        else:
            if result.is_finite():
                return result
        errors.append(make_error("decimal_parsing", loc, "Input should be a valid decimal", value))
        return FAILED
    errors.append(make_error("decimal_type", loc, "Decimal input should be an integer, float, string or Decimal object", value))
    return FAILED


def _iso_validator(cls: type, type_name: str, label: str) -> Validator:
    # ISO 8601 via the stdlib; pydantic's parser is a little laxer and its
    # error texts more detailed, the error types match.
    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if type(value) is cls:
            return value
        if isinstance(value, str):
            try:
                return cls.fromisoformat(value)
            except ValueError as exc:
                problem = str(exc)
            errors.append(make_error(f"{type_name}_parsing", loc, f"Input should be a valid {label}, {problem}", value, {"error": problem}))
            return FAILED
        if cls is datetime.datetime and isinstance(value, (int, float)) and not isinstance(value, bool):
            # Unix time, seconds (or milliseconds past year ~2286), UTC -- as pydantic.
            seconds = value / 1000 if abs(value) > 2e10 else value
            return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
        if cls is datetime.date and type(value) is datetime.datetime:
            if value.time() == datetime.time(0) and value.tzinfo is None:
                return value.date()
            errors.append(make_error("date_from_datetime_inexact", loc, "Datetimes provided to dates should have zero time - e.g. be exact dates", value))
            return FAILED
        errors.append(make_error(f"{type_name}_type", loc, f"Input should be a valid {label}", value))
        return FAILED

    return validate


_DURATION = re.compile(
    r"(?P<sign>[-+]?)P(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_CLOCK = re.compile(r"(?P<sign>[-+]?)(?:(?P<days>\d+) days?,? ?)?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d(?:\.\d+)?)")


def validate_timedelta(value: Any, loc: tuple, errors: list) -> Any:
    if isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip()
        match = _DURATION.fullmatch(text) if text not in ("P", "PT") else None
        if match is None:
            match = _CLOCK.fullmatch(text)
        if match is not None:
            parts = {k: float(v) for k, v in match.groupdict().items() if k != "sign" and v}
            delta = datetime.timedelta(**parts)
            return -delta if match.group("sign") == "-" else delta
        errors.append(make_error("time_delta_parsing", loc, "Input should be a valid timedelta, invalid duration format", value, {"error": "invalid duration format"}))
        return FAILED
    errors.append(make_error("time_delta_type", loc, "Input should be a valid timedelta", value))
    return FAILED


def timedelta_iso(value: datetime.timedelta) -> str:
    """pydantic's ISO 8601 rendering of a duration ("P1DT2H", "PT0.5S", "-PT1S")."""
    total = value.days * 86400 + value.seconds + value.microseconds / 1e6
    sign = "-" if total < 0 else ""
    total = abs(value)
    days = total.days
    seconds = total.seconds
    micro = total.microseconds
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    if seconds or micro or not days:
        out += "T"
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if secs or micro or not (hours or minutes):
            out += f"{secs}.{micro:06d}".rstrip("0").rstrip(".") + "S" if micro else f"{secs}S"
    return out


def datetime_json(value: datetime.datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def time_json(value: datetime.time) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def validate_bytes(value: Any, loc: tuple, errors: list) -> Any:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray):
        return bytes(value)
    errors.append(make_error("bytes_type", loc, "Input should be a valid bytes", value))
    return FAILED


def bytes_json(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


# A practical e-mail check (pydantic uses the email-validator package; this is its common
# subset: one @, a dotted domain, no spaces).
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def validate_email(value: Any, loc: tuple, errors: list) -> Any:
    if not isinstance(value, str):
        errors.append(make_error("string_type", loc, "Input should be a valid string", value))
        return FAILED
    if _EMAIL.fullmatch(value.strip()) is None:
        reason = "An email address must have an @-sign." if "@" not in value else "The part after the @-sign is not valid."
        errors.append(make_error("value_error", loc, f"value is not a valid email address: {reason}", value, {"reason": reason}))
        return FAILED
    local, _, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def _constrained_len(inner: Validator, c: Constraints | None, label: str, unit: str) -> Validator:
    if c is None or (c.min_length is None and c.max_length is None):
        return inner

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        result = inner(value, loc, errors)
        if result is FAILED:
            return FAILED
        n = len(result)
        if c.min_length is not None and n < c.min_length:
            errors.append(make_error(f"{label}_too_short", loc, f"Data should have at least {c.min_length} {unit}{'s' if c.min_length != 1 else ''}", value, {"min_length": c.min_length}))
            return FAILED
        if c.max_length is not None and n > c.max_length:
            errors.append(make_error(f"{label}_too_long", loc, f"Data should have at most {c.max_length} {unit}{'s' if c.max_length != 1 else ''}", value, {"max_length": c.max_length}))
            return FAILED
        return result

    return validate


def _bounded(inner: Validator, c: Constraints | None) -> Validator:
    if c is None or all(getattr(c, n) is None for n in ("gt", "ge", "lt", "le", "multiple_of", "max_digits", "decimal_places")):
        return inner
    checks = [
        (c.gt, "greater_than", "greater than", "gt", lambda v, b: v > b),
        (c.ge, "greater_than_equal", "greater than or equal to", "ge", lambda v, b: v >= b),
        (c.lt, "less_than", "less than", "lt", lambda v, b: v < b),
        (c.le, "less_than_equal", "less than or equal to", "le", lambda v, b: v <= b),
    ]
    checks = [check for check in checks if check[0] is not None]

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        result = inner(value, loc, errors)
        if result is FAILED:
            return FAILED
        for bound, kind, words, key, ok in checks:
            if not ok(result, bound):
                errors.append(make_error(kind, loc, f"Input should be {words} {bound}", value, {key: bound}))
                return FAILED
        if c.multiple_of is not None and result % c.multiple_of != 0:
            errors.append(make_error("multiple_of", loc, f"Input should be a multiple of {c.multiple_of}", value, {"multiple_of": c.multiple_of}))
            return FAILED
        if isinstance(result, Decimal) and (c.max_digits is not None or c.decimal_places is not None):
            _, digits, exponent = result.normalize().as_tuple()
            places = max(-exponent, 0) if isinstance(exponent, int) else 0
            total = max(len(digits), places)
            if c.max_digits is not None and total > c.max_digits:
                errors.append(make_error("decimal_max_digits", loc, f"Decimal input should have no more than {c.max_digits} digit{'s' if c.max_digits != 1 else ''} in total", value, {"max_digits": c.max_digits}))
                return FAILED
            if c.decimal_places is not None and places > c.decimal_places:
                errors.append(make_error("decimal_max_places", loc, f"Decimal input should have no more than {c.decimal_places} decimal place{'s' if c.decimal_places != 1 else ''}", value, {"decimal_places": c.decimal_places}))
                return FAILED
        return result

    return validate


_DATETIME = _iso_validator(datetime.datetime, "datetime", "datetime")
_DATE = _iso_validator(datetime.date, "date", "date")
_TIME = _iso_validator(datetime.time, "time", "time")


def spec_for(desc: TypeDesc) -> tuple[Validator, Any] | None:
    """``(validate, to_json)`` for a leaf kind the native validator delegates; ``None`` otherwise."""
    kind = desc.kind
    c = desc.constraints
    if kind == "uuid":
        return validate_uuid, str
    if kind == "decimal":
        return _bounded(validate_decimal, c), str
    if kind == "datetime":
        return _bounded(_DATETIME, c), datetime_json
    if kind == "date":
        return _bounded(_DATE, c), datetime.date.isoformat
    if kind == "time":
        return _bounded(_TIME, c), time_json
    if kind == "timedelta":
        return _bounded(validate_timedelta, c), timedelta_iso
    if kind == "bytes":
        return _constrained_len(validate_bytes, c, "bytes", "byte"), bytes_json
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
        return datetime_json(value)
    if isinstance(value, datetime.timedelta):
        return timedelta_iso(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
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
