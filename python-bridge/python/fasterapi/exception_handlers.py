"""Turning exceptions raised while handling a request into responses.

``http_exception_handler`` and ``request_validation_exception_handler`` are FastAPI's
default handlers, async as in FastAPI, so that an app's own handler can reuse them
(``return await http_exception_handler(request, exc)``). ``app.exception_handler(...)``
registers more (or replaces these); the dispatcher built from them is shared by every
route handler of the app.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable
from types import CoroutineType
from typing import Any

from fasterapi import _native
from fasterapi.encoders import jsonable_encoder
from fasterapi.exceptions import HTTPException, RequestValidationError
from fasterapi.requests import Request, AppContext
from fasterapi.responses import JSONResponse, Response


def http_exception_response(exc: HTTPException) -> Response:
    """FastAPI's answer to an ``HTTPException``: ``{"detail": ...}`` with its status and
    headers, no body for the statuses that must not have one."""
    headers = getattr(exc, "headers", None)
    if exc.status_code < 200 or exc.status_code in (204, 205, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def request_validation_response(exc: RequestValidationError) -> JSONResponse:
    """FastAPI's answer to a ``RequestValidationError``: 422 with the errors."""
    errors = exc.errors()
    try:
        return JSONResponse({"detail": errors}, status_code=422)
    except (TypeError, ValueError):
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def http_exception_handler(request: Request | None, exc: HTTPException) -> Response:
    return http_exception_response(exc)


async def request_validation_exception_handler(request: Request | None, exc: RequestValidationError) -> JSONResponse:
    return request_validation_response(exc)


class ExceptionDispatcher:
    """Finds the handler for an exception and runs it, with Starlette's rules: a handler
    registered for the status code of an ``HTTPException`` first, then the first class of
    the exception's MRO that has one. A handler for ``Exception`` (or status 500) answers
    any other exception; as in Starlette, the exception is still logged with its
    traceback, since it is a server error."""

    def __init__(self, handlers: dict[Any, Callable[..., Any]], context: AppContext | None = None) -> None:
        #: What the handlers' ``Request`` objects know of the app (``url_for``, ``app``).
        self.context = context
        # The defaults are sync internal versions: they never look at the request, so no
        # Request wrapper and no coroutine are made for the common 404/422 answers.
        self.by_type: dict[type, Callable[..., Any]] = {
            HTTPException: _DEFAULT,
            RequestValidationError: _DEFAULT,
        }
        self.by_status: dict[int, Callable[..., Any]] = {}
        for key, handler in handlers.items():
            if key == 500 or key is Exception:
                # Starlette: both mean "any unhandled exception" (its ServerErrorMiddleware).
                self.by_type[Exception] = handler
            elif isinstance(key, int):
                self.by_status[key] = handler
            elif isinstance(key, type) and issubclass(key, BaseException):
                self.by_type[key] = handler
            else:
                raise TypeError(f"exception handlers are registered for an exception class or a status code, not {key!r}")
        #: What route handlers catch; anything else escapes to the bridge (500).
        self.handled: tuple[type, ...] = tuple(self.by_type)

    def __call__(self, native_request: Any, exc: Exception) -> Any:
        handler = None
        if self.by_status and isinstance(exc, HTTPException):
            handler = self.by_status.get(exc.status_code)
        if handler is None:
            for cls in type(exc).__mro__:
                handler = self.by_type.get(cls)
                if handler is not None:
                    break
            if handler is None:  # pragma: no cover - handled only lists registered types
                raise exc
            if handler is _DEFAULT:
                if isinstance(exc, HTTPException):
                    return http_exception_response(exc)
                return request_validation_response(exc)
            if cls is Exception:
                _log_server_error(exc)
        result = handler(Request(native_request, self.context), exc)
        if type(result) is CoroutineType and _in_core_pool_thread():
            # A `def` endpoint running in the core's blocking pool: the bridge expects an
            # answer from this thread, so the async handler runs on the core's loop and
            # this thread waits for it.
            from fasterapi import _loop

            return asyncio.run_coroutine_threadsafe(result, _loop.running_core_loop()).result()
        # An async handler's coroutine is returned as is: the bridge runs it on the loop.
        return result


def _DEFAULT(request: Any, exc: Any) -> Any:  # pragma: no cover - a marker, never called
    raise AssertionError("the default handlers are applied by ExceptionDispatcher")


def _in_core_pool_thread() -> bool:
    if _native.core_id() < 0:
        return False  # the main interpreter's lane runs coroutines itself
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def _log_server_error(exc: BaseException) -> None:
    print("fasterapi: exception in a route, answered by the app's handler for Exception:", file=sys.stderr)
    traceback.print_exception(exc)
