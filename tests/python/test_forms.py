"""Forms and files answered as FastAPI answers them (``params_harness``), and what only
FasterAPI decides: limits (413 for a field or file over its size), spooling to disk, closing
the files after the endpoint, ``request.form()``."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import pytest

from params_harness import Call, Ours, compare, encode_multipart

from fasterapi import FasterAPI, File, Form, Request, UploadFile
from fasterapi.testclient import TestClient

pytest.importorskip("fastapi")

M = Call.multipart
F = Call.form

FORMS = '''
from typing import Annotated
from fasterapi import BaseModel, Body, FasterAPI, Field, File, Form, UploadFile
from fasterapi.pydantic import AliasChoices

app = FasterAPI()

@app.post("/login")
def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)],
          remember: Annotated[bool, Form()] = False):
    return {"username": username, "password": password, "remember": remember}

@app.post("/lists")
def lists(tags: Annotated[list[str], Form()] = [], n: Annotated[list[int] | None, Form()] = None):
    return {"tags": tags, "n": n}

@app.post("/aliases")
def aliases(a: Annotated[str, Form(alias="the-a")], b: Annotated[str | None, Form(validation_alias=AliasChoices("b1", "b2"))] = None):
    return {"a": a, "b": b}

class LoginForm(BaseModel):
    model_config = {"extra": "forbid"}
    username: str
    password: str = Field(min_length=3)

class Prefs(BaseModel):
    tags: list[str] = []
    n: int = 1
    nick: str | None = Field(None, alias="nickname")

@app.post("/model")
def model(data: Annotated[LoginForm, Form()]):
    return data

@app.post("/model-loose")
def model_loose(data: Annotated[Prefs, Form()]):
    return data

@app.post("/model-optional")
def model_optional(data: Annotated[Prefs | None, Form()] = None):
    return {"data": data}

@app.post("/model-and-field")
def model_and_field(data: Annotated[LoginForm, Form()], note: Annotated[str, Form()]):
    return {"data": data, "note": note}

@app.post("/form-and-body")
def form_and_body(a: Annotated[str, Form()], b: Annotated[int, Body()]):
    return {"a": a, "b": b}

@app.post("/file")
def file(file: Annotated[bytes, File()]):
    return {"size": len(file), "head": file[:8].decode("latin-1")}

@app.post("/upload")
async def upload(file: UploadFile):
    content = await file.read()
    return {"filename": file.filename, "content_type": file.content_type, "size": file.size, "len": len(content),
            "head": content[:8].decode("latin-1"), "headers": dict(file.headers)}

@app.post("/upload-sync")
def upload_sync(file: UploadFile):
    content = file.file.read()
    return {"filename": file.filename, "size": file.size, "len": len(content)}

@app.post("/uploads")
def uploads(files: list[UploadFile]):
    return [[f.filename, f.size] for f in files]

@app.post("/bytes-list")
def bytes_list(files: Annotated[list[bytes], File()]):
    return [len(f) for f in files]

@app.post("/optional-upload")
def optional_upload(file: UploadFile | None = None):
    return {"file": None if file is None else file.filename}

@app.post("/optional-bytes")
def optional_bytes(file: Annotated[bytes | None, File()] = None):
    return {"size": None if file is None else len(file)}

@app.post("/same-file-twice")
async def same_file_twice(a: Annotated[UploadFile, File(alias="f")], b: Annotated[bytes, File(alias="f")]):
    return {"a": (await a.read()).decode(), "b": b.decode()}

@app.post("/upload-ops")
async def upload_ops(file: UploadFile):
    await file.seek(2)
    part = await file.read(3)
    await file.write(b"!!")
    await file.seek(0)
    return {"part": part.decode(), "all": (await file.read()).decode(), "size": file.size}

@app.post("/file-constraints")
def file_constraints(file: Annotated[bytes, File(max_length=5)]):
    return {"size": len(file)}

@app.post("/file-and-form")
def file_and_form(token: Annotated[str, Form()], file: UploadFile, note: Annotated[str | None, Form()] = None):
    return {"token": token, "file": file.filename, "note": note}

@app.post("/multipart-form")
def multipart_form(a: Annotated[str, Form(media_type="multipart/form-data")]):
    return {"a": a}
'''

FORM_CALLS = [
    F("login", "/login", [("username", "ann"), ("password", "secret")]),
    F("login-remember", "/login", [("username", "ann"), ("password", "secret"), ("remember", "on")]),
    F("login-missing", "/login", [("username", "ann")]),
    F("login-empty-value-is-missing", "/login", [("username", ""), ("password", "abc")]),
    F("login-short", "/login", [("username", "a"), ("password", "ab"), ("remember", "perhaps")]),
    F("login-repeated-last-wins", "/login", [("username", "a"), ("username", "b"), ("password", "abc")]),
    M("login-multipart", "/login", [("username", "ann"), ("password", "secret")]),
    Call.json("login-json", "POST", "/login", {"username": "ann", "password": "secret"}),
    Call("login-no-body", "POST", "/login"),
    Call("login-text", "POST", "/login", [("content-type", "text/plain")], b"username=a&password=abc"),
    Call("login-percent", "POST", "/login", [("content-type", "application/x-www-form-urlencoded")], b"username=j%C3%B6hn+d&password=p%26w%3D"),
    Call("login-raw-utf8", "POST", "/login", [("content-type", "application/x-www-form-urlencoded")], "username=jö&password=abc".encode()),
    Call("login-oddities", "POST", "/login", [("content-type", "application/x-www-form-urlencoded; charset=utf-8")], b"&&username=a%zz&password=a=b&&junk"),
    F("lists", "/lists", [("tags", "a"), ("tags", "b"), ("n", "1"), ("n", "2")]),
    F("lists-bad", "/lists", [("n", "1"), ("n", "x")]),
    F("lists-none", "/lists", []),
    F("lists-empty-strings", "/lists", [("tags", ""), ("n", "")]),
    F("aliases", "/aliases", [("the-a", "x"), ("b2", "y")]),
    F("aliases-name", "/aliases", [("a", "x"), ("b", "y")]),
    F("model", "/model", [("username", "ann"), ("password", "secret")]),
    F("model-extra", "/model", [("username", "ann"), ("password", "secret"), ("x", "1"), ("x", "2")]),
    F("model-missing", "/model", [("password", "ab")]),
    F("model-empty", "/model", []),
    F("model-loose", "/model-loose", [("tags", "a"), ("tags", "b"), ("n", "3"), ("nickname", "nn"), ("zzz", "1")]),
    F("model-loose-bad", "/model-loose", [("n", "x")]),
    F("model-optional-absent", "/model-optional", [("zzz", "1")]),
    F("model-optional-given", "/model-optional", [("n", "2")]),
    F("model-and-field", "/model-and-field", [("username", "ann"), ("password", "secret"), ("note", "n")]),
    F("form-and-body", "/form-and-body", [("a", "x"), ("b", "2")]),
    F("form-and-body-missing", "/form-and-body", []),
    M("file", "/file", [("file", ("a.txt", b"hello world", "text/plain"))]),
    M("file-as-text-field", "/file", [("file", "not a file")]),
    F("file-urlencoded", "/file", [("file", "abc")]),
    Call("file-missing", "POST", "/file"),
    M("file-empty-input", "/file", [("file", ("", b""))]),
    M("upload", "/upload", [("file", ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"))]),
    M("upload-no-type", "/upload", [("file", ("n.bin", b"abc"))]),
    M("upload-unicode-name", "/upload", [("file", ("résumé.txt", "é".encode(), "text/plain"))]),
    M("upload-text-field", "/upload", [("file", "text")]),
    M("upload-sync", "/upload-sync", [("file", ("s.txt", b"sync"))]),
    M("uploads", "/uploads", [("files", ("a", b"1")), ("files", ("b", b"22")), ("other", "x")]),
    M("uploads-with-empty-input", "/uploads", [("files", ("a", b"1")), ("files", ("", b""))]),
    M("uploads-none", "/uploads", [("other", "x")]),
    M("bytes-list", "/bytes-list", [("files", ("a", b"1")), ("files", ("b", b"")), ("files", ("c", b"333"))]),
    M("bytes-list-with-text", "/bytes-list", [("files", ("a", b"1")), ("files", "text")]),
    M("optional-upload", "/optional-upload", [("file", ("o.txt", b"o"))]),
    Call("optional-upload-absent", "POST", "/optional-upload"),
    M("optional-upload-empty-input", "/optional-upload", [("file", ("", b""))]),
    M("optional-bytes", "/optional-bytes", [("file", ("o.txt", b"oo"))]),
    M("optional-bytes-absent", "/optional-bytes", [("x", "1")]),
    M("same-file-twice", "/same-file-twice", [("f", ("f.txt", b"shared"))]),
    M("upload-ops", "/upload-ops", [("file", ("ops.txt", b"0123456789"))]),
    M("file-constraints", "/file-constraints", [("file", ("c", b"12345"))]),
    M("file-constraints-long", "/file-constraints", [("file", ("c", b"123456"))]),
    M("file-and-form", "/file-and-form", [("token", "t"), ("file", ("f.csv", b"a,b", "text/csv"))]),
    M("file-and-form-missing", "/file-and-form", [("note", "n")]),
    M("multipart-form", "/multipart-form", [("a", "x")]),
    F("multipart-form-urlencoded", "/multipart-form", [("a", "x")]),
]


def test_forms_and_files_as_fastapi():
    problems = compare(FORMS, FORM_CALLS)
    assert not problems, "\n".join(problems)


def raw(id: str, url: str, body: bytes, content_type: str = "multipart/form-data; boundary=xyz") -> Call:
    return Call(id, "POST", url, [("content-type", content_type)], body)


# Malformed multipart bodies FastAPI (python-multipart) also refuses: same 400 and message.
MALFORMED_CALLS = [
    raw("no-boundary", "/login", b"--xyz\r\n", "multipart/form-data"),
    raw("empty-boundary", "/login", b"--xyz\r\n", "multipart/form-data; boundary="),
    raw("garbage", "/login", b"garbage"),
    raw("no-name", "/login", b"--xyz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xyz--\r\n"),
    raw("no-disposition", "/login", b"--xyz\r\nContent-Type: text/plain\r\n\r\nv\r\n--xyz--\r\n"),
    raw("bad-header-name", "/login", b"--xyz\r\nContent Disposition: form-data; name=a\r\n\r\nv\r\n--xyz--\r\n"),
    raw("folded-header", "/login", b"--xyz\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--xyz--\r\n"),
    raw("lf-only", "/login", b"--xyz\nContent-Disposition: form-data; name=a\n\nv\n--xyz--\n"),
    raw("boundary-glued", "/login", b"--xyzContent-Disposition: form-data; name=a\r\n\r\nv\r\n--xyz--\r\n"),
    raw("empty-form", "/login", b""),
    raw("only-close", "/login", b"--xyz--\r\n"),
    raw("quoted-boundary", "/login", b'--a b\r\nContent-Disposition: form-data; name="username"\r\n\r\nu\r\n--a b\r\n'
        b'Content-Disposition: form-data; name="password"\r\n\r\npass\r\n--a b--', 'multipart/form-data; boundary="a b"'),
]


def test_malformed_multipart_as_fastapi():
    problems = compare(FORMS, MALFORMED_CALLS)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# What FasterAPI decides itself


def _app_with_limits(**limits) -> FasterAPI:
    app = FasterAPI()

    @app.post("/f", form_limits=limits or None)
    def f(a: Annotated[list[str], Form()] = [], files: Annotated[list[UploadFile], File()] = []):
        return {"a": len(a), "files": [x.size for x in files]}

    return app


def send(app_or_ours, call: Call) -> dict:
    ours = app_or_ours if isinstance(app_or_ours, Ours) else Ours(app_or_ours)
    return ours.send(call)


def test_field_over_max_part_size_is_413_with_starlettes_message():
    ours = Ours(_app_with_limits(max_part_size=1024))
    ok = send(ours, M("ok", "/f", [("a", "x" * 1024)]))
    assert ok == {"status": 200, "body": {"a": 1, "files": []}}
    too_big = send(ours, M("big", "/f", [("a", "x" * 1025)]))
    assert too_big == {"status": 413, "body": {"detail": "Part exceeded maximum size of 1KB."}}
    urlencoded = send(ours, F("big-urlencoded", "/f", [("a", "x" * 1024)]))
    assert urlencoded == {"status": 413, "body": {"detail": "Field exceeded maximum size of 1KB."}}
    assert send(ours, F("ok-urlencoded", "/f", [("a", "x" * 1023)]))["status"] == 200


def test_default_part_limit_is_one_mebibyte_and_files_are_not_bound_by_it(monkeypatch):
    mib = 1024 * 1024
    # The whole body is bounded too (FASTERAPI_MAX_BODY, 1 MiB by default): raised here, as
    # an app accepting such forms would, so that only the part limits are at play.
    monkeypatch.setenv("FASTERAPI_MAX_BODY", str(4 * mib))
    ours = Ours(_app_with_limits())
    assert send(ours, M("field", "/f", [("a", "x" * mib)]))["status"] == 200
    assert send(ours, M("field+1", "/f", [("a", "x" * (mib + 1))]))["body"] == {"detail": "Part exceeded maximum size of 1024KB."}
    assert send(ours, M("file", "/f", [("files", ("big", b"x" * (2 * mib)))]))["body"] == {"a": 0, "files": [2 * mib]}


def test_file_over_max_file_size_is_413():
    ours = Ours(_app_with_limits(max_file_size=10))
    assert send(ours, M("ok", "/f", [("files", ("f", b"x" * 10))]))["status"] == 200
    assert send(ours, M("big", "/f", [("files", ("f", b"x" * 11))])) == {"status": 413, "body": {"detail": "File exceeded maximum size of 0KB."}}


def test_too_many_fields_or_files_is_400_as_starlette():
    ours = Ours(_app_with_limits(max_fields=2, max_files=1))
    assert send(ours, M("fields", "/f", [("a", "1"), ("a", "2"), ("a", "3")])) == {
        "status": 400, "body": {"detail": "Too many fields. Maximum number of fields is 2."}}
    assert send(ours, F("fields-urlencoded", "/f", [("a", "1"), ("a", "2"), ("a", "3")]))["status"] == 400
    assert send(ours, M("files", "/f", [("files", ("a", b"")), ("files", ("b", b""))])) == {
        "status": 400, "body": {"detail": "Too many files. Maximum number of files is 1."}}
    assert send(ours, M("within", "/f", [("a", "1"), ("a", "2"), ("files", ("a", b"z"))]))["body"] == {"a": 2, "files": [1]}


def test_limits_from_the_environment(monkeypatch):
    from fasterapi import _form_limits

    monkeypatch.setattr(_form_limits, "_defaults", None)
    monkeypatch.setenv("FASTERAPI_FORM_MAX_FIELDS", "1")
    monkeypatch.setenv("FASTERAPI_FORM_MAX_FILE_SIZE", "3")
    try:
        ours = Ours(_app_with_limits())
        assert send(ours, F("two", "/f", [("a", "1"), ("a", "2")]))["status"] == 400
        assert send(ours, M("file", "/f", [("files", ("f", b"1234"))]))["status"] == 413
        # A route's own form_limits win over the environment.
        assert send(Ours(_app_with_limits(max_fields=5)), F("two", "/f", [("a", "1"), ("a", "2")]))["status"] == 200
    finally:
        monkeypatch.setattr(_form_limits, "_defaults", None)


def test_bad_limits_are_refused_at_startup(monkeypatch):
    from fasterapi._form_limits import FormLimits

    with pytest.raises(ValueError, match="max_files"):
        _app_with_limits(max_files=-1)
    with pytest.raises(ValueError, match="unknown"):
        _app_with_limits(max_feilds=3)
    with pytest.raises(ValueError, match="FASTERAPI_FORM_MAX_PART_SIZE"):
        FormLimits.from_env({"FASTERAPI_FORM_MAX_PART_SIZE": "1MB"})
    assert FormLimits.from_env({"FASTERAPI_FORM_MAX_FILE_SIZE": "0"}).max_file_size is None


def test_big_uploads_are_spooled_to_disk_and_closed_after_the_endpoint(monkeypatch):
    monkeypatch.setenv("FASTERAPI_MAX_BODY", str(4 * 1024 * 1024))  # the server's limit, raised for uploads past 1 MiB
    seen = {}
    app = FasterAPI()

    @app.post("/sync")
    def sync_upload(file: UploadFile):
        seen["sync"] = file
        seen["sync_rolled"] = file.file._rolled
        return {"size": file.size, "first": file.file.read(3).decode()}

    @app.post("/async")
    async def async_upload(file: UploadFile, small: UploadFile):
        seen["async"] = (file, small)
        seen["async_rolled"] = (file.file._rolled, small.file._rolled)
        await asyncio.sleep(0)
        return {"size": file.size, "tail": (await file.read())[-3:].decode()}

    ours = Ours(app)
    big = b"abc" + b"x" * (1024 * 1024) + b"end"
    assert send(ours, M("sync", "/sync", [("file", ("big", big))]))["body"] == {"size": len(big), "first": "abc"}
    assert seen["sync_rolled"] is True and seen["sync"].file.closed
    answer = send(ours, M("async", "/async", [("file", ("big", big)), ("small", ("s", b"s"))]))
    assert answer["body"] == {"size": len(big), "tail": "end"}
    assert seen["async_rolled"] == (True, False)
    assert all(f.file.closed for f in seen["async"])


def test_files_are_closed_when_validation_fails():
    seen = []
    app = FasterAPI()

    @app.post("/f")
    def f(file: UploadFile, n: Annotated[int, Form()]):
        return {}

    import fasterapi.datastructures as ds

    original = ds.FormData.close_files

    def spy(self):
        seen.extend(v for _, v in self.multi_items() if isinstance(v, UploadFile))
        original(self)

    ds.FormData.close_files = spy
    try:
        answer = send(Ours(app), M("bad", "/f", [("file", ("a", b"a")), ("n", "x")]))
    finally:
        ds.FormData.close_files = original
    assert answer["status"] == 422
    assert seen and all(f.file.closed for f in seen)


def test_request_form_in_async_and_sync_endpoints():
    app = FasterAPI()

    @app.post("/async")
    async def async_form(request: Request):
        form = await request.form()
        async with request.form() as again:
            assert again is form
            return {"a": form.getlist("a"), "file": form["f"].filename, "content": (await form["f"].read()).decode()}

    @app.post("/sync")
    def sync_form(request: Request):
        form = request.form_data
        return {"a": form["a"], "keys": sorted(form)}

    @app.post("/limited")
    async def limited(request: Request):
        await request.form(max_fields=1)
        return {}

    @app.post("/shared")
    def shared(request: Request, a: Annotated[str, Form()]):
        return {"same": request.form_data["a"] == a}

    ours = Ours(app)
    body = [("a", "1"), ("a", "2"), ("f", ("f.txt", b"data"))]
    assert send(ours, M("async", "/async", body))["body"] == {"a": ["1", "2"], "file": "f.txt", "content": "data"}
    assert send(ours, F("sync", "/sync", [("a", "x"), ("b", "y")]))["body"] == {"a": "x", "keys": ["a", "b"]}
    with pytest.raises(KeyError):  # JSON is not a form: the form is empty
        TestClient(app).post("/sync", json={"a": 1})
    assert send(ours, F("limited", "/limited", [("a", "1"), ("b", "2")])) == {
        "status": 400, "body": {"detail": "Too many fields. Maximum number of fields is 1."}}
    assert send(ours, raw("malformed", "/limited", b"junk"))["status"] == 400
    assert send(ours, F("shared", "/shared", [("a", "x")]))["body"] == {"same": True}


def test_upload_file_api():
    from tempfile import SpooledTemporaryFile

    from fasterapi.datastructures import Headers

    spooled = SpooledTemporaryFile(max_size=1024)
    upload = UploadFile(spooled, size=0, filename="n.txt", headers=Headers([("content-type", "text/plain")]))
    assert upload.content_type == "text/plain"
    assert UploadFile(SpooledTemporaryFile()).content_type is None

    async def use():
        await upload.write(b"hello")
        await upload.seek(0)
        assert await upload.read(2) == b"he"
        assert await upload.read() == b"llo"
        await upload.close()

    asyncio.run(use())
    assert upload.size == 5 and spooled.closed
    assert "n.txt" in repr(upload)


def test_multipart_body_encoder_round_trips():
    # The helper the tests build bodies with, checked against the parser once.
    from fasterapi._form_limits import FormLimits
    from fasterapi._multipart import parse_multipart

    body = encode_multipart([("a", "1"), ("f", ("x.bin", os.urandom(64), "application/octet-stream"))], "bnd")
    form = parse_multipart(body, "multipart/form-data; boundary=bnd", FormLimits())
    assert form["a"] == "1" and form["f"].size == 64 and form["f"].content_type == "application/octet-stream"
