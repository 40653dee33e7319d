"""Routes, routers, and the per-route request handlers handed to the bridge.

Everything that can be decided once is decided in ``APIRoute.compile``
when the app is loaded (in each interpreter): the endpoint's signature is
analysed, validators are compiled, and a closure specialised for the route is
returned. The closure is what the bridge calls for every request, so it only
*executes*: no signature inspection, no annotation lookups, no dict of
options. A route without parameters gets a handler that is a single call
inside a ``try``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from types import CoroutineType
from typing import Any

from fasterapi import _native
from fasterapi._fastpath import NativePlan, native_plan
from fasterapi._response_model import compile_response, response_annotation
from fasterapi._signature import ParamSpec, analyze, is_async_callable, path_param_names
from fasterapi._errors import ValidationError
from fasterapi._validators import missing_error
from fasterapi.exception_handlers import ExceptionDispatcher
from fasterapi.exceptions import HTTPException, RequestValidationError
from fasterapi.params import Undefined
from fasterapi.requests import Request, parse_cookies
from fasterapi.responses import Response

_json_loads = _native.json_loads
_parse_query = _native.parse_query

class CompiledRoute:
    """One method of one route, as the bridge reads it (docs/bridge-contract.md)."""

    __slots__ = ("method", "path", "handler", "status_code", "native_plan", "is_async", "inline", "timeout", "interpreter", "batch")

    def __init__(
        self,
        method: str,
        path: str,
        handler: Callable[[Any], Any],
        status_code: int,
        native_plan: NativePlan | None,
        is_async: bool,
        inline: bool | None,
        timeout: float | None = None,
        interpreter: str = "core",
        batch: tuple[int, float] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        #: handler(native_request) -> answer, or (async endpoints) a coroutine.
        self.handler = handler
        self.status_code = status_code
        self.native_plan = native_plan
        self.is_async = is_async
        #: Sync endpoints: True = always on the core thread, False = always in the
        #: blocking pool, None = measured (docs/architecture.md, "Blocking handlers").
        self.inline = inline
        #: Seconds after which the request is answered 504 and the handler cancelled.
        self.timeout = timeout
        #: "core": the core's own sub-interpreter; "main": the main interpreter's lane.
        self.interpreter = interpreter
        #: ``(max_size, max_wait_seconds)``: ``handler(list_of_requests) -> list_of_answers``.
        self.batch = batch

    def __repr__(self) -> str:
        return f"CompiledRoute({self.method} {self.path})"

_MISSING: Any = object()
#: "Not given" for options where None means something (response_model=None: no model).
_DEFAULT: Any = object()


# --------------------------------------------------------------------------
# Request-time helpers (called only by routes that need them)


def read_json_body(raw: bytes) -> Any:
    """The parsed body; ``_MISSING`` if empty. Invalid JSON raises ``RequestValidationError``."""
    if not raw:
        return _MISSING
    try:
        return _json_loads(raw)
    except ValueError:
        pass
    # Error path only: FastAPI parses with the stdlib and reports its error
    # position and message, so ask the stdlib for the same details. (If the
    # stdlib accepts what the native parser refused — NaN, for instance — we
    # take its value, as FastAPI would.)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error", "input": {}, "ctx": {"error": exc.msg}}],
            body=raw,
        ) from None
    except (ValueError, RecursionError):  # not UTF-8/16/32, or nested too deep for the stdlib
        raise HTTPException(400, "There was an error parsing the body") from None


_BODY_LOC = ("body",)
_validate_json = _native.schema_validate_json


def _fast_body_schema(body_specs: Sequence[ParamSpec]) -> Any:
    """The native schema of a lone, non-embedded model body parameter (see the handler)."""
    if len(body_specs) != 1 or body_specs[0].embed:
        return None
    schema = getattr(body_specs[0].validate, "schema", None)
    desc = getattr(body_specs[0].validate, "desc", None)
    if schema is None or desc is None or desc.kind not in ("model", "dataclass", "typeddict"):
        return None
    return schema


def _bind(spec: ParamSpec, value: Any, kwargs: dict, errors: list) -> None:
    """Bind one query/header/cookie parameter: its value, its default, or a "missing" error."""
    if value is _MISSING:
        if spec.default is Undefined:
            errors.append(missing_error(spec.loc))
        else:
            kwargs[spec.name] = spec.get_default()
    else:
        validate = spec.validate
        kwargs[spec.name] = value if validate is None else validate(value, spec.loc, errors)


def _extract(specs: Sequence[ParamSpec], pairs: Any, single: dict, kwargs: dict, errors: list) -> None:
    """Bind query/cookie parameters from ``pairs`` (all values) / ``single`` (one per key)."""
    for spec in specs:
        if spec.many:
            key = spec.key
            value = [v for k, v in pairs if k == key] or _MISSING
        else:
            value = single.get(spec.key, _MISSING)
        _bind(spec, value, kwargs, errors)


def _extract_headers(specs: Sequence[ParamSpec], req: Any, kwargs: dict, errors: list) -> None:
    """Bind header parameters, each looked up in Rust (the first of repeated headers wins,
    like Starlette's Headers; ``list[X]`` parameters get all of them)."""
    for spec in specs:
        values = req.header_values(spec.key)
        if spec.many:
            value = values or _MISSING
        else:
            value = values[0] if values else _MISSING
        _bind(spec, value, kwargs, errors)


def _bind_body(specs: Sequence[ParamSpec], body: Any, kwargs: dict, errors: list) -> None:
    first = specs[0]
    if not first.embed:
        # The lone, non-embedded body parameter is the whole document. An empty body is
        # missing; a JSON null is validated like any value (FastAPI: a required model
        # answers model_attributes_type).
        if body is _MISSING:
            if first.default is Undefined:
                errors.append(missing_error(("body",)))
            else:
                kwargs[first.name] = first.get_default()
        else:
            kwargs[first.name] = first.validate(body, first.loc, errors)
        return
    for spec in specs:
        if body is _MISSING or body is None:
            value = None
        elif isinstance(body, dict):
            value = body.get(spec.key)
        else:
            errors.append(missing_error(spec.loc))
            continue
        # FastAPI treats an embedded null like a missing field.
        _bind(spec, _MISSING if value is None else value, kwargs, errors)


# --------------------------------------------------------------------------
# Routes


class APIRoute:
    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        status_code: int | None = None,
        response_class: type[Response] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        summary: str | None = None,
        description: str | None = None,
        deprecated: bool | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        responses: dict | None = None,
        inline: bool | None = None,
        timeout: float | None = None,
        interpreter: str = "core",
        batch: tuple[int, float] | None = None,
        response_model: Any = _DEFAULT,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        response_description: str = "Successful Response",
        openapi_extra: dict[str, Any] | None = None,
        callbacks: list[Any] | None = None,
    ) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route path must start with '/': {path!r}")
        path_param_names(path)  # reject unsupported templates at declaration time
        self.path = path
        self.endpoint = endpoint
        self.methods = [m.upper() for m in (methods or ["GET"])]
        self.status_code = status_code
        self.response_class = response_class
        self.name = name or getattr(endpoint, "__name__", type(endpoint).__name__)
        # Documentation (fasterapi.openapi reads these).
        self.tags = list(tags or [])
        self.summary = summary
        self.description = description
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.include_in_schema = include_in_schema
        self.responses = responses
        if inline is not None and not isinstance(inline, bool):
            raise TypeError(f"inline must be True, False or None, not {inline!r}")
        self.inline = inline
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        self.timeout = None if timeout is None else float(timeout)
        if interpreter not in ("core", "main"):
            raise ValueError(f"interpreter must be 'core' or 'main', not {interpreter!r}")
        self.interpreter = interpreter
        if batch is not None:
            max_size, max_wait = batch
            if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1:
                raise ValueError(f"batch max_size must be an int >= 1, not {max_size!r}")
            if not isinstance(max_wait, (int, float)) or isinstance(max_wait, bool) or not max_wait >= 0:
                raise ValueError(f"batch max_wait_ms must be a number >= 0, not {max_wait!r}")
            if is_async_callable(endpoint):
                raise TypeError("a batch endpoint must be a plain def (it runs on the core, once per batch)")
            if interpreter != "core":
                raise ValueError("a batch endpoint runs on the cores, not in the main interpreter's lane")
        self.batch = batch
        # FastAPI: without an explicit response_model, the return annotation is one
        # (unless it is a Response class); response_model=None turns that off.
        if response_model is _DEFAULT:
            response_model = response_annotation(endpoint)
        self.response_model = response_model
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        # Documentation only (fasterapi.openapi reads them), as in FastAPI.
        self.response_description = response_description
        self.openapi_extra = openapi_extra
        self.callbacks = callbacks

    def __repr__(self) -> str:
        return f"APIRoute(path={self.path!r}, name={self.name!r}, methods={self.methods!r})"

    def compile(self, on_error: ExceptionDispatcher) -> tuple[Callable[[Any], Any], NativePlan | None]:
        """The ``handler(native_request)`` the bridge calls, and the route's native plan
        (``fasterapi._fastpath``), from one analysis of the endpoint's signature."""
        if self.batch is not None:
            return self._batch_handler(on_error), None
        specs = analyze(self.endpoint, self.path)
        is_async = is_async_callable(self.endpoint)
        invoke = self._make_invoke(is_async)
        handler = self._build_handler(specs, is_async, invoke, on_error)
        plan = native_plan(specs, invoke, on_error, on_error.handled)
        if is_async:
            # The endpoint's coroutine runs later, as a task on the core's loop: its
            # exceptions are caught there.
            handler = _guard_coroutine(handler, on_error)
            if plan is not None:
                plan = (_guard_coroutine(plan[0], on_error), plan[1])
        return handler, plan

    def _batch_handler(self, on_error: ExceptionDispatcher) -> Callable[[list], list]:
        """``handler([native_request, ...]) -> [answer, ...]``: one call of the endpoint with
        ``Request`` objects for a whole batch; an exception the app handles answers every
        request of the batch."""
        endpoint = self.endpoint
        handled = on_error.handled
        name = self.name

        def handler(natives: list) -> list:
            try:
                answers = endpoint([Request(n) for n in natives])
            except handled as exc:
                return [on_error(n, exc) for n in natives]
            if not isinstance(answers, (list, tuple)) or len(answers) != len(natives):
                got = f"{len(answers)} answers" if isinstance(answers, (list, tuple)) else type(answers).__name__
                raise TypeError(f"batch endpoint {name} must return a list of {len(natives)} answers, got {got}")
            return list(answers)

        return handler

    def _build_handler(
        self, specs: list[ParamSpec], is_async: bool, invoke: Callable[..., Any], on_error: ExceptionDispatcher
    ) -> Callable[[Any], Any]:
        endpoint = self.endpoint
        handled = on_error.handled

        # Fast paths: no parameters and no response class to apply.
        if not specs and self.response_class is None and self.response_model is None:
            if is_async:

                def handler(req: Any) -> Any:
                    return endpoint()

            else:

                def handler(req: Any) -> Any:
                    try:
                        return endpoint()
                    except handled as exc:
                        return on_error(req, exc)

            return handler

        if not specs:

            def handler(req: Any) -> Any:
                try:
                    return invoke()
                except handled as exc:
                    return on_error(req, exc)

            return handler

        path_specs = tuple((s.name, s.key, s.loc, s.validate) for s in specs if s.source == "path")
        query_specs = tuple(s for s in specs if s.source == "query")
        header_specs = tuple(s for s in specs if s.source == "header")
        cookie_specs = tuple(s for s in specs if s.source == "cookie")
        body_specs = tuple(s for s in specs if s.source == "body")
        request_names = tuple(s.name for s in specs if s.source == "request")
        # A lone model body: the JSON goes straight into the model, parsed and validated in
        # one native pass. Anything that pass refuses (bad JSON, invalid data, an empty body)
        # takes the general path below, which words the errors as FastAPI does.
        fast_body = _fast_body_schema(body_specs)
        fast_name = body_specs[0].name if fast_body is not None else None

        def handler(req: Any) -> Any:
            try:
                kwargs: dict[str, Any] = {}
                errors: list[dict] = []
                body_specs_left = body_specs
                if fast_body is not None:
                    raw = req.body
                    if raw:
                        try:
                            kwargs[fast_name] = _validate_json(fast_body, raw, _BODY_LOC)
                            body_specs_left = ()
                        except ValidationError:
                            pass
                if body_specs_left:
                    # First, as in FastAPI: invalid JSON is reported on its own.
                    body = read_json_body(req.body)
                if path_specs:
                    path_params = req.path_params
                    for name, key, loc, validate in path_specs:
                        value = path_params[key]
                        kwargs[name] = value if validate is None else validate(value, loc, errors)
                if query_specs:
                    query_string = req.query_string
                    pairs = _parse_query(query_string) if query_string else ()
                    # dict() keeps the last of repeated keys, like Starlette's QueryParams.
                    _extract(query_specs, pairs, dict(pairs), kwargs, errors)
                if header_specs:
                    _extract_headers(header_specs, req, kwargs, errors)
                if cookie_specs:
                    cookies = parse_cookies("; ".join(req.header_values("cookie")))
                    _extract(cookie_specs, (), cookies, kwargs, errors)
                if body_specs_left:
                    _bind_body(body_specs_left, body, kwargs, errors)
                if errors:
                    raise RequestValidationError(errors)
                for name in request_names:
                    kwargs[name] = Request(req)
                return invoke(**kwargs)
            except handled as exc:
                return on_error(req, exc)

        return handler

    def _make_invoke(self, is_async: bool) -> Callable[..., Any]:
        """The endpoint call plus what must follow it (response_model, response_class)."""
        endpoint = self.endpoint
        response_class = self.response_class
        if self.response_model is not None:
            return self._invoke_with_model(is_async)
        if response_class is None:
            if not is_async:
                return endpoint

            return endpoint

        status_code = self.status_code or 200

        def apply_class(result: Any) -> Any:
            if isinstance(result, Response):
                return result
            return response_class(result, status_code=status_code)

        if is_async:

            async def invoke_async_with_class(**kwargs: Any) -> Any:
                return apply_class(await endpoint(**kwargs))

            return invoke_async_with_class

        def invoke_with_class(**kwargs: Any) -> Any:
            return apply_class(endpoint(**kwargs))

        return invoke_with_class


    def _invoke_with_model(self, is_async: bool) -> Callable[..., Any]:
        endpoint = self.endpoint
        try:
            serialize = compile_response(
                self.response_model,
                status_code=self.status_code or 200,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
        except TypeError as exc:
            raise TypeError(f"invalid response_model {self.response_model!r}: {exc}") from None
        if is_async:

            async def invoke_async_with_model(**kwargs: Any) -> Any:
                return serialize(await endpoint(**kwargs))

            return invoke_async_with_model

        def invoke_with_model(**kwargs: Any) -> Any:
            return serialize(endpoint(**kwargs))

        return invoke_with_model


def _guard_coroutine(call: Callable[..., Any], on_error: ExceptionDispatcher) -> Callable[..., Any]:
    """Wrap a route handler of an ``async def`` endpoint: what it returns is the endpoint's
    coroutine (or an answer already, e.g. a validation error), and the coroutine's own
    exceptions go to the app's exception handlers when it runs."""
    handled = on_error.handled

    async def guarded(coro: Any, req: Any) -> Any:
        try:
            return await coro
        except handled as exc:
            result = on_error(req, exc)
            return (await result) if isinstance(result, CoroutineType) else result

    def call_guarded(req: Any, *args: Any) -> Any:
        result = call(req, *args)
        return guarded(result, req) if type(result) is CoroutineType else result

    return call_guarded


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class MethodShortcuts:
    """``get``/``post``/... as ``api_route(path, methods=[...])``: shared by APIRouter and FasterAPI."""

    def api_route(self, path: str, *, methods: Sequence[str] | None = None, **options: Any) -> Decorator:
        raise NotImplementedError

    def get(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["DELETE"], **options)

    def head(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["HEAD"], **options)

    def options(self, path: str, **options: Any) -> Decorator:
        return self.api_route(path, methods=["OPTIONS"], **options)

    def batch(
        self,
        path: str,
        *,
        max_size: int = 32,
        max_wait_ms: float = 1.0,
        methods: Sequence[str] | None = None,
        **options: Any,
    ) -> Decorator:
        """A route answered in batches: the endpoint receives a list of up to ``max_size``
        ``Request`` objects that arrived on the same core within ``max_wait_ms`` of the first,
        and returns one answer per request, in order. One interpreter entry per batch."""
        return self.api_route(path, methods=list(methods or ["POST"]), batch=(max_size, max_wait_ms / 1000), **options)


class APIRouter(MethodShortcuts):
    """A group of routes, mounted on an app (or another router) with ``include_router``."""

    def __init__(self, *, prefix: str = "", tags: list[str] | None = None) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError("a prefix must start with '/' and not end with '/'")
        self.prefix = prefix
        self.tags = list(tags or [])
        self.routes: list[APIRoute] = []

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> APIRoute:
        options["tags"] = self.tags + list(options.get("tags") or [])
        route = APIRoute(self.prefix + path, endpoint, **options)
        self.routes.append(route)
        return route

    def api_route(
        self,
        path: str,
        *,
        methods: Sequence[str] | None = None,
        status_code: int | None = None,
        response_class: type[Response] | None = None,
        **options: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(path, endpoint, methods=methods, status_code=status_code, response_class=response_class, **options)
            return endpoint

        return decorator

    def include_router(self, router: "APIRouter", *, prefix: str = "", tags: list[str] | None = None) -> None:
        """Copy ``router``'s routes here, under ``prefix`` (like FastAPI, at include time)."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError("a prefix must start with '/' and not end with '/'")
        for route in router.routes:
            self.add_api_route(
                prefix + route.path,
                route.endpoint,
                methods=route.methods,
                status_code=route.status_code,
                response_class=route.response_class,
                name=route.name,
                tags=list(tags or []) + route.tags,
                summary=route.summary,
                description=route.description,
                deprecated=route.deprecated,
                operation_id=route.operation_id,
                include_in_schema=route.include_in_schema,
                responses=route.responses,
                inline=route.inline,
                timeout=route.timeout,
                interpreter=route.interpreter,
                batch=route.batch,
                response_model=route.response_model,
                response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                response_description=route.response_description,
                openapi_extra=route.openapi_extra,
                callbacks=route.callbacks,
            )


def compile_routes(routes: Sequence[APIRoute], on_error: ExceptionDispatcher) -> list[CompiledRoute]:
    """The ``routes`` list of the bridge contract: one entry per (route, method)."""
    compiled: list[CompiledRoute] = []
    seen: dict[tuple[str, str], APIRoute] = {}
    for route in routes:
        try:
            handler, plan = route.compile(on_error)
        except (TypeError, ValueError) as exc:
            # One line naming the route: load_app's errors are printed as is.
            raise TypeError(f"route {'/'.join(route.methods)} {route.path} ({route.name}): {exc}") from exc
        for method in route.methods:
            key = (method, route.path)
            if key in seen:
                # Starlette would silently use the first; a router that can't
                # hold both should say so instead.
                raise ValueError(f"duplicate route {method} {route.path} ({seen[key].name} and {route.name})")
            seen[key] = route
            is_async = is_async_callable(route.endpoint)
            compiled.append(
                CompiledRoute(
                    method,
                    route.path,
                    handler,
                    route.status_code or 200,
                    plan,
                    is_async,
                    route.inline,
                    route.timeout,
                    route.interpreter,
                    route.batch,
                )
            )
    return compiled
