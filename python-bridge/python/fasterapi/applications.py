"""The ``FasterAPI`` application object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fasterapi.datastructures import State
from fasterapi.exception_handlers import ExceptionDispatcher
from fasterapi.routing import APIRoute, APIRouter, CompiledRoute, Decorator, MethodShortcuts, compile_routes


class FasterAPI(MethodShortcuts):
    """An application: routes plus exception handlers, served by ``fasterapi run`` or ``app.run()``.

    The object is only a registry. When the server starts, every interpreter
    imports the app module and calls ``_compile_routes()`` on its own copy.
    """

    def __init__(
        self,
        *,
        title: str = "FasterAPI",
        version: str = "0.1.0",
        description: str = "",
        summary: str | None = None,
        debug: bool = False,
        interpreter: str = "core",
    ) -> None:
        if interpreter not in ("core", "main"):
            raise ValueError(f"interpreter must be 'core' or 'main', not {interpreter!r}")
        #: "main": every route runs in the main interpreter's lane, and the cores never
        #: import the app (for apps whose modules refuse sub-interpreters: pydantic, numpy).
        self.interpreter = interpreter
        self.title = title
        self.version = version
        self.description = description
        self.summary = summary
        self.debug = debug
        self.router = APIRouter()
        self.exception_handlers: dict[Any, Callable[..., Any]] = {}
        self.state = State()

    @property
    def routes(self) -> list[APIRoute]:
        return self.router.routes

    # -- declaring routes ---------------------------------------------------

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> APIRoute:
        options.setdefault("interpreter", self.interpreter)
        return self.router.add_api_route(path, endpoint, **options)

    def api_route(self, path: str, **options: Any) -> Decorator:
        """``@app.api_route(path, methods=[...], status_code=..., response_class=...)``."""
        options.setdefault("interpreter", self.interpreter)
        return self.router.api_route(path, **options)

    def include_router(self, router: APIRouter, *, prefix: str = "", tags: list[str] | None = None) -> None:
        self.router.include_router(router, prefix=prefix, tags=tags)

    # -- exception handlers -------------------------------------------------

    def add_exception_handler(self, exc_class_or_status_code: type[Exception] | int, handler: Callable[..., Any]) -> None:
        self.exception_handlers[exc_class_or_status_code] = handler

    def exception_handler(self, exc_class_or_status_code: type[Exception] | int) -> Decorator:
        """Register ``handler(request, exc)`` (sync or async) for an exception class or an HTTPException status."""

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_exception_handler(exc_class_or_status_code, handler)
            return handler

        return decorator

    # -- serving ------------------------------------------------------------

    def _compile_routes(self) -> list[CompiledRoute]:
        """The bridge's ``routes`` list; called once per interpreter by ``_server.load_app``."""
        return compile_routes(self.router.routes, ExceptionDispatcher(self.exception_handlers))

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        cores: str | int | None = None,
        pin: bool | None = None,
        io: str | None = None,
    ) -> None:
        """Serve this app, like ``fasterapi run module:app`` (same settings, same checks).

        Arguments left as ``None`` come from the ``FASTERAPI_*`` environment
        variables or the defaults. Every core imports the app's module by name,
        so call this under ``if __name__ == "__main__":``.
        """
        from fasterapi import cli

        code = cli.run_app(self, host=host, port=port, cores=cores, pin=pin, io=io)
        if code:
            raise SystemExit(code)
