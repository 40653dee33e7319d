"""The dependencies-and-security tutorial app (tests/apps/deps_security.py) over the real server,
1 and 2 cores, and through ``fasterapi.testclient.TestClient`` in process, answer for answer
against FastAPI serving the same source.

Expectations are computed: the app's source is exec'd with its imports turned back into
FastAPI's (``fasterapi.security`` -> ``fastapi.security``, the rest as in test_tutorial) and
called through ``fastapi.testclient.TestClient``. Status, JSON body and ``WWW-Authenticate``
must match. Tokens are JWTs that carry an expiry time, so each side logs in and uses its own.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import httpx
import pytest

from tests.integration.server import Server
from tests.integration.test_tutorial import as_fastapi_source

APP_FILE = Path(__file__).resolve().parents[1] / "apps" / "deps_security.py"


@pytest.fixture(scope="module", params=["cores1", "cores2", "testclient"])
def client(request):
    """The app served over sockets by a real server (1 or 2 cores), or in process."""
    if request.param == "testclient":
        from fasterapi.testclient import TestClient

        from tests.apps import deps_security

        with TestClient(deps_security.app, raise_server_exceptions=False) as in_process:
            yield in_process
        return
    srv = Server("tests.apps.deps_security:app", cores=int(request.param.removeprefix("cores"))).start()
    with httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30) as over_http:
        yield over_http
    assert srv.alive(), srv.describe()
    srv.stop_and_check()


@pytest.fixture(scope="module")
def fastapi_app():
    from fastapi.testclient import TestClient

    source = APP_FILE.read_text().replace("from fasterapi.security import", "from fastapi.security import")
    module = types.ModuleType("fastapi_deps_security")
    sys.modules[module.__name__] = module  # pydantic resolves annotations through sys.modules
    exec(compile(as_fastapi_source(source), "<fastapi deps_security>", "exec"), module.__dict__)
    return TestClient(module.app, raise_server_exceptions=False)


def answer(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = ("not JSON", response.text)
    return {"status": response.status_code, "body": body, "www-authenticate": response.headers.get("www-authenticate")}


def login(client, username: str, password: str, scope: str = "") -> str | None:
    response = client.post("/token", data={"username": username, "password": password, "scope": scope})
    return response.json().get("access_token") if response.status_code == 200 else None


def bearer(token: str | None) -> dict:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def scenario(client) -> list[tuple[str, dict]]:
    """The same requests, sent to one side; the tokens are that side's own."""
    full = login(client, "johndoe", "secret", "me items")
    me_only = login(client, "johndoe", "secret", "me")
    disabled = login(client, "alice", "secret2", "me")
    out = []

    def send(label: str, method: str, url: str, **kwargs) -> None:
        out.append((label, answer(client.request(method, url, **kwargs))))

    send("token-ok-shape", "POST", "/token", data={"username": "johndoe", "password": "secret"})
    send("token-bad-password", "POST", "/token", data={"username": "johndoe", "password": "nope"})
    send("token-unknown-user", "POST", "/token", data={"username": "bob", "password": "x"})
    send("token-missing-fields", "POST", "/token", data={"username": "johndoe"})
    send("token-bad-grant", "POST", "/token", data={"username": "johndoe", "password": "secret", "grant_type": "implicit"})
    send("token-json-body", "POST", "/token", json={"username": "johndoe", "password": "secret"})
    for path in ("/users/me/", "/users/me/items/", "/status/"):
        send(f"{path} no-auth", "GET", path)
        send(f"{path} wrong-scheme", "GET", path, headers={"Authorization": "Basic abc"})
        send(f"{path} garbage-token", "GET", path, headers=bearer("not.a.jwt"))
        send(f"{path} forged-token", "GET", path, headers=bearer((full or "x.y.z")[:-2] + "AA"))
        send(f"{path} full", "GET", path, headers=bearer(full))
        send(f"{path} me-only", "GET", path, headers=bearer(me_only))
        send(f"{path} disabled", "GET", path, headers=bearer(disabled))
    send("items", "GET", "/items/?q=foo&skip=1&limit=5")
    send("items-invalid", "GET", "/items/?skip=a&limit=b")
    send("class-items", "GET", "/class-items/?skip=1&limit=1&q=x")
    send("query", "GET", "/query/?q=hello")
    send("query-cookie", "GET", "/query/", headers={"Cookie": "last_query=from-cookie"})
    good = {"X-Token": "fake-super-secret-token", "X-Key": "fake-super-secret-key"}
    send("guarded", "GET", "/guarded-items/", headers=good)
    send("guarded-bad-token", "GET", "/guarded-items/", headers={**good, "X-Token": "x"})
    send("guarded-missing", "GET", "/guarded-items/")
    return out


def normalise(label: str, result: dict) -> dict:
    if label == "token-ok-shape" and result["status"] == 200:
        # The token itself differs (its expiry second); its shape must not.
        result = {**result, "body": sorted(result["body"])}
    return result


def test_tutorial_app_answers_like_fastapi(client, fastapi_app) -> None:
    expected = scenario(fastapi_app)
    actual = scenario(client)
    problems = []
    for (label, want), (_, got) in zip(expected, actual):
        want, got = normalise(label, want), normalise(label, got)
        if want != got:
            problems.append(f"{label}\n  FastAPI:   {json.dumps(want)[:800]}\n  FasterAPI: {json.dumps(got)[:800]}")
    assert not problems, "\n".join(problems)


def db_run(client) -> list:
    """Requests through the ``yield`` dependency, then what it did (one connection: one core)."""
    out = []
    before = len(client.get("/db-log").json())
    for name in ("ok", "plumbus", "missing"):
        out.append(answer(client.get(f"/db/{name}", headers={"x-request-tag": name})))
    for name in ("a-ok", "a-missing"):
        out.append(answer(client.get(f"/async-db/{name.removeprefix('a-')}", headers={"x-request-tag": name})))
    out.append(client.get("/db-log").json()[before:])
    return out


def test_yield_dependency_cleanup_runs_like_fastapi(client, fastapi_app) -> None:
    expected = db_run(fastapi_app)
    actual = db_run(client)
    assert actual == expected
    assert expected[-1] == ["open ok", "close ok", "open plumbus", "owner error plumbus", "close plumbus", "open missing", "close missing",
                            "async open a-ok", "async close a-ok", "async open a-missing", "async close a-missing"]
