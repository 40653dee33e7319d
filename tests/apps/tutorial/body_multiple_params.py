"""Tutorial: Body - Multiple Parameters (and Body - Fields)."""

from typing import Annotated

from fasterapi import BaseModel, Body, FasterAPI, Field

app = FasterAPI()


class Item(BaseModel):
    name: str
    description: str | None = Field(default=None, title="The description of the item", max_length=300)
    price: float = Field(gt=0, description="The price must be greater than zero")
    tax: float | None = None


class User(BaseModel):
    username: str
    full_name: str | None = None


@app.put("/items/{item_id}")
async def update_item(
    item_id: int, item: Item, user: User, importance: Annotated[int, Body(gt=0)], q: str | None = None
):
    results = {"item_id": item_id, "item": item, "user": user, "importance": importance}
    if q:
        results.update({"q": q})
    return results


# The chapter's `embed=True` example uses the same path; here it gets its own.
@app.put("/embedded/{item_id}")
async def update_item_embedded(item_id: int, item: Annotated[Item, Body(embed=True)]):
    results = {"item_id": item_id, "item": item}
    return results
