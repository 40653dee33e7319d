"""Work that runs after the response has been sent (yield-dependency exit code, background
tasks).

Interim body (branch ``deps``): the callback is scheduled on the core's running event loop,
whose next turn comes after the bridge has taken the handler's answer; with no running loop
(a ``def`` handler in the blocking pool, or tests calling a handler directly) it runs at
once. The real primitive, run by the bridge once the response is written, replaces this body.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import traceback
from collections.abc import Callable
from typing import Any


def after_send(native_request: Any, callback: Callable[[], Any]) -> None:
    """Run ``callback()`` (sync function, or async function whose coroutine is run as a
    task) on this core after the response to ``native_request`` has been sent (or the
    connection has gone). Exceptions are logged, never reach the client."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:
        _run(callback, None)
    else:
        loop.call_soon(_run, callback, loop)


def _run(callback: Callable[[], Any], loop: Any) -> None:
    try:
        result = callback()
    except BaseException:
        _log()
        return
    if inspect.iscoroutine(result):
        if loop is None:
            try:
                asyncio.run(result)
            except BaseException:
                _log()
            return
        # Started eagerly: exit code that never waits is done at once, even on a loop that
        # stops after this turn (the main interpreter's lane runs its loop per request).
        asyncio.Task(_logged(result), loop=loop, eager_start=True)


async def _logged(coro: Any) -> None:
    try:
        await coro
    except BaseException:
        _log()


def _log() -> None:
    print("fasterapi: exception in code run after the response was sent", file=sys.stderr)
    traceback.print_exc()
