"""An unchanged FastAPI app with a lifespan, background tasks and error handlers: served by
FasterAPI with ``--compat`` and by FastAPI itself (tests/integration/test_lifespan.py)."""

from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

notes: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI):
    notes.append("started")
    yield {"greeting": "hello"}
    notes.clear()


app = FastAPI(lifespan=lifespan)


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something."})


@app.exception_handler(StarletteHTTPException)
async def custom_http_exception_handler(request, exc):
    response = await http_exception_handler(request, exc)
    response.headers["x-handled"] = "yes"
    return response


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request, exc):
    response = await request_validation_exception_handler(request, exc)
    response.headers["x-handled"] = "validation"
    return response


def remember(note: str) -> None:
    notes.append(note)


@app.get("/greeting")
def greeting(request: Request):
    return {"greeting": request.state.greeting, "started": notes[:1]}


@app.post("/notes/{note}")
async def add_note(note: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(remember, note)
    return {"queued": note}


@app.get("/notes")
def read_notes():
    return {"notes": notes[1:]}


@app.get("/unicorns/{name}")
async def unicorns(name: str):
    raise UnicornException(name)


@app.get("/items/{item_id}")
async def items(item_id: int):
    if item_id != 1:
        raise HTTPException(404, "Item not found")
    return {"item_id": item_id}
