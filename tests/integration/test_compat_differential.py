"""The differential test of compatibility mode: one FastAPI app source (written with
``from fastapi import ...`` and ``from pydantic import ...``) served by real FastAPI on uvicorn
and by ``fasterapi run --compat`` on 1 and 2 cores, both as real server processes; the same few
hundred requests go to both over HTTP, and status, body (JSON or text, after decompressing) and
the relevant headers must match.

Two apps: tests/apps/compat/tutorial_app.py (parameters, bodies, models, forms, response
classes, a router, error handlers) and tests/apps/compat/features_app.py (issue 8: dependencies,
security, middleware incl. CORS and GZip, exception handlers, background tasks, lifespan
state). The requests are generated from a fixed seed, so a failure names a request that can be
replayed (its id is its app, index and a summary). To cover more of FastAPI, extend an app and
its request builder together.
"""

from __future__ import annotations

import base64
import json
import random
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.apps.compat.features_app import TOKEN_EXPIRES, encode_jwt
from tests.integration.server import HOST, REPO, Server, base_env, free_port

SEED = 20261128

# Headers whose values must be the same on both sides (by name, lower case), besides every
# access-control-* and x-* header. Framing, Date and Server headers are each server's own business.
RELEVANT_HEADERS = ("content-type", "location", "allow", "www-authenticate", "set-cookie", "vary", "content-encoding")
RELEVANT_PREFIXES = ("access-control-", "x-")


@dataclass
class Req:
    method: str
    url: str
    kwargs: dict = field(default_factory=dict)
    #: Requests sent right after this one (on any connection, so on any core), whose answers
    #: are compared too: how an effect of this request (a background task) becomes visible.
    then: list["Req"] = field(default_factory=list)

    def summary(self) -> str:
        body = self.kwargs.get("json", self.kwargs.get("data", self.kwargs.get("content")))
        text = f"{self.method} {self.url}" + (f" {json.dumps(body, default=repr)[:60]}" if body is not None else "")
        headers = self.kwargs.get("headers")
        if headers:
            pairs = headers.items() if isinstance(headers, dict) else headers
            text += " [" + ", ".join(f"{k}: {v!s:.30}" for k, v in pairs) + "]"
        return text + "".join(f" -> {r.summary()}" for r in self.then)


# -- the requests ------------------------------------------------------------------------------

WORDS = ["foo", "bar", "baz", "plumbus", "ünïcode", "with space", "emoji🙂", "", "a" * 60, "UPPER", "x&y=z", "%41"]
NUMBERS = ["0", "1", "42", "-7", "1000", "1001", "99999999999999999999", "1.5", "1e3", "abc", "0x10", " 3"]
BOOLS = ["true", "false", "1", "0", "yes", "no", "on", "off", "True", "maybe", ""]


def _maybe(rng: random.Random, value, p: float = 0.5):
    return value if rng.random() < p else None


def _query(pairs: list[tuple[str, str | None]]) -> str:
    parts = [f"{quote(k)}={quote(v, safe='')}" for k, v in pairs if v is not None]
    return ("?" + "&".join(parts)) if parts else ""


def _item(rng: random.Random) -> object:
    """A request body for Item: mostly valid, often wrong in one or several ways."""
    item: dict = {"name": rng.choice(["Foo", "Bar", "", "n" * 51, 5, None, "ünï"]), "price": rng.choice([1, 50.5, "42", 0, -3, "cheap", None, 1e308])}
    if rng.random() < 0.5:
        item["description"] = rng.choice(["A description", None, 3, ["x"]])
    if rng.random() < 0.5:
        item["tax"] = rng.choice([0.5, "1.5", None, "zero"])
    if rng.random() < 0.4:
        item["tags"] = rng.choice([["a", "b"], [], "rock", [1, 2], [None]])
    if rng.random() < 0.2:
        item["colour"] = "red"  # extra keys are ignored
    if rng.random() < 0.15:
        del item[rng.choice(["name", "price"])]
    return rng.choice([item] * 8 + [[item], "text", None])


def build_requests(rng: random.Random) -> list[Req]:
    reqs = [Req("GET", "/"), Req("GET", "/html/"), Req("GET", "/text/"), Req("GET", "/old/"), Req("GET", "/teapot/"),
            Req("GET", "/users/"), Req("GET", "/nowhere"), Req("POST", "/"), Req("DELETE", "/items/5"),
            Req("GET", "/stored/foo"), Req("GET", "/stored/bar"), Req("GET", "/stored/baz"), Req("GET", "/unicorns/yolo"),
            Req("HEAD", "/"), Req("OPTIONS", "/"), Req("GET", "/users"), Req("GET", "/items/5/"), Req("GET", "/search")]
    for _ in range(50):
        reqs.append(Req("GET", f"/items/{quote(rng.choice(NUMBERS))}" + _query(
            [("q", _maybe(rng, rng.choice(WORDS))), ("short", _maybe(rng, rng.choice(BOOLS)))])))
    for name in ("alexnet", "resnet", "lenet", "vgg", "ALEXNET", ""):
        reqs.append(Req("GET", f"/models/{name}"))
    for _ in range(10):
        path = "/".join(quote(rng.choice(WORDS) or "x") for _ in range(rng.randint(1, 4)))
        reqs.append(Req("GET", f"/files/{path}"))
    for _ in range(40):
        pairs = [("q", _maybe(rng, rng.choice(["abc", "ab", "hello world", "Hello", "a" * 51, "café", "ok"])))]
        pairs.append(("page", _maybe(rng, rng.choice(NUMBERS))))
        pairs += [("tag", rng.choice(WORDS)) for _ in range(rng.randint(0, 3))]
        reqs.append(Req("GET", "/search/" + _query(pairs)))
    for _ in range(50):
        reqs.append(Req("POST", "/items/", {"json": _item(rng)}))
    for raw, content_type in ((b'{"name": "Foo", "price": ', "application/json"), (b'{"name": "Foo", "price": 2}', "text/plain"),
                              (b"", "application/json"), (b'{"name": "Foo", "price": 2}', "application/vnd.api+json")):
        reqs.append(Req("POST", "/items/", {"content": raw, "headers": {"Content-Type": content_type}}))
    for _ in range(30):
        body = {"item": _item(rng), "importance": rng.choice([1, 5, 0, -1, "3", "high", None])}
        if rng.random() < 0.2:
            del body[rng.choice(["item", "importance"])]
        reqs.append(Req("PUT", f"/items/{rng.choice(NUMBERS)}" + _query([("q", _maybe(rng, rng.choice(WORDS)))]), {"json": body}))
    for _ in range(25):
        user = {"username": rng.choice(["john", "john doe", "", 7]), "password": rng.choice(["secret", 1]),
                "email": rng.choice(["john@example.com", "not-an-email", "JOHN@EXAMPLE.COM"])}
        if rng.random() < 0.5:
            user["full_name"] = rng.choice(["John Doe", None, 3])
        if rng.random() < 0.15:
            del user[rng.choice(list(user))]
        reqs.append(Req("POST", "/user/", {"json": user}))
    for _ in range(20):
        form = {"username": rng.choice(["johndoe", "", "ünï"]), "password": rng.choice(["secret", "ab", ""])}
        if rng.random() < 0.2:
            del form[rng.choice(list(form))]
        kind = rng.random()
        kwargs = {"data": form} if kind < 0.6 else {"files": {k: (None, v) for k, v in form.items()}} if kind < 0.85 else {"json": form}
        reqs.append(Req("POST", "/login/", kwargs))
    for _ in range(20):
        headers = [("User-Agent", rng.choice(["pytest", "Mozilla/5.0", "ünï".encode()]))]
        headers += [("X-Token", rng.choice(["foo", "bar", "baz"])) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.5:
            headers.append(("Cookie", f"ads_id={rng.choice(['abc', 'x y', '1'])}; other=1"))
        reqs.append(Req("GET", "/headers/", {"headers": headers}))
    for _ in range(10):
        reqs.append(Req("GET", f"/unicorns/{rng.choice(['yolo', 'sparkle', 'YOLO'])}"))
        reqs.append(Req("GET", f"/users/{quote(rng.choice(WORDS) or 'x')}"))
    for _ in range(15):
        reqs.append(Req("POST", "/echo-invalid/", {"json": _item(rng)}))
    return reqs



# -- issue 8's features (tests/apps/compat/features_app.py) -------------------------------------

ORIGINS = ["https://allowed.example", "http://localhost:8080", "https://evil.example", "null", "HTTPS://ALLOWED.EXAMPLE"]
ENCODINGS = ["gzip", "identity", "br", "gzip, deflate", "*", "gzip;q=0", None]


def _token(sub: str, scopes: list[str]) -> str:
    return encode_jwt({"sub": sub, "scopes": scopes, "exp": TOKEN_EXPIRES})


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


BEARERS = [
    f"Bearer {_token('johndoe', ['me', 'items'])}", f"Bearer {_token('johndoe', ['me'])}", f"Bearer {_token('johndoe', [])}",
    f"Bearer {_token('alice', ['me'])}", f"Bearer {_token('nobody', ['me'])}", f"bearer {_token('johndoe', ['me', 'items'])}",
    "Bearer not.a.jwt", "Bearer abc", "Bearer", "Bearer  x", "Basic abc", "Token x", "", None,
    f"Bearer {_token('johndoe', ['me', 'items'])[:-2]}xx",
]
BASICS = [
    _basic("stanleyjobson:swordfish"), _basic("stanleyjobson:wrong"), _basic("stanleyjobson"), _basic(":"), _basic("ünï:cøde"),
    "Basic !!!", "Basic", "Basic  x", "basic " + _basic("stanleyjobson:swordfish")[6:], "Bearer x", "", None,
]


def _headers(rng: random.Random, **chosen) -> dict:
    """Request headers: ``chosen`` (None values left out), often an Origin and an Accept-Encoding."""
    headers = {k: v for k, v in chosen.items() if v is not None}
    if rng.random() < 0.4:
        headers["Origin"] = rng.choice(ORIGINS)
    encoding = rng.choice(ENCODINGS)
    # httpx sends its own Accept-Encoding unless told; "identity" stands for "none wanted".
    headers["Accept-Encoding"] = encoding if encoding is not None else "identity"
    if rng.random() < 0.1:
        headers["X-Client"] = rng.choice(["blocked", "fine"])
    return {k.replace("_", "-"): v for k, v in headers.items()}


def _without_client(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k != "X-Client"}


def build_feature_requests(rng: random.Random) -> list[Req]:
    reqs = [Req("GET", "/state"), Req("GET", "/nowhere"), Req("GET", "/middleware/short-circuit"), Req("GET", "/plain-error"),
            Req("GET", "/unicorns/yolo"), Req("GET", "/unicorns/hidden"), Req("GET", "/unicorns/sparkle"), Req("GET", "/cached/"),
            Req("POST", "/state"), Req("GET", "/users/me"), Req("GET", "/basic/me"), Req("GET", "/api-key/")]
    simple = ["/state", "/nowhere", "/middleware/short-circuit", "/plain-error", "/unicorns/yolo", "/unicorns/hidden",
              "/cached/", "/large?n=3", "/large?n=500", "/large-text?n=10", "/large-text?n=300", "/large?n=x"]
    for _ in range(60):
        reqs.append(Req("GET", rng.choice(simple), {"headers": _headers(rng)}))
    for _ in range(30):
        # CORS preflights: allowed and refused origins, methods and headers.
        headers = {"Origin": rng.choice(ORIGINS), "Access-Control-Request-Method": rng.choice(["GET", "POST", "PUT", "DELETE"])}
        if rng.random() < 0.6:
            headers["Access-Control-Request-Headers"] = rng.choice(["X-Token", "x-token, authorization", "X-Other", "content-type", ""])
        if rng.random() < 0.1:
            del headers["Origin"]
        reqs.append(Req("OPTIONS", rng.choice(["/items/", "/users/me", "/nowhere", "/echo"]), {"headers": headers}))
    for _ in range(30):
        path = rng.choice(["/items/", "/class-items/", "/nested/"])
        query = _query([("q", _maybe(rng, rng.choice(WORDS))), ("skip", _maybe(rng, rng.choice(NUMBERS), 0.3)),
                        ("limit", _maybe(rng, rng.choice(NUMBERS), 0.3))])
        reqs.append(Req("GET", path + query, {"headers": _headers(rng, last_query=_maybe(rng, rng.choice(["cookie", "ünï".encode()]), 0.4))}))
    for _ in range(15):
        name = rng.choice(["foo", "plumbus", "missing", "ünï"])
        reqs.append(Req("GET", f"/sessions/{quote(name)}", {"headers": _headers(rng, X_Session=_maybe(rng, rng.choice(["s1", "s2"])))}))
    for _ in range(20):
        reqs.append(Req("GET", rng.choice(["/guarded/items/", "/guarded/open/"]), {"headers": _headers(
            rng, X_Token=_maybe(rng, rng.choice(["fake-super-secret-token", "wrong"]), 0.8),
            X_Key=_maybe(rng, rng.choice(["fake-super-secret-key", "wrong"]), 0.7))}))
    for _ in range(20):
        form = {"username": rng.choice(["johndoe", "alice", "nobody", ""]), "password": rng.choice(["secret", "secret2", "wrong"])}
        if rng.random() < 0.5:
            form["scope"] = rng.choice(["me", "me items", "items admin", ""])
        if rng.random() < 0.15:
            del form[rng.choice(["username", "password"])]
        if rng.random() < 0.1:
            form["grant_type"] = rng.choice(["password", "client_credentials"])
        reqs.append(Req("POST", "/token", {"data": form, "headers": _headers(rng)}))
    for _ in range(45):
        reqs.append(Req("GET", rng.choice(["/users/me", "/users/me/items/"]),
                        {"headers": _headers(rng, Authorization=rng.choice(BEARERS))}))
    for _ in range(20):
        reqs.append(Req("GET", "/basic/me", {"headers": _headers(rng, Authorization=rng.choice(BASICS))}))
    for _ in range(15):
        key = rng.choice(["secret-key", "", None, "ünï".encode()])
        reqs.append(Req("GET", rng.choice(["/api-key/", "/api-key/optional"]), {"headers": _headers(rng, X_API_Key=key)}))
    for i in range(15):
        note = f"n{i}"
        asynchronous = rng.random() < 0.5
        reqs.append(Req("POST", f"/notes/{note}" + _query([("text", rng.choice(["hello", "ünï", "a b"])),
                                                          ("asynchronous", "true" if asynchronous else None)]),
                        # A blocked client queues no task, and the read would wait for a note in vain.
                        {"headers": _without_client(_headers(rng))},
                        then=[Req("GET", f"/notes/{note}", {"headers": _without_client(_headers(rng))})]))
    for _ in range(20):
        body = rng.choice([{"name": "Foo"}, {"name": "Foo", "count": 300}, {"name": "x", "count": "many"}, {}, [], "text"])
        reqs.append(Req("POST", "/echo", {"json": body, "headers": _headers(rng)}))
    return reqs


APPS: dict[str, tuple[str, Callable[[random.Random], list[Req]]]] = {
    "tutorial": ("tests.apps.compat.tutorial_app:app", build_requests),
    "features": ("tests.apps.compat.features_app:app", build_feature_requests),
}
REQUESTS = {name: build(random.Random(SEED)) for name, (_, build) in APPS.items()}
CASES = [(name, i, req) for name, reqs in REQUESTS.items() for i, req in enumerate(reqs)]
CASE_IDS = [f"{name}-{i:03d} {req.summary()}" for name, reqs in REQUESTS.items() for i, req in enumerate(reqs)]


# -- the sides ---------------------------------------------------------------------------------


class UvicornServer(Server):
    """FastAPI on uvicorn: this (dev venv) interpreter, FastAPI and pydantic, a free port."""

    @classmethod
    def for_app(cls, app: str, env: dict[str, str]) -> "UvicornServer":
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port), "--no-access-log"]
        return cls.raw(cmd, env=env, port=port)

    def stop_and_check(self) -> None:
        """uvicorn shuts down gracefully on SIGTERM, then re-raises the signal (since 0.29), so a
        clean exit is "killed by SIGTERM" after the lifespan's shutdown completed."""
        assert self.alive(), f"uvicorn died while the tests ran\n{self.describe()}"
        rc = self.stop(signal.SIGTERM)
        assert rc in (0, -signal.SIGTERM), f"uvicorn exited {rc} on SIGTERM\n{self.describe()}"
        assert "Application shutdown complete." in self.stderr, f"uvicorn's shutdown did not complete\n{self.describe()}"


class Servers:
    """The servers of the module, started on first use and all stopped (and checked to exit
    cleanly on SIGTERM) at the end. Each has its own directory for the background tasks'
    notes."""

    def __init__(self):
        self._servers: dict[tuple[str, str], tuple[Server, httpx.Client]] = {}
        self._dirs: list[tempfile.TemporaryDirectory] = []
        self._in_process: dict[str, list[list[dict]]] = {}

    def client(self, app_name: str, side: str) -> httpx.Client:
        key = (app_name, side)
        if key not in self._servers:
            notes = tempfile.TemporaryDirectory(prefix="compat-notes-")
            self._dirs.append(notes)
            env = {"COMPAT_NOTES_DIR": notes.name}
            app = APPS[app_name][0]
            if side == "fastapi":
                srv = UvicornServer.for_app(app, env)
            else:
                srv = Server(app, cores=int(side.removeprefix("cores")), env=env, extra_args=["--compat"])
            srv.start()
            client = httpx.Client(base_url=f"http://{srv.host}:{srv.port}", timeout=30, follow_redirects=False)
            client.server = srv
            self._servers[key] = (srv, client)
        return self._servers[key][1]

    def in_process_answers(self, app_name: str) -> list[list[dict]]:
        """Every request's answers through ``fasterapi.testclient.TestClient`` (compatibility
        mode, in a fresh interpreter: tests/integration/compat_in_process.py), computed once."""
        if app_name not in self._in_process:
            notes = tempfile.TemporaryDirectory(prefix="compat-notes-")
            self._dirs.append(notes)
            done = subprocess.run([sys.executable, "-m", "tests.integration.compat_in_process", app_name], cwd=REPO,
                                  env=base_env({"COMPAT_NOTES_DIR": notes.name}), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=300)
            assert done.returncode == 0, f"the in-process run of {app_name} failed:\n{done.stderr.decode(errors='replace')[-8000:]}"
            self._in_process[app_name] = json.loads(done.stdout)
        return self._in_process[app_name]

    def stop_all(self) -> None:
        failures = []
        for (app_name, side), (srv, client) in self._servers.items():
            client.close()
            try:
                srv.stop_and_check()
            except AssertionError as exc:
                failures.append(f"{app_name} on {side}: {exc}")
        for notes in self._dirs:
            notes.cleanup()
        assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def servers():
    pool = Servers()
    yield pool
    pool.stop_all()


def answer(response: httpx.Response) -> dict:
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        body = response.json() if media_type.endswith("json") else response.text
    except ValueError:
        body = ("not JSON", response.text)
    headers = {}
    names = [n for n in dict.fromkeys(response.headers.keys()) if n in RELEVANT_HEADERS or n.startswith(RELEVANT_PREFIXES)]
    for name in names:
        values = response.headers.get_list(name)
        if name == "location":
            # Each side's own host and port.
            values = [urlsplit(v)._replace(scheme="", netloc="").geturl() for v in values]
        if name == "allow":
            values = sorted(method.strip() for v in values for method in v.split(","))
        headers[name] = values
    return {"status": response.status_code, "body": body, "headers": dict(sorted(headers.items()))}


def exchange(client: httpx.Client, req: Req) -> list[dict]:
    answers = [answer(client.request(req.method, req.url, **req.kwargs))]
    for follow_up in req.then:
        answers += exchange(client, follow_up)
    return answers


@dataclass
class Known:
    """A difference we know about: it turns the comparison into an xfail with its reason,
    only for answers that differ exactly this way (any other mismatch still fails)."""

    reason: str
    applies: Callable[[Req, dict, dict], bool]
    #: A request of the tutorial app that shows it (test_known_differences_still_differ).
    example: Req


def _except(answer: dict, header: str) -> dict:
    return {**answer, "headers": {k: v for k, v in answer["headers"].items() if k != header}}


KNOWN_DIFFERENCES = [
    Known("405's Allow header: Starlette lists the methods of the first route whose path matches, FasterAPI every "
          "method of the path plus HEAD for GET (docs/fastapi-compat.md)",
          lambda req, expected, actual: expected["status"] == 405 and _except(expected, "allow") == _except(actual, "allow"),
          Req("POST", "/")),
    Known("HEAD on a GET route: FastAPI answers 405 (its routes do not add HEAD), FasterAPI answers like GET without "
          "the body (docs/fastapi-compat.md)",
          lambda req, expected, actual: req.method == "HEAD" and expected["status"] == 405 and actual["status"] == 200,
          Req("HEAD", "/")),
]


def explain(req: Req, expected: dict, actual: dict) -> str | None:
    return next((known.reason for known in KNOWN_DIFFERENCES if known.applies(req, expected, actual)), None)


@pytest.mark.parametrize("side", ["cores2", "cores1", "testclient"])
@pytest.mark.parametrize("app_name, index, req", CASES, ids=CASE_IDS)
def test_same_answer_as_fastapi(servers, side: str, app_name: str, index: int, req: Req):
    """FasterAPI's side: a ``fasterapi run --compat`` server on 2 or 1 cores, or the
    in-process TestClient."""
    fastapi = servers.client(app_name, "fastapi")
    expected = exchange(fastapi, req)
    assert fastapi.server.alive(), f"uvicorn died on {req.summary()}\n{fastapi.server.describe()}"
    if side == "testclient":
        actual = servers.in_process_answers(app_name)[index]
        expected = json.loads(json.dumps(expected, ensure_ascii=False))  # as the other interpreter's JSON
    else:
        fasterapi = servers.client(app_name, side)
        actual = exchange(fasterapi, req)
        assert fasterapi.server.alive(), f"the server died on {req.summary()}\n{fasterapi.server.describe()}"
    # An xfail only when every answer that differs differs in a known way.
    reasons = [explain(part, want, got) for part, want, got in zip([req, *req.then], expected, actual) if want != got]
    if reasons and all(reasons):
        pytest.xfail("; ".join(reasons))
    assert actual == expected, (
        f"{req.summary()}\nFastAPI:   {json.dumps(expected, ensure_ascii=False)[:3000]}\n"
        f"FasterAPI: {json.dumps(actual, ensure_ascii=False)[:3000]}")


@pytest.mark.parametrize("known", KNOWN_DIFFERENCES, ids=lambda known: known.reason[:40])
def test_known_differences_still_differ(servers, known: Known):
    """A strict xfail: once a known difference is gone, its entry (and its row in
    docs/fastapi-compat.md) must go too."""
    expected = exchange(servers.client("tutorial", "fastapi"), known.example)[0]
    actual = exchange(servers.client("tutorial", "cores2"), known.example)[0]
    assert actual != expected and known.applies(known.example, expected, actual), (
        f"no longer differs, remove it from KNOWN_DIFFERENCES and docs/fastapi-compat.md: {known.reason}")


@pytest.mark.parametrize("app_name", list(APPS))
def test_enough_requests(app_name):
    assert len(REQUESTS[app_name]) >= 300
