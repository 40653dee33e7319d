"""The "Testing Dependencies with Overrides" tests, as written there."""

from fasterapi.testclient import TestClient

from .dependencies import app, common_parameters

client = TestClient(app)


async def override_dependency(q: str | None = None):
    return {"q": q, "skip": 5, "limit": 10}


def test_override_in_items():
    app.dependency_overrides[common_parameters] = override_dependency
    try:
        response = client.get("/items/")
        assert response.status_code == 200
        assert response.json() == {
            "message": "Hello Items!",
            "params": {"q": None, "skip": 5, "limit": 10},
        }
    finally:
        app.dependency_overrides = {}


def test_override_in_items_with_q():
    app.dependency_overrides[common_parameters] = override_dependency
    try:
        response = client.get("/items/?q=foo")
        assert response.status_code == 200
        assert response.json() == {
            "message": "Hello Items!",
            "params": {"q": "foo", "skip": 5, "limit": 10},
        }
    finally:
        app.dependency_overrides = {}


def test_override_in_items_with_params():
    app.dependency_overrides[common_parameters] = override_dependency
    try:
        # The override only takes q: skip and limit are no longer parameters.
        response = client.get("/items/?q=foo&skip=100&limit=200")
        assert response.status_code == 200
        assert response.json() == {
            "message": "Hello Items!",
            "params": {"q": "foo", "skip": 5, "limit": 10},
        }
    finally:
        app.dependency_overrides = {}


def test_without_the_override_the_real_dependency_runs():
    response = client.get("/users/?skip=1")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello Users!", "params": {"q": None, "skip": 1, "limit": 100}}
