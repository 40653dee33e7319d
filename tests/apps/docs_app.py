"""An app whose /openapi.json, /docs and /redoc the docs tests open (server and browser)."""

from __future__ import annotations

from typing import Annotated

from fasterapi import BaseModel, FasterAPI, Field, Header, Query


class Item(BaseModel):
    """An item of the catalogue."""

    name: str = Field(min_length=1)
    price: float = Field(gt=0)
    tags: list[str] = []


app = FasterAPI(title="Docs test", version="1.2.3", description="Shown by **Swagger UI** and ReDoc.")


@app.get("/items/{item_id}", tags=["items"], summary="Read one catalogue item")
def read_item(item_id: int, q: Annotated[str | None, Query(max_length=20)] = None, x_trace: Annotated[str | None, Header()] = None) -> Item:
    return Item(name=f"item {item_id}", price=1.0)


@app.post("/items", status_code=201, tags=["items"], summary="Create a catalogue item")
def create_item(item: Item) -> Item:
    return item


@app.delete("/items/{item_id}", status_code=204, tags=["items"], deprecated=True)
def delete_item(item_id: int) -> None:
    return None


@app.get("/hidden", include_in_schema=False)
def hidden():
    return {}


# The same app without any of the docs URLs.
bare = FasterAPI(openapi_url=None)


@bare.get("/ping")
def ping():
    return {"pong": True}
