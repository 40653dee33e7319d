from __future__ import annotations

import sys
import textwrap

import pytest

from fasterapi import _server
from fasterapi.responses import Response


@pytest.fixture
def app_module(tmp_path, monkeypatch):
    (tmp_path / "myapp.py").write_text(
        textwrap.dedent(
            """
            from fasterapi import FasterAPI
            app = FasterAPI(openapi_url=None)  # only the route below (no docs routes)
            not_app = 3

            @app.api_route("/x", methods=["get", "post"], status_code=202)
            def x():
                return {}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "myapp"
    sys.modules.pop("myapp", None)


def test_load_app(app_module):
    loaded = _server.load_app(f"{app_module}:app")
    assert [(r.method, r.path, r.status_code, r.is_async, r.inline) for r in loaded.routes] == [
        ("GET", "/x", 202, False, None),
        ("POST", "/x", 202, False, None),
    ]
    assert loaded.response_type is Response
    assert loaded.encode_fallback({1}) == b"[1]"


def test_load_app_errors(app_module):
    with pytest.raises(ValueError, match=r"^app must be given as MODULE:ATTRIBUTE, got 'x'$"):
        _server.load_app("x")
    with pytest.raises(ImportError, match=r"^could not import module 'nonexistent_mod_xyz': No module named 'nonexistent_mod_xyz'$"):
        _server.load_app("nonexistent_mod_xyz:app")
    with pytest.raises(AttributeError, match=r"^module 'myapp' has no attribute 'nope'$"):
        _server.load_app("myapp:nope")
    with pytest.raises(TypeError, match=r"^'myapp:not_app' is not a FasterAPI application$"):
        _server.load_app("myapp:not_app")


def test_routes_compile_with_prefix():
    from fasterapi import APIRouter, FasterAPI

    router = APIRouter(prefix="/v1")

    @router.get("/a/{name:path}")
    def a(name: str):
        return name

    app = FasterAPI(openapi_url=None)
    app.include_router(router, prefix="/api")
    assert [(r.method, r.path) for r in app._compile_routes()] == [("GET", "/api/v1/a/{name:path}")]


def test_bad_route_declarations():
    from fasterapi import FasterAPI

    app = FasterAPI()
    with pytest.raises(ValueError, match="unsupported path convertor"):
        app.get("/a/{x:int}")(lambda x: x)
