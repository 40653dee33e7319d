"""Forms and files over the real server (tests/integration/test_forms.py)."""

import hashlib
import os
from typing import Annotated

from fasterapi import BaseModel, FasterAPI, File, Form, Header, Query, Request, UploadFile

app = FasterAPI()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@app.post("/upload")
async def upload(file: UploadFile, note: Annotated[str | None, Form()] = None):
    data = await file.read()
    return {"filename": file.filename, "content_type": file.content_type, "size": file.size,
            "sha256": digest(data), "on_disk": bool(file.file._rolled), "note": note}


@app.post("/upload-sync")
def upload_sync(file: UploadFile):
    data = file.file.read()
    return {"size": file.size, "sha256": digest(data), "on_disk": bool(file.file._rolled)}


@app.post("/files")
def files(files: Annotated[list[bytes], File()], tags: Annotated[list[str], Form()] = []):
    return {"sizes": [len(f) for f in files], "sha256": [digest(f) for f in files], "tags": tags}


class Login(BaseModel):
    model_config = {"extra": "forbid"}
    username: str
    remember: bool = False


@app.post("/login")
def login(data: Annotated[Login, Form()]):
    return data


@app.post("/small-parts", form_limits={"max_part_size": 1024, "max_fields": 3})
def small_parts(a: Annotated[list[str], Form()] = []):
    return {"count": len(a)}


class Filter(BaseModel):
    model_config = {"extra": "forbid"}
    limit: int = 10
    tags: list[str] = []


@app.get("/filter")
def filter_(f: Annotated[Filter, Query()], x_trace: Annotated[list[str], Header()] = []):
    return {"filter": f, "trace": x_trace}


class Trace(BaseModel):
    x_trace: list[str] = []
    save_data: bool = False


@app.get("/header-model")
def header_model(h: Annotated[Trace, Header()]):
    return h


@app.post("/raw-form")
async def raw_form(request: Request):
    async with request.form() as form:
        return {key: (value.filename if isinstance(value, UploadFile) else value) for key, value in form.multi_items()}


@app.get("/pid")
def pid():
    return {"pid": os.getpid()}
