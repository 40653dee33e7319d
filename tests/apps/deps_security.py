"""FastAPI's tutorial chapters "Dependencies" and "Security" (OAuth2 with password and bearer
tokens, JWT), written for FasterAPI. The JWTs are HS256, made with the standard library only
(hmac, hashlib, base64, json) and passwords are PBKDF2 hashes, so the app runs in the cores'
sub-interpreters. tests/integration/test_dependencies.py serves it and compares every answer
with FastAPI's for the same source (the imports turned back into FastAPI's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Annotated

from fasterapi import Cookie, Depends, FasterAPI, Header, HTTPException, Request, Security, status
from fasterapi import BaseModel
from fasterapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes

# -- JWT, HS256, stdlib only ------------------------------------------------------------------

SECRET_KEY = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
ACCESS_TOKEN_EXPIRE_SECONDS = 30 * 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class InvalidToken(Exception):
    pass


def encode_jwt(claims: dict) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(SECRET_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def decode_jwt(token: str) -> dict:
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(SECRET_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise InvalidToken("bad signature")
        if json.loads(_unb64(header)).get("alg") != "HS256":
            raise InvalidToken("bad algorithm")
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError) as exc:  # wrong shape, bad base64, bad JSON
        raise InvalidToken(str(exc)) from None
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        raise InvalidToken("expired")
    return claims


def hash_password(password: str, salt: bytes = b"tutorial-salt") -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000).hex()


def verify_password(plain_password: str, hashed_password: str) -> bool:
    return hmac.compare_digest(hash_password(plain_password), hashed_password)


# -- users --------------------------------------------------------------------------------------

fake_users_db = {
    "johndoe": {
        "username": "johndoe",
        "full_name": "John Doe",
        "email": "johndoe@example.com",
        "hashed_password": hash_password("secret"),
        "disabled": False,
        "scopes": ["me", "items"],
    },
    "alice": {
        "username": "alice",
        "full_name": "Alice Wonderson",
        "email": "alice@example.com",
        "hashed_password": hash_password("secret2"),
        "disabled": True,
        "scopes": ["me"],
    },
}


class Token(BaseModel):
    access_token: str
    token_type: str


class User(BaseModel):
    username: str
    email: str | None = None
    full_name: str | None = None
    disabled: bool | None = None


class UserInDB(User):
    hashed_password: str


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read information about the current user.", "items": "Read items."})

app = FasterAPI(title="Dependencies and security")


def get_user(username: str) -> UserInDB | None:
    if username in fake_users_db:
        return UserInDB(**fake_users_db[username])
    return None


def authenticate_user(username: str, password: str) -> UserInDB | None:
    user = get_user(username)
    if not user or not verify_password(password, user.hashed_password):
        return None
    return user


def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    authenticate_value = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"
    credentials_exception = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": authenticate_value},
    )
    try:
        claims = decode_jwt(token)
    except InvalidToken:
        raise credentials_exception from None
    user = get_user(claims.get("sub", ""))
    if user is None:
        raise credentials_exception
    for scope in security_scopes.scopes:
        if scope not in claims.get("scopes", []):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": authenticate_value},
            )
    return user


def get_current_active_user(current_user: Annotated[User, Security(get_current_user, scopes=["me"])]) -> User:
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


@app.post("/token")
def login_for_access_token(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = authenticate_user(form_data.username, form_data.password)
    if not user:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    granted = [s for s in form_data.scopes if s in fake_users_db[user.username]["scopes"]]
    claims = {"sub": user.username, "scopes": granted, "exp": int(time.time()) + ACCESS_TOKEN_EXPIRE_SECONDS}
    return Token(access_token=encode_jwt(claims), token_type="bearer")


@app.get("/users/me/")
def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return current_user


@app.get("/users/me/items/")
def read_own_items(current_user: Annotated[User, Security(get_current_active_user, scopes=["items"])]):
    return [{"item_id": "Foo", "owner": current_user.username}]


@app.get("/status/")
def read_system_status(current_user: Annotated[User, Depends(get_current_user)]):
    return {"status": "ok"}


# -- the dependencies chapter -------------------------------------------------------------------


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


def query_or_cookie_extractor(q: Annotated[str, Depends(query_extractor)], last_query: Annotated[str | None, Cookie()] = None):
    if not q:
        return last_query
    return q


@app.get("/query/")
def read_query(query_or_default: Annotated[str, Depends(query_or_cookie_extractor)]):
    return {"q_or_cookie": query_or_default}


async def verify_token(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key


@app.get("/guarded-items/", dependencies=[Depends(verify_token), Depends(verify_key)])
async def read_guarded_items():
    return [{"item": "Foo"}, {"item": "Bar"}]


# -- dependencies with yield: what they did is kept per interpreter (per core) -----------------

db_log: list[str] = []


class OwnerError(Exception):
    pass


def get_db(request: Request):
    tag = request.headers.get("x-request-tag", "-")
    db_log.append(f"open {tag}")
    try:
        yield {"session": tag}
    except OwnerError as exc:
        db_log.append(f"owner error {tag}")
        raise HTTPException(status_code=400, detail=f"Owner error: {exc}") from None
    finally:
        db_log.append(f"close {tag}")


@app.get("/db/{name}")
def read_db(name: str, db: Annotated[dict, Depends(get_db)]):
    if name == "plumbus":
        raise OwnerError("Rick")
    if name == "missing":
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": name, "db": db}


@app.get("/db-log")
def read_db_log():
    """What ``get_db`` did on this core so far (a keep-alive connection stays on one core)."""
    return list(db_log)


async def get_async_db(request: Request):
    tag = request.headers.get("x-request-tag", "-")
    db_log.append(f"async open {tag}")
    try:
        yield {"session": tag}
    finally:
        db_log.append(f"async close {tag}")


@app.get("/async-db/{name}")
async def read_async_db(name: str, db: Annotated[dict, Depends(get_async_db)]):
    if name == "missing":
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": name, "db": db}
