"""A whole app in the main interpreter: its module imports `readline`, which refuses
sub-interpreters, so no core could import it."""

import readline  # noqa: F401

from fasterapi import FasterAPI, _native

app = FasterAPI(interpreter="main")


@app.get("/where/{name}")
def where(name: str):
    return {"name": name, "core": _native.core_id()}
