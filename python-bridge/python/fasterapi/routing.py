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
from fasterapi.background import BackgroundTasks
from fasterapi._fastpath import NativePlan, native_plan
from fasterapi._response_model import compile_response, response_annotation
from fasterapi._form_limits import default_limits
from fasterapi._forms import FormBody
from fasterapi._received import MISSING, Received, bind_value
from fasterapi._after_send import after_send
from fasterapi._dependencies import Dependant, build_tree, flat_specs, security_requirements
from fasterapi._dependency_solver import FAILED, compile_solver, new_exit_stacks, unwind, unwind_async
from fasterapi._signature import BODY_SOURCES, ParamSpec, is_async_callable, path_param_names
from fasterapi._errors import ValidationError
from fasterapi.main import lazy_body_allowed
from fasterapi._validators import missing_error
from fasterapi.exception_handlers import ExceptionDispatcher
from fasterapi.exceptions import HTTPException, RequestValidationError
from fasterapi.datastructures import FormData
from fasterapi.requests import AppContext, Request, parse_cookies
from fasterapi.responses import Response
from fasterapi._inclusion import Inclusion
from fasterapi._mount import Mount
from fasterapi._sub_response import SubResponse, merge_sub_response
from fasterapi._urls import URLPath, URLTable

_json_loads = _native.json_loads
_parse_query = _native.parse_query

class CompiledRoute:
    """One method of one route, as the bridge reads it (docs/bridge-contract.md)."""

    __slots__ = ("method", "path", "handler", "status_code", "native_plan", "is_async", "inline", "timeout", "interpreter", "batch", "name")

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
        name: str = "",
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
        #: The route's name (error messages; the bridge does not read it).
        self.name = name

    def __repr__(self) -> str:
        return f"CompiledRoute({self.method} {self.path})"

_MISSING: Any = MISSING
#: "Not given" for options where None means something (response_model=None: no model).
_DEFAULT: Any = object()


# --------------------------------------------------------------------------
# Request-time helpers (called only by routes that need them)


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/<anything>+json``, parameters ignored -- what
    FastAPI parses as JSON (it reads the type as ``email.message`` does)."""
    known = _json_media_types.get(content_type)
    if known is None:
        media = content_type.partition(";")[0].strip().lower()
        main, slash, sub = media.partition("/")
        known = bool(slash) and "/" not in sub and main == "application" and (sub == "json" or sub.endswith("+json"))
        if len(_json_media_types) < 256:  # clients send a handful of distinct values
            _json_media_types[content_type] = known
    return known


#: Content-Type values already classified (per interpreter, like the module).
_json_media_types: dict[str, bool] = {}


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
_validate_json_lazy = _native.schema_validate_json_lazy


def _fast_body_schema(body_specs: Sequence[ParamSpec]) -> Any:
    """The native schema of a lone, non-embedded model body parameter (see the handler)."""
    if len(body_specs) != 1 or body_specs[0].embed or body_specs[0].source != "body":
        return None
    spec = body_specs[0]
    if spec.validate_default or spec.default_factory is not None:
        return None
    schema = getattr(spec.validate, "schema", None)
    desc = getattr(spec.validate, "desc", None)
    if schema is None or desc is None or desc.kind not in ("model", "dataclass", "typeddict"):
        return None
    return schema


_bind = bind_value


def _extract(specs: Sequence[ParamSpec], pairs: Any, single: dict, kwargs: dict, errors: list) -> None:
    """Bind query/cookie parameters from ``pairs`` (all values) / ``single`` (one per key)."""
    for spec in specs:
        keys = spec.keys
        if len(keys) > 1:  # AliasChoices: the first name sent
            key = next((k for k in keys if k in single), keys[0])
            loc = (spec.source, key)
        else:
            key, loc = spec.key, None
        if spec.many:
            value = [v for k, v in pairs if k == key] or _MISSING
        else:
            value = single.get(key, _MISSING)
        _bind(spec, value, kwargs, errors, loc)


def _extract_headers(specs: Sequence[ParamSpec], req: Any, kwargs: dict, errors: list) -> None:
    """Bind header parameters, each looked up in Rust (the first of repeated headers wins,
    like Starlette's Headers; ``list[X]`` parameters get all of them)."""
    for spec in specs:
        values = req.header_values(spec.key)
        loc = None
        if not values and len(spec.keys) > 1:  # AliasChoices: the first name sent
            for key in spec.keys[1:]:
                values = req.header_values(key)
                if values:
                    loc = ("header", key)
                    break
        if spec.many:
            value = values or _MISSING
        else:
            value = values[0] if values else _MISSING
        _bind(spec, value, kwargs, errors, loc)


def _extract_models(specs: Sequence[ParamSpec], received: Received, kwargs: dict, errors: list) -> None:
    """Bind parameter models (``Annotated[Filter, Query()]``) of one source."""
    for spec in specs:
        first = len(errors)
        _bind(spec, spec.model.collect(received), kwargs, errors)
        spec.model.relocate(errors, first)


def _bind_body(specs: Sequence[ParamSpec], body: Any, kwargs: dict, errors: list) -> None:
    """Bind JSON body parameters (FastAPI's ``request_body_to_args``). ``body`` is the parsed
    JSON, the raw bytes of a body sent with another content type, or ``_MISSING``."""
    first = specs[0]
    if not first.embed:
        # The lone, non-embedded body parameter is the whole document; a JSON null is
        # validated like any value (FastAPI: a required model answers model_attributes_type).
        _bind(first, body, kwargs, errors)
        return
    for spec in specs:
        if body is _MISSING:
            value, loc = _MISSING, None
        elif not isinstance(body, dict):
            # Embedded parameters need a JSON object: anything else misses them all.
            errors.append(missing_error(spec.loc))
            continue
        else:
            value, loc = _MISSING, None
            for key in spec.keys:
                if key in body:
                    value = body[key]
                    loc = ("body", key) if key != spec.key else None
                    break
        _bind(spec, value, kwargs, errors, loc)


async def _closing_files(coro: Any, form: FormData) -> Any:
    """Await an endpoint's coroutine, then close the files of its form."""
    try:
        return await coro
    finally:
        form.close_files()


class RequestContext:
    """What one request carries, each part read at most once and shared by the endpoint and
    its dependencies (built per request by routes with parameters). The defaults are class
    attributes, so making one per request sets only ``req``."""

    #: The parsed JSON body (or raw bytes of another content type); ``_MISSING`` if none.
    body: Any = _MISSING
    #: The lone model body, parsed and validated in one native pass (``_MISSING``: not so).
    fast: Any = _MISSING
    form: FormData | None = None
    #: The query string's pairs and the cookies, parsed on first use.
    pairs: Any = None
    cookies: dict[str, str] | None = None
    request: Request | None = None
    #: The request's ``BackgroundTasks`` (one, shared by the endpoint and its dependencies).
    background: BackgroundTasks | None = None
    #: The injected ``Response`` (one, shared likewise), merged into the answer.
    sub_response: SubResponse | None = None
    #: Routes with dependencies: the per-request cache, the exit stacks of yield dependencies.
    cache: dict | None = None
    exits: Any = None
    function_exits: Any = None

    def __init__(self, req: Any, app: AppContext | None) -> None:
        self.req = req
        #: What the request's ``Request`` knows of the app (``request.app``, ``url_for``).
        self.app = app

    def get_request(self) -> Request:
        """The request's one ``Request`` (what a dependency sets on ``request.state``, the
        endpoint sees)."""
        request = self.request
        if request is None:
            request = self.request = Request(self.req, self.app)
            request._form = self.form
        return request

    def get_background_tasks(self) -> BackgroundTasks:
        tasks = self.background
        if tasks is None:
            tasks = self.background = BackgroundTasks()
        return tasks

    def get_sub_response(self) -> SubResponse:
        sub = self.sub_response
        if sub is None:
            sub = self.sub_response = SubResponse()
        return sub

    def error_body(self) -> Any:
        """What ``RequestValidationError.body`` holds: the form, the body, or None."""
        if self.form is not None:
            return self.form
        return None if self.body is _MISSING else self.body

    def close_files(self) -> None:
        if self.form is not None:
            self.form.close_files()

    def release_files(self, result: Any) -> Any:
        """The endpoint has its files until it returns (an async one: until its coroutine
        finishes); then their temporary files go."""
        form = self.form
        if form is not None:
            if type(result) is CoroutineType:
                return _closing_files(result, form) if form.has_files() else result
            form.close_files()
        return result


def compile_body_reader(
    body_specs: Sequence[ParamSpec], limits: Any
) -> tuple[Callable[[RequestContext], None] | None, bool, ParamSpec | None]:
    """``(read, form_route, fast_spec)`` for the body parameters of a route (its endpoint's and
    its dependencies'): ``read(ctx)`` reads the body once, before any parameter is bound (an
    unreadable body is reported on its own, as in FastAPI); ``form_route``: any
    ``Form()``/``File()`` parameter makes the whole body a form (FastAPI); ``fast_spec``: the
    lone model body validated straight from the JSON bytes."""
    if not body_specs:
        return None, False, None
    if any(s.source in ("form", "file") for s in body_specs):
        form_body = FormBody(body_specs, limits)

        def read_form(ctx: RequestContext) -> None:
            ctx.form = form_body.parse(ctx.req)

        return read_form, True, None
    # A lone model body: the JSON goes straight into the model, parsed and validated in
    # one native pass. Anything that pass refuses (bad JSON, invalid data) takes the
    # general path, which words the errors as FastAPI does.
    fast_body = _fast_body_schema(body_specs)
    fast_spec = body_specs[0] if fast_body is not None else None
    # ... and, for a model the lazy pass takes, the body is checked without making its
    # objects: the endpoint gets an instance that makes them on first use (main.py).
    fast_lazy = fast_body is not None and lazy_body_allowed(body_specs[0].validate.desc, fast_body)

    def read_json(ctx: RequestContext) -> None:
        req = ctx.req
        raw = req.body
        if not raw:
            return
        content_type = req.header_values("content-type")
        if content_type and is_json_media_type(content_type[0]):
            if fast_body is not None:
                value = _validate_json_lazy(fast_body, raw, True) if fast_lazy else None
                if value is not None:
                    ctx.fast = value
                    return
                try:
                    ctx.fast = _validate_json(fast_body, raw, _BODY_LOC)
                    return
                except ValidationError:
                    pass
            ctx.body = read_json_body(raw)
        else:
            # Not JSON (or no content type): validated as the bytes it is.
            ctx.body = raw

    return read_json, False, fast_spec


#: What ``compile_binder`` binds; ``depends``/``security_scopes`` are the dependency solver's.
_BOUND_SOURCES = ("path", "query", "header", "cookie", "request", "background", "response", "depends",
                  "security_scopes", *BODY_SOURCES)


def compile_binder(
    specs: Sequence[ParamSpec], form_route: bool, fast_spec: ParamSpec | None, limits: Any, shared: bool = True
) -> Callable[[Any, RequestContext, dict, list], None] | None:
    """``bind(req, ctx, kwargs, errors)``: the request parameters of one callable (an endpoint
    or a dependency) into ``kwargs``, in FastAPI's order (path, query, header, cookie, body),
    errors appended to ``errors``; ``None`` when it has none. ``shared``: other callables of
    the request bind too, so the parsed query string and cookies are kept on ``ctx`` for them.
    ``ctx`` is only read for the body, the ``Request`` and (shared) those two: a standalone
    endpoint with neither may be bound with ``ctx=None``."""
    unknown = [s.name for s in specs if s.source not in _BOUND_SOURCES]
    if unknown:
        # A new kind of parameter must be bound here, or the call would miss it per request.
        raise TypeError(f"no binding for parameter(s) {', '.join(unknown)}")
    path_specs = tuple((s.name, s.key, s.loc, s.validate) for s in specs if s.source == "path")
    query_specs = tuple(s for s in specs if s.source == "query" and s.model is None)
    header_specs = tuple(s for s in specs if s.source == "header" and s.model is None)
    cookie_specs = tuple(s for s in specs if s.source == "cookie" and s.model is None)
    query_models = tuple(s for s in specs if s.source == "query" and s.model is not None)
    header_models = tuple(s for s in specs if s.source == "header" and s.model is not None)
    cookie_models = tuple(s for s in specs if s.source == "cookie" and s.model is not None)
    body_specs = tuple(s for s in specs if s.source in BODY_SOURCES)
    request_names = tuple(s.name for s in specs if s.source == "request")
    background_names = tuple(s.name for s in specs if s.source == "background")
    response_names = tuple(s.name for s in specs if s.source == "response")
    form_body = FormBody(body_specs, limits) if form_route and body_specs else None
    json_specs = body_specs if form_body is None else ()
    fast_name = fast_spec.name if fast_spec is not None and any(s is fast_spec for s in json_specs) else None
    query_pairs_needed = bool(query_specs or query_models)
    if not (path_specs or query_pairs_needed or header_specs or header_models or cookie_specs or cookie_models
            or body_specs):
        if not request_names and not background_names and not response_names:
            return None
        if len(request_names) == 1 and not background_names and not response_names:
            # The usual security scheme: ``__call__(self, request: Request)``.
            (request_name,) = request_names

            def bind_request(req: Any, ctx: RequestContext, kwargs: dict, errors: list) -> None:
                kwargs[request_name] = ctx.get_request()

            return bind_request

    def bind(req: Any, ctx: RequestContext, kwargs: dict, errors: list) -> None:
        if path_specs:
            path_params = req.path_params
            for name, key, loc, validate in path_specs:
                value = path_params[key]
                kwargs[name] = value if validate is None else validate(value, loc, errors)
        if query_pairs_needed:
            if shared:
                pairs = ctx.pairs
                if pairs is None:
                    query_string = req.query_string
                    pairs = ctx.pairs = _parse_query(query_string) if query_string else ()
            else:
                query_string = req.query_string
                pairs = _parse_query(query_string) if query_string else ()
            if query_specs:
                # dict() keeps the last of repeated keys, like Starlette's QueryParams.
                _extract(query_specs, pairs, dict(pairs), kwargs, errors)
            if query_models:
                _extract_models(query_models, Received.query(pairs), kwargs, errors)
        if header_specs:
            _extract_headers(header_specs, req, kwargs, errors)
        if header_models:
            _extract_models(header_models, Received.headers(req.headers), kwargs, errors)
        if cookie_specs or cookie_models:
            if shared:
                cookies = ctx.cookies
                if cookies is None:
                    cookies = ctx.cookies = parse_cookies("; ".join(req.header_values("cookie")))
            else:
                cookies = parse_cookies("; ".join(req.header_values("cookie")))
            if cookie_specs:
                _extract(cookie_specs, (), cookies, kwargs, errors)
            if cookie_models:
                _extract_models(cookie_models, Received.cookies(cookies), kwargs, errors)
        if json_specs:
            if fast_name is not None and ctx.fast is not _MISSING:
                kwargs[fast_name] = ctx.fast
            else:
                _bind_body(json_specs, ctx.body, kwargs, errors)
        if form_body is not None:
            form_body.bind(ctx.form, kwargs, errors)
        if request_names:
            for name in request_names:
                kwargs[name] = ctx.get_request()
        if background_names:
            for name in background_names:
                kwargs[name] = ctx.get_background_tasks()
        if response_names:
            for name in response_names:
                kwargs[name] = ctx.get_sub_response()

    return bind


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
        form_limits: dict[str, int] | None = None,
        dependencies: Sequence[Any] | None = None,
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
        #: FastAPI's ``form_limits={"max_fields": ..., "max_files": ..., "max_part_size": ...}``
        #: (and ``"max_file_size"``) for this route's form body; checked here, at declaration.
        default_limits().with_overrides(form_limits)
        self.form_limits = form_limits
        #: ``Depends()`` run before the endpoint's own (the app's and routers' first).
        self.dependencies = list(dependencies or [])

    def __repr__(self) -> str:
        return f"APIRoute(path={self.path!r}, name={self.name!r}, methods={self.methods!r})"

    def dependant(self, dependency_overrides: dict[Any, Any] | None = None) -> Dependant:
        """The route's dependency tree (its endpoint, the ``dependencies=[...]`` and every
        ``Depends()`` below), with ``dependency_overrides`` applied."""
        return build_tree(self.endpoint, self.path, self.dependencies, dependency_overrides)

    def flat_param_specs(self) -> list[ParamSpec]:
        """What the route reads from a request, dependencies included (the OpenAPI document)."""
        return flat_specs(self.dependant())

    @property
    def security_requirements(self) -> list[tuple[Any, list[str]]]:
        """``(scheme, scopes)`` of the security schemes in the tree (the OpenAPI document)."""
        return security_requirements(self.dependant())

    def compile(
        self,
        on_error: ExceptionDispatcher,
        context: AppContext | None = None,
        dependency_overrides: dict[Any, Any] | None = None,
    ) -> tuple[Callable[[Any], Any], NativePlan | None, bool]:
        """The ``handler(native_request)`` the bridge calls, the route's native plan
        (``fasterapi._fastpath``) and whether the handler returns a coroutine, from one
        analysis of the endpoint's signature and of its dependencies'. ``context``: what the
        route's ``Request`` objects know of the app (``request.app``, ``url_for``)."""
        if self.batch is not None:
            if self.dependencies:
                # Skipping them (an app-wide authentication, say) would be worse than refusing.
                raise TypeError("a batch endpoint cannot have dependencies (they would not run for its requests)")
            return self._batch_handler(on_error, context), None, False
        tree = self.dependant(dependency_overrides)
        specs = tree.specs
        is_async = is_async_callable(self.endpoint)
        # The injected Response, taken by the endpoint or by a dependency (FastAPI allows both).
        merges_response = any(s.source == "response" for node in tree.walk() for s in node.specs)
        invoke = self._make_invoke(is_async, merges_response)
        if tree.dependencies or any(s.source == "security_scopes" for s in specs):
            handler, tree_async = self._build_dependency_handler(tree, invoke, merges_response, is_async, on_error, context)
            return handler, None, tree_async
        handler = self._build_handler(specs, is_async, invoke, merges_response, on_error, context)
        plan = native_plan(specs, invoke, on_error, on_error.handled)
        if is_async:
            # The endpoint's coroutine runs later, as a task on the core's loop: its
            # exceptions are caught there.
            handler = _guard_coroutine(handler, on_error)
            if plan is not None:
                plan = (_guard_coroutine(plan[0], on_error), plan[1])
        return handler, plan, is_async

    def _batch_handler(self, on_error: ExceptionDispatcher, context: AppContext | None) -> Callable[[list], list]:
        """``handler([native_request, ...]) -> [answer, ...]``: one call of the endpoint with
        ``Request`` objects for a whole batch; an exception the app handles answers every
        request of the batch."""
        endpoint = self.endpoint
        handled = on_error.handled
        name = self.name

        def handler(natives: list) -> list:
            try:
                answers = endpoint([Request(n, context) for n in natives])
            except handled as exc:
                return [on_error(n, exc) for n in natives]
            if not isinstance(answers, (list, tuple)) or len(answers) != len(natives):
                got = f"{len(answers)} answers" if isinstance(answers, (list, tuple)) else type(answers).__name__
                raise TypeError(f"batch endpoint {name} must return a list of {len(natives)} answers, got {got}")
            return list(answers)

        return handler

    def _build_handler(
        self,
        specs: list[ParamSpec],
        is_async: bool,
        invoke: Callable[..., Any],
        merges_response: bool,
        on_error: ExceptionDispatcher,
        context: AppContext | None,
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

        limits = default_limits().with_overrides(self.form_limits)
        read, form_route, fast_spec = compile_body_reader([s for s in specs if s.source in BODY_SOURCES], limits)
        bind = compile_binder(specs, form_route, fast_spec, limits, shared=False)

        if read is None and not any(s.source in ("request", "background", "response") for s in specs):
            # Only path/query/header/cookie parameters: nothing to share, no context to make.

            def handler(req: Any) -> Any:
                try:
                    kwargs: dict[str, Any] = {}
                    errors: list[dict] = []
                    bind(req, None, kwargs, errors)
                    if errors:
                        raise RequestValidationError(errors, body=None)
                    return invoke(**kwargs)
                except handled as exc:
                    return on_error(req, exc)

            return handler

        def handler(req: Any) -> Any:
            ctx = RequestContext(req, context)
            try:
                if read is not None:
                    read(ctx)
                kwargs: dict[str, Any] = {}
                errors: list[dict] = []
                bind(req, ctx, kwargs, errors)
                if errors:
                    raise RequestValidationError(errors, body=ctx.error_body())
                result = invoke(ctx.get_sub_response(), **kwargs) if merges_response else invoke(**kwargs)
                if ctx.background is not None:
                    result = _with_background(result, ctx.background, req)
            except handled as exc:
                ctx.close_files()
                return on_error(req, exc)
            except BaseException:
                ctx.close_files()
                raise
            return result if ctx.form is None else ctx.release_files(result)

        if fast_spec is not None and len(specs) == 1:
            schema = _fast_body_schema(specs)
            lazy = lazy_body_allowed(fast_spec.validate.desc, schema)
            return _lone_json_body(handler, schema, lazy, fast_spec.name, invoke, on_error)
        return handler

    def _build_dependency_handler(
        self,
        tree: Dependant,
        invoke: Callable[..., Any],
        merges_response: bool,
        endpoint_async: bool,
        on_error: ExceptionDispatcher,
        context: AppContext | None,
    ) -> tuple[Callable[[Any], Any], bool]:
        """The handler of a route with dependencies (``fasterapi._dependencies``), and whether
        it returns a coroutine (something in the tree is async)."""
        handled = on_error.handled
        limits = default_limits().with_overrides(self.form_limits)
        body_specs = [s for node in tree.walk() for s in node.specs if s.source in BODY_SOURCES]
        read, form_route, fast_spec = compile_body_reader(body_specs, limits)
        solver = compile_solver(tree, lambda specs: compile_binder(specs, form_route, fast_spec, limits))
        solve = solver.solve
        caches, yields, function_scoped = solver.caches, solver.yields, solver.function_scoped

        if not solver.is_async:

            def handler(req: Any) -> Any:
                ctx = RequestContext(req, context)
                if caches:
                    ctx.cache = {}
                if yields:
                    new_exit_stacks(ctx, solver)
                try:
                    if read is not None:
                        read(ctx)
                    errors: list[dict] = []
                    kwargs = solve(ctx, errors)
                    if kwargs is FAILED:
                        raise RequestValidationError(errors, body=ctx.error_body())
                    result = invoke(ctx.get_sub_response(), **kwargs) if merges_response else invoke(**kwargs)
                    if function_scoped:
                        ctx.function_exits.close()
                except BaseException as exc:
                    ctx.close_files()
                    if yields:
                        exc = unwind(ctx, exc)
                    if isinstance(exc, handled):
                        return on_error(req, exc)
                    raise exc
                if yields:
                    after_send(req, ctx.exits.close)
                if ctx.background is not None:
                    # After the exit code's hook: the tasks run once it ran (FastAPI >= 0.106).
                    result = _with_background(result, ctx.background, req)
                return result if ctx.form is None else ctx.release_files(result)

            return handler, False

        async def run(req: Any) -> Any:
            ctx = RequestContext(req, context)
            if caches:
                ctx.cache = {}
            if yields:
                new_exit_stacks(ctx, solver)
            try:
                if read is not None:
                    read(ctx)
                errors: list[dict] = []
                kwargs = await solve(ctx, errors)
                if kwargs is FAILED:
                    raise RequestValidationError(errors, body=ctx.error_body())
                result = invoke(ctx.get_sub_response(), **kwargs) if merges_response else invoke(**kwargs)
                if endpoint_async:
                    result = await result
                if function_scoped:
                    await ctx.function_exits.aclose()
            except BaseException as exc:
                ctx.close_files()
                if yields:
                    exc = await unwind_async(ctx, exc)
                if isinstance(exc, handled):
                    answer = on_error(req, exc)
                    return (await answer) if type(answer) is CoroutineType else answer
                raise exc
            if yields:
                after_send(req, ctx.exits.aclose)
            if ctx.background is not None:
                _give_background(result, ctx.background, req)
            ctx.close_files()
            return result

        return run, True

    def _make_invoke(self, is_async: bool, merges_response: bool = False) -> Callable[..., Any]:
        """The endpoint call plus what must follow it (response_model, response_class).
        ``merges_response``: something in the route takes the injected ``Response``; the
        invoke is then ``invoke(sub_response, **kwargs)`` and merges it into the answer."""
        endpoint = self.endpoint
        render = self._renderer()
        if merges_response:
            route_status = self.status_code or 200
            if is_async:

                async def invoke_async_merging(sub_response: SubResponse, /, **kwargs: Any) -> Any:
                    return merge_sub_response(await endpoint(**kwargs), render, sub_response, route_status)

                return invoke_async_merging

            def invoke_merging(sub_response: SubResponse, /, **kwargs: Any) -> Any:
                return merge_sub_response(endpoint(**kwargs), render, sub_response, route_status)

            return invoke_merging
        if render is None:
            return endpoint
        if is_async:

            async def invoke_async_rendering(**kwargs: Any) -> Any:
                return render(await endpoint(**kwargs))

            return invoke_async_rendering

        def invoke_rendering(**kwargs: Any) -> Any:
            return render(endpoint(**kwargs))

        return invoke_rendering

    def _renderer(self) -> Callable[[Any], Any] | None:
        """``render(value)``: the endpoint's value as the route answers it, by response_model or
        response_class (a ``Response`` the endpoint returns passes as is); None: the value is
        the answer (the bridge encodes it)."""
        if self.response_model is not None:
            try:
                return compile_response(
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
        response_class = self.response_class
        if response_class is None:
            return None
        status_code = self.status_code or 200

        def apply_class(result: Any) -> Any:
            if isinstance(result, Response):
                return result
            return response_class(result, status_code=status_code)

        return apply_class


def _with_background(result: Any, tasks: BackgroundTasks, req: Any) -> Any:
    """The endpoint's answer, with its background tasks to run after the response (once
    an async endpoint's coroutine has returned; not when it raised, as in FastAPI)."""
    if type(result) is CoroutineType:
        return _background_after(result, tasks, req)
    _give_background(result, tasks, req)
    return result


async def _background_after(coro: Any, tasks: BackgroundTasks, req: Any) -> Any:
    result = await coro
    _give_background(result, tasks, req)
    return result


def _give_background(result: Any, tasks: BackgroundTasks, req: Any) -> None:
    # FastAPI's rule: a returned Response without a background of its own takes the tasks;
    # one with its own keeps it, and the injected tasks do not run.
    if not tasks.tasks:
        return
    if isinstance(result, Response):
        if result.background is None:
            result.background = tasks
    else:
        after_send(req, tasks)


def _lone_json_body(
    general: Callable[[Any], Any], schema: Any, lazy: bool, name: str, invoke: Callable[..., Any], on_error: ExceptionDispatcher
) -> Callable[[Any], Any]:
    """The handler of a route whose only parameter is a model body (``def create(item: Item)``),
    for the request that sends it as JSON: the body validated straight from the bytes (lazily
    where the model allows), then the call. Everything else -- no body, another content type,
    invalid data whose errors must be worded -- takes the general handler."""
    handled = on_error.handled

    def handler(req: Any) -> Any:
        raw = req.body
        if raw:
            content_type = req.header_values("content-type")
            if content_type and is_json_media_type(content_type[0]):
                value = _validate_json_lazy(schema, raw, True) if lazy else None
                if value is None:
                    try:
                        value = _validate_json(schema, raw, _BODY_LOC)
                    except ValidationError:
                        return general(req)
                try:
                    return invoke(**{name: value})
                except handled as exc:
                    return on_error(req, exc)
        return general(req)

    return handler


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
    """A group of routes, included in an app (or another router) with ``include_router``.

    The router's ``prefix``, ``tags``, ``dependencies``, ``responses``, ``default_response_class``,
    ``deprecated`` and ``include_in_schema`` apply to the routes declared on it; those given
    to ``include_router`` apply on top, with FastAPI's merge rules (``_inclusion.py``).
    Including is lazy, as in FastAPI: a route added to a router after it was included is
    served too. ``routes`` is the effective list, computed when read (at startup).
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        redirect_slashes: bool = True,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        check_prefix(prefix)
        self.prefix = prefix
        self.tags = list(tags or [])
        #: ``Depends()`` run before those of each of the router's routes.
        self.dependencies = list(dependencies or [])
        #: None: FastAPI's default (JSON, encoded natively); else the class routes without
        #: a ``response_class`` of their own are answered with.
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        #: Accepted for FastAPI compatibility; the Rust router always answers the other
        #: trailing-slash form of a known path with a 307 (docs/architecture.md).
        self.redirect_slashes = redirect_slashes
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        #: What was declared, in order: APIRoutes, Inclusions and Mounts.
        self._entries: list[Any] = []

    @property
    def routes(self) -> list[Any]:
        """The effective routes: APIRoutes (included ones with their merged options, under
        their full path) and Mounts, in declaration order."""
        effective: list[Any] = []
        for entry in self._entries:
            if isinstance(entry, Inclusion):
                effective.extend(entry.effective_routes())
            else:
                effective.append(entry)
        return effective

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        tags: list[str] | None = None,
        dependencies: Sequence[Any] | None = None,
        responses: dict | None = None,
        response_class: type[Response] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        **options: Any,
    ) -> APIRoute:
        # FastAPI's APIRouter.add_api_route: the router's settings, then the route's.
        route = APIRoute(
            self.prefix + path,
            endpoint,
            tags=self.tags + list(tags or []),
            dependencies=self.dependencies + list(dependencies or []),
            responses={**self.responses, **(responses or {})},
            response_class=response_class or self.default_response_class,
            deprecated=deprecated or self.deprecated,
            include_in_schema=include_in_schema and self.include_in_schema,
            **options,
        )
        self._entries.append(route)
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

    def include_router(
        self,
        router: "APIRouter",
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Serve ``router``'s routes (now and later ones) here, under ``prefix``."""
        if router is self:
            raise ValueError("Cannot include the same APIRouter instance into itself. Did you mean to include a different router?")
        if router.contains_router(self):
            raise ValueError("Cannot include an APIRouter instance that already includes this router. "
                             "Did you mean to include a different router?")
        check_prefix(prefix)
        self._entries.append(
            Inclusion(
                router,
                prefix=self.prefix + prefix,
                tags=self.tags + list(tags or []),
                dependencies=self.dependencies + list(dependencies or []),
                default_response_class=default_response_class or self.default_response_class,
                responses={**self.responses, **(responses or {})},
                deprecated=deprecated or self.deprecated,
                include_in_schema=self.include_in_schema and include_in_schema,
            )
        )

    def contains_router(self, router: "APIRouter") -> bool:
        """Whether ``router`` is included here, directly or further down."""
        return any(
            isinstance(e, Inclusion) and (e.router is router or e.router.contains_router(router)) for e in self._entries
        )

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve ``app`` (a FasterAPI app or ``StaticFiles``) under the router's prefix +
        ``path`` (``fasterapi._mount``). FastAPI ignores mounts of included routers; here they
        are served, under the include's prefix too."""
        self._entries.append(Mount(self.prefix + path, app, name=name))

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route (or mount) called ``name``, with ``path_params`` filled in;
        ``NoMatchFound`` if there is none (Starlette's ``Router.url_path_for``)."""
        return URLTable(self.routes).url_path_for(name, **path_params)


def check_prefix(prefix: str) -> None:
    if prefix:
        if not prefix.startswith("/"):
            raise ValueError("A path prefix must start with '/'")
        if prefix.endswith("/"):
            raise ValueError("A path prefix must not end with '/', as the routes will start with '/'")


def compile_routes(
    routes: Sequence[Any],
    on_error: ExceptionDispatcher,
    *,
    prefix: str = "",
    context: AppContext | None = None,
    dependency_overrides: dict[Any, Any] | None = None,
) -> list[CompiledRoute]:
    """The ``routes`` list of the bridge contract: one entry per (route, method), under
    ``prefix`` (a mounted app's path); a ``Mount`` adds its app's routes (``_mount.py``)."""
    compiled: list[CompiledRoute] = []
    for route in routes:
        if isinstance(route, Mount):
            # Starlette tries routes in order: one declared before the mount keeps its path
            # (a StaticFiles mount at "/" after the app's own "/" route, for instance).
            taken = {(c.method, c.path) for c in compiled}
            compiled.extend(c for c in route.compile(prefix, on_error, context) if (c.method, c.path) not in taken)
            continue
        try:
            handler, plan, is_async = route.compile(on_error, context, dependency_overrides)
        except (TypeError, ValueError) as exc:
            # One line naming the route: load_app's errors are printed as is.
            raise TypeError(f"route {'/'.join(route.methods)} {prefix}{route.path} ({route.name}): {exc}") from exc
        for method in route.methods:
            compiled.append(
                CompiledRoute(
                    method,
                    prefix + route.path,
                    handler,
                    route.status_code or 200,
                    plan,
                    is_async,
                    route.inline,
                    route.timeout,
                    route.interpreter,
                    route.batch,
                    route.name,
                )
            )
    return compiled


def check_duplicates(compiled: Sequence[CompiledRoute]) -> None:
    """Starlette would silently use the first of two routes with the same method and path;
    a router that can't hold both says so instead."""
    seen: dict[tuple[str, str], CompiledRoute] = {}
    for route in compiled:
        key = (route.method, route.path)
        if key in seen:
            raise ValueError(f"duplicate route {route.method} {route.path} ({seen[key].name} and {route.name})")
        seen[key] = route
