"""Scalar conversions and the exact FastAPI / pydantic v2 error shapes."""

from __future__ import annotations

import enum
import uuid
from typing import Literal, Optional

import pytest

from fasterapi._validators import FAILED, compile_validator


def check(annotation, value):
    errors: list = []
    result = compile_validator(annotation)(value, ("body", "f"), errors)
    return result, errors


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), (" 12 ", 12), ("+3", 3), ("-4", -4), ("12.0", 12), (7, 7), (True, 1), (3.0, 3)],
)
def test_int_accepts(value, expected):
    assert check(int, value) == (expected, [])


@pytest.mark.parametrize(
    "value, type_, msg",
    [
        ("abc", "int_parsing", "Input should be a valid integer, unable to parse string as an integer"),
        ("1__000", "int_parsing", "Input should be a valid integer, unable to parse string as an integer"),
        ("1.5", "int_parsing", "Input should be a valid integer, unable to parse string as an integer"),
        (1.5, "int_from_float", "Input should be a valid integer, got a number with a fractional part"),
        (None, "int_type", "Input should be a valid integer"),
        ([1], "int_type", "Input should be a valid integer"),
    ],
)
def test_int_errors(value, type_, msg):
    result, errors = check(int, value)
    assert result is FAILED
    assert errors == [{"type": type_, "loc": ["body", "f"], "msg": msg, "input": value}]


def test_float():
    assert check(float, 2) == (2.0, [])
    assert check(float, "2.5") == (2.5, [])
    assert check(float, "x")[1] == [
        {"type": "float_parsing", "loc": ["body", "f"], "msg": "Input should be a valid number, unable to parse string as a number", "input": "x"}
    ]
    assert check(float, {})[1] == [{"type": "float_type", "loc": ["body", "f"], "msg": "Input should be a valid number", "input": {}}]


def test_str():
    assert check(str, "a") == ("a", [])
    assert check(str, 1)[1] == [{"type": "string_type", "loc": ["body", "f"], "msg": "Input should be a valid string", "input": 1}]


def test_bool_json_values():
    assert check(bool, True) == (True, [])
    assert check(bool, 0) == (False, [])
    assert check(bool, 2)[1][0]["type"] == "bool_parsing"
    assert check(bool, None)[1] == [{"type": "bool_type", "loc": ["body", "f"], "msg": "Input should be a valid boolean", "input": None}]


def test_optional_and_union():
    assert check(Optional[int], None) == (None, [])
    assert check(int | None, "5") == (5, [])
    assert check(int | str, "a") == ("a", [])
    assert check(int | str, 3) == (3, [])


def test_literal():
    assert check(Literal["a", "b"], "a") == ("a", [])
    assert check(Literal["a", "b"], "c")[1] == [
        {"type": "literal_error", "loc": ["body", "f"], "msg": "Input should be 'a' or 'b'", "input": "c", "ctx": {"expected": "'a' or 'b'"}}
    ]


def test_enum_by_value():
    class E(enum.Enum):
        a = "a"
        b = "b"
        c = "c"

    assert check(E, "b") == (E.b, [])
    assert check(E, "x")[1] == [
        {"type": "enum", "loc": ["body", "f"], "msg": "Input should be 'a', 'b' or 'c'", "input": "x", "ctx": {"expected": "'a', 'b' or 'c'"}}
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        # pydantic 2.14's wording (the uuid crate's errors).
        ("x" * 36, "invalid character: found `x` at 0"),
        ("abc", "invalid length: found 3"),
        ("ab-cd", "invalid group count: expected 5, found 2"),
        ("6f1c2b1a-9a3e-4c4f-8d2e-0b1c2d3e4f5", "invalid group length in group 4: expected 12, found 11"),
    ],
)
def test_uuid_errors(text, problem):
    assert check(uuid.UUID, text)[1] == [
        {"type": "uuid_parsing", "loc": ["body", "f"], "msg": f"Input should be a valid UUID, {problem}", "input": text, "ctx": {"error": problem}}
    ]


def test_containers():
    assert check(list[int], [1, "2"]) == ([1, 2], [])
    assert check(list[int], "12")[1] == [{"type": "list_type", "loc": ["body", "f"], "msg": "Input should be a valid list", "input": "12"}]
    assert check(dict[str, int], {"a": "1"}) == ({"a": 1}, [])
    assert check(dict, [])[1] == [{"type": "dict_type", "loc": ["body", "f"], "msg": "Input should be a valid dictionary", "input": []}]
    assert check(dict[str, int], {"a": "x"})[1][0]["loc"] == ["body", "f", "a"]


def test_unsupported_annotation_is_a_startup_error():
    class Thing:
        pass

    with pytest.raises(TypeError, match="unsupported type"):
        compile_validator(Thing)
