"""The app of scripts/bench-models (FasterAPI side): a small /json and POST /items.

POST /items takes the 1 KB order of benches/items_models.py, validated into the nested
model, and returns it through ``response_model`` (validated and serialized again on the
way out), the same endpoints as benches/items_fastapi.py.
"""

from benches.items_models import load
from fasterapi import FasterAPI

models = load("fasterapi")

app = FasterAPI()


@app.get("/json")
def json_hello():
    return {"message": "Hello, World!"}


@app.post("/items", response_model=models.Order)
def create_item(order: models.Order):
    return order
