"""Helpers for the pure-Python tests.

The real ``fasterapi._native`` is used; only the *request object* is faked,
because ``_native.Request`` cannot be constructed from Python. Handlers only
read its attributes, so a plain object with the same attributes will do.
"""

from __future__ import annotations

import asyncio
from types import CoroutineType

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from fasterapi import _native


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


def _match(template: str, path: str) -> dict | None:
    pattern = re.sub(r"{(\w+):path}", r"(?P<\1>.*)", template)
    pattern = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", pattern)
    m = re.fullmatch(pattern, path)
    return m.groupdict() if m else None


class Client:
    """Routes a fake request through the compiled handlers, like the bridge would."""

    def __init__(self, app: Any) -> None:
        self.routes = app._compile_routes()

    def request(self, method: str, url: str, *, headers: dict | list | None = None, body: Any = b"") -> Any:
        path, _, query = url.partition("?")
        # A list of pairs sends repeated headers; a dict one of each.
        header_list = [(k.lower(), v) for k, v in (headers.items() if isinstance(headers, dict) else headers or [])]
        if not isinstance(body, bytes):
            body = _native.json_dumps(body)
            # What a JSON client sends (FastAPI reads a body as JSON only with this type).
            if not any(k == "content-type" for k, _ in header_list):
                header_list.append(("content-type", "application/json"))
        for route in self.routes:
            route_method, template, handler, status_code = route.method, route.path, route.handler, route.status_code
            params = _match(template, path)
            if params is not None and route_method == method:
                req = FakeRequest(
                    method=method,
                    path=path,
                    query_string=query.encode(),
                    headers=header_list,
                    body=body,
                    path_params=params,
                )
                answer = handler(req)
                if isinstance(answer, CoroutineType):
                    # The bridge runs it as a task on the core's loop; here, a loop of our own.
                    answer = asyncio.run(answer)
                return Result(answer, status_code)
        raise AssertionError(f"no route for {method} {path}")

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)


class Result:
    """The handler's return value, normalised the way the bridge sends it."""

    def __init__(self, value: Any, route_status: int) -> None:
        from fasterapi.responses import Response

        self.value = value
        if isinstance(value, Response):
            self.status_code = value.status_code
            self.body = value.body
            self.headers = dict(value.raw_headers)
        else:
            self.status_code = route_status
            self.body = None
            self.headers = {}

    def json(self) -> Any:
        if self.body is None:
            if getattr(type(self.value), "__fasterapi_schema__", None) is not None:
                # A model instance: the bridge writes it with its own schema, as encode_fallback.
                from fasterapi.encoders import encode_fallback

                return _native.json_loads(encode_fallback(self.value))
            return self.value
        return _native.json_loads(self.body)


@pytest.fixture
def client_for():
    return Client
