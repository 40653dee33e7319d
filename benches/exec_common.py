"""Handler code both sides of scripts/bench-exec run unchanged (FasterAPI and FastAPI)."""

import asyncio
import os

ECHO = ("127.0.0.1", int(os.environ.get("ECHO_PORT", "0")))
_echo_pool: list = []


async def echo_roundtrip() -> dict:
    """One real socket round trip to benches/echo_server.py, over pooled connections."""
    if _echo_pool:
        reader, writer = _echo_pool.pop()
    else:
        reader, writer = await asyncio.open_connection(*ECHO)
    writer.write(b"ping\n")
    line = await reader.readline()
    _echo_pool.append((reader, writer))
    return {"echo": line.decode().strip()}
