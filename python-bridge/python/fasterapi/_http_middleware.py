"""The app's middleware, compiled once per interpreter when the routes are.

``app.user_middleware`` (last added first, the outermost, as in Starlette) splits in two:

- declarative middleware (``fasterapi.middleware.NativeLayer``) becomes
  ``LoadedApp.native_layers``, which the server applies natively around every request;
- Python middleware (``BaseHTTPMiddleware``: ``@app.middleware("http")`` or subclasses)
  becomes a chain of ``dispatch(request, call_next)`` calls compiled into each route's
  handler, plus a *miss route* that answers the requests no route matched (404, 405 and the
  trailing-slash 307, with the app's exception handlers), so that middleware sees them too.

The native layers always run outside the Python chain, whatever the order of
``add_middleware`` calls between the two kinds (documented in the README).

``call_next`` gives the route's answer as a ``Response``. A route that returned a plain
value (a dict, say) gets a ``RouteAnswer``: its headers are there at once, but its body is
rendered by the native JSON encoder only when something reads it — a middleware that only
touches headers costs no extra rendering.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fasterapi import _native
from fasterapi.encoders import encode_fallback
from fasterapi.exception_handlers import ExceptionDispatcher
from fasterapi.exceptions import HTTPException
from fasterapi.middleware import NativeLayer
from fasterapi.middleware.base import BaseHTTPMiddleware
from fasterapi.requests import Request
from fasterapi.responses import FileResponse, Response, StreamingResponse
from fasterapi.routing import CompiledRoute

_json_dumps = _native.json_dumps

Endpoint = Callable[[Request], Awaitable[Response]]

_JSON = b"application/json"
_TEXT = b"text/plain; charset=utf-8"
_OCTET = b"application/octet-stream"


class RouteAnswer(Response):
    """A route's plain answer seen as a ``Response``, rendered as the bridge would render it
    (docs/bridge-contract.md, section 3), but only when ``body`` is read."""

    def __init__(self, value: Any, status_code: int) -> None:
        self.status_code = status_code
        self._value = value
        self._body: bytes | None = None
        if value is None or isinstance(value, (dict, list, tuple)):
            media = _JSON
        elif isinstance(value, str):
            media = _TEXT
        elif isinstance(value, bytes):
            media = _OCTET
        else:
            media = _JSON
        self.raw_headers = [(b"content-type", media)]

    @property
    def body(self) -> bytes:  # type: ignore[override]
        if self._body is None:
            value = self._value
            if isinstance(value, str):
                self._body = value.encode("utf-8")
            elif isinstance(value, bytes):
                self._body = value
            elif value is None or isinstance(value, (dict, list, tuple)):
                try:
                    self._body = _json_dumps(value)
                except TypeError:
                    self._body = encode_fallback(value)
            else:
                self._body = encode_fallback(value)
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        self._body = value

    @property
    def body_iterator(self) -> AsyncIterator[bytes]:
        """What Starlette's ``call_next`` response offers for reading the body."""

        async def once() -> AsyncIterator[bytes]:
            yield self.body

        return once()


def check(cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """What ``add_middleware`` checks at once: a supported kind, and (for the declarative
    ones, whose constructors only validate) the options. A ``BaseHTTPMiddleware`` subclass is
    only built when the app is compiled, as Starlette builds it on first use."""
    if _is(cls, NativeLayer):
        cls(None, *args, **kwargs)
    elif not _is(cls, BaseHTTPMiddleware):
        raise _unsupported(cls)


def _is(cls: Any, base: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, base)


def _unsupported(cls: Any) -> TypeError:
    return TypeError(
        f"{getattr(cls, '__name__', cls)!r} is not supported as middleware: FasterAPI runs "
        "BaseHTTPMiddleware subclasses, @app.middleware('http') functions and the middleware "
        "in fasterapi.middleware (no raw ASGI middleware)"
    )


def split(user_middleware: list[Any], app: Any) -> tuple[str, list[Callable[..., Any]]]:
    """``(native_layers JSON, Python dispatch functions)``, both outermost first."""
    layers: list[dict[str, Any]] = []
    dispatches: list[Callable[..., Any]] = []
    inside_gzip = restreamed = False
    for cls, args, kwargs in user_middleware:
        if _is(cls, NativeLayer):
            layer = cls(None, *args, **kwargs).native_layer()
            layers.append(layer)
            inside_gzip = inside_gzip or layer["kind"] == "gzip"
        elif _is(cls, BaseHTTPMiddleware):
            dispatch = cls(app, *args, **kwargs).dispatch_func
            if inside_gzip and not restreamed:
                # Only the outermost Python middleware inside a GZip decides what GZip sees.
                dispatch, restreamed = streamed_like_starlette(dispatch), True
            dispatches.append(dispatch)
        else:
            # FasterAPI(middleware=[...]) entries are only seen here.
            raise _unsupported(cls)
    return json.dumps(layers), dispatches


def streamed_like_starlette(dispatch: Callable[..., Any]) -> Callable[..., Any]:
    """``dispatch`` answering as Starlette's ``BaseHTTPMiddleware`` does to a GZip outside
    it: the response ``call_next`` gave, when the middleware returns it, is re-sent as a
    stream, so GZip compresses it (and adds ``Vary: Accept-Encoding``) whatever its size. A
    response the middleware built itself is sent whole, as in Starlette. Installed only for
    the outermost Python middleware that a GZip layer wraps (``split``)."""

    async def run(request: Request, call_next: Endpoint) -> Response:
        given: list[Response] = []

        async def recording_call_next(req: Request) -> Response:
            response = await call_next(req)
            given.append(response)
            return response

        response = await dispatch(request, recording_call_next)
        if request.method != "HEAD" and any(response is r for r in given):
            return _as_stream(response)
        return response

    return run


def _as_stream(response: Response) -> Response:
    """The response as a one-chunk stream (streams and files as they are; no body for the
    statuses that have none)."""
    if isinstance(response, (StreamingResponse, FileResponse)) or response.status_code in (204, 304) or response.status_code < 200:
        return response
    body = response.body

    async def once() -> AsyncIterator[bytes]:
        yield body

    stream = StreamingResponse(once(), status_code=response.status_code)
    stream.raw_headers = [(k, v) for k, v in response.raw_headers if k != b"content-length"]
    if response.background is not None:
        stream.background = response.background
    return stream


def chain(dispatches: list[Callable[..., Any]], endpoint: Endpoint) -> Endpoint:
    """``endpoint`` wrapped by the dispatch functions, the first one outermost."""
    call = endpoint
    for dispatch in reversed(dispatches):
        call = _link(dispatch, call)
    return call


def _link(dispatch: Callable[..., Any], call_next: Endpoint) -> Endpoint:
    async def run(request: Request) -> Response:
        response = await dispatch(request, call_next)
        if response is None:
            raise RuntimeError(f"middleware {getattr(dispatch, '__qualname__', dispatch)!r} returned None, not a Response")
        return response

    return run


def wrap_route(route: CompiledRoute, dispatches: list[Callable[..., Any]], context: Any = None) -> CompiledRoute:
    """The route with the middleware chain around its handler. Batch routes are left as they
    are: one call answers many requests, so there is no per-request call to wrap. ``context``
    (the served app's ``AppContext``) gives the middleware's ``Request`` its ``app`` and
    ``url_for``."""
    if route.batch is not None:
        return route
    top = chain(dispatches, _endpoint(route))

    def handler(native: Any) -> Any:
        return top(Request(native, context))

    # Async now (the chain awaits); the native fast path is off: middleware sees the request.
    return CompiledRoute(route.method, route.path, handler, route.status_code, None, True, None,
                         route.timeout, route.interpreter, None)


def _endpoint(route: CompiledRoute) -> Endpoint:
    """The innermost ``call_next``: the route's own handler, its answer as a Response."""
    handler, status_code = route.handler, route.status_code
    # A sync endpoint not pinned to the core runs in the blocking pool, as without
    # middleware (Starlette runs it in its thread pool too).
    in_pool = not route.is_async and not route.inline

    async def call(request: Request) -> Response:
        if in_pool:
            answer = await asyncio.get_running_loop().run_in_executor(None, handler, request._native)
        else:
            answer = handler(request._native)
        if asyncio.iscoroutine(answer):
            answer = await answer
        return as_response(answer, status_code)

    return call


def as_response(answer: Any, status_code: int) -> Response:
    return answer if isinstance(answer, Response) else RouteAnswer(answer, status_code)


def miss_route(
    on_error: ExceptionDispatcher, dispatches: list[Callable[..., Any]], interpreter: str, context: Any = None
) -> CompiledRoute:
    """The route the bridge calls for unmatched requests (``LoadedApp.miss_route``). The
    bridge passes what dispatch found as path parameters: ``status`` "404", "405" (with
    ``allow``) or "307" (with ``location``)."""

    async def answer_miss(request: Request) -> Response:
        native = request._native
        params = native.path_params
        status = int(params["status"])
        if status == 307:
            # Starlette's redirect_slashes: a RedirectResponse (no body, no content type).
            return Response(status_code=307, headers={"location": params["location"]})
        headers = {"Allow": params["allow"]} if status == 405 else None
        answer = on_error(native, HTTPException(status, headers=headers))
        if asyncio.iscoroutine(answer):
            answer = await answer
        return as_response(answer, status)

    top = chain(dispatches, answer_miss)

    def handler(native: Any) -> Any:
        return top(Request(native, context))

    return CompiledRoute("*", "(unmatched)", handler, 404, None, True, None, None, interpreter, None)


def misses_reach_python(dispatches: list[Callable[..., Any]], exception_handlers: dict[Any, Any]) -> bool:
    """Unmatched requests go to Python only when something there must see them: middleware,
    or an exception handler for 404, 405 or ``HTTPException``. Otherwise the server answers
    them itself, as fast as before."""
    if dispatches:
        return True
    return any(key in (404, 405) or (isinstance(key, type) and issubclass(HTTPException, key) and key is not Exception)
               for key in exception_handlers)
