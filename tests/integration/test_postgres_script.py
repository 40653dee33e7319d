"""scripts/postgres gives a working PostgreSQL, and asyncpg talks to it, in the main
interpreter and in an own-GIL sub-interpreter (where FasterAPI runs app code)."""

from __future__ import annotations

import asyncio
import subprocess
import textwrap

import asyncpg
import pytest

from tests.integration.server import REPO

PG_SCRIPT = REPO / "scripts" / "postgres"


def test_start_is_idempotent(postgres_dsn):
    again = subprocess.run([str(PG_SCRIPT), "start"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == postgres_dsn
    status = subprocess.run([str(PG_SCRIPT), "status"], capture_output=True, text=True, timeout=60)
    assert (status.returncode, status.stdout.strip()) == (0, f"running {postgres_dsn}")


def test_asyncpg_main_interpreter(postgres_dsn):
    async def go():
        conn = await asyncpg.connect(postgres_dsn)
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SELECT current_database()") == "fasterapi"
            await conn.execute("CREATE TEMP TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric)")
            await conn.executemany("INSERT INTO items VALUES ($1, $2, $3)",
                                   [(1, "apple", 1.5), (2, "pear", 2), (3, "fig", None)])
            rows = await conn.fetch("SELECT id, name, price FROM items WHERE id >= $1 ORDER BY id", 2)
            total = await conn.fetchval("SELECT sum(price) FROM items")
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute("INSERT INTO items VALUES (1, 'dup', 0)")
            return [tuple(r) for r in rows], total
        finally:
            await conn.close()

    rows, total = asyncio.run(go())
    assert [(i, n, None if p is None else float(p)) for i, n, p in rows] == [(2, "pear", 2.0), (3, "fig", None)]
    assert float(total) == 3.5


def test_asyncpg_own_gil_subinterpreter(postgres_dsn):
    """asyncpg >= 0.31 declares own-GIL support; 0.30 fails here with ImportError."""
    _interpreters = pytest.importorskip("_interpreters")
    code = textwrap.dedent(f"""
        import asyncio, asyncpg
        async def go():
            conn = await asyncpg.connect({postgres_dsn!r})
            try:
                return await conn.fetchval("SELECT $1::int * 2", 21)
            finally:
                await conn.close()
        assert asyncio.run(go()) == 42
    """)
    iid = _interpreters.create("isolated")  # own GIL, own obmalloc, strict extension check
    try:
        err = _interpreters.run_string(iid, code)
    finally:
        _interpreters.destroy(iid)
    assert err is None, err.formatted if err else err
