"""Unchanged FastAPI apps through ``fasterapi.testclient.TestClient`` under compatibility
mode, for tests whose process has already imported the real ``fastapi`` (to compare with
it): compatibility mode must be installed before that, so this runs in a fresh interpreter.

``python -m tests.integration.compat_in_process APP_NAME``: the requests of
tests/integration/test_compat_differential.py for that app, answers printed as JSON (one
list of answers per request, in order).

``python -m tests.integration.compat_in_process --calls MODULE:APP``: the ``[method, url]``
pairs read as JSON from stdin, sent in order inside ``with TestClient(app)`` (the lifespan
runs around them); printed: ``{"status", "json", "headers"}`` for each.
"""

from __future__ import annotations

import importlib
import json
import sys

from fasterapi import _compat

_compat.install()

from fasterapi.testclient import TestClient  # noqa: E402  (after the finder is installed)

from tests.integration import test_compat_differential as differential  # noqa: E402


def main(app_name: str) -> None:
    module_name, _, attribute = differential.APPS[app_name][0].partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    assert type(app).__module__.startswith("fasterapi."), f"compatibility mode did not map {module_name}'s FastAPI"
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        answers = [differential.exchange(client, req) for req in differential.REQUESTS[app_name]]
    json.dump(answers, sys.stdout, ensure_ascii=False)


def calls(app_path: str) -> None:
    module_name, _, attribute = app_path.partition(":")
    app = getattr(importlib.import_module(module_name), attribute)
    answers = []
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        for method, url in json.load(sys.stdin):
            response = client.request(method, url)
            answers.append({"status": response.status_code, "json": response.json(), "headers": dict(response.headers.items())})
    json.dump(answers, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if sys.argv[1] == "--calls":
        calls(sys.argv[2])
    else:
        main(sys.argv[1])
