"""tests/apps/features.py over real sockets, on 1 and 2 cores."""

import json
import uuid

import pytest

from tests.integration.helpers import assert_serving, fetch, post_json
from tests.integration.rawhttp import Conn


def _get_json(server, path, status=200, headers=None):
    r = fetch(server, "GET", path, headers=headers)
    assert r.status == status, r
    assert r.header("content-type") == "application/json", r
    return r.json()


def _err(server, method, path, body=b"", headers=None):
    r = fetch(server, method, path, body, headers)
    assert r.status == 422, r
    assert r.header("content-type") == "application/json", r
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    return detail


# --- path parameters -------------------------------------------------------------------

@pytest.mark.parametrize("raw,value", [("42", 42), ("-3", -3), ("0", 0)])
def test_path_int(features_server, raw, value):
    assert _get_json(features_server, f"/path/int/{raw}") == {"v": value}


@pytest.mark.parametrize("raw", ["4.5", "abc", "1e3"])
def test_path_int_invalid(features_server, raw):
    d = _err(features_server, "GET", f"/path/int/{raw}")
    assert d[0]["type"] == "int_parsing" and d[0]["loc"] == ["path", "v"], d
    assert d[0]["input"] == raw, d
    assert_serving(features_server)


@pytest.mark.parametrize("raw,value", [("1.5", 1.5), ("3", 3.0), ("-0.25", -0.25)])
def test_path_float(features_server, raw, value):
    assert _get_json(features_server, f"/path/float/{raw}") == {"v": value}


def test_path_float_invalid(features_server):
    d = _err(features_server, "GET", "/path/float/abc")
    assert d[0]["type"] == "float_parsing" and d[0]["loc"] == ["path", "v"], d


def test_path_str_percent_decoded(features_server):
    assert _get_json(features_server, "/path/str/hello%20w%C3%B6rld") == {"v": "hello wörld"}


def test_path_params_are_decoded_exactly_once(features_server):
    # Like Starlette: the path is decoded once, then matched; "%2520" is a literal "%20".
    assert _get_json(features_server, "/path/str/a%2520b") == {"v": "a%20b"}
    assert _get_json(features_server, "/path/int/%34%32") == {"v": 42}


@pytest.mark.parametrize("raw,value", [("true", True), ("1", True), ("yes", True),
                                       ("false", False), ("0", False), ("off", False)])
def test_path_bool(features_server, raw, value):
    assert _get_json(features_server, f"/path/bool/{raw}") == {"v": value}


def test_path_bool_invalid(features_server):
    d = _err(features_server, "GET", "/path/bool/maybe")
    assert d[0]["type"] == "bool_parsing" and d[0]["loc"] == ["path", "v"], d


def test_path_uuid(features_server):
    u = uuid.uuid4()
    assert _get_json(features_server, f"/path/uuid/{u}") == {"v": str(u), "version": 4}


def test_path_uuid_invalid(features_server):
    d = _err(features_server, "GET", "/path/uuid/not-a-uuid")
    assert d[0]["type"] == "uuid_parsing" and d[0]["loc"] == ["path", "v"], d


def test_path_enum(features_server):
    assert _get_json(features_server, "/path/enum/green") == {"v": "green", "is_enum": True}


def test_path_enum_invalid(features_server):
    d = _err(features_server, "GET", "/path/enum/purple")
    assert d[0]["type"] == "enum" and d[0]["loc"] == ["path", "color"], d
    assert d[0]["input"] == "purple"


def test_two_path_params(features_server):
    assert _get_json(features_server, "/path/two/7/sub/x") == {"a": 7, "b": "x"}


def test_path_catch_all(features_server):
    assert _get_json(features_server, "/files/a/b/c.txt") == {"file_path": "a/b/c.txt"}


# --- query parameters ------------------------------------------------------------------

def test_query_defaults(features_server):
    assert _get_json(features_server, "/query/defaults") == {"a": 1, "b": "x", "c": 0.5, "flag": False}


def test_query_values(features_server):
    got = _get_json(features_server, "/query/defaults?a=5&b=y+z&c=2.5&flag=true")
    assert got == {"a": 5, "b": "y z", "c": 2.5, "flag": True}


def test_query_invalid_int(features_server):
    d = _err(features_server, "GET", "/query/defaults?a=notint")
    assert d[0]["type"] == "int_parsing" and d[0]["loc"] == ["query", "a"], d
    assert_serving(features_server)


def test_query_required_missing_422(features_server):
    d = _err(features_server, "GET", "/query/required")
    assert d[0]["type"] == "missing", d
    assert d[0]["loc"] == ["query", "needed"], d
    assert d[0]["msg"] == "Field required", d
    assert_serving(features_server)


def test_query_required_present(features_server):
    assert _get_json(features_server, "/query/required?needed=3") == {"needed": 3}


def test_query_optional(features_server):
    assert _get_json(features_server, "/query/optional") == {"q": None}
    assert _get_json(features_server, "/query/optional?q=abc") == {"q": "abc"}
    assert _get_json(features_server, "/query/optional?q=%E2%9C%93") == {"q": "✓"}


def test_query_list(features_server):
    assert _get_json(features_server, "/query/list?ids=1&ids=2&ids=3") == {"ids": [1, 2, 3]}
    assert _get_json(features_server, "/query/list") == {"ids": []}


def test_query_list_invalid_item(features_server):
    d = _err(features_server, "GET", "/query/list?ids=1&ids=x")
    assert d[0]["type"] == "int_parsing" and d[0]["loc"] == ["query", "ids", 1], d


def test_path_and_query_together(features_server):
    assert _get_json(features_server, "/query/mixed/9?q=s&limit=3") == {"item_id": 9, "q": "s", "limit": 3}


# --- headers ---------------------------------------------------------------------------

def test_header_param(features_server):
    got = _get_json(features_server, "/header", headers={"X-Token": "abc", "User-Agent": "ua/1"})
    assert got == {"x_token": "abc", "user_agent": "ua/1"}


def test_header_param_missing_422(features_server):
    d = _err(features_server, "GET", "/header")
    assert d[0]["type"] == "missing" and d[0]["loc"] == ["header", "x-token"], d


# --- Request injection -----------------------------------------------------------------

def test_request_info_get(features_server):
    got = _get_json(features_server, "/request/info?a=1&b=two", headers={"X-Test": "hello"})
    assert got == {"method": "GET", "path": "/request/info", "x_test": "hello",
                   "x_test_mixed_case": "hello", "query": {"a": "1", "b": "two"}}


def test_request_info_post_api_route(features_server):
    r = fetch(features_server, "POST", "/request/info", b"ignored", {"X-Test": "p"})
    assert r.status == 200, r
    got = r.json()
    assert got["method"] == "POST" and got["x_test"] == "p" and got["query"] == {}, got


@pytest.mark.parametrize("path,kind", [("/request/async-body", "async"), ("/request/sync-body", "sync")])
def test_request_body_and_json(features_server, path, kind):
    body = json.dumps({"k": [1, 2], "s": "é"}).encode()
    r = fetch(features_server, "POST", path, body, {"Content-Type": "application/json"})
    assert r.status == 200, r
    assert r.json() == {"kind": kind, "len": len(body), "json": {"k": [1, 2], "s": "é"}}


def test_echo_binary_body(features_server):
    body = bytes(range(256)) * 100
    r = fetch(features_server, "POST", "/echo", body, {"Content-Type": "application/octet-stream"})
    assert r.status == 200, r
    assert r.body == body
    assert r.header("content-type") == "application/octet-stream"


def test_body_at_max_size_is_accepted(features_server):
    body = b"a" * 1048576  # exactly FASTERAPI_MAX_BODY (default)
    r = fetch(features_server, "POST", "/echo", body, timeout=30)
    assert r.status == 200, r.status
    assert len(r.body) == len(body) and r.body == body


# --- JSON bodies -----------------------------------------------------------------------

def test_body_dict(features_server):
    r = post_json(features_server, "/body/dict", {"a": 1, "nested": {"b": [True, None]}})
    assert r.status == 200, r
    assert r.json() == {"got": {"a": 1, "nested": {"b": [True, None]}}}


def test_body_dict_invalid_json_422(features_server):
    d = _err(features_server, "POST", "/body/dict", b"{not json", {"Content-Type": "application/json"})
    assert d[0]["type"] == "json_invalid", d
    assert_serving(features_server)


def test_body_dict_wrong_type_422(features_server):
    d = _err(features_server, "POST", "/body/dict", b"[1, 2]", {"Content-Type": "application/json"})
    assert d[0]["type"] == "dict_type", d


def test_body_dict_missing_422(features_server):
    d = _err(features_server, "POST", "/body/dict")
    assert d[0]["type"] == "missing" and d[0]["loc"] == ["body"], d


def test_body_dataclass(features_server):
    r = post_json(features_server, "/body/dataclass", {"name": "n", "price": 2})
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"name": "n", "price": 2.0, "tags": []}
    r = post_json(features_server, "/body/dataclass", {"name": "n", "price": 2.5, "tags": ["a", "b"]})
    assert r.json() == {"name": "n", "price": 2.5, "tags": ["a", "b"]}


def test_body_dataclass_invalid(features_server):
    d = _err(features_server, "POST", "/body/dataclass", json.dumps({"price": "x"}).encode(),
             {"Content-Type": "application/json"})
    locs = [e["loc"] for e in d]
    assert ["body", "name"] in locs and ["body", "price"] in locs, d
    assert_serving(features_server)


def test_body_dataclass_invalid_json(features_server):
    d = _err(features_server, "POST", "/body/dataclass", b'{"name": "x",}', {"Content-Type": "application/json"})
    assert d[0]["type"] == "json_invalid", d


def test_decorator_status_code_201(features_server):
    r = post_json(features_server, "/created", {"x": 1})
    assert r.status == 201, r
    assert r.json() == {"created": {"x": 1}}


# --- HTTPException and errors ----------------------------------------------------------

def test_http_exception_with_headers(features_server):
    r = fetch(features_server, "GET", "/missing-item")
    assert r.status == 404, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"detail": "Item not found"}
    assert r.header("x-error") == "1", r


def test_http_exception_dict_detail(features_server):
    r = fetch(features_server, "GET", "/teapot")
    assert r.status == 418, r
    assert r.json() == {"detail": {"reason": "short and stout"}}


@pytest.mark.parametrize("path", ["/error", "/error-async", "/unserializable", "/nan"])
def test_unhandled_exception_500(features_server, path):
    r = fetch(features_server, "GET", path)
    assert r.status == 500, r
    assert r.header("content-type") == "text/plain; charset=utf-8", r
    assert r.body == b"Internal Server Error"
    assert_serving(features_server)


def test_500_then_same_core_keeps_serving(features_server):
    # learn which core this connection is on, then make that core's handler raise
    with Conn(features_server.host, features_server.port) as c:
        core = c.request("GET", "/core").json()["core"]
        r = c.request("GET", "/error")
        assert r.status == 500, r
    # new connections land on some core; all must be fine and the failing core must answer
    seen = set()
    for _ in range(60):
        with Conn(features_server.host, features_server.port) as c2:
            r = c2.request("GET", "/core")
            assert r.status == 200, r
            seen.add(r.json()["core"])
            r = c2.request("GET", "/text")
            assert r.status == 200 and r.text == "héllo wörld", r
        if core in seen:
            break
    assert core in seen, f"core {core} never answered again (saw {seen})"


def test_connection_usable_after_500(features_server):
    with Conn(features_server.host, features_server.port) as c:
        assert c.request("GET", "/error").status == 500
        r = c.request("GET", "/text")
        assert r.status == 200 and r.text == "héllo wörld", r


# --- response classes ------------------------------------------------------------------

def test_plain_text_response(features_server):
    r = fetch(features_server, "GET", "/resp/plain")
    assert r.status == 203, r
    assert r.body == b"plain text"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.header("x-custom") == "a"


def test_html_response(features_server):
    r = fetch(features_server, "GET", "/resp/html")
    assert r.status == 200, r
    assert r.body == "<h1>héllo</h1>".encode()
    assert r.header("content-type") == "text/html; charset=utf-8"


def test_json_response(features_server):
    r = fetch(features_server, "GET", "/resp/json")
    assert r.status == 202, r
    assert r.header("content-type") == "application/json"
    assert r.json() == {"a": 1, "b": [1, 2]}
    assert r.header("x-j") == "1"


def test_raw_response_media_type(features_server):
    r = fetch(features_server, "GET", "/resp/raw")
    assert r.status == 418, r
    assert r.body == b"raw\x00bytes"
    assert r.header("content-type") == "application/x-custom"
    assert r.header("x-r") == "r"


def test_204_no_body_no_content_length(features_server):
    with Conn(features_server.host, features_server.port) as c:
        r = c.request("GET", "/resp/empty")
        assert r.status == 204, r
        assert not r.has("content-length"), r  # RFC 9110 8.6: MUST NOT for 204
        # nothing may follow the 204 head on the connection
        nxt = c.request("GET", "/text")
        assert nxt.status == 200 and nxt.text == "héllo wörld", nxt


def test_repeated_response_headers_kept(features_server):
    r = fetch(features_server, "GET", "/resp/multi-header")
    assert r.status == 200, r
    assert sorted(r.header_all("set-cookie")) == ["a=1", "b=2"], r


# --- plain return values ---------------------------------------------------------------

def test_return_none_is_null(features_server):
    r = fetch(features_server, "GET", "/none")
    assert r.status == 200, r
    assert r.header("content-type") == "application/json"
    assert r.body == b"null"


def test_return_bytes_octet_stream(features_server):
    r = fetch(features_server, "GET", "/bytes")
    assert r.status == 200, r
    assert r.header("content-type") == "application/octet-stream"
    assert r.body == b"\x00\x01\x02binary\xff"


def test_return_str_text_plain_utf8(features_server):
    r = fetch(features_server, "GET", "/text")
    assert r.status == 200, r
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.body == "héllo wörld".encode("utf-8")


def test_unicode_json_not_escaped(features_server):
    r = fetch(features_server, "GET", "/unicode-json")
    assert r.json() == {"msg": "héllo ✓ 日本"}
    assert "héllo ✓ 日本".encode() in r.body, r.body


def test_return_list(features_server):
    assert _get_json(features_server, "/list") == [1, "two", 3.5, None, True, {"k": "v"}]


def test_return_big_int(features_server):
    r = fetch(features_server, "GET", "/bigint")
    assert r.body == b'{"v":1180591620717411303424}', r


def test_return_enum_value(features_server):
    assert _get_json(features_server, "/enum-value") == {"color": "green"}


def test_large_response(features_server):
    r = fetch(features_server, "GET", "/big?n=3000000", timeout=60)
    assert r.status == 200
    assert len(r.body) == 3000000 and r.body == b"x" * 3000000


def test_async_route(features_server):
    assert _get_json(features_server, "/async") == {"async": True}
    assert _get_json(features_server, "/async?delay=0.01") == {"async": True}


# --- methods ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_route_methods(features_server, method):
    r = fetch(features_server, method, "/multi", b"{}" if method == "POST" else b"")
    assert r.status == 200, r
    assert r.json() == {"method": method}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_verbs(features_server, method):
    r = fetch(features_server, method, "/verbs")
    assert r.status == 200, r
    assert r.json() == {"method": method}


TWIN_CASES = [
    "/7", "/-3", "/007", "/+5", "/%207", "/1.0", "/1.5", "/abc", "/99999999999999999999",
    "/7?f=2", "/7?f=-2.25", "/7?f=1e3", "/7?f=.5", "/7?f=inf", "/7?f=nan", "/7?f=x", "/7?f=",
    "/7?s=", "/7?s=a%20b", "/7?s=x&s=y", "/7?o=1&o=2", "/7?o=", "/7?o=abc", "/7?o=12",
    "/7?r=0.1", "/7?r=3", "/7?unknown=1", "/7?f=1_0", "/7?o=%2B3",
]


@pytest.mark.parametrize("case", TWIN_CASES)
def test_native_parameter_plan_answers_exactly_like_python(features_server, case):
    native = fetch(features_server, "GET", "/twin/native" + case)
    python = fetch(features_server, "GET", "/twin/python" + case)
    assert (native.status, native.body) == (python.status, python.body), case


def test_native_plan_keeps_exception_handling(features_server):
    r = fetch(features_server, "GET", "/twin/native-raises/404")
    assert r.status == 404 and r.json() == {"detail": "no such twin"}, r
    assert r.header("x-twin") == "native", r
    assert fetch(features_server, "GET", "/twin/native-raises/5").json() == {"i": 5}
