"""The "Testing Events" tests: ``with TestClient(app)`` runs startup/lifespan around them."""

from fasterapi.testclient import TestClient

from . import events, lifespan


def test_read_items():
    # Startup runs when the client is entered, shutdown when it is left.
    with TestClient(events.app) as client:
        response = client.get("/items/foo")
        assert response.status_code == 200
        assert response.json() == {"name": "Fighters"}


def test_read_items_with_lifespan():
    # Before the lifespan starts, "items" is still empty.
    assert lifespan.items == {}

    with TestClient(lifespan.app) as client:
        # Inside the "with TestClient" block, the lifespan starts and items were added.
        assert lifespan.items == {"foo": {"name": "Fighters"}, "bar": {"name": "Tenders"}}

        response = client.get("/items/foo")
        assert response.status_code == 200
        assert response.json() == {"name": "Fighters"}

        # After the requests is done, the items are still there.
        assert lifespan.items == {"foo": {"name": "Fighters"}, "bar": {"name": "Tenders"}}

    # The end of the "with TestClient" block simulates terminating the app, so the lifespan
    # ends and items are cleaned up.
    assert lifespan.items == {}
