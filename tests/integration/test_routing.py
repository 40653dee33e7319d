"""404 / 405 / HEAD handling, on 1 and 2 cores."""

from tests.integration.helpers import assert_serving, fetch
from tests.integration.rawhttp import Conn, build_request, check_common


def _allow(r):
    v = r.header("allow")
    assert v is not None, f"no Allow header: {r!r}"
    return {m.strip().upper() for m in v.split(",") if m.strip()}


def test_404_unknown_path(hello_server):
    r = fetch(hello_server, "GET", "/no/such/path")
    assert r.status == 404, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"detail": "Not Found"}
    assert_serving(hello_server)


def test_404_unknown_path_post(hello_server):
    r = fetch(hello_server, "POST", "/no/such/path", b"{}", {"Content-Type": "application/json"})
    assert r.status == 404, r
    assert r.json() == {"detail": "Not Found"}


def test_405_wrong_method_get_route(hello_server):
    r = fetch(hello_server, "POST", "/plaintext", b"x")
    assert r.status == 405, r
    assert r.json() == {"detail": "Method Not Allowed"}
    allow = _allow(r)
    assert "GET" in allow, allow
    assert "POST" not in allow, allow
    assert_serving(hello_server)


def test_405_wrong_method_post_route(hello_server):
    r = fetch(hello_server, "GET", "/items")
    assert r.status == 405, r
    assert r.json() == {"detail": "Method Not Allowed"}
    allow = _allow(r)
    assert "POST" in allow, allow
    assert "GET" not in allow, allow


def test_405_multi_method_route(features_server):
    r = fetch(features_server, "DELETE", "/multi")
    assert r.status == 405, r
    assert r.json() == {"detail": "Method Not Allowed"}
    assert {"GET", "POST"} <= _allow(r)


def test_405_lists_all_declared_verbs(features_server):
    r = fetch(features_server, "GET", "/verbs")
    assert r.status == 405, r
    assert {"PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"} <= _allow(r), r


def test_head_on_get_route_same_headers_no_body(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        get = c.request("GET", "/plaintext")
        # HEAD then GET pipelined: if HEAD sent a body, the GET response would be garbled
        c.send(build_request("HEAD", "/plaintext") + build_request("GET", "/json"))
        head = c.read_response(head=True)
        after = c.read_response()
    assert head.status == 200, head
    check_common(head, head=True, expected_len=len(get.body))
    assert head.header("content-length") == get.header("content-length") == "13"
    assert head.header("content-type") == get.header("content-type")
    assert after.status == 200 and after.json() == {"message": "Hello, World!"}, after


def test_head_on_json_route(hello_server):
    get = fetch(hello_server, "GET", "/users/5?q=z")
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(build_request("HEAD", "/users/5?q=z"))
        head = c.read_response(head=True)
        # nothing else may arrive on the connection: no body after a HEAD response
        c.send(build_request("GET", "/plaintext"))
        nxt = c.read_response()
    assert head.status == 200
    assert head.header("content-length") == str(len(get.body))
    assert head.header("content-type") == "application/json"
    assert nxt.body == b"Hello, World!", nxt


def test_head_unknown_path_404_no_body(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(build_request("HEAD", "/no/such") + build_request("GET", "/plaintext"))
        head = c.read_response(head=True)
        nxt = c.read_response()
    assert head.status == 404, head
    assert nxt.status == 200 and nxt.body == b"Hello, World!", nxt


def test_explicit_head_route_wins(features_server):
    with Conn(features_server.host, features_server.port) as c:
        c.send(build_request("HEAD", "/verbs") + build_request("GET", "/text"))
        head = c.read_response(head=True)
        nxt = c.read_response()
    assert head.status == 200, head
    assert head.header("x-head") == "explicit", head
    assert nxt.status == 200 and nxt.text == "héllo wörld", nxt


def test_trailing_slash_redirects_like_fastapi(hello_server):
    r = fetch(hello_server, "GET", "/users/123/?q=x")
    assert r.status == 307, r
    assert r.header("location") == "/users/123?q=x", r
    # Starlette's RedirectResponse: no body, no content-type.
    assert r.header("content-type") is None and r.body == b"", r
    assert fetch(hello_server, "GET", "/json/").header("location") == "/json"
    # No route either way: still a 404.
    assert fetch(hello_server, "GET", "/nothing/here/").status == 404
