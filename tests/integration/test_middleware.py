"""Middleware (tests/apps/middleware/) over the real server, on 1 and 2 cores, answer for
answer against FastAPI/Starlette.

As in test_tutorial.py, expectations are computed: each app module is also exec'd with its
``fasterapi`` imports turned into ``fastapi`` ones and called through
``fastapi.testclient.TestClient`` in this interpreter. Every request goes to both, and the
status, media type, (decoded) body and the headers middleware is about — CORS, ``Vary``,
``Content-Encoding``, ``Location``, ``Allow`` and the custom ones — must match. gzip bodies
are compared after decompression (the compressed bytes may differ between zlib builds).
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.server import Server

APPS = Path(__file__).resolve().parents[1] / "apps" / "middleware"

#: Headers compared by value; ``x-process-time`` varies, so only its presence is compared.
COMPARED = ("access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-methods",
            "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age",
            "access-control-allow-private-network", "vary", "content-encoding", "x-custom", "x-seen-status", "x-body-keys")
# (``Allow`` is the router's: it lists HEAD with GET where Starlette lists GET; tests/integration
# /test_routing.py covers it.)
PRESENT = ("x-process-time",)


@dataclass
class Req:
    id: str
    method: str
    url: str
    headers: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)
    #: "full", or "status-headers": a 500's body and headers are each server's own
    compare: str = "full"


def R(id, method, url, headers=None, compare="full", **kwargs) -> Req:  # noqa: N802 -- a table row
    return Req(id, method, url, headers or {}, kwargs, compare)


ORIGIN = {"Origin": "http://localhost"}
PREFLIGHT = {"Origin": "http://localhost", "Access-Control-Request-Method": "POST"}
GZ = {"Accept-Encoding": "gzip"}

CASES: dict[str, list[Req]] = {
    "cors": [
        R("no-origin", "GET", "/"),
        R("allowed-origin", "GET", "/", ORIGIN),
        R("allowed-origin-port", "GET", "/", {"Origin": "http://localhost:8080"}),
        R("regex-origin", "GET", "/", {"Origin": "https://app.example.org"}),
        R("regex-is-anchored", "GET", "/", {"Origin": "https://app.example.org.evil.com"}),
        R("disallowed-origin", "GET", "/", {"Origin": "http://evil.com"}),
        R("post-allowed", "POST", "/items/", ORIGIN, json={"a": 1}),
        R("not-found-with-origin", "GET", "/nope", ORIGIN),
        R("method-not-allowed-with-origin", "DELETE", "/", ORIGIN),
        R("preflight", "OPTIONS", "/items/", PREFLIGHT),
        R("preflight-headers", "OPTIONS", "/items/", {**PREFLIGHT, "Access-Control-Request-Headers": "X-Token, content-type"}),
        R("preflight-bad-header", "OPTIONS", "/items/", {**PREFLIGHT, "Access-Control-Request-Headers": "X-Other"}),
        R("preflight-bad-method", "OPTIONS", "/items/", {**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}),
        R("preflight-bad-origin", "OPTIONS", "/items/", {**PREFLIGHT, "Origin": "http://evil.com"}),
        R("preflight-everything-bad", "OPTIONS", "/items/",
          {"Origin": "http://evil.com", "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "X-No"}),
        R("preflight-regex-origin", "OPTIONS", "/", {**PREFLIGHT, "Origin": "https://a.example.org"}),
        R("preflight-private-network", "OPTIONS", "/", {**PREFLIGHT, "Access-Control-Request-Private-Network": "true"}),
        R("options-without-request-method", "OPTIONS", "/", ORIGIN),
        R("preflight-unknown-path", "OPTIONS", "/nowhere", PREFLIGHT),
    ],
    "cors_any": [
        R("no-origin", "GET", "/"),
        R("any-origin", "GET", "/", {"Origin": "http://anything.com"}),
        R("preflight-any", "OPTIONS", "/", {"Origin": "http://x.com", "Access-Control-Request-Method": "PUT",
                                             "Access-Control-Request-Headers": "X-Whatever"}),
        R("big-gzip-and-cors", "GET", "/big", {"Origin": "http://x.com", **GZ}),
        R("big-no-gzip", "GET", "/big", {"Origin": "http://x.com", "Accept-Encoding": "identity"}),
    ],
    "gzip": [
        R("small", "GET", "/small", GZ),
        R("big", "GET", "/big", GZ),
        R("big-identity", "GET", "/big", {"Accept-Encoding": "identity"}),
        R("big-text", "GET", "/big-text", {"Accept-Encoding": "br, gzip;q=0.5"}),
        R("stream", "GET", "/stream", GZ),
        R("stream-identity", "GET", "/stream", {"Accept-Encoding": "identity"}),
        R("excluded-type", "GET", "/image", GZ),
        R("already-encoded", "GET", "/encoded", GZ),
        R("not-found", "GET", "/nope", GZ),
    ],
    "hosts": [
        R("allowed", "GET", "/", {"Host": "127.0.0.1"}),
        R("wildcard", "GET", "/", {"Host": "api.example.org"}),
        R("wildcard-with-port", "GET", "/", {"Host": "api.example.org:8000"}),
        R("www-redirect", "GET", "/?q=1", {"Host": "example.com"}),
        R("untrusted", "GET", "/", {"Host": "evil.com"}),
        R("untrusted-not-found", "GET", "/nope", {"Host": "evil.com"}),
    ],
    "https_redirect": [
        R("redirect", "GET", "/?q=1", {"Host": "example.com"}),
        R("redirect-port-80", "GET", "/a/b", {"Host": "example.com:80"}),
        R("redirect-port-kept", "POST", "/", {"Host": "example.com:8443"}),
    ],
    "custom": [
        R("async-route", "GET", "/items/3", ORIGIN),
        R("sync-route", "GET", "/sync"),
        # a str answer is text/plain here without middleware too (bridge contract), JSON in FastAPI
        R("text-route", "GET", "/text", compare="status"),
        R("validation-error", "GET", "/items/abc"),
        R("http-exception", "GET", "/raises", ORIGIN),
        R("body-replaced", "GET", "/replace"),
        R("short-circuit", "GET", "/short-circuit"),
        R("not-found-handler", "GET", "/nope", ORIGIN),
        R("method-not-allowed", "GET", "/only-post"),
        R("slash-redirect", "GET", "/items/3/"),
        R("middleware-raises", "GET", "/fail", compare="status"),
        R("body-read-by-middleware", "POST", "/echo", json={"b": 1, "a": 2}),
        R("streamed-route", "GET", "/stream", ORIGIN),
    ],
}


# --- the FastAPI side ------------------------------------------------------------------------

def as_fastapi_source(source: str) -> str:
    """``fasterapi`` imports as ``fastapi`` ones (``FasterAPI`` is ``FastAPI``)."""
    source = re.sub(r"^from fasterapi import (.*)$",
                    lambda m: "from fastapi import " + m.group(1).replace("FasterAPI", "FastAPI as FasterAPI"),
                    source, flags=re.M)
    # FastAPI does not re-export BaseHTTPMiddleware: its users import it from Starlette.
    source = re.sub(r"^from fasterapi\.middleware\.base ", "from starlette.middleware.base ", source, flags=re.M)
    source = re.sub(r"^from fasterapi\.", "from fastapi.", source, flags=re.M)
    assert "fasterapi" not in source.replace("FasterAPI", ""), source
    return source


_clients: dict[str, object] = {}


def fastapi_client(app: str):
    if app not in _clients:
        from fastapi.testclient import TestClient

        name = f"fastapi_middleware_{app}"
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(as_fastapi_source((APPS / f"{app}.py").read_text()), f"<fastapi {app}>", "exec"), module.__dict__)
        _clients[app] = TestClient(module.app, raise_server_exceptions=False, follow_redirects=False)
    return _clients[app]


# --- the FasterAPI side ----------------------------------------------------------------------

@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def servers(request):
    started: dict[str, Server] = {}

    def get(app: str) -> Server:
        if app not in started:
            started[app] = Server(f"tests.apps.middleware.{app}:app", cores=request.param).start()
        return started[app]

    yield get
    for srv in started.values():
        srv.stop_and_check()


def send(client, req: Req) -> httpx.Response:
    return client.request(req.method, req.url, headers=req.headers, **req.kwargs)


def answer(resp: httpx.Response, compare: str) -> dict:
    media_type = resp.headers.get("content-type", "").split(";")[0].strip()
    got = {"status": resp.status_code}
    if compare == "status":
        return got
    got["media_type"] = media_type
    # httpx has already undone a Content-Encoding: gzip
    got["body"] = resp.content
    for name in COMPARED:
        got[name] = resp.headers.get_list(name)
    for name in PRESENT:
        got[name] = name in resp.headers
    location = resp.headers.get("location")
    if location is not None:
        # Starlette's slash redirect is absolute (http://testserver/...), ours a path; the
        # middleware redirects are absolute on both sides.
        parts = urlsplit(location)
        got["location"] = location if parts.netloc and parts.netloc != "testserver" else parts.path + (
            "?" + parts.query if parts.query else "")
    return got


def _params():
    for app, requests in CASES.items():
        for req in requests:
            yield pytest.param(app, req, id=f"{app}/{req.id}")


@pytest.mark.parametrize("app, req", list(_params()))
def test_like_fastapi(servers, app: str, req: Req):
    expected = answer(send(fastapi_client(app), req), req.compare)
    srv = servers(app)
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30, follow_redirects=False) as client:
        actual = answer(send(client, req), req.compare)
    assert actual == expected
    assert srv.alive()


_in_process: dict[str, object] = {}


@pytest.mark.parametrize("app, req", list(_params()))
def test_like_fastapi_in_process(app: str, req: Req):
    """The same requests through ``fasterapi.testclient.TestClient``: the server's dispatch,
    native layers and miss route, in this interpreter."""
    if app not in _in_process:
        import importlib

        from fasterapi.testclient import TestClient

        module = importlib.import_module(f"tests.apps.middleware.{app}")
        _in_process[app] = TestClient(module.app, raise_server_exceptions=False, follow_redirects=False)
    expected = answer(send(fastapi_client(app), req), req.compare)
    assert answer(send(_in_process[app], req), req.compare) == expected


def test_gzip_stream_is_a_stream(servers):
    """A streamed body goes out compressed chunk by chunk (each chunk decodable on arrival),
    and decompresses to exactly the uncompressed stream."""
    srv = servers("gzip")
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as client:
        with client.stream("GET", "/stream", headers=GZ) as resp:
            assert resp.headers["content-encoding"] == "gzip"
            assert "content-length" not in resp.headers
            raw = b"".join(resp.iter_raw())
    expected = b"".join(f"chunk {i} ".encode() * 10 for i in range(20))
    assert gzip.decompress(raw) == expected


def test_gzip_head(servers):
    """HEAD (answered by the GET route here; FastAPI answers 405) gets the GET answer's
    headers, compressed length included, and no body."""
    srv = servers("gzip")
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as client:
        get = client.get("/big", headers=GZ)
        head = client.head("/big", headers=GZ)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-encoding"] == "gzip" and head.headers["vary"] == "Accept-Encoding"
    assert head.headers["content-length"] == get.headers["content-length"]


def test_middleware_failure_keeps_serving(servers):
    srv = servers("custom")
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as client:
        for _ in range(5):
            resp = client.get("/fail")
            assert resp.status_code == 500
            assert resp.text == "Internal Server Error"
        assert client.get("/items/1").json() == {"item_id": 1}
    assert srv.alive()


def test_gzip_keeps_serving_pipelined(servers):
    """Compressed and plain answers interleaved on one keep-alive connection."""
    srv = servers("cors_any")
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as client:
        for _ in range(20):
            big = client.get("/big", headers=GZ)
            assert big.headers["content-encoding"] == "gzip" and len(big.json()["items"]) == 50
            assert client.get("/").json() == {"message": "Hello World"}


def test_lane_app_misses_reach_the_middleware(servers):
    """FasterAPI(interpreter="main"): routes and misses go through the middleware in the lane."""
    srv = servers("lane")
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as client:
        found = client.get("/items/2", headers=ORIGIN)
        missing = client.get("/nope", headers=ORIGIN)
        wrong_method = client.post("/items/2")
    assert found.json() == {"item_id": 2} and found.headers["x-lane-status"] == "200"
    assert found.headers["access-control-allow-origin"] == "http://localhost"
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert missing.headers["x-lane-status"] == "404" and missing.headers["vary"] == "Origin"
    assert wrong_method.status_code == 405 and wrong_method.headers["x-lane-status"] == "405"


@pytest.mark.parametrize("app", ["custom", "cors", "gzip"])
def test_unchanged_fastapi_source_under_compat(tmp_path, app):
    """The FastAPI form of an app (``from fastapi.middleware.cors ...``, ``from
    starlette.middleware.base ...``) served with ``--compat`` answers like FastAPI."""
    module = f"fastapi_form_{app}"
    (tmp_path / f"{module}.py").write_text(as_fastapi_source((APPS / f"{app}.py").read_text()))
    path = os.pathsep.join([str(Path(__file__).resolve().parents[2]), str(tmp_path), os.environ.get("PYTHONPATH", "")])
    srv = Server(f"{module}:app", cores=2, env={"PYTHONPATH": path}, extra_args=["--compat"]).start()
    try:
        with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30, follow_redirects=False) as client:
            for req in CASES[app]:
                expected = answer(send(fastapi_client(app), req), req.compare)
                assert answer(send(client, req), req.compare) == expected, req.id
        assert srv.alive(), srv.describe()
    finally:
        srv.stop_and_check()
