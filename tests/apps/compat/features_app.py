"""Issue 8's features in one unchanged FastAPI app, written as FastAPI's docs teach them:
dependencies (nested, cached, with yield, classes, on a router and on the app), security
(OAuth2 password bearer with JWTs, HTTP Basic, an API key header), middleware (an
``@app.middleware("http")`` function, CORS, GZip), exception handlers (a custom class, a
status code, RequestValidationError), background tasks and lifespan state.

Served unchanged by FastAPI on uvicorn and by ``fasterapi run --compat``
(tests/integration/test_compat_differential.py compares their answers). Everything here must
answer the same on any core and on every run, so:

- JWTs carry a fixed expiry (a token minted by either server is the same string);
- background tasks write files into ``$COMPAT_NOTES_DIR`` (one directory per server), which
  every core sees, instead of module state, which each core's interpreter has its own copy of;
- the JWT is HS256 from the standard library (as tests/apps/deps_security.py), so the app runs
  in FasterAPI's sub-interpreters.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Header, HTTPException, Request, Security, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import (
    APIKeyHeader,
    HTTPBasic,
    HTTPBasicCredentials,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    SecurityScopes,
)
from pydantic import BaseModel

NOTES_DIR = os.environ.get("COMPAT_NOTES_DIR", "")

# -- lifespan ----------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield {"greeting": "hello from the lifespan", "model": {"answer": 42}}


# -- app-wide dependency: applies to every route -------------------------------------------------


async def refuse_blocked_clients(x_client: Annotated[str | None, Header()] = None):
    if x_client == "blocked":
        raise HTTPException(status_code=403, detail="Client blocked")


app = FastAPI(title="Compat features", lifespan=lifespan, dependencies=[Depends(refuse_blocked_clients)])

# -- middleware (the last added runs first: CORS sees the request before GZip) ---------------------


@app.middleware("http")
async def add_served_by(request: Request, call_next):
    if request.url.path == "/middleware/short-circuit":
        return JSONResponse({"answered": "by middleware"}, status_code=418)
    response = await call_next(request)
    response.headers["X-Served-By"] = "middleware"
    response.headers["X-Seen-Status"] = str(response.status_code)
    return response


app.add_middleware(GZipMiddleware, minimum_size=200)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://allowed.example", "http://localhost:8080"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["X-Token", "Authorization"],
    expose_headers=["X-Served-By"],
)

# -- exception handlers ---------------------------------------------------------------------------


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."})


@app.exception_handler(404)
async def not_found_handler(request: Request, exc: HTTPException):
    return JSONResponse({"missing": request.url.path, "detail": exc.detail}, status_code=404, headers={"X-Not-Found": "handled"})


@app.exception_handler(RequestValidationError)
async def validation_handler(request: Request, exc: RequestValidationError):
    response = await request_validation_exception_handler(request, exc)
    response.headers["X-Validation"] = str(len(exc.errors()))
    return response


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    if name == "hidden":
        raise HTTPException(status_code=404, detail="Unicorn not found")
    return {"unicorn_name": name}


@app.get("/plain-error")
def plain_error():
    raise HTTPException(status_code=409, detail={"reason": "conflict", "codes": [1, 2]}, headers={"X-Conflict": "yes"})


# -- dependencies ---------------------------------------------------------------------------------


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit


fake_items_db = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]


@app.get("/items/")
async def read_items(commons: Annotated[dict, Depends(common_parameters)]):
    return commons


@app.get("/class-items/")
def read_class_items(commons: Annotated[CommonQueryParams, Depends()]):
    response = {}
    if commons.q:
        response.update({"q": commons.q})
    response.update({"items": fake_items_db[commons.skip : commons.skip + commons.limit]})
    return response


def query_extractor(q: str | None = None):
    return q


def query_or_cookie_extractor(q: Annotated[str | None, Depends(query_extractor)], last_query: Annotated[str | None, Header()] = None):
    if not q:
        return last_query
    return q


@app.get("/nested/")
def read_nested(query_or_default: Annotated[str | None, Depends(query_or_cookie_extractor)]):
    return {"q_or_header": query_or_default}


def counted(request: Request) -> int:
    # Cached per request: every use in one request sees the same call, unless use_cache=False.
    request.state.calls = getattr(request.state, "calls", 0) + 1
    return request.state.calls


def needs_counted(first: Annotated[int, Depends(counted)]) -> int:
    return first


@app.get("/cached/")
def read_cached(
    request: Request,
    a: Annotated[int, Depends(counted)],
    b: Annotated[int, Depends(needs_counted)],
    c: Annotated[int, Depends(counted, use_cache=False)],
):
    return {"a": a, "b": b, "c": c, "calls": request.state.calls}


class OwnerError(Exception):
    pass


async def get_session(x_session: Annotated[str | None, Header()] = None):
    session = {"session": x_session or "anonymous", "open": True}
    try:
        yield session
    except OwnerError as exc:
        raise HTTPException(status_code=400, detail=f"Owner error: {exc}") from None
    finally:
        session["open"] = False


@app.get("/sessions/{name}")
def read_session(name: str, session: Annotated[dict, Depends(get_session)]):
    if name == "plumbus":
        raise OwnerError("Rick")
    if name == "missing":
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": name, "session": dict(session)}


async def verify_token(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key


router = APIRouter(prefix="/guarded", tags=["guarded"], dependencies=[Depends(verify_token)])


@router.get("/items/", dependencies=[Depends(verify_key)])
async def read_guarded_items():
    return [{"item": "Foo"}, {"item": "Bar"}]


@router.get("/open/")
async def read_guarded_open():
    return {"guarded": "by the token only"}


app.include_router(router)

# -- security -------------------------------------------------------------------------------------

SECRET_KEY = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
# Fixed, far in the future: both servers mint the same token for the same login.
TOKEN_EXPIRES = 4102444800


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(claims: dict) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(SECRET_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_jwt(token: str) -> dict | None:
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(SECRET_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def hash_password(password: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), b"tutorial-salt", 1000).hex()


fake_users_db = {
    "johndoe": {"username": "johndoe", "full_name": "John Doe", "hashed_password": hash_password("secret"),
                "disabled": False, "scopes": ["me", "items"]},
    "alice": {"username": "alice", "full_name": "Alice Wonderson", "hashed_password": hash_password("secret2"),
              "disabled": True, "scopes": ["me"]},
}


class Token(BaseModel):
    access_token: str
    token_type: str


class User(BaseModel):
    username: str
    full_name: str | None = None
    disabled: bool | None = None


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read the current user.", "items": "Read items."})


@app.post("/token")
def login_for_access_token(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = fake_users_db.get(form_data.username)
    if not user or not hmac.compare_digest(hash_password(form_data.password), user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password", headers={"WWW-Authenticate": "Bearer"})
    granted = [s for s in form_data.scopes if s in user["scopes"]]
    return Token(access_token=encode_jwt({"sub": user["username"], "scopes": granted, "exp": TOKEN_EXPIRES}), token_type="bearer")


def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    authenticate_value = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"
    claims = decode_jwt(token)
    if claims is None or claims.get("sub") not in fake_users_db:
        raise HTTPException(status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": authenticate_value})
    for scope in security_scopes.scopes:
        if scope not in claims.get("scopes", []):
            raise HTTPException(status_code=401, detail="Not enough permissions", headers={"WWW-Authenticate": authenticate_value})
    return User(**fake_users_db[claims["sub"]])


def get_current_active_user(current_user: Annotated[User, Security(get_current_user, scopes=["me"])]) -> User:
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


@app.get("/users/me")
def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return current_user


@app.get("/users/me/items/")
def read_own_items(current_user: Annotated[User, Security(get_current_active_user, scopes=["items"])]):
    return [{"item_id": "Foo", "owner": current_user.username}]


basic = HTTPBasic()


@app.get("/basic/me")
def read_basic_user(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    good_user = secrets.compare_digest(credentials.username.encode(), b"stanleyjobson")
    good_password = secrets.compare_digest(credentials.password.encode(), b"swordfish")
    if not (good_user and good_password):
        raise HTTPException(status_code=401, detail="Incorrect username or password", headers={"WWW-Authenticate": "Basic"})
    return {"username": credentials.username}


api_key_header = APIKeyHeader(name="X-API-Key")
optional_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


@app.get("/api-key/")
async def read_with_api_key(key: Annotated[str, Security(api_key_header)]):
    return {"key": key}


@app.get("/api-key/optional")
async def read_with_optional_api_key(key: Annotated[str | None, Security(optional_api_key)]):
    return {"key": key}


# -- background tasks and lifespan state -----------------------------------------------------------


def write_note(name: str, text: str) -> None:
    # Written aside, then renamed: a reader sees no note or the whole note, never half of one.
    path = os.path.join(NOTES_DIR, f"note-{name}")
    with open(f"{path}.{os.getpid()}.{id(text)}.tmp", "w") as f:
        f.write(text)
    os.replace(f.name, path)


async def write_note_async(name: str, text: str) -> None:
    await asyncio.sleep(0)
    write_note(name, text.upper())


@app.post("/notes/{name}", status_code=202)
async def add_note(name: str, text: str, background_tasks: BackgroundTasks, asynchronous: bool = False):
    background_tasks.add_task(write_note_async if asynchronous else write_note, name, text)
    return {"queued": name}


@app.get("/notes/{name}")
async def read_note(name: str):
    # The task runs after its response was sent: give it a moment to have run (on any core).
    path = os.path.join(NOTES_DIR, f"note-{name}")
    for _ in range(500):
        if os.path.exists(path):
            with open(path) as f:
                return {"name": name, "text": f.read()}
        await asyncio.sleep(0.01)
    raise HTTPException(status_code=404, detail="Note not written")


@app.get("/state")
def read_state(request: Request):
    return {"greeting": request.state.greeting, "answer": request.state.model["answer"]}


# -- bodies big enough for GZip ------------------------------------------------------------------


@app.get("/large")
def large(n: int = 100):
    return {"numbers": list(range(n))}


@app.get("/large-text", response_class=PlainTextResponse)
def large_text(n: int = 100):
    return "word " * n


class Echo(BaseModel):
    name: str
    count: int = 1


@app.post("/echo")
async def echo(payload: Echo):
    return {"echo": [payload.name] * payload.count}
