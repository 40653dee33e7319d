"""The pydantic model both sides of the lane benchmark validate."""

import pydantic


class Item(pydantic.BaseModel):
    name: str
    price: float
    tags: list[str] = []
