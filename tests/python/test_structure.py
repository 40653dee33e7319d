"""Routers, mounts, static files, the injected ``Response`` and ``url_for``, compared with
FastAPI: each app is written once (``from fasterapi import ...``), run by FastAPI's
TestClient and by our compiled handlers, and the answers must agree (status, body and the
headers that matter). Rust-side behaviour (404/405/307 from the router, Range, sendfile) is
tested over the real server in tests/integration/test_structure.py."""

from __future__ import annotations

import itertools
import json
import os
import sys
import types
import warnings
from typing import Any

import pytest

from fasterapi import APIRouter, Depends, FasterAPI
from fasterapi.pydantic import BaseModel
from fasterapi.responses import Response
from fasterapi.testclient import TestClient as OurTestClient
from tests.integration.test_tutorial import as_fastapi_source

pytest.importorskip("fastapi")

_counter = itertools.count()
BIGGER_STATIC = os.path.join(os.path.dirname(__file__), "..", "apps", "bigger", "static")


def load(source: str) -> tuple[Any, Any]:
    """``(fastapi_app, fasterapi_app)`` from one source (submodule imports included)."""
    theirs = source.replace("from fasterapi.pydantic import", "from pydantic import")
    theirs = as_fastapi_source(theirs.replace("from fasterapi.", "from fastapi."))
    apps = []
    for side, text in (("fastapi", theirs), ("fasterapi", source)):
        name = f"structure_{side}_{next(_counter)}"
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(text, name, "exec", dont_inherit=True), module.__dict__)
        apps.append(module.app)
    return apps[0], apps[1]


class Answer:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def json(self) -> Any:
        return json.loads(self.body)


class Ours:
    """Our app through ``fasterapi.testclient.TestClient`` (the server's router, dispatch and
    encoding, in process); an exception the app does not handle is raised in the test."""

    def __init__(self, app: FasterAPI) -> None:
        self.client = OurTestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))

    def send(self, method: str, url: str, headers: list | None = None) -> Answer:
        response = self.client.request(method, url, headers=list(headers or []), follow_redirects=False)
        return Answer(response.status_code, [(k.decode().lower(), v.decode()) for k, v in response.headers.raw], response.content)


class Theirs:
    def __init__(self, app: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        self.client = TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1:8000")

    def send(self, method: str, url: str, headers: list | None = None) -> Answer:
        response = self.client.request(method, url, headers=dict(headers or []), follow_redirects=False)
        return Answer(response.status_code, [(k.decode().lower(), v.decode()) for k, v in response.headers.raw], response.content)


def both(source: str) -> tuple[Theirs, Ours]:
    theirs_app, ours_app = load(source)
    return Theirs(theirs_app), Ours(ours_app)


def same(theirs: Theirs, ours: Ours, method: str, url: str, headers: list | None = None, compare: tuple[str, ...] = ("content-type",)) -> Answer:
    """Send to both; status, body and the ``compare`` headers must agree. Ours is returned."""
    expected, actual = theirs.send(method, url, headers), ours.send(method, url, headers)
    assert (actual.status, actual.body) == (expected.status, expected.body), f"{method} {url}"
    for name in compare:
        assert actual.all(name) == expected.all(name), f"{method} {url}: header {name}"
    return actual


# ---------------------------------------------------------------------------------------------
# Routers: FastAPI's merge rules

ROUTERS = '''
from fasterapi import APIRouter, FasterAPI
from fasterapi.responses import HTMLResponse, PlainTextResponse

app = FasterAPI()

items = APIRouter(prefix="/items", tags=["items"], responses={404: {"description": "Not found"}},
                  default_response_class=PlainTextResponse)

@items.get("/text", tags=["text"], responses={418: {"description": "Teapot"}})
def text():
    return "plain"

@items.get("/html", response_class=HTMLResponse)
def html():
    return "<b>x</b>"

@items.get("/hidden", include_in_schema=False)
def hidden():
    return "h"

reports = APIRouter(prefix="/reports", tags=["reports"], deprecated=True)

@reports.get("/daily")
def daily():
    return "<p>daily</p>"

@reports.get("/old", deprecated=False)
def old():
    return "<p>old</p>"

v1 = APIRouter(prefix="/v1", tags=["v1"], responses={500: {"description": "Boom"}})
v1.include_router(items, tags=["included"], responses={403: {"description": "Forbidden"}})
v1.include_router(reports, prefix="/r", default_response_class=HTMLResponse)

app.include_router(v1, prefix="/api", tags=["api"], responses={401: {"description": "Unauthorized"}})
app.include_router(items, prefix="/private", include_in_schema=False)

@items.get("/late")
def late():
    return "added after the include"
'''


def test_router_routes_are_served_with_merged_response_classes():
    theirs, ours = both(ROUTERS)
    same(theirs, ours, "GET", "/api/v1/items/text")  # router default: PlainTextResponse
    same(theirs, ours, "GET", "/api/v1/items/html")  # the route's own class wins
    same(theirs, ours, "GET", "/api/v1/r/reports/daily")  # the include's default: HTMLResponse
    same(theirs, ours, "GET", "/private/items/text")
    # Included lazily: a route added to a router after the include is served too.
    same(theirs, ours, "GET", "/api/v1/items/late")
    same(theirs, ours, "GET", "/private/items/late")


def test_router_merge_rules_in_openapi_match_fastapi():
    theirs_app, ours_app = load(ROUTERS)
    expected, actual = theirs_app.openapi()["paths"], ours_app.openapi()["paths"]
    assert list(actual) == list(expected)
    for path, operations in expected.items():
        for method, operation in operations.items():
            mine = actual[path][method]
            assert mine.get("tags") == operation.get("tags"), (path, method)
            assert mine.get("deprecated") == operation.get("deprecated"), (path, method)
            assert list(mine["responses"]) == list(operation["responses"]), (path, method)
            assert mine["responses"] == operation["responses"], (path, method)


def test_effective_routes_list_full_paths():
    _, app = load(ROUTERS)
    paths = [route.path for route in app.routes]
    assert "/api/v1/items/text" in paths and "/private/items/late" in paths
    route = next(r for r in app.routes if r.path == "/api/v1/items/text")
    assert route.tags == ["api", "v1", "included", "items", "text"]


def test_include_router_refuses_bad_prefixes_and_cycles():
    outer, inner = APIRouter(), APIRouter()
    with pytest.raises(ValueError, match="must start with '/'"):
        outer.include_router(inner, prefix="items")
    with pytest.raises(ValueError, match="must not end with '/'"):
        outer.include_router(inner, prefix="/items/")
    with pytest.raises(ValueError, match="must start with '/'"):
        APIRouter(prefix="items")
    with pytest.raises(ValueError, match="into itself"):
        outer.include_router(outer)
    outer.include_router(inner)
    with pytest.raises(ValueError, match="already includes this router"):
        inner.include_router(outer)


def test_a_route_declared_twice_through_includes_is_an_error():
    app = FasterAPI()
    router = APIRouter()

    @router.get("/a")
    def a():
        return 1

    app.include_router(router)
    app.include_router(router)
    with pytest.raises(ValueError, match="duplicate route GET /a"):
        app._compile_routes()


# ---------------------------------------------------------------------------------------------
# The injected Response

RESPONSE_PARAM = '''
from fasterapi import Depends, FasterAPI, HTTPException, Response
from fasterapi.pydantic import BaseModel
from fasterapi.responses import JSONResponse, PlainTextResponse

app = FasterAPI()

class Item(BaseModel):
    name: str
    price: float = 1.0

@app.get("/cookie")
def cookie(response: Response):
    response.set_cookie("session", "abc", max_age=60, expires=120, path="/app", domain="example.com",
                        secure=True, httponly=True, samesite="strict")
    response.set_cookie(key="plain", value="v")
    response.headers["x-extra"] = "1"
    return {"ok": True}

@app.get("/status", status_code=201)
def status(response: Response, fail: bool = False):
    response.status_code = 202
    if fail:
        raise HTTPException(418, "teapot")
    return {"status": "changed"}

@app.get("/route-status", status_code=201)
def route_status(response: Response):
    response.headers["x-kept"] = "yes"
    return {"status": "route"}

@app.get("/async")
async def async_endpoint(response: Response):
    response.headers["x-async"] = "yes"
    response.delete_cookie("gone", path="/x", secure=True, httponly=True, samesite="none")
    return ["a"]

@app.get("/own")
def own(response: Response):
    response.headers["x-dropped"] = "1"
    response.status_code = 203
    return JSONResponse({"own": True}, headers={"x-own": "1"})

@app.get("/model", response_model=Item)
def model(response: Response):
    response.status_code = 200
    response.headers["x-model"] = "m"
    return {"name": "n", "price": 2, "secret": "hidden"}

@app.get("/class", response_class=PlainTextResponse)
def with_class(response: Response):
    response.headers["x-class"] = "c"
    return "text"

@app.get("/empty")
def empty(response: Response):
    response.status_code = 204
    return None

# The injected Response in dependencies: one per request, shared with the endpoint.
def tag_response(response: Response):
    response.headers["x-dep"] = "dep"
    response.set_cookie("from-dep", "1")

async def async_status(response: Response):
    response.status_code = 202
    return "checked"

@app.get("/dep-only", dependencies=[Depends(tag_response)])
def dep_only():
    return {"dep": "only"}

@app.get("/dep-and-endpoint")
async def dep_and_endpoint(response: Response, checked: str = Depends(async_status), _=Depends(tag_response)):
    response.headers["x-endpoint"] = "1"
    return {"checked": checked}

@app.get("/dep-own", dependencies=[Depends(tag_response)])
def dep_own():
    return PlainTextResponse("own", headers={"x-own": "1"})

@app.get("/dep-model", response_model=Item, dependencies=[Depends(async_status)])
def dep_model(response: Response):
    response.headers["x-model"] = "m"
    return {"name": "n", "secret": "hidden"}

@app.post("/dep-body")
def dep_body(item: Item, _=Depends(tag_response)):
    return item
'''


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/cookie", ("set-cookie", "x-extra", "content-type")),
        ("/status", ("content-type",)),
        ("/status?fail=true", ("content-type",)),
        ("/route-status", ("x-kept", "content-type")),
        ("/async", ("x-async", "set-cookie")),
        ("/own", ("x-own", "x-dropped", "content-type")),
        ("/model", ("x-model", "content-type")),
        ("/class", ("x-class", "content-type")),
        ("/empty", ("content-type",)),
        ("/dep-only", ("x-dep", "set-cookie", "content-type")),
        ("/dep-and-endpoint", ("x-dep", "x-endpoint", "set-cookie", "content-type")),
        ("/dep-own", ("x-own", "x-dep", "set-cookie", "content-type")),
        ("/dep-model", ("x-model", "content-type")),
    ],
)
def test_injected_response_is_merged_like_fastapi(url, headers):
    theirs, ours = both(RESPONSE_PARAM)
    same(theirs, ours, "GET", url, compare=headers)


def test_injected_response_in_a_dependency_of_a_body_route_matches_fastapi():
    theirs, ours = both(RESPONSE_PARAM)
    for body in (b'{"name": "n"}', b'{"price": "x"}', b"{"):
        headers = [("content-type", "application/json")]
        expected = theirs.client.request("POST", "/dep-body", content=body, headers=dict(headers))
        actual = ours.client.request("POST", "/dep-body", content=body, headers=headers)
        assert (actual.status_code, actual.json()) == (expected.status_code, expected.json()), body
        assert actual.headers.get("x-dep") == expected.headers.get("x-dep"), body


def test_set_cookie_rejects_a_bad_samesite():
    with pytest.raises(ValueError, match="samesite"):
        Response().set_cookie("a", "b", samesite="sometimes")


def test_set_cookie_with_a_datetime_expiry_matches_starlette():
    import datetime

    from starlette.responses import Response as StarletteResponse

    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    theirs, ours = StarletteResponse(), Response()
    theirs.set_cookie("k", "v v", expires=when)
    ours.set_cookie("k", "v v", expires=when)
    assert [v for k, v in ours.raw_headers if k == b"set-cookie"] == [v for k, v in theirs.raw_headers if k == b"set-cookie"]


# ---------------------------------------------------------------------------------------------
# url_for, redirects and the request helpers

URLS = '''
from fasterapi import APIRouter, FasterAPI, Request
from fasterapi.responses import RedirectResponse
from fasterapi.staticfiles import StaticFiles

app = FasterAPI()
router = APIRouter(prefix="/users")

@router.get("/{user_id}/files/{name:path}")
def user_file(user_id: int, name: str):
    return {"user_id": user_id, "name": name}

app.include_router(router)

sub = FasterAPI(title="Sub")

@sub.get("/ping/{n}")
def sub_ping(n: int, request: Request):
    return {"self": str(request.url_for("sub:sub_ping", n=n)), "app_title": request.app.title}

app.mount("/sub", sub, name="sub")
app.mount("/static", StaticFiles(directory=STATIC), name="static")

@app.get("/links")
def links(request: Request):
    return {
        "file": str(request.url_for("user_file", user_id=7, name="a/b.txt")),
        "static": str(request.url_for("static", path="/css/site.css")),
        "static_plain": str(request.url_for("static", path="index.html")),
        "sub": str(request.url_for("sub:sub_ping", n=3)),
        "docs": str(request.url_for("swagger_ui_html")),
        "path_only": str(request.app.url_path_for("user_file", user_id=1, name="x")),
    }

@app.get("/missing")
def missing(request: Request):
    try:
        request.url_for("nope", x=1)
    except Exception as exc:
        return {"error": type(exc).__name__, "message": str(exc)}

@app.get("/go")
def go(request: Request):
    return RedirectResponse(request.url_for("user_file", user_id=1, name="r"), status_code=303)

@app.get("/go-quoted")
def go_quoted():
    return RedirectResponse("/a path/ü?x=1 2")

class Moved(Exception):
    pass

@app.exception_handler(Moved)
def moved(request: Request, exc: Moved):
    return RedirectResponse(request.url_for("sub:sub_ping", n=9))

@app.get("/moved")
def raise_moved():
    raise Moved()

@app.get("/names")
def names(request: Request):
    out = {}
    for name, params in [("sub:openapi", {}), ("sub:swagger_ui_html", {}), ("static", {"path": "a b/c.css"}),
                         ("static", {"path": "x", "extra": 1}),
                         ("sub", {"path": "/ping/1"})]:
        try:
            out[name + repr(sorted(params))] = str(request.app.url_path_for(name, **params))
        except Exception as exc:
            out[name + repr(sorted(params))] = type(exc).__name__
    return out

@app.get("/who")
def who(request: Request):
    request.state.user = "rick"
    return {"cookies": request.cookies, "client": list(request.client), "state": request.state.user}
'''.replace("STATIC", repr(BIGGER_STATIC))


@pytest.mark.parametrize("url", ["/links", "/sub/ping/5", "/missing", "/names"])
def test_url_for_matches_fastapi(url):
    theirs, ours = both(URLS)
    same(theirs, ours, "GET", url)


def test_url_for_refuses_a_separator_in_a_segment():
    # Starlette asserts; ours is a ValueError naming the parameter.
    _, app = load(URLS)
    with pytest.raises(ValueError, match="user_id"):
        app.url_path_for("user_file", user_id="a/b", name="c")
    assert app.url_path_for("user_file", user_id=1, name="c/d") == "/users/1/files/c/d"


def test_redirect_response_matches_fastapi():
    theirs, ours = both(URLS)
    same(theirs, ours, "GET", "/go", compare=("location",))
    same(theirs, ours, "GET", "/go-quoted", compare=("location",))
    same(theirs, ours, "GET", "/moved", compare=("location",))  # url_for in an exception handler


def test_request_cookies_client_and_state():
    _, ours = both(URLS)
    answer = ours.send("GET", "/who", headers=[("cookie", 'a=1; b="two words"; c')])
    assert answer.json() == {"cookies": {"a": "1", "b": "two words", "": "c"}, "client": ["127.0.0.1", 50000], "state": "rick"}


# ---------------------------------------------------------------------------------------------
# Mounted apps and static files (paths the Rust router hands over; traversal over the real
# server is in tests/integration/test_structure.py)

MOUNTS = '''
from fasterapi import FasterAPI, Request
from fasterapi.responses import PlainTextResponse
from fasterapi.staticfiles import StaticFiles

app = FasterAPI()
sub = FasterAPI(title="Sub")

class Teapot(Exception):
    pass

@sub.exception_handler(Teapot)
def teapot(request: Request, exc: Teapot):
    return PlainTextResponse("short and stout", status_code=418)

@sub.get("/hello")
def hello():
    return {"hello": "sub"}

@sub.get("/teapot")
def make_tea():
    raise Teapot()

@app.get("/teapot")
def main_tea():
    raise Teapot()

app.mount("/sub", sub)
app.mount("/static", StaticFiles(directory=STATIC, html=True), name="static")
'''.replace("STATIC", repr(BIGGER_STATIC))


def test_mounted_app_has_its_own_routes_and_exception_handlers():
    theirs, ours = both(MOUNTS)
    same(theirs, ours, "GET", "/sub/hello")
    same(theirs, ours, "GET", "/sub/teapot")
    # The parent has no handler for Teapot: FastAPI answers 500, and ours lets the exception
    # escape to the bridge, which answers 500.
    assert theirs.send("GET", "/teapot").status == 500
    with pytest.raises(Exception) as raised:
        ours.send("GET", "/teapot")
    assert type(raised.value).__name__ == "Teapot"


def test_mounted_app_docs_and_openapi_live_under_the_prefix():
    theirs, ours = both(MOUNTS)
    expected = theirs.send("GET", "/sub/openapi.json").json()
    actual = ours.send("GET", "/sub/openapi.json").json()
    assert actual["servers"] == expected["servers"] == [{"url": "/sub"}]
    assert list(actual["paths"]) == list(expected["paths"])
    page = ours.send("GET", "/sub/docs").body.decode()
    assert "url: '/sub/openapi.json'" in page
    assert "/sub/docs/oauth2-redirect" in page
    # The parent's document does not list the mounted app's paths (FastAPI's neither).
    assert list(ours.send("GET", "/openapi.json").json()["paths"]) == list(theirs.send("GET", "/openapi.json").json()["paths"])


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/static/css/site.css", ()),
        ("/static/index.html", ()),
        ("/static/", ()),
        ("/static/docs/", ()),
        ("/static/docs", ()),  # a directory with an index: redirected to the slash form
        ("/static/nope.txt", ()),  # html=True: 404.html
        ("/static/alias.css", ()),  # a symlink inside the directory is served
        ("/static/outside.txt", ()),  # a symlink out of it is not
        # ("..": httpx folds it before sending, so it is compared over raw sockets in
        # tests/integration/test_structure.py)
    ],
)
def test_static_files_match_starlette(url, headers):
    theirs, ours = both(MOUNTS)
    same(theirs, ours, "GET", url, compare=("content-type", "location"))


def test_static_validators_give_304_like_starlette():
    theirs, ours = both(MOUNTS)
    first = ours.send("GET", "/static/css/site.css")
    etag, modified = first.header("etag"), first.header("last-modified")
    assert etag and modified
    for headers in (
        [("if-none-match", etag)],
        [("if-none-match", f"W/{etag}")],
        [("if-none-match", f'"other", {etag}')],
        [("if-none-match", "*")],
        [("if-none-match", '"other"')],
        [("if-modified-since", modified)],
        [("if-modified-since", "Mon, 01 Jan 1990 00:00:00 GMT")],
        [("if-none-match", '"other"'), ("if-modified-since", modified)],
    ):
        answer = same(theirs, ours, "GET", "/static/css/site.css", headers=headers, compare=("etag", "content-type"))
        if answer.status == 304:
            assert answer.body == b"" and answer.header("last-modified") is None


def test_static_traversal_and_bad_paths_are_404(tmp_path):
    from fasterapi.staticfiles import StaticFiles

    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "ok.txt").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "public" / "escape").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "public" / "escape_dir").symlink_to(tmp_path)
    files = StaticFiles(directory=tmp_path / "public")
    assert files.lookup_path("ok.txt")[1] is not None
    for bad in ["../secret.txt", "a/../../secret.txt", "/etc/passwd", "//etc/passwd", str(tmp_path / "secret.txt"),
                "ok.txt\x00.png", "escape", "escape_dir/secret.txt", "x" * 5000, ".."]:
        assert files.lookup_path(bad) == ("", None), bad
    # An absolute path is read under the directory, never from the root.
    (tmp_path / "public" / "etc").mkdir()
    (tmp_path / "public" / "etc" / "passwd").write_text("inside")
    full, found = files.lookup_path("/etc/passwd")
    assert found is not None and full == str(tmp_path / "public" / "etc" / "passwd")


def test_static_files_check_the_directory():
    from fasterapi.staticfiles import StaticFiles

    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory="/nonexistent/dir")
    files = StaticFiles(directory="/nonexistent/dir", check_dir=False)
    app = FasterAPI()
    app.mount("/s", files)
    with pytest.raises(RuntimeError, match="does not exist"):
        app._compile_routes()


def test_mount_refuses_what_it_cannot_serve():
    app = FasterAPI()
    with pytest.raises(TypeError, match="cannot mount"):
        app.mount("/asgi", lambda scope, receive, send: None)
    with pytest.raises(ValueError, match="parameters"):
        app.mount("/{tenant}", FasterAPI())
    with pytest.raises(ValueError, match="must start with '/'"):
        app.mount("sub", FasterAPI())


ROOT_MOUNT = '''
from fasterapi import FasterAPI
from fasterapi.staticfiles import StaticFiles

app = FasterAPI()

@app.get("/")
def home():
    return {"home": True}

@app.get("/api/users/{uid}")
def user(uid: int):
    return {"uid": uid}

app.mount("/", StaticFiles(directory=STATIC, html=True), name="site")
'''.replace("STATIC", repr(BIGGER_STATIC))


@pytest.mark.parametrize("url", ["/", "/api/users/3", "/css/site.css", "/docs/", "/missing.txt"])
def test_static_mount_at_the_root_keeps_the_routes_declared_before_it(url):
    theirs, ours = both(ROOT_MOUNT)
    same(theirs, ours, "GET", url)


def test_nested_mounts_and_mounts_in_included_routers_get_full_paths():
    from fasterapi.staticfiles import StaticFiles

    inner = FasterAPI(openapi_url=None)

    @inner.get("/deep")
    def deep():
        return "deep"

    middle = FasterAPI(openapi_url=None)
    middle.mount("/inner", inner, name="inner")
    router = APIRouter(prefix="/r")
    router.mount("/files", StaticFiles(directory=BIGGER_STATIC), name="files")
    app = FasterAPI(openapi_url=None)
    app.mount("/middle", middle, name="middle")
    app.include_router(router, prefix="/v1")
    paths = sorted(route.path for route in app._compile_routes())
    assert paths == ["/middle/inner/deep", "/v1/r/files/", "/v1/r/files/{path:path}"]
    assert app.url_path_for("middle:inner:deep") == "/middle/inner/deep"
    assert app.url_path_for("files", path="a.css") == "/v1/r/files/a.css"


APP_DEFAULTS = '''
from fasterapi import APIRouter, FasterAPI
from fasterapi.responses import HTMLResponse, PlainTextResponse

app = FasterAPI(default_response_class=PlainTextResponse, responses={503: {"description": "Down"}}, deprecated=True)

@app.get("/text")
def text():
    return "app default"

router = APIRouter(prefix="/r")

@router.get("/inherits")
def inherits():
    return "from the app"

@router.get("/own", response_class=HTMLResponse, responses={200: {"description": "Page"}})
def own():
    return "<i>own</i>"

app.include_router(router)
'''


@pytest.mark.parametrize("url", ["/text", "/r/inherits", "/r/own"])
def test_app_level_router_settings_match_fastapi(url):
    theirs, ours = both(APP_DEFAULTS)
    same(theirs, ours, "GET", url)


def test_app_level_router_settings_in_openapi_match_fastapi():
    theirs_app, ours_app = load(APP_DEFAULTS)
    expected, actual = theirs_app.openapi()["paths"], ours_app.openapi()["paths"]
    for path, operations in expected.items():
        for method, operation in operations.items():
            assert actual[path][method].get("deprecated") == operation.get("deprecated"), path
            assert actual[path][method]["responses"] == operation["responses"], path


# ---------------------------------------------------------------------------------------------
# Routers and dependencies together


class LoneItem(BaseModel):
    name: str


def test_lone_model_body_routes_keep_their_fast_handler_beside_dependencies():
    def auth():
        return "user"

    router = APIRouter(prefix="/r")

    @router.post("/plain")
    def plain(item: LoneItem):
        return item

    @router.post("/guarded", dependencies=[Depends(auth)])
    def guarded(item: LoneItem):
        return item

    app = FasterAPI()
    app.include_router(router)
    handlers = {route.path: route.handler.__qualname__ for route in app._compile_routes()}
    assert handlers["/r/plain"].startswith("_lone_json_body.")
    assert not handlers["/r/guarded"].startswith("_lone_json_body.")


def test_a_mounted_app_with_its_own_middleware_is_refused():
    sub = FasterAPI()

    @sub.middleware("http")
    async def tag(request, call_next):
        return await call_next(request)

    app = FasterAPI()
    app.mount("/sub", sub)
    with pytest.raises(TypeError, match="mounted at /sub has middleware of its own"):
        app._compile_routes()
