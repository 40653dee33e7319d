"""JSON bodies bound to dataclasses, invalid JSON, missing bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from fasterapi import FasterAPI
from fasterapi.testclient import TestClient


@dataclass
class Dimensions:
    width: float
    height: float = 1.0


@dataclass
class Item:
    name: str
    price: float
    tags: list[str] = field(default_factory=list)
    size: Optional[Dimensions] = None
    in_stock: bool = True


#: What the endpoint received, per call (the answer is JSON; the binding is checked here).
received: list = []


def make_client():
    app = FasterAPI()

    @app.post("/items", status_code=201)
    def create(item: Item):
        assert isinstance(item, Item)
        received.append(item)
        return {"item": item}

    return TestClient(app)


def test_dataclass_binding():
    client = make_client()
    r = client.post("/items", json={"name": "a", "price": 2, "size": {"width": "3"}})
    assert r.status_code == 201
    item = received[-1]
    assert item == Item(name="a", price=2.0, tags=[], size=Dimensions(width=3.0), in_stock=True)
    assert isinstance(item.price, float)
    assert r.json()["item"] == {"name": "a", "price": 2.0, "tags": [], "size": {"width": 3.0, "height": 1.0}, "in_stock": True}


def test_numeric_strings_are_accepted_in_lax_mode():
    client = make_client()
    assert client.post("/items", json={"name": "a", "price": "9.5"}).json()["item"]["price"] == 9.5
    assert received[-1].price == 9.5


def test_field_errors_are_not_embedded_and_all_reported():
    client = make_client()
    body = {"price": "x", "tags": ["ok", 3], "size": {"width": []}}
    r = client.post("/items", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"type": "missing", "loc": ["body", "name"], "msg": "Field required", "input": body},
        {"type": "float_parsing", "loc": ["body", "price"], "msg": "Input should be a valid number, unable to parse string as a number", "input": "x"},
        {"type": "string_type", "loc": ["body", "tags", 1], "msg": "Input should be a valid string", "input": 3},
        {"type": "float_type", "loc": ["body", "size", "width"], "msg": "Input should be a valid number", "input": []},
    ]


def test_invalid_json_is_422_not_500():
    client = make_client()
    r = client.post("/items", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body", 9]
    assert error["msg"] == "JSON decode error"
    assert error["input"] == {}
    assert isinstance(error["ctx"]["error"], str)


def test_missing_body():
    client = make_client()
    r = client.post("/items")
    assert r.status_code == 422
    assert r.json() == {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]}


def test_body_of_wrong_type():
    client = make_client()
    r = client.post("/items", json=[1])
    assert r.json()["detail"] == [
        {"type": "dataclass_type", "loc": ["body"], "msg": "Input should be a dictionary or an instance of Item", "input": [1], "ctx": {"class_name": "Item"}}
    ]
