"""Routes in the main interpreter's lane beside routes on the cores. pydantic (its core is
a PyO3 extension that refuses sub-interpreters) is only imported inside lane routes."""

import threading

from fasterapi import FasterAPI, HTTPException, _native

app = FasterAPI()


@app.get("/core")
def on_core():
    return {"core": _native.core_id()}


@app.post("/model", interpreter="main")
def validate(request_body: dict):
    import pydantic

    class Item(pydantic.BaseModel):
        name: str
        price: float

    try:
        item = Item.model_validate(request_body)
    except pydantic.ValidationError as exc:
        raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None
    return {"item": item.model_dump(), "core": _native.core_id(), "thread": threading.current_thread().name}


@app.get("/amain", interpreter="main")
async def async_in_lane():
    import asyncio

    await asyncio.sleep(0.01)
    return {"core": _native.core_id()}


@app.get("/slow-main", interpreter="main", timeout=0.3)
def slow_main():
    import time

    time.sleep(1)
    return {}


@app.get("/boom-main", interpreter="main")
def boom_main():
    raise RuntimeError("boom in the lane")
