from __future__ import annotations

import asyncio

from conftest import FakeRequest

from fasterapi import Request
from fasterapi.datastructures import Headers


def test_headers_are_case_insensitive_multi_dict():
    h = Headers([("accept", "a"), ("x-a", "1"), ("x-a", "2")])
    assert h["X-A"] == "1"
    assert h.get("X-a") == "1"
    assert h.getlist("x-a") == ["1", "2"]
    assert h.get("nope") is None
    assert "ACCEPT" in h
    assert h.items() == [("accept", "a"), ("x-a", "1"), ("x-a", "2")]


def test_request_wrapper():
    native = FakeRequest(
        method="POST",
        path="/a b",
        query_string=b"x=1&x=2&y=%20",
        headers=[("host", "example.com:8000"), ("cookie", "s=abc; t=1")],
        body=b'{"k": [1]}',
        path_params={"id": "3"},
    )
    request = Request(native)
    assert request.method == "POST"
    assert request.url.path == "/a b"
    assert request.url.query == "x=1&x=2&y=%20"
    assert str(request.url) == "http://example.com:8000/a b?x=1&x=2&y=%20"
    assert request.query_params["x"] == "2"
    assert request.query_params.getlist("x") == ["1", "2"]
    assert request.query_params["y"] == " "
    assert request.path_params == {"id": "3"}
    assert request.client.host == "127.0.0.1" and request.client.port == 50000
    assert request.cookies == {"s": "abc", "t": "1"}
    assert request.content == b'{"k": [1]}'
    assert request.json_body == {"k": [1]}
    assert request.json_body is request.json_body  # cached
    assert asyncio.run(request.body()) == b'{"k": [1]}'
    assert asyncio.run(request.json()) == {"k": [1]}


def test_client_may_be_absent():
    assert Request(FakeRequest(client=None)).client is None
