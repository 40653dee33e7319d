"""tests/apps/lifespan_app.py through the in-process TestClient (the integration tests serve
the same app over sockets): the lifespan around ``with TestClient(app)``, background tasks
done before the test gets the response, the error handlers."""

import pytest

from fasterapi.testclient import TestClient
from tests.apps import lifespan_app


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setattr(lifespan_app, "OUT", str(tmp_path))
    with TestClient(lifespan_app.app) as client:
        client.out = tmp_path
        yield client
    # The lifespan exited with the block (the main interpreter's "core" is -1).
    assert (tmp_path / "shutdown--1").read_text() == "bye"


def test_the_lifespan_runs_around_the_block(client):
    assert client.get("/predict", params={"x": 2}).json() == {"result": 84.0}
    assert client.get("/state").json() == {"state_core": -1, "core": -1, "started": True}
    assert client.get("/state/fresh").json() == {"scribble": False}


def test_without_with_no_lifespan_runs():
    lifespan_app.ml_models.clear()
    r = TestClient(lifespan_app.app, raise_server_exceptions=False).get("/predict", params={"x": 1})
    assert r.status_code == 500  # the model was never loaded, as with Starlette's client


def test_background_tasks_are_done_when_the_response_arrives(client):
    r = client.post("/send-notification/tc@example.com")
    assert r.json() == {"message": "Notification sent in the background"}
    assert client.get("/tasks/notification:tc@example.com").json() == {
        "value": "notification for tc@example.com: some notification"
    }
    client.get("/response-background/tc")
    assert client.get("/tasks/notification:response-tc").json()["value"] == "notification for response-tc: from Response"
    client.get("/both/tc")
    assert client.get("/tasks/notification:own-tc").json()["value"] is not None
    assert client.get("/tasks/notification:injected-tc").json()["value"] is None


def test_error_handlers(client):
    assert client.get("/unicorns/yolo").status_code == 418
    assert client.get("/unicorns-sync/s").json() == {"message": "Oops! s did something. There goes a rainbow..."}
    r = client.get("/items/nope")
    assert (r.status_code, r.json()) == (404, {"missing": "/items/nope", "detail": "Item not found"})
    assert client.get("/items/taken").text == "conflict: already there"
    assert client.get("/plain-errors/x").status_code == 400
