"""FastAPI's "Settings and Environment Variables" and "Testing" chapter apps
(tests/apps/settings, tests/apps/app_testing) over the real server on 2 cores.

The chapters' own tests run in process (next to the apps, through TestClient); here the same
documented answers are asserted over HTTP: the settings read from the server's environment
and from ``.env`` in its working directory on every core, the Testing chapter's tests replayed
against a server with an ``httpx.Client`` in place of the ``TestClient``, startup/lifespan run
on every core, and the "Async Tests" test as an ``async def`` test (``httpx.AsyncClient``).
The Testing chapter's tests also run against the same app source under real FastAPI (imports
rewritten back, as tests/integration/test_tutorial.py does), so they assert what FastAPI
answers; the FastAPI-spelled settings app runs under FastAPI + pydantic-settings too.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager

import httpx
import pytest

from tests.apps.app_testing import test_main as testing_chapter
from tests.integration.server import Server

CORES = 2
# Enough fresh connections that, with SO_REUSEPORT, every core answers some.
CONNECTIONS = 40
SETTINGS_APP = "tests.apps.settings.main:app"


def _base_url(srv: Server) -> str:
    return f"http://{srv.host}:{srv.port}"


def _on_fresh_connections(srv: Server, method: str, url: str, **kwargs) -> list[httpx.Response]:
    answers = []
    for _ in range(CONNECTIONS):
        with httpx.Client(base_url=_base_url(srv), timeout=15) as client:
            answers.append(client.request(method, url, **kwargs))
    return answers


@contextmanager
def serving(srv: Server):
    """The server, started; afterwards it must have run the app on every core, logged no
    traceback, and exit 0 on SIGTERM."""
    srv.start()
    try:
        yield srv
    finally:
        srv.stop_and_check()
    assert srv.stderr.count("routes, serving") == CORES, srv.stderr
    assert "Traceback" not in srv.stderr, srv.stderr


@pytest.fixture(scope="module")
def settings_from_environment():
    with serving(Server(SETTINGS_APP, cores=CORES, env={"ADMIN_EMAIL": "deadpool@example.com", "APP_NAME": "ChimichangApp"})) as srv:
        yield srv


def test_settings_from_the_environment_on_every_core(settings_from_environment):
    for response in _on_fresh_connections(settings_from_environment, "GET", "/info"):
        assert response.status_code == 200
        assert response.json() == {"app_name": "ChimichangApp", "admin_email": "deadpool@example.com", "items_per_user": 50}


def test_settings_from_a_dotenv_file_in_the_working_directory(tmp_path):
    (tmp_path / ".env").write_text('# the chapter\'s .env\nADMIN_EMAIL="deadpool@example.com"\nAPP_NAME="ChimichangApp"\nITEMS_PER_USER=5\n')
    # The environment wins over .env.
    srv = Server(SETTINGS_APP, cores=CORES, env={"ITEMS_PER_USER": "7"}, cwd=tmp_path)
    with serving(srv):
        for response in _on_fresh_connections(srv, "GET", "/info"):
            assert response.json() == {"app_name": "ChimichangApp", "admin_email": "deadpool@example.com", "items_per_user": 7}


def test_missing_settings_are_a_500_and_the_server_keeps_serving(tmp_path):
    # No ADMIN_EMAIL anywhere: Settings() fails in the dependency, on every request.
    srv = Server(SETTINGS_APP, cores=CORES, cwd=tmp_path).start()
    try:
        for response in _on_fresh_connections(srv, "GET", "/info"):
            assert response.status_code == 500
            assert response.text == "Internal Server Error"
        assert "1 validation error for Settings\nadmin_email\n  Field required" in srv.stderr
    finally:
        srv.stop_and_check()


# -- the Testing chapter ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def testing_chapter_server():
    with serving(Server("tests.apps.app_testing.main:app", cores=CORES)) as srv:
        yield srv


TESTING_CHAPTER_TESTS = [name for name, fn in inspect.getmembers(testing_chapter, inspect.isfunction) if name.startswith("test_")]


@pytest.mark.parametrize("name", TESTING_CHAPTER_TESTS)
def test_the_testing_chapter_tests_over_http(testing_chapter_server, name, monkeypatch):
    # Each test runs once against a fresh server, so test_create_item's new item is new on
    # whichever core answers.
    with httpx.Client(base_url=_base_url(testing_chapter_server), timeout=15) as client:
        monkeypatch.setattr(testing_chapter, "client", client)
        getattr(testing_chapter, name)()


def _under_fastapi(module_name: str):
    """The chapter module's source under real FastAPI/pydantic (imports rewritten back)."""
    import sys
    import types
    from pathlib import Path

    from tests.integration.test_tutorial import as_fastapi_source

    path = Path(__file__).resolve().parents[1] / "apps" / "app_testing" / f"{module_name}.py"
    module = types.ModuleType(f"fastapi_app_testing_{module_name}")
    sys.modules[module.__name__] = module  # pydantic resolves annotations through sys.modules
    exec(compile(as_fastapi_source(path.read_text()), str(path), "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def fastapi_testing_chapter():
    return _under_fastapi("main")


@pytest.mark.parametrize("name", TESTING_CHAPTER_TESTS)
def test_the_testing_chapter_tests_pass_on_fastapi_too(fastapi_testing_chapter, name, monkeypatch):
    # The oracle: the same tests, the same app source, FastAPI's TestClient.
    from fastapi.testclient import TestClient

    monkeypatch.setattr(testing_chapter, "client", TestClient(fastapi_testing_chapter.app))
    getattr(testing_chapter, name)()


def test_the_dependency_override_tests_pass_on_fastapi_too(monkeypatch):
    from fastapi.testclient import TestClient

    from tests.apps.app_testing import test_dependencies

    module = _under_fastapi("dependencies")
    monkeypatch.setattr(test_dependencies, "app", module.app)
    monkeypatch.setattr(test_dependencies, "common_parameters", module.common_parameters)
    monkeypatch.setattr(test_dependencies, "client", TestClient(module.app))
    tests = [fn for name, fn in inspect.getmembers(test_dependencies, inspect.isfunction) if name.startswith("test_")]
    assert len(tests) == 4
    for test in tests:
        test()


def test_dependencies_app_over_http():
    srv = Server("tests.apps.app_testing.dependencies:app", cores=CORES)
    with serving(srv):
        with httpx.Client(base_url=_base_url(srv), timeout=15) as client:
            assert client.get("/items/?q=foo&skip=1").json() == {"message": "Hello Items!", "params": {"q": "foo", "skip": 1, "limit": 100}}
            assert client.get("/users/").json() == {"message": "Hello Users!", "params": {"q": None, "skip": 0, "limit": 100}}
            bad = client.get("/users/?limit=many")
            assert bad.status_code == 422
            assert bad.json()["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("module", ["events", "lifespan"])
def test_startup_and_lifespan_run_on_every_core(module):
    srv = Server(f"tests.apps.app_testing.{module}:app", cores=CORES)
    with serving(srv):
        for response in _on_fresh_connections(srv, "GET", "/items/foo"):
            assert response.status_code == 200
            assert response.json() == {"name": "Fighters"}


@pytest.fixture(scope="module")
def async_app_server():
    with serving(Server("tests.apps.app_testing.async_main:app", cores=CORES)) as srv:
        yield srv


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_root(async_app_server):
    # The chapter's async test; FastAPI's version passes ASGITransport(app=app), FasterAPI's
    # app is served by its own server instead (there is no ASGI interface to call).
    async with httpx.AsyncClient(base_url=_base_url(async_app_server)) as ac:
        response = await ac.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Tomato"}


# -- compatibility mode: the chapter as FastAPI spells it -----------------------------------------

COMPAT_SETTINGS_APP = "tests.apps.compat.settings_app"
COMPAT_ENV = {"ADMIN_EMAIL": "deadpool@example.com", "HOSTS": '["a.example", "b.example"]'}


def _real_fastapi_answer(monkeypatch, tmp_path) -> dict:
    """The /info answer of the same source under real FastAPI and pydantic-settings."""
    import importlib.util
    import sys

    from fastapi.testclient import TestClient

    for name, value in COMPAT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.find_spec(COMPAT_SETTINGS_APP)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # undone after the test
    spec.loader.exec_module(module)
    response = TestClient(module.app).get("/info")
    return {"status": response.status_code, "body": response.json()}


def test_the_fastapi_spelled_chapter_under_compat_answers_like_fastapi(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("APP_NAME=From dotenv\n")
    expected = _real_fastapi_answer(monkeypatch, tmp_path)
    assert expected == {"status": 200, "body": {"app_name": "From dotenv", "admin_email": "deadpool@example.com",
                                                "items_per_user": 50, "hosts": ["a.example", "b.example"]}}
    srv = Server(f"{COMPAT_SETTINGS_APP}:app", cores=CORES, env=COMPAT_ENV, cwd=tmp_path, extra_args=["--compat"])
    with serving(srv):
        for response in _on_fresh_connections(srv, "GET", "/info"):
            assert {"status": response.status_code, "body": response.json()} == expected
