"""Lifespan events, background tasks and error handling, in the style of FastAPI's
"Lifespan Events", "Background Tasks" and "Handling Errors" chapters.

Served with: fasterapi run tests.apps.lifespan_app:app --cores N --no-pin
Set LIFESPAN_OUT to a directory: each interpreter writes ``shutdown-<core>`` there when
its lifespan exits (core -1 is the main interpreter's lane).
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import asynccontextmanager

from fasterapi import BackgroundTasks, FasterAPI, HTTPException, Request, SharedDict, _native
from fasterapi.background import BackgroundTask
from fasterapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fasterapi.exceptions import RequestValidationError
from fasterapi.responses import JSONResponse, PlainTextResponse

OUT = os.environ.get("LIFESPAN_OUT", "")
ml_models: dict[str, object] = {}
#: What background tasks report, seen from every core (and by the tests through /tasks).
tasks = SharedDict("lifespan_app.tasks")


def fake_answer_to_everything_ml_model(x: float) -> float:
    return x * 42


@asynccontextmanager
async def lifespan(app: FasterAPI):
    # Load the ML model (per interpreter: each core has its own copy).
    ml_models["answer_to_everything"] = fake_answer_to_everything_ml_model
    await asyncio.sleep(0)  # the core's loop runs during startup
    yield {"core": _native.core_id(), "started": True}
    # Clean up the ML models and release the resources.
    ml_models.clear()
    if OUT:
        finished = sorted(name for name in os.listdir(OUT) if name.startswith("bg-"))
        with open(os.path.join(OUT, f"shutdown-{_native.core_id()}"), "w") as f:
            f.write("bye; saw " + ",".join(finished) if finished else "bye")


app = FasterAPI(lifespan=lifespan)


@app.get("/predict")
async def predict(x: float):
    result = ml_models["answer_to_everything"](x)
    return {"result": result}


@app.get("/state")
def state(request: Request):
    request.state.scribble = "per request"  # never leaks into the next request
    return {"state_core": request.state.core, "core": _native.core_id(), "started": request.state.started}


@app.get("/state/fresh")
def state_fresh(request: Request):
    return {"scribble": hasattr(request.state, "scribble")}


@app.get("/lane/state", interpreter="main")
def lane_state(request: Request):
    return {"state_core": request.state.core, "core": _native.core_id()}


# -- Background tasks -------------------------------------------------------


def write_notification(email: str, message: str = "") -> None:
    # A plain def: runs in the core's blocking pool.
    tasks[f"notification:{email}"] = f"notification for {email}: {message}"


async def wait_for_release(key: str) -> None:
    # An async task that waits until the test releases it: while it waits, the response
    # must already be out and the core must keep serving.
    while not tasks.get(f"release:{key}"):
        await asyncio.sleep(0.01)
    tasks[f"done:{key}"] = _native.core_id()


def wait_for_release_blocking(key: str) -> None:
    while not tasks.get(f"release:{key}"):
        time.sleep(0.01)
    tasks[f"done:{key}"] = _native.core_id()


def failing_task(key: str) -> None:
    raise RuntimeError(f"background task {key} failed")


@app.post("/send-notification/{email}")
async def send_notification(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_notification, email, message="some notification")
    return {"message": "Notification sent in the background"}


@app.get("/hold/{key}")
async def hold(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(wait_for_release, key)
    return {"held": key, "core": _native.core_id()}


@app.get("/hold-sync/{key}")
def hold_sync(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(wait_for_release_blocking, key)
    return {"held": key}


async def slow_write(key: str) -> None:
    await asyncio.sleep(0.5)
    if OUT:
        with open(os.path.join(OUT, f"bg-{key}"), "w") as f:
            f.write("done")


@app.get("/slow-task/{key}")
async def slow_task(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(slow_write, key)
    return {"started": key}


@app.get("/release/{key}")
def release(key: str):
    tasks[f"release:{key}"] = True
    return {"released": key}


@app.get("/tasks/{key:path}")
def task_result(key: str):
    return {"value": tasks.get(key)}


@app.get("/fail-then-run/{key}")
def fail_then_run(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(failing_task, key)
    background_tasks.add_task(write_notification, f"after-failure-{key}")  # not run (Starlette)
    return {"ok": True}


@app.get("/response-background/{key}")
def response_background(key: str):
    task = BackgroundTask(write_notification, f"response-{key}", message="from Response")
    return JSONResponse({"ok": True}, background=task)


@app.get("/both/{key}")
def both(key: str, background_tasks: BackgroundTasks):
    # FastAPI's rule: the response's own background wins; the injected tasks do not run.
    background_tasks.add_task(write_notification, f"injected-{key}")
    return JSONResponse({"ok": True}, background=BackgroundTask(write_notification, f"own-{key}"))


@app.get("/stream-background/{key}")
def stream_background(key: str):
    from fasterapi.responses import StreamingResponse

    return StreamingResponse(iter([b"a", b"b"]), background=BackgroundTask(write_notification, f"stream-{key}"))


@app.get("/raise-with-tasks/{key}")
def raise_with_tasks(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_notification, f"raised-{key}")
    raise HTTPException(400, "no")


@app.get("/lane/background/{key}", interpreter="main")
def lane_background(key: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_notification, f"lane-{key}")
    return {"core": _native.core_id()}


# -- Handling errors --------------------------------------------------------


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


class RainbowUnicorn(UnicornException):
    pass


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(
        status_code=418,
        content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."},
    )


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    if name == "rainbow":
        raise RainbowUnicorn(name=name)  # found through the MRO
    return {"unicorn_name": name}


@app.get("/unicorns-sync/{name}", inline=False)
def read_unicorn_sync(name: str):
    # A def endpoint in the blocking pool, answered by an async handler.
    raise UnicornException(name=name)


@app.exception_handler(HTTPException)
async def custom_http_exception_handler(request: Request, exc: HTTPException):
    if exc.status_code == 409:
        return PlainTextResponse(f"conflict: {exc.detail}", status_code=409)
    return await http_exception_handler(request, exc)


@app.exception_handler(404)
async def not_found_handler(request: Request, exc: HTTPException):
    return JSONResponse({"missing": request.url.path, "detail": exc.detail}, status_code=404)


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    if request.url.path.startswith("/plain-errors"):
        return PlainTextResponse(str(exc), status_code=400)
    return await request_validation_exception_handler(request, exc)


items = {"foo": "The Foo Wrestlers"}


@app.get("/items/{item_id}")
async def read_item(item_id: str):
    if item_id == "taken":
        raise HTTPException(status_code=409, detail="already there")
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"})
    return {"item": items[item_id]}


@app.get("/teapot")
def teapot():
    raise HTTPException(status_code=418)


@app.get("/plain-errors/{item_id}")
async def plain_errors(item_id: int):
    return {"item_id": item_id}


@app.get("/numbers/{item_id}")
async def numbers(item_id: int):
    return {"item_id": item_id}
