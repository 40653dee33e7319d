"""What the bridge calls in every serving interpreter: ``load_app("module:attr")``.

See docs/bridge-contract.md, section 2. Errors are raised with a one-line
message, which the bridge (or the CLI) prints as is.
"""

from __future__ import annotations

import importlib
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from fasterapi import _after_send, _lifespan, _loop, _native
from fasterapi.encoders import encode_fallback
from fasterapi.responses import FileResponse, Response, StreamingResponse
from fasterapi.routing import CompiledRoute

def import_from_string(spec: str) -> Any:
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise ValueError(f"app must be given as MODULE:ATTRIBUTE, got {spec!r}")

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"could not import module {module_name!r}: {exc}") from exc
    except Exception as exc:
        # An error inside the app's own module: still one line, with its type.
        raise ImportError(f"could not import module {module_name!r}: {type(exc).__name__}: {exc}") from exc

    obj: Any = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            owner = module_name if obj is module else f"{module_name}:{attr_path.rpartition('.')[0]}"
            raise AttributeError(f"module {owner!r} has no attribute {part!r}") from None
    return obj


class LoadedApp:
    """What the bridge needs from an app, by name (docs/bridge-contract.md, section 2)."""

    def __init__(
        self,
        routes: list[CompiledRoute],
        interpreter: str = "core",
        native_layers: str = "[]",
        miss_route: CompiledRoute | None = None,
        app: Any = None,
    ) -> None:
        self.routes = routes
        #: The declarative middleware for the server's native layers (JSON, outermost first).
        self.native_layers = native_layers
        #: Answers unmatched requests when Python must see them (middleware, 404 handlers).
        self.miss_route = miss_route
        #: "main": the whole app runs in the main interpreter's lane.
        self.interpreter = interpreter
        self.response_type = Response
        self.streaming_type = StreamingResponse
        self.file_type = FileResponse
        self.encode_fallback: Callable[[Any], bytes] = encode_fallback
        self.pump_body = _loop.pump_body
        self.timed_call = _loop.timed_call
        self.run_coroutine = _run_coroutine_here
        #: In-process apps only (``fasterapi.testclient``): runs a streamed body to its end.
        self.collect_body = collect_body
        self.after_send_runner = _after_send.runner
        self._app = app
        self._lifespan: _lifespan.LifespanRun | None = None
        self.new_loop = _loop.new_core_loop
        self.close_loop = _loop.close_core_loop

    # The app's lifespan on a core: the bridge calls ``startup(loop)`` once the core's loop
    # exists, before the core serves, and ``shutdown(loop)`` after it stopped serving,
    # before ``close_loop``; both on the core's thread, driving the loop until done.

    def startup(self, loop: _loop.CoreEventLoop) -> None:
        """Raises what the lifespan raised; the bridge reports it as one line and stops."""
        if self._app is None:
            return
        run = _lifespan.LifespanRun(self._app)
        _lifespan.state = _loop.run_until_done(loop, run.start())
        self._lifespan = run

    def shutdown(self, loop: _loop.CoreEventLoop) -> None:
        """Background work still running finishes first (for a while: ``_after_send.drain``),
        then the lifespan exits. Never raises: a failing shutdown is logged, and the core
        still ends cleanly."""
        run, self._lifespan = self._lifespan, None
        try:
            _loop.run_until_done(loop, _after_send.drain())
            if run is not None:
                _loop.run_until_done(loop, run.stop())
        except BaseException:
            print(f"fasterapi: core {_native.core_id()}: exception in the app's shutdown", file=sys.stderr)
            traceback.print_exc()


def load_app(spec: str) -> LoadedApp:
    """Import the app named by ``spec`` and compile its routes.

    In compatibility mode (``FASTERAPI_COMPAT=1``, ``fasterapi run --compat``) the aliases
    for fastapi/starlette/pydantic are installed first, in this interpreter, so the app's
    own imports get FasterAPI's objects (:mod:`fasterapi._compat`).
    """
    from fasterapi import _compat

    if _compat.requested():
        _compat.install()
    return loaded_app(import_from_string(spec), spec)


def loaded_app(app: Any, name: str = "the app") -> LoadedApp:
    """An app object's compiled routes, as the bridge reads them."""
    from fasterapi.applications import FasterAPI

    if not isinstance(app, FasterAPI):
        hint = " (a FastAPI app: serve it with --compat, see docs/fastapi-compat.md)" if type(app).__module__.startswith("fastapi.") else ""
        raise TypeError(f"{name!r} is not a FasterAPI application{hint}")
    routes, native_layers, miss_route = app._compile()
    _lane.app = app
    return LoadedApp(routes, app.interpreter, native_layers, miss_route, app)


_lane_loops = threading.local()


def _run_coroutine_here(coro: Any) -> Any:
    """Lane threads (main interpreter) run an async handler to completion on a loop of the
    thread's own: the lane thread waits, the cores do not."""
    loop = getattr(_lane_loops, "loop", None)
    if loop is None:
        import asyncio

        loop = _lane_loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


class _LaneLifespan:
    """The main interpreter's lifespan when it serves lane routes: started once by the
    first lane thread (the others wait for it), stopped by the last one to end. It runs on
    a loop of its own, because each lane thread has its own loop."""

    def __init__(self) -> None:
        self.app: Any = None
        self.lock = threading.Lock()
        self.threads = 0
        self.run: _lifespan.LifespanRun | None = None
        self.loop: Any = None


_lane = _LaneLifespan()


def lane_started() -> None:
    """Called by each lane thread once it loaded the app (bridge, lane.rs)."""
    import asyncio

    with _lane.lock:
        _lane.threads += 1
        if _lane.threads > 1:
            return
        _lane.loop = asyncio.new_event_loop()
        run = _lifespan.LifespanRun(_lane.app)
        _lifespan.state = _lane.loop.run_until_complete(run.start())
        _lane.run = run


def lane_stopped() -> None:
    """Called by each lane thread as it ends; the last one runs the app's shutdown."""
    with _lane.lock:
        _lane.threads -= 1
        if _lane.threads > 0 or _lane.run is None:
            return
        run, _lane.run = _lane.run, None
        try:
            _lane.loop.run_until_complete(run.stop())
        except BaseException:
            print("fasterapi: main-interpreter lane: exception in the app's shutdown", file=sys.stderr)
            traceback.print_exc()
        finally:
            _lane.loop.close()


def collect_body(content: Any) -> tuple[list[bytes], BaseException | None]:
    """A StreamingResponse's body, whole: the cores' ``pump_body`` run to its end on the
    calling thread's loop, sending into a list. Returns the chunks and what the iterator
    raised (None: the body ended normally), for the test client to raise in the test."""
    chunks: list[bytes] = []
    ended: list[bool] = []
    failures: list[BaseException] = []
    _run_coroutine_here(_loop.pump_body(_recording(content, failures), chunks.append, ended.append))
    if ended and ended[0]:
        return chunks, None
    return chunks, failures[0] if failures else RuntimeError("the streamed body ended without finishing")


def _recording(content: Any, failures: list[BaseException]) -> Any:
    """``content`` as pump_body sees it (async stays async, sync stays sync), recording the
    exception it raises."""
    if hasattr(content, "__aiter__"):

        async def chunks_async() -> Any:
            iterator = content.__aiter__()
            try:
                async for chunk in iterator:
                    yield chunk
            except Exception as exc:
                failures.append(exc)
                raise
            finally:
                close = getattr(iterator, "aclose", None)
                if close is not None:
                    await close()

        return chunks_async()

    def chunks() -> Any:
        iterator = iter(content)
        try:
            yield from iterator
        except Exception as exc:
            failures.append(exc)
            raise

    return chunks()


def shutdown() -> None:
    """What the bridge calls on each core just before that core's interpreter ends.

    The app's shutdown has already run (``LoadedApp.close_loop``); this only tidies up
    after the core thread itself (below).
    """
    _forget_core_thread()


def _forget_core_thread() -> None:
    # A core thread was not started by ``threading``, so the first ``current_thread()`` on
    # it (``Thread.start`` calls it) registers a ``_DummyThread``, which CPython 3.13 removes
    # from a ``__del__`` run when the thread state is cleared. When the interpreter ends,
    # that happens after ``threading``'s globals are gone and prints "Exception ignored in
    # _DeleteDummyThreadOnDel.__del__". Dropping the reference now, while the module is
    # alive, runs that clean-up normally.
    info = getattr(threading, "_thread_local_info", None)
    if info is not None and hasattr(info, "_track_dummy_thread_ref"):
        del info._track_dummy_thread_ref
