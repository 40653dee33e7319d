"""Middleware, at Starlette's module paths (``fasterapi.middleware.cors`` etc.), as FastAPI
re-exports them.

Two kinds, installed the same way (``app.add_middleware(cls, **options)``):

- the declarative ones (``CORSMiddleware``, ``GZipMiddleware``, ``TrustedHostMiddleware``,
  ``HTTPSRedirectMiddleware``) only describe HTTP behaviour: their options are checked here
  and compiled once into native layers that the server applies to every request, matched or
  not (``native_layer()``; docs/bridge-contract.md);
- Python middleware (``@app.middleware("http")``, ``BaseHTTPMiddleware`` subclasses) wraps
  the route call in Python (``fasterapi._http_middleware``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class Middleware:
    """``Middleware(cls, *args, **kwargs)``: one entry of ``FasterAPI(middleware=[...])``."""

    def __init__(self, cls: type, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        options = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Middleware({', '.join([self.cls.__name__, *options])})"


class NativeLayer:
    """Base of the declarative middleware: ``native_layer()`` is the layer's spec for the
    server (a JSON-ready dict with a ``kind``). The ASGI ``app`` argument Starlette's classes
    take is accepted and ignored: the server, not a Python call chain, applies the layer."""

    def native_layer(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


__all__ = ["Middleware", "NativeLayer"]
