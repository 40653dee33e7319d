"""Running the same app and the same requests through FastAPI and through FasterAPI.

An app is written once, with ``from fasterapi import ...``; FastAPI's copy is the same source
with the imports turned back (``tests.integration.test_tutorial.as_fastapi_source``). Each
request goes to FastAPI's ``TestClient`` and to ours (``fasterapi.testclient``: the server's
router, dispatch and encoding, in process), and the status and JSON body must match. Expectations are therefore FastAPI's answers, computed, never
written by hand.
"""

from __future__ import annotations

import itertools
import json
import sys
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

from fasterapi.testclient import TestClient
from tests.integration.test_tutorial import as_fastapi_source

_counter = itertools.count()


@dataclass
class Call:
    """One request: the URL may carry a query string; ``headers`` is a list of pairs."""

    id: str
    method: str
    url: str
    headers: list = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, id: str, method: str, url: str, data: Any, headers: list | None = None) -> "Call":
        return cls(id, method, url, [("content-type", "application/json"), *(headers or [])], json.dumps(data).encode())

    @classmethod
    def form(cls, id: str, url: str, fields: list, headers: list | None = None) -> "Call":
        from urllib.parse import urlencode

        return cls(id, "POST", url, [("content-type", "application/x-www-form-urlencoded"), *(headers or [])], urlencode(fields).encode())

    @classmethod
    def multipart(cls, id: str, url: str, parts: list, boundary: str = "b0undary") -> "Call":
        """``parts``: ``(name, value)`` for text, ``(name, (filename, content, content_type))`` for files."""
        return cls(id, "POST", url, [("content-type", f"multipart/form-data; boundary={boundary}")], encode_multipart(parts, boundary))


def encode_multipart(parts: list, boundary: str) -> bytes:
    out = []
    for name, value in parts:
        out.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, content, content_type = (value + (None,))[:3]
            out.append(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode())
            if content_type:
                out.append(f"Content-Type: {content_type}\r\n".encode())
            out.append(b"\r\n" + (content if isinstance(content, bytes) else content.encode()) + b"\r\n")
        else:
            out.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.append((value if isinstance(value, bytes) else value.encode()) + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def load(source: str) -> tuple[Any, Any]:
    """``(fastapi_app, fasterapi_app)`` from one source."""
    apps = []
    # fasterapi.pydantic's names are pydantic's.
    theirs = as_fastapi_source(source.replace("from fasterapi.pydantic import", "from pydantic import")
                               .replace("from fasterapi.responses import", "from fastapi.responses import"))
    for side, text in (("fastapi", theirs), ("fasterapi", source)):
        name = f"params_harness_{side}_{next(_counter)}"
        module = types.ModuleType(name)
        sys.modules[name] = module  # pydantic resolves annotations through sys.modules
        exec(compile(text, name, "exec", dont_inherit=True), module.__dict__)
        apps.append(module.app)
    return apps[0], apps[1]


class Ours:
    """Our app, through ``fasterapi.testclient``."""

    def __init__(self, app: Any) -> None:
        self.client = TestClient(app, raise_server_exceptions=False)

    def send(self, call: Call) -> dict:
        response = self.client.request(call.method, call.url, headers=call.headers, content=call.body)
        return _answer(response.status_code, response.content)


class Theirs:
    def __init__(self, app: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        self.client = TestClient(app, raise_server_exceptions=False)

    def send(self, call: Call) -> tuple[dict, list]:
        """FastAPI's answer, and the headers the request really had (TestClient adds host,
        user-agent, accept...: a header model sees them, so ours must get them too)."""
        request = self.client.build_request(call.method, call.url, headers=list(call.headers), content=call.body)
        response = self.client.send(request)
        return _answer(response.status_code, response.content), request.headers.multi_items()


def _answer(status: int, body: bytes) -> dict:
    try:
        content: Any = json.loads(body) if body else None
    except ValueError:
        content = ("not JSON", body[:200])
    return {"status": status, "body": content}


def compare(source: str, calls: list[Call]) -> list[str]:
    """The calls whose answers differ, described; empty when FastAPI and we agree on all."""
    theirs_app, ours_app = load(source)
    theirs, ours = Theirs(theirs_app), Ours(ours_app)
    problems = []
    for call in calls:
        expected, sent_headers = theirs.send(call)
        actual = ours.send(Call(call.id, call.method, call.url, sent_headers, call.body))
        if expected != actual:
            problems.append(f"{call.id}: {call.method} {call.url}\n  FastAPI:   {json.dumps(expected)[:1500]}\n  FasterAPI: {json.dumps(actual)[:1500]}")
    return problems
