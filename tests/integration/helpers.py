"""Request helpers shared by the integration tests."""

from __future__ import annotations

import json

from tests.integration.rawhttp import Conn, Resp, check_common
from tests.integration.server import Server

HELLO = "examples.hello:app"


def fetch(server: Server, method: str, path: str, body: bytes = b"", headers=None,
          timeout: float = 15.0, check: bool = True) -> Resp:
    """One request on a NEW connection (closed afterwards), with the common header checks."""
    with Conn(server.host, server.port, timeout=timeout) as c:
        r = c.request(method, path, body, headers)
    if check:
        check_common(r, head=(method == "HEAD"))
    return r


def assert_serving(server: Server) -> None:
    """The server still answers a normal request on a new connection."""
    assert server.alive(), f"server process died\n{server.describe()}"
    try:
        r = fetch(server, "GET", "/plaintext" if server.app == HELLO else "/text")
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"server no longer serves ({e!r})\n{server.describe()}") from e
    assert r.status == 200, r


def post_json(server: Server, path: str, obj, headers=None) -> Resp:
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return fetch(server, "POST", path, json.dumps(obj).encode(), h)
