"""Turning exceptions raised while handling a request into responses.

The default handlers answer like FastAPI's. ``app.exception_handler(...)``
registers more (or replaces these); the dispatcher built from them is shared
by every route handler of the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fasterapi.exceptions import HTTPException, RequestValidationError
from fasterapi.requests import Request, RequestContext
from fasterapi.responses import JSONResponse, Response


def http_exception_handler(request: Request | None, exc: HTTPException) -> Response:
    if exc.status_code < 200 or exc.status_code in (204, 205, 304):
        # These statuses must not have a body.
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def request_validation_exception_handler(request: Request | None, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": exc.errors()}, status_code=422)


# These never look at the request, so no Request wrapper is built for them.
_BUILTIN = (http_exception_handler, request_validation_exception_handler)


class ExceptionDispatcher:
    """Finds the handler for an exception (by status code, then by class MRO) and runs it."""

    def __init__(self, handlers: dict[Any, Callable[..., Any]], context: RequestContext | None = None) -> None:
        #: What the handlers' ``Request`` objects know of the app (``url_for``, ``app``).
        self.context = context
        self.by_type: dict[type, Callable[..., Any]] = {
            HTTPException: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
        }
        self.by_status: dict[int, Callable[..., Any]] = {}
        for key, handler in handlers.items():
            if isinstance(key, int):
                self.by_status[key] = handler
            else:
                self.by_type[key] = handler
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
        if handler in _BUILTIN:
            return handler(None, exc)
        # An async handler's coroutine is returned as is: the bridge runs it on the loop.
        return handler(Request(native_request, self.context), exc)
