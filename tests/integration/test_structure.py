"""Routers in several files, a mounted app and static files, over the real server on 1 and 2
cores: tests/apps/bigger (FastAPI's "Bigger Applications - Multiple Files" and "Static
Files" chapters). Raw sockets, so the traversal paths reach the server as written."""

from __future__ import annotations

import pytest

from tests.integration.helpers import fetch
from tests.integration.server import REPO, Server

BIGGER = "tests.apps.bigger.main:app"
STATIC = REPO / "tests" / "apps" / "bigger" / "static"


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def bigger(request):
    srv = Server(BIGGER, cores=request.param).start()
    yield srv
    srv.stop_and_check()


def get(server, path, headers=None, check=True):
    return fetch(server, "GET", path, headers=headers, check=check)


def still_serving(server):
    r = get(server, "/")
    assert r.status == 200 and r.json() == {"message": "Hello Bigger Applications!"}, r


# -- routers -----------------------------------------------------------------------------------


def test_routers_from_several_files(bigger):
    assert get(bigger, "/users/").json() == [{"username": "Rick"}, {"username": "Morty"}]
    assert get(bigger, "/users/me").json() == {"username": "fakecurrentuser"}
    assert get(bigger, "/users/summer").json() == {"username": "summer"}
    assert get(bigger, "/items/gun").json() == {"name": "Portal Gun", "item_id": "gun"}
    r = get(bigger, "/items/nope")
    assert (r.status, r.json()) == (404, {"detail": "Item not found"})
    r = fetch(bigger, "PUT", "/items/gun")
    assert (r.status, r.json()) == (403, {"detail": "You can only update the item: plumbus"})
    r = fetch(bigger, "POST", "/admin/")
    assert (r.status, r.json()) == (200, {"message": "Admin getting schwifty"})
    r = get(bigger, "/admin/")
    assert r.status == 405 and r.header("allow") == "POST"


def test_nested_routers_apply_their_response_classes(bigger):
    r = get(bigger, "/v2/reports/daily")
    assert (r.status, r.header("content-type"), r.body) == (200, "text/plain; charset=utf-8", b"all quiet")
    r = get(bigger, "/v2/reports/page")
    assert (r.header("content-type"), r.body) == ("text/html; charset=utf-8", b"<h1>Report</h1>")


def test_openapi_shows_the_merged_tags_responses_and_deprecation(bigger):
    paths = get(bigger, "/openapi.json").json()["paths"]
    assert paths["/items/{item_id}"]["put"]["tags"] == ["items", "custom"]
    assert set(paths["/items/{item_id}"]["put"]["responses"]) == {"200", "403", "404", "422"}
    assert paths["/admin/"]["post"]["tags"] == ["admin"]
    assert "418" in paths["/admin/"]["post"]["responses"]
    assert paths["/v2/reports/daily"]["get"]["tags"] == ["v2", "reports"]
    assert paths["/v2/reports/daily"]["get"]["deprecated"] is True
    assert not any(p.startswith(("/static", "/subapi")) for p in paths)


# -- url_for, redirects, the injected Response, request helpers -----------------------------------


def test_url_for_and_redirects(bigger):
    base = f"http://localhost"  # the Host the raw client sends
    assert get(bigger, "/links").json() == {
        "item": f"{base}/items/gun",
        "css": f"{base}/static/css/site.css",
        "sub": f"{base}/subapi/sub",
    }
    r = get(bigger, "/go")
    assert (r.status, r.header("location")) == (307, f"{base}/items/plumbus")


def test_injected_response_sets_status_headers_and_cookies(bigger):
    r = get(bigger, "/login")
    assert r.status == 202 and r.json() == {"logged_in": True}
    assert r.header("x-login") == "ok"
    assert r.header_all("set-cookie") == ["session=abc123; HttpOnly; Max-Age=60; Path=/; SameSite=lax"]
    r = get(bigger, "/logout")
    (cookie,) = r.header_all("set-cookie")
    assert cookie.startswith('session=""; expires=') and "Max-Age=0; Path=/; SameSite=lax" in cookie


def test_request_cookies_state_and_client(bigger):
    r = get(bigger, "/whoami", headers={"Cookie": "session=abc123; theme=dark"})
    assert r.json() == {"session": "abc123", "state": True, "client_host": "127.0.0.1"}


# -- the mounted app -----------------------------------------------------------------------------


def test_mounted_app_routes_handlers_and_docs(bigger):
    assert get(bigger, "/subapi/sub").json() == {"message": "Hello World from sub API"}
    r = get(bigger, "/subapi/teapot")
    assert (r.status, r.body) == (418, b"short and stout")
    document = get(bigger, "/subapi/openapi.json").json()
    assert document["servers"] == [{"url": "/subapi"}]
    assert list(document["paths"]) == ["/sub", "/teapot"]
    page = get(bigger, "/subapi/docs")
    assert page.status == 200 and b"'/subapi/openapi.json'" in page.body
    assert get(bigger, "/subapi/docs/static/swagger-ui/swagger-ui.css").status == 200
    r = get(bigger, "/subapi/nope")
    assert (r.status, r.json()) == (404, {"detail": "Not Found"})


# -- static files -------------------------------------------------------------------------------


def test_static_files_are_served_with_validators(bigger):
    r = get(bigger, "/static/css/site.css")
    assert r.status == 200 and r.body == (STATIC / "css" / "site.css").read_bytes()
    assert r.header("content-type") == "text/css; charset=utf-8"
    assert r.header("etag") and r.header("last-modified")
    head = fetch(bigger, "HEAD", "/static/css/site.css")
    assert head.status == 200 and head.body == b"" and head.header("etag") == r.header("etag")


def test_static_304_on_if_none_match_and_if_modified_since(bigger):
    first = get(bigger, "/static/css/site.css")
    etag, modified = first.header("etag"), first.header("last-modified")
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f"W/{etag}, \"x\""}, {"If-Modified-Since": modified}):
        # (no Content-Length on a 304: check_common's rule does not apply)
        r = get(bigger, "/static/css/site.css", headers, check=False)
        assert r.status == 304 and r.body == b"", (headers, r)
        assert r.header("etag") == etag and r.header("content-type") is None
    r = get(bigger, "/static/css/site.css", {"If-None-Match": '"stale"'})
    assert r.status == 200 and r.body == first.body
    r = get(bigger, "/static/css/site.css", {"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert r.status == 200


def test_static_range_requests_use_the_servers_file_bodies(bigger):
    data = (STATIC / "big.bin").read_bytes()
    r = get(bigger, "/static/big.bin", {"Range": "bytes=10-19"})
    assert r.status == 206 and r.body == data[10:20]
    assert r.header("content-range") == f"bytes 10-19/{len(data)}"
    r = get(bigger, "/static/big.bin", {"Range": "bytes=-5"})
    assert r.status == 206 and r.body == data[-5:]
    r = get(bigger, "/static/big.bin", {"Range": f"bytes={len(data) + 10}-"})
    assert r.status == 416
    etag = get(bigger, "/static/big.bin").header("etag")
    r = get(bigger, "/static/big.bin", {"Range": "bytes=0-3", "If-Range": etag})
    assert r.status == 206 and r.body == data[:4]
    r = get(bigger, "/static/big.bin", {"Range": "bytes=0-3", "If-Range": '"stale"'})
    assert r.status == 200 and r.body == data


def test_static_html_mode_index_redirect_and_404_page(bigger):
    r = get(bigger, "/static/")
    assert r.status == 200 and r.body == (STATIC / "index.html").read_bytes()
    r = get(bigger, "/static")
    assert r.status == 307 and r.header("location") == "/static/"
    r = get(bigger, "/static/docs")
    assert r.status == 307 and r.header("location") == "http://localhost/static/docs/"
    r = get(bigger, "/static/docs/")
    assert r.status == 200 and r.body == (STATIC / "docs" / "index.html").read_bytes()
    r = get(bigger, "/static/missing.png")
    assert r.status == 404 and r.body == (STATIC / "404.html").read_bytes()
    assert r.header("content-type") == "text/html; charset=utf-8"


def test_static_symlink_inside_the_directory_is_served(bigger):
    r = get(bigger, "/static/alias.css")
    assert r.status == 200 and r.body == (STATIC / "css" / "site.css").read_bytes()


SECRET = b"TOP SECRET"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/css/%2e%2e/%2e%2e/secret.txt",
        "/static/..%2f..%2fmain.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/" + str(STATIC.parent / "secret.txt"),
        "/static/css/site.css%00.png",
        "/static/%00",
        "/static/outside.txt",  # a symlink to a file outside the directory
        "/static/" + "a" * 4000,  # longer than a file name may be
    ],
)
def test_static_traversal_is_404(bigger, path):
    r = get(bigger, path)
    assert r.status == 404, (path, r)
    assert SECRET not in r.body and b"root:" not in r.body
    still_serving(bigger)


def test_static_rejects_other_methods(bigger):
    r = fetch(bigger, "POST", "/static/css/site.css")
    assert r.status == 405 and set(r.header("allow").replace(" ", "").split(",")) == {"GET", "HEAD"}
