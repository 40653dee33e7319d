"""Fixtures: real `fasterapi run` servers on free ports, shared per session.

Servers are parametrised over 1 and 2 cores. Every server is stopped with SIGTERM at
the end and must exit 0 (a server that died during the tests fails the teardown too).
"""

from __future__ import annotations

import pytest

from tests.integration.server import Server

CORES = [1, 2]
HELLO = "examples.hello:app"
FEATURES = "tests.apps.features:app"
# short timeouts for the keep-alive / header-timeout tests
SHORT_ENV = {"FASTERAPI_KEEPALIVE": "1", "FASTERAPI_HEADER_TIMEOUT": "1"}


def _server(request, app: str, env: dict | None = None):
    srv = Server(app, cores=request.param, env=env).start()
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="session", params=CORES, ids=lambda n: f"cores{n}")
def hello_server(request):
    yield from _server(request, HELLO)


@pytest.fixture(scope="session", params=CORES, ids=lambda n: f"cores{n}")
def features_server(request):
    yield from _server(request, FEATURES)


@pytest.fixture(scope="session", params=CORES, ids=lambda n: f"cores{n}")
def short_server(request):
    """examples.hello:app with FASTERAPI_KEEPALIVE=1 and FASTERAPI_HEADER_TIMEOUT=1."""
    yield from _server(request, HELLO, SHORT_ENV)
