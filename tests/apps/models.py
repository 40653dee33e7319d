"""Models over the real server: bodies, nested models, response models, validators, errors."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Literal, Optional, Union

from fasterapi import BaseModel, ConfigDict, FasterAPI, Field, HTTPException, computed_field, field_validator, model_validator
from fasterapi import _native

app = FasterAPI()


class Tag(str, enum.Enum):
    new = "new"
    sale = "sale"


class Image(BaseModel):
    url: str
    name: str


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    description: Optional[str] = None
    price: float = Field(gt=0)
    tax: float | None = None
    tags: set[Tag] = set()
    images: list[Image] | None = None

    @computed_field
    @property
    def total(self) -> float:
        return self.price + (self.tax or 0)


class Offer(BaseModel):
    name: str
    items: list[Item]


class UserIn(BaseModel):
    username: str
    password: str
    email: str
    full_name: str | None = None

    @field_validator("username")
    @classmethod
    def no_spaces(cls, v: str) -> str:
        if " " in v:
            raise ValueError("must not contain spaces")
        return v


class UserOut(BaseModel):
    username: str
    email: str
    full_name: str | None = None


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    at: datetime.datetime
    duration: datetime.timedelta
    kind: Literal["meeting", "call"]

    @model_validator(mode="after")
    def short_calls(self) -> "Event":
        if self.kind == "call" and self.duration > datetime.timedelta(hours=1):
            raise ValueError("calls last at most an hour")
        return self


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Owner(BaseModel):
    name: str
    pet: Annotated[Union[Cat, Dog], Field(discriminator="pet_type")]


@app.post("/items")
def create_item(item: Item) -> Item:
    return item


@app.post("/offers")
async def create_offer(offer: Offer) -> Offer:
    return offer


@app.post("/users", response_model=UserOut)
def create_user(user: UserIn):
    return user


@app.post("/events", status_code=201)
def create_event(event: Event) -> Event:
    return event


@app.post("/owners")
def owner(owner: Owner) -> dict:
    return {"pet": type(owner.pet).__name__, "core": _native.core_id()}


@app.get("/broken", response_model=UserOut)
def broken():
    return {"username": "x"}  # no email: a server bug, answered 500


@app.get("/items/{item_id}", response_model=Item, response_model_exclude_unset=True)
def read_item(item_id: int):
    if item_id != 1:
        raise HTTPException(404, "Item not found")
    return Item(name="Foo", price=50.2)
