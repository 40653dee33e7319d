"""The same endpoints as benches/items_app.py under FastAPI + pydantic (run by uvicorn)."""

from fastapi import FastAPI

from benches.items_models import load

models = load("pydantic")

app = FastAPI()


@app.get("/json")
def json_hello():
    return {"message": "Hello, World!"}


@app.post("/items", response_model=models.Order)
def create_item(order: models.Order):
    return order
