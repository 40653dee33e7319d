"""Security schemes against FastAPI: the same answers (status, JSON, ``WWW-Authenticate``) for
missing, malformed and good credentials, scopes, the OAuth2 password form, and the same
OpenAPI document."""

from __future__ import annotations

import base64

from deps_harness import Call, assert_same, build
from test_openapi_fastapi import differences


def basic(value: str) -> str:
    return "Basic " + base64.b64encode(value.encode()).decode()


SCHEMES = '''
from typing import Annotated

basic = HTTPBasic()
basic_realm = HTTPBasic(realm="simple", scheme_name="RealmBasic", description="with a realm")
basic_optional = HTTPBasic(auto_error=False, scheme_name="OptionalBasic")
bearer = HTTPBearer(bearerFormat="JWT")
bearer_optional = HTTPBearer(auto_error=False, scheme_name="OptionalBearer")
digest = HTTPDigest()
password = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read me", "items": "Read items"})
password_optional = OAuth2PasswordBearer(tokenUrl="token", auto_error=False, scheme_name="OptionalPassword")
code = OAuth2AuthorizationCodeBearer(authorizationUrl="authorize", tokenUrl="token", refreshUrl="refresh")
key_header = APIKeyHeader(name="X-API-Key", description="a key")
key_query = APIKeyQuery(name="api_key")
key_cookie = APIKeyCookie(name="session", auto_error=False)
openid = OpenIdConnect(openIdConnectUrl="https://example.com/.well-known/openid-configuration", description="OIDC")

app = App(title="Security")


@app.get("/basic")
def read_basic(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    return {"username": credentials.username, "password": credentials.password}


@app.get("/basic-realm")
def read_basic_realm(credentials: Annotated[HTTPBasicCredentials, Depends(basic_realm)]):
    return {"username": credentials.username}


@app.get("/basic-optional")
def read_basic_optional(credentials: Annotated[HTTPBasicCredentials | None, Depends(basic_optional)]):
    return {"credentials": None if credentials is None else credentials.username}


@app.get("/bearer")
def read_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/bearer-optional")
def read_bearer_optional(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_optional)]):
    return {"credentials": None if credentials is None else credentials.credentials}


@app.get("/digest")
def read_digest(credentials: Annotated[HTTPAuthorizationCredentials, Depends(digest)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/password")
def read_password(token: Annotated[str, Depends(password)]):
    return {"token": token}


@app.get("/password-optional")
def read_password_optional(token: Annotated[str | None, Depends(password_optional)]):
    return {"token": token}


@app.get("/code")
async def read_code(token: Annotated[str, Depends(code)]):
    return {"token": token}


@app.get("/openid")
def read_openid(authorization: Annotated[str, Depends(openid)]):
    return {"authorization": authorization}


@app.get("/keys")
def read_keys(
    header: Annotated[str, Depends(key_header)],
    query: Annotated[str, Depends(key_query)],
    cookie: Annotated[str | None, Depends(key_cookie)],
):
    return {"header": header, "query": query, "cookie": cookie}
'''


def test_http_schemes_match_fastapi() -> None:
    calls = []
    for path in ("/basic", "/basic-realm", "/basic-optional"):
        for authorization in (None, "", "Basic", basic("alice:secret"), basic("alice"), basic("al:ice:x"), "Basic !!!notbase64",
                              "Basic " + base64.b64encode("é:x".encode()).decode(), "Bearer abc", basic(":")):
            calls.append(Call("GET", path, {} if authorization is None else {"authorization": authorization}))
    for path in ("/bearer", "/bearer-optional", "/digest"):
        for authorization in (None, "Bearer", "Bearer abc", "bearer abc ", "Digest xyz", "Basic abc", "Bearer  "):
            calls.append(Call("GET", path, {} if authorization is None else {"authorization": authorization}))
    assert_same(SCHEMES, calls)


def test_oauth2_and_api_key_schemes_match_fastapi() -> None:
    calls = []
    for path in ("/password", "/password-optional", "/code", "/openid"):
        for authorization in (None, "Bearer", "Bearer tok", "BEARER tok", "Basic tok", "tok"):
            calls.append(Call("GET", path, {} if authorization is None else {"authorization": authorization}))
    for headers in ({}, {"x-api-key": "h"}, {"x-api-key": ""}, {"x-api-key": "h", "cookie": "session=c"}):
        for query in ("", "?api_key=q", "?api_key="):
            calls.append(Call("GET", "/keys" + query, headers))
    assert_same(SCHEMES, calls)


def test_security_openapi_matches_fastapi() -> None:
    expected = build(SCHEMES, "fastapi").app.openapi()
    actual = build(SCHEMES, "fasterapi").app.openapi()
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])


SCOPES = '''
from typing import Annotated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read me", "items": "Read items"})


def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]):
    granted = token.split(",")
    for scope in security_scopes.scopes:
        if scope not in granted:
            raise HTTPException(
                status_code=401,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
            )
    return {"token": token, "required": security_scopes.scopes}


def get_current_active_user(current_user: Annotated[dict, Security(get_current_user, scopes=["me"])]):
    return current_user


app = App(title="Security")


@app.get("/users/me/items/")
def read_own_items(current_user: Annotated[dict, Security(get_current_active_user, scopes=["items"])]):
    return current_user


@app.get("/users/me/")
def read_users_me(current_user: Annotated[dict, Depends(get_current_active_user)]):
    return current_user


@app.get("/status/", dependencies=[Security(get_current_user, scopes=["status"])])
def read_status(scopes: SecurityScopes):
    return {"status": "ok", "endpoint_scopes": scopes.scopes}
'''


def test_security_scopes_match_fastapi() -> None:
    calls = [Call("GET", path, {} if token is None else {"authorization": f"Bearer {token}"})
             for path in ("/users/me/items/", "/users/me/", "/status/")
             for token in (None, "me", "me,items", "items", "status", "me,status")]
    assert_same(SCOPES, calls)
    expected = build(SCOPES, "fastapi").app.openapi()
    actual = build(SCOPES, "fasterapi").app.openapi()
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])


PASSWORD_FORM = '''
from typing import Annotated

app = App(title="Security")


@app.post("/token")
def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return {"username": form_data.username, "password": form_data.password, "scopes": form_data.scopes,
            "grant_type": form_data.grant_type, "client_id": form_data.client_id, "client_secret": form_data.client_secret}


@app.post("/token-strict")
def login_strict(form_data: Annotated[OAuth2PasswordRequestFormStrict, Depends()]):
    return {"username": form_data.username, "grant_type": form_data.grant_type}
'''


def test_password_request_form_matches_fastapi() -> None:
    calls = []
    for path in ("/token", "/token-strict"):
        for fields in ({"username": "a", "password": "b"},
                       {"username": "a", "password": "b", "grant_type": "password", "scope": "me items", "client_id": "c", "client_secret": "s"},
                       {"username": "a", "password": "b", "grant_type": "other"},
                       {"username": "a"},
                       {}):
            calls.append(Call.form(path, fields))
        calls.append(Call.json(path, {"username": "a", "password": "b"}))
    assert_same(PASSWORD_FORM, calls)
    expected = build(PASSWORD_FORM, "fastapi").app.openapi()
    actual = build(PASSWORD_FORM, "fasterapi").app.openapi()
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])
