"""The asyncio event loop of one core, driven by that core's reactor.

Each serving interpreter gets one ``CoreEventLoop``: a standard
``asyncio.SelectorEventLoop`` (so tasks, futures, timers, ``sock_*``,
transports and protocols, ``run_in_executor``... are asyncio's own code),
whose selector is an epoll instance the bridge created and watches from the
core's monoio reactor. The loop never blocks: the bridge runs one iteration
(``_run_once``) only when the epoll fd is readable, a timer is due or a
callback is ready, and otherwise the core thread sleeps in its reactor with
everything else it serves. See docs/architecture.md, "asyncio on the core".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import select
import selectors
import sys
import traceback
from time import perf_counter
from typing import Any


class ReactorSelector(selectors.EpollSelector):
    """An epoll selector over the bridge's epoll instance that never waits."""

    def __init__(self, epoll_fd: int) -> None:
        super().__init__()
        self._selector.close()
        # We own this descriptor (a dup of the bridge's): closing the loop closes it.
        self._selector = select.epoll.fromfd(epoll_fd)

    def select(self, timeout: float | None = None) -> list:
        # The reactor already waited; report what is ready now.
        return super().select(0)

    def wait(self, timeout: float) -> None:
        """Block until a watched fd is ready or ``timeout`` seconds passed (-1: no limit).
        Only while the core serves nothing (startup, shutdown): then nobody else waits."""
        self._selector.poll(timeout)


class CoreEventLoop(asyncio.SelectorEventLoop):
    def __init__(self, epoll_fd: int, blocking_threads: int) -> None:
        super().__init__(ReactorSelector(epoll_fd))
        # run_in_executor(None, ...) and blocking `def` handlers use this pool; its threads
        # run in this interpreter and start only when first needed.
        self.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(max_workers=blocking_threads, thread_name_prefix="fasterapi-blocking")
        )

    def next_wakeup(self) -> float:
        """Seconds until the loop needs a turn: 0 when callbacks are ready, -1 when only
        I/O (or a wake-up from another thread) can give it work."""
        if self._ready:
            return 0.0
        if self._scheduled:
            return max(0.0, self._scheduled[0]._when - self.time())
        return -1.0

    def run_forever(self) -> None:
        raise RuntimeError("the core's event loop is driven by the server; it cannot be run from Python")

    def run_until_complete(self, future: Any) -> Any:
        raise RuntimeError(
            "the core's event loop is driven by the server; await the coroutine instead of "
            "calling run_until_complete (or asyncio.run) inside a handler"
        )


#: This interpreter's core loop (one per sub-interpreter), for threads of the core's
#: blocking pool that need to run something on it.
_core_loop: CoreEventLoop | None = None


def running_core_loop() -> CoreEventLoop:
    if _core_loop is None or _core_loop.is_closed():
        raise RuntimeError("no core event loop in this interpreter")
    return _core_loop


def new_core_loop(epoll_fd: int, blocking_threads: int) -> CoreEventLoop:
    """Make the core's loop and mark it running on this (the core's) thread, for good:
    ``asyncio.get_running_loop()`` in handlers returns it, and tasks start eagerly."""
    global _core_loop
    loop = _core_loop = CoreEventLoop(epoll_fd, blocking_threads)
    if hasattr(loop, "_run_forever_setup"):  # 3.13+
        loop._run_forever_setup()
    else:  # 3.12: what _run_forever_setup does
        import threading

        loop._check_closed()
        loop._thread_id = threading.get_ident()
        loop._old_agen_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook)
        asyncio.events._set_running_loop(loop)
    return loop


def close_core_loop(loop: CoreEventLoop) -> None:
    """At shutdown: cancel what is left, let it finish its clean-up, stop the pool."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    for _ in range(10):
        if not loop._ready:
            break
        loop._run_once()
    executor = loop._default_executor
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)
    if hasattr(loop, "_run_forever_cleanup"):
        loop._run_forever_cleanup()
    else:
        loop._thread_id = None
        asyncio.events._set_running_loop(None)
        sys.set_asyncgen_hooks(*loop._old_agen_hooks)
    loop.close()


def run_until_done(loop: CoreEventLoop, coro: Any) -> Any:
    """Runs ``coro`` on the core's loop to its end and returns its result, driving the loop
    here because the reactor does not yet (before the core serves, or after it stopped):
    the app's startup and shutdown. Waits in the loop's epoll set, so timers, I/O and the
    blocking pool's results all wake it."""
    task = loop.create_task(coro)
    while not task.done():
        wait = loop.next_wakeup()
        if wait != 0.0:
            loop._selector.wait(wait)
        loop._run_once()
    return task.result()


def timed_call(fn: Any, *args: Any) -> tuple[Any, float]:
    """Runs a sync handler in a pool thread and measures it (docs/architecture.md,
    "Blocking handlers"): the bridge moves handlers that are always quick inline."""
    started = perf_counter()
    result = fn(*args)
    return result, perf_counter() - started


# --------------------------------------------------------------------------
# Streamed bodies


_DONE = object()


async def pump_body(content: Any, send: Any, finish: Any) -> None:
    """Feeds a StreamingResponse's iterator to the bridge, one chunk at a time.

    ``send(chunk)`` returns ``None`` while the connection keeps up, or a future to await
    until it has written enough (backpressure); ``finish(True)`` ends the body,
    ``finish(False)`` cuts it off. Sync iterators are advanced in the blocking pool, as
    Starlette does. Cancelled when the client leaves (the iterator is then closed).
    """
    is_async = hasattr(content, "__aiter__")
    iterator = content.__aiter__() if is_async else iter(content)
    try:
        if is_async:
            async for chunk in iterator:
                waiter = send(_as_bytes(chunk))
                if waiter is not None:
                    await waiter
        else:
            loop = asyncio.get_running_loop()
            while True:
                chunk = await loop.run_in_executor(None, next, iterator, _DONE)
                if chunk is _DONE:
                    break
                waiter = send(_as_bytes(chunk))
                if waiter is not None:
                    await waiter
        finish(True)
    except asyncio.CancelledError:
        raise
    except BaseException:
        print("fasterapi: exception in a streamed body; closing the connection", file=sys.stderr)
        traceback.print_exc()
        finish(False)
    finally:
        close = getattr(iterator, "aclose" if is_async else "close", None)
        if close is not None:
            try:
                result = close()
                if is_async:
                    await result
            except (ValueError, RuntimeError):
                pass  # still running in a pool thread, or already closed


def _as_bytes(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"a streamed body must yield bytes or str, not {type(chunk).__name__}")

