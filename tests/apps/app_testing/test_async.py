""""Async Tests": an ``async def`` test of the app.

FastAPI's chapter drives the app with ``httpx.AsyncClient(transport=ASGITransport(app=app))``;
a FasterAPI app is not an ASGI app, so in process the ``TestClient`` is used from the async
test (inside a running loop it answers on a helper thread with its own loop). The same test
with ``httpx.AsyncClient`` over a real server: tests/integration/test_settings_and_testing.py.
"""

import pytest

from fasterapi.testclient import TestClient

from .async_main import app


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_root():
    client = TestClient(app)
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Tomato"}
