"""Lifespan, background tasks and exception handlers over the real server (1 and 2 cores).

App: tests/apps/lifespan_app.py (FastAPI's "Lifespan Events", "Background Tasks" and
"Handling Errors" chapters). No timing assertions: a background task that must not delay
anything waits until the test releases it, so the response and the next requests are
provably served while it waits.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.integration.helpers import fetch
from tests.integration.rawhttp import Conn
from tests.integration.server import REPO, Server, base_env, free_port, run_cli

APP = "tests.apps.lifespan_app:app"


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def server(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("lifespan")
    srv = Server(APP, cores=request.param, env={"LIFESPAN_OUT": str(out)}).start()
    srv.out = out
    yield srv
    srv.stop_and_check()
    # Every interpreter ran its shutdown: one file per core, and the lane's (core -1).
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"shutdown-{c}" for c in range(request.param)] + ["shutdown--1"]
    ), srv.describe()


def get_json(server, path):
    r = fetch(server, "GET", path)
    return r.status, r.json()


def wait_for(server, key, timeout=20.0):
    """Polls /tasks/<key> until a background task has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fetch(server, "GET", f"/tasks/{key}").json()["value"]
        if value is not None:
            return value
        time.sleep(0.02)
    raise AssertionError(f"background task never wrote {key!r}\n{server.describe()}")


# -- lifespan ---------------------------------------------------------------------------


def test_lifespan_state_is_visible_on_every_core(server):
    seen = set()
    for _ in range(30):  # new connections: both cores get some
        status, body = get_json(server, "/state")
        assert status == 200
        assert body == {"state_core": body["core"], "core": body["core"], "started": True}
        seen.add(body["core"])
        # The model the lifespan loaded in this core's interpreter.
        assert get_json(server, "/predict?x=2") == (200, {"result": 84.0})
    assert seen <= set(range(server.cores))
    # request.state is a copy per request: what a request writes does not leak.
    assert get_json(server, "/state/fresh") == (200, {"scribble": False})


def test_the_lane_runs_the_lifespan_in_the_main_interpreter(server):
    assert get_json(server, "/lane/state") == (200, {"state_core": -1, "core": -1})


@pytest.mark.parametrize("fail_core, where", [(1, "core 1"), (0, "core 0"), (-1, "main-interpreter lane")])
def test_a_startup_failure_stops_the_server_with_one_line(fail_core, where):
    result = run_cli(["run", "tests.apps.lifespan_fail:app", "--cores", "2", "--no-pin", "--port", str(free_port())],
                     env={"LIFESPAN_FAIL_CORE": str(fail_core)})
    assert result.returncode != 0
    errors = [line for line in result.stderr.decode().splitlines() if "error" in line.lower()]
    assert errors == [
        f"fasterapi: error: {where}: the app's startup failed: ConnectionError: database unreachable from core {fail_core}"
    ], result.stderr.decode()


# -- background tasks ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ["hold", "hold-sync"])
def test_a_waiting_background_task_delays_neither_the_response_nor_the_next_request(server, route):
    key = f"{route}-{server.cores}"
    with Conn(server.host, server.port) as conn:
        r = conn.request("GET", f"/{route}/{key}")
        # The response is here while the task still waits for its release...
        assert r.status == 200 and r.json()["held"] == key
        # ...and the same connection's next request is answered meanwhile.
        r = conn.request("GET", f"/tasks/done:{key}")
        assert r.status == 200 and r.json() == {"value": None}
    assert fetch(server, "GET", f"/release/{key}").status == 200
    assert wait_for(server, f"done:{key}") in range(server.cores)


def test_background_tasks_of_every_kind_of_answer(server):
    n = server.cores
    r = fetch(server, "POST", f"/send-notification/user{n}@example.com")
    assert r.status == 200 and r.json() == {"message": "Notification sent in the background"}
    assert wait_for(server, f"notification:user{n}@example.com") == (
        f"notification for user{n}@example.com: some notification"
    )
    assert fetch(server, "GET", f"/response-background/{n}").json() == {"ok": True}
    assert wait_for(server, f"notification:response-{n}") == f"notification for response-{n}: from Response"
    r = fetch(server, "GET", f"/stream-background/{n}")
    assert r.status == 200 and r.body == b"ab"
    assert wait_for(server, f"notification:stream-{n}") is not None
    assert fetch(server, "GET", f"/lane/background/{n}").json() == {"core": -1}
    assert wait_for(server, f"notification:lane-{n}") is not None
    # FastAPI's rule: a response with its own background keeps it; the injected tasks are
    # dropped. A route that raised runs none.
    assert fetch(server, "GET", f"/both/{n}").json() == {"ok": True}
    assert wait_for(server, f"notification:own-{n}") is not None
    assert fetch(server, "GET", f"/raise-with-tasks/{n}").status == 400
    assert fetch(server, "GET", f"/tasks/notification:injected-{n}").json() == {"value": None}
    assert fetch(server, "GET", f"/tasks/notification:raised-{n}").json() == {"value": None}


def test_a_failing_background_task_is_logged_and_the_response_is_unaffected(server):
    key = f"failing{server.cores}"
    r = fetch(server, "GET", f"/fail-then-run/{key}")
    assert r.status == 200 and r.json() == {"ok": True}
    deadline = time.monotonic() + 20
    while f"RuntimeError: background task {key} failed" not in server.stderr:
        assert time.monotonic() < deadline, server.describe()
        time.sleep(0.02)
    assert "exception in work run after the response" in server.stderr
    # The task after the failing one did not run (Starlette), and the core keeps serving.
    assert fetch(server, "GET", f"/tasks/notification:after-failure-{key}").json() == {"value": None}
    assert get_json(server, "/predict?x=1") == (200, {"result": 42.0})


# -- exception handlers --------------------------------------------------------------------


def test_exception_handlers(server):
    expect = {
        "/unicorns/yolo": (418, {"message": "Oops! yolo did something. There goes a rainbow..."}),
        "/unicorns/rainbow": (418, {"message": "Oops! rainbow did something. There goes a rainbow..."}),
        "/unicorns-sync/pool": (418, {"message": "Oops! pool did something. There goes a rainbow..."}),
        "/items/nope": (404, {"missing": "/items/nope", "detail": "Item not found"}),
        "/nowhere": (404, {"missing": "/nowhere", "detail": "Not Found"}),  # unmatched: the same handler
        "/items/foo": (200, {"item": "The Foo Wrestlers"}),
        "/teapot": (418, {"detail": "I'm a Teapot"}),
        "/numbers/x": (422, {"detail": [{"type": "int_parsing", "loc": ["path", "item_id"],
                                          "msg": "Input should be a valid integer, unable to parse string as an integer",
                                          "input": "x"}]}),
    }
    for path, (status, body) in expect.items():
        assert get_json(server, path) == (status, body), path
    r = fetch(server, "GET", "/items/taken")
    assert (r.status, r.text) == (409, "conflict: already there")
    r = fetch(server, "GET", "/plain-errors/x")
    assert r.status == 400 and r.text.startswith("1 validation error:\n  {'type': 'int_parsing'")



def test_background_work_still_running_at_shutdown_finishes_first(tmp_path):
    """A graceful stop lets a running background task end, then the lifespan exits."""
    srv = Server(APP, cores=1, env={"LIFESPAN_OUT": str(tmp_path)}).start()
    try:
        assert fetch(srv, "GET", "/slow-task/k").status == 200
    finally:
        assert srv.stop() == 0, srv.describe()
    # The task (asleep when SIGTERM came) finished, and before the lifespan's exit, which
    # lists the task files it saw.
    assert (tmp_path / "bg-k").read_text() == "done"
    assert (tmp_path / "shutdown-0").read_text() == "bye; saw bg-k"


COMPAT_APP = "tests.apps.compat.events_app:app"
COMPAT_CALLS = [("GET", "/greeting"), ("POST", "/notes/first"), ("GET", "/unicorns/yolo"),
                ("GET", "/items/1"), ("GET", "/items/2"), ("GET", "/items/x")]


@pytest.mark.parametrize("side", ["cores1", "cores2", "testclient"])
def test_an_unchanged_fastapi_app_answers_like_fastapi_under_compat(side):
    """Served with --compat on 1 or 2 cores (its module globals are per core: one connection
    keeps to one core), or through fasterapi's TestClient in a fresh interpreter with compat
    mode on; compared with the same module served by FastAPI's TestClient in this process."""
    pytest.importorskip("fastapi")
    import importlib

    from fastapi.testclient import TestClient

    module = importlib.import_module("tests.apps.compat.events_app")
    with TestClient(module.app) as client:
        expected = []
        for method, url in COMPAT_CALLS:
            r = client.request(method, url)
            expected.append((r.status_code, r.json(), r.headers.get("x-handled")))
        expected_notes = client.get("/notes").json()

    if side == "testclient":
        # The in-process client runs background tasks before it returns the response.
        done = subprocess.run([sys.executable, "-m", "tests.integration.compat_in_process", "--calls", COMPAT_APP],
                              input=json.dumps([*COMPAT_CALLS, ("GET", "/notes")]).encode(), cwd=REPO, env=base_env(),
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        *answers, notes = json.loads(done.stdout)
        got = [(a["status"], a["json"], a["headers"].get("x-handled")) for a in answers]
        assert notes["json"] == expected_notes
        assert got == [tuple(json.loads(json.dumps(e))) for e in expected]
        return
    srv = Server(COMPAT_APP, cores=int(side.removeprefix("cores")), extra_args=["--compat"]).start()
    try:
        got = []
        with Conn(srv.host, srv.port) as conn:  # one connection: one core, in order
            for method, url in COMPAT_CALLS:
                r = conn.request(method, url)
                got.append((r.status, r.json(), r.header("x-handled")))
            # The background task runs after its response, in the core's pool: poll for it.
            deadline = time.monotonic() + 20
            while (notes := conn.request("GET", "/notes").json()) != expected_notes:
                assert time.monotonic() < deadline, (notes, srv.describe())
                time.sleep(0.02)
    finally:
        assert srv.stop() == 0, srv.describe()
    assert got == expected
