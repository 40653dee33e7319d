"""The same handlers under FastAPI + uvicorn, for scripts/bench-exec."""

from fastapi import FastAPI

from benches.exec_common import echo_roundtrip
from benches.exec_models import Item

app = FastAPI()


@app.get("/echo")
async def echo():
    return await echo_roundtrip()


@app.post("/lane")
def lane(body: Item):
    return body.model_dump()
