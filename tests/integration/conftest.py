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


# The hello suite (protocol, bad input, the bench fixture) also runs on the epoll reactor and
# in the shared-GIL diagnostic mode, so both paths stay correct and not only fast.
HELLO_MODES = {
    "cores1": (1, {}),
    "cores2": (2, {}),
    "epoll-cores2": (2, {"FASTERAPI_IO": "epoll"}),
    "sharedgil-cores2": (2, {"FASTERAPI_SHARED_GIL": "1"}),
}


@pytest.fixture(scope="session", params=list(HELLO_MODES))
def hello_server(request):
    cores, env = HELLO_MODES[request.param]
    srv = Server(HELLO, cores=cores, env=env).start()
    srv.mode = request.param
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="session", params=CORES, ids=lambda n: f"cores{n}")
def features_server(request):
    yield from _server(request, FEATURES)


@pytest.fixture(scope="session", params=CORES, ids=lambda n: f"cores{n}")
def short_server(request):
    """examples.hello:app with FASTERAPI_KEEPALIVE=1 and FASTERAPI_HEADER_TIMEOUT=1."""
    yield from _server(request, HELLO, SHORT_ENV)
