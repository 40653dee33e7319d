"""Responses, the header view, exceptions turned into responses."""

from __future__ import annotations

from fasterapi import FasterAPI, HTMLResponse, HTTPException, JSONResponse, PlainTextResponse, Response
from fasterapi.testclient import TestClient


def test_plain_response_headers():
    r = Response("hi", media_type="text/plain")
    assert r.body == b"hi"
    assert r.status_code == 200
    assert r.raw_headers == [(b"content-type", b"text/plain; charset=utf-8")]
    assert Response().raw_headers == []
    assert Response(b"x", media_type="application/octet-stream").raw_headers == [(b"content-type", b"application/octet-stream")]


def test_subclasses():
    assert PlainTextResponse("a").raw_headers == [(b"content-type", b"text/plain; charset=utf-8")]
    assert HTMLResponse("<b>").raw_headers == [(b"content-type", b"text/html; charset=utf-8")]
    r = JSONResponse({"a": 1, "b": "é"}, status_code=201)
    assert r.body == '{"a":1,"b":"é"}'.encode()
    assert r.status_code == 201
    assert r.raw_headers == [(b"content-type", b"application/json")]


def test_json_response_falls_back_to_jsonable_encoder():
    import uuid

    u = uuid.UUID(int=1)
    assert JSONResponse({"id": u, "s": {1}}).body == f'{{"id":"{u}","s":[1]}}'.encode()


def test_user_headers_never_include_content_length():
    r = Response("x", headers={"Content-Length": "99", "X-A": "1"}, media_type="text/plain")
    assert (b"x-a", b"1") in r.raw_headers
    assert all(k != b"content-length" for k, _ in r.raw_headers)


def test_mutable_header_view():
    r = JSONResponse({})
    r.headers["X-A"] = "1"
    assert r.raw_headers[-1] == (b"x-a", b"1")
    r.headers["x-a"] = "2"
    assert [v for k, v in r.raw_headers if k == b"x-a"] == [b"2"]
    assert r.headers["X-A"] == "2"
    assert "x-a" in r.headers
    r.headers.append("set-cookie", "a=1")
    r.headers.append("set-cookie", "b=2")
    assert r.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    del r.headers["set-cookie"]
    assert "set-cookie" not in r.headers
    assert r.headers.get("missing") is None


def test_http_exception_response():
    app = FasterAPI()

    @app.get("/missing")
    def missing():
        raise HTTPException(404)

    @app.get("/teapot")
    async def teapot():
        raise HTTPException(418, detail={"why": "tea"}, headers={"X-Tea": "yes"})

    client = TestClient(app)
    r = client.get("/missing")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
    r = client.get("/teapot")
    assert (r.status_code, r.json()) == (418, {"detail": {"why": "tea"}})
    assert r.headers["x-tea"] == "yes"


def test_custom_exception_handler():
    app = FasterAPI()

    class Boom(Exception):
        pass

    @app.exception_handler(Boom)
    async def on_boom(request, exc):
        return JSONResponse({"boom": request.url.path}, status_code=409)

    @app.get("/boom")
    def boom():
        raise Boom()

    r = TestClient(app).get("/boom")
    assert (r.status_code, r.json()) == (409, {"boom": "/boom"})


def test_response_class_and_plain_values():
    app = FasterAPI()

    @app.get("/html", response_class=HTMLResponse)
    def html():
        return "<p>hi</p>"

    @app.get("/text")
    def text():
        return "plain"

    client = TestClient(app)
    r = client.get("/html")
    assert r.headers["content-type"] == "text/html; charset=utf-8" and r.content == b"<p>hi</p>"
    r = client.get("/text")  # the bridge sends str as text/plain
    assert (r.headers["content-type"], r.text) == ("text/plain; charset=utf-8", "plain")
