"""The TestClient answers exactly as the real server does: the same requests to the features
app over a socket (a `fasterapi run` process) and in process (``TestClient``) get the same
status, header fields (all but ``Date``) and body, misses, ``HEAD`` and failures included."""

from __future__ import annotations

import pytest

from fasterapi.testclient import TestClient
from tests.integration.helpers import fetch

REQUESTS = [
    ("GET", "/text"),
    ("GET", "/path/int/7"),
    ("GET", "/path/int/x"),
    ("GET", "/files/a/b%20c.txt"),
    ("GET", "/query/required"),
    ("GET", "/query/list?tag=a&tag=b"),
    ("GET", "/resp/plain"),
    ("GET", "/resp/raw"),
    ("GET", "/resp/empty"),
    ("GET", "/resp/multi-header"),
    ("GET", "/teapot"),
    ("GET", "/error"),
    ("GET", "/error-async"),
    ("GET", "/nan"),
    ("GET", "/no/such/path"),  # 404
    ("DELETE", "/text"),  # 405 with Allow
    ("POST", "/text"),  # 405
    ("GET", "/text/"),  # 307 to /text
    ("HEAD", "/text"),  # GET's answer without its body
    ("HEAD", "/resp/json"),
    ("OPTIONS", "/text"),
    ("POST", "/echo"),
]


def _wire(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header fields to compare: names lower-cased, ``Date`` (the clock) left out."""
    return [(name.lower(), value) for name, value in headers if name.lower() != "date"]


@pytest.mark.parametrize("features_server", [1], indirect=True)
def test_in_process_answers_are_the_servers(features_server):
    from tests.apps.features import app

    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    for method, path in REQUESTS:
        body = b'{"k": [1, 2]}' if method == "POST" else b""
        headers = {"content-type": "application/json"} if body else None
        over_socket = fetch(features_server, method, path, body, headers, check=False)
        in_process = client.request(method, path, content=body, headers=headers)
        where = f"{method} {path}"
        assert in_process.status_code == over_socket.status, where
        assert _wire(in_process.headers.multi_items()) == _wire(over_socket.headers), where
        assert in_process.content == over_socket.body, where
