"""HTTP/1.1 connection handling: keep-alive, HTTP/1.0, pipelining, chunked bodies,
Expect: 100-continue. On 1 and 2 cores."""

import json

from tests.integration.helpers import assert_serving
from tests.integration.rawhttp import Conn, build_request, check_common

CLOSE_WAIT = 5.0  # upper bound for "the server closes after the response"


def test_keepalive_many_requests_one_connection(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        for i in range(20):
            r = c.request("GET", f"/users/{i}?q=k{i}")
            check_common(r)
            assert r.status == 200, r
            assert r.json() == {"user_id": i, "q": f"k{i}"}
            assert "close" not in r.connection_tokens(), r
        r = c.request("POST", "/items", json.dumps({"name": "n", "price": 1}).encode(),
                      {"Content-Type": "application/json"})
        assert r.status == 201, r
        r = c.request("GET", "/plaintext")
        assert r.body == b"Hello, World!"
        closed, _ = c.wait_closed(0.2)
        assert not closed, "server closed a keep-alive connection right after a response"


def test_http10_without_keepalive_closes(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(b"GET /plaintext HTTP/1.0\r\n\r\n")
        r = c.read_response()
        check_common(r)
        assert r.status == 200 and r.body == b"Hello, World!", r
        assert "keep-alive" not in r.connection_tokens(), r
        closed, extra = c.wait_closed(CLOSE_WAIT)
        assert closed, "server kept an HTTP/1.0 connection (no keep-alive) open"
        assert extra == b"", extra


def test_http10_with_keepalive_stays_open(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.read_response()
        check_common(r)
        assert r.status == 200 and r.body == b"Hello, World!", r
        assert "keep-alive" in r.connection_tokens(), r
        c.send(b"GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r2 = c.read_response()
        assert r2.status == 200 and r2.json() == {"message": "Hello, World!"}, r2
        assert "keep-alive" in r2.connection_tokens(), r2
        # last one without keep-alive: closed after it
        c.send(b"GET /plaintext HTTP/1.0\r\n\r\n")
        r3 = c.read_response()
        assert r3.status == 200, r3
        closed, _ = c.wait_closed(CLOSE_WAIT)
        assert closed


def test_http11_connection_close(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        r = c.request("GET", "/plaintext", headers={"Connection": "close"})
        check_common(r)
        assert r.status == 200 and r.body == b"Hello, World!", r
        closed, extra = c.wait_closed(CLOSE_WAIT)
        assert closed, "server did not close after Connection: close"
        assert extra == b""


def test_http11_connection_close_after_keepalive_requests(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        assert c.request("GET", "/json").status == 200
        assert c.request("GET", "/users/1").status == 200
        r = c.request("GET", "/users/2", headers={"Connection": "close"})
        assert r.json() == {"user_id": 2, "q": None}
        closed, _ = c.wait_closed(CLOSE_WAIT)
        assert closed


def test_pipelining_ten_requests_one_write(hello_server):
    paths = [f"/users/{i}" + (f"?q=p{i}" if i % 2 else "") for i in range(10)]
    data = b"".join(build_request("GET", p) for p in paths)
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(data)
        for i in range(10):
            r = c.read_response()
            check_common(r)
            assert r.status == 200, (i, r)
            assert r.json() == {"user_id": i, "q": f"p{i}" if i % 2 else None}, (i, r)
        # and the connection is still usable
        assert c.request("GET", "/plaintext").body == b"Hello, World!"


def test_pipelining_mixed_methods_and_statuses(hello_server):
    item = json.dumps({"name": "pipe", "price": 2.5}).encode()
    reqs = [
        ("GET", "/plaintext", b"", None),
        ("POST", "/items", item, {"Content-Type": "application/json"}),
        ("HEAD", "/json", b"", None),
        ("GET", "/nope", b"", None),
        ("GET", "/users/abc", b"", None),
        ("POST", "/plaintext", b"xyz", None),
        ("GET", "/json", b"", None),
        ("POST", "/items", b"{bad", {"Content-Type": "application/json"}),
        ("GET", "/cpu?n=10", b"", None),
        ("GET", "/users/9", b"", None),
    ]
    expected = [200, 201, 200, 404, 422, 405, 200, 422, 200, 200]
    data = b"".join(build_request(m, p, b, h) for m, p, b, h in reqs)
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(data)
        for (m, p, _, _), st in zip(reqs, expected):
            r = c.read_response(head=(m == "HEAD"))
            check_common(r, head=(m == "HEAD"))
            assert r.status == st, (m, p, r)
        assert c.request("GET", "/users/3").json() == {"user_id": 3, "q": None}


def test_pipelining_byte_by_byte(hello_server):
    data = build_request("GET", "/users/1") + build_request("GET", "/users/2")
    with Conn(hello_server.host, hello_server.port) as c:
        for b in data:
            c.send(bytes([b]))
        assert c.read_response().json() == {"user_id": 1, "q": None}
        assert c.read_response().json() == {"user_id": 2, "q": None}


def _chunked(body: bytes, sizes, upper: bool = False) -> bytes:
    out, pos = b"", 0
    for i, n in enumerate(sizes):
        part = body[pos:pos + n]
        pos += n
        ext = b";ext=val" if i == 1 else (b";name" if i == 2 else b"")
        out += (b"%X" if upper else b"%x") % len(part) + ext + b"\r\n" + part + b"\r\n"
    assert pos >= len(body)
    return out


def test_chunked_request_body(hello_server):
    body = json.dumps({"name": "chunky", "price": 3.25, "tags": ["a", "b"]}).encode()
    payload = _chunked(body, [5, 7, 3, len(body)]) + b"0\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n"
    head = (b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(head)
        # send the chunks in several writes
        for i in range(0, len(payload), 9):
            c.send(payload[i:i + 9])
        r = c.read_response()
        check_common(r)
        assert r.status == 201, r
        got = r.json()
        assert "id" in got and got["tags"] == ["a", "b"], got
        # trailers consumed: the connection is still in sync
        r2 = c.request("GET", "/users/4")
        assert r2.json() == {"user_id": 4, "q": None}, r2


def test_chunked_request_body_uppercase_hex_and_echo(features_server):
    body = bytes(range(256)) * 64  # 16 KiB
    payload = _chunked(body, [0x1ABC, 0x10, len(body)], upper=True)
    payload += b"0\r\n\r\n"
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    with Conn(features_server.host, features_server.port) as c:
        c.send(head + payload)
        r = c.read_response()
        assert r.status == 200, r
        assert r.body == body


def test_expect_100_continue(hello_server):
    body = json.dumps({"name": "cont", "price": 9}).encode()
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        interim = c.read_response(timeout=5)  # the client waits for it before sending the body
        assert interim.status == 100, interim
        assert interim.raw_head.startswith(b"HTTP/1.1 100 Continue\r\n"), interim.raw_head
        c.send(body)
        r = c.read_response()
        check_common(r)
        assert r.status == 201, r
        assert r.json()["tags"] == []
        assert c.request("GET", "/plaintext").body == b"Hello, World!"


def test_expect_100_continue_chunked(features_server):
    with Conn(features_server.host, features_server.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
        interim = c.read_response(timeout=5)
        assert interim.status == 100, interim
        c.send(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.body == b"abcde", r


def test_request_split_across_writes(hello_server):
    body = json.dumps({"name": "split", "price": 1}).encode()
    data = build_request("POST", "/items", body, {"Content-Type": "application/json"})
    with Conn(hello_server.host, hello_server.port) as c:
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
        r = c.read_response()
        assert r.status == 201, r
    assert_serving(hello_server)


def test_case_insensitive_header_names(hello_server):
    with Conn(hello_server.host, hello_server.port) as c:
        c.send(b"GET /users/5?q=h HTTP/1.1\r\nhOsT: x\r\ncOnNeCtIoN: keep-alive\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.json() == {"user_id": 5, "q": "h"}, r
        c.send(b"POST /items HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
               b"CONTENT-LENGTH: 27\r\n\r\n" + b'{"name":"ci","price":1.0}  ')
        r = c.read_response()
        assert r.status == 201, r
