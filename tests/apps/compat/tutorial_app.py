"""A FastAPI app written exactly as FastAPI's tutorial teaches, imports included.

Served unchanged by real FastAPI on uvicorn (tests/integration/test_compat_differential.py) and by ``fasterapi run --compat`` (tests/integration/test_compat.py and
the same differential test). Uses only features FasterAPI has today: path, query, header
and cookie parameters, JSON bodies bound to models, response_model, HTTPException with
headers, forms, status codes, response classes, an APIRouter and exception handlers.
Extend it as more of FastAPI is covered (docs/fastapi-compat.md).
"""

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Body, Cookie, FastAPI, Form, Header, HTTPException, Path, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from pydantic import BaseModel, EmailStr, Field, field_validator

app = FastAPI(title="Compat tutorial")


class ModelName(str, Enum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    description: str | None = None
    price: float = Field(gt=0)
    tax: float | None = None
    tags: list[str] = []


class UserIn(BaseModel):
    username: str
    password: str
    email: EmailStr
    full_name: str | None = None

    @field_validator("username")
    @classmethod
    def no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError("must not contain spaces")
        return value


class UserOut(BaseModel):
    username: str
    email: EmailStr
    full_name: str | None = None


ITEMS = {"foo": {"name": "Foo", "price": 50.2}, "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2}}


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."})


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None, short: bool = False):
    item = {"item_id": item_id}
    if q:
        item.update({"q": q})
    if not short:
        item.update({"description": "This is an amazing item that has a long description"})
    return item


@app.get("/models/{model_name}")
async def get_model(model_name: ModelName):
    if model_name is ModelName.alexnet:
        return {"model_name": model_name, "message": "Deep Learning FTW!"}
    return {"model_name": model_name, "message": "Have some residuals"}


@app.get("/files/{file_path:path}")
async def read_file(file_path: str):
    return {"file_path": file_path}


@app.get("/search/")
async def search(
    q: Annotated[str | None, Query(min_length=3, max_length=50, pattern="^[a-z ]+$")] = None,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
    tag: Annotated[list[str] | None, Query()] = None,
):
    return {"q": q, "page": page, "tag": tag}


@app.post("/items/", status_code=status.HTTP_201_CREATED)
async def create_item(item: Item):
    result = item.model_dump()
    if item.tax is not None:
        result["price_with_tax"] = item.price + item.tax
    return result


@app.put("/items/{item_id}")
def update_item(
    item_id: Annotated[int, Path(title="The ID of the item to get", ge=0, le=1000)],
    item: Item,
    importance: Annotated[int, Body(gt=0)],
    q: str | None = None,
):
    results = {"item_id": item_id, "item": item, "importance": importance}
    if q:
        results["q"] = q
    return results


@app.get("/stored/{item_id}", response_model=Item, response_model_exclude_unset=True)
async def read_stored(item_id: str):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"})
    return ITEMS[item_id]


@app.post("/user/", response_model=UserOut)
async def create_user(user: UserIn):
    return user


@app.post("/login/")
async def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)]):
    return {"username": username}


@app.get("/headers/")
def read_headers(
    user_agent: Annotated[str | None, Header()] = None,
    x_token: Annotated[list[str] | None, Header()] = None,
    ads_id: Annotated[str | None, Cookie()] = None,
):
    return {"User-Agent": user_agent, "X-Token values": x_token, "ads_id": ads_id}


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    return {"unicorn_name": name}


@app.get("/html/", response_class=HTMLResponse)
async def html():
    return "<html><body><h1>Look ma! HTML!</h1></body></html>"


@app.get("/text/", response_class=PlainTextResponse)
async def text():
    return "Hello World"


@app.get("/old/")
async def old():
    return RedirectResponse("/", status_code=307)


@app.get("/teapot/")
async def teapot():
    raise HTTPException(status_code=status.HTTP_418_IM_A_TEAPOT, detail={"reason": "short and stout"})


router = APIRouter(prefix="/users", tags=["users"])


@router.get("/")
async def read_users():
    return [{"username": "Rick"}, {"username": "Morty"}]


@router.get("/{username}")
async def read_user(username: str):
    return {"username": username}


app.include_router(router)


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    # FastAPI's "Use the RequestValidationError body" recipe: the errors plus the body received.
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=jsonable_encoder({"detail": exc.errors(), "body": exc.body}))
