"""``fasterapi run --compat`` serving an unchanged FastAPI app (tests/apps/compat/) on 1 and
2 cores: FastAPI's documented answers, the environment switch, and the startup errors.

The answer-for-answer comparison with FastAPI itself is
tests/integration/test_compat_differential.py.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.server import HOST, Server, free_port, run_cli

APP = "tests.apps.compat.tutorial_app:app"


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def compat_server(request):
    srv = Server(APP, cores=request.param, extra_args=["--compat"]).start()
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="module")
def client(compat_server):
    with httpx.Client(base_url=f"http://{compat_server.host}:{compat_server.port}", timeout=15, follow_redirects=False) as c:
        yield c


# (method, url, httpx kwargs, status, JSON body) as FastAPI's tutorial documents them.
DOCUMENTED = [
    ("GET", "/", {}, 200, {"message": "Hello World"}),
    ("GET", "/items/5?q=somequery", {}, 200,
     {"item_id": 5, "q": "somequery", "description": "This is an amazing item that has a long description"}),
    ("GET", "/items/foo", {}, 422, {"detail": [{"type": "int_parsing", "loc": ["path", "item_id"],
                                                "msg": "Input should be a valid integer, unable to parse string as an integer",
                                                "input": "foo"}], "body": None}),
    ("GET", "/models/alexnet", {}, 200, {"model_name": "alexnet", "message": "Deep Learning FTW!"}),
    ("GET", "/files/home/johndoe/myfile.txt", {}, 200, {"file_path": "home/johndoe/myfile.txt"}),
    ("POST", "/items/", {"json": {"name": "Foo", "price": 50.5, "tax": 0.5}}, 201,
     {"name": "Foo", "description": None, "price": 50.5, "tax": 0.5, "tags": [], "price_with_tax": 51.0}),
    ("GET", "/stored/foo", {}, 200, {"name": "Foo", "price": 50.2}),
    ("GET", "/stored/baz", {}, 404, {"detail": "Item not found"}),
    ("POST", "/user/", {"json": {"username": "john", "password": "secret", "email": "john@example.com"}}, 200,
     {"username": "john", "email": "john@example.com", "full_name": None}),
    ("POST", "/login/", {"data": {"username": "johndoe", "password": "secret"}}, 200, {"username": "johndoe"}),
    ("GET", "/unicorns/yolo", {}, 418, {"message": "Oops! yolo did something. There goes a rainbow..."}),
    ("GET", "/users/", {}, 200, [{"username": "Rick"}, {"username": "Morty"}]),
    ("GET", "/nowhere", {}, 404, {"detail": "Not Found"}),
]


@pytest.mark.parametrize("method, url, kwargs, status, body", DOCUMENTED, ids=[f"{d[0]} {d[1]}" for d in DOCUMENTED])
def test_documented_answers(client, method, url, kwargs, status, body):
    response = client.request(method, url, **kwargs)
    assert (response.status_code, response.json()) == (status, body)


def test_headers_and_response_classes(client):
    response = client.get("/stored/baz")
    assert response.headers["x-error"] == "There goes my error"
    response = client.get("/html/")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<html><body><h1>Look ma! HTML!</h1></body></html>"
    response = client.get("/old/")
    assert (response.status_code, response.headers["location"]) == (307, "/")


def test_the_openapi_document_is_served(client):
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Compat tutorial"
    assert "/items/{item_id}" in document["paths"]


def test_every_core_runs_the_compat_app(compat_server, client):
    # Enough fresh connections that, with SO_REUSEPORT, every core gets some.
    for _ in range(40):
        with httpx.Client(base_url=f"http://{compat_server.host}:{compat_server.port}", timeout=15) as fresh:
            assert fresh.get("/users/Rick").json() == {"username": "Rick"}
    assert compat_server.stderr.count("routes, serving") == compat_server.cores
    assert "Traceback" not in compat_server.stderr


def test_the_environment_variable_switches_it_on():
    srv = Server(APP, cores=1, env={"FASTERAPI_COMPAT": "1"}).start()
    try:
        assert httpx.get(f"http://{srv.host}:{srv.port}/", timeout=15).json() == {"message": "Hello World"}
    finally:
        srv.stop_and_check()


def _one_line(res) -> str:
    err = res.stderr.decode("utf-8", "replace")
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    return lines[0]


def _args(app: str, *extra: str) -> list[str]:
    return ["run", app, "--host", HOST, "--port", str(free_port()), "--cores", "1", "--no-pin", *extra]


def test_without_compat_a_fastapi_app_is_refused_with_a_hint():
    res = run_cli(_args(APP))
    assert res.returncode == 2
    line = _one_line(res)
    assert "is not a FasterAPI application" in line and "--compat" in line, line


def test_an_uncovered_import_stops_startup_naming_it():
    res = run_cli(_args("tests.apps.compat.uncovered_import:app", "--compat"))
    assert res.returncode == 2
    line = _one_line(res)
    assert "cannot import name 'WebSocket' from 'fastapi'" in line and "docs/fastapi-compat.md" in line, line


def test_a_bad_environment_value_is_refused():
    res = run_cli(_args(APP), env={"FASTERAPI_COMPAT": "maybe"})
    assert res.returncode == 2
    assert _one_line(res) == "fasterapi: error: FASTERAPI_COMPAT must be 1 or 0, got 'maybe'"
