"""Turning an endpoint's signature into a parameter plan, once, at startup.

For every parameter this decides, with FastAPI's rules, *where* its value
comes from and *how* it is checked:

- a name that appears in the path template (``/users/{user_id}``) is a path
  parameter;
- a parameter annotated ``Request`` receives the request wrapper;
- a ``Query()``/``Path()``/``Header()``/``Cookie()``/``Body()`` marker (as the
  default or inside ``Annotated[...]``) says so explicitly;
- otherwise a container or dataclass annotation (``dict``, ``list``, a
  dataclass) is the JSON body, and any other type is a query parameter.

The result is a list of :class:`ParamSpec` whose validators are already
compiled; :mod:`fasterapi.routing` closes over them so a request only executes.
"""

from __future__ import annotations

import copy
import inspect
import re
import typing
from dataclasses import dataclass
from typing import Any

from fasterapi import params
from fasterapi._fastpath import scalar_kind
from fasterapi._validators import (
    Constraints,
    Validator,
    compile_validator,
    is_scalar_annotation,
    is_sequence_annotation,
    unwrap_annotated,
)
from fasterapi.params import Undefined
from fasterapi.requests import Request

#: ``{name}`` or ``{name:path}`` in a path template.
PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?}")


def path_param_names(path: str) -> list[str]:
    names = []
    for match in PATH_PARAM.finditer(path):
        name, convertor = match.groups()
        if convertor not in (None, "path"):
            # The bridge's router only knows {name} and {name:path}; types are
            # declared on the endpoint parameter instead (user_id: int).
            raise ValueError(
                f"unsupported path convertor '{convertor}' in {path!r}: "
                f"use {{{name}}} and annotate the parameter instead"
            )
        names.append(name)
    return names


@dataclass
class ParamSpec:
    name: str  # the endpoint's parameter name (the keyword it is called with)
    source: str  # "path" | "query" | "header" | "cookie" | "body" | "request"
    key: str  # what is looked up: path/query key, lower-case header name, body key
    loc: tuple  # error location prefix, e.g. ("query", "q")
    validate: Validator | None  # None: the raw value is used as is
    default: Any  # Undefined when required
    copy_default: bool  # mutable default: hand each call its own copy
    many: bool = False  # list-valued query/header parameter (repeated keys)
    embed: bool = False  # body parameter read from a key of the JSON object
    native_kind: int | None = None  # path/query value the bridge may convert (see _fastpath)

    @property
    def required(self) -> bool:
        return self.default is Undefined

    def get_default(self) -> Any:
        return copy.deepcopy(self.default) if self.copy_default else self.default


def _type_hints(endpoint: Any) -> dict[str, Any]:
    target = endpoint
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(endpoint, "__call__", endpoint)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        return {}


def _string_validator(annotation: Any, marker: params.Param | None) -> Validator | None:
    """Validator for values that arrive as text (path, query, header, cookie)."""
    constraints = Constraints.from_param(marker)
    if constraints is None and (annotation is str or annotation is Any or annotation is inspect.Parameter.empty):
        return None  # already a str: skip the call entirely on the hot path
    if annotation is inspect.Parameter.empty:
        annotation = Any
    return compile_validator(annotation, constraints)


def analyze(endpoint: Any, path: str) -> list[ParamSpec]:
    """Plan the parameters of ``endpoint`` served at ``path``."""
    in_path = set(path_param_names(path))
    hints = _type_hints(endpoint)
    signature = inspect.signature(endpoint)
    specs: list[ParamSpec] = []

    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue  # *args/**kwargs receive nothing, as in FastAPI
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError(f"{endpoint.__qualname__}: positional-only parameter {parameter.name!r} is not supported")
        name = parameter.name
        annotation = hints.get(name, parameter.annotation)
        annotation, metadata = unwrap_annotated(annotation)

        marker = next((m for m in metadata if isinstance(m, params.Param)), None)
        if marker is not None:
            # Annotated[X, Query()]: the default is the "= value" of the parameter.
            default = Undefined if parameter.default is parameter.empty else parameter.default
            if marker.default is not Undefined:
                raise TypeError(f"{endpoint.__qualname__}: give the default of {name!r} with '=', not inside Annotated")
        elif isinstance(parameter.default, params.Param):
            marker = parameter.default
            default = marker.default
        else:
            default = Undefined if parameter.default is parameter.empty else parameter.default

        if isinstance(annotation, type) and issubclass(annotation, Request):
            specs.append(ParamSpec(name, "request", name, (), None, Undefined, False))
            continue

        if name in in_path and (marker is None or isinstance(marker, params.Path)):
            source = "path"
        elif isinstance(marker, params.Path):
            raise TypeError(f"{endpoint.__qualname__}: Path parameter {name!r} is not in the path {path!r}")
        elif marker is not None:
            source = marker.in_
        elif is_scalar_annotation(annotation):
            source = "query"
        else:
            source = "body"

        copy_default = isinstance(default, (list, dict, set))
        alias = marker.alias if marker is not None and marker.alias else None

        if source == "path":
            specs.append(ParamSpec(name, "path", name, ("path", name), _string_validator(annotation, marker), Undefined, False,
                                   native_kind=scalar_kind(annotation, marker)))
        elif source in ("query", "cookie"):
            key = alias or name
            many = is_sequence_annotation(annotation)
            specs.append(ParamSpec(name, source, key, (source, key), _string_validator(annotation, marker), default, copy_default, many,
                                   native_kind=scalar_kind(annotation, marker) if source == "query" else None))
        elif source == "header":
            key = alias or (name.replace("_", "-") if getattr(marker, "convert_underscores", True) else name)
            many = is_sequence_annotation(annotation)
            specs.append(ParamSpec(name, "header", key.lower(), ("header", key), _string_validator(annotation, marker), default, copy_default, many))
        else:
            key = alias or name
            if annotation is inspect.Parameter.empty:
                annotation = Any
            validator = compile_validator(annotation, Constraints.from_param(marker))
            embed = bool(getattr(marker, "embed", False))
            specs.append(ParamSpec(name, "body", key, ("body", key), validator, default, copy_default, embed=embed))

    # FastAPI does not embed a lone body parameter: the whole JSON document is
    # that parameter, and errors are located at ("body", "field"), not
    # ("body", "item", "field").
    body = [s for s in specs if s.source == "body"]
    if len(body) == 1 and not body[0].embed:
        body[0].loc = ("body",)
    else:
        for spec in body:
            spec.embed = True
    return specs


def is_async_callable(endpoint: Any) -> bool:
    while hasattr(endpoint, "func") and hasattr(endpoint, "args"):  # functools.partial
        endpoint = endpoint.func
    return inspect.iscoroutinefunction(endpoint) or inspect.iscoroutinefunction(getattr(endpoint, "__call__", None))
