"""An app whose import works in the main interpreter but not in a core's sub-interpreter:
`readline` is a C extension that does not support sub-interpreters."""

import readline  # noqa: F401

from fasterapi import FasterAPI

app = FasterAPI()


@app.get("/")
def root():
    return {}
