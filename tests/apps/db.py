"""asyncpg on each core's own event loop, against the PostgreSQL of scripts/postgres
($FASTERAPI_TEST_DSN). Each core (interpreter) makes its own pool on first use."""

import os
import time

import asyncpg

from fasterapi import FasterAPI, _native

app = FasterAPI()
DSN = os.environ.get("FASTERAPI_TEST_DSN", "")
_pool = None


async def pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool(DSN, min_size=1, max_size=20)
    return _pool


@app.get("/one")
async def one():
    p = await pool()
    return {"value": await p.fetchval("SELECT 1"), "core": _native.core_id()}


@app.get("/sleep")
async def sleep(ms: int = 500):
    p = await pool()
    started = time.monotonic()
    await p.execute("SELECT pg_sleep($1)", ms / 1000)
    return {"took": time.monotonic() - started}


@app.post("/notes")
async def add_note(body: dict):
    p = await pool()
    async with p.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, text text NOT NULL)")
        note_id = await conn.fetchval("INSERT INTO notes (text) VALUES ($1) RETURNING id", body["text"])
    return {"id": note_id}


@app.get("/notes/{note_id}")
async def get_note(note_id: int):
    p = await pool()
    row = await p.fetchrow("SELECT id, text FROM notes WHERE id = $1", note_id)
    return {"id": row["id"], "text": row["text"]} if row else {"missing": note_id}
