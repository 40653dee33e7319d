"""Parameter validators: ``compile_validator(annotation)`` for path, query, header, cookie
and body parameters, on top of the native validator.

A parameter's validator is built once per route at startup:

    validate(value, loc, errors) -> converted value | FAILED

On failure it appends pydantic-shaped error dicts (located under ``loc``, e.g.
``("query", "q")``) to ``errors`` and returns ``FAILED``, so a handler can collect *every*
error of a request before answering 422, as FastAPI does. The type's meaning comes from
the type layer (``_types.describe``), its execution from the native schema
(``_native_schema``): parameters, models and response bodies share one validator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fasterapi import _native
from fasterapi import main as _main  # noqa: F401 - registers ValidationError with the native module
from fasterapi._errors import ValidationError
from fasterapi._leaf_validators import FAILED, expected_repr, make_error
from fasterapi._native_schema import compile_type
from fasterapi._types import Constraints, TypeDesc, describe, union_members, unwrap_annotated

__all__ = [
    "FAILED",
    "Constraints",
    "Validator",
    "compile_validator",
    "expected_repr",
    "is_scalar_annotation",
    "is_sequence_annotation",
    "make_error",
    "missing_error",
    "union_members",
    "unwrap_annotated",
]

Validator = Callable[[Any, tuple, list], Any]

_schema_validate = _native.schema_validate


def missing_error(loc: tuple, input_: Any = None) -> dict:
    return {"type": "missing", "loc": list(loc), "msg": "Field required", "input": input_}


def compile_validator(annotation: Any, constraints: Constraints | None = None) -> Validator:
    """The validator of ``annotation`` (``TypeError`` for types we cannot validate)."""
    return validator_for(describe(annotation, constraints))


def validator_for(desc: TypeDesc) -> Validator:
    schema = compile_type(desc)

    def validate(value: Any, loc: tuple, errors: list) -> Any:
        try:
            # from_attributes, as FastAPI validates parameters.
            return _schema_validate(schema, value, False, loc, False, True)
        except ValidationError as exc:
            errors.extend(exc._errors)
            return FAILED

    # What the route's fast body path needs (routing._fast_body_schema).
    validate.schema = schema  # type: ignore[attr-defined]
    validate.desc = desc  # type: ignore[attr-defined]
    return validate


def is_scalar_annotation(annotation: Any) -> bool:
    """FastAPI's rule for "query parameter unless marked otherwise": not a container, not a model."""
    try:
        return describe(annotation).is_scalar
    except TypeError:
        return True


def is_sequence_annotation(annotation: Any) -> bool:
    """``list[X]``, ``set[X]``, ... possibly inside ``Optional`` — for repeated query keys / headers."""
    try:
        return describe(annotation).is_sequence
    except TypeError:
        return False
