"""The main-interpreter lane over the real server, with real pydantic (which cannot load in
an own-GIL sub-interpreter)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.helpers import fetch, post_json
from tests.integration.server import Server


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def lane_server(request):
    pytest.importorskip("pydantic")
    srv = Server("tests.apps.lane:app", cores=request.param).start()
    yield srv
    srv.stop_and_check()


def test_lane_routes_run_pydantic_in_the_main_interpreter(lane_server):
    r = post_json(lane_server, "/model", {"name": "pen", "price": "1.5"})
    assert r.status == 200, r
    body = r.json()
    assert body["item"] == {"name": "pen", "price": 1.5}
    assert body["core"] == -1 and body["thread"] != "MainThread"  # a lane thread of the main interpreter
    r = post_json(lane_server, "/model", {"name": "pen", "price": "cheap"})
    assert r.status == 422 and r.json()["detail"][0]["loc"] == ["price"]
    assert fetch(lane_server, "GET", "/core").json()["core"] in range(lane_server.cores)


def test_lane_and_core_routes_side_by_side(lane_server):
    def one(i):
        if i % 2:
            return post_json(lane_server, "/model", {"name": f"n{i}", "price": i}).json()["item"]["name"]
        return fetch(lane_server, "GET", "/core").json()["core"]

    with ThreadPoolExecutor(16) as ex:
        results = list(ex.map(one, range(200)))
    assert [r for r in results[1::2]] == [f"n{i}" for i in range(1, 200, 2)]
    assert set(results[0::2]) <= set(range(lane_server.cores))


def test_async_handlers_timeouts_and_errors_in_the_lane(lane_server):
    assert fetch(lane_server, "GET", "/amain").json() == {"core": -1}
    assert fetch(lane_server, "GET", "/slow-main").status == 504
    r = fetch(lane_server, "GET", "/boom-main")
    assert r.status == 500
    assert "RuntimeError: boom in the lane" in lane_server.stderr
    assert fetch(lane_server, "GET", "/core").status == 200


def test_a_whole_app_in_the_main_interpreter():
    srv = Server("tests.apps.lane_whole:app", cores=2).start()
    try:
        assert fetch(srv, "GET", "/where/x").json() == {"name": "x", "core": -1}
        assert fetch(srv, "GET", "/nowhere", check=False).status == 404
        assert "main-interpreter lane" in srv.stderr
    finally:
        srv.stop_and_check()


def test_a_full_lane_queue_answers_503():
    pytest.importorskip("pydantic")
    env = {"FASTERAPI_LANE_THREADS": "1", "FASTERAPI_LANE_QUEUE": "1"}
    srv = Server("tests.apps.lane:app", cores=1, env=env).start()
    try:
        with ThreadPoolExecutor(8) as ex:
            codes = sorted(ex.map(lambda _: fetch(srv, "GET", "/slow-main", check=False).status, range(8)))
        # /slow-main sleeps 1 s in the lane with a 0.3 s timeout: one runs, one waits, the rest
        # find the queue full.
        assert 503 in codes, codes
        assert set(codes) <= {503, 504}, codes
        assert fetch(srv, "GET", "/core").status == 200
    finally:
        srv.stop_and_check()
