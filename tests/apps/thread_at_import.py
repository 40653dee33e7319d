"""An app that starts a (non-daemon) thread when imported, in every interpreter that imports
it, the CLI's main-interpreter check included. That thread does not block SIGINT/SIGTERM,
so the kernel may deliver the shutdown signal to it rather than to the server's threads."""

import threading
import time

from fasterapi import FasterAPI

app = FasterAPI()
LIFETIME = 3.0


def _worker():
    end = time.monotonic() + LIFETIME
    while time.monotonic() < end:
        time.sleep(0.05)


threading.Thread(target=_worker, name="app-worker").start()


@app.get("/")
def root():
    return {"threads": threading.active_count()}
