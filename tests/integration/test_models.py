"""Models over the real server (1 and 2 cores): each core validates with its own native schema."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.helpers import fetch, post_json
from tests.integration.server import Server


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def models_server(request):
    srv = Server("tests.apps.models:app", cores=request.param).start()
    yield srv
    srv.stop_and_check()


def test_nested_body_and_return_annotation(models_server):
    item = {"name": "Foo", "price": "35.4", "tags": ["sale", "new", "sale"], "images": [{"url": "http://x/a.png", "name": "a"}]}
    r = post_json(models_server, "/items", item)
    assert r.status == 200, r
    body = r.json()
    assert body["price"] == 35.4 and sorted(body["tags"]) == ["new", "sale"] and body["total"] == 35.4
    assert body["images"] == [{"url": "http://x/a.png", "name": "a"}] and body["description"] is None


def test_validation_errors_are_pydantics(models_server):
    r = post_json(models_server, "/items", {"name": "", "price": -1, "tags": ["old"], "images": [{"url": 1}]})
    assert r.status == 422
    detail = r.json()["detail"]
    assert [(e["type"], e["loc"]) for e in detail] == [
        ("string_too_short", ["body", "name"]),
        ("greater_than", ["body", "price"]),
        ("enum", ["body", "tags", 0]),
        ("string_type", ["body", "images", 0, "url"]),
        ("missing", ["body", "images", 0, "name"]),
    ]
    assert detail[1]["ctx"] == {"gt": 0} and detail[1]["msg"] == "Input should be greater than 0"
    assert detail[2]["msg"] == "Input should be 'new' or 'sale'"


def test_malformed_and_missing_bodies(models_server):
    r = fetch(models_server, "POST", "/items", body=b'{"name": "x", ', headers={"content-type": "application/json"})
    assert r.status == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = fetch(models_server, "POST", "/items", body=b"", headers={"content-type": "application/json"})
    assert r.status == 422 and r.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
    deep = b"[" * 10000 + b"]" * 10000
    r = fetch(models_server, "POST", "/items", body=deep, headers={"content-type": "application/json"})
    # As FastAPI: the stdlib parser gives up (RecursionError) -> 400.
    assert r.status == 400 and r.json() == {"detail": "There was an error parsing the body"}
    assert fetch(models_server, "GET", "/items/1").status == 200  # still serving


def test_async_endpoint_with_list_of_models(models_server):
    offer = {"name": "o", "items": [{"name": f"i{i}", "price": i + 1} for i in range(50)]}
    r = post_json(models_server, "/offers", offer)
    assert r.status == 200 and len(r.json()["items"]) == 50


def test_response_model_filters_output(models_server):
    r = post_json(models_server, "/users", {"username": "ada", "password": "secret", "email": "a@x.io"})
    assert r.status == 200 and r.json() == {"username": "ada", "email": "a@x.io", "full_name": None}
    r = post_json(models_server, "/users", {"username": "a b", "password": "s", "email": "e"})
    assert r.status == 422
    error = r.json()["detail"][0]
    assert error["type"] == "value_error" and error["msg"] == "Value error, must not contain spaces"
    assert error["loc"] == ["body", "username"]


def test_response_model_exclude_unset_and_errors(models_server):
    r = fetch(models_server, "GET", "/items/1")
    assert r.status == 200 and r.json() == {"name": "Foo", "price": 50.2, "total": 50.2}
    assert fetch(models_server, "GET", "/items/2").status == 404
    r = fetch(models_server, "GET", "/broken")
    assert r.status == 500 and b"email" not in r.body  # no traceback or detail leaks


def test_extra_types_and_model_validators(models_server):
    event = {"id": "12345678-1234-5678-1234-567812345678", "at": "2032-04-23T10:20:30.4+02:30", "duration": "PT30M", "kind": "call"}
    r = post_json(models_server, "/events", event)
    assert r.status == 201, r
    assert r.json() == {"id": event["id"], "at": "2032-04-23T10:20:30.400000+02:30", "duration": "PT30M", "kind": "call"}
    r = post_json(models_server, "/events", dict(event, duration="PT2H"))
    assert r.status == 422 and r.json()["detail"][0]["msg"] == "Value error, calls last at most an hour"
    r = post_json(models_server, "/events", dict(event, extra=1))
    assert r.status == 422 and r.json()["detail"][0]["type"] == "extra_forbidden"


def test_discriminated_unions_on_every_core(models_server):
    def one(i):
        pet = {"pet_type": "cat", "meows": i} if i % 2 else {"pet_type": "dog", "barks": i}
        return post_json(models_server, "/owners", {"name": "o", "pet": pet}).json()

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(100)))
    assert {r["pet"] for r in results} == {"Cat", "Dog"}
    r = post_json(models_server, "/owners", {"name": "o", "pet": {"pet_type": "fish"}})
    assert r.status == 422 and r.json()["detail"][0]["type"] == "union_tag_invalid"
