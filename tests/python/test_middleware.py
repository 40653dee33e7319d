"""Middleware declared on the app: option checks, ordering, the native layer specs the
server gets, the miss route, and the lazy ``RouteAnswer`` that ``call_next`` returns."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from fasterapi import FasterAPI, HTTPException
from fasterapi import _native
from fasterapi._http_middleware import RouteAnswer, misses_reach_python
from fasterapi._server import LoadedApp
from fasterapi.middleware import Middleware
from fasterapi.middleware.base import BaseHTTPMiddleware
from fasterapi.middleware.cors import CORSMiddleware
from fasterapi.middleware.gzip import GZipMiddleware
from fasterapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from fasterapi.middleware.trustedhost import TrustedHostMiddleware


def layers(app: FasterAPI) -> list[dict]:
    return json.loads(app._compile()[1])


def test_no_middleware_costs_nothing():
    app = FasterAPI()

    @app.get("/")
    def root():
        return {}

    routes, native_layers, miss = app._compile()
    assert native_layers == "[]" and miss is None
    assert routes[0].is_async is False  # not wrapped: a chain would make it async
    assert LoadedApp(routes).native_layers == "[]"


def test_native_layers_outermost_first_with_starlette_defaults():
    app = FasterAPI()
    app.add_middleware(GZipMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=["*"])
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["example.com"])
    app.add_middleware(HTTPSRedirectMiddleware)
    specs = layers(app)
    assert [s["kind"] for s in specs] == ["https_redirect", "trusted_host", "cors", "gzip"]
    assert specs[2] == {
        "kind": "cors", "allow_origins": ["*"], "allow_methods": ["GET"], "allow_headers": [],
        "allow_credentials": False, "allow_origin_regex": None, "allow_private_network": False,
        "expose_headers": [], "max_age": 600,
    }
    assert specs[3]["minimum_size"] == 500 and specs[3]["compresslevel"] == 9
    assert "text/event-stream" in specs[3]["exclude_content_types"]
    assert specs[1] == {"kind": "trusted_host", "allowed_hosts": ["example.com"], "www_redirect": True}


def test_middleware_argument_of_the_constructor():
    app = FasterAPI(middleware=[Middleware(GZipMiddleware, minimum_size=10)])
    assert layers(app)[0]["minimum_size"] == 10


@pytest.mark.parametrize("cls, options, message", [
    (GZipMiddleware, {"compresslevel": 10}, "compresslevel"),
    (GZipMiddleware, {"minimum_size": -1}, "minimum_size"),
    (TrustedHostMiddleware, {"allowed_hosts": ["exa*mple.com"]}, "Domain wildcard"),
    (TrustedHostMiddleware, {"allowed_hosts": ["*example.com"]}, "Domain wildcard"),
    (CORSMiddleware, {"allow_origins": "http://a.com"}, "collection of str"),
])
def test_bad_options_fail_at_add_middleware(cls, options, message):
    app = FasterAPI()
    with pytest.raises((ValueError, TypeError), match=message):
        app.add_middleware(cls, **options)
    assert app.user_middleware == []


def test_bad_origin_regex_fails_at_add_middleware():
    import re

    with pytest.raises(re.error):
        FasterAPI().add_middleware(CORSMiddleware, allow_origin_regex="(unclosed")


def test_raw_asgi_middleware_is_refused_with_a_clear_error():
    class AsgiMiddleware:
        def __init__(self, app):
            self.app = app

    with pytest.raises(TypeError, match="'AsgiMiddleware' is not supported as middleware"):
        FasterAPI().add_middleware(AsgiMiddleware)


def test_python_middleware_is_built_when_the_app_is_compiled_not_when_added():
    built = []

    class Recording(BaseHTTPMiddleware):
        def __init__(self, app, label):
            super().__init__(app)
            built.append(label)

    app = FasterAPI()
    app.add_middleware(Recording, label="x")
    assert built == []
    app._compile()
    assert built == ["x"]


def test_unsupported_middleware_in_the_constructor_fails_at_compile():
    app = FasterAPI(middleware=[Middleware(dict)])
    with pytest.raises(TypeError, match="'dict' is not supported as middleware"):
        app._compile()


def test_only_http_middleware_decorator():
    with pytest.raises(ValueError, match="websocket"):
        FasterAPI().middleware("websocket")


def test_python_middleware_wraps_routes_and_adds_the_miss_route():
    app = FasterAPI(openapi_url=None)
    calls = []

    @app.middleware("http")
    async def first(request, call_next):
        calls.append("first")
        return await call_next(request)

    class Second(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            calls.append("second")
            response = await call_next(request)
            response.headers["x-second"] = "yes"
            return response

    app.add_middleware(Second)

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return {"item_id": item_id}

    routes, native_layers, miss = app._compile()
    assert native_layers == "[]"
    assert [r.is_async and r.native_plan is None for r in routes] == [True]
    assert miss is not None and miss.path == "(unmatched)"
    # Second was added last: it is the outermost.
    assert [m.cls.__name__ for m in app.user_middleware] == ["Second", "BaseHTTPMiddleware"]


def test_misses_reach_python_only_when_needed():
    assert not misses_reach_python([], {})
    assert not misses_reach_python([], {ValueError: print, 500: print, Exception: print})
    assert misses_reach_python([], {404: print})
    assert misses_reach_python([], {405: print})
    assert misses_reach_python([], {HTTPException: print})
    assert misses_reach_python([print], {})


@pytest.mark.parametrize("value, media, body", [
    ({"a": [1, 2.5, None]}, b"application/json", b'{"a":[1,2.5,null]}'),
    ([1, "x"], b"application/json", b'[1,"x"]'),
    (None, b"application/json", b"null"),
    ("héllo", b"text/plain; charset=utf-8", "héllo".encode()),
    (b"\x00\x01", b"application/octet-stream", b"\x00\x01"),
    (uuid.UUID(int=1), b"application/json", b'"00000000-0000-0000-0000-000000000001"'),
    ({"id": uuid.UUID(int=2)}, b"application/json", b'{"id":"00000000-0000-0000-0000-000000000002"}'),
])
def test_route_answer_renders_like_the_bridge(value, media, body):
    answer = RouteAnswer(value, 201)
    assert answer.status_code == 201
    assert answer.raw_headers == [(b"content-type", media)]
    assert answer.body == body


def test_route_answer_renders_lazily_and_headers_are_mutable():
    answer = RouteAnswer({"a": 1}, 200)
    assert answer._body is None  # nothing rendered yet
    answer.headers["X-Extra"] = "1"
    assert (b"x-extra", b"1") in answer.raw_headers
    assert answer._body is None
    answer.body = b"replaced"
    assert answer.body == b"replaced"


def test_route_answer_body_iterator():
    answer = RouteAnswer({"a": 1}, 200)

    async def read():
        return b"".join([chunk async for chunk in answer.body_iterator])

    assert asyncio.run(read()) == _native.json_dumps({"a": 1})


def _models_app(with_middleware: bool) -> FasterAPI:
    from fasterapi import BaseModel

    class Item(BaseModel):
        name: str
        price: float = 1.5

    app = FasterAPI()
    if with_middleware:

        @app.middleware("http")
        async def tag(request, call_next):
            response = await call_next(request)
            response.headers["x-tag"] = "1"
            return response

    @app.get("/item")
    def item():
        return Item(name="a")

    @app.get("/item-model", response_model=Item)
    async def item_model():
        return {"name": "b", "price": 2, "extra": 1}

    @app.get("/items")
    def items() -> list[Item]:
        return [Item(name="c")]

    @app.get("/uuid")
    def an_uuid():
        return {"id": uuid.UUID(int=3)}

    return app


@pytest.mark.parametrize("path", ["/item", "/item-model", "/items", "/uuid", "/missing"])
def test_answers_under_middleware_are_the_answers_without(path):
    """Models, response models and fallback-encoded values come out of ``call_next`` exactly
    as the bridge renders them without middleware (in process: the server's own path)."""
    from fasterapi.testclient import TestClient

    plain = TestClient(_models_app(False)).get(path)
    wrapped = TestClient(_models_app(True)).get(path)
    assert (wrapped.status_code, wrapped.headers["content-type"], wrapped.content) == (
        plain.status_code, plain.headers["content-type"], plain.content)
    assert wrapped.headers["x-tag"] == "1" and "x-tag" not in plain.headers


def test_request_state_set_by_middleware_is_the_endpoints_like_fastapi():
    # Starlette keeps request.state in the ASGI scope, so a middleware, a dependency and the
    # endpoint see one state; ours lives on the native request for the same reason.
    source = '''
def build(lib):
    App, Request, Depends = lib.FastAPI if hasattr(lib, "FastAPI") else lib.FasterAPI, lib.Request, lib.Depends
    app = App()

    @app.middleware("http")
    async def who(request: Request, call_next):
        request.state.user = request.headers.get("x-user", "anonymous")
        response = await call_next(request)
        response.headers["x-seen-by-endpoint"] = str(getattr(request.state, "seen", False))
        return response

    def current_user(request: Request):
        return request.state.user

    @app.get("/me")
    def me(request: Request, user=Depends(current_user)):
        request.state.seen = True
        return {"state": request.state.user, "dependency": user}

    return app
'''
    import fastapi
    import fasterapi
    from fastapi.testclient import TestClient as FastAPIClient
    from fasterapi.testclient import TestClient

    scope: dict = {}
    exec(compile(source, "<state app>", "exec", dont_inherit=True), scope)  # real annotations
    theirs = FastAPIClient(scope["build"](fastapi)).get("/me", headers={"x-user": "ada"})
    ours = TestClient(scope["build"](fasterapi)).get("/me", headers={"x-user": "ada"})
    assert ours.json() == theirs.json() == {"state": "ada", "dependency": "ada"}
    assert ours.headers["x-seen-by-endpoint"] == theirs.headers["x-seen-by-endpoint"] == "True"


def _gzip_around_http_middleware(lib, gzip_outside: bool):
    """An app with an ``@app.middleware("http")`` and a GZip (minimum_size=500) outside or
    inside it (Starlette's order: the last added is the outermost)."""
    App = lib.FastAPI if hasattr(lib, "FastAPI") else lib.FasterAPI
    GZip = lib.middleware.gzip.GZipMiddleware
    JSONResponse = lib.responses.JSONResponse
    app = App()
    if not gzip_outside:
        app.add_middleware(GZip, minimum_size=500)

    @app.middleware("http")
    async def tag(request, call_next):
        if request.url.path == "/own":
            return JSONResponse({"built": "by the middleware"})
        response = await call_next(request)
        response.headers["x-tag"] = "1"
        return response

    if gzip_outside:
        app.add_middleware(GZip, minimum_size=500)

    @app.get("/short")
    def short():
        return {"short": True}

    @app.get("/long")
    def long():
        return {"numbers": list(range(300))}

    return app


@pytest.mark.parametrize("gzip_outside", [True, False], ids=["gzip-outside", "gzip-inside"])
@pytest.mark.parametrize("path", ["/short", "/long", "/own", "/missing"])
@pytest.mark.parametrize("accept", ["gzip", "identity"])
def test_gzip_around_http_middleware_like_fastapi(gzip_outside, path, accept):
    """Starlette's http middleware re-sends ``call_next``'s response as a stream, so a GZip
    outside it compresses even a short body and always adds ``Vary: Accept-Encoding``; a
    response the middleware built itself, or a GZip inside it, goes by ``minimum_size``."""
    import fastapi
    import fastapi.middleware.gzip
    import fastapi.responses
    import fasterapi
    import fasterapi.middleware.gzip
    import fasterapi.responses
    from fastapi.testclient import TestClient as FastAPIClient
    from fasterapi.testclient import TestClient

    headers = {"accept-encoding": accept}
    theirs = FastAPIClient(_gzip_around_http_middleware(fastapi, gzip_outside)).get(path, headers=headers)
    ours = TestClient(_gzip_around_http_middleware(fasterapi, gzip_outside)).get(path, headers=headers)

    def seen(response):
        return (response.status_code, response.content, response.headers.get("content-encoding"),
                response.headers.get("vary"), response.headers.get("x-tag"))

    assert seen(ours) == seen(theirs)


def test_a_middlewares_request_knows_the_app_and_url_for():
    from fasterapi import Request
    from fasterapi.testclient import TestClient

    app = FasterAPI()

    @app.middleware("http")
    async def link(request: Request, call_next):
        response = await call_next(request)
        response.headers["x-item-url"] = str(request.url_for("item", item_id=7))
        response.headers["x-same-app"] = str(request.app is app)
        return response

    @app.get("/items/{item_id}", name="item")
    def item(item_id: int):
        return {"item_id": item_id}

    answer = TestClient(app).get("/items/1")
    assert answer.headers["x-item-url"] == "http://testserver/items/7"
    assert answer.headers["x-same-app"] == "True"
