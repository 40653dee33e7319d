"""FastAPI's "Bigger Applications - Multiple Files" and "Static Files" chapters, in one app.

Routers from several modules, a nested include, a router included with its settings given
at the include, an app mounted under /subapi (its own docs and exception handlers) and a
static directory under /static.
"""

from pathlib import Path

from fasterapi import APIRouter, FasterAPI, Request, Response
from fasterapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fasterapi.staticfiles import StaticFiles

from .internal import admin
from .routers import items, users

HERE = Path(__file__).parent

app = FasterAPI()

app.include_router(users.router)
app.include_router(items.router)
app.include_router(
    admin.router,
    prefix="/admin",
    tags=["admin"],
    responses={418: {"description": "I'm a teapot"}},
)

# A router of routers: v2 -> reports, with a default response class.
reports = APIRouter(prefix="/reports", tags=["reports"], default_response_class=PlainTextResponse)


@reports.get("/daily")
def daily_report():
    return "all quiet"


@reports.get("/page", response_class=HTMLResponse)
def report_page():
    return "<h1>Report</h1>"


v2 = APIRouter(prefix="/v2", tags=["v2"], deprecated=True)
v2.include_router(reports)
app.include_router(v2)


@app.get("/")
async def root():
    return {"message": "Hello Bigger Applications!"}


# url_for, redirects, and the injected Response.
@app.get("/links")
def links(request: Request):
    return {
        "item": str(request.url_for("read_item", item_id="gun")),
        "css": str(request.url_for("static", path="/css/site.css")),
        "sub": str(request.url_for("subapi:sub_hello")),
    }


@app.get("/go")
def go(request: Request):
    return RedirectResponse(str(request.url_for("read_item", item_id="plumbus")))


@app.get("/login")
def login(response: Response):
    response.set_cookie("session", "abc123", max_age=60, httponly=True)
    response.headers["x-login"] = "ok"
    response.status_code = 202
    return {"logged_in": True}


@app.get("/logout")
def logout(response: Response):
    response.delete_cookie("session")
    return {"logged_in": False}


@app.get("/whoami")
def whoami(request: Request):
    request.state.seen = True
    client = request.client
    return {"session": request.cookies.get("session"), "state": request.state.seen, "client_host": client.host if client else None}


# A whole app under /subapi: its own routes, exception handlers and docs.
subapi = FasterAPI(title="Sub API")


class Teapot(Exception):
    pass


@subapi.exception_handler(Teapot)
def teapot_handler(request: Request, exc: Teapot):
    return PlainTextResponse("short and stout", status_code=418)


@subapi.get("/sub")
def sub_hello():
    return {"message": "Hello World from sub API"}


@subapi.get("/teapot")
def sub_teapot():
    raise Teapot()


app.mount("/subapi", subapi, name="subapi")
app.mount("/static", StaticFiles(directory=HERE / "static", html=True), name="static")
