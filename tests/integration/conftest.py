"""Fixtures: real `fasterapi run` servers on free ports, shared per session.

Servers are parametrised over 1 and 2 cores. Every server is stopped with SIGTERM at
the end and must exit 0 (a server that died during the tests fails the teardown too).
`postgres_dsn` is a real PostgreSQL server from scripts/postgres.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.server import REPO, Server

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


PG_SCRIPT = REPO / "scripts" / "postgres"


def _pg(command: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(PG_SCRIPT), command], cwd=REPO, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def postgres_dsn():
    """DSN of a PostgreSQL server (scripts/postgres start), stopped at the end of the session
    if this session started it; one that was already running is left running."""
    was_running = _pg("status", 60).returncode == 0
    # The first start on a fresh machine apt-installs postgresql: allow minutes.
    started = _pg("start", 900)
    if started.returncode != 0:
        pytest.fail(f"scripts/postgres start failed ({started.returncode}):\n{started.stderr}", pytrace=False)
    dsn = started.stdout.strip()
    assert dsn.startswith("postgresql://"), f"scripts/postgres start printed {started.stdout!r}"
    yield dsn
    if not was_running:
        stopped = _pg("stop", 120)
        assert stopped.returncode == 0, f"scripts/postgres stop failed:\n{stopped.stderr}"
