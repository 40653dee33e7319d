"""The app's lifespan: ``FasterAPI(lifespan=...)`` and ``@app.on_event("startup"/"shutdown")``.

Where it runs (docs/architecture.md, "Lifespan"): every interpreter that serves the app
runs it for itself -- each core's sub-interpreter, on that core's thread and loop, before
the core accepts its first connection and after it has stopped serving; and the main
interpreter once when it serves lane routes (``interpreter="main"``). Module globals are
per interpreter, so is what the lifespan opens (a connection pool per core).

As in Starlette, the lifespan runs as *one* task from startup to shutdown: the context
manager is entered, the task waits for the shutdown signal, then exits the context, so
``async with`` blocks and task groups spanning the ``yield`` work. The state it yields (a
mapping) is what ``request.state`` starts from, a shallow copy per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

#: The lifespan state of the app serving in this interpreter (set by its startup).
#: ``request.state`` copies it; empty when the app has no lifespan state.
state: dict[str, Any] = {}


def lifespan_context(lifespan: Any, app: Any) -> Callable[[Any], Any]:
    """``lifespan`` as FastAPI accepts it: an async context manager factory, or an
    (async) generator function, which is wrapped as one. ``None``: the default, which runs
    the ``on_event`` handlers."""
    if lifespan is None:
        return _default_lifespan
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        sync = contextlib.contextmanager(lifespan)

        @contextlib.asynccontextmanager
        async def lifted(app: Any) -> Any:
            with sync(app) as value:
                yield value

        return lifted
    if not callable(lifespan):
        raise TypeError(f"lifespan must be a callable returning an async context manager, not {type(lifespan).__name__}")
    return lifespan


@contextlib.asynccontextmanager
async def _default_lifespan(app: Any) -> Any:
    await _run_handlers(app.router.on_startup)
    yield None
    await _run_handlers(app.router.on_shutdown)


async def _run_handlers(handlers: list[Callable[[], Any]]) -> None:
    for handler in handlers:
        result = handler()
        if inspect.isawaitable(result):
            await result


class LifespanRun:
    """One run of an app's lifespan in this interpreter: ``start()`` then ``stop()``,
    both awaited on the same event loop (which must keep running in between, or at least
    be the loop that runs ``stop()``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._task: asyncio.Task | None = None
        self._started: asyncio.Future | None = None
        self._stop: asyncio.Future | None = None

    async def start(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        self._started = loop.create_future()
        self._stop = loop.create_future()
        self._task = loop.create_task(self._main())
        # Whichever comes first: the context is entered, or the task failed before that.
        await asyncio.wait([self._started, self._task], return_when=asyncio.FIRST_COMPLETED)
        if not self._started.done():
            self._task.result()  # raises the startup's exception
            raise RuntimeError("the lifespan ended during startup without yielding")
        value = self._started.result()
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TypeError(f"the lifespan must yield a mapping of state or None, not {type(value).__name__}")
        return dict(value)

    async def stop(self) -> None:
        if self._task is None or self._stop is None:
            return
        if not self._stop.done():
            self._stop.set_result(None)
        task, self._task = self._task, None
        await task

    async def _main(self) -> None:
        assert self._started is not None and self._stop is not None
        async with self.app.router.lifespan_context(self.app) as value:
            self._started.set_result(value)
            await self._stop
