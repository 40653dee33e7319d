"""/openapi.json against FastAPI's, for the same application source.

Each app below is written once and executed twice: with FastAPI's and pydantic's names
(``fastapi.FastAPI``, ``pydantic.BaseModel``...) and with FasterAPI's. The two OpenAPI documents
must be equal, with the differences listed path by path when they are not. FastAPI and pydantic
run here in the main interpreter of the dev venv only (test dependencies).
"""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
import pydantic  # noqa: E402

import fasterapi  # noqa: E402

NAMES = ("BaseModel", "Field", "ConfigDict", "computed_field", "Query", "Path", "Header", "Cookie", "Body", "APIRouter")


def build(source: str, side: str, counter: list[int] = [0]) -> Any:  # noqa: B006 - a module counter
    """Run ``source`` with one side's names; return its ``app``."""
    if side == "fastapi":
        names = {n: getattr(fastapi, n, None) or getattr(pydantic, n) for n in NAMES}
        names["App"] = fastapi.FastAPI
    else:
        names = {n: getattr(fasterapi, n) for n in NAMES}
        names["App"] = fasterapi.FasterAPI
    counter[0] += 1
    module = types.ModuleType(f"openapi_app_{side}_{counter[0]}")
    sys.modules[module.__name__] = module  # forward references resolve against it
    module.__dict__.update(names)
    exec(compile(textwrap.dedent(source), module.__name__, "exec", dont_inherit=True), module.__dict__)
    return module.app


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in actual:
                out.append(f"{path}/{key}: missing, expected {json.dumps(expected[key])[:300]}")
            elif key not in expected:
                out.append(f"{path}/{key}: unexpected {json.dumps(actual[key])[:300]}")
            else:
                out.extend(differences(expected[key], actual[key], f"{path}/{key}"))
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {json.dumps(expected)[:300]}, got {json.dumps(actual)[:300]}"]
    return []


def assert_same_openapi(source: str) -> dict[str, Any]:
    expected = build(source, "fastapi").openapi()
    actual = build(source, "fasterapi").openapi()
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])
    # And the same JSON text once keys are sorted (types, not only ==: 1 vs 1.0 vs True).
    assert json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)
    return actual


SHOP = '''
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal
from uuid import UUID


class Color(str, Enum):
    """Colours we sell."""
    RED = "red"
    BLUE = "blue"


class Size(int, Enum):
    S = 1
    M = 2


class Image(BaseModel):
    url: str = Field(min_length=3, description="Where the image is")
    name: str | None = None


class Item(BaseModel):
    """An item of the shop.

    Shown in the catalogue.\\fInternal notes after a form feed."""
    name: str = Field(min_length=1, max_length=50, examples=["hammer"])
    description: str | None = Field(default=None, title="The description", max_length=300)
    price: float = Field(gt=0, description="Must be positive")
    tax: float | None = None
    tags: set[str] = set()
    images: list[Image] | None = None
    color: Color = Color.RED
    size: Size | None = None
    sku: UUID | None = None


class Offer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    offer_name: str = Field(alias="offerName")
    discount: Decimal = Decimal("0.1")
    items: list[Item] = []
    valid_until: date | None = None
    kind: Literal["sale", "bundle"] = "sale"

    @computed_field
    @property
    def item_count(self) -> int:
        return len(self.items)


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=r"^[a-z0-9_]+$")
    full_name: str | None = None
    joined: datetime


class Message(BaseModel):
    message: str


app = App(
    title="Shop",
    version="2.1.0",
    summary="A small shop",
    description="The **shop** API.",
    terms_of_service="https://example.com/terms",
    contact={"name": "Shop team", "email": "shop@example.com"},
    license_info={"name": "MIT", "identifier": "MIT"},
    openapi_tags=[{"name": "items", "description": "Things for sale"}, {"name": "users"}],
    servers=[{"url": "https://api.example.com", "description": "production"}],
)


@app.get("/items/{item_id}", response_model=Item, tags=["items"], responses={404: {"model": Message, "description": "Not there"}})
def read_item(
    item_id: Annotated[int, Path(title="The item id", ge=1)],
    q: str | None = None,
    short: bool = False,
    limit: Annotated[int, Query(le=100, description="At most this many")] = 10,
    tag: Annotated[list[str] | None, Query(alias="item-tag")] = None,
    user_agent: Annotated[str | None, Header()] = None,
    x_token: Annotated[list[str] | None, Header(convert_underscores=False)] = None,
    session: Annotated[str | None, Cookie()] = None,
):
    """Read one item.

    With its images."""
    return {}


@app.get("/items/", tags=["items"], summary="List the items", deprecated=True)
def list_items(skip: int = 0, color: Color | None = None, sizes: Annotated[list[Size], Query()] = []) -> list[Item]:
    return []


@app.post("/items/", status_code=201, tags=["items"], response_description="The created item")
def create_item(item: Item) -> Item:
    return item


@app.put("/items/{item_id}", tags=["items"], operation_id="replaceItem")
def update_item(item_id: int, item: Item, user: User, importance: Annotated[int, Body(gt=0)], note: Annotated[str | None, Body(max_length=10)] = None):
    return {}


@app.patch("/items/{item_id}/image", tags=["items"], openapi_extra={"x-audit": True, "responses": {"418": {"description": "Teapot"}}})
def set_image(item_id: int, image: Annotated[Image, Body(embed=True)]):
    return {}


@app.post("/offers", response_model=Offer, responses={400: {"description": "Bad offer"}, "default": {"model": Message}})
def create_offer(offer: Offer):
    return offer


@app.get("/offers/{offer_id}", include_in_schema=False)
def hidden(offer_id: int):
    return {}


@app.delete("/items/{item_id}", status_code=204, tags=["items"])
def delete_item(item_id: int):
    return None


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/raw")
def raw(payload: dict[str, int], limit: int | None = None):
    return payload


users = APIRouter(prefix="/users", tags=["users"])


@users.get("/{username}", response_model=User)
def read_user(username: str):
    return {}


@users.post("/", response_model=User, status_code=201)
def create_user(user: User, send_mail: bool = True):
    return user


app.include_router(users)
'''


def test_shop_app_matches_fastapi() -> None:
    document = assert_same_openapi(SHOP)
    # Spot checks that the comparison covered what it should.
    schemas = document["components"]["schemas"]
    assert {"Offer-Input", "Offer-Output", "Item", "HTTPValidationError", "Body_replaceItem"} <= set(schemas)
    assert "/offers/{offer_id}" not in document["paths"]
    assert document["paths"]["/items/"]["get"]["deprecated"] is True
    assert document["openapi"] == "3.1.0"


DATACLASSES = '''
import dataclasses
from typing import Annotated, TypedDict, NotRequired


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0


@dataclasses.dataclass
class Shape:
    """A polygon."""
    name: str
    points: list[Point] = dataclasses.field(default_factory=list)


class Label(TypedDict):
    text: str
    size: NotRequired[int]


app = App(title="Shapes")


@app.post("/shapes", status_code=201)
def create_shape(shape: Shape) -> Shape:
    return shape


@app.post("/labels/{shape_id}")
def add_label(shape_id: int, label: Label, point: Point, q: Annotated[str | None, Query(min_length=2)] = None) -> list[Label]:
    return [label]


@app.get("/points", response_model=dict[str, Point])
def points(limit: int = 10):
    return {}
'''


def test_dataclass_app_matches_fastapi() -> None:
    document = assert_same_openapi(DATACLASSES)
    assert {"Shape", "Point", "Label", "Body_add_label_labels__shape_id__post"} <= set(document["components"]["schemas"])


SEPARATE = '''
from decimal import Decimal


class Price(BaseModel):
    amount: Decimal
    currency: str = "EUR"


class Total(BaseModel):
    price: Price

    @computed_field
    @property
    def label(self) -> str:
        return "x"


app = App(title="Prices", separate_input_output_schemas=False)


@app.post("/prices")
def price(p: Price) -> Price:
    return p


@app.post("/totals")
def total(t: Total) -> Total:
    return t
'''


def test_separate_input_output_schemas_false_matches_fastapi() -> None:
    document = assert_same_openapi(SEPARATE)
    # Total has a computed field, so its output schema stays (and the Price it refers to splits).
    assert sorted(document["components"]["schemas"]) == ["HTTPValidationError", "Price-Input", "Price-Output", "Total-Input", "Total-Output", "ValidationError"]


def test_nothing_documented_when_excluded() -> None:
    source = '''
app = App(title="Bare", version="0")

@app.get("/hidden", include_in_schema=False)
def hidden():
    return {}
'''
    document = assert_same_openapi(source)
    assert document["paths"] == {}
    assert "components" not in document


def test_openapi_is_cached_and_overridable() -> None:
    app = fasterapi.FasterAPI(title="Cached")

    @app.get("/a")
    def a():
        return {}

    first = app.openapi()
    assert app.openapi() is first

    def custom_openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = fasterapi.openapi.utils.get_openapi(title="Custom", version="9", routes=app.routes)
        schema["info"]["x-logo"] = {"url": "logo.png"}
        app.openapi_schema = schema
        return schema

    app.openapi_schema = None
    app.openapi = custom_openapi
    assert app.openapi()["info"] == {"title": "Custom", "version": "9", "x-logo": {"url": "logo.png"}}


def test_docs_routes_follow_the_urls() -> None:
    def paths(**options):
        return [(r.method, r.path) for r in fasterapi.FasterAPI(**options)._compile_routes()]

    assert paths() == [("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc"), ("GET", "/docs/static/{asset:path}")]
    assert paths(openapi_url=None) == []
    assert paths(docs_url=None, redoc_url=None) == [("GET", "/openapi.json")]
    assert paths(openapi_url="/api.json", docs_url="/swagger", redoc_url=None, swagger_ui_oauth2_redirect_url=None) == [
        ("GET", "/api.json"), ("GET", "/swagger"), ("GET", "/docs/static/{asset:path}")]


def test_docs_html_is_fastapis_with_local_assets() -> None:
    from fastapi.openapi import docs as theirs

    from fasterapi.openapi import docs as ours

    urls = {"swagger_js_url": "/s/a.js", "swagger_css_url": "/s/a.css", "swagger_favicon_url": "/s/f.png"}
    options = {"openapi_url": "/openapi.json", "title": "T - Swagger UI", "oauth2_redirect_url": "/docs/oauth2-redirect",
               "init_oauth": {"clientId": "x</script>"}, "swagger_ui_parameters": {"deepLinking": False}}
    assert ours.get_swagger_ui_html(**options, **urls).body == theirs.get_swagger_ui_html(**options, **urls).body
    redoc = {"openapi_url": "/openapi.json", "title": "T - ReDoc", "redoc_js_url": "/s/r.js", "redoc_favicon_url": "/s/f.png"}
    for fonts in (True, False):
        assert ours.get_redoc_html(**redoc, with_google_fonts=fonts).body == theirs.get_redoc_html(**redoc, with_google_fonts=fonts).body
    assert ours.get_swagger_ui_oauth2_redirect_html().body == theirs.get_swagger_ui_oauth2_redirect_html().body
    # Our defaults never point at another host.
    page = ours.get_swagger_ui_html(openapi_url="/openapi.json", title="T").body.decode() + ours.get_redoc_html(openapi_url="/openapi.json", title="T").body.decode()
    assert "http" not in page.replace("http-equiv", "")


TUTORIAL = Path(__file__).resolve().parents[1] / "apps" / "tutorial"


@pytest.mark.parametrize("chapter", sorted(p.stem for p in TUTORIAL.glob("*.py") if p.stem != "__init__"))
def test_tutorial_chapter_matches_fastapi(chapter: str) -> None:
    # The tutorial apps (tests/apps/tutorial, FastAPI's chapters with the imports changed),
    # with the imports changed back for FastAPI's side, as tests/integration/test_tutorial.py does.
    from tests.integration.test_tutorial import as_fastapi_source

    source = (TUTORIAL / f"{chapter}.py").read_text()
    apps = {}
    for side, text in (("fastapi", as_fastapi_source(source)), ("fasterapi", source)):
        module = types.ModuleType(f"openapi_tutorial_{side}_{chapter}")
        sys.modules[module.__name__] = module
        exec(compile(text, module.__name__, "exec", dont_inherit=True), module.__dict__)
        module.app.title = "Tutorial"  # the two frameworks' default titles differ
        apps[side] = module.app
    expected, actual = apps["fastapi"].openapi(), apps["fasterapi"].openapi()
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])
