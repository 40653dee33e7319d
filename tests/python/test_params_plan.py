"""The parameter plan (``fasterapi._signature.analyze``): where each parameter comes from, what
the OpenAPI generator can read from it, and the declarations refused at startup."""

from __future__ import annotations

from typing import Annotated

import pytest

from fasterapi import BaseModel, Body, Cookie, FasterAPI, Field, File, Form, Header, Path, Query, Request, UploadFile
from fasterapi._signature import analyze
from fasterapi.params import Undefined
from fasterapi.pydantic import AfterValidator, AliasChoices
from fasterapi.testclient import TestClient


class Item(BaseModel):
    name: str


class Filter(BaseModel):
    limit: int = 10


def by_name(endpoint, path="/x/{item_id}"):
    return {spec.name: spec for spec in analyze(endpoint, path)}


def test_sources_as_fastapi_infers_them():
    def endpoint(item_id: int, q: str, tags: list[str], item: Item, data: dict, file: UploadFile, files: list[UploadFile],
                 maybe: UploadFile | None, request: Request, h: Annotated[str, Header()], c: str = Cookie(None)):
        pass

    specs = by_name(endpoint)
    assert {name: spec.source for name, spec in specs.items()} == {
        "item_id": "path", "q": "query", "tags": "body", "item": "body", "data": "body", "file": "file",
        "files": "file", "maybe": "file", "request": "request", "h": "header", "c": "cookie"}


def test_what_the_openapi_generator_reads():
    def endpoint(q: Annotated[int, Query(gt=0, title="Q", description="d", examples=[1], deprecated=True,
                                          include_in_schema=False, openapi_examples={"one": {"value": 1}})] = 1,
                 up: Annotated[UploadFile, File(description="the file")] = None,
                 token: Annotated[str, Form()] = "t",
                 plain: int = 3):
        pass

    specs = by_name(endpoint, "/")
    q = specs["q"]
    # The annotation as declared; the marker a per-endpoint copy carrying the "= default".
    assert q.annotation.__origin__ is int and q.annotation.__metadata__[0].title == "Q"
    assert q.annotation.__metadata__[0] is not q.marker
    assert isinstance(q.marker, Query) and q.marker.default == 1
    assert (q.marker.title, q.marker.description, q.marker.examples, q.marker.deprecated, q.marker.include_in_schema,
            q.marker.openapi_examples) == ("Q", "d", [1], True, False, {"one": {"value": 1}})
    assert specs["up"].media_type == "multipart/form-data" and isinstance(specs["up"].marker, File)
    assert specs["token"].media_type == "application/x-www-form-urlencoded"
    assert isinstance(specs["plain"].marker, Query) and specs["plain"].marker.default == 3  # inferred marker


SHARED_MARKER = Query(gt=0)


def test_annotated_markers_are_not_shared_between_endpoints():
    marker = SHARED_MARKER

    def a(q: Annotated[int, SHARED_MARKER] = 1):
        pass

    def b(q: Annotated[int, SHARED_MARKER] = 2):
        pass

    assert by_name(a, "/")["q"].marker.default == 1 and by_name(b, "/")["q"].marker.default == 2
    assert marker.default is Undefined


def test_keys_and_locations():
    def endpoint(user_agent: Annotated[str, Header()], x_raw: Annotated[str, Header(convert_underscores=False)],
                 aliased: Annotated[str, Header(alias="X-Aliased")], q: Annotated[str, Query(validation_alias=AliasChoices("q1", "q2"))],
                 b: Annotated[int, Body(alias="B")], other: Annotated[int, Body()]):
        pass

    specs = by_name(endpoint, "/")
    assert (specs["user_agent"].key, specs["user_agent"].loc) == ("user-agent", ("header", "user-agent"))
    assert (specs["x_raw"].key, specs["x_raw"].loc) == ("x_raw", ("header", "x_raw"))
    assert (specs["aliased"].key, specs["aliased"].loc) == ("x-aliased", ("header", "X-Aliased"))
    assert specs["q"].keys == ("q1", "q2")
    assert (specs["b"].key, specs["b"].loc, specs["b"].embed) == ("B", ("body", "B"), True)


def test_parameter_models():
    def endpoint(f: Annotated[Filter, Query()], g: Annotated[Filter | None, Header()] = None, form: Annotated[Item, Form()] = None):
        pass

    specs = by_name(endpoint, "/")
    assert specs["f"].model is not None and specs["f"].loc == ("query",)
    assert specs["g"].model.nullable and specs["g"].source == "header"
    assert specs["form"].model is not None and specs["form"].loc == ("body",)


def test_metadata_besides_the_marker_is_kept():
    app = FasterAPI()

    @app.get("/m")
    def m(a: Annotated[int, Query(), AfterValidator(lambda v: v * 2)] = 1, b: Annotated[int, Field(gt=1), Query()] = 5):
        return {"a": a, "b": b}

    client = TestClient(app)
    assert client.get("/m?a=4&b=3").json() == {"a": 8, "b": 3}
    (error,) = client.get("/m?b=1").json()["detail"]
    assert (error["type"], error["loc"]) == ("greater_than", ["query", "b"])


def test_path_declarations_refused_at_startup():
    def query_marker_on_path(item_id=Query()):
        pass

    def path_marker_elsewhere(q=Path()):
        pass

    with pytest.raises(TypeError, match=r"cannot use Query\(\) for path parameter 'item_id'"):
        analyze(query_marker_on_path, "/x/{item_id}")
    with pytest.raises(TypeError, match=r"Path\(\) parameter is not in the path"):
        analyze(path_marker_elsewhere, "/x")


def test_more_startup_errors():
    def default_in_annotated(q: Annotated[int, Query(3)]):
        pass

    def dict_query(q: Annotated[dict, Query()]):
        pass

    with pytest.raises(TypeError, match="give the default with '='"):
        analyze(default_in_annotated, "/")
    with pytest.raises(TypeError, match="Query parameter 'q' must be one of the supported types"):
        analyze(dict_query, "/")
    with pytest.raises(TypeError, match="Path parameters cannot have a default"):
        Path(3)
    with pytest.raises(TypeError, match="no 'embed'"):
        Form(embed=True)
    with pytest.raises(TypeError, match="both default and default_factory"):
        Query(1, default_factory=list)


def test_deprecated_arguments_still_work():
    with pytest.warns(DeprecationWarning):
        marker = Query(None, regex="^a")
    assert marker.pattern == "^a"
    with pytest.warns(DeprecationWarning):
        marker = Query(None, example="x")
    assert marker.example == "x"
    with pytest.warns(DeprecationWarning):
        marker = Body(None, unknown_extra=1)
    assert marker.json_schema_extra == {"unknown_extra": 1}
