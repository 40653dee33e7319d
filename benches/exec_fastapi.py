"""The same handlers under FastAPI + uvicorn, for scripts/bench-exec."""

import asyncio
import os

from fastapi import FastAPI

from benches.exec_models import Item

app = FastAPI()
ECHO = ("127.0.0.1", int(os.environ.get("ECHO_PORT", "0")))
_echo_pool: list = []


@app.get("/echo")
async def echo():
    if _echo_pool:
        reader, writer = _echo_pool.pop()
    else:
        reader, writer = await asyncio.open_connection(*ECHO)
    writer.write(b"ping\n")
    line = await reader.readline()
    _echo_pool.append((reader, writer))
    return {"echo": line.decode().strip()}


@app.post("/lane")
def lane(body: Item):
    return body.model_dump()
