"""The OpenAPI 3.1 document of an app, as FastAPI's ``fastapi.openapi.utils.get_openapi`` builds it.

Routes are read as FastAPI reads its ``APIRoute``s: path, methods, name, tags, summary,
description (or the endpoint's docstring, cut at a form feed), ``operation_id`` (or FastAPI's
generated ``{name}{path}_{method}``), deprecated, ``include_in_schema``, ``status_code``,
``response_model``, ``responses={...}``, ``response_description``, ``callbacks`` and
``openapi_extra``. Parameters come from the route's parameter plan
(:func:`fasterapi._signature.analyze`), request bodies follow FastAPI's rules (one body
parameter is the body; several, or ``embed=True``, or form fields make a ``Body_<operation_id>``
model), and every schema comes from :mod:`fasterapi._schema`, generated in one pass so that a
model whose validation and serialization schemas differ appears as ``Model-Input`` and
``Model-Output``, exactly where FastAPI splits it.

Security schemes plug in through :func:`security_requirements`: a route (or one of its
dependencies, when the dependency system fills it in) lists ``(scheme, scopes)`` pairs in
``route.security_requirements``, where ``scheme`` is like FastAPI's ``SecurityBase``: it has a
``scheme_name`` and a ``model`` (the OpenAPI Security Scheme Object, as a dict or an object with
``model_dump``). Each becomes a ``components.securitySchemes`` entry and the operation's
``security`` requirement.
"""

from __future__ import annotations

import copy
import http.client
import inspect
import re
import typing
import warnings
from collections.abc import Sequence
from typing import Any

from fasterapi import params
from fasterapi._model_desc import FieldDesc, ModelDesc, desc_of, field_from_annotation
from fasterapi._schema import GenerateJsonSchema
from fasterapi._signature import PATH_PARAM, analyze
from fasterapi._types import TypeDesc, describe, type_hints, unwrap_annotated
from fasterapi.encoders import jsonable_encoder
from fasterapi.fields import FieldInfo
from fasterapi.openapi.constants import METHODS_WITH_BODY, REF_PREFIX, REF_TEMPLATE
from fasterapi.params import Undefined
from fasterapi.responses import JSONResponse

validation_error_definition = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}

validation_error_response_definition = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": REF_PREFIX + "ValidationError"},
        }
    },
}

status_code_ranges: dict[str, str] = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}

_PARAM_SOURCES = ("path", "query", "header", "cookie")


# --------------------------------------------------------------------------
# What a route contributes


class _Field:
    """FastAPI's ``ModelField``, as far as OpenAPI needs one: something with a schema."""

    __slots__ = ("alias", "title", "item", "mode")

    def __init__(self, alias: str, item: TypeDesc | FieldDesc, mode: str, title: str | None = None) -> None:
        #: The name the schema title is made from when the schema is not a reference.
        self.alias = alias
        self.title = title
        self.item = item
        self.mode = mode


class _Param:
    __slots__ = ("source", "name", "field", "info", "required")

    def __init__(self, source: str, name: str, field: _Field, info: FieldInfo, required: bool) -> None:
        self.source = source
        self.name = name
        self.field = field
        self.info = info
        self.required = required


class _RoutePlan:
    """Everything about one route that goes into the document, worked out once."""

    def __init__(self, route: Any, generator: GenerateJsonSchema) -> None:
        self.route = route
        self.unique_id = route.operation_id or generate_unique_id(route)
        # A route's dependencies read requests too: their parameters are the operation's.
        flat = getattr(route, "flat_param_specs", None)
        specs = flat() if flat is not None else analyze(route.endpoint, route.path)
        self.params: list[_Param] = []
        body_specs = []
        for spec in specs:
            if spec.source in _PARAM_SOURCES:
                self.params.extend(_params(route, spec))
            elif spec.source in ("body", "form", "file"):
                body_specs.append(spec)
        self.body: _Field | None = None
        self.body_media_type = "application/json"
        self.body_required = False
        self.body_info: FieldInfo | None = None
        if body_specs:
            self._plan_body(route, body_specs, generator)
        response_model = getattr(route, "response_model", None)
        self.response: _Field | None = None
        if response_model is not None:
            self.response = _Field("Response_" + self.unique_id, describe(response_model), "serialization")
        self.response_fields: dict[Any, _Field] = {}
        for code, extra in (getattr(route, "responses", None) or {}).items():
            model = extra.get("model") if isinstance(extra, dict) else None
            if model:
                self.response_fields[code] = _Field(f"Response_{code}_{self.unique_id}", describe(model), "serialization")

    def _plan_body(self, route: Any, specs: list, generator: GenerateJsonSchema) -> None:
        parts = [_body_part(route, spec) for spec in specs]
        first_spec, (first_desc, first_info, first_marker) = specs[0], parts[0]
        is_form = [_is_form(marker) for _, _, marker in parts]
        is_file = [_is_file(marker) for _, _, marker in parts]
        embed = len(specs) > 1 or bool(getattr(first_marker, "embed", False)) or (is_form[0] and first_desc.type.non_null().kind not in ("model", "dataclass", "typeddict"))
        if not embed:
            self.body = _Field(first_spec.key, first_desc, "validation", title=first_info.title)
            self.body_required = first_info.is_required()
            self.body_media_type = getattr(first_marker, "media_type", None) or "application/json"
            self.body_info = first_info
            return
        # FastAPI's Body_<operation_id>: one field per body parameter, under its alias.
        name = "Body_" + self.unique_id
        stand_in = type(name, (), {"__doc__": None, "__module__": "fasterapi.openapi.utils"})
        model = ModelDesc(stand_in, "model", tuple(desc for desc, _, _ in parts), {})
        desc = generator.register_model(stand_in, model)
        self.body_required = any(info.is_required() for _, info, _ in parts)
        info = FieldInfo(default=Undefined if self.body_required else None)
        self.body = _Field("body", FieldDesc("body", info, desc, (("body",),), None), "validation")
        self.body_info = info
        if any(is_file):
            self.body_media_type = "multipart/form-data"
        elif any(is_form):
            media = [getattr(marker, "media_type", None) for (_, _, marker), form in zip(parts, is_form) if form]
            self.body_media_type = "multipart/form-data" if "multipart/form-data" in media else (media[0] if len(set(media)) == 1 else "application/x-www-form-urlencoded")
        else:
            media = [getattr(marker, "media_type", None) or "application/json" for _, _, marker in parts]
            self.body_media_type = media[0] if len(set(media)) == 1 else "application/json"

    def fields(self) -> list[_Field]:
        out = [p.field for p in self.params]
        if self.body is not None:
            out.append(self.body)
        if self.response is not None:
            out.append(self.response)
        out.extend(self.response_fields.values())
        return out


def generate_unique_id(route: Any) -> str:
    """FastAPI's default operation id: ``{name}{path}`` with non-word characters as ``_``,
    then ``_{first method}``."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{path_format(route.path)}")
    return f"{operation_id}_{list(route.methods)[0].lower()}"


def path_format(path: str) -> str:
    """The path as OpenAPI writes it: ``/files/{name:path}`` -> ``/files/{name}``."""
    return PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _marker_and_annotation(route: Any, spec: Any) -> tuple[Any, Any]:
    """The parameter's annotation (``Annotated`` metadata other than the marker kept) and its
    ``Query()``/``Body()``/... marker, from the ParamSpec when it records them."""
    annotation = getattr(spec, "annotation", _MISSING)
    marker = getattr(spec, "marker", _MISSING)
    if annotation is _MISSING or marker is _MISSING:
        # ParamSpec without them (older plan): read the endpoint's signature once more.
        signature = inspect.signature(route.endpoint)
        parameter = signature.parameters[spec.name]
        hinted = type_hints(route.endpoint).get(spec.name, parameter.annotation)
        annotation = Any if hinted is inspect.Parameter.empty else hinted
        marker = parameter.default if isinstance(parameter.default, params.Param) else None
    plain, metadata = unwrap_annotated(annotation)
    if marker is None or marker is _MISSING:
        marker = next((m for m in metadata if isinstance(m, params.Param)), None)
    rest = tuple(m for m in metadata if not isinstance(m, params.Param))
    if plain is inspect.Parameter.empty:
        plain = Any
    return (typing.Annotated[(plain, *rest)] if rest else plain), marker


def _field_info(marker: Any, default: Any) -> FieldInfo:
    """A FieldInfo saying what a parameter marker documents and constrains."""
    kwargs: dict[str, Any] = {"default": default}
    if marker is not None:
        for name in ("title", "description", "examples", "deprecated", "json_schema_extra", "gt", "ge", "lt", "le",
                     "multiple_of", "min_length", "max_length", "pattern", "max_digits", "decimal_places"):
            value = getattr(marker, name, None)
            if value is not None:
                kwargs[name] = value
    return FieldInfo(**kwargs)


def _params(route: Any, spec: Any) -> list[_Param]:
    """The documented parameters of one path/query/header/cookie parameter: itself, or, for a
    parameter model (``Annotated[Filter, Query()]``), one per field of the model, as FastAPI
    lists them."""
    annotation, marker = _marker_and_annotation(route, spec)
    if marker is not None and not getattr(marker, "include_in_schema", True):
        return []
    default = Undefined if spec.source == "path" else spec.default
    info = _field_info(marker, default)
    field = field_from_annotation(spec.name, annotation, info, {})
    target = field.type.non_null()
    if spec.source != "path" and target.kind in ("model", "dataclass", "typeddict"):
        # A model is required as a whole only when the parameter is.
        optional_model = field.type.kind == "nullable" or not info.is_required()
        out = []
        for inner in desc_of(target).fields:
            name = _key(inner)
            if spec.source == "header" and name == inner.name and getattr(marker, "convert_underscores", True):
                name = name.replace("_", "-")
            out.append(_Param(spec.source, name, _Field(name, inner, "validation", title=inner.info.title), inner.info,
                              inner.info.is_required() and not optional_model))
        return out
    # The name in the document is the key the request is read by (the alias, or
    # ``user-agent`` for a ``user_agent`` header); the schema title is made from it too.
    name = spec.loc[1] if len(spec.loc) > 1 else spec.key
    return [_Param(spec.source, name, _Field(name, field, "validation", title=info.title), info, info.is_required())]


def _key(field: FieldDesc) -> str:
    """The input key of a model field (its alias, if it has a plain one)."""
    for path in field.validation_keys:
        if len(path) == 1 and isinstance(path[0], str):
            return path[0]
    return field.name


def _body_part(route: Any, spec: Any) -> tuple[FieldDesc, FieldInfo, Any]:
    annotation, marker = _marker_and_annotation(route, spec)
    info = _field_info(marker, spec.default)
    alias = getattr(marker, "alias", None)
    if alias:
        info.alias = info.validation_alias = info.serialization_alias = alias
    field = field_from_annotation(spec.name, annotation, info, {})
    if _is_file(marker):
        # FastAPI documents a `bytes = File()` as an upload, like UploadFile.
        field.type = _bytes_as_upload(field.type)
    return field, info, marker


def _bytes_as_upload(desc: TypeDesc) -> TypeDesc:
    if desc.kind == "bytes":
        return TypeDesc("upload", annotation=desc.annotation)
    if desc.kind in ("nullable", "union", "list", "set", "frozenset", "var_tuple") and desc.args:
        args = tuple(_bytes_as_upload(a) for a in desc.args)
        return TypeDesc(desc.kind, args, constraints=desc.constraints, discriminator=desc.discriminator, annotation=desc.annotation)
    return desc


def _is_form(marker: Any) -> bool:
    form = getattr(params, "Form", None)
    return form is not None and isinstance(marker, form)


def _is_file(marker: Any) -> bool:
    file = getattr(params, "File", None)
    return file is not None and isinstance(marker, file)


class _Missing:
    pass


_MISSING: Any = _Missing()


# --------------------------------------------------------------------------
# Schemas


def _has_computed_fields(desc: TypeDesc, seen: set | None = None) -> bool:
    """Whether serializing ``desc`` includes computed fields (then FastAPI keeps its output
    schema even with ``separate_input_output_schemas=False``)."""
    seen = set() if seen is None else seen
    if desc.kind in ("model", "dataclass", "typeddict"):
        if desc.cls in seen:
            return False
        seen.add(desc.cls)
        try:
            model = desc_of(desc)
        except TypeError:
            return False
        return bool(model.computed) or any(_has_computed_fields(f.type, seen) for f in model.fields)
    return any(_has_computed_fields(a, seen) for a in desc.args)


def _type_of(field: _Field) -> TypeDesc:
    return field.item.type if isinstance(field.item, FieldDesc) else field.item


class _Schemas:
    """All schemas of a document, generated in one pass (FastAPI's ``get_definitions``)."""

    def __init__(self, fields: list[_Field], generator: GenerateJsonSchema, separate_input_output_schemas: bool) -> None:
        self.separate = separate_input_output_schemas
        inputs = []
        for field in fields:
            inputs.append((id(field), self._mode(field), field.item))
        self.mapping, self.definitions = generator.generate_definitions(inputs)
        for definition in self.definitions.values():
            if "description" in definition:
                definition["description"] = definition["description"].split("\f")[0]

    def _mode(self, field: _Field) -> str:
        if self.separate or field.mode == "validation":
            return field.mode
        return "serialization" if _has_computed_fields(_type_of(field)) else "validation"

    def of(self, field: _Field, alias: str | None = None) -> dict[str, Any]:
        """FastAPI's ``get_schema_from_model_field``: the field's schema, titled unless a reference."""
        schema = dict(self.mapping[(id(field), self._mode(field))])
        if "$ref" not in schema:
            schema["title"] = field.title or (alias or field.alias).title().replace("_", " ")
        return schema


# --------------------------------------------------------------------------
# Operations


def generate_operation_summary(*, route: Any, method: str) -> str:
    if route.summary:
        return route.summary
    return route.name.replace("_", " ").title()


def _description(route: Any) -> str:
    text = route.description or inspect.cleandoc(getattr(route.endpoint, "__doc__", None) or "")
    return text.split("\f")[0].strip()


def get_openapi_operation_metadata(*, route: Any, method: str, operation_ids: set[str]) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if route.tags:
        operation["tags"] = route.tags
    operation["summary"] = generate_operation_summary(route=route, method=method)
    description = _description(route)
    if description:
        operation["description"] = description
    operation_id = route.operation_id or generate_unique_id(route)
    if operation_id in operation_ids:
        endpoint_name = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
        message = f"Duplicate Operation ID {operation_id} for function {endpoint_name}"
        file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
        if file_name:
            message += f" at {file_name}"
        warnings.warn(message, stacklevel=1)
    operation_ids.add(operation_id)
    operation["operationId"] = operation_id
    if route.deprecated:
        operation["deprecated"] = route.deprecated
    return operation


def security_requirements(route: Any) -> list[tuple[Any, list[str]]]:
    """``(scheme, scopes)`` pairs a route requires (see the module docstring)."""
    return list(getattr(route, "security_requirements", None) or ())


def _security(route: Any) -> tuple[dict[str, Any], list[dict[str, list[str]]]]:
    definitions: dict[str, Any] = {}
    scopes_by_name: dict[str, list[str]] = {}
    for scheme, scopes in security_requirements(route):
        model = scheme.model
        if hasattr(model, "model_dump"):
            model = model.model_dump(by_alias=True, exclude_none=True)
        name = scheme.scheme_name
        definitions[name] = jsonable_encoder(model)
        known = scopes_by_name.setdefault(name, [])
        known.extend(s for s in scopes if s not in known)
    return definitions, [{name: scopes} for name, scopes in scopes_by_name.items()]


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    if status_code is None:
        return True
    if status_code in {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}:
        return True
    current = int(status_code)
    return not (current < 200 or current in {204, 205, 304})


def deep_dict_update(main_dict: dict[Any, Any], update_dict: dict[Any, Any]) -> None:
    for key, value in update_dict.items():
        if key in main_dict and isinstance(main_dict[key], dict) and isinstance(value, dict):
            deep_dict_update(main_dict[key], value)
        elif key in main_dict and isinstance(main_dict[key], list) and isinstance(update_dict[key], list):
            main_dict[key] = main_dict[key] + update_dict[key]
        else:
            main_dict[key] = value


def _parameters(plan: _RoutePlan, schemas: _Schemas) -> list[dict[str, Any]]:
    parameters = []
    for source in _PARAM_SOURCES:
        for param in plan.params:
            if param.source != source:
                continue
            info = param.info
            parameter: dict[str, Any] = {
                "name": param.name,
                "in": source,
                "required": param.required,
                "schema": schemas.of(param.field),
            }
            if info.description:
                parameter["description"] = info.description
            marker_examples = getattr(info, "openapi_examples", None)
            if marker_examples:
                parameter["examples"] = jsonable_encoder(marker_examples)
            if info.deprecated:
                parameter["deprecated"] = True
            parameters.append(parameter)
    return parameters


def _request_body(plan: _RoutePlan, schemas: _Schemas) -> dict[str, Any] | None:
    if plan.body is None:
        return None
    body: dict[str, Any] = {}
    if plan.body_required:
        body["required"] = True
    body["content"] = {plan.body_media_type: {"schema": schemas.of(plan.body)}}
    return body


def _response_class(route: Any) -> type:
    return getattr(route, "response_class", None) or JSONResponse


def get_openapi_path(*, plan: _RoutePlan, operation_ids: set[str], schemas: _Schemas, plans: dict[int, _RoutePlan]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    route = plan.route
    path: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    response_class = _response_class(route)
    media_type = getattr(response_class, "media_type", None)
    for method in route.methods:
        operation = get_openapi_operation_metadata(route=route, method=method, operation_ids=operation_ids)
        scheme_definitions, operation_security = _security(route)
        if operation_security:
            operation.setdefault("security", []).extend(operation_security)
        security_schemes.update(scheme_definitions)
        parameters = _parameters(plan, schemas)
        if parameters:
            everything = {(p["in"], p["name"]): p for p in parameters}
            everything.update({(p["in"], p["name"]): p for p in parameters if p.get("required")})
            operation["parameters"] = list(everything.values())
        if method in METHODS_WITH_BODY:
            body = _request_body(plan, schemas)
            if body:
                operation["requestBody"] = body
        callbacks = getattr(route, "callbacks", None)
        if callbacks:
            operation["callbacks"] = {}
            for callback in callbacks:
                callback_plan = plans.get(id(callback))
                if callback_plan is None:
                    continue
                cb_path, cb_security, cb_definitions = get_openapi_path(plan=callback_plan, operation_ids=operation_ids, schemas=schemas, plans=plans)
                operation["callbacks"][callback.name] = {callback.path: cb_path}
        status_code = str(route.status_code) if route.status_code is not None else _default_status(response_class)
        responses = operation.setdefault("responses", {})
        responses.setdefault(status_code, {})["description"] = getattr(route, "response_description", "Successful Response")
        if is_body_allowed_for_status_code(route.status_code) and media_type:
            schema: dict[str, Any] = {"type": "string"}
            if issubclass(response_class, JSONResponse):
                schema = schemas.of(plan.response) if plan.response is not None else {}
            responses[status_code].setdefault("content", {}).setdefault(media_type, {})["schema"] = schema
        for code, extra in (getattr(route, "responses", None) or {}).items():
            process = copy.deepcopy(extra)
            process.pop("model", None)
            key = str(code).upper()
            if key == "DEFAULT":
                key = "default"
            openapi_response = responses.setdefault(key, {})
            field = plan.response_fields.get(code)
            if field is not None:
                extra_schema = process.setdefault("content", {}).setdefault(media_type or "application/json", {}).setdefault("schema", {})
                deep_dict_update(extra_schema, schemas.of(field))
            status_text = status_code_ranges.get(str(code).upper()) or (http.client.responses.get(int(code)) if str(code).isdigit() else None)
            description = process.get("description") or openapi_response.get("description") or status_text or "Additional Response"
            deep_dict_update(openapi_response, process)
            openapi_response["description"] = description
        if (plan.params or plan.body is not None) and not any(s in responses for s in ("422", "4XX", "default")):
            responses["422"] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            definitions.setdefault("ValidationError", validation_error_definition)
            definitions.setdefault("HTTPValidationError", validation_error_response_definition)
        extra = getattr(route, "openapi_extra", None)
        if extra:
            deep_dict_update(operation, extra)
        path[method.lower()] = operation
    return path, security_schemes, definitions


def _default_status(response_class: type) -> str:
    parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return "200"


def _is_documented(route: Any) -> bool:
    return hasattr(route, "endpoint") and hasattr(route, "methods") and getattr(route, "include_in_schema", True)


# --------------------------------------------------------------------------
# The document


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, str | Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, str | Any] | None = None,
    license_info: dict[str, str | Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document of ``routes`` (and ``webhooks``), as a JSON-ready dict."""
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers

    generator = GenerateJsonSchema(ref_template=REF_TEMPLATE)
    documented = [r for r in routes if _is_documented(r)]
    documented_hooks = [r for r in (webhooks or ()) if _is_documented(r)]
    plans: dict[int, _RoutePlan] = {}
    for route in documented + documented_hooks:
        for item in [route, *(getattr(route, "callbacks", None) or ())]:
            if id(item) not in plans and _is_documented(item):
                plans[id(item)] = _RoutePlan(item, generator)
    fields = [field for plan in plans.values() for field in plan.fields()]
    schemas = _Schemas(fields, generator, separate_input_output_schemas)
    definitions = dict(schemas.definitions)

    components: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()

    def add(target: dict[str, dict[str, Any]], route: Any) -> None:
        path, security_schemes, path_definitions = get_openapi_path(plan=plans[id(route)], operation_ids=operation_ids, schemas=schemas, plans=plans)
        if path:
            target.setdefault(path_format(route.path), {}).update(path)
        if security_schemes:
            components.setdefault("securitySchemes", {}).update(security_schemes)
        definitions.update(path_definitions)

    paths: dict[str, dict[str, Any]] = {}
    for route in documented:
        add(paths, route)
    webhook_paths: dict[str, dict[str, Any]] = {}
    for route in documented_hooks:
        add(webhook_paths, route)
    if definitions:
        components["schemas"] = {k: definitions[k] for k in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = paths
    if webhook_paths:
        output["webhooks"] = webhook_paths
    if tags:
        output["tags"] = tags
    if external_docs:
        output["externalDocs"] = external_docs
    return _without_none(jsonable_encoder(output))


def _without_none(value: Any, key: str | None = None) -> Any:
    """The document as FastAPI's final ``jsonable_encoder(OpenAPI(**output), exclude_none=True)``
    leaves it: every ``None`` value of every object dropped (list items stay), and the numeric
    bounds of schemas as floats (OpenAPI's Schema model declares them ``float``: ``gt=0`` is
    written ``0.0``). Values inside ``default``/``example(s)``/``enum``/``const`` are data, not
    schemas: only their ``None`` entries go."""
    return _encoded(value, key, floats=True)


def _encoded(value: Any, key: str | None, floats: bool) -> Any:
    if isinstance(value, dict):
        data = key in _DATA_KEYS
        # Parameter schemas keep their integers (FastAPI's Parameter model does not coerce them).
        floats = floats and not data and key != "parameters"
        return {
            k: (float(v) if floats and k in _FLOAT_KEYS and type(v) is int else _encoded(v, "default" if data else k, floats))
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        inner = "default" if key in _DATA_KEYS else key
        return [_encoded(v, inner, floats and key != "parameters") for v in value]
    return value


_FLOAT_KEYS = frozenset({"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"})
_DATA_KEYS = frozenset({"default", "example", "examples", "enum", "const"})
