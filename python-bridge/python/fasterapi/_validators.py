"""Type conversion and validation with FastAPI / pydantic v2 error shapes.

``compile_validator(annotation)`` turns a type annotation into a function

    validate(value, loc, errors) -> converted value | FAILED

which is built once per route parameter (or once per dataclass) at startup.
On failure it appends one or more error dicts to ``errors`` and returns the
``FAILED`` sentinel, so a handler can collect *every* error of a request before
answering 422, as FastAPI does. ``loc`` is a tuple prefix such as
``("query", "q")``; nested validators extend it (``("body", "tags", 0)``).

Inputs come either from the URL/headers (always ``str``) or from a parsed JSON
body (``dict``/``list``/``str``/``int``/``float``/``bool``/``None``). One
validator serves both, following pydantic's *lax* mode: numeric strings are
accepted for numbers, ``1``/``0`` for booleans, whole floats for ints.

Only the standard library is used: this module must import inside own-GIL
sub-interpreters.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Validator = Callable[[Any, tuple, list], Any]


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = _Failed()


# --------------------------------------------------------------------------
# Error dicts


def make_error(type_: str, loc: tuple, msg: str, input_: Any, ctx: dict | None = None) -> dict:
    error = {"type": type_, "loc": list(loc), "msg": msg, "input": input_}
    if ctx is not None:
        error["ctx"] = ctx
    return error


def missing_error(loc: tuple, input_: Any = None) -> dict:
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": input_}


def expected_repr(values: Sequence[Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" rendering of allowed values."""
    reprs = [repr(v) for v in values]
    if len(reprs) <= 1:
        return "".join(reprs)
    return f"{', '.join(reprs[:-1])} or {reprs[-1]}"


# --------------------------------------------------------------------------
# Scalars


def _passthrough(value: Any, loc: tuple, errors: list) -> Any:
    return value


_DECIMAL_ZEROS = re.compile(r"[+-]?[0-9]+\.0*")


def parse_int_str(text: str) -> int | None:
    """The integer in ``text`` per pydantic (surrounding spaces and "12.0" ok), else None."""
    # int() alone is too lax: it takes "1_000" and non-ASCII digits, which
    # pydantic rejects.
    if not text.isascii() or "_" in text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    text = text.strip()
    if _DECIMAL_ZEROS.fullmatch(text):
        return int(text.partition(".")[0])
    return None


def validate_int(value: Any, loc: tuple, errors: list) -> Any:
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        result = parse_int_str(value)
        if result is not None:
            return result
        errors.append(make_error("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer", value))
        return FAILED
    if kind is bool:
        return int(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            errors.append(make_error("finite_number", loc, "Input should be a finite number", value))
            return FAILED
        if value.is_integer():
            return int(value)
        errors.append(make_error("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part", value))
        return FAILED
    if isinstance(value, int):  # int subclasses (IntEnum members, ...)
        return int(value)
    errors.append(make_error("int_type", loc, "Input should be a valid integer", value))
    return FAILED


def validate_float(value: Any, loc: tuple, errors: list) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int or kind is bool:
        return float(value)
    if kind is str:
        if value.isascii() and "_" not in value:
            try:
                return float(value)
            except ValueError:
                pass
        errors.append(make_error("float_parsing", loc, "Input should be a valid number, unable to parse string as a number", value))
        return FAILED
    if isinstance(value, (int, float)) and not isinstance(value, enum.Enum):
        return float(value)
    errors.append(make_error("float_type", loc, "Input should be a valid number", value))
    return FAILED


def validate_str(value: Any, loc: tuple, errors: list) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        return str(value)
    errors.append(make_error("string_type", loc, "Input should be a valid string", value))
    return FAILED


_BOOL_STRINGS = {
    "1": True, "true": True, "on": True, "yes": True, "t": True, "y": True,
    "0": False, "false": False, "off": False, "no": False, "f": False, "n": False,
}


def validate_bool(value: Any, loc: tuple, errors: list) -> Any:
    kind = type(value)
    if kind is bool:
        return value
    if kind is str:
        result = _BOOL_STRINGS.get(value.lower())
        if result is not None:
            return result
    elif kind is int or kind is float:
        if value == 0 or value == 1:
            return bool(value)
    else:
        errors.append(make_error("bool_type", loc, "Input should be a valid boolean", value))
        return FAILED
    errors.append(make_error("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value))
    return FAILED


def validate_none(value: Any, loc: tuple, errors: list) -> Any:
    if value is None:
        return None
    errors.append(make_error("none_required", loc, "Input should be None", value))
    return FAILED


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


# --------------------------------------------------------------------------
# Choices: Enum and Literal


def _choice_validator(choices: dict, error_type: str, values: list) -> Validator:
    expected = expected_repr(values)
    msg = f"Input should be {expected}"
    ctx = {"expected": expected}
    # Query strings are text: "2" must still select the value 2 (lax mode).
    ints = {v: c for v, c in choices.items() if type(v) is int}

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        try:
            return choices[value]
        except (KeyError, TypeError):  # TypeError: unhashable input (a JSON list/dict)
            pass
        if ints and type(value) is str:
            number = parse_int_str(value)
            if number in ints:
                return ints[number]
        errors.append(make_error(error_type, loc, msg, value, ctx))
        return FAILED

    return validate


def _enum_validator(cls: type[enum.Enum]) -> Validator:
    members = list(cls)
    choices: dict = {m.value: m for m in members}
    inner = _choice_validator(choices, "enum", [m.value for m in members])

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if type(value) is cls:
            return value
        return inner(value, loc, errors)

    return validate


def _literal_validator(values: tuple) -> Validator:
    return _choice_validator({v: v for v in values}, "literal_error", list(values))


# --------------------------------------------------------------------------
# Containers


def _sequence_validator(item: Validator | None, kind: type) -> Validator:
    type_name = {list: "list", set: "set", frozenset: "frozen_set", tuple: "tuple"}[kind]
    label = {list: "list", set: "set", frozenset: "frozenset", tuple: "tuple"}[kind]
    type_msg = f"Input should be a valid {label}"

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if not isinstance(value, (list, tuple, set, frozenset)):
            errors.append(make_error(f"{type_name}_type", loc, type_msg, value))
            return FAILED
        if item is None:
            return value if type(value) is kind else kind(value)
        out = []
        ok = True
        for index, element in enumerate(value):
            result = item(element, loc + (index,), errors)
            if result is FAILED:
                ok = False
            else:
                out.append(result)
        if not ok:
            return FAILED
        return out if kind is list else kind(out)

    return validate


def _dict_validator(key: Validator | None, val: Validator | None) -> Validator:
    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if not isinstance(value, dict):
            errors.append(make_error("dict_type", loc, "Input should be a valid dictionary", value))
            return FAILED
        if key is None and val is None:
            return value
        out = {}
        ok = True
        for k, v in value.items():
            if key is not None:
                k = key(k, loc + (k, "[key]"), errors)
                if k is FAILED:
                    ok = False
                    continue
            if val is not None:
                v = val(v, loc + (k,), errors)
                if v is FAILED:
                    ok = False
                    continue
            out[k] = v
        return out if ok else FAILED

    return validate


def _union_validator(members: list[tuple[Any, Validator]]) -> Validator:
    # pydantic's "smart" union: an input that already has one of the member
    # types keeps it; otherwise the first member that accepts it wins.
    exact = {m for m, _ in members if isinstance(m, type)}

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if type(value) in exact:
            return value
        collected: list = []
        for annotation, member in members:
            attempt: list = []
            result = member(value, loc + (_type_label(annotation),), attempt)
            if result is not FAILED:
                return result
            collected.extend(attempt)
        errors.extend(collected)
        return FAILED

    return validate


def _optional(inner: Validator) -> Validator:
    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if value is None:
            return None
        return inner(value, loc, errors)

    return validate


def _type_label(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)


# --------------------------------------------------------------------------
# Dataclasses

# Per-interpreter cache (each sub-interpreter imports its own copy of this
# module); only written while routes are compiled.
_dataclass_validators: dict[type, Validator] = {}


def _dataclass_validator(cls: type) -> Validator:
    cached = _dataclass_validators.get(cls)
    if cached is not None:
        return cached

    plan: list[tuple[str, Validator, bool]] = []

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        if type(value) is cls:
            return value
        if not isinstance(value, dict):
            name = cls.__name__
            errors.append(make_error("dataclass_type", loc, f"Input should be a dictionary or an instance of {name}", value, {"class_name": name}))
            return FAILED
        kwargs = {}
        ok = True
        for name, field_validator, required in plan:
            if name in value:
                result = field_validator(value[name], loc + (name,), errors)
                if result is FAILED:
                    ok = False
                else:
                    kwargs[name] = result
            elif required:
                # pydantic reports the whole object as the input of a missing field.
                errors.append(missing_error(loc + (name,), value))
                ok = False
            # else: leave it out and let the dataclass apply its default/default_factory.
        if not ok:
            return FAILED
        try:
            return cls(**kwargs)
        except (ValueError, AssertionError) as exc:  # raised by __post_init__
            errors.append(make_error("value_error", loc, f"Value error, {exc}", value, {"error": str(exc)}))
            return FAILED

    # Register before compiling fields so self-referencing dataclasses terminate.
    _dataclass_validators[cls] = validate
    hints = _type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        plan.append((f.name, compile_validator(hints.get(f.name, Any)), required))
    return validate


def _type_hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except Exception:
        # Unresolvable forward references: fall back to the raw annotations.
        return dict(getattr(obj, "__annotations__", {}))


# --------------------------------------------------------------------------
# Constraints (Query(ge=1), Query(max_length=20), ...)


@dataclasses.dataclass(frozen=True)
class Constraints:
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @classmethod
    def from_param(cls, param: Any) -> "Constraints | None":
        if param is None:
            return None
        made = cls(param.gt, param.ge, param.lt, param.le, param.min_length, param.max_length, param.pattern)
        return made if made != cls() else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _constrained(inner: Validator, c: Constraints) -> Validator:
    pattern = re.compile(c.pattern) if c.pattern is not None else None

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        result = inner(value, loc, errors)
        if result is FAILED:
            return FAILED
        before = len(errors)
        if isinstance(result, str):
            if c.min_length is not None and len(result) < c.min_length:
                errors.append(make_error("string_too_short", loc, f"String should have at least {_plural(c.min_length, 'character')}", value, {"min_length": c.min_length}))
            if c.max_length is not None and len(result) > c.max_length:
                errors.append(make_error("string_too_long", loc, f"String should have at most {_plural(c.max_length, 'character')}", value, {"max_length": c.max_length}))
            if pattern is not None and pattern.search(result) is None:
                errors.append(make_error("string_pattern_mismatch", loc, f"String should match pattern '{c.pattern}'", value, {"pattern": c.pattern}))
        elif isinstance(result, (list, set, frozenset, tuple)):
            n = len(result)
            if c.min_length is not None and n < c.min_length:
                errors.append(make_error("too_short", loc, f"List should have at least {_plural(c.min_length, 'item')} after validation, not {n}", value, {"field_type": "List", "min_length": c.min_length, "actual_length": n}))
            if c.max_length is not None and n > c.max_length:
                errors.append(make_error("too_long", loc, f"List should have at most {_plural(c.max_length, 'item')} after validation, not {n}", value, {"field_type": "List", "max_length": c.max_length, "actual_length": n}))
        elif isinstance(result, (int, float, Decimal)):
            if c.gt is not None and not result > c.gt:
                errors.append(make_error("greater_than", loc, f"Input should be greater than {c.gt}", value, {"gt": c.gt}))
            if c.ge is not None and not result >= c.ge:
                errors.append(make_error("greater_than_equal", loc, f"Input should be greater than or equal to {c.ge}", value, {"ge": c.ge}))
            if c.lt is not None and not result < c.lt:
                errors.append(make_error("less_than", loc, f"Input should be less than {c.lt}", value, {"lt": c.lt}))
            if c.le is not None and not result <= c.le:
                errors.append(make_error("less_than_equal", loc, f"Input should be less than or equal to {c.le}", value, {"le": c.le}))
        return FAILED if len(errors) > before else result

    return validate


# --------------------------------------------------------------------------
# Compilation

_SCALARS: dict[Any, Validator] = {
    bool: validate_bool,
    int: validate_int,
    float: validate_float,
    str: validate_str,
    uuid.UUID: validate_uuid,
    Decimal: validate_decimal,
    datetime.datetime: _iso_validator(datetime.datetime, "datetime", "datetime"),
    datetime.date: _iso_validator(datetime.date, "date", "date"),
    datetime.time: _iso_validator(datetime.time, "time", "time"),
    type(None): validate_none,
    None: validate_none,
}

_SEQUENCE_ORIGINS: dict[Any, type] = {
    list: list,
    set: set,
    frozenset: frozenset,
    tuple: tuple,
    typing.List: list,
    typing.Set: set,
    typing.FrozenSet: frozenset,
    typing.Tuple: tuple,
    Sequence: list,
    typing.Sequence: list,
}
_MAPPING_ORIGINS = {dict, typing.Dict, Mapping, typing.Mapping}


def unwrap_annotated(annotation: Any) -> tuple[Any, tuple]:
    """``Annotated[X, m1, m2]`` -> ``(X, (m1, m2))``; anything else -> ``(annotation, ())``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return annotation.__origin__, annotation.__metadata__
    return annotation, ()


def union_members(annotation: Any) -> list[Any] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return list(typing.get_args(annotation))
    return None


def compile_validator(annotation: Any, constraints: Constraints | None = None) -> Validator:
    """Build the validator for ``annotation`` (raises ``TypeError`` for unsupported types)."""
    validator = _compile(annotation)
    if constraints is not None:
        validator = _constrained(validator, constraints)
    return validator


def _compile(annotation: Any) -> Validator:
    annotation, _ = unwrap_annotated(annotation)
    if annotation is Any or annotation is object or isinstance(annotation, typing.TypeVar):
        return _passthrough
    scalar = _SCALARS.get(annotation) if _hashable(annotation) else None
    if scalar is not None:
        return scalar

    members = union_members(annotation)
    if members is not None:
        optional = type(None) in members
        members = [m for m in members if m is not type(None)]
        if len(members) == 1:
            inner = _compile(members[0])
        else:
            inner = _union_validator([(m, _compile(m)) for m in members])
        return _optional(inner) if optional else inner

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return _literal_validator(args)
    if origin in _SEQUENCE_ORIGINS or annotation in _SEQUENCE_ORIGINS:
        kind = _SEQUENCE_ORIGINS[origin if origin is not None else annotation]
        if kind is tuple and args and (len(args) != 2 or args[1] is not ...):
            raise TypeError(f"fixed-length tuple annotations are not supported: {annotation!r}")
        item = _compile(args[0]) if args else None
        if item is _passthrough:
            item = None
        return _sequence_validator(item, kind)
    if origin in _MAPPING_ORIGINS or annotation in _MAPPING_ORIGINS:
        key = _compile(args[0]) if args else None
        val = _compile(args[1]) if len(args) > 1 else None
        return _dict_validator(None if key in (_passthrough, validate_str) else key, None if val is _passthrough else val)
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _enum_validator(annotation)
        if dataclasses.is_dataclass(annotation):
            return _dataclass_validator(annotation)
        for base, validator in _SCALARS.items():  # subclasses of supported scalars
            if isinstance(base, type) and base is not type(None) and issubclass(annotation, base):
                return validator
    raise TypeError(f"unsupported parameter type: {annotation!r}")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def is_scalar_annotation(annotation: Any) -> bool:
    """FastAPI's rule for "query parameter unless marked otherwise": not a container, not a dataclass."""
    annotation, _ = unwrap_annotated(annotation)
    members = union_members(annotation)
    if members is not None:
        return all(is_scalar_annotation(m) for m in members if m is not type(None))
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return True
    target = origin if origin is not None else annotation
    if target in _SEQUENCE_ORIGINS or target in _MAPPING_ORIGINS:
        return False
    if isinstance(target, type):
        if dataclasses.is_dataclass(target):
            return False
        if issubclass(target, (list, set, frozenset, tuple, dict)) and not issubclass(target, (str, bytes)):
            return False
    return True


def is_sequence_annotation(annotation: Any) -> bool:
    """``list[X]``, ``set[X]``, ... possibly inside ``Optional`` — for repeated query keys / headers."""
    annotation, _ = unwrap_annotated(annotation)
    members = union_members(annotation)
    if members is not None:
        return any(is_sequence_annotation(m) for m in members if m is not type(None))
    origin = typing.get_origin(annotation)
    target = origin if origin is not None else annotation
    return target in _SEQUENCE_ORIGINS
