"""Running ``async def`` endpoints from a synchronous handler.

Most async endpoints never really suspend (they ``await`` nothing, or only
other coroutines that return at once). Those are driven with a bare
``coro.send(None)``: no event loop turn, no Task, no scheduling.

If the coroutine does suspend on an asyncio future (``asyncio.sleep``, a
client library...), it is finished on an event loop that belongs to the
current thread — one per interpreter in own-GIL mode, since each core has its
own thread and interpreter. The loop is created lazily on first use.

Limitation (to be lifted when the loop is integrated with the server's
reactor): while such an endpoint waits, ``run_until_complete`` blocks the
whole core, so that core serves no other request in the meantime.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any

from asyncio.events import _get_running_loop, _set_running_loop

# threading.local, not a plain global: in shared-GIL mode several server
# threads run in the main interpreter, and an event loop must not be shared
# between threads.
_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def run_coroutine(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` to completion and return its result (or raise its exception)."""
    loop = _thread_loop()
    # The first step runs with our loop marked as running, so code that calls
    # asyncio.get_running_loop() (asyncio.sleep, create_future...) binds to it.
    # It also runs in a fresh context that the Task below inherits, so context
    # variables set before the first await survive it.
    context = contextvars.copy_context()
    previous = _get_running_loop()
    _set_running_loop(loop)
    try:
        yielded = context.run(coro.send, None)
    except StopIteration as stop:
        return stop.value
    finally:
        _set_running_loop(previous)
    # It suspended: finish it on the loop (this blocks the core; see module doc).
    task = loop.create_task(_resume(coro, yielded), context=context)
    return loop.run_until_complete(task)


async def _resume(coro: Coroutine[Any, Any, Any], yielded: Any) -> Any:
    """Stand in for an asyncio Task around ``coro``, which has already started.

    ``yielded`` is what the coroutine's innermost ``await`` handed up: an
    asyncio future it waits on, or ``None`` for a bare yield
    (``asyncio.sleep(0)``). Each time it is ready, the coroutine is resumed
    with ``send(None)``; the future's ``__await__`` then returns its result or
    raises its exception inside the coroutine, exactly as under a Task.
    """
    while True:
        if yielded is None:
            await asyncio.sleep(0)
            step = None
        elif getattr(yielded, "_asyncio_future_blocking", None) is not None:
            # A Task clears this flag when it accepts a future; so do we.
            yielded._asyncio_future_blocking = False
            # wait() does not raise the future's exception: the coroutine
            # receives it itself when resumed.
            await asyncio.wait((yielded,))
            step = None
        else:
            step = RuntimeError(f"async endpoint yielded {yielded!r}, which is not an asyncio future")
        try:
            yielded = coro.send(None) if step is None else coro.throw(step)
        except StopIteration as stop:
            return stop.value
