"""Which routes get a native plan (fasterapi/_fastpath.py), and what the plan says."""

import asyncio
import types

from fasterapi import FasterAPI, HTTPException, Query, Request


def plans(app):
    return {(r.method, r.path): r.native_plan for r in app._compile_routes()}


def test_simple_path_and_query_parameters_get_a_plan():
    app = FasterAPI()

    @app.get("/users/{user_id}")
    def user(user_id: int, q: str | None = None, limit: int = 10, ratio: float = 0.5, name=None):
        return {}

    call, entries = plans(app)[("GET", "/users/{user_id}")]
    assert entries == (
        ("user_id", False, 1, True, None),
        ("q", True, 0, False, None),
        ("limit", True, 1, False, 10),
        ("ratio", True, 2, False, 0.5),
        ("name", True, 0, False, None),
    )
    assert call(object(), 1, "x", 2, 0.25, None) == {}


def test_aliases_are_looked_up_by_their_key():
    app = FasterAPI()

    @app.get("/a")
    def a(item_id: int = Query(0, alias="item-id")):
        return item_id

    _, entries = plans(app)[("GET", "/a")]
    assert entries == (("item-id", True, 1, False, 0),)


def test_routes_the_bridge_cannot_extract_stay_in_python():
    app = FasterAPI()

    @app.get("/none")
    def no_params():
        return {}

    @app.get("/req")
    def with_request(request: Request, x: int):
        return {}

    @app.get("/bool")
    def with_bool(flag: bool = False):
        return {}

    @app.get("/list")
    def with_list(ids: list[int] = Query([])):
        return {}

    @app.get("/constrained")
    def constrained(n: int = Query(1, ge=1)):
        return {}

    @app.get("/query-marker")
    def query_marker(tags: str | None = Query(None)):
        return {}

    @app.post("/body")
    def body(data: dict):
        return {}

    p = plans(app)
    for path in ("/none", "/req", "/bool", "/list", "/constrained", "/body"):
        method = "POST" if path == "/body" else "GET"
        assert p[(method, path)] is None, path
    assert p[("GET", "/query-marker")] is not None


def test_the_generated_call_keeps_the_routes_error_handling():
    app = FasterAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int):
        raise HTTPException(404, "gone", headers={"X-A": "1"})

    call, _ = plans(app)[("GET", "/items/{item_id}")]
    response = call(object(), 3)
    assert response.status_code == 404
    assert response.body == b'{"detail":"gone"}'
    assert (b"x-a", b"1") in response.raw_headers


def test_async_endpoints_get_a_coroutine_whose_errors_reach_the_exception_handlers():
    app = FasterAPI()

    @app.get("/a/{x}")
    async def a(x: int):
        if x < 0:
            raise HTTPException(404, "negative")
        return {"x": x}

    call, _ = plans(app)[("GET", "/a/{x}")]
    coro = call(object(), 4)
    assert isinstance(coro, types.CoroutineType)  # the bridge runs it as a task
    assert asyncio.run(coro) == {"x": 4}
    response = asyncio.run(call(object(), -1))
    assert response.status_code == 404
    assert response.body == b'{"detail":"negative"}'
