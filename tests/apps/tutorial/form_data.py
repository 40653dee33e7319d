"""Tutorial: Form Data (and Form Models)."""

from typing import Annotated

from fasterapi import BaseModel, FasterAPI, Form

app = FasterAPI()


@app.post("/login/")
async def login(username: Annotated[str, Form()], password: Annotated[str, Form()]):
    return {"username": username}


class FormData(BaseModel):
    username: str
    password: str
    model_config = {"extra": "forbid"}


@app.post("/login-model/")
async def login_model(data: Annotated[FormData, Form()]):
    return data
