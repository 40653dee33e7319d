"""Lifespan, background tasks and exception handlers, compared with real FastAPI.

Each app is written once against a namespace of names (``ns``) and built twice, with
FastAPI and with FasterAPI, each tested through its own TestClient (ours runs the server's
router, dispatch and after-send work in process).
"""


import asyncio
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from fasterapi import _after_send, _lifespan, _native
from fasterapi.testclient import TestClient as OurTestClient
from tests.python.conftest import FakeRequest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402


def fastapi_ns() -> SimpleNamespace:
    import fastapi
    import fastapi.exception_handlers as handlers
    import fastapi.responses as responses
    import starlette.background as background
    import starlette.exceptions as starlette_exceptions

    return SimpleNamespace(App=fastapi.FastAPI, Request=fastapi.Request, HTTPException=fastapi.HTTPException,
                           StarletteHTTPException=starlette_exceptions.HTTPException,
                           RequestValidationError=fastapi.exceptions.RequestValidationError,
                           BackgroundTasks=fastapi.BackgroundTasks, BackgroundTask=background.BackgroundTask,
                           JSONResponse=responses.JSONResponse, PlainTextResponse=responses.PlainTextResponse,
                           handlers=handlers)


def fasterapi_ns() -> SimpleNamespace:
    import fasterapi
    import fasterapi.exception_handlers as handlers
    import fasterapi.responses as responses
    from fasterapi.background import BackgroundTask
    from fasterapi.exceptions import HTTPException, RequestValidationError

    return SimpleNamespace(App=fasterapi.FasterAPI, Request=fasterapi.Request, HTTPException=HTTPException,
                           # One class for both: FastAPI's subclasses Starlette's.
                           StarletteHTTPException=HTTPException,
                           RequestValidationError=RequestValidationError,
                           BackgroundTasks=fasterapi.BackgroundTasks, BackgroundTask=BackgroundTask,
                           JSONResponse=responses.JSONResponse, PlainTextResponse=responses.PlainTextResponse,
                           handlers=handlers)


# -- FasterAPI's side: its TestClient (the server's router and dispatch, in process) -----


@dataclass
class SendingRequest(FakeRequest):
    """A fake native request that keeps what is registered with ``after_send``."""

    hooks: list = field(default_factory=list)

    def after_send(self, hook: Any) -> None:
        if not callable(hook):
            raise TypeError("after_send() takes a callable")
        self.hooks.append(hook)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- lifespan --------------------------------------------------------------------------


def lifespan_app(ns: SimpleNamespace, events: list, with_lifespan: bool) -> Any:
    @asynccontextmanager
    async def lifespan(app):
        events.append("enter")
        await asyncio.sleep(0)
        yield {"db": "connected", "items": [1]}
        events.append("exit")

    app = ns.App(lifespan=lifespan) if with_lifespan else ns.App()

    @app.on_event("startup")
    async def startup_async():
        events.append("startup async")

    @app.on_event("startup")
    def startup_sync():
        events.append("startup sync")

    @app.on_event("shutdown")
    def shutdown_sync():
        events.append("shutdown sync")

    @app.get("/state")
    def state(request: ns.Request):
        db = getattr(request.state, "db", None)
        seen = getattr(request.state, "seen", False)
        request.state.seen = True  # a per-request copy: the next request does not see it
        return {"db": db, "seen_before": seen}

    return app


@pytest.mark.parametrize("with_lifespan", [True, False], ids=["lifespan", "on_event"])
def test_lifespan_and_events_like_fastapi(with_lifespan):
    theirs: list = []
    app = lifespan_app(fastapi_ns(), theirs, with_lifespan)
    with TestClient(app) as client:
        expected = [client.get("/state").json(), client.get("/state").json()]
        during = list(theirs)

    ours: list = []
    app = lifespan_app(fasterapi_ns(), ours, with_lifespan)
    with OurTestClient(app) as client:
        got = [client.get("/state").json(), client.get("/state").json()]
        seen_during = list(ours)
    assert got == expected
    assert seen_during == during
    assert ours == theirs  # with a lifespan, on_event handlers do not run (FastAPI's rule)
    assert _lifespan.state == {}


def test_generator_lifespans_are_accepted_like_fastapi():
    from fasterapi import FasterAPI

    events = []

    async def agen(app):
        events.append("async gen in")
        yield {"k": 1}
        events.append("async gen out")

    def gen(app):
        events.append("gen in")
        yield
        events.append("gen out")

    async def session(app):
        state = await app._startup()
        await app._shutdown()
        return state

    assert run(session(FasterAPI(lifespan=agen))) == {"k": 1}
    assert run(session(FasterAPI(lifespan=gen))) == {}
    assert events == ["async gen in", "async gen out", "gen in", "gen out"]


def test_a_startup_failure_raises_and_a_bad_event_name_is_refused():
    from fasterapi import FasterAPI

    app = FasterAPI()

    @app.on_event("startup")
    def broken():
        raise ConnectionError("no database")

    with pytest.raises(ConnectionError, match="no database"):
        run(app._startup())
    with pytest.raises(ValueError, match="'startup' or 'shutdown'"):
        app.add_event_handler("teardown", broken)

    @asynccontextmanager
    async def yields_a_list(app):
        yield [1]

    with pytest.raises(TypeError, match="mapping of state or None"):
        run(FasterAPI(lifespan=yields_a_list)._startup())


def test_the_lifespan_runs_as_one_task_like_starlette():
    """A task group spanning the yield needs startup and shutdown in the same task."""
    from fasterapi import FasterAPI

    events = []

    @asynccontextmanager
    async def lifespan(app):
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(0))
            events.append(asyncio.current_task().get_name())
            yield
            events.append(asyncio.current_task().get_name())

    app = FasterAPI(lifespan=lifespan)

    async def session():
        await app._startup()
        await asyncio.sleep(0)
        await app._shutdown()

    run(session())
    assert len(events) == 2 and events[0] == events[1]


# -- background tasks ------------------------------------------------------------------


def background_app(ns: SimpleNamespace, log: list) -> Any:
    app = ns.App()

    def write(message: str, suffix: str = "") -> None:
        log.append(f"sync {message}{suffix}")

    async def write_async(message: str) -> None:
        await asyncio.sleep(0)
        log.append(f"async {message}")

    def fail(message: str) -> None:
        raise RuntimeError(message)

    @app.post("/send/{email}")
    async def send(email: str, background_tasks: ns.BackgroundTasks):
        background_tasks.add_task(write, email, suffix="!")
        background_tasks.add_task(write_async, email)
        return {"message": "sent"}

    @app.get("/sync/{name}")
    def sync_route(name: str, tasks: ns.BackgroundTasks):
        tasks.add_task(write, name)
        tasks.add_task(write, name, suffix=" again")
        return {"tasks": len(tasks.tasks)}

    @app.get("/response/{name}")
    def response_background(name: str):
        return ns.JSONResponse({"ok": 1}, background=ns.BackgroundTask(write_async, name))

    @app.get("/both/{name}")
    def both(name: str, background_tasks: ns.BackgroundTasks):
        background_tasks.add_task(write, "injected " + name)
        return ns.JSONResponse({"ok": 2}, background=ns.BackgroundTask(write, "own " + name))

    @app.get("/plain-response/{name}")
    def plain_response(name: str, background_tasks: ns.BackgroundTasks):
        background_tasks.add_task(write, "into the response " + name)
        return ns.PlainTextResponse("plain")

    @app.get("/raises/{name}")
    def raises(name: str, background_tasks: ns.BackgroundTasks):
        background_tasks.add_task(write, "never " + name)
        raise ns.HTTPException(400, "bad")

    @app.get("/failing/{name}")
    def failing(name: str, background_tasks: ns.BackgroundTasks):
        background_tasks.add_task(fail, name)
        background_tasks.add_task(write, "after the failure " + name)
        return {"ok": 3}

    return app


CALLS = [("POST", "/send/a@b"), ("GET", "/sync/x"), ("GET", "/response/r"), ("GET", "/both/b"),
         ("GET", "/plain-response/p"), ("GET", "/raises/e")]


def test_background_tasks_like_fastapi():
    theirs: list = []
    client = TestClient(background_app(fastapi_ns(), theirs))
    expected = []
    for method, url in CALLS:
        r = client.request(method, url)
        expected.append((r.status_code, r.content, list(theirs)))

    ours: list = []
    client = OurTestClient(background_app(fasterapi_ns(), ours))
    got = []
    for method, url in CALLS:
        r = client.request(method, url)
        got.append((r.status_code, r.content, list(ours)))
    assert got == expected


def test_a_failing_background_task_is_logged_and_stops_the_rest(capsys):
    ours: list = []
    r = OurTestClient(background_app(fasterapi_ns(), ours)).get("/failing/f")
    assert r.status_code == 200 and r.json() == {"ok": 3}
    assert ours == []  # Starlette: the tasks after a failing one do not run
    err = capsys.readouterr().err
    assert re.search(r"exception in work run after the response \(background tasks [\w.<>]*fail, [\w.<>]*write\)", err)
    assert "RuntimeError: f" in err


def test_after_send_runs_sync_and_async_callbacks_and_logs_failures(capsys):
    log = []

    async def async_work():
        log.append("async")

    def broken():
        raise ValueError("cleanup failed")

    async def scenario():
        req = SendingRequest()
        _after_send.after_send(req, lambda: log.append("sync"))
        _after_send.after_send(req, async_work)
        _after_send.after_send(req, broken)
        assert log == []  # nothing runs before the response is sent
        for hook in req.hooks:
            hook()  # what the bridge does; a hook never raises
        await asyncio.sleep(0)

    run(scenario())
    assert log == ["sync", "async"]
    assert "ValueError: cleanup failed" in capsys.readouterr().err


def test_sync_background_tasks_run_in_the_loops_pool():
    """A plain def task goes to the executor (the core's blocking pool), not the loop thread."""
    import threading

    from fasterapi.background import BackgroundTasks

    threads = []
    tasks = BackgroundTasks()
    tasks.add_task(lambda: threads.append(threading.current_thread().name))
    run(tasks())
    assert threads and threads[0] != threading.main_thread().name


# -- exception handlers ----------------------------------------------------------------


def errors_app(ns: SimpleNamespace) -> Any:
    app = ns.App()

    class UnicornException(Exception):
        def __init__(self, name: str):
            self.name = name

    class RainbowUnicorn(UnicornException):
        pass

    @app.exception_handler(UnicornException)
    async def unicorn_handler(request: ns.Request, exc: UnicornException):
        return ns.JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something."})

    @app.exception_handler(ns.StarletteHTTPException)
    async def http_handler(request, exc):
        if exc.status_code == 409:
            return ns.PlainTextResponse(f"conflict: {exc.detail}", status_code=409)
        return await ns.handlers.http_exception_handler(request, exc)

    @app.exception_handler(404)
    def not_found(request, exc):
        return ns.JSONResponse({"missing": request.url.path, "detail": exc.detail}, status_code=404)

    @app.exception_handler(ns.RequestValidationError)
    async def validation_handler(request, exc):
        if request.url.path.startswith("/plain"):
            return ns.PlainTextResponse(str(exc).splitlines()[0], status_code=400)
        return await ns.handlers.request_validation_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def anything(request, exc):
        return ns.JSONResponse({"server error": type(exc).__name__}, status_code=500)

    @app.get("/unicorns/{name}")
    async def unicorns(name: str):
        if name == "rainbow":
            raise RainbowUnicorn(name)
        raise UnicornException(name)

    @app.get("/sync-unicorns/{name}")
    def sync_unicorns(name: str):
        raise UnicornException(name)

    @app.get("/items/{item_id}")
    def items(item_id: str):
        if item_id == "taken":
            raise ns.HTTPException(409, "already there")
        if item_id == "teapot":
            raise ns.HTTPException(418)
        if item_id == "quiet":
            raise ns.HTTPException(304)
        if item_id == "starlette":
            raise ns.StarletteHTTPException(403, "starlette style", headers={"x-why": "because"})
        raise ns.HTTPException(404, "Item not found", headers={"X-Error": "There goes my error"})

    @app.get("/numbers/{n}")
    async def numbers(n: int):
        return {"n": n}

    @app.get("/plain/{n}")
    async def plain(n: int):
        return {"n": n}

    @app.get("/zero")
    def zero():
        return 1 / 0

    return app


ERROR_URLS = ["/unicorns/yolo", "/unicorns/rainbow", "/sync-unicorns/s", "/items/taken", "/items/teapot",
              "/items/quiet", "/items/starlette", "/items/nope", "/numbers/x", "/numbers/3", "/plain/x", "/zero",
              "/nowhere"]


@pytest.mark.parametrize("url", ERROR_URLS)
def test_exception_handlers_like_fastapi(url, capsys):
    client = TestClient(errors_app(fastapi_ns()), raise_server_exceptions=False)
    expected = client.get(url)
    got = OurTestClient(errors_app(fasterapi_ns()), raise_server_exceptions=False).get(url)
    assert got.status_code == expected.status_code
    assert got.content == expected.content
    for name in ("x-error", "x-why", "content-type"):
        assert got.headers.get(name) == expected.headers.get(name)
    if url == "/zero":
        # As in Starlette, an exception answered by the Exception handler is still logged.
        assert "ZeroDivisionError" in capsys.readouterr().err


def test_the_default_handlers_are_async_like_fastapi():
    import inspect

    from fasterapi.exception_handlers import http_exception_handler, request_validation_exception_handler
    from fasterapi.exceptions import HTTPException, RequestValidationError

    assert inspect.iscoroutinefunction(http_exception_handler)
    assert inspect.iscoroutinefunction(request_validation_exception_handler)
    response = run(http_exception_handler(None, HTTPException(401, "who", headers={"WWW-Authenticate": "Bearer"})))
    assert (response.status_code, response.body) == (401, b'{"detail":"who"}')
    assert (b"www-authenticate", b"Bearer") in response.raw_headers
    response = run(request_validation_exception_handler(None, RequestValidationError([{"loc": ("query", "q")}])))
    assert (response.status_code, response.body) == (422, b'{"detail":[{"loc":["query","q"]}]}')


def test_registering_a_handler_for_something_else_is_refused():
    from fasterapi import FasterAPI

    app = FasterAPI()
    app.add_exception_handler("oops", lambda r, e: None)
    with pytest.raises(TypeError, match="exception class or a status code"):
        app._compile_routes()
