"""The benchmark fixture: a tiny, stable app. Serve with

    fasterapi run examples.hello:app
"""

import itertools
import time
from dataclasses import asdict, dataclass, field

from fasterapi import FasterAPI

app = FasterAPI(title="hello")

# Module state is per interpreter: each core counts its own ids.
_ids = itertools.count(1)


@dataclass
class Item:
    name: str
    price: float
    tags: list[str] = field(default_factory=list)


@app.get("/plaintext")
def plaintext():
    return "Hello, World!"


@app.get("/json")
def json():
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}")
def user(user_id: int, q: str | None = None):
    return {"user_id": user_id, "q": q}


@app.post("/items", status_code=201)
def create_item(item: Item):
    return {**asdict(item), "id": next(_ids)}


@app.get("/cpu")
def cpu(n: int = 3000):
    return {"result": sum(i * i for i in range(n))}


@app.get("/sleep")
def sleep(ms: int = 10):
    time.sleep(ms / 1000)
    return {"slept_ms": ms}
