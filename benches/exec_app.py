"""The app of scripts/bench-exec (FasterAPI side): handlers that wait.

Environment: ECHO_PORT (the echo server of benches/echo_server.py), BENCH_FILE (a large
file for /file).
"""

import asyncio
import os
import time

from benches.exec_common import echo_roundtrip
from fasterapi import FasterAPI, FileResponse, Request

app = FasterAPI()


@app.get("/json")
def json_sync():
    return {"message": "Hello, World!"}


@app.get("/ajson")
async def json_async():
    return {"message": "Hello, World!"}


@app.get("/sleep")
async def sleep(ms: int = 1000):
    await asyncio.sleep(ms / 1000)
    return {"slept": ms}


@app.get("/block")
def block(ms: int = 100):
    time.sleep(ms / 1000)
    return {"blocked": ms}


@app.get("/echo")
async def echo():
    return await echo_roundtrip()


@app.post("/lane", interpreter="main")
def lane(body: dict):
    from benches.exec_models import Item

    return Item.model_validate(body).model_dump()


@app.get("/file")
def file():
    return FileResponse(os.environ["BENCH_FILE"])


@app.post("/tiny")
def tiny(request: Request):
    return {"n": len(request.content)}


@app.batch("/tiny-batch", max_size=32, max_wait_ms=1)
def tiny_batch(requests):
    return [{"n": len(r.content)} for r in requests]
