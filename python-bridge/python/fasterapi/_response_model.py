"""``response_model``: an endpoint's return value validated, filtered and serialized.

As in FastAPI, the value is first made plain (models inside it dumped ``by_alias`` with
the ``exclude_*`` options, so a ``UserIn`` can be answered as a ``UserOut``), validated
against the response type, and serialized with ``response_model_include/exclude/by_alias/
exclude_unset/exclude_defaults/exclude_none``. A value that is already an instance of the
response model skips the first two steps (its field values were validated when it was
made). Validation and serialization are one native call each; the JSON goes straight
into the response body.

A value that does not match the response model is a server bug, not a client error:
``ResponseValidationError`` propagates and the client gets a 500, as with FastAPI.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Any

from fasterapi import _native
from fasterapi._errors import ValidationError
from fasterapi._native_schema import compile_type
from fasterapi._types import TypeDesc, describe
from fasterapi.exceptions import ValidationException
from fasterapi.main import BaseModel
from fasterapi.responses import Response

_validate = _native.schema_validate
_dump_json = _native.schema_dump_json


class ResponseValidationError(ValidationException):
    """The endpoint returned a value that does not match its response model (answered 500)."""

    def __init__(self, errors: list, *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body

    def __str__(self) -> str:
        lines = [f"{len(self._errors)} validation error(s) in the response:"]
        for error in self._errors:
            lines.append(f"  {error.get('loc')}: {error.get('msg')}")
        return "\n".join(lines)


class _JSONBody(Response):
    """A response whose JSON body is already rendered (no render step, no header logic)."""

    media_type = "application/json"
    _HEADERS = [(b"content-type", b"application/json")]

    def __init__(self, body: bytes, status_code: int) -> None:
        self.status_code = status_code
        self.body = body
        self.raw_headers = list(self._HEADERS)


#: Return annotations that mean "any JSON": validating them would check nothing useful, so
#: they are not response models (FastAPI would still check the type; we let it through).
_UNCHECKED = (Any, dict, list, object, None, type(None), inspect.Signature.empty)


def response_annotation(endpoint: Callable[..., Any]) -> Any:
    """The endpoint's return annotation when it can serve as the response model, else None."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except Exception:
        return None
    annotation = hints.get("return", None)
    if annotation in _UNCHECKED:
        return None
    target = typing.get_origin(annotation) or annotation
    if isinstance(target, type) and issubclass(target, Response):
        return None
    if typing.get_origin(annotation) is typing.Union and any(
        isinstance(a, type) and issubclass(a, Response) for a in typing.get_args(annotation)
    ):
        return None
    return annotation


def compile_response(
    annotation: Any,
    *,
    status_code: int,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Callable[[Any], Any]:
    """``serialize(value) -> Response`` for one route (built once, at startup)."""
    desc = describe(annotation)
    schema = compile_type(desc)
    exact = desc.cls if desc.kind == "model" else None
    include = _as_filter(include)
    exclude = _as_filter(exclude)

    # An instance of the model itself, with the options the bridge's encoder uses for models
    # (by alias, nothing left out), is handed back as it is: the bridge writes it with the
    # model's own schema (a lazy request body that is returned untouched: a copy of its JSON).
    as_is = by_alias and include is None and exclude is None and not (exclude_unset or exclude_defaults or exclude_none)

    def serialize(value: Any) -> Any:
        if type(value) is exact and as_is:
            return value
        if isinstance(value, Response):
            return value
        if type(value) is not exact:
            value = _prepare(value, exclude_unset, exclude_defaults, exclude_none)
            try:
                value = _validate(schema, value, False, ("response",))
            except ValidationError as exc:
                raise ResponseValidationError(exc._errors, body=value) from None
        body = _dump_json(schema, value, True, by_alias, exclude_unset, exclude_defaults, exclude_none, include, exclude)
        return _JSONBody(body, status_code)

    return serialize


def _as_filter(value: Any) -> Any:
    # FastAPI accepts sets, lists and dicts; the native filter takes sets and dicts.
    if isinstance(value, (list, tuple)):
        return set(value)
    return value


def _prepare(value: Any, exclude_unset: bool, exclude_defaults: bool, exclude_none: bool) -> Any:
    """FastAPI's ``_prepare_response_content``: models inside the value become dicts."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=exclude_unset, exclude_defaults=exclude_defaults, exclude_none=exclude_none)
    if isinstance(value, list):
        return [_prepare(v, exclude_unset, exclude_defaults, exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: _prepare(v, exclude_unset, exclude_defaults, exclude_none) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def is_model_desc(desc: TypeDesc) -> bool:
    return desc.kind in ("model", "dataclass", "typeddict")
