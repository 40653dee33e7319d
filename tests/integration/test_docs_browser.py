"""/openapi.json, /docs and /redoc on the real server, and the pages opened in headless Chromium.

The browser is Debian's ``chromium`` (``scripts/install-chromium`` installs it when missing)
run with every host name but 127.0.0.1 unresolvable, so the pages can only work from the
Swagger UI and ReDoc files the app serves itself. ``--dump-dom`` with a virtual-time budget
gives the DOM after the scripts have fetched /openapi.json and rendered it.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile

import httpx
import pytest

from tests.integration.server import REPO, Server

APP = "tests.apps.docs_app:app"
BARE = "tests.apps.docs_app:bare"


@pytest.fixture(scope="module")
def docs_server():
    srv = Server(APP, cores=2).start()
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="module")
def chromium() -> str:
    result = subprocess.run([str(REPO / "scripts" / "install-chromium")], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"scripts/install-chromium failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def url(srv: Server, path: str) -> str:
    return f"http://{srv.host}:{srv.port}{path}"


def test_openapi_json_is_served(docs_server) -> None:
    resp = httpx.get(url(docs_server, "/openapi.json"))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    document = resp.json()
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Docs test", "version": "1.2.3", "description": "Shown by **Swagger UI** and ReDoc."}
    assert sorted(document["paths"]) == ["/items", "/items/{item_id}"]
    assert document["paths"]["/items/{item_id}"]["get"]["operationId"] == "read_item_items__item_id__get"
    assert document["components"]["schemas"]["Item"]["description"] == "An item of the catalogue."
    # Every core builds the same document (each from its own interpreter's copy of the app).
    for _ in range(6):
        assert httpx.get(url(docs_server, "/openapi.json")).json() == document


def test_docs_pages_and_assets_are_served(docs_server) -> None:
    docs = httpx.get(url(docs_server, "/docs"))
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "url: '/openapi.json'" in docs.text and "/docs/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    redoc = httpx.get(url(docs_server, "/redoc"))
    assert redoc.status_code == 200 and '<redoc spec-url="/openapi.json"></redoc>' in redoc.text
    redirect = httpx.get(url(docs_server, "/docs/oauth2-redirect"))
    assert redirect.status_code == 200 and "swaggerUIRedirectOauth2" in redirect.text
    for page in (docs.text, redoc.text):
        assert not re.search(r"(src|href)=\"https?:", page), "the pages must load nothing from another host"

    js = httpx.get(url(docs_server, "/docs/static/swagger-ui/swagger-ui-bundle.js"))
    assert js.status_code == 200 and len(js.content) > 100_000
    assert js.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert js.headers["cache-control"] == "public, max-age=86400" and js.headers["etag"]
    cached = httpx.get(url(docs_server, "/docs/static/swagger-ui/swagger-ui-bundle.js"), headers={"if-none-match": js.headers["etag"]})
    assert cached.status_code == 304
    assert httpx.get(url(docs_server, "/docs/static/redoc/redoc.standalone.js")).status_code == 200
    assert httpx.get(url(docs_server, "/docs/static/swagger-ui/swagger-ui.css")).headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/docs/static/nothing.js", "/docs/static/../applications.py", "/docs/static/swagger-ui/../../applications.py", "/docs/static/"])
def test_only_bundled_assets_are_served(docs_server, path: str) -> None:
    resp = httpx.get(url(docs_server, path))
    assert resp.status_code == 404
    assert httpx.get(url(docs_server, "/openapi.json")).status_code == 200  # still serving


def test_no_docs_routes_without_openapi_url() -> None:
    srv = Server(BARE, cores=1).start()
    try:
        for path in ("/openapi.json", "/docs", "/redoc", "/docs/static/redoc/redoc.standalone.js"):
            assert httpx.get(url(srv, path)).status_code == 404
        assert httpx.get(url(srv, "/ping")).json() == {"pong": True}
    finally:
        srv.stop_and_check()


def render(chromium: str, page: str) -> str:
    """The DOM of ``page`` after its scripts ran, with every other host unreachable."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                # Offline: no name but 127.0.0.1 resolves, and no proxy could reach one.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server",
                "--virtual-time-budget=20000", "--run-all-compositor-stages-before-draw",
                "--dump-dom", page,
            ],
            capture_output=True, text=True, timeout=180,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_swagger_ui_renders_the_operations(docs_server, chromium) -> None:
    dom = render(chromium, url(docs_server, "/docs"))
    # Swagger UI's operation blocks: one per operation, with its method, path and summary.
    for operation_id, css_class, path in [
        ("read_item_items__item_id__get", "opblock opblock-get", "/items/{item_id}"),
        ("create_item_items_post", "opblock opblock-post", "/items"),
        ("delete_item_items__item_id__delete", "opblock opblock-deprecated", "/items/{item_id}"),
    ]:
        block = re.search(rf'<div class="{css_class}" id="operations-items-{operation_id}">', dom)
        assert block is not None, f"{operation_id} not rendered"
        assert f'data-path="{path}"' in dom[block.end():block.end() + 2000]
    assert "Read one catalogue item" in dom and "Create a catalogue item" in dom
    assert "/hidden" not in dom
    assert "Docs test" in dom and "1.2.3" in dom
    assert "Failed to load API definition" not in dom


def test_redoc_renders_the_operations(docs_server, chromium) -> None:
    dom = render(chromium, url(docs_server, "/redoc"))
    assert 'data-section-id="operation/read_item_items__item_id__get"' in dom
    assert 'data-section-id="operation/create_item_items_post"' in dom
    assert "Read one catalogue item" in dom and "Create a catalogue item" in dom
    assert "Shown by <strong>Swagger UI</strong> and ReDoc." in dom  # the app description, as markdown
    assert "Something went wrong" not in dom


def test_document_shape_in_the_browser_matches_the_server(docs_server, chromium) -> None:
    # The browser fetched the same document the server serves: its JSON, rendered raw.
    dom = render(chromium, url(docs_server, "/openapi.json"))
    text = re.sub(r"<[^>]+>", "", dom)
    start = text.index("{")
    document = json.loads(text[start:text.rindex("}") + 1].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert document == httpx.get(url(docs_server, "/openapi.json")).json()
