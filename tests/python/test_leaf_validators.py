"""The Python leaf validators (``fasterapi._leaf_validators``) against pydantic, input by input.

Each validator is called the way the native validator calls it,
``validate(value, loc, errors, from_json, strict)``: for JSON input the value is what
``json.loads`` makes of the text and ``from_json=True``; pydantic gets the text itself
(``validate_json``) or the value (``validate_python``). Compared: the validated value with
its type, its JSON form (the leaf's ``to_json`` against ``dump_python(mode="json")``), or every error's type,
message, input and ctx. The corpus is hand-picked edge cases plus seeded random text made of
the pieces the parsers care about, so that each branch of speedate's parser (dates, times,
durations, timestamps) and of the uuid crate's diagnostics is reached.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from fasterapi import _leaf_validators as leaf
from fasterapi._types import Constraints

VALIDATORS = {
    "datetime": (dt.datetime, leaf.datetime_validator, leaf.datetime_json),
    "date": (dt.date, leaf.date_validator, leaf.date_json),
    "time": (dt.time, leaf.time_validator, leaf.time_json),
    "timedelta": (dt.timedelta, leaf.timedelta_validator, leaf.timedelta_json),
    "uuid": (uuid.UUID, leaf.uuid_validator, str),
    "decimal": (Decimal, leaf.decimal_validator, str),
    "bytes": (bytes, leaf.bytes_validator, leaf.bytes_json),
}


def describe(value: Any) -> tuple:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return (type(value).__name__, value.isoformat())
    if isinstance(value, dt.timedelta):
        return ("timedelta", value.days, value.seconds, value.microseconds)
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, str(value) if isinstance(value, Decimal) else repr(value))


def describe_errors(errors: list) -> list:
    return [{"type": e["type"], "msg": e["msg"], "input": describe(e["input"]),
             "ctx": {k: str(v) for k, v in e.get("ctx", {}).items()}} for e in errors]


def expected(annotation: Any, raw: Any, kind: str) -> tuple:
    adapter = TypeAdapter(annotation)
    try:
        value = adapter.validate_json(raw) if kind == "json" else adapter.validate_python(raw)
    except ValidationError as exc:
        return ("invalid", describe_errors(exc.errors(include_url=False)))
    try:
        # dump_python(mode="json") is what a leaf's to_json stands for (dump_json differs only
        # in wrapping a failure, bytes that are not UTF-8, in PydanticSerializationError)
        dumped = adapter.dump_python(value, mode="json")
    except Exception as exc:  # noqa: BLE001 -- compared by class
        dumped = type(exc).__name__
    return ("valid", describe(value), dumped)


def actual(validate: Any, to_json: Any, raw: Any, kind: str) -> tuple:
    errors: list = []
    value = validate(json.loads(raw) if kind == "json" else raw, ("v",), errors, kind == "json", False)
    if value is leaf.FAILED:
        assert all(e.pop("loc") == ["v"] for e in errors)
        return ("invalid", describe_errors(errors))
    try:
        dumped = to_json(value)
    except Exception as exc:  # noqa: BLE001
        dumped = type(exc).__name__
    return ("valid", describe(value), dumped)


def compare(name: str, inputs: list, kwargs: dict | None = None, kinds=("python", "json")) -> list:
    """Mismatches of one validator over ``inputs`` (each in python and JSON form)."""
    cls, make, to_json = VALIDATORS[name]
    kwargs = kwargs or {}
    annotation = Annotated[cls, Field(**kwargs)] if kwargs else cls
    validate = make(Constraints(**kwargs) if kwargs else None)
    mismatches = []
    for value in inputs:
        for kind in kinds:
            if kind == "json":
                try:
                    raw = json.dumps(value)
                except (TypeError, ValueError):
                    continue
            else:
                raw = value
            if kind == "json" and "\\ud8" in raw:
                continue  # a lone surrogate is the JSON parser's error, not the leaf's
            want, got = expected(annotation, raw, kind), actual(validate, to_json, raw, kind)
            if want != got:
                mismatches.append(f"{name} {kwargs} {kind} {raw!r}:\n  pydantic {want}\n  leaf     {got}")
    return mismatches


def assert_none(mismatches: list) -> None:
    assert not mismatches, f"{len(mismatches)} mismatches, first ones:\n" + "\n".join(mismatches[:8])


# --- the corpus --------------------------------------------------------------------------

TEXT = [
    "", " ", "x", "abc", "nan", "inf", "-inf", "true", "3", " 3 ", "3.0", "3.5", "1e3", "-", "+", "-0", "1_000", "9" * 30,
    # datetimes and dates
    "2024-01-02T03:04:05Z", "2024-01-02 03:04", "2024-01-02t03:04:05z", "2024-01-02_03:04:05", "2024-01-02",
    "2024-01-02T03:04:05.1234567+02:00", "2024-01-02T03:04:05,5-0130", "2024-01-02T03:04:05\u221201:00",
    "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-2", "0000-01-01", "0000-01-01T00:00:00",
    "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999", "2024-01-02T24:00:00", "2024-01-02T03:60", "2024-01-02T03:04:60",
    "2024-01-02T03:04:05+24:00", "2024-01-02T03:04:05+23:60", "2024-01-02T03:04:05.", "2024-01-02T03:04:05Zx",
    "2024-01-02T03:04:05+05", "2024-01-02X03:04", " 2024-01-02", "2024-01-02T03", "\u0662024-01-02",
    # numeric text
    "1700000000", "1700000000.5", "-1700000000.5", "1700000000123", "1700000000123.5", "20000000000", "20000000001",
    "-20000000001", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "253402300799", "253402300800", "-62167219200", "-62167219201", "-62135596800", "+1700000000", "+1.5", ".5",
    "-.5", "5.", "1.5e3", "1.5.5", "253402300799999.9", "1.7e308",
    # times
    "03:04:05", "03:04", "3:4", "25:00", "23:59:60", "03:04:05.5+01:00", "03:04:05-0130", "03:04:05+24:00",
    "03:04:05.", "03:04:05,5", "03:04:05.123456789", "03:04:05 ", "03:04:05z",
    # durations
    "P1DT2H3M4.5S", "-P1D", "+P1D", "PT", "P", "P1", "PT1.5H", "P1.5D", "P1.5DT1H", "PT1H1.5M", "P1.5D1D", "PTT1H",
    "P1W", "P1Y", "P1M", "PT1M", "P4294967295D", "P4294967296D", "PT4294967295S", "P999999999D", "P1000000000D",
    "PT0S", "-PT0S", "P1D1D", "PT1H2H", "1 day", "1 day, 01:00:00", "1 days, 1:00:00", "1d", "1D", "1 Day", "2 daysx",
    "1 day,01:00:00", "1 day 01:00:00", "1 day 25:00:00", "01:02:03", "1:02:03", "100:00:00", "2400000000:00:00",
    "2400000001:00:00", "12345678901:00:00", ":01:02", "01:02:03.1234567", "01:02:03.1234567xyz", "1:2", "-01:02:03",
    # UUIDs
    "12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678", "{12345678-1234-5678-1234-567812345678}",
    "urn:uuid:12345678-1234-5678-1234-567812345678", "URN:UUID:12345678-1234-5678-1234-567812345678",
    "12345678-1234-5678-1234-56781234567", "12345678-1234-5678-1234-5678123456789", "{12345678-1234-5678-1234-567812345678",
    "12345678-1234-5678-1234", "1234567-81234-5678-1234-567812345678", "a" * 36, "a" * 46, "-" * 42, "\u00e9" * 3,
    "a\U0001F600", "123456789012345678901234567890\u0661", "{a-b}", "urn:uuid:x", "g" * 32,
    # decimals
    "12.34", "1234.567", "NaN", "-Infinity", "sNaN", "1e2", "1E+3", "-0.0000", "\u0661\u0662",
]


def _random_text(seed: int, pieces: list, count: int) -> list:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(count)]


FUZZ_TEXT = (
    _random_text(1, ["2024", "-", "01", "02", "T", " ", "_", "03", ":", "04", "05", ".", ",", "123456789", "Z", "+",
                     "05:30", "0530", "\u2212", "1", "12", "99", "13", "29", "31", "24", "60", "1700000000", "e", "0000"], 400)
    + _random_text(2, ["P", "T", "1", "4294967295", "0", ".", ",", "5", "D", "H", "M", "S", "W", "Y", "d", "day", "days",
                       " ", ", ", ":", "00", "59", "60", "-", "+", "a"], 400)
    + _random_text(3, ["12345678", "-", "1234", "567812345678", "{", "}", "urn:uuid:", "a", "g", "\u00e9", "\u0661"], 300)
)

NUMBERS = [
    0, 1, -1, 3, 86399, 86400, 1700000000, 1700000000123, 20000000000, 20000000001, 2**63 - 1, -(2**63), 2**63, 10**30,
    10**400, 86400 * 999_999_999 + 86399, 86400 * 1_000_000_000, 0.0, -0.0, 1.5, -1.25, -1e-7, 3.5, 1e20, 1e300,
    1700000000.5, 20000000000.5, -25000000000.25, 253402300799999.9, 86399.9999996, 12.34, 1.005, 861740712460254.2,
    float("inf"), float("-inf"), float("nan"), True, False,
]

OBJECTS = [
    None, [1], {"a": 1}, (0, (1, 2), -1), (1,), [0, [1], 0], object(), b"2024-01-02", b"03:04:05", b"P1D", b"1700000000",
    b"\xff", b"12345678-1234-5678-1234-567812345678", b"1234567812345678", bytearray(b"1"), "\ud800",
    dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    dt.date(2024, 1, 2), dt.time(1, 2, 3, tzinfo=dt.timezone(dt.timedelta(seconds=30))), dt.timedelta(days=-1, seconds=5),
    dt.timedelta(days=400, microseconds=5), uuid.UUID(int=7), Decimal("3"), Decimal("3.50"), Decimal("NaN"), Decimal("1E+2"),
]


@pytest.mark.parametrize("name", list(VALIDATORS))
def test_text(name):
    assert_none(compare(name, TEXT))


@pytest.mark.parametrize("name", ["datetime", "date", "time", "timedelta", "uuid"])
def test_random_text(name):
    assert_none(compare(name, FUZZ_TEXT))


@pytest.mark.parametrize("name", list(VALIDATORS))
def test_numbers_and_objects(name):
    assert_none(compare(name, NUMBERS + OBJECTS))


@pytest.mark.parametrize("name", list(VALIDATORS))
def test_strict(name):
    assert_none(compare(name, TEXT[:60] + NUMBERS + OBJECTS, {"strict": True}))


BOUNDS = [
    ("datetime", {"gt": dt.datetime(2024, 1, 2, 3, 4, 5)}), ("datetime", {"ge": dt.datetime(2024, 1, 2, 3, tzinfo=dt.timezone.utc)}),
    ("datetime", {"lt": "2024-01-02T03:04:05+01:00"}), ("datetime", {"le": dt.date(2024, 1, 2)}),
    ("date", {"gt": dt.date(2024, 1, 2)}), ("date", {"le": "2024-01-02"}),
    ("time", {"gt": dt.time(3, 4, 5)}), ("time", {"le": "03:04:05+01:00"}), ("time", {"ge": 3600}),
    ("timedelta", {"gt": dt.timedelta(days=1, hours=2)}), ("timedelta", {"le": 3600}), ("timedelta", {"lt": "PT1M"}),
    ("timedelta", {"le": dt.timedelta(days=-1, seconds=5)}),
    ("decimal", {"max_digits": 6, "decimal_places": 2}), ("decimal", {"max_digits": 3}), ("decimal", {"decimal_places": 0}),
    ("decimal", {"ge": 0, "multiple_of": Decimal("0.25")}), ("decimal", {"gt": 1, "lt": "100"}), ("decimal", {"le": 1.5}),
    ("decimal", {"allow_inf_nan": True}), ("decimal", {"allow_inf_nan": True, "ge": 0}),
    ("bytes", {"min_length": 2}), ("bytes", {"max_length": 1}),
]

BOUNDED_INPUTS = [
    "2024-01-02T03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+05:00", "2024-01-02", "2024-01-01T23:59:59-01:00",
    "2024-01-03", 1704164645, "03:04:05", "03:04:05Z", "02:00", 3600, 3600.5, "P1D", "P1DT2H", "P2D", "PT0S", "-PT0S", -1,
    "12.34", 12.5, "1234.567", "12345.67", "0.75", "0.3", "NaN", "1e2", "1.50", "0.001", "1E+3", "-0", 1.005, "Infinity",
    b"", b"a", b"abcd", "\u00e9", bytearray(b"xy"),
]


@pytest.mark.parametrize("name, kwargs", BOUNDS, ids=[f"{n}-{k}" for n, k in BOUNDS])
def test_bounds(name, kwargs):
    assert_none(compare(name, BOUNDED_INPUTS, kwargs))


def test_json_floats_to_decimal_as_rust_prints_them():
    # pydantic hands a JSON float to Decimal through Rust's shortest formatting, which breaks
    # ties away from zero where Python's repr breaks them to even
    rng = random.Random(4)
    floats = [rng.uniform(1, 10) * 10 ** rng.randint(-30, 300) * rng.choice((1, -1)) for _ in range(300)]
    floats += [n + 0.25 for n in range(2**49, 2**49 + 40)] + [-(n + 0.75) for n in range(2**50, 2**50 + 20)]
    assert_none(compare("decimal", floats, kinds=("json",)))


def test_bounds_that_cannot_be_read_are_refused_at_build_time():
    with pytest.raises(ValueError, match="'lt' must be coercible to a date instance"):
        leaf.date_validator(Constraints(lt=1704153600))


def test_native_call_shape():
    # the native validator passes (value, loc, errors, from_json, strict-override)
    validate = leaf.datetime_validator()
    errors: list = []
    assert validate("2024-01-02T03:04:05", ("body", "at"), errors, False, True) is leaf.FAILED
    assert errors == [{"type": "datetime_type", "loc": ["body", "at"], "msg": "Input should be a valid datetime",
                       "input": "2024-01-02T03:04:05"}]
    assert validate("2024-01-02T03:04:05", ("body", "at"), [], True, True) == dt.datetime(2024, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("data", [b"\xff", b"ab\xe2\x82", b"\xe2(\xa1", b"\xf0\x9f\x98x", b"ok\xed\xa0\x80", b"\xc0\xaf"])
def test_bytes_that_are_not_utf8_in_a_json_dump(data):
    from pydantic_core import PydanticSerializationError

    with pytest.raises(UnicodeDecodeError) as raised:
        leaf.bytes_json(data)
    with pytest.raises(PydanticSerializationError) as expected_error:
        TypeAdapter(bytes).dump_json(data)
    assert leaf.json_dump_error_message(raised.value) == str(expected_error.value)
