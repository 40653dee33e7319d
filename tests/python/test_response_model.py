"""response_model and return annotations: validation, filtering and serialization of what
an endpoint returns (FastAPI's rules), through the compiled route handlers."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from fasterapi import BaseModel, FasterAPI, Field
from fasterapi._response_model import ResponseValidationError
from fasterapi.responses import JSONResponse, Response
from fasterapi.testclient import TestClient


class UserIn(BaseModel):
    username: str
    password: str
    email: str
    full_name: str | None = None


class UserOut(BaseModel):
    username: str
    email: str
    full_name: str | None = None


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[str] = []
    item_id: int = Field(0, alias="itemId")


@dataclasses.dataclass
class Point:
    x: int
    y: int


def make_app():
    app = FasterAPI()

    @app.post("/user", response_model=UserOut)
    def create_user(user: UserIn):
        return user

    @app.get("/annotated")
    def annotated() -> UserOut:
        return {"username": "a", "email": "e", "password": "hidden"}

    @app.get("/list")
    def many() -> list[UserOut]:
        return [UserIn(username="a", password="p", email="e"), {"username": "b", "email": "f"}]

    @app.get("/none-model", response_model=None)
    def no_model() -> UserOut:
        return {"anything": "goes"}

    @app.get("/response-annotation")
    def response_annotation() -> Response:
        return JSONResponse({"raw": True})

    @app.get("/unset", response_model=Item, response_model_exclude_unset=True)
    def unset():
        return Item(name="Foo", price=50.2)

    @app.get("/defaults", response_model=Item, response_model_exclude_defaults=True)
    def defaults():
        return {"name": "Foo", "price": 50.2, "tax": 10.5}

    @app.get("/none", response_model=Item, response_model_exclude_none=True)
    def none():
        return {"name": "Foo", "price": 1}

    @app.get("/include", response_model=Item, response_model_include={"name", "description"})
    def include():
        return {"name": "Foo", "price": 1}

    @app.get("/exclude", response_model=Item, response_model_exclude=["tax"])
    def exclude():
        return {"name": "Foo", "price": 1}

    @app.get("/alias", response_model=Item)
    def alias():
        return Item(name="Foo", price=1, itemId=7)

    @app.get("/no-alias", response_model=Item, response_model_by_alias=False)
    def no_alias():
        return Item(name="Foo", price=1, itemId=7)

    @app.get("/bad", response_model=UserOut)
    def bad():
        return {"username": "x"}

    @app.post("/created", status_code=201)
    async def created(item: Item) -> Item:
        return item

    @app.get("/dataclass")
    def point() -> Point:
        return Point(1, 2)

    return app


@pytest.fixture(scope="module")
def client():
    return TestClient(make_app())


def test_response_model_filters_the_input_model(client):
    r = client.post("/user", json={"username": "u", "password": "secret", "email": "e"})
    assert r.status_code == 200 and r.json() == {"username": "u", "email": "e", "full_name": None}
    assert r.headers["content-type"] == "application/json"


def test_return_annotation_is_the_response_model(client):
    assert client.get("/annotated").json() == {"username": "a", "email": "e", "full_name": None}
    assert client.get("/list").json() == [
        {"username": "a", "email": "e", "full_name": None},
        {"username": "b", "email": "f", "full_name": None},
    ]
    assert client.get("/dataclass").json() == {"x": 1, "y": 2}


def test_response_model_none_and_response_classes_are_left_alone(client):
    assert client.get("/none-model").json() == {"anything": "goes"}
    assert client.get("/response-annotation").json() == {"raw": True}


def test_exclude_options(client):
    assert client.get("/unset").json() == {"name": "Foo", "price": 50.2}
    assert client.get("/defaults").json() == {"name": "Foo", "price": 50.2}
    assert client.get("/none").json() == {"name": "Foo", "price": 1.0, "tax": 10.5, "tags": [], "itemId": 0}
    assert client.get("/include").json() == {"name": "Foo", "description": None}
    assert "tax" not in client.get("/exclude").json()


def test_aliases_are_used_unless_turned_off(client):
    assert client.get("/alias").json()["itemId"] == 7
    body = client.get("/no-alias").json()
    assert body["item_id"] == 7 and "itemId" not in body


def test_a_mismatching_return_value_is_a_server_error(client):
    with pytest.raises(ResponseValidationError) as info:
        client.get("/bad")
    assert info.value.errors()[0]["loc"] == ["response", "email"]


def test_status_code_and_async_endpoints(client):
    r = client.post("/created", json={"name": "n", "price": "2"})
    assert r.status_code == 201 and r.json()["price"] == 2.0


def test_an_invalid_response_model_is_a_startup_error():
    app = FasterAPI()

    class Thing:
        pass

    @app.get("/x", response_model=Thing)
    def x():
        return 1

    with pytest.raises(TypeError, match="response_model"):
        app._compile_routes()


# --- models written by the bridge -------------------------------------------------------------

class Event(BaseModel):
    name: str = Field(serialization_alias="eventName")
    payload: Any = None


def test_returned_models_are_written_by_their_schema_by_alias():
    # With or without a response_model, the bridge writes the instance with its class's schema
    # (by alias, as FastAPI's encoder does); values only Python can encode inside it (an Any
    # holding a datetime) go through the Python encoder instead, with the same result.
    app = FasterAPI()

    @app.get("/plain")
    def plain() -> Any:
        return Event(name="a", payload={"n": 1})

    @app.get("/typed", response_model=Event)
    def typed():
        return Event(name="b", payload=[1, 2])

    @app.get("/python-only")
    def python_only() -> Any:
        return Event(name="c", payload=datetime.datetime(2024, 1, 2, 3, 4, 5))

    @app.post("/echo", response_model=Event)
    def echo(event: Event):
        return event

    client = TestClient(app)
    assert client.get("/plain").json() == {"eventName": "a", "payload": {"n": 1}}
    assert client.get("/typed").json() == {"eventName": "b", "payload": [1, 2]}
    assert client.get("/python-only").json() == {"eventName": "c", "payload": "2024-01-02T03:04:05"}
    answer = client.post("/echo", content=b'{"name": "d", "payload": {"k": [true, null]}}',
                         headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {"eventName": "d", "payload": {"k": [True, None]}}
