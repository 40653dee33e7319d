"""asyncpg inside `async def` handlers, on each core's own asyncio loop, against a real
PostgreSQL (scripts/postgres, started by the postgres_dsn fixture)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.helpers import fetch, post_json
from tests.integration.server import Server


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def db_server(request, postgres_dsn):
    srv = Server("tests.apps.db:app", cores=request.param, env={"FASTERAPI_TEST_DSN": postgres_dsn}).start()
    yield srv
    srv.stop_and_check()


def test_queries_on_every_core(db_server):
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda _: fetch(db_server, "GET", "/one").json(), range(40)))
    assert all(r["value"] == 1 for r in results)
    assert {r["core"] for r in results} <= set(range(db_server.cores))


def test_slow_queries_overlap_instead_of_stalling_the_core(db_server):
    started = time.monotonic()
    with ThreadPoolExecutor(10) as ex:
        results = list(ex.map(lambda _: fetch(db_server, "GET", "/sleep?ms=500").json(), range(10)))
    elapsed = time.monotonic() - started
    assert all(r["took"] >= 0.45 for r in results)
    assert elapsed < 3, f"10 concurrent 500 ms queries took {elapsed:.2f} s"


def test_writes_and_reads(db_server):
    created = post_json(db_server, "/notes", {"text": f"hello from {db_server.cores}"}).json()
    got = fetch(db_server, "GET", f"/notes/{created['id']}").json()
    assert got == {"id": created["id"], "text": f"hello from {db_server.cores}"}
