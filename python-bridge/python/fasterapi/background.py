"""``BackgroundTasks`` and ``BackgroundTask``: work that runs after the response is sent.

Declared as an endpoint parameter (``background_tasks: BackgroundTasks``), or given to a
response (``Response(..., background=BackgroundTask(fn, ...))``), as in FastAPI and
Starlette. The tasks run on the core that answered the request, once the response has been
written, one after the other in the order they were added; if one raises, it is logged
and the ones after it do not run (Starlette's rule). The response is never affected.

Where each kind runs, and why:

- an ``async def`` task runs as a task of the core's event loop: the core keeps serving
  while it awaits;
- a plain ``def`` task runs in the core's blocking pool (threads attached to the core's
  own interpreter), as FastAPI runs it in its threadpool: we cannot know that it is quick,
  and one that sleeps or blocks on I/O would otherwise stall every request of the core.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any


def _is_async(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "__call__", None))


class BackgroundTask:
    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            call = functools.partial(self.func, *self.args, **self.kwargs)
            await asyncio.get_running_loop().run_in_executor(None, call)


class BackgroundTasks(BackgroundTask):
    """Tasks added during the request (``add_task``), run in order after the response."""

    def __init__(self, tasks: Any = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks) if tasks else []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()
