"""Handlers that wait: asyncio on the core, blocking handlers, streamed and file bodies.

Served with: fasterapi run tests.apps.waiting:app --cores N --no-pin
Marker files go to $FASTERAPI_TEST_DIR (the tests read them: they cross cores).
"""

import asyncio
import os
import threading
import time
from pathlib import Path

from fasterapi import FasterAPI, FileResponse, HTTPException, StreamingResponse, _native

app = FasterAPI()
MARKERS = Path(os.environ.get("FASTERAPI_TEST_DIR", "/tmp"))


def mark(name: str) -> None:
    (MARKERS / name).write_text(str(_native.core_id()))


# --- asyncio on the core ---------------------------------------------------------------
@app.get("/sleep")
async def sleep(ms: int = 100):
    started = time.monotonic()
    await asyncio.sleep(ms / 1000)
    return {"slept": ms, "core": _native.core_id(), "took": time.monotonic() - started}


@app.get("/loop")
async def loop_info():
    loop = asyncio.get_running_loop()
    return {
        "loop": type(loop).__name__,
        "is_running": loop.is_running(),
        "task": asyncio.current_task() is not None,
        "thread": threading.current_thread().name,
    }


@app.get("/gather")
async def gather(n: int = 10, ms: int = 100):
    started = time.monotonic()
    results = await asyncio.gather(*(asyncio.sleep(ms / 1000, result=i) for i in range(n)))
    return {"results": results, "took": time.monotonic() - started}


@app.get("/wait_for")
async def wait_for(ms: int = 1000, timeout_ms: int = 50):
    try:
        await asyncio.wait_for(asyncio.sleep(ms / 1000), timeout_ms / 1000)
    except TimeoutError:
        return {"timed_out": True}
    return {"timed_out": False}


@app.get("/callbacks")
async def callbacks():
    loop = asyncio.get_running_loop()
    fired: list[str] = []
    done = loop.create_future()
    loop.call_soon(fired.append, "soon")
    loop.call_later(0.02, fired.append, "later")
    loop.call_at(loop.time() + 0.04, lambda: (fired.append("at"), done.set_result(None)))
    await done
    in_pool = await loop.run_in_executor(None, lambda: threading.current_thread().name)
    infos = await loop.getaddrinfo("localhost", 80)
    return {"fired": fired, "executor_thread": in_pool, "resolved": bool(infos)}


@app.get("/echo")
async def echo(port: int, text: str = "hello"):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(text.encode() + b"\n")
    await writer.drain()
    line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return {"echo": line.decode().strip()}


@app.get("/sock")
async def sock(port: int):
    import socket

    loop = asyncio.get_running_loop()
    s = socket.socket()
    s.setblocking(False)
    try:
        await loop.sock_connect(s, ("127.0.0.1", port))
        await loop.sock_sendall(s, b"raw\n")
        data = await loop.sock_recv(s, 100)
    finally:
        s.close()
    return {"echo": data.decode().strip()}


@app.get("/httpx")
async def call_with_httpx(port: int):
    import httpx

    async with httpx.AsyncClient() as client:
        r = await client.get(f"http://127.0.0.1:{port}/sleep", params={"ms": 10})
    return {"status": r.status_code, "body": r.json()["slept"]}


@app.get("/background")
async def background():
    async def later():
        await asyncio.sleep(0.05)
        mark("background-done")

    app.state_task = asyncio.create_task(later())  # keep a reference, as asyncio asks
    return {"started": True}


@app.get("/cancel-me")
async def cancel_me(tag: str):
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        mark(f"cancelled-{tag}")
        raise
    return {"finished": True}


@app.get("/async-error")
async def async_error():
    await asyncio.sleep(0)
    raise RuntimeError("boom in a task")


@app.get("/async-http-error")
async def async_http_error():
    await asyncio.sleep(0.001)
    raise HTTPException(418, "teapot after a wait")


# --- blocking handlers -------------------------------------------------------------------
@app.get("/block")
def block(ms: int = 100):
    time.sleep(ms / 1000)
    return {"blocked": ms, "thread": threading.current_thread().name}


@app.get("/json")
def json_route():
    return {"hello": "world"}


@app.get("/where")
def where():
    return {"thread": threading.current_thread().name}


@app.get("/where-inline", inline=True)
def where_inline():
    return {"thread": threading.current_thread().name}


@app.get("/where-pool", inline=False)
def where_pool():
    return {"thread": threading.current_thread().name}



@app.get("/quick-then-slow")
def quick_then_slow(slow: bool = False):
    if slow:
        time.sleep(0.01)
    return {"thread": threading.current_thread().name}


@app.get("/sync-error")
def sync_error():
    raise ValueError("boom in a pool thread")


# --- streamed and file bodies ------------------------------------------------------------
@app.get("/stream")
def stream(n: int = 3, fail_at: int = -1):
    def numbers():
        for i in range(n):
            if i == fail_at:
                raise RuntimeError("the stream broke")
            yield f"line {i}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


@app.get("/astream")
async def astream(n: int = 3, ms: int = 10, tag: str = ""):
    async def numbers():
        try:
            for i in range(n):
                await asyncio.sleep(ms / 1000)
                yield f"tick {i}\n".encode()
        finally:
            if tag:
                mark(f"closed-{tag}")

    return StreamingResponse(numbers(), media_type="text/plain", headers={"x-stream": "yes"})


@app.get("/big-stream")
async def big_stream(mb: int = 8):
    chunk = b"x" * (1 << 20)

    async def chunks():
        for _ in range(mb):
            yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/file")
def file(name: str = "data.bin", download: bool = False):
    return FileResponse(MARKERS / name, filename=name if download else None)


# --- time limits -----------------------------------------------------------------------------
@app.get("/never", timeout=0.3)
async def never(tag: str = ""):
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        if tag:
            mark(f"timeout-cancelled-{tag}")
        raise
    return {"finished": True}


@app.get("/never-sync", timeout=0.3, inline=False)
def never_sync(ms: int = 1500):
    time.sleep(ms / 1000)
    return {"finished": True}


# --- batching --------------------------------------------------------------------------------
@app.batch("/double", max_size=8, max_wait_ms=20)
def double(requests):
    size = len(requests)
    return [{"value": r.json_body["value"] * 2, "batch": size} for r in requests]


@app.batch("/bad-batch", max_size=4, max_wait_ms=5)
def bad_batch(requests):
    return []  # no answer for anybody
