"""Work that runs after the response has been sent (docs/bridge-contract.md, "after_send").

The bridge keeps the callables a handler registers on the native request
(``native_request.after_send(hook)``) with the response, and calls each hook, with no
arguments, on the request's core once the connection has written the response (or has
gone without it). Hooks must not raise: :func:`runner` wraps user work so that its
exceptions are logged and never reach the client, whose response is already sent.
"""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable
from typing import Any


def after_send(native_request: Any, callback: Callable[[], Any]) -> None:
    """Run ``callback()`` (sync function, or async function whose coroutine is run as a
    task) on this core after the response to ``native_request`` has been sent (or the
    connection has gone). Exceptions are logged, never reach the client."""
    native_request.after_send(runner(callback))


def runner(callback: Callable[[], Any]) -> Callable[[], None]:
    """The hook the bridge calls for ``callback``: a sync callback runs now, on the core
    thread (keep it quick; :class:`fasterapi.background.BackgroundTasks` sends blocking
    work to the core's pool itself); a coroutine is run as a task of the core's loop, so
    the core goes on serving while it waits. In the main interpreter's lane, which has no
    loop of its own between requests, the coroutine runs to its end on the lane thread."""

    def run_after_send() -> None:
        try:
            result = callback()
        except Exception:
            _log(callback)
            return
        if asyncio.iscoroutine(result):
            _start(result, callback)

    return run_after_send


def _start(coro: Any, callback: Any) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        from fasterapi._server import _run_coroutine_here

        try:
            _run_coroutine_here(coro)
        except Exception:
            _log(callback)
        return
    task = loop.create_task(coro)
    _running.add(task)
    task.add_done_callback(lambda t: _report(t, callback))


#: Tasks started after a response and not finished yet (this interpreter's core).
_running: set[asyncio.Task] = set()

#: How long a core's shutdown waits for them before cancelling the rest: well within the
#: default grace period (FASTERAPI_GRACE, 10 s), after which the process gives up on cores.
DRAIN_SECONDS = 5.0


async def drain(timeout: float = DRAIN_SECONDS) -> None:
    """At shutdown, before the app's own: let running after-send work finish, as a server
    lets a request's background tasks finish; what is still running after ``timeout`` is
    cancelled (and logged)."""
    # This core's only (in the shared-GIL mode every core's tasks are in this one set).
    loop = asyncio.get_running_loop()
    tasks = [t for t in _running if not t.done() and t.get_loop() is loop]
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    if pending:
        print(f"fasterapi: {len(pending)} background task(s) still running after {timeout:g} s at shutdown; cancelled",
              file=sys.stderr)
        for task in pending:
            task.cancel()
        await asyncio.wait(pending)


def _report(task: asyncio.Task, callback: Any) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        _log(callback, exc)


def _log(callback: Any, exc: BaseException | None = None) -> None:
    """One line naming the work, then the traceback, on stderr (like the bridge's logs)."""
    name = _describe(callback)
    print(f"fasterapi: exception in work run after the response ({name}); the response was already sent", file=sys.stderr)
    if exc is None:
        traceback.print_exc()
    else:
        traceback.print_exception(exc)


def _describe(callback: Any) -> str:
    tasks = getattr(callback, "tasks", None)
    if isinstance(tasks, list):  # BackgroundTasks
        return "background tasks " + ", ".join(_describe(t) for t in tasks)
    func = getattr(callback, "func", None)  # BackgroundTask, functools.partial
    if func is not None:
        return _describe(func)
    return getattr(callback, "__qualname__", None) or repr(callback)
