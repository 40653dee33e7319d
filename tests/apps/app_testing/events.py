""""Testing Events: startup - shutdown": a startup handler fills the items."""

from fasterapi import FasterAPI

app = FasterAPI()

items = {}


@app.on_event("startup")
async def startup_event():
    items["foo"] = {"name": "Fighters"}
    items["bar"] = {"name": "Tenders"}


@app.get("/items/{item_id}")
async def read_items(item_id: str):
    return items[item_id]
