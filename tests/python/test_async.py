from __future__ import annotations

import asyncio
import contextvars

import pytest

from fasterapi import FasterAPI, HTTPException
from fasterapi._async import run_coroutine

var: contextvars.ContextVar[int] = contextvars.ContextVar("var", default=0)


def test_coroutine_that_never_suspends():
    async def f():
        return 1

    assert run_coroutine(f()) == 1


def test_coroutine_that_suspends_on_a_future():
    async def f():
        var.set(5)
        await asyncio.sleep(0.001)
        await asyncio.sleep(0)
        return var.get()

    assert run_coroutine(f()) == 5


def test_exceptions_propagate():
    async def f():
        await asyncio.sleep(0.001)
        raise KeyError("x")

    with pytest.raises(KeyError):
        run_coroutine(f())


def test_async_endpoint_with_params(client_for):
    app = FasterAPI()

    @app.get("/wait/{n}")
    async def wait(n: int):
        await asyncio.sleep(0.001)
        if n < 0:
            raise HTTPException(400, "negative")
        return {"n": n}

    client = client_for(app)
    assert client.get("/wait/3").json() == {"n": 3}
    assert client.get("/wait/-1").json() == {"detail": "negative"}
