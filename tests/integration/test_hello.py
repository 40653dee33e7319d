"""examples/hello.py over real sockets, on 1 and 2 cores."""

import json
import time

from tests.integration.helpers import assert_serving, fetch, post_json
from tests.integration.rawhttp import Conn, check_common


def test_plaintext(hello_server):
    r = fetch(hello_server, "GET", "/plaintext")
    assert r.status == 200, r
    assert r.body == b"Hello, World!"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.header("content-length") == "13"


def test_json(hello_server):
    r = fetch(hello_server, "GET", "/json")
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"message": "Hello, World!"}
    assert r.body == b'{"message":"Hello, World!"}'  # compact, orjson-like


def test_user_path_param(hello_server):
    r = fetch(hello_server, "GET", "/users/123")
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"user_id": 123, "q": None}


def test_user_with_query(hello_server):
    r = fetch(hello_server, "GET", "/users/123?q=x")
    assert r.status == 200, r
    assert r.json() == {"user_id": 123, "q": "x"}


def test_user_query_is_percent_decoded(hello_server):
    r = fetch(hello_server, "GET", "/users/7?q=a%20b+c%26d")
    assert r.status == 200, r
    assert r.json() == {"user_id": 7, "q": "a b c&d"}


def test_user_bad_int_422(hello_server):
    r = fetch(hello_server, "GET", "/users/abc")
    assert r.status == 422, r
    assert r.header("content-type") == "application/json"
    detail = r.json()["detail"]
    assert detail[0] == {
        "type": "int_parsing",
        "loc": ["path", "user_id"],
        "msg": "Input should be a valid integer, unable to parse string as an integer",
        "input": "abc",
    }
    assert_serving(hello_server)


def test_create_item_201(hello_server):
    r = post_json(hello_server, "/items", {"name": "x", "price": 1.5})
    assert r.status == 201, r
    assert r.header("content-type") == "application/json"
    body = r.json()
    assert "id" in body, body
    assert body["tags"] == [], body


def test_create_item_invalid_422_lists_both_errors(hello_server):
    r = post_json(hello_server, "/items", {"price": "abc"})
    assert r.status == 422, r
    detail = r.json()["detail"]
    locs = [d["loc"] for d in detail]
    assert ["body", "name"] in locs, detail
    assert ["body", "price"] in locs, detail
    by_loc = {tuple(d["loc"]): d for d in detail}
    assert by_loc[("body", "name")]["type"] == "missing"
    assert by_loc[("body", "price")]["type"] == "float_parsing"
    assert by_loc[("body", "price")]["input"] == "abc"
    assert_serving(hello_server)


def test_create_item_invalid_json_422(hello_server):
    r = fetch(hello_server, "POST", "/items", b'{"name": "x", "price": ',
              {"Content-Type": "application/json"})
    assert r.status == 422, r
    detail = r.json()["detail"]
    assert detail[0]["type"] == "json_invalid", detail
    assert detail[0]["loc"][0] == "body", detail
    assert_serving(hello_server)


def test_create_item_non_utf8_body_is_422_not_500(hello_server):
    r = fetch(hello_server, "POST", "/items", b"\xff\xfe\x00garbage",
              {"Content-Type": "application/json"})
    assert r.status == 422, r
    assert_serving(hello_server)


def test_cpu(hello_server):
    r = fetch(hello_server, "GET", "/cpu?n=10")
    assert r.status == 200, r
    assert r.json() == {"result": 285}


def test_sleep(hello_server):
    r = fetch(hello_server, "GET", "/sleep?ms=1")
    assert r.status == 200, r


def test_common_headers_on_every_kind_of_response(hello_server):
    # success, 404, 405, 422, and a JSON POST: all carry Server, Date and Content-Length
    cases = [("GET", "/plaintext", b""), ("GET", "/nope", b""), ("DELETE", "/plaintext", b""),
             ("GET", "/users/x", b""), ("POST", "/items", json.dumps({"name": "a", "price": 2}).encode())]
    for method, path, body in cases:
        with Conn(hello_server.host, hello_server.port) as c:
            r = c.request(method, path, body, {"Content-Type": "application/json"} if body else None)
        check_common(r)
    # and on a kept-alive connection every response carries them too
    with Conn(hello_server.host, hello_server.port) as c:
        for method, path, body in cases:
            r = c.request(method, path, body, {"Content-Type": "application/json"} if body else None)
            check_common(r)


def test_startup_lines_name_core_driver_and_interpreter(hello_server):
    """One line per core, saying which reactor and which interpreter serve it."""
    # Cores are set up one after the other and core 0 may answer the readiness probe before
    # the last one has logged its line: wait for them (a bounded wait, not a timing claim).
    deadline = time.monotonic() + 10
    while True:
        lines = [l for l in hello_server.stderr.splitlines() if l.startswith("fasterapi: core ")]
        if len(lines) >= hello_server.cores or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(lines) == hello_server.cores, hello_server.stderr
    mode = getattr(hello_server, "mode", "")
    for i, line in enumerate(sorted(lines)):
        assert line.startswith(f"fasterapi: core {i} on cpu "), line
        assert ("epoll reactor" if "epoll" in mode else "io_uring reactor") in line, line
        if "sharedgil" in mode:
            assert "interpreter 0 (shared GIL)" in line, line
        else:
            assert "(own GIL)" in line and "interpreter 0 " not in line, line
