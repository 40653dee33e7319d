"""The Starlette-like ``Request`` an endpoint gets by declaring ``request: Request``.

It is a thin wrapper over the native request object (``fasterapi._native.Request``);
every property is computed on first access from the native attributes and
cached, so declaring a ``Request`` parameter costs one small object per call.
Handlers only build it when the endpoint asks for it.

Reading the body — a deliberate design choice
--------------------------------------------
The server reads the whole body before calling the handler, so the body is
already in memory. Starlette's API is asynchronous (``await request.body()``,
``await request.json()``) and those methods are provided for ``async def``
endpoints, returning at once. But a plain ``def`` endpoint cannot ``await``, and
FasterAPI runs sync endpoints directly on the core's thread (there is no
threadpool to hop to). So sync endpoints get two synchronous properties:

- ``request.content`` — the body as ``bytes``;
- ``request.json_body`` — the body parsed as JSON with the native parser,
  parsed once and cached (``await request.json()`` shares the cache);
- ``request.form_data`` — the body parsed as a form (``await request.form()`` shares it).
"""

from __future__ import annotations

from typing import Any

from fasterapi import _lifespan, _native
from fasterapi.datastructures import URL, Address, FormData, Headers, QueryParams, State

_json_loads = _native.json_loads
_parse_query = _native.parse_query

_UNSET: Any = object()


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the lenient way browsers and Starlette do (values are
    unquoted with Python's cookie algorithm, not URL-decoded)."""
    from http.cookies import _unquote

    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        if "=" in chunk:
            key, value = chunk.split("=", 1)
        else:
            key, value = "", chunk
        key, value = key.strip(), value.strip()
        if key or value:
            cookies[key] = _unquote(value)
    return cookies


class AppContext:
    """What a route's requests know of the app, fixed when the route is compiled: the app
    that declared the route (``request.app``) and the root app's ``url_path_for``
    (``request.url_for``, which Starlette also resolves from the root, mounts included)."""

    __slots__ = ("app", "url_path_for")

    def __init__(self, app: Any, url_path_for: Any) -> None:
        self.app = app
        self.url_path_for = url_path_for


class _FormCall:
    """What ``request.form()`` returns: awaitable, or an async context manager that closes
    the form's files on exit -- both ways Starlette offers."""

    __slots__ = ("_request", "_limits")

    def __init__(self, request: "Request", limits: dict) -> None:
        self._request = request
        self._limits = limits

    def __await__(self) -> Any:
        return self._get().__await__()

    async def _get(self) -> FormData:
        return self._request._parse_form(self._limits)

    async def __aenter__(self) -> FormData:
        return self._request._parse_form(self._limits)

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._request.close()


class Request:
    __slots__ = ("_native", "_headers", "_query_params", "_json", "_cookies", "_state", "_form", "_context")

    def __init__(self, native: Any, context: AppContext | None = None) -> None:
        self._native = native
        self._context = context
        self._headers: Headers | None = None
        self._query_params: QueryParams | None = None
        self._json: Any = _UNSET
        self._cookies: dict[str, str] | None = None
        self._state: State | None = None
        self._form: FormData | None = None

    @property
    def native(self) -> Any:
        """The underlying ``fasterapi._native.Request``."""
        return self._native

    @property
    def method(self) -> str:
        return self._native.method

    @property
    def url(self) -> URL:
        native = self._native
        host = self.headers.get("host")
        if not host:
            server_host, server_port = native.server
            host = f"[{server_host}]:{server_port}" if ":" in server_host else f"{server_host}:{server_port}"
        raw_path = native.raw_path.decode("latin-1")
        return URL(native.scheme, host, raw_path, native.query_string.decode("latin-1"))

    @property
    def base_url(self) -> URL:
        """The URL of the app's root (Starlette's ``request.base_url``): ``http://host/``."""
        url = self.url
        return URL(url.scheme, url.netloc, "/", "")

    @property
    def app(self) -> Any:
        """The app serving the request: for a route of a mounted app, that app."""
        if self._context is None:
            raise RuntimeError("this Request was not made by a route of an app")
        return self._context.app

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route (or mount) called ``name`` (Starlette's rules, looked
        up from the root app, so a mounted app's routes are ``"mount_name:route_name"``);
        ``NoMatchFound`` if none matches."""
        if self._context is None:
            raise RuntimeError("The `url_for` method can only be used inside a FasterAPI application.")
        return self._context.url_path_for(name, **path_params).make_absolute_url(self.base_url)

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self._native.headers)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        if self._query_params is None:
            self._query_params = QueryParams(_parse_query(self._native.query_string))
        return self._query_params

    @property
    def path_params(self) -> dict[str, str]:
        return self._native.path_params

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookies("; ".join(self.headers.getlist("cookie")))
        return self._cookies

    @property
    def client(self) -> Address | None:
        client = self._native.client
        return None if client is None else Address(*client)

    @property
    def state(self) -> State:
        if self._state is None:
            # One per request, kept on the native request so that a middleware's, a
            # dependency's and the endpoint's Request share it (Starlette keeps it in the
            # scope); it starts as what the lifespan yielded, a shallow copy per request.
            native = self._native
            state = getattr(native, "state", None)
            if state is None:
                state = State(_lifespan.state)
                try:
                    native.state = state
                except AttributeError:  # a stand-in request without the slot (tests)
                    pass
            self._state = state
        return self._state

    @property
    def http_version(self) -> str:
        return self._native.http_version

    # -- body: synchronous (for def endpoints) ----------------------------

    @property
    def content(self) -> bytes:
        """The whole request body (already read by the server)."""
        return self._native.body

    @property
    def json_body(self) -> Any:
        """The body parsed as JSON; parsed on first access, then cached.

        Raises ``ValueError`` for invalid JSON (as ``await request.json()`` does).
        """
        if self._json is _UNSET:
            self._json = _json_loads(self._native.body)
        return self._json

    # -- body: Starlette's asynchronous API (for async def endpoints) -----

    async def body(self) -> bytes:
        return self._native.body

    async def json(self) -> Any:
        return self.json_body

    def form(self, *, max_files: int | float = 1000, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024) -> _FormCall:
        """The body as a form (``await request.form()`` or ``async with request.form() as
        form``), parsed on first use: url-encoded or multipart, any other content type an
        empty form. A malformed form raises ``HTTPException(400)``, a field over
        ``max_part_size`` ``HTTPException(413)``. The limits are Starlette's arguments."""
        return _FormCall(self, {"max_files": max_files, "max_fields": max_fields, "max_part_size": max_part_size})

    @property
    def form_data(self) -> FormData:
        """The body as a form, for ``def`` endpoints (``request.form()`` needs ``await``),
        with the default limits (see :mod:`fasterapi._form_limits`)."""
        return self._parse_form(None)

    def _parse_form(self, limits: dict | None) -> FormData:
        if self._form is None:
            from fasterapi._form_limits import default_limits
            from fasterapi._forms import parse_form
            from fasterapi._multipart import MultiPartException
            from fasterapi.exceptions import HTTPException

            settings = default_limits()
            if limits is not None:
                # Starlette's float("inf") means "no limit".
                settings = settings.with_overrides({k: (2**62 if v == float("inf") else int(v)) for k, v in limits.items()})
            try:
                self._form = parse_form(self._native.body, self.headers.get("content-type"), settings)
            except MultiPartException as exc:
                raise HTTPException(exc.status_code, exc.message) from None
        return self._form

    async def close(self) -> None:
        """Close the files of the form, if it was read."""
        if self._form is not None:
            self._form.close_files()

    def __repr__(self) -> str:
        native = self._native
        return f"<Request {native.method} {native.path}>"
