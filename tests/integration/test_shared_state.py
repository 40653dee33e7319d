"""SharedCounter / SharedDict over the real server: both cores update the same stores."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.rawhttp import Conn, check_common
from tests.integration.server import Server

APP = "tests.apps.shared_state:app"
CONNECTIONS = 40
PER_CONNECTION = 25


@pytest.fixture(scope="module")
def two_core_server():
    srv = Server(APP, cores=2).start()
    yield srv
    srv.stop_and_check()


def test_counter_updated_from_both_cores_loses_nothing(two_core_server):
    srv = two_core_server
    # open all connections at once so SO_REUSEPORT spreads them over both cores
    barrier = threading.Barrier(CONNECTIONS)

    def client(_):
        barrier.wait(10)
        results = []
        with Conn(srv.host, srv.port, timeout=30) as c:
            for _ in range(PER_CONNECTION):
                r = c.request("POST", "/hit")
                check_common(r)
                assert r.status == 200, r
                results.append(r.json())
        return results

    with ThreadPoolExecutor(CONNECTIONS) as ex:
        answers = [a for batch in ex.map(client, range(CONNECTIONS), timeout=120) for a in batch]

    total = CONNECTIONS * PER_CONNECTION
    cores = {a["core"] for a in answers}
    assert len(cores) == 2, f"cores that served: {cores}"
    # every add() returned a distinct value: no two requests saw the same count
    assert sorted(a["n"] for a in answers) == list(range(1, total + 1))

    with Conn(srv.host, srv.port) as c:
        stats = c.request("GET", "/stats").json()
    assert stats["hits"] == total
    by_core = stats["by_core"]
    assert set(by_core) == {str(k) for k in cores}
    assert sum(by_core.values()) == total
    assert all(v > 0 for v in by_core.values()), by_core
    # the plain module global of the core that answered /stats counted only its own requests
    assert stats["local_hits"] == by_core[str(stats["core"])] < total
