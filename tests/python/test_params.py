"""Parameter binding and conversions (FastAPI rules)."""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Optional

from fasterapi import Body, FasterAPI, Header, Query, Request
from fasterapi.testclient import TestClient


class Color(enum.Enum):
    red = "r"
    green = "g"
    blue = "b"


class Level(enum.IntEnum):
    low = 1
    high = 2


def make_app() -> FasterAPI:
    app = FasterAPI()

    @app.get("/users/{user_id}")
    def user(user_id: int, q: str | None = None):
        return {"user_id": user_id, "q": q}

    @app.get("/flag")
    def flag(on: bool):
        return {"on": on}

    @app.get("/color/{color}")
    def color(color: Color, level: Level = Level.low):
        return {"color": color, "level": level}

    @app.get("/uuid/{ident}")
    def ident(ident: uuid.UUID):
        return {"id": str(ident)}

    @app.get("/many")
    def many(ids: list[int] = Query([]), tag: Optional[list[str]] = Query(None)):
        return {"ids": ids, "tag": tag}

    @app.get("/alias")
    def alias(search: str = Query("none", alias="q"), limit: Annotated[int, Query(ge=1, le=10)] = 5):
        return {"search": search, "limit": limit}

    @app.get("/headers")
    def headers(x_agent: str = Header(), x_token: list[str] = Header([])):
        return {"ua": x_agent, "tokens": x_token}

    @app.get("/req")
    def req(request: Request):
        return {"path": request.url.path, "q": request.query_params.get("a")}

    @app.post("/embed")
    def embed(a: int = Body(embed=True)):
        return {"a": a}

    @app.post("/two")
    def two(a: dict, b: list[int]):
        return {"a": a, "b": b}

    @app.post("/optional-body")
    def optional_body(data: dict | None = None):
        return {"data": data}

    return app


def test_path_and_query():
    client = TestClient(make_app())
    assert client.get("/users/12").json() == {"user_id": 12, "q": None}
    assert client.get("/users/12?q=a%20b").json() == {"user_id": 12, "q": "a b"}
    assert client.get("/users/+7?q=x&q=y").json() == {"user_id": 7, "q": "y"}  # last value wins


def test_bool_strings():
    client = TestClient(make_app())
    for text in ("1", "true", "True", "ON", "yes", "t", "y"):
        assert client.get(f"/flag?on={text}").json() == {"on": True}, text
    for text in ("0", "false", "OFF", "no", "f", "n"):
        assert client.get(f"/flag?on={text}").json() == {"on": False}, text
    r = client.get("/flag?on=maybe")
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"type": "bool_parsing", "loc": ["query", "on"], "msg": "Input should be a valid boolean, unable to interpret input", "input": "maybe"}
    ]


def test_enum():
    client = TestClient(make_app())
    assert client.get("/color/g?level=2").json() == {"color": Color.green.value, "level": Level.high.value}
    r = client.get("/color/x")
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "type": "enum",
            "loc": ["path", "color"],
            "msg": "Input should be 'r', 'g' or 'b'",
            "input": "x",
            "ctx": {"expected": "'r', 'g' or 'b'"},
        }
    ]
    assert client.get("/color/r?level=3").json()["detail"][0]["msg"] == "Input should be 1 or 2"


def test_uuid():
    client = TestClient(make_app())
    value = "6f1c2b1a-9a3e-4c4f-8d2e-0b1c2d3e4f50"
    assert client.get(f"/uuid/{value}").json() == {"id": value}
    assert client.get("/uuid/6f1c2b1a9a3e4c4f8d2e0b1c2d3e4f50").json() == {"id": value}
    error = client.get("/uuid/xyz").json()["detail"][0]
    assert error["type"] == "uuid_parsing"
    assert error["loc"] == ["path", "ident"]
    assert error["msg"].startswith("Input should be a valid UUID, ")
    assert error["msg"] == f"Input should be a valid UUID, {error['ctx']['error']}"


def test_list_query():
    client = TestClient(make_app())
    assert client.get("/many?ids=1&ids=2&tag=a").json() == {"ids": [1, 2], "tag": ["a"]}
    assert client.get("/many").json() == {"ids": [], "tag": None}
    r = client.get("/many?ids=1&ids=x")
    assert r.json()["detail"] == [
        {"type": "int_parsing", "loc": ["query", "ids", 1], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "x"}
    ]


def test_alias_and_constraints():
    client = TestClient(make_app())
    assert client.get("/alias?q=hi").json() == {"search": "hi", "limit": 5}
    r = client.get("/alias?limit=0")
    assert r.json()["detail"] == [
        {"type": "greater_than_equal", "loc": ["query", "limit"], "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}}
    ]


def test_headers():
    client = TestClient(make_app())
    r = client.get("/headers", headers={"X-Agent": "t", "X-Token": "a"})
    assert r.json() == {"ua": "t", "tokens": ["a"]}
    r = client.get("/headers")
    assert r.json()["detail"] == [{"type": "missing", "loc": ["header", "x-agent"], "msg": "Field required", "input": None}]


def test_request_parameter():
    client = TestClient(make_app())
    assert client.get("/req?a=1").json() == {"path": "/req", "q": "1"}


def test_all_errors_are_collected():
    client = TestClient(make_app())
    r = client.get("/users/abc?q=1")
    assert r.status_code == 422
    app = FasterAPI()

    @app.get("/x/{a}")
    def x(a: int, b: float, c: int):
        return {}

    r = TestClient(app).get("/x/zz?b=nope")
    assert r.json()["detail"] == [
        {"type": "int_parsing", "loc": ["path", "a"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "zz"},
        {"type": "float_parsing", "loc": ["query", "b"], "msg": "Input should be a valid number, unable to parse string as a number", "input": "nope"},
        {"type": "missing", "loc": ["query", "c"], "msg": "Field required", "input": None},
    ]


def test_embedded_and_multiple_body_params():
    client = TestClient(make_app())
    assert client.post("/embed", json={"a": "3"}).json() == {"a": 3}
    assert client.post("/embed", json={}).json()["detail"] == [{"type": "missing", "loc": ["body", "a"], "msg": "Field required", "input": None}]
    assert client.post("/two", json={"a": {"k": 1}, "b": [1, "2"]}).json() == {"a": {"k": 1}, "b": [1, 2]}
    assert client.post("/two", json={"a": [], "b": {}}).json()["detail"] == [
        {"type": "dict_type", "loc": ["body", "a"], "msg": "Input should be a valid dictionary", "input": []},
        {"type": "list_type", "loc": ["body", "b"], "msg": "Input should be a valid list", "input": {}},
    ]


def test_optional_body():
    client = TestClient(make_app())
    assert client.post("/optional-body").json() == {"data": None}
    assert client.post("/optional-body", json={"x": 1}).json() == {"data": {"x": 1}}
