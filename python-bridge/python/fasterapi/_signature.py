"""Turning an endpoint's signature into a parameter plan, once, at startup.

For every parameter this decides, with FastAPI's rules, *where* its value comes from and
*how* it is checked:

- a parameter annotated ``Request`` receives the request wrapper, one annotated
  ``BackgroundTasks`` the request's background tasks, one annotated ``Response`` the
  response whose status, headers and cookies are merged into the answer;
- a ``Path()``/``Query()``/``Header()``/``Cookie()``/``Body()``/``Form()``/``File()`` marker
  (as the default or inside ``Annotated[...]``) says so explicitly; a name that appears in
  the path template (``/users/{user_id}``) is a path parameter;
- otherwise ``UploadFile`` (or ``UploadFile | None``, ``list[UploadFile]``) is a file of a
  form, a container or model annotation (``dict``, ``list``, a model, a dataclass) is the
  JSON body, and any other type is a query parameter.

A ``Query()``/``Header()``/``Cookie()``/``Form()`` parameter annotated with a model is a
*parameter model*: the model's fields are read from that source (:mod:`fasterapi._param_models`).

The result is a list of :class:`ParamSpec` whose validators are already compiled;
:mod:`fasterapi.routing` closes over them so a request only executes. The OpenAPI generator
reads the same specs (``annotation``, ``marker``, ``media_type``).
"""

from __future__ import annotations

import copy
import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fasterapi import params
from fasterapi._fastpath import scalar_kind
from fasterapi._model_desc import field_from_annotation
from fasterapi._param_models import ParamModel
from fasterapi._types import TypeDesc, unwrap_annotated
from fasterapi._validators import Validator, validator_for
from fasterapi.fields import AliasChoices, FieldInfo
from fasterapi.params import Undefined
from fasterapi.background import BackgroundTasks
from fasterapi.requests import Request
from fasterapi.responses import Response
from fasterapi.security.scopes import SecurityScopes

#: ``{name}`` or ``{name:path}`` in a path template.
PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?}")

#: Sources whose parameters make up the request body.
BODY_SOURCES = ("body", "form", "file")
_MODEL_KINDS = ("model", "dataclass", "typeddict")


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
    #: "path" | "query" | "header" | "cookie" | "body" | "form" | "file" | "request", or
    #: "depends" (a sub-dependency: ``dependency``) | "security_scopes" (``SecurityScopes``)
    #: | "background" (``BackgroundTasks``) | "response" (the injected ``Response``)
    source: str
    key: str  # what is looked up: path/query key, lower-case header name, body/form key
    loc: tuple  # error location prefix, e.g. ("query", "q")
    validate: Validator | None  # None: the raw value is used as is
    default: Any  # Undefined when required (or when default_factory gives it)
    copy_default: bool  # mutable default: hand each call its own copy
    many: bool = False  # list-valued query/header/form parameter (repeated keys)
    embed: bool = False  # body parameter read from a key of the JSON object / form
    native_kind: int | None = None  # path/query value the bridge may convert (see _fastpath)
    #: The parameter's annotation as declared (``Annotated[...]`` and all).
    annotation: Any = None
    #: Its marker: the one declared, or the one FastAPI infers (``Query()``, ``Body()``,
    #: ``File()``, ``Path()``); ``None`` only for ``Request``.
    marker: params.Param | None = None
    #: Every request key in order of preference (``AliasChoices``); ``keys[0] == key``.
    keys: tuple[str, ...] = ()
    #: Form and file bodies: the marker's media type (OpenAPI's request body content).
    media_type: str | None = None
    default_factory: Callable[[], Any] | None = None
    #: Validate the default too (``validate_default=True``).
    validate_default: bool = False
    #: Parameter models and form models: how the model's fields are read.
    model: ParamModel | None = None
    #: ``File()`` parameters typed ``bytes`` (``"bytes"``) or ``list[bytes]`` (``"bytes_list"``):
    #: the uploaded files' contents are read for them.
    reads_file: str | None = None
    #: The type layer's descriptor of the parameter's type.
    type: TypeDesc | None = field(default=None, repr=False)
    #: ``source == "depends"``: the ``Depends()``/``Security()`` marker, its callable filled
    #: in from the annotation when it was ``Depends()``.
    dependency: params.Depends | None = None

    @property
    def required(self) -> bool:
        return self.default is Undefined and self.default_factory is None

    def get_default(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        return copy.deepcopy(self.default) if self.copy_default else self.default


def _type_hints(endpoint: Any) -> dict[str, Any]:
    target = endpoint
    if inspect.isclass(target):  # a class dependency: its __init__ is what gets called
        target = target.__init__
    elif not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(endpoint, "__call__", endpoint)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        return {}


def _field_info(marker: params.Param, default: Any) -> FieldInfo:
    """What the marker declares, as the FieldInfo the model layer describes fields from."""
    info = FieldInfo(default=default, default_factory=marker.default_factory)
    for name in ("alias", "validation_alias", "serialization_alias", "title", "description", "examples", "discriminator",
                 "deprecated", "json_schema_extra", "validate_default", "gt", "ge", "lt", "le", "multiple_of",
                 "min_length", "max_length", "pattern", "strict", "allow_inf_nan", "max_digits", "decimal_places"):
        value = getattr(marker, name, None)
        if value is not None:
            setattr(info, name, value)
    return info


def _describe(name: str, annotation: Any, marker: params.Param, default: Any) -> TypeDesc:
    """The parameter's type with the marker's constraints (and any ``Annotated`` metadata
    besides the marker: ``Field()``, ``AfterValidator``...), as a model field's would be."""
    return field_from_annotation(name, annotation, _field_info(marker, default), {}).type


def _text_validator(desc: TypeDesc) -> Validator | None:
    """Validator for values that arrive as text (path, query, header, cookie)."""
    plain = desc.kind in ("str", "any") and desc.constraints is None and not desc.validators
    return None if plain else validator_for(desc)


def _is_upload(desc: TypeDesc) -> bool:
    """``UploadFile``, ``UploadFile | None`` or a list of them: FastAPI makes these ``File()``."""
    target = desc.non_null()
    if target.kind == "upload":
        return True
    return target.kind in ("list", "set", "frozenset", "var_tuple") and target.args[0].non_null().kind == "upload"


def _reads_file(desc: TypeDesc) -> str | None:
    target = desc.non_null()
    if target.kind == "bytes":
        return "bytes"
    if target.is_sequence and target.args and target.args[0].kind == "bytes":
        return "bytes_list"
    return None


def _model_type(desc: TypeDesc) -> TypeDesc | None:
    """The model of a parameter model annotation (``Model`` or ``Model | None``)."""
    target = desc.non_null()
    return target if target.kind in _MODEL_KINDS else None


def _strip_marker(annotation: Any) -> tuple[Any, params.Param | None]:
    """``Annotated[X, Query(), Field(gt=0)]`` -> ``(Annotated[X, Field(gt=0)], Query())``.
    As in FastAPI, the last marker wins."""
    plain, metadata = unwrap_annotated(annotation)
    markers = [m for m in metadata if isinstance(m, params.Param)]
    if not markers:
        return annotation, None
    rest = tuple(m for m in metadata if not isinstance(m, params.Param))
    return (typing.Annotated[(plain, *rest)] if rest else plain), markers[-1]


def analyze(endpoint: Any, path: str) -> list[ParamSpec]:
    """Plan the parameters of ``endpoint`` served at ``path`` (an endpoint alone: a route
    with dependencies plans its body over the whole tree, see :func:`plan_body`)."""
    specs = analyze_callable(endpoint, path)
    plan_body([s for s in specs if s.source in BODY_SOURCES])
    return specs


def analyze_callable(endpoint: Any, path: str) -> list[ParamSpec]:
    """Plan the parameters of one callable (an endpoint or a dependency) served at ``path``,
    before the body's shape is decided."""
    in_path = set(path_param_names(path))
    hints = _type_hints(endpoint)
    signature = inspect.signature(endpoint)
    specs: list[ParamSpec] = []
    where = getattr(endpoint, "__qualname__", repr(endpoint))

    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue  # *args/**kwargs receive nothing, as in FastAPI
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError(f"{where}: positional-only parameter {parameter.name!r} is not supported")
        try:
            spec = _plan(parameter, hints.get(parameter.name, parameter.annotation), in_path, path)
        except TypeError as exc:
            raise TypeError(f"{where}: parameter {parameter.name!r}: {exc}") from None
        specs.append(spec)
    return specs


def plan_body(body: list[ParamSpec]) -> None:
    """Decide how the body parameters of a route -- the endpoint's and its dependencies' --
    are read from the one body the request has."""
    # FastAPI does not embed a lone body parameter: the whole JSON document is that
    # parameter, and errors are located at ("body", "field"), not ("body", "item", "field").
    # Form fields are always read by name (a lone form *model* reads the whole form).
    lone = len(body) == 1 and not body[0].embed
    for spec in body:
        if lone and (spec.source == "body" or spec.model is not None):
            spec.loc = ("body",)
        elif spec.model is not None:
            spec.loc = ("body",)  # a form model's fields are the form's
        else:
            spec.embed = True


def _dependency(parameter: inspect.Parameter, hinted: Any) -> params.Depends | None:
    """The parameter's ``Depends()``/``Security()`` (in ``Annotated``, the last one, or as the
    default), with ``Depends()``'s callable taken from the annotation as FastAPI does."""
    plain, metadata = unwrap_annotated(hinted)
    found = [m for m in metadata if isinstance(m, params.Depends)]
    marker = found[-1] if found else None
    if isinstance(parameter.default, params.Depends):
        if marker is not None:
            raise TypeError("Depends() in Annotated and another as the default")
        marker = parameter.default
    if marker is None:
        return None
    if any(isinstance(m, params.Param) for m in metadata) or isinstance(parameter.default, params.Param):
        raise TypeError("cannot combine Depends() with a parameter marker (Query(), Body()...)")
    if marker.dependency is None:
        if plain is inspect.Parameter.empty or not callable(plain):
            raise TypeError("Depends() without a dependency needs a callable annotation (a class)")
        marker = copy.copy(marker)
        marker.dependency = plain
    return marker


def _plan(parameter: inspect.Parameter, hinted: Any, in_path: set[str], path: str) -> ParamSpec:
    name = parameter.name
    declared = hinted
    dependency = _dependency(parameter, hinted)
    if dependency is not None:
        return ParamSpec(name, "depends", name, (), None, Undefined, False, annotation=declared, dependency=dependency)
    annotation, marker = _strip_marker(hinted)
    if marker is not None:
        # Annotated[X, Query()]: the default is the "= value" of the parameter.
        if marker.default is not Undefined and not isinstance(marker, params.Path):
            raise TypeError(f"give the default with '=', not inside {type(marker).__name__}() in Annotated")
        default = Undefined if parameter.default is parameter.empty else parameter.default
        if isinstance(default, params.Param):
            raise TypeError("a marker in Annotated and another as the default")
        marker = copy.copy(marker)
        marker.default = default
    elif isinstance(parameter.default, params.Param):
        marker = parameter.default
        default = marker.default
    else:
        default = Undefined if parameter.default is parameter.empty else parameter.default

    if annotation is inspect.Parameter.empty:
        annotation = Any
    plain, _ = unwrap_annotated(annotation)
    if marker is None and isinstance(plain, type) and issubclass(plain, Request):
        return ParamSpec(name, "request", name, (), None, Undefined, False, annotation=declared)
    if marker is None and isinstance(plain, type) and issubclass(plain, BackgroundTasks):
        return ParamSpec(name, "background", name, (), None, Undefined, False, annotation=declared)
    if marker is None and isinstance(plain, type) and issubclass(plain, SecurityScopes):
        return ParamSpec(name, "security_scopes", name, (), None, Undefined, False, annotation=declared)
    if marker is None and isinstance(plain, type) and issubclass(plain, Response):
        # FastAPI's injected Response: status, headers and cookies set on it are merged into
        # the answer (fasterapi._sub_response).
        return ParamSpec(name, "response", name, (), None, Undefined, False, annotation=declared)

    if name in in_path:
        if marker is not None and not isinstance(marker, params.Path):
            raise TypeError(f"cannot use {type(marker).__name__}() for path parameter {name!r}")
        marker = marker or params.Path()
        default = Undefined  # path parameters are always required
    elif isinstance(marker, params.Path):
        raise TypeError(f"Path() parameter is not in the path {path!r}")

    desc = _describe(name, annotation, marker or params.Query(), default)
    if marker is None:
        if _is_upload(desc):
            marker = params.File(default)
        elif not desc.is_scalar:
            marker = params.Body(default)
        else:
            marker = params.Query(default)
        desc = _describe(name, annotation, marker, default)
    source = marker.in_

    common: dict[str, Any] = {
        "annotation": declared,
        "marker": marker,
        "default_factory": marker.default_factory,
        "validate_default": bool(marker.validate_default),
        "type": desc,
    }
    copy_default = not isinstance(default, (type(None), bool, int, float, str, bytes, tuple, frozenset))
    convert = source == "header" and getattr(marker, "convert_underscores", True)
    keys = _request_keys(name, marker, convert)
    key = keys[0]

    if source == "path":
        key = name
        return ParamSpec(name, "path", key, ("path", key), _text_validator(desc), Undefined, False,
                         native_kind=scalar_kind(declared, marker), keys=(key,), **common)

    if source in ("query", "header", "cookie"):
        model_type = _model_type(desc)
        if model_type is not None:
            model = ParamModel(model_type, nullable=desc.kind == "nullable", source=source, convert_underscores=convert)
            return ParamSpec(name, source, name, (source,), validator_for(desc), default, copy_default, model=model, keys=(name,), **common)
        if source == "query" and not (desc.is_scalar or _scalar_sequence(desc)):
            raise TypeError(f"Query parameter {name!r} must be one of the supported types (a scalar, a list of scalars or a model)")
        many = desc.is_sequence and source != "cookie"
        lookup = key.lower() if source == "header" else key
        native = None
        if source == "query" and len(keys) == 1 and marker.default_factory is None and not marker.validate_default:
            native = scalar_kind(declared, marker)
        return ParamSpec(name, source, lookup, (source, key), _text_validator(desc), default, copy_default, many,
                         native_kind=native, keys=tuple(k.lower() for k in keys) if source == "header" else keys, **common)

    # Bodies: JSON (Body), form fields (Form) and files (File).
    media_type = getattr(marker, "media_type", None)
    embed = bool(getattr(marker, "embed", False))
    if source in ("form", "file"):
        model_type = _model_type(desc)
        if model_type is not None and source == "form":
            model = ParamModel(model_type, nullable=desc.kind == "nullable", source="form")
            return ParamSpec(name, "form", name, ("body",), validator_for(desc), default, copy_default, model=model,
                             keys=(name,), media_type=media_type, **common)
        reads_file = _reads_file(desc) if source == "file" else None
        return ParamSpec(name, source, key, ("body", key), validator_for(desc), default, copy_default, desc.is_sequence,
                         embed=True, keys=keys, media_type=media_type, reads_file=reads_file, **common)
    return ParamSpec(name, "body", key, ("body", key), validator_for(desc), default, copy_default, embed=embed,
                     keys=keys, media_type=media_type, **common)


def _request_keys(name: str, marker: params.Param, convert_underscores: bool) -> tuple[str, ...]:
    """The keys a parameter is read from, in order of preference (FastAPI: its
    ``validation_alias`` if a name, else its ``alias``, else its name -- with dashes for a
    header -- or each name of an ``AliasChoices``)."""
    alias = marker.alias or (name.replace("_", "-") if convert_underscores else name)
    validation_alias = marker.validation_alias
    if isinstance(validation_alias, str) and validation_alias:
        return (validation_alias,)
    if isinstance(validation_alias, AliasChoices) and all(isinstance(c, str) for c in validation_alias.choices):
        return tuple(validation_alias.choices)
    return (alias,)


def _scalar_sequence(desc: TypeDesc) -> bool:
    target = desc.non_null()
    return target.is_sequence and all(arg.is_scalar for arg in target.args)


def is_async_callable(endpoint: Any) -> bool:
    while hasattr(endpoint, "func") and hasattr(endpoint, "args"):  # functools.partial
        endpoint = endpoint.func
    return inspect.iscoroutinefunction(endpoint) or inspect.iscoroutinefunction(getattr(endpoint, "__call__", None))
