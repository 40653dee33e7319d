"""Forms and files over the real server on 2 cores: uploads past the 1 MiB spooling
threshold, the body limit and the form limits (413), malformed multipart (400), and the
server serving on after each of them."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.server import Server

MIB = 1024 * 1024
ENV = {
    "FASTERAPI_MAX_BODY": str(8 * MIB),
    "FASTERAPI_FORM_MAX_FILE_SIZE": str(5 * MIB),
}


@pytest.fixture(scope="module")
def server():
    srv = Server("tests.apps.forms:app", cores=2, env=ENV).start()
    yield srv
    srv.stop_and_check()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=f"http://{server.host}:{server.port}", timeout=30) as c:
        yield c


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pattern(size: int, seed: int = 0) -> bytes:
    # Not all one byte, so a misplaced chunk changes the digest.
    block = bytes((i * 31 + seed) % 251 for i in range(4096))
    return (block * (size // len(block) + 1))[:size]


def test_small_upload_stays_in_memory(client):
    r = client.post("/upload", files={"file": ("a.txt", b"hello", "text/plain")}, data={"note": "n"})
    assert r.status_code == 200
    assert r.json() == {"filename": "a.txt", "content_type": "text/plain", "size": 5, "sha256": sha(b"hello"),
                        "on_disk": False, "note": "n"}


@pytest.mark.parametrize("path", ["/upload", "/upload-sync"])
def test_upload_past_one_mebibyte_is_spooled_to_disk(client, path):
    data = pattern(3 * MIB + 123)
    r = client.post(path, files={"file": ("big.bin", data, "application/octet-stream")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["size"] == len(data) and body["sha256"] == sha(data) and body["on_disk"] is True


def test_concurrent_uploads_on_both_cores(client, server):
    payloads = [pattern(MIB + 1000 * i, seed=i) for i in range(12)]

    def send(data: bytes) -> dict:
        with httpx.Client(base_url=f"http://{server.host}:{server.port}", timeout=60) as c:
            r = c.post("/upload", files={"file": ("f", data)})
            assert r.status_code == 200, r.text
            return r.json()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, payloads))
    assert [a["sha256"] for a in answers] == [sha(p) for p in payloads]


def test_several_files_as_bytes(client):
    files = [("files", ("a", pattern(10))), ("files", ("b", pattern(2 * MIB, 7))), ("files", ("c", b""))]
    r = client.post("/files", files=files, data={"tags": ["x", "y"]})
    assert r.status_code == 200
    assert r.json() == {"sizes": [10, 2 * MIB, 0], "sha256": [sha(pattern(10)), sha(pattern(2 * MIB, 7)), sha(b"")], "tags": ["x", "y"]}


def test_file_over_the_file_limit_is_413(client):
    r = client.post("/upload", files={"file": ("big", pattern(5 * MIB + 1))})
    assert r.status_code == 413
    assert r.json() == {"detail": "File exceeded maximum size of 5120KB."}
    assert client.post("/upload", files={"file": ("ok", b"ok")}).status_code == 200


def test_body_over_the_server_limit_is_413(client):
    r = client.post("/upload", files={"file": ("huge", pattern(9 * MIB))})
    assert r.status_code == 413
    assert client.post("/upload", files={"file": ("ok", b"ok")}).status_code == 200


def test_form_limits_of_a_route(client):
    # Starlette counts a url-encoded field's name and value together.
    assert client.post("/small-parts", data={"a": ["x" * 1023]}).json() == {"count": 1}
    assert client.post("/small-parts", files={"a": (None, "x" * 1024)}).json() == {"count": 1}
    too_big = client.post("/small-parts", files={"a": (None, "x" * 1025)})
    assert (too_big.status_code, too_big.json()) == (413, {"detail": "Part exceeded maximum size of 1KB."})
    too_big_urlencoded = client.post("/small-parts", data={"a": "x" * 1025})
    assert (too_big_urlencoded.status_code, too_big_urlencoded.json()) == (413, {"detail": "Field exceeded maximum size of 1KB."})
    too_many = client.post("/small-parts", data={"a": ["1", "2", "3", "4"]})
    assert (too_many.status_code, too_many.json()) == (400, {"detail": "Too many fields. Maximum number of fields is 3."})


@pytest.mark.parametrize("body, content_type, detail", [
    (b"garbage", "multipart/form-data; boundary=xyz", "Invalid multipart data."),
    (b"--xyz\r\n", "multipart/form-data", "Missing boundary in multipart."),
    (b"--xyz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xyz--\r\n", "multipart/form-data; boundary=xyz",
     'The Content-Disposition header field "name" must be provided.'),
    (b"--xyz\r\nContent-Disposition: form-data; name=file; filename=a\r\n\r\ncut short", "multipart/form-data; boundary=xyz",
     "Invalid multipart data."),
    (b"--xyz\nContent-Disposition: form-data; name=file\n\nv\n--xyz--\n", "multipart/form-data; boundary=xyz", "Invalid multipart data."),
])
def test_malformed_multipart_is_400(client, body, content_type, detail):
    for path in ("/upload", "/raw-form"):
        r = client.post(path, content=body, headers={"content-type": content_type})
        assert (r.status_code, r.json()) == (400, {"detail": detail})
    assert client.get("/pid").status_code == 200


def test_form_model_and_wrong_content_types(client):
    assert client.post("/login", data={"username": "ann", "remember": "yes"}).json() == {"username": "ann", "remember": True}
    extra = client.post("/login", data={"username": "ann", "x": "1"})
    assert extra.status_code == 422
    assert extra.json()["detail"] == [{"type": "extra_forbidden", "loc": ["body", "x"], "msg": "Extra inputs are not permitted", "input": "1"}]
    as_json = client.post("/login", json={"username": "ann"})
    assert as_json.status_code == 422
    assert as_json.json()["detail"] == [{"type": "missing", "loc": ["body", "username"], "msg": "Field required", "input": {}}]
    missing_file = client.post("/upload", json={"file": "x"})
    assert missing_file.json()["detail"][0]["loc"] == ["body", "file"]


def test_query_and_header_models(client):
    r = client.get("/filter?limit=3&tags=a&tags=b", headers=[("x-trace", "1"), ("x-trace", "2")])
    assert r.json() == {"filter": {"limit": 3, "tags": ["a", "b"]}, "trace": ["1", "2"]}
    bad = client.get("/filter?limit=x&tool=plumbus")
    assert bad.status_code == 422
    assert [e["type"] for e in bad.json()["detail"]] == ["int_parsing", "extra_forbidden"]


def test_header_model(client):
    r = client.get("/header-model", headers=[("x-trace", "1"), ("X-Trace", "2"), ("Save-Data", "on")])
    assert r.json() == {"x_trace": ["1", "2"], "save_data": True}
    bad = client.get("/header-model", headers={"save-data": "perhaps"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "save-data"]


def test_request_form(client):
    r = client.post("/raw-form", data={"a": "1"}, files={"f": ("f.txt", b"x")})
    assert r.json() == {"a": "1", "f": "f.txt"}
