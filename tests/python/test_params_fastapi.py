"""Every parameter kind answered as FastAPI answers it: each app below runs in FastAPI
(TestClient) and in FasterAPI (the compiled handlers), and every call must get the same
status and body (``params_harness``)."""

from __future__ import annotations

import pytest

from params_harness import Call, compare

pytest.importorskip("fastapi")

J = Call.json

# ---------------------------------------------------------------------------------------------
# Path, query, header and cookie parameters: constraints, both declaration styles, aliases

SCALARS = '''
import datetime, enum, uuid
from decimal import Decimal
from typing import Annotated, Literal
from fasterapi import Cookie, FasterAPI, Header, Path, Query
from fasterapi.pydantic import AliasChoices

app = FasterAPI()

class Color(enum.Enum):
    red = "red"
    blue = "blue"

@app.get("/num/{n}")
def num(n: Annotated[int, Path(gt=0, le=1000)],
        q: Annotated[float, Query(ge=0.5, lt=10, multiple_of=0.5)] = 1.0,
        d: Annotated[Decimal | None, Query(max_digits=4, decimal_places=2)] = None,
        f: Annotated[float | None, Query(allow_inf_nan=False)] = None,
        s: Annotated[int | None, Query(strict=True)] = None):
    return {"n": n, "q": q, "d": d, "f": f, "s": s}

@app.get("/text")
def text(a: Annotated[str, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
         tags: Annotated[list[str], Query(min_length=1, max_length=3)] = ["t"],
         ids: Annotated[list[int] | None, Query()] = None):
    return {"a": a, "tags": tags, "ids": ids}

@app.get("/old-style/{item_id}")
def old_style(item_id: int = Path(ge=1), q: int = Query(3, gt=0), r: str | None = Query(None, max_length=3),
              h: str | None = Header(None), c: str | None = Cookie(None)):
    return {"item_id": item_id, "q": q, "r": r, "h": h, "c": c}

@app.get("/types")
def types_(color: Color = Color.red, flag: bool = False, when: datetime.date | None = None,
           ident: uuid.UUID | None = None, level: Literal[1, 2] = 1, ratio: float | None = None):
    return {"color": color, "flag": flag, "when": when, "ident": ident, "level": level, "ratio": ratio}

@app.get("/alias")
def alias(a: Annotated[str | None, Query(alias="item-query")] = None,
          b: Annotated[str | None, Query(validation_alias="vb")] = None,
          c: Annotated[str | None, Query(validation_alias=AliasChoices("c1", "c2"))] = None,
          d: Annotated[int, Query(alias="D", serialization_alias="dd", ge=0)] = 0):
    return {"a": a, "b": b, "c": c, "d": d}

@app.get("/required")
def required(q: Annotated[str, Query()], n: int):
    return {"q": q, "n": n}

@app.get("/factory")
def factory(tags: Annotated[list[str], Query(default_factory=lambda: ["x", "y"])],
            n: Annotated[int, Query(validate_default=True)] = "5"):
    return {"tags": tags, "n": n}

@app.get("/headers")
def headers(user_agent: Annotated[str | None, Header()] = None,
            x_token: Annotated[list[str] | None, Header()] = None,
            strange_header: Annotated[str | None, Header(convert_underscores=False)] = None,
            x_num: Annotated[int | None, Header(alias="X-Num", ge=1)] = None,
            x_pick: Annotated[str | None, Header(validation_alias=AliasChoices("x-one", "x-two"))] = None):
    return {"ua": user_agent, "tokens": x_token, "strange": strange_header, "num": x_num, "pick": x_pick}

@app.get("/required-header")
def required_header(x_key: Annotated[int, Header(gt=0)]):
    return {"x_key": x_key}

@app.get("/cookies")
def cookies(session: Annotated[str | None, Cookie(min_length=3)] = None, n: Annotated[int | None, Cookie()] = None,
            named: Annotated[str | None, Cookie(alias="the-name")] = None):
    return {"session": session, "n": n, "named": named}

@app.get("/required-cookie")
def required_cookie(session_id: Annotated[str, Cookie()]):
    return {"session_id": session_id}

@app.get("/hidden")
def hidden(q: Annotated[str | None, Query(include_in_schema=False, deprecated=True, title="T", description="D",
                                          examples=["a"], openapi_examples={"x": {"value": "a"}})] = None):
    return {"q": q}
'''

SCALAR_CALLS = [
    Call("num-ok", "GET", "/num/5"),
    Call("num-all", "GET", "/num/5?q=2.5&d=12.34&f=1.5&s=3"),
    Call("num-bounds", "GET", "/num/0?q=10"),
    Call("num-too-big", "GET", "/num/1001"),
    Call("num-not-int", "GET", "/num/x?q=abc"),
    Call("num-multiple", "GET", "/num/5?q=0.75"),
    Call("num-low", "GET", "/num/5?q=0.25"),
    Call("decimal-digits", "GET", "/num/5?d=123.45"),
    Call("decimal-places", "GET", "/num/5?d=1.234"),
    Call("decimal-bad", "GET", "/num/5?d=abc"),
    Call("inf-refused", "GET", "/num/5?f=inf"),
    Call("nan-refused", "GET", "/num/5?f=nan"),
    Call("strict-int", "GET", "/num/5?s=3"),
    Call("empty-query-value", "GET", "/num/5?q="),
    Call("text-ok", "GET", "/text?a=abc&tags=a&tags=b"),
    Call("text-short", "GET", "/text?a=a"),
    Call("text-long", "GET", "/text?a=abcdef"),
    Call("text-pattern", "GET", "/text?a=ABC"),
    Call("text-too-many-tags", "GET", "/text?tags=a&tags=b&tags=c&tags=d"),
    Call("ids", "GET", "/text?ids=1&ids=2"),
    Call("ids-bad", "GET", "/text?ids=1&ids=x&ids=3.5"),
    Call("old-style", "GET", "/old-style/3?q=4&r=ab", headers=[("h", "hv"), ("cookie", "c=cv")]),
    Call("old-style-bad", "GET", "/old-style/0?q=0&r=abcd"),
    Call("types", "GET", "/types?color=blue&flag=yes&when=2024-02-29&ident=12345678-1234-5678-1234-567812345678&level=2&ratio=0.5"),
    Call("types-flags", "GET", "/types?flag=on"),
    Call("types-flag-off", "GET", "/types?flag=0"),
    Call("types-bad", "GET", "/types?color=green&flag=maybe&level=3"),
    Call("alias", "GET", "/alias?item-query=x&vb=y&c2=z&D=4"),
    Call("alias-by-name-ignored", "GET", "/alias?a=x&b=y&c=z&d=4"),
    Call("alias-choice-first", "GET", "/alias?c1=one&c2=two"),
    Call("alias-bad", "GET", "/alias?D=-1"),
    Call("required-missing", "GET", "/required"),
    Call("required-ok", "GET", "/required?q=a&n=2"),
    Call("factory", "GET", "/factory"),
    Call("factory-given", "GET", "/factory?tags=z&n=7"),
    Call("headers", "GET", "/headers", headers=[("User-Agent", "ua/1"), ("X-Token", "a"), ("X-Token", "b"),
                                                ("strange_header", "s"), ("X-Num", "3"), ("x-two", "2")]),
    Call("headers-dash-not-underscore", "GET", "/headers", headers=[("strange-header", "s"), ("x_token", "no")]),
    Call("headers-bad-num", "GET", "/headers", headers=[("X-Num", "0")]),
    Call("headers-both-choices", "GET", "/headers", headers=[("x-two", "2"), ("x-one", "1")]),
    Call("header-required-missing", "GET", "/required-header"),
    Call("header-required-bad", "GET", "/required-header", headers=[("x-key", "zero")]),
    Call("header-required-ok", "GET", "/required-header", headers=[("X-KEY", "+7")]),
    Call("cookies", "GET", "/cookies", headers=[("cookie", 'session=abcd; n=5; the-name="quoted"')]),
    Call("cookies-bad", "GET", "/cookies", headers=[("cookie", "session=ab; n=x")]),
    Call("cookie-escapes", "GET", "/cookies", headers=[("cookie", r'session="a\"b\\c\073"; named=a%20b')]),
    Call("cookie-required", "GET", "/required-cookie"),
    Call("cookie-required-ok", "GET", "/required-cookie", headers=[("cookie", "other=1; session_id=s")]),
    Call("hidden", "GET", "/hidden?q=v"),
]


def test_scalar_parameters_as_fastapi():
    problems = compare(SCALARS, SCALAR_CALLS)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Parameter models: query, header and cookie

MODELS = '''
from typing import Annotated, Literal
from fasterapi import BaseModel, Cookie, FasterAPI, Field, Header, Query

app = FasterAPI()

class Filter(BaseModel):
    model_config = {"extra": "forbid"}
    limit: int = Field(100, gt=0, le=100)
    tags: list[str] = []
    order_by: Literal["a", "b"] = "a"
    q: str | None = Field(None, alias="search")

class Loose(BaseModel):
    a: int = 1
    b: list[int] = []

class Pair(BaseModel):
    a: int
    b: str

class Allow(BaseModel):
    model_config = {"extra": "allow"}
    a: int = 0

class Hdr(BaseModel):
    x_token: list[str] = []
    save_data: bool = False
    user_agent: str | None = None

class StrictHdr(BaseModel):
    model_config = {"extra": "forbid"}
    x_tag: str | None = None

class Cook(BaseModel):
    session_id: str
    tracker: str | None = None

@app.get("/filter")
def filter_(f: Annotated[Filter, Query()]):
    return f

@app.get("/loose")
def loose(p: Annotated[Loose, Query()]):
    return p

@app.get("/pair")
def pair(p: Annotated[Pair, Query()]):
    return p

@app.get("/optional-pair")
def optional_pair(p: Annotated[Pair | None, Query()] = None):
    return {"p": p}

@app.get("/allow")
def allow(p: Annotated[Allow, Query()]):
    return p.model_dump()

@app.get("/model-and-param")
def model_and_param(p: Annotated[Loose, Query()], extra: int = 0):
    return {"p": p, "extra": extra}

@app.get("/header-model")
def header_model(h: Annotated[Hdr, Header()]):
    return h

@app.get("/header-model-raw")
def header_model_raw(h: Annotated[Hdr, Header(convert_underscores=False)]):
    return h

@app.get("/header-model-forbid")
def header_model_forbid(h: Annotated[StrictHdr, Header()]):
    return h

@app.get("/cookie-model")
def cookie_model(c: Annotated[Cook, Cookie()]):
    return c
'''

MODEL_CALLS = [
    Call("defaults", "GET", "/filter"),
    Call("values", "GET", "/filter?limit=10&tags=a&tags=b&order_by=b&search=x"),
    Call("one-tag", "GET", "/filter?tags=a"),
    Call("bad", "GET", "/filter?limit=0&order_by=c"),
    Call("not-int", "GET", "/filter?limit=ten"),
    Call("extra-forbidden", "GET", "/filter?tool=plumbus&tool=x&other=1"),
    Call("field-name-not-alias", "GET", "/filter?q=x"),
    Call("loose-extra-ignored", "GET", "/loose?a=2&zzz=1&b=1&b=2"),
    Call("loose-bad-list", "GET", "/loose?b=1&b=x"),
    Call("pair-missing", "GET", "/pair"),
    Call("pair-partial", "GET", "/pair?a=1"),
    Call("pair-ok", "GET", "/pair?a=1&b=x"),
    Call("optional-absent", "GET", "/optional-pair"),
    Call("optional-unrelated", "GET", "/optional-pair?zzz=1"),
    Call("optional-partial", "GET", "/optional-pair?b=x"),
    Call("optional-ok", "GET", "/optional-pair?a=1&b=x"),
    Call("allow-extras", "GET", "/allow?a=3&x=1&y=2&y=3"),
    Call("model-and-param", "GET", "/model-and-param?a=5&extra=2"),
    Call("header-model", "GET", "/header-model", headers=[("x-token", "1"), ("X-Token", "2"), ("save-data", "yes"), ("User-Agent", "u")]),
    Call("header-model-underscore-ignored", "GET", "/header-model", headers=[("save_data", "yes")]),
    Call("header-model-bad", "GET", "/header-model", headers=[("save-data", "maybe")]),
    Call("header-model-raw", "GET", "/header-model-raw", headers=[("save_data", "true"), ("save-data", "false")]),
    Call("header-model-forbid", "GET", "/header-model-forbid", headers=[("x-tag", "t")]),
    Call("cookie-model", "GET", "/cookie-model", headers=[("cookie", "session_id=s1; tracker=t; other=o")]),
    Call("cookie-model-missing", "GET", "/cookie-model", headers=[("cookie", "tracker=t")]),
]


def test_parameter_models_as_fastapi():
    problems = compare(MODELS, MODEL_CALLS)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# JSON bodies: Body(), embed, several bodies, aliases, content types

BODIES = '''
from typing import Annotated
from fasterapi import BaseModel, Body, FasterAPI
from fasterapi.pydantic import AliasChoices

app = FasterAPI()

class Item(BaseModel):
    name: str
    price: float

@app.post("/item")
def item(item: Item):
    return item

@app.post("/embed")
def embed(item: Annotated[Item, Body(embed=True)]):
    return item

@app.post("/multi")
def multi(item: Item, user: dict, importance: Annotated[int, Body(gt=0)]):
    return {"item": item, "user": user, "importance": importance}

@app.post("/scalar")
def scalar(x: Annotated[int, Body()]):
    return {"x": x}

@app.post("/text")
def text(x: Annotated[str, Body(min_length=1)]):
    return {"x": x}

@app.post("/aliases")
def aliases(a: Annotated[int, Body(alias="A")], b: Annotated[int, Body(validation_alias=AliasChoices("b1", "b2"))] = 0):
    return {"a": a, "b": b}

@app.post("/optional")
def optional(item: Item | None = None):
    return {"item": item}

@app.post("/optional-embedded")
def optional_embedded(n: Annotated[int | None, Body(embed=True)] = None):
    return {"n": n}

@app.post("/list")
def list_(items: list[Item]):
    return items

@app.post("/dict")
def dict_(data: dict[str, int]):
    return data
'''

ITEM = {"name": "Foo", "price": 1.5}
JSON_CT = [("content-type", "application/json")]

BODY_CALLS = [
    J("item", "POST", "/item", ITEM),
    J("item-missing", "POST", "/item", {"name": "Foo"}),
    Call("item-empty", "POST", "/item", JSON_CT),
    Call("item-bad-json", "POST", "/item", JSON_CT, b'{"name": '),
    Call("item-json-suffix", "POST", "/item", [("content-type", "application/vnd.api+json")], b'{"name": "a", "price": 1}'),
    Call("item-json-charset", "POST", "/item", [("content-type", "Application/JSON; charset=utf-8")], b'{"name": "a", "price": 1}'),
    J("embed", "POST", "/embed", {"item": ITEM}),
    J("embed-flat", "POST", "/embed", ITEM),
    J("embed-list", "POST", "/embed", [ITEM]),
    Call("embed-null", "POST", "/embed", JSON_CT, b"null"),
    Call("embed-no-body", "POST", "/embed"),
    Call("embed-text-plain", "POST", "/embed", [("content-type", "text/plain")], b'{"item": {"name": "a", "price": 1}}'),
    J("multi", "POST", "/multi", {"item": ITEM, "user": {"a": 1}, "importance": 2}),
    J("multi-missing", "POST", "/multi", {}),
    J("multi-bad", "POST", "/multi", {"item": {"name": 1}, "user": [], "importance": 0}),
    J("multi-null-value", "POST", "/multi", {"item": ITEM, "user": None, "importance": None}),
    J("scalar", "POST", "/scalar", 5),
    J("scalar-string", "POST", "/scalar", "7"),
    Call("scalar-text-plain", "POST", "/scalar", [("content-type", "text/plain")], b"5"),
    Call("scalar-no-content-type", "POST", "/scalar", [], b"5"),
    Call("text-plain-to-str", "POST", "/text", [("content-type", "text/plain")], b"hello"),
    Call("text-empty", "POST", "/text", [("content-type", "text/plain")], b""),
    J("aliases", "POST", "/aliases", {"A": 1, "b2": 2}),
    J("aliases-by-name", "POST", "/aliases", {"a": 1, "b": 2}),
    J("aliases-both-choices", "POST", "/aliases", {"A": 1, "b2": 2, "b1": 3}),
    J("optional-given", "POST", "/optional", ITEM),
    Call("optional-absent", "POST", "/optional"),
    J("optional-embedded", "POST", "/optional-embedded", {"n": 3}),
    J("optional-embedded-null", "POST", "/optional-embedded", {"n": None}),
    J("optional-embedded-other", "POST", "/optional-embedded", {"m": 3}),
    J("list", "POST", "/list", [ITEM, {"name": "b", "price": "2"}]),
    J("list-bad", "POST", "/list", [ITEM, {"price": "x"}]),
    J("dict", "POST", "/dict", {"a": 1, "b": "2"}),
    J("dict-bad", "POST", "/dict", {"a": "x"}),
    Call("dict-as-form", "POST", "/dict", [("content-type", "application/x-www-form-urlencoded")], b"a=1"),
]


def test_json_bodies_as_fastapi():
    problems = compare(BODIES, BODY_CALLS)
    assert not problems, "\n".join(problems)


# A model body sent as something else than JSON is validated as the bytes it is; FastAPI
# validates bodies with from_attributes, so pydantic answers model_attributes_type. (These
# depend on the native validator reporting that error for non-dict inputs.)
MODEL_BODY_WRONG_TYPE_CALLS = [
    Call("item-text-plain", "POST", "/item", [("content-type", "text/plain")], b'{"name": "a", "price": 1}'),
    Call("item-no-content-type", "POST", "/item", [], b'{"name": "a", "price": 1}'),
    Call("item-as-form", "POST", "/item", [("content-type", "application/x-www-form-urlencoded")], b"name=a&price=1"),
    Call("item-null", "POST", "/item", JSON_CT, b"null"),
    J("item-list", "POST", "/item", [ITEM]),
]


def test_model_body_with_a_wrong_content_type_as_fastapi():
    problems = compare(BODIES, MODEL_BODY_WRONG_TYPE_CALLS)
    assert not problems, "\n".join(problems)
