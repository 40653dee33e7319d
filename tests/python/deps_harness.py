"""One app source, run by FastAPI (its TestClient) and by FasterAPI (our compiled handlers,
called as the bridge calls them, with a stand-in request object), for the dependency and
security tests. Self-contained, so it does not depend on conftest's test client.

The source is executed twice with each side's names injected (``App``, ``Depends``,
``HTTPBasic``...), so it is written once. For every request the status, the JSON body and the
headers named in ``compare`` must be equal; the app may record what its dependencies did in
a module-level ``events`` list, which is compared too. Expectations are FastAPI's answers,
computed, never written by hand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import textwrap
import types
import warnings
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any

import re

import pytest

fastapi = pytest.importorskip("fastapi")
import fastapi.security  # noqa: E402
import pydantic  # noqa: E402

import fasterapi  # noqa: E402
import fasterapi.security  # noqa: E402
from fasterapi import _native  # noqa: E402
from fasterapi.encoders import encode_fallback  # noqa: E402
from fasterapi.responses import Response  # noqa: E402
from tests.python import conftest  # noqa: E402

FRAMEWORK_NAMES = ("Depends", "Security", "HTTPException", "Request", "Query", "Header", "Cookie", "Body", "Form", "Path", "APIRouter")
PYDANTIC_NAMES = ("BaseModel",)
SECURITY_NAMES = (
    "APIKeyCookie", "APIKeyHeader", "APIKeyQuery", "HTTPAuthorizationCredentials", "HTTPBasic", "HTTPBasicCredentials",
    "HTTPBearer", "HTTPDigest", "OAuth2AuthorizationCodeBearer", "OAuth2PasswordBearer", "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict", "OpenIdConnect", "SecurityScopes",
)

_counter = itertools.count()


class FakeRequest(conftest.FakeRequest):
    """conftest's stand-in for ``fasterapi._native.Request``, keeping after-send hooks."""

    def after_send(self, hook: Any) -> None:
        """What the bridge keeps for after the response (``_after_send``); run by ``_settled``."""
        self.__dict__.setdefault("hooks", []).append(hook)


def _match(template: str, path: str) -> dict | None:
    pattern = re.sub(r"{(\w+):path}", r"(?P<\1>.*)", template)
    pattern = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", pattern)
    found = re.fullmatch(pattern, path)
    return found.groupdict() if found else None


def call_route(app: Any, method: str, url: str, headers: list | None = None) -> Any:
    """One request through ``app``'s compiled handlers; the handler's answer (a coroutine's
    result, for async ones)."""
    path, _, query = url.partition("?")
    for route in app._compile_routes():
        params = _match(route.path, path)
        if params is not None and route.method == method:
            req = FakeRequest(method=method, path=path, query_string=query.encode(),
                              headers=list(headers or []), path_params=params)
            return asyncio.run(_settled(route.handler(req), req))
    raise AssertionError(f"no route for {method} {path}")


def build(source: str, side: str) -> types.ModuleType:
    """Run ``source`` with one side's names; return the module (``module.app`` is the app)."""
    if side == "fastapi":
        names: dict[str, Any] = {n: getattr(fastapi, n) for n in FRAMEWORK_NAMES}
        names.update({n: getattr(pydantic, n) for n in PYDANTIC_NAMES})
        names.update({n: getattr(fastapi.security, n) for n in SECURITY_NAMES})
        names["App"] = fastapi.FastAPI
    else:
        names = {n: getattr(fasterapi, n) for n in FRAMEWORK_NAMES + PYDANTIC_NAMES}
        names.update({n: getattr(fasterapi.security, n) for n in SECURITY_NAMES})
        names["App"] = fasterapi.FasterAPI
    module = types.ModuleType(f"deps_app_{side}_{next(_counter)}")
    sys.modules[module.__name__] = module  # forward references resolve against it
    module.__dict__.update(names)
    exec(compile(textwrap.dedent(source), module.__name__, "exec", dont_inherit=True), module.__dict__)
    return module


@dataclass
class Call:
    method: str
    url: str
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def get(cls, url: str, **headers: str) -> "Call":
        return cls("GET", url, {k.replace("_", "-"): v for k, v in headers.items()})

    @classmethod
    def json(cls, url: str, data: Any, **headers: str) -> "Call":
        return cls("POST", url, {"content-type": "application/json", **headers}, json.dumps(data).encode())

    @classmethod
    def form(cls, url: str, fields: dict) -> "Call":
        from urllib.parse import urlencode

        return cls("POST", url, {"content-type": "application/x-www-form-urlencoded"}, urlencode(fields).encode())


def _answer(status: int, body: bytes, headers: dict[str, str]) -> dict:
    try:
        content: Any = json.loads(body) if body else None
    except ValueError:
        content = ("not JSON", body[:200])
    return {"status": status, "body": content, "headers": headers}


async def _settled(answer: Any, req: Any = None) -> Any:
    """A handler's answer (its coroutine awaited), then what the bridge does once the response
    is sent: the request's after-send hooks, and a few turns of the loop (the core's never
    stops) for the tasks they start."""
    result = (await answer) if isinstance(answer, CoroutineType) else answer
    for hook in getattr(req, "__dict__", {}).get("hooks", ()):
        hook()
    for _ in range(10):
        await asyncio.sleep(0)
    return result


class Pair:
    """The two sides of one app source."""

    def __init__(self, source: str, *, prepare: Any = None) -> None:
        self.theirs = build(source, "fastapi")
        self.ours = build(source, "fasterapi")
        if prepare is not None:  # e.g. set dependency_overrides before the clients exist
            prepare(self.theirs)
            prepare(self.ours)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        self.client = TestClient(self.theirs.app, raise_server_exceptions=False)
        self.routes = self.ours.app._compile_routes()

    def send_theirs(self, call: Call, header_names: tuple[str, ...]) -> tuple[dict, list]:
        request = self.client.build_request(call.method, call.url, headers=call.headers, content=call.body)
        response = self.client.send(request)
        headers = {n: response.headers.get(n) for n in header_names if n in response.headers}
        return _answer(response.status_code, response.content, headers), request.headers.multi_items()

    def send_ours(self, call: Call, sent_headers: list, header_names: tuple[str, ...]) -> dict:
        path, _, query = call.url.partition("?")
        for route in self.routes:
            params = _match(route.path, path)
            if params is None or route.method != call.method:
                continue
            req = FakeRequest(method=call.method, path=path, query_string=query.encode(),
                              headers=[(k.lower(), v) for k, v in sent_headers], body=call.body, path_params=params)
            try:
                answer = asyncio.run(_settled(route.handler(req), req))
            except Exception:  # the bridge answers 500 (and logs the traceback)
                return _answer(500, b"Internal Server Error", {})
            if isinstance(answer, Response):
                raw = {k.decode("latin-1"): v.decode("latin-1") for k, v in answer.raw_headers}
                return _answer(answer.status_code, answer.body, {n: raw[n] for n in header_names if n in raw})
            try:
                body = _native.json_dumps(answer)
            except TypeError:
                body = encode_fallback(answer)
            return _answer(route.status_code, body, {})
        raise AssertionError(f"no route for {call.method} {path}")

    def compare(self, calls: list[Call], header_names: tuple[str, ...] = ("www-authenticate",)) -> list[str]:
        """The calls on which the two sides differ (answer or ``events``), described."""
        problems = []
        for call in calls:
            for module in (self.theirs, self.ours):
                if hasattr(module, "events"):
                    module.events.clear()
            expected, sent = self.send_theirs(call, header_names)
            actual = self.send_ours(call, sent, header_names)
            if hasattr(self.theirs, "events"):
                expected["events"] = list(self.theirs.events)
                actual["events"] = list(self.ours.events)
            if expected != actual:
                problems.append(f"{call.method} {call.url} {call.headers}\n  FastAPI:   {json.dumps(expected, default=str)[:1500]}"
                                f"\n  FasterAPI: {json.dumps(actual, default=str)[:1500]}")
        return problems


def assert_same(source: str, calls: list[Call], header_names: tuple[str, ...] = ("www-authenticate",), prepare: Any = None) -> Pair:
    pair = Pair(source, prepare=prepare)
    problems = pair.compare(calls, header_names)
    assert not problems, "\n".join(problems)
    return pair
