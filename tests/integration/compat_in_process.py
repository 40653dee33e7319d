"""The in-process side of tests/integration/test_compat_differential.py: its requests sent
through ``fasterapi.testclient.TestClient`` to an unchanged FastAPI app under compatibility
mode, the answers printed as JSON (one list of answers per request, in order).

It runs in a fresh interpreter because compatibility mode must be installed before anything
imports the real ``fastapi``, which the test process has already done (FastAPI's side)::

    python -m tests.integration.compat_in_process APP_NAME
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


if __name__ == "__main__":
    main(sys.argv[1])
