"""An app whose startup fails on one core (LIFESPAN_FAIL_CORE, default 1; -1: the lane).

Served with: fasterapi run tests.apps.lifespan_fail:app --cores 2 --no-pin
"""

import os

from fasterapi import FasterAPI, _native

FAIL_CORE = int(os.environ.get("LIFESPAN_FAIL_CORE", "1"))

app = FasterAPI()


@app.on_event("startup")
async def connect() -> None:
    if _native.core_id() == FAIL_CORE:
        raise ConnectionError(f"database unreachable from core {FAIL_CORE}")


@app.get("/")
def root():
    return {"ok": True}


@app.get("/lane", interpreter="main")
def lane():
    return {"ok": True}
