"""The app of the issue-8 benchmarks (scripts/bench-app), written once for both libraries.

The source is exec'd with FasterAPI (``load("fasterapi")``) or FastAPI (``load("fastapi")``),
so both serve exactly the same declarations:

- ``GET /json``: the reference;
- ``GET /users/me``: two nested dependencies on top of ``OAuth2PasswordBearer`` (the token
  is read from ``Authorization: Bearer``, looked up, the user checked active), the shape of
  FastAPI's security tutorial;
- with ``middleware=True``, ``CORSMiddleware`` and ``GZipMiddleware`` installed on the app.

Standard library only besides the framework: the FasterAPI side runs inside the server's
own-GIL sub-interpreters.
"""

from __future__ import annotations

import sys
import types

LIBRARIES = ("fasterapi", "fastapi")
TOKEN = "tok-alice"

APP_SOURCE = '''
from {library} import {app_class} as App, Depends, HTTPException
from {library}.middleware.cors import CORSMiddleware
from {library}.middleware.gzip import GZipMiddleware
from {library}.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

USERS = {{
    "{token}": {{"username": "alice", "full_name": "Alice Liddell", "email": "alice@example.com", "disabled": False}},
    "tok-bob": {{"username": "bob", "full_name": "Bob", "email": "bob@example.com", "disabled": True}},
}}


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid authentication credentials",
                            headers={{"WWW-Authenticate": "Bearer"}})
    return user


def get_current_active_user(current_user: dict = Depends(get_current_user)) -> dict:
    if current_user["disabled"]:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


app = App()
if {middleware}:
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"], allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(GZipMiddleware, minimum_size=1000)


@app.get("/json")
def json_hello():
    return {{"message": "Hello, World!"}}


@app.get("/users/me")
def read_users_me(current_user: dict = Depends(get_current_active_user)):
    return current_user
'''


def load(library: str, *, middleware: bool = False) -> types.ModuleType:
    """The app module built with ``library`` (registered in ``sys.modules``)."""
    if library not in LIBRARIES:
        raise ValueError(f"library must be one of {LIBRARIES}, got {library!r}")
    name = f"benches._app_source_{library}{'_middleware' if middleware else ''}"
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        sys.modules[name] = module
        source = APP_SOURCE.format(library=library, app_class="FasterAPI" if library == "fasterapi" else "FastAPI",
                                   token=TOKEN, middleware=middleware)
        try:
            exec(compile(source, f"<bench app: {library}>", "exec"), module.__dict__)
        except BaseException:
            del sys.modules[name]
            raise
    return module
