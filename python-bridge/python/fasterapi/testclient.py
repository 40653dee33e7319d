"""``TestClient``: FastAPI's (Starlette's) test client API, answered in process.

Requests do not go through a socket, but everything else is the server's own path: the
request head is parsed with the server's parser and limits, routed by the server's router
and dispatch (404, 405 with ``Allow``, the trailing-slash 307, ``HEAD``), answered by the
app's compiled route handlers, and written with the server's HTTP/1.1 encoding, which is
then read back (``fasterapi._native.inprocess_request``). The app runs in *this*
interpreter and thread; ``async def`` endpoints run to completion on this thread's event
loop, the one ``with TestClient(app)`` runs the lifespan on. See README, "Testing".
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import inspect
import os
from typing import Any
from urllib.parse import quote, urlsplit

from fasterapi import _native, _server
from fasterapi.cli import resolve_settings
from fasterapi._test_bodies import encode_body, query_string
from fasterapi._test_cookies import Cookies
from fasterapi._test_headers import Headers
from fasterapi._test_messages import (
    REDIRECT_STATUSES,
    HTTPStatusError,
    RemoteProtocolError,
    Request,
    Response,
    TooManyRedirects,
    URL,
    redirect_target,
)

__all__ = ["TestClient", "Response", "Request", "URL", "Headers", "Cookies", "HTTPStatusError", "TooManyRedirects",
           "RemoteProtocolError"]

#: What httpx sends on every request (Starlette's client sets the user agent).
_DEFAULT_HEADERS = (("accept", "*/*"), ("accept-encoding", "gzip, deflate"), ("connection", "keep-alive"),
                    ("user-agent", "testclient"))
_MAX_REDIRECTS = 20
#: Characters left as they are in a request path (everything else is percent-encoded).
_PATH_SAFE = "/%!$&'()*+,;=:@~-._"
#: Methods for which httpx sends ``content-length: 0`` without a body.
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))


class TestClient:
    """``TestClient(app)``: ``client.get("/items/1")`` and friends, as in FastAPI's tests.

    ``with TestClient(app) as client:`` runs the app's startup before the block and its
    shutdown after. An exception the app does not handle is raised in the test (unless
    ``raise_server_exceptions=False``: then the answer is the server's 500).
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: str = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: Any = None,
        headers: Any = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        if backend != "asyncio":
            raise ValueError(f"only the asyncio backend is supported, not {backend!r}")
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.follow_redirects = follow_redirects
        #: Accepted for compatibility; the in-process request has no ASGI scope to put it in.
        self.root_path = root_path
        self.base_url = base_url  # type: ignore[assignment]
        self.headers = Headers(headers)
        self._cookies = Cookies(cookies)
        self._native_app: Any = None
        self._compiled_for: Any = None
        self._worker: concurrent.futures.ThreadPoolExecutor | None = None
        self._entered = 0

    # -- configuration -------------------------------------------------------------

    @property
    def base_url(self) -> URL:
        return URL(self._base)

    @base_url.setter
    def base_url(self, value: Any) -> None:
        base = str(value).rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, not {value!r}")
        self._base = base
        self._base_host = parts.netloc
        self._base_path = parts.path

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        self._cookies = Cookies(value)

    # -- the app ---------------------------------------------------------------------

    def _app(self) -> Any:
        """The in-process app, compiled again when routes or dependency overrides changed
        since the last request (tests change ``app.dependency_overrides`` between calls)."""
        app = self.app
        state = (len(app.routes), tuple(getattr(app, "dependency_overrides", {}).items()))
        if self._native_app is None or state != self._compiled_for:
            # The server's limits, from the same environment variables `fasterapi run` reads.
            limits = resolve_settings({}, os.environ)
            self._native_app = _native.inprocess_app(_server.loaded_app(app), limits["max_header"], limits["max_body"])
            self._compiled_for = state
        return self._native_app

    def _on_app_thread(self, fn: Any, *args: Any) -> Any:
        """Runs ``fn(*args)`` where the app runs: on this thread, whose event loop runs the
        async endpoints and the lifespan. Called from inside a running loop (an async test),
        that loop cannot be run again, so a helper thread with a loop of its own does the
        work (as Starlette's client always does) while this thread waits."""
        if asyncio._get_running_loop() is None:
            return fn(*args)
        if self._worker is None:
            self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fasterapi-testclient")
        return self._worker.submit(fn, *args).result()

    def _exchange(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> tuple:
        return self._on_app_thread(_native.inprocess_request, self._app(), method, target, headers, body)

    # -- requests --------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: Any,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        auth: Any = None,
        follow_redirects: bool | None = None,
        timeout: Any = None,
        extensions: Any = None,
    ) -> Response:
        method = method.upper()
        full_url = self._url(str(url), params)
        if content is None and data is None and files is None and json is None:
            body, content_type = b"", None
        else:
            body, content_type = encode_body(content, data, files, json)
        extra = Headers(headers).multi_items() if headers else []
        if content_type is not None and not any(name.lower() == "content-type" for name, _ in extra):
            extra.append(("content-type", content_type))
        if auth is not None:
            extra.append(("authorization", _basic_auth(auth)))
        jar = self._cookies
        if cookies:
            jar = Cookies(self._cookies)
            jar.update(cookies)
        follow = self.follow_redirects if follow_redirects is None else follow_redirects

        history: list[Response] = []
        while True:
            response = self._send(method, full_url, extra, body, jar)
            if not (follow and response.status_code in REDIRECT_STATUSES and "location" in response.headers):
                break
            if len(history) >= _MAX_REDIRECTS:
                raise TooManyRedirects("Exceeded maximum allowed redirects.")
            history.append(response)
            method, full_url, extra, body = _redirected(response, method, full_url, extra, body)
        response.history = history
        return response

    def _url(self, url: str, params: Any) -> str:
        """The absolute URL of a request: ``url`` on ``base_url``, its query replaced by
        ``params`` when given (as httpx does)."""
        if url.startswith(("http://", "https://")):
            full = url
        else:
            if not url.startswith("/"):
                url = "/" + url
            full = self._base + url
        if not (full.isascii() and " " not in full):
            scheme, netloc, path, query, fragment = urlsplit(full)
            full = f"{scheme}://{netloc}{quote(path, safe=_PATH_SAFE)}" + (f"?{quote(query, safe='=&+%/:@!$,;~')}" if query else "")
        if params is not None:
            full = full.partition("?")[0].partition("#")[0]
            query = query_string(params)
            if query:
                full += "?" + query
        return full.partition("#")[0]

    def _send(self, method: str, url: str, extra: list[tuple[str, str]], body: bytes, jar: Cookies) -> Response:
        """One request on the wire, no redirects followed."""
        if url.startswith(self._base) and url[len(self._base):len(self._base) + 1] in ("", "/", "?"):
            host, target = self._base_host, url[len(self._base) - len(self._base_path):]
        else:
            parts = urlsplit(url)
            host, target = parts.netloc, url[len(parts.scheme) + 3 + len(parts.netloc):]
        if not target.startswith("/"):
            target = "/" + target
        fields = [("host", host), *_DEFAULT_HEADERS]
        # The client's headers replace the defaults of the same name, the request's replace both.
        for own in (self.headers.multi_items() if self.headers._fields else None, extra):
            if own:
                names = {name.lower() for name, _ in own}
                fields = [f for f in fields if f[0].lower() not in names] + own
        names = {name.lower() for name, _ in extra}
        if (body or method in _BODY_METHODS) and "content-length" not in names:
            fields.append(("content-length", str(len(body))))
        if jar and "cookie" not in names:
            cookie = jar.header_for(url)
            if cookie:
                fields.append(("cookie", cookie))
        status, raw_headers, answer, complete, raised = self._exchange(method, target, fields, body)
        if raised is not None and self.raise_server_exceptions:
            raise raised
        if not complete and self.raise_server_exceptions:
            raise RemoteProtocolError("the response body was cut off: its iterator raised (see the traceback above)")
        response = Response(status, raw_headers, answer, Request(method, url, fields, body))
        set_cookies = [v.decode("latin-1") for n, v in raw_headers if len(n) == 10 and n.lower() == b"set-cookie"]
        if set_cookies:
            self._cookies.extract(url, set_cookies)
        return response

    def get(self, url: Any, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: Any, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: Any, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def post(self, url: Any, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: Any, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def websocket_connect(self, url: str, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("WebSocket routes are not supported yet, so neither is websocket_connect")

    # -- lifespan --------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        if self._entered == 0:
            self._on_app_thread(_run_app_hook, self.app, "_startup")
        self._entered += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._entered -= 1
        if self._entered == 0:
            try:
                self._on_app_thread(_run_app_hook, self.app, "_shutdown")
            finally:
                self.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None


def _run_app_hook(app: Any, name: str) -> None:
    """``app._startup()`` / ``app._shutdown()`` (the app's lifespan and startup/shutdown
    events), when the app has them; a coroutine runs on the loop requests use.

    The hook the lifespan work wires at merge: its ``LifespanRun(app)`` ``start()`` /
    ``stop()`` coroutines run here, the state ``start()`` returns going where requests
    read it."""
    hook = getattr(app, name, None)
    if hook is None:
        return
    result = hook()
    if inspect.isawaitable(result):
        _server._run_coroutine_here(result)


def _basic_auth(auth: Any) -> str:
    if not (isinstance(auth, tuple) and len(auth) == 2):
        raise TypeError("auth must be a (username, password) tuple")
    user, password = (p.encode("utf-8") if isinstance(p, str) else p for p in auth)
    return "Basic " + base64.b64encode(user + b":" + password).decode("ascii")


def _redirected(
    response: Response, method: str, url: str, extra: list[tuple[str, str]], body: bytes
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """The request a redirect answer asks for, by httpx's rules: 303 (and 301/302 after a
    POST) becomes a GET without a body; another host does not get the Authorization."""
    status = response.status_code
    new_method = method
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        new_method = "GET"
    new_url = redirect_target(response)
    drop = {"cookie"}
    if urlsplit(new_url).netloc != urlsplit(url).netloc:
        drop.add("authorization")
    if new_method != method and new_method == "GET":
        drop |= {"content-length", "transfer-encoding"}
        body = b""
    return new_method, new_url, [f for f in extra if f[0].lower() not in drop], body

