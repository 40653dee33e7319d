""""Testing Events: lifespan": the lifespan fills the items and empties them on shutdown."""

from contextlib import asynccontextmanager

from fasterapi import FasterAPI

items = {}


@asynccontextmanager
async def lifespan(app: FasterAPI):
    items["foo"] = {"name": "Fighters"}
    items["bar"] = {"name": "Tenders"}
    yield
    # clean up items
    items.clear()


app = FasterAPI(lifespan=lifespan)


@app.get("/items/{item_id}")
async def read_items(item_id: str):
    return items[item_id]
