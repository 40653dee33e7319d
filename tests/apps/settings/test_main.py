"""The chapter's ``test_main.py``: the settings dependency overridden in a test.

Also what the chapter says about where values come from: the environment, ``.env`` in the
working directory, and ``get_settings.cache_clear()`` to read them again.
"""

import pytest

from fasterapi.testclient import TestClient

from .config import Settings
from .main import app, get_settings

client = TestClient(app)


def get_settings_override():
    return Settings(admin_email="testing_admin@example.com")


def test_app():
    app.dependency_overrides[get_settings] = get_settings_override
    try:
        response = client.get("/info")
    finally:
        app.dependency_overrides.clear()
    data = response.json()
    assert data == {
        "app_name": "Awesome API",
        "admin_email": "testing_admin@example.com",
        "items_per_user": 50,
    }


@pytest.fixture
def fresh_settings(tmp_path, monkeypatch):
    """No settings variables in the environment, an empty working directory, and the
    ``@lru_cache`` emptied before and after (the chapter's ``get_settings.cache_clear()``)."""
    for name in ("APP_NAME", "ADMIN_EMAIL", "ITEMS_PER_USER"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_settings_from_the_environment(fresh_settings, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "deadpool@example.com")
    monkeypatch.setenv("APP_NAME", "ChimichangApp")
    response = client.get("/info")
    assert response.status_code == 200
    assert response.json() == {"app_name": "ChimichangApp", "admin_email": "deadpool@example.com", "items_per_user": 50}


def test_settings_from_the_dotenv_file(fresh_settings, monkeypatch):
    (fresh_settings / ".env").write_text('ADMIN_EMAIL="deadpool@example.com"\nAPP_NAME="ChimichangApp"\n')
    monkeypatch.setenv("APP_NAME", "From the environment")  # the environment wins over .env
    assert client.get("/info").json() == {
        "app_name": "From the environment",
        "admin_email": "deadpool@example.com",
        "items_per_user": 50,
    }


def test_the_settings_are_read_once(fresh_settings, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "first@example.com")
    assert client.get("/info").json()["admin_email"] == "first@example.com"
    monkeypatch.setenv("ADMIN_EMAIL", "second@example.com")
    assert client.get("/info").json()["admin_email"] == "first@example.com"
    get_settings.cache_clear()
    assert client.get("/info").json()["admin_email"] == "second@example.com"


def test_missing_settings_are_a_server_error(fresh_settings):
    # admin_email has no default: Settings() raises, and the request is a 500.
    failing = TestClient(app, raise_server_exceptions=False)
    response = failing.get("/info")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
