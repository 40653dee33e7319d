"""Malformed and oversized requests, and timeouts. Each bad input must get the
documented answer, and the server must still serve a normal request on a NEW
connection afterwards. Server: examples.hello:app with FASTERAPI_KEEPALIVE=1 and
FASTERAPI_HEADER_TIMEOUT=1, on 1 and 2 cores."""

import select
import time

import pytest

from tests.integration.helpers import assert_serving
from tests.integration.rawhttp import Conn, ProtocolError, check_common

CLOSE_WAIT = 5.0


def _send_and_read(server, data: bytes, timeout: float = 10.0):
    c = Conn(server.host, server.port, timeout=timeout)
    c.try_send(data)
    try:
        r = c.read_response(timeout=timeout)
    except (ConnectionResetError, ProtocolError) as e:
        c.close()
        raise AssertionError(f"no HTTP response to {data[:120]!r}: {e!r}\n{server.describe()}") from e
    return c, r


def _expect_status_and_close(server, data: bytes, status: int):
    c, r = _send_and_read(server, data)
    try:
        assert r.status == status, r
        check_common(r)
        closed, extra = c.wait_closed(CLOSE_WAIT)
        assert closed, f"connection still open after {status} for {data[:80]!r}"
        assert extra == b"", f"extra bytes after the {status}: {extra[:200]!r}"
    finally:
        c.close()
    assert_serving(server)
    return r


def test_garbage_request_line_400(short_server):
    _expect_status_and_close(short_server, b"GARBAGE\r\n\r\n", 400)


@pytest.mark.parametrize("line", [
    b"GET /plaintext\r\n\r\n",                      # no version
    b"GET /plaintext HTTP/1.1 extra\r\n\r\n",        # too many parts
    b"GET /plaintext FTP/1.1\r\n\r\n",               # bad protocol
    b"G(T /plaintext HTTP/1.1\r\nHost: x\r\n\r\n",   # bad token in method
])
def test_malformed_request_lines_400(short_server, line):
    _expect_status_and_close(short_server, line, 400)


def test_header_line_without_colon_400(short_server):
    _expect_status_and_close(short_server, b"GET /plaintext HTTP/1.1\r\nHost: x\r\nBadHeader\r\n\r\n", 400)


def test_header_name_with_space_before_colon_400(short_server):
    # RFC 9112 5.1: whitespace between field name and colon -> 400
    _expect_status_and_close(short_server, b"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", 400)


def test_header_section_too_large_431(short_server):
    big = b"GET /plaintext HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-Filler-%03d: %s\r\n" % (i, b"v" * 200) for i in range(90)) + b"\r\n"
    assert len(big) > 16384
    c, r = _send_and_read(short_server, big)
    c.close()
    assert r.status == 431, r
    check_common(r)
    assert_serving(short_server)


def test_single_huge_header_431(short_server):
    big = b"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 17000 + b"\r\n\r\n"
    c, r = _send_and_read(short_server, big)
    c.close()
    assert r.status == 431, r
    assert_serving(short_server)


def test_header_section_just_under_limit_ok(short_server):
    req = b"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 15000 + b"\r\n\r\n"
    c, r = _send_and_read(short_server, req)
    c.close()
    assert r.status == 200 and r.body == b"Hello, World!", r


def test_uri_too_long_414(short_server):
    req = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    c, r = _send_and_read(short_server, req)
    c.close()
    assert r.status == 414, r
    check_common(r)
    assert_serving(short_server)


def test_body_too_large_413_before_body_is_sent(short_server):
    # only the head is sent: the 413 must arrive without the server waiting for the body
    head = (b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1048577\r\n\r\n")
    c, r = _send_and_read(short_server, head, timeout=8)
    c.close()
    assert r.status == 413, r
    check_common(r)
    assert_serving(short_server)


def test_body_way_too_large_413(short_server):
    head = b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"
    c, r = _send_and_read(short_server, head, timeout=8)
    c.close()
    assert r.status == 413, r
    assert_serving(short_server)


def test_chunked_body_too_large_413(short_server):
    head = b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    c = Conn(short_server.host, short_server.port, timeout=15)
    try:
        c.send(head)
        chunk = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
        for _ in range(17):  # 17 * 64 KiB > 1 MiB
            if not c.try_send(chunk):
                break
            # stop sending as soon as the server has answered
            if select.select([c.sock], [], [], 0.05)[0]:
                break
        r = c.read_response(timeout=10)
        assert r.status == 413, r
    finally:
        c.close()
    assert_serving(short_server)


def test_content_length_and_transfer_encoding_400(short_server):
    _expect_status_and_close(
        short_server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n", 400)


def test_two_differing_content_lengths_400(short_server):
    _expect_status_and_close(
        short_server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", 400)


@pytest.mark.parametrize("cl", [b"-1", b"abc", b"1 2", b"+5"])
def test_invalid_content_length_400(short_server, cl):
    _expect_status_and_close(
        short_server, b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: " + cl + b"\r\n\r\nabcde", 400)


def test_bad_chunk_size_400(short_server):
    _expect_status_and_close(
        short_server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400)


def test_chunk_missing_crlf_400(short_server):
    _expect_status_and_close(
        short_server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400)


def test_transfer_encoding_gzip_501(short_server):
    c, r = _send_and_read(
        short_server,
        b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc")
    c.close()
    assert r.status == 501, r
    check_common(r)
    assert_serving(short_server)


def test_invalid_json_body_422_never_500(short_server):
    for body in [b"{", b"not json", b'{"name": "x", "price": 1,}', b"\x00\x01", b"[1,2"]:
        with Conn(short_server.host, short_server.port) as c:
            r = c.request("POST", "/items", body, {"Content-Type": "application/json"})
        assert r.status == 422, (body, r)
        assert r.json()["detail"][0]["type"] == "json_invalid", (body, r)
    assert_serving(short_server)


def test_unsupported_http_version_rejected(short_server):
    c, r = _send_and_read(short_server, b"GET /plaintext HTTP/2.0\r\nHost: x\r\n\r\n")
    c.close()
    assert r.status in (400, 505), r
    assert_serving(short_server)


def test_idle_keepalive_connection_closed(short_server):
    # FASTERAPI_KEEPALIVE=1: an idle kept-alive connection is closed within 1 s (+ slack)
    with Conn(short_server.host, short_server.port) as c:
        r = c.request("GET", "/plaintext")
        assert r.status == 200, r
        t0 = time.monotonic()
        closed, extra = c.wait_closed(1 + 3)
        assert closed, "idle keep-alive connection still open after KEEPALIVE + 3 s"
        assert time.monotonic() - t0 <= 4.5
        assert extra == b"", extra
    assert_serving(short_server)


def test_idle_fresh_connection_closed(short_server):
    # a connection that never sends anything is not kept forever either
    with Conn(short_server.host, short_server.port) as c:
        closed, extra = c.wait_closed(1 + 3)
        assert closed, "silent connection still open after timeout + 3 s"
        assert extra == b"" or extra.startswith(b"HTTP/1.1 408"), extra
    assert_serving(short_server)


def test_partial_header_section_closed_after_header_timeout(short_server):
    # FASTERAPI_HEADER_TIMEOUT=1: only part of a header section -> closed (maybe after a 408)
    with Conn(short_server.host, short_server.port) as c:
        c.send(b"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Partial: ab")
        closed, extra = c.wait_closed(1 + 3)
        assert closed, "connection with a partial header section still open after HEADER_TIMEOUT + 3 s"
        assert extra == b"" or extra.startswith(b"HTTP/1.1 408"), extra
    assert_serving(short_server)


def test_slow_header_drip_closed_after_header_timeout(short_server):
    # sending a byte now and then must not extend the header timeout indefinitely
    with Conn(short_server.host, short_server.port) as c:
        c.send(b"GET /plaintext HTTP/1.1\r\n")
        deadline = time.monotonic() + 1 + 4
        closed = False
        while time.monotonic() < deadline:
            if not c.try_send(b"X"):
                closed = True
                break
            closed, _ = c.wait_closed(0.3)
            if closed:
                break
        assert closed, "a dripping header section was not cut off by HEADER_TIMEOUT"
    assert_serving(short_server)


def test_keepalive_survives_while_active(short_server):
    # requests spaced under KEEPALIVE keep the connection open
    with Conn(short_server.host, short_server.port) as c:
        for _ in range(4):
            assert c.request("GET", "/plaintext").status == 200
            time.sleep(0.3)
