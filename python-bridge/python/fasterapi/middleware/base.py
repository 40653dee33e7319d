"""``BaseHTTPMiddleware``: subclass it and define ``async def dispatch(request, call_next)``,
or pass ``dispatch=`` (what ``@app.middleware("http")`` does). See
``fasterapi._http_middleware`` for how the chain runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fasterapi.requests import Request
from fasterapi.responses import Response

RequestResponseEndpoint = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, RequestResponseEndpoint], Awaitable[Response]]


class BaseHTTPMiddleware:
    def __init__(self, app: Any, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        raise NotImplementedError(f"{type(self).__name__} must define dispatch(request, call_next)")
