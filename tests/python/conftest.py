"""Helpers for the pure-Python tests.

Requests to an app go through ``fasterapi.testclient.TestClient`` (the server's router,
dispatch and encoding, in process). ``FakeRequest`` remains for unit tests of the
``Request`` wrapper alone: ``_native.Request`` cannot be constructed from Python, and the
wrapper only reads its attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeRequest:
    method: str = "GET"
    path: str = "/"
    query_string: bytes = b""
    headers: list = field(default_factory=list)
    body: bytes = b""
    path_params: dict = field(default_factory=dict)
    http_version: str = "1.1"
    client: Any = ("127.0.0.1", 50000)
    server: Any = ("127.0.0.1", 8000)
    scheme: str = "http"

    @property
    def raw_path(self) -> bytes:
        return self.path.encode()

    def header_values(self, name: str) -> list[str]:
        # What _native.Request.header_values does in Rust.
        return [v for k, v in self.headers if k == name.lower()]
