"""The nested order model and the 1 KB document every models benchmark of issue 7 uses.

The model source is written once and exec'd with either library (``load("pydantic")`` or
``load("fasterapi")``), so both sides validate exactly the same declarations. Standard
library only: the FasterAPI side runs inside the server's own-GIL sub-interpreters.
"""

from __future__ import annotations

import json
import sys
import types

LIBRARIES = ("pydantic", "fasterapi")

# Types and constraints both libraries support: nested models, a list of nested models,
# Optional fields (set and unset), a str Enum, a Literal, a UUID, a datetime, numeric bounds,
# string lengths and a pattern.
MODEL_SOURCE = '''
from datetime import datetime
from enum import Enum
from typing import Literal, Optional
from uuid import UUID

from {library} import BaseModel, Field


class Currency(str, Enum):
    EUR = "EUR"
    USD = "USD"
    GBP = "GBP"


class Address(BaseModel):
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postcode: str = Field(pattern=r"^[0-9A-Z -]{{3,10}}$")
    country: str = Field(min_length=2, max_length=2)


class Customer(BaseModel):
    id: int = Field(gt=0)
    name: str = Field(min_length=1)
    email: str
    vip: bool = False
    phone: Optional[str] = None
    address: Address


class Product(BaseModel):
    sku: str = Field(min_length=3, max_length=32)
    name: str
    price: float = Field(ge=0)
    currency: Currency = Currency.EUR
    weight_kg: Optional[float] = None
    tags: list[str] = []


class LineItem(BaseModel):
    product: Product
    quantity: int = Field(ge=1, le=1000)
    discount: Optional[float] = Field(default=None, ge=0, le=1)


class Order(BaseModel):
    id: UUID
    created_at: datetime
    status: Literal["pending", "paid", "shipped", "cancelled"]
    customer: Customer
    items: list[LineItem] = Field(min_length=1)
    shipping: Optional[Address] = None
    notes: Optional[str] = None
    tags: list[str] = []
    total: float = Field(ge=0)
'''

MODEL_NAMES = ("Currency", "Address", "Customer", "Product", "LineItem", "Order")


def load(library: str) -> types.ModuleType:
    """The models declared with ``library``'s BaseModel/Field, as a registered module.

    A real module (in ``sys.modules``) rather than a bare namespace, so both libraries
    resolve annotations and name their schemas the way they do for ordinary source files.
    """
    if library not in LIBRARIES:
        raise ValueError(f"library must be one of {LIBRARIES}, got {library!r}")
    name = f"benches._items_models_{library}"
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        sys.modules[name] = module
        try:
            exec(compile(MODEL_SOURCE.format(library=library), f"<items models: {library}>", "exec"), module.__dict__)
        except BaseException:
            del sys.modules[name]
            raise
    return module


def _line_item(n: int, sku: str, name: str, price: float, tags: list[str], quantity: int, discount: float | None) -> dict:
    product = {"sku": sku, "name": name, "price": price, "currency": "EUR", "weight_kg": 0.25 * n, "tags": tags}
    return {"product": product, "quantity": quantity, "discount": discount}


def document() -> dict:
    """The order as a JSON-ready dict (a fresh copy each call)."""
    items = [
        _line_item(1, "KB-104-BLK", "Mechanical keyboard, black", 89.9, ["hardware", "input"], 1, None),
        _line_item(2, "MS-220-WHT", "Wireless mouse", 24.5, ["hardware", "input", "wireless"], 2, 0.1),
        _line_item(3, "CB-USB-C-2M", "USB-C cable, 2 m", 9.99, ["cable"], 3, None),
        _line_item(4, "MN-27-4K", "27 inch 4K monitor", 329.0, ["hardware", "display"], 1, 0.05),
    ]
    return {
        "id": "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b",
        "created_at": "2024-05-17T14:03:27.512000Z",
        "status": "paid",
        "customer": {
            "id": 48213,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "vip": True,
            "phone": None,
            "address": {"street": "12 St James's Square", "city": "London", "postcode": "SW1Y 4JH", "country": "GB"},
        },
        "items": items,
        "shipping": {"street": "1 Analytical Row", "city": "Marylebone", "postcode": "NW1 6XE", "country": "GB"},
        "notes": "Leave with the concierge if nobody answers.",
        "tags": ["priority", "gift"],
        "total": 514.53,
    }


def document_json() -> bytes:
    """The order as the compact JSON body a client sends (about 1 KB)."""
    return json.dumps(document(), separators=(",", ":")).encode()


if __name__ == "__main__":
    # `python -m benches.items_models` writes the body to stdout (the wrk script posts it).
    sys.stdout.buffer.write(document_json())
