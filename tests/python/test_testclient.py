"""``fasterapi.testclient.TestClient`` against FastAPI's own: one app source run by both
frameworks, the same client calls on both clients, and the answers (status, headers that
matter, body) and the client-side state (cookies, redirects, history) must agree. Then what
only ours must show: the server's own 404/405/HEAD answers, the lifespan hooks, exceptions,
and running inside an event loop."""

from __future__ import annotations

import asyncio
import copy
import io
import warnings

import pytest

import params_harness

from fasterapi import FasterAPI, Request, StreamingResponse
from fasterapi.testclient import HTTPStatusError, TestClient, TooManyRedirects

pytest.importorskip("fastapi")

APP = '''
import asyncio
from typing import Annotated
from fasterapi import BaseModel, Cookie, FasterAPI, File, Form, Header, HTTPException, Query, Request, Response, UploadFile
from fasterapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, StreamingResponse

app = FasterAPI()

class Item(BaseModel):
    name: str
    price: float = 1.0

@app.get("/json")
def json_():
    return {"hello": "world"}

@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None, tags: Annotated[list[str] | None, Query()] = None):
    await asyncio.sleep(0)
    return {"item_id": item_id, "q": q, "tags": tags}

@app.post("/items", status_code=201)
def create_item(item: Item):
    return item

@app.put("/items/{item_id}")
def replace_item(item_id: int, item: Item):
    return {"item_id": item_id, **item.model_dump()}

@app.patch("/items/{item_id}")
def patch_item(item_id: int, item: dict):
    return {"item_id": item_id, "patch": item}

@app.delete("/items/{item_id}", status_code=204)
def delete_item(item_id: int):
    return Response(status_code=204)

@app.options("/items")
def options_items():
    return Response(headers={"allow": "GET, POST, OPTIONS"})

@app.post("/form")
def form(name: Annotated[str, Form()], tags: Annotated[list[str], Form()] = []):
    return {"name": name, "tags": tags}

@app.post("/upload")
async def upload(file: UploadFile, note: Annotated[str, Form()] = "-"):
    return {"filename": file.filename, "type": file.content_type, "size": len(await file.read()), "note": note}

@app.post("/uploads")
async def uploads(files: list[UploadFile]):
    return [{"filename": f.filename, "content": (await f.read()).decode()} for f in files]

@app.post("/raw")
async def raw(request: Request):
    return {"body": (await request.body()).decode(), "type": request.headers.get("content-type")}

@app.get("/headers")
def headers(x_token: Annotated[str | None, Header()] = None, user_agent: Annotated[str | None, Header()] = None,
            authorization: Annotated[str | None, Header()] = None):
    return {"x_token": x_token, "user_agent": user_agent, "authorization": authorization}

@app.get("/request")
def request_info(request: Request):
    return {"method": request.method, "path": request.url.path, "query": str(request.query_params),
            "host": request.headers.get("host"), "accept": request.headers.get("accept")}

@app.get("/cookies/set")
def set_cookie():
    response = PlainTextResponse("set")
    response.set_cookie("session", "abc123")
    response.set_cookie("theme", "dark", max_age=60)
    return response

@app.get("/cookies/read")
def read_cookie(session: Annotated[str | None, Cookie()] = None, theme: Annotated[str | None, Cookie()] = None):
    return {"session": session, "theme": theme}

@app.get("/cookies/delete")
def delete_cookie():
    response = PlainTextResponse("deleted")
    response.delete_cookie("session")
    return response

@app.get("/redirect")
def redirect():
    return RedirectResponse("/json")

@app.post("/redirect-303")
def redirect_303():
    return RedirectResponse("/request?from=303", status_code=303)

@app.get("/redirect-chain/{n}")
def redirect_chain(n: int):
    return RedirectResponse(f"/redirect-chain/{n - 1}" if n > 0 else "/json")

@app.get("/teapot")
def teapot():
    raise HTTPException(418, detail={"why": "tea"}, headers={"X-Tea": "yes"})

@app.get("/html", response_class=HTMLResponse)
def html():
    return "<p>héllo</p>"

@app.get("/text")
def text():
    return PlainTextResponse("plain", headers={"X-Custom": "1"})

@app.get("/stream")
def stream():
    def chunks():
        yield "a,"
        yield b"b,"
        yield "c"
    return StreamingResponse(chunks(), media_type="text/csv")

@app.get("/async-stream")
async def async_stream():
    async def chunks():
        for i in range(3):
            await asyncio.sleep(0)
            yield f"{i}\\n"
    return StreamingResponse(chunks(), media_type="text/plain")
'''

#: Headers whose values both frameworks must give alike (the others are framing, the
#: server's own ``server``/``date``, or set by one framework only).
COMPARED_HEADERS = ("content-type", "location", "set-cookie", "x-tea", "x-custom")


@pytest.fixture(scope="module")
def clients():
    theirs_app, ours_app = load(APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient as FastAPITestClient
    return FastAPITestClient(theirs_app), TestClient(ours_app)


def load(source: str):
    """``(fastapi_app, fasterapi_app)`` from one source (``fasterapi.responses`` is
    ``fastapi.responses`` on FastAPI's side)."""
    return params_harness.load(source)


def _view(response, streamed: bool = False) -> dict:
    headers = {name: response.headers.get_list(name) for name in COMPARED_HEADERS}
    if not streamed:
        headers["content-length"] = response.headers.get_list("content-length")
    return {
        "status": response.status_code,
        "headers": headers,
        "content": response.content,
        "history": [(r.status_code, r.headers.get("location")) for r in response.history],
        "url": str(response.url),
        "is_success": response.is_success,
        "is_redirect": response.is_redirect,
    }


CALLS = [
    ("get", "/json", {}),
    ("get", "/items/3", {"params": {"q": "a b/é", "tags": ["x", "y"]}}),
    ("get", "/items/3?q=kept", {}),
    ("get", "/items/x", {}),
    ("post", "/items", {"json": {"name": "Foo", "price": "2.5"}}),
    ("post", "/items", {"json": {"price": -1}}),
    ("post", "/items", {"content": b'{"name": ', "headers": {"content-type": "application/json"}}),
    ("put", "/items/4", {"json": {"name": "Bar"}}),
    ("patch", "/items/4", {"json": {"é": [1, None, True]}}),
    ("delete", "/items/4", {}),
    ("options", "/items", {}),
    ("post", "/form", {"data": {"name": "n", "tags": ["a", "b"]}}),
    ("post", "/form", {"data": {"tags": "a"}}),
    ("post", "/upload", {"files": {"file": ("a.txt", b"hello", "text/plain")}, "data": {"note": "hi"}}),
    ("post", "/upload", {"files": {"file": ("pic.png", io.BytesIO(b"\x89PNG..."))}}),
    ("post", "/upload", {"files": {"file": b"raw bytes"}}),
    ("post", "/uploads", {"files": [("files", ("a.txt", b"A")), ("files", ("b.txt", "B"))]}),
    ("post", "/raw", {"content": "héllo"}),
    ("post", "/raw", {"content": b"x=1", "headers": {"Content-Type": "text/x-custom"}}),
    ("get", "/headers", {"headers": {"X-Token": "t1"}}),
    ("get", "/headers", {"auth": ("user", "pässword")}),
    ("get", "/request", {"params": [("a", "1"), ("a", "2"), ("b", "")]}),
    ("get", "/request?x=1&a=0", {"params": {"a": 1.5, "t": True, "n": None}}),
    ("get", "/request?x=y%20z", {}),
    ("get", "/redirect", {}),
    ("get", "/redirect", {"follow_redirects": False}),
    ("post", "/redirect-303", {"json": {"dropped": True}}),
    ("get", "/redirect-chain/3", {}),
    ("get", "/teapot", {}),
    ("get", "/html", {}),
    ("get", "/text", {}),
    ("get", "/nope", {}),
    ("get", "http://testserver/json", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), CALLS, ids=[f"{m} {u} {sorted(k)}" for m, u, k in CALLS])
def test_answers_match_fastapis_testclient(clients, method, url, kwargs):
    theirs, ours = clients
    # Each client gets its own copy (a file object is read by the first one to send it).
    expected = _view(getattr(theirs, method)(url, **copy.deepcopy(kwargs)))
    actual = _view(getattr(ours, method)(url, **copy.deepcopy(kwargs)))
    assert actual == expected


@pytest.mark.parametrize("url", ["/stream", "/async-stream"])
def test_streamed_bodies_are_collected(clients, url):
    theirs, ours = clients
    expected, actual = theirs.get(url), ours.get(url)
    assert _view(actual, streamed=True) == _view(expected, streamed=True)
    assert actual.headers["transfer-encoding"] == "chunked"  # as the server frames them
    assert list(actual.iter_lines()) == list(expected.iter_lines())


def test_405_allows_the_same_methods_and_head(clients):
    """One deliberate difference: the server answers HEAD for every GET route (FastAPI's
    routes answer it 405), so ``Allow`` names HEAD too."""
    theirs, ours = clients
    expected, actual = theirs.post("/json"), ours.post("/json")
    assert (actual.status_code, actual.json()) == (expected.status_code, expected.json())
    methods = lambda r: sorted(m.strip() for m in r.headers["allow"].split(","))  # noqa: E731
    assert methods(actual) == sorted(methods(expected) + ["HEAD"])
    assert theirs.head("/json").status_code == 405
    head = ours.head("/json")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "17")


def test_cookie_jar_persists_like_fastapis():
    for client in _fresh_clients():
        assert client.get("/cookies/read").json() == {"session": None, "theme": None}
        response = client.get("/cookies/set")
        assert dict(response.cookies) == {"session": "abc123", "theme": "dark"}
        assert client.cookies["session"] == "abc123"
        assert client.get("/cookies/read").json() == {"session": "abc123", "theme": "dark"}
        client.cookies.set("theme", "light")
        assert client.get("/cookies/read").json()["theme"] == "light"
        client.get("/cookies/delete")
        assert "session" not in client.cookies
        assert client.get("/cookies/read").json() == {"session": None, "theme": "light"}
        client.cookies.clear()
        assert client.get("/cookies/read").json() == {"session": None, "theme": None}
        # Per-request cookies join the jar's for that request only.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert client.get("/cookies/read", cookies={"session": "once"}).json()["session"] == "once"
        assert client.get("/cookies/read").json()["session"] is None


def test_client_level_options_like_fastapis():
    for client in _fresh_clients(headers={"X-Token": "client-wide", "User-Agent": "mine/1"}, cookies={"session": "init"},
                                 base_url="http://example.org"):
        answer = client.get("/request").json()
        assert answer["host"] == "example.org"
        assert client.get("/headers").json()["user_agent"] == "mine/1"
        assert client.get("/headers", headers={"user-agent": "per-request"}).json()["user_agent"] == "per-request"
        assert client.get("/headers").json()["x_token"] == "client-wide"
        assert client.get("/headers", headers={"x-token": "mine"}).json()["x_token"] == "mine"
        assert client.get("/cookies/read").json()["session"] == "init"
        assert str(client.get("/json").url) == "http://example.org/json"
    for client in _fresh_clients(follow_redirects=False):
        response = client.get("/redirect")
        assert (response.status_code, response.headers["location"], response.is_redirect) == (307, "/json", True)
        assert client.get("/redirect", follow_redirects=True).status_code == 200


def test_headers_are_case_insensitive_and_multi_valued():
    app = FasterAPI()

    @app.get("/two-cookies")
    def two_cookies():
        from fasterapi import PlainTextResponse

        response = PlainTextResponse("ok")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    response = TestClient(app).get("/two-cookies")
    assert response.headers["Content-Type"] == response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "CONTENT-TYPE" in response.headers
    assert [c.split(";")[0] for c in response.headers.get_list("set-cookie")] == ["a=1", "b=2"]
    assert response.headers["set-cookie"].count(", ") >= 1  # joined, as httpx joins them
    assert response.headers["server"] == "fasterapi"  # what the server itself writes
    assert dict(response.cookies) == {"a": "1", "b": "2"}


def test_raise_for_status_and_too_many_redirects():
    theirs_app, ours_app = load(APP)
    client = TestClient(ours_app)
    assert client.get("/json").raise_for_status().status_code == 200
    with pytest.raises(HTTPStatusError) as info:
        client.get("/teapot").raise_for_status()
    assert info.value.response.status_code == 418 and "418" in str(info.value)
    with pytest.raises(TooManyRedirects):
        client.get("/redirect-chain/25")


def _fresh_clients(**options):
    """A FastAPI client and ours over new copies of the app (cookie jars start empty)."""
    theirs_app, ours_app = load(APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient as FastAPITestClient
    return FastAPITestClient(theirs_app, **options), TestClient(ours_app, **options)


# -- what only ours must do ------------------------------------------------------------


def test_misses_and_head_are_the_servers_answers():
    app = FasterAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return {"item_id": item_id}

    @app.post("/items")
    def create():
        return {}

    @app.get("/peer")
    def peer(request: Request):
        return {"client": list(request.client)}

    client = TestClient(app, follow_redirects=False)
    assert client.get("/peer").json() == {"client": ["127.0.0.1", 50000]}
    missing = client.get("/nothing")
    assert (missing.status_code, missing.content) == (404, b'{"detail":"Not Found"}')
    wrong = client.delete("/items/1")
    assert (wrong.status_code, wrong.headers["allow"], wrong.json()) == (405, "GET, HEAD", {"detail": "Method Not Allowed"})
    slash = client.get("/items/?x=1")
    assert (slash.status_code, slash.headers["location"]) == (307, "/items?x=1")
    head = client.head("/items/5")
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(b'{"item_id":5}')))
    # The server's parser and limits: a request it refuses never reaches the app.
    refused = client.get("/items/1", headers={"host": "bad host"})
    assert (refused.status_code, refused.text) == (400, "Bad Request: invalid Host header")


def test_unhandled_exceptions_are_raised_in_the_test_or_answered_500():
    app = FasterAPI()

    class Boom(Exception):
        pass

    @app.get("/sync")
    def sync_boom():
        raise Boom("sync")

    @app.get("/async")
    async def async_boom():
        await asyncio.sleep(0)
        raise Boom("async")

    client = TestClient(app)
    with pytest.raises(Boom, match="sync"):
        client.get("/sync")
    with pytest.raises(Boom, match="async"):
        client.get("/async")
    assert client.get("/nothing").status_code == 404  # the client keeps working
    quiet = TestClient(app, raise_server_exceptions=False)
    for url in ("/sync", "/async"):
        response = quiet.get(url)
        assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_a_failing_stream_raises_in_the_test_or_is_cut_off():
    app = FasterAPI()

    class Midway(Exception):
        pass

    @app.get("/broken")
    def broken():
        def chunks():
            yield b"first"
            raise Midway("sync")

        return StreamingResponse(chunks())

    @app.get("/broken-async")
    def broken_async():
        async def chunks():
            yield b"first"
            raise Midway("async")

        return StreamingResponse(chunks())

    for url, message in (("/broken", "sync"), ("/broken-async", "async")):
        with pytest.raises(Midway, match=message):
            TestClient(app).get(url)
        assert TestClient(app, raise_server_exceptions=False).get(url).content == b"first"


def test_lifespan_hooks_run_around_the_with_block_on_the_requests_loop():
    app = FasterAPI()
    events = []

    async def startup():
        events.append(("startup", asyncio.get_running_loop()))

    def shutdown():
        events.append(("shutdown", None))

    app._startup = startup
    app._shutdown = shutdown

    @app.get("/loop")
    async def loop():
        return {"same": asyncio.get_running_loop() is events[0][1]}

    with TestClient(app) as client:
        assert [e for e, _ in events] == ["startup"]
        assert client.get("/loop").json() == {"same": True}
    assert [e for e, _ in events] == ["startup", "shutdown"]


def test_routes_added_after_the_client_was_made_are_served():
    app = FasterAPI()
    client = TestClient(app)
    assert client.get("/late").status_code == 404

    @app.get("/late")
    def late():
        return {"late": True}

    assert client.get("/late").json() == {"late": True}


def test_usable_from_inside_a_running_event_loop():
    app = FasterAPI()

    @app.get("/async")
    async def endpoint():
        await asyncio.sleep(0)
        return {"ok": True}

    events = []
    app._startup = lambda: events.append("startup")

    async def shutdown():
        events.append("shutdown")

    app._shutdown = shutdown

    async def an_async_test():
        with TestClient(app) as client:
            return client.get("/async").json()

    assert asyncio.run(an_async_test()) == {"ok": True}
    assert events == ["startup", "shutdown"]


def test_bad_header_values_are_refused_before_sending():
    client = TestClient(FasterAPI())
    with pytest.raises(ValueError, match="CR, LF and NUL"):
        client.get("/", headers={"x-injected": "a\r\nx-evil: 1"})
