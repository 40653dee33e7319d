"""The ``FasterAPI`` application object."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fasterapi import _lifespan
from fasterapi import _http_middleware
from fasterapi._dependencies import DependencyOverrides
from fasterapi.datastructures import State
from fasterapi.exception_handlers import ExceptionDispatcher
from fasterapi.exceptions import HTTPException
from fasterapi.middleware import Middleware
from fasterapi.middleware.base import BaseHTTPMiddleware
from fasterapi.openapi import docs
from fasterapi.requests import Request, AppContext
from fasterapi.responses import FileResponse, JSONResponse, Response
from fasterapi.routing import (
    APIRoute,
    APIRouter,
    CompiledRoute,
    Decorator,
    MethodShortcuts,
    check_duplicates,
    compile_routes,
)
from fasterapi._urls import URLPath, URLTable


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
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        swagger_ui_parameters: dict[str, Any] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        openapi_version: str = "3.1.0",
        openapi_external_docs: dict[str, Any] | None = None,
        separate_input_output_schemas: bool = True,
        docs_static_url: str | None = docs.STATIC_URL,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        exception_handlers: dict[Any, Callable[..., Any]] | None = None,
        dependencies: Sequence[Any] | None = None,
        middleware: Sequence[Middleware] | None = None,
        # Applied to every route, as the settings of an APIRouter are (FastAPI's).
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        redirect_slashes: bool = True,
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
        # OpenAPI and the docs pages, with FastAPI's options. The document is built lazily,
        # once per interpreter, by the first call of ``openapi()`` (the first request to
        # ``openapi_url``); assign ``app.openapi = custom_openapi`` to replace it, as in FastAPI.
        # ``docs_static_url`` (ours) is where the bundled Swagger UI/ReDoc files are served.
        if openapi_url and not openapi_url.startswith("/"):
            raise ValueError("openapi_url must start with '/'")
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.servers = servers or []
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.openapi_version = openapi_version
        self.openapi_external_docs = openapi_external_docs
        self.separate_input_output_schemas = separate_input_output_schemas
        self.docs_static_url = docs_static_url
        self.openapi_schema: dict[str, Any] | None = None
        self.webhooks = APIRouter()
        #: ``Depends()`` run before every route's own; the other router settings apply to
        #: every route too, as an APIRouter's do (FastAPI's).
        self.router = APIRouter(
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            redirect_slashes=redirect_slashes,
        )
        #: ``{dependency: replacement}``, for tests. Read when the routes are compiled (when the
        #: server starts, or the test client is made): set it before that. Its ``version``
        #: counts changes, so a client can compile again after one.
        self.dependency_overrides: dict[Any, Any] = DependencyOverrides()
        self.exception_handlers: dict[Any, Callable[..., Any]] = dict(exception_handlers or {})
        self.state = State()
        #: Outermost first, as Starlette keeps it: each ``add_middleware`` goes to the front.
        self.user_middleware: list[Middleware] = list(middleware or [])
        # Where FastAPI keeps them: on the app's router. As in FastAPI, a ``lifespan``
        # replaces the default one, which is what runs the on_startup/on_shutdown handlers.
        self.router.on_startup = list(on_startup or [])
        self.router.on_shutdown = list(on_shutdown or [])
        self.router.lifespan_context = _lifespan.lifespan_context(lifespan, self)
        self._lifespan_run: _lifespan.LifespanRun | None = None

    @property
    def routes(self) -> list[Any]:
        """The effective routes (included routers' under their full paths) and mounts."""
        return self.router.routes

    # -- declaring routes ---------------------------------------------------

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> APIRoute:
        options.setdefault("interpreter", self.interpreter)
        return self.router.add_api_route(path, endpoint, **options)

    def api_route(self, path: str, **options: Any) -> Decorator:
        """``@app.api_route(path, methods=[...], status_code=..., response_class=...)``."""
        options.setdefault("interpreter", self.interpreter)
        return self.router.api_route(path, **options)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        self.router.include_router(
            router,
            prefix=prefix,
            tags=tags,
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
        )

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve another FasterAPI app or ``StaticFiles`` under ``path`` (``fasterapi._mount``)."""
        self.router.mount(path, app, name=name)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route or mount called ``name`` (``NoMatchFound`` if none)."""
        return URLTable(self._named_routes()).url_path_for(name, **path_params)

    def _named_routes(self) -> list[Any]:
        """What names resolve to: the routes, the mounts and the docs pages."""
        return self.routes + self._docs_routes()

    # -- exception handlers -------------------------------------------------

    def add_exception_handler(self, exc_class_or_status_code: type[Exception] | int, handler: Callable[..., Any]) -> None:
        self.exception_handlers[exc_class_or_status_code] = handler

    def exception_handler(self, exc_class_or_status_code: type[Exception] | int) -> Decorator:
        """Register ``handler(request, exc)`` (sync or async) for an exception class or an HTTPException status."""

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_exception_handler(exc_class_or_status_code, handler)
            return handler

        return decorator

    # -- middleware -----------------------------------------------------------

    def add_middleware(self, middleware_class: type, *args: Any, **kwargs: Any) -> None:
        """Install middleware; the last one added is the outermost (Starlette's order).
        ``CORSMiddleware``, ``GZipMiddleware``, ``TrustedHostMiddleware`` and
        ``HTTPSRedirectMiddleware`` run natively in the server; ``BaseHTTPMiddleware``
        subclasses run in Python around the route."""
        # Options are checked now, where the mistake is, not when a core starts.
        _http_middleware.check(middleware_class, args, kwargs)
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))

    def middleware(self, middleware_type: str) -> Decorator:
        """``@app.middleware("http")`` on ``async def mw(request, call_next) -> Response``."""
        if middleware_type != "http":
            raise ValueError(f'only @app.middleware("http") is supported, not {middleware_type!r}')

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    # -- lifespan -------------------------------------------------------------

    def on_event(self, event_type: str) -> Decorator:
        """``@app.on_event("startup")`` / ``("shutdown")``: a sync or async function run in
        every serving interpreter (each core, and the main interpreter's lane) at startup
        or shutdown. Ignored when the app has a ``lifespan``, as in FastAPI."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def add_event_handler(self, event_type: str, func: Callable[..., Any]) -> None:
        if event_type == "startup":
            self.router.on_startup.append(func)
        elif event_type == "shutdown":
            self.router.on_shutdown.append(func)
        else:
            raise ValueError(f"event_type must be 'startup' or 'shutdown', not {event_type!r}")

    async def _startup(self) -> dict[str, Any]:
        """Runs the app's startup in this interpreter (the in-process TestClient's
        ``with TestClient(app):``; the server does the same per core) and returns the
        lifespan state, which ``request.state`` then starts from. Await
        ``_shutdown()`` on the same event loop."""
        if self._lifespan_run is not None:
            raise RuntimeError("the app's lifespan is already running")
        run = _lifespan.LifespanRun(self)
        _lifespan.state = await run.start()
        self._lifespan_run = run
        return _lifespan.state

    async def _shutdown(self) -> None:
        """Runs the app's shutdown (the exit of its lifespan, or the shutdown handlers)."""
        run, self._lifespan_run = self._lifespan_run, None
        if run is not None:
            try:
                await run.stop()
            finally:
                _lifespan.state = {}

    # -- serving ------------------------------------------------------------

    def _compile_routes(self) -> list[CompiledRoute]:
        """The bridge's ``routes`` list (with the Python middleware around each handler)."""
        return self._compile()[0]

    def _compile(self) -> tuple[list[CompiledRoute], str, CompiledRoute | None]:
        """``(routes, native_layers, miss_route)`` for ``_server.load_app``, once per interpreter."""
        routes = self._compile_mounted("", None, None)
        check_duplicates(routes)
        # The app's middleware wraps every route, a mounted app's too (as Starlette's, around
        # its Mount).
        native_layers, dispatches = _http_middleware.split(self.user_middleware, self)
        context = self._root_context() if dispatches or self.exception_handlers else None
        if dispatches:
            routes = [_http_middleware.wrap_route(route, dispatches, context) for route in routes]
        miss = None
        if _http_middleware.misses_reach_python(dispatches, self.exception_handlers):
            on_error = ExceptionDispatcher(self.exception_handlers, context)
            miss = _http_middleware.miss_route(on_error, dispatches, self.interpreter, context)
        return routes, native_layers, miss

    def _root_context(self) -> AppContext:
        """What the requests of the app's own handlers (the miss route's) know of it."""
        return AppContext(self, URLTable(self._named_routes()).url_path_for)

    def _compile_mounted(self, root_path: str, parent_on_error: Any, parent_context: AppContext | None) -> list[CompiledRoute]:
        """This app's routes under ``root_path`` ("" for the app that is served, a mount's
        path for a mounted one), with its own exception handlers; ``url_for`` resolves from
        the root app, as Starlette's does."""
        if parent_context is None:
            url_path_for = URLTable(self._named_routes()).url_path_for  # the root's names, once
        else:
            if self.user_middleware:
                # Only the served app's middleware is applied (around every route, mounted
                # ones included); silently skipping a mounted app's own would be worse.
                raise TypeError(f"the app mounted at {root_path} has middleware of its own: only the main app's runs")
            url_path_for = parent_context.url_path_for
        context = AppContext(self, url_path_for)
        on_error = ExceptionDispatcher(self.exception_handlers, context)
        return compile_routes(
            self.routes + self._docs_routes(root_path),
            on_error,
            prefix=root_path,
            context=context,
            dependency_overrides=self.dependency_overrides,
        )

    # -- OpenAPI and docs -----------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document of this app (built on the first call, then cached)."""
        if self.openapi_schema is None:
            # Imported here: the generator is only needed by the first request for the document.
            from fasterapi.openapi.utils import get_openapi

            self.openapi_schema = get_openapi(
                title=self.title,
                version=self.version,
                openapi_version=self.openapi_version,
                summary=self.summary,
                description=self.description,
                terms_of_service=self.terms_of_service,
                contact=self.contact,
                license_info=self.license_info,
                routes=self.routes,
                webhooks=self.webhooks.routes,
                tags=self.openapi_tags,
                servers=self.servers,
                separate_input_output_schemas=self.separate_input_output_schemas,
                external_docs=self.openapi_external_docs,
            )
        return self.openapi_schema

    def _docs_routes(self, root_path: str = "") -> list[APIRoute]:
        """``openapi_url``, ``docs_url`` (with its OAuth2 redirect page), ``redoc_url`` and the
        bundled assets, each left out when its URL is None (all of them without an openapi_url).
        ``root_path``: where the app is mounted; the pages link to the document there, and the
        document names it in ``servers`` (FastAPI's ``root_path`` rules)."""
        if not self.openapi_url:
            return []
        openapi_url = root_path + self.openapi_url
        static = None if self.docs_static_url is None else root_path + self.docs_static_url

        def openapi_document() -> Response:
            if root_path and root_path not in [server.get("url") for server in self.servers]:
                self.servers.insert(0, {"url": root_path})
            # ``self.openapi`` is looked up per request, so an assigned replacement is used.
            return JSONResponse(self.openapi())

        routes = [APIRoute(self.openapi_url, openapi_document, name="openapi", include_in_schema=False, interpreter=self.interpreter)]
        if self.docs_url:
            oauth2_redirect_url = self.swagger_ui_oauth2_redirect_url and root_path + self.swagger_ui_oauth2_redirect_url

            def swagger_ui_html() -> Any:
                assets = {} if static is None else {
                    "swagger_js_url": f"{static}/swagger-ui/swagger-ui-bundle.js",
                    "swagger_css_url": f"{static}/swagger-ui/swagger-ui.css",
                    "swagger_favicon_url": f"{static}/swagger-ui/favicon-32x32.png",
                }
                return docs.get_swagger_ui_html(
                    openapi_url=openapi_url,
                    title=f"{self.title} - Swagger UI",
                    oauth2_redirect_url=oauth2_redirect_url,
                    init_oauth=self.swagger_ui_init_oauth,
                    swagger_ui_parameters=self.swagger_ui_parameters,
                    **assets,
                )

            routes.append(APIRoute(self.docs_url, swagger_ui_html, name="swagger_ui_html", include_in_schema=False, interpreter=self.interpreter))
            if oauth2_redirect_url:
                routes.append(APIRoute(self.swagger_ui_oauth2_redirect_url, docs.get_swagger_ui_oauth2_redirect_html, name="swagger_ui_redirect",
                                       include_in_schema=False, interpreter=self.interpreter))
        if self.redoc_url:

            def redoc_html() -> Any:
                assets = {} if static is None else {
                    "redoc_js_url": f"{static}/redoc/redoc.standalone.js",
                    "redoc_favicon_url": f"{static}/swagger-ui/favicon-32x32.png",
                }
                return docs.get_redoc_html(openapi_url=openapi_url, title=f"{self.title} - ReDoc", **assets)

            routes.append(APIRoute(self.redoc_url, redoc_html, name="redoc_html", include_in_schema=False, interpreter=self.interpreter))
        if static and (self.docs_url or self.redoc_url):
            routes.append(APIRoute(self.docs_static_url + "/{asset:path}", _static_asset, name="docs_static", include_in_schema=False, interpreter=self.interpreter))
        return routes

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


#: A day: the files only change with a new fasterapi (their ETag changes then too).
_ASSET_HEADERS = {"cache-control": "public, max-age=86400"}


def _static_asset(asset: str, request: Request) -> Response:
    """One of the bundled Swagger UI / ReDoc files; anything else is a 404 (no path walking).
    A browser revalidating its cached copy (``If-None-Match``) gets a 304."""
    if asset not in docs.STATIC_FILES:
        raise HTTPException(404, "Not Found")
    response = FileResponse(docs.STATIC_DIR / asset, headers=_ASSET_HEADERS)
    etag = next((v.decode("latin-1") for k, v in response.raw_headers if k == b"etag"), None)
    if etag is not None and etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"etag": etag, **_ASSET_HEADERS})
    return response
