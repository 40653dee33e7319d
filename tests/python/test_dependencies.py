"""Dependency injection against FastAPI: the same app sources, the same requests, the same
answers (status, JSON, headers) and the same side effects (``events``)."""

from __future__ import annotations

from typing import Annotated

import pytest

from deps_harness import Call, FakeRequest, assert_same, call_route

import fasterapi

TUTORIAL = '''
from typing import Annotated


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit


def query_extractor(q: str | None = None):
    return q


def query_or_cookie_extractor(q: Annotated[str, Depends(query_extractor)], last_query: Annotated[str | None, Cookie()] = None):
    if not q:
        return last_query
    return q


app = App()


@app.get("/items/")
async def read_items(commons: Annotated[dict, Depends(common_parameters)]):
    return commons


@app.get("/users/")
def read_users(commons: dict = Depends(common_parameters)):
    return commons


@app.get("/classes/")
def read_classes(commons: Annotated[CommonQueryParams, Depends()]):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/classes-default/")
def read_classes_default(commons: CommonQueryParams = Depends()):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/classes-explicit/")
def read_classes_explicit(commons=Depends(CommonQueryParams)):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/query/")
def read_query(query_or_default: Annotated[str, Depends(query_or_cookie_extractor)]):
    return {"q_or_cookie": query_or_default}
'''


def test_tutorial_dependencies_match_fastapi() -> None:
    assert_same(TUTORIAL, [
        Call.get("/items/"),
        Call.get("/items/?q=foo&skip=5&limit=3"),
        Call.get("/items/?limit=abc&skip=x"),
        Call.get("/users/?q=bar"),
        Call.get("/users/?skip=-1.5"),
        Call.get("/classes/?q=a&limit=2"),
        Call.get("/classes/?limit=no"),
        Call.get("/classes-explicit/?skip=3"),
        Call.get("/classes-default/?skip=4&q=z"),
        Call.get("/query/?q=x"),
        Call.get("/query/", cookie="last_query=from-cookie"),
        Call.get("/query/"),
    ])


DECORATORS = '''
from typing import Annotated

events = []


async def verify_token(x_token: Annotated[str, Header()]):
    events.append("token")
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


async def verify_key(x_key: Annotated[str, Header()]):
    events.append("key")
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key


def app_wide():
    events.append("app")


def router_wide():
    events.append("router")


def included():
    events.append("included")


app = App(dependencies=[Depends(app_wide)])
router = APIRouter(prefix="/r", dependencies=[Depends(router_wide)])


@app.get("/items/", dependencies=[Depends(verify_token), Depends(verify_key)])
async def read_items():
    events.append("endpoint")
    return [{"item": "Foo"}, {"item": "Bar"}]


@router.get("/things", dependencies=[Depends(verify_key)])
def things():
    events.append("endpoint")
    return {"ok": True}


app.include_router(router, dependencies=[Depends(included)])
'''


def test_decorator_router_and_app_dependencies_match_fastapi() -> None:
    good = {"x-token": "fake-super-secret-token", "x-key": "fake-super-secret-key"}
    assert_same(DECORATORS, [
        Call("GET", "/items/", good),
        Call("GET", "/items/", {**good, "x-token": "nope"}),
        Call("GET", "/items/", {**good, "x-key": "nope"}),
        Call("GET", "/items/"),
        Call("GET", "/r/things", {"x-key": "fake-super-secret-key"}),
        Call("GET", "/r/things", {"x-key": "bad"}),
        Call("GET", "/r/things"),
    ])


CACHE = '''
from typing import Annotated

events = []


def counted():
    events.append("counted")
    return len(events)


def first(value: Annotated[int, Depends(counted)]):
    return value


def second(value: Annotated[int, Depends(counted)], again: Annotated[int, Depends(counted, use_cache=False)]):
    return [value, again]


app = App()


@app.get("/cached")
def cached(a: Annotated[int, Depends(first)], b: Annotated[list, Depends(second)], c: Annotated[int, Depends(counted)]):
    return {"a": a, "b": b, "c": c}


@app.get("/uncached")
def uncached(a: Annotated[int, Depends(counted, use_cache=False)], b: Annotated[int, Depends(counted, use_cache=False)]):
    return {"a": a, "b": b}


@app.get("/mixed")
def mixed(a: Annotated[int, Depends(counted, use_cache=False)], b: Annotated[int, Depends(counted)]):
    return {"a": a, "b": b}
'''


def test_per_request_cache_matches_fastapi() -> None:
    assert_same(CACHE, [Call.get("/cached"), Call.get("/uncached"), Call.get("/mixed")])


ERRORS = '''
from typing import Annotated


class Item(BaseModel):
    name: str
    price: float


def paging(skip: int, limit: Annotated[int, Query(gt=0)] = 10):
    return {"skip": skip, "limit": limit}


def agent(user_agent: Annotated[str | None, Header()] = None, session: Annotated[str | None, Cookie()] = None):
    return {"agent": user_agent is not None, "session": session}


def item_id_checked(item_id: int):
    if item_id > 100:
        raise HTTPException(404, "Item not found", headers={"x-error": "too-big"})
    return item_id


def body_note(note: Annotated[str, Body()]):
    return note


app = App()


@app.get("/items/{item_id}")
def read(item_id: Annotated[int, Depends(item_id_checked)], page: Annotated[dict, Depends(paging)], q: int | None = None):
    return {"item_id": item_id, "page": page, "q": q}


@app.get("/agent")
def read_agent(info: Annotated[dict, Depends(agent)]):
    return info


@app.post("/items/{item_id}")
def write(item_id: Annotated[int, Depends(item_id_checked)], item: Item, note: Annotated[str, Depends(body_note)]):
    return {"item_id": item_id, "item": item, "note": note}


@app.post("/lone")
def lone(note: Annotated[str, Depends(body_note)]):
    return {"note": note}
'''


def test_dependency_parameters_and_errors_match_fastapi() -> None:
    assert_same(ERRORS, [
        Call.get("/items/5?skip=1"),
        Call.get("/items/5"),
        Call.get("/items/abc?skip=x&limit=0&q=y"),
        Call.get("/items/500?skip=1"),
        Call.get("/agent", cookie="session=abc"),
        Call.json("/items/3", {"item": {"name": "a", "price": 1}, "note": "n"}),
        Call.json("/items/3", {"item": {"name": "a"}}),
        Call.json("/items/3", {"name": "a", "price": 1}),
        Call.json("/items/x", {"item": {"name": "a", "price": "p"}, "note": 5}),
        Call.json("/lone", {"note": "hi"}),
        Call.json("/lone", "hi"),
        Call.json("/lone", {}),
        Call("POST", "/lone", {"content-type": "application/json"}, b"{bad"),
    ], header_names=("x-error",))


ASYNC_AND_REQUEST = '''
from typing import Annotated

events = []


async def async_user(request: Request, name: str = "anon"):
    request.state.user = name
    events.append("async_user")
    return name


def sync_role(user: Annotated[str, Depends(async_user)]):
    return "admin" if user == "root" else "user"


def from_state(request: Request):
    return request.state.user


app = App()


@app.get("/whoami")
def whoami(user: Annotated[str, Depends(async_user)], role: Annotated[str, Depends(sync_role)], seen: Annotated[str, Depends(from_state)]):
    events.append("endpoint")
    return {"user": user, "role": role, "seen": seen}


@app.get("/async-endpoint")
async def async_endpoint(role: Annotated[str, Depends(sync_role)]):
    return {"role": role}
'''


def test_async_dependencies_and_shared_request_match_fastapi() -> None:
    assert_same(ASYNC_AND_REQUEST, [
        Call.get("/whoami"),
        Call.get("/whoami?name=root"),
        Call.get("/async-endpoint?name=root"),
    ])


YIELD = '''
from typing import Annotated

events = []


class OwnerError(Exception):
    pass


def get_db():
    events.append("db open")
    try:
        yield "db"
    finally:
        events.append("db close")


async def get_async_session():
    events.append("session open")
    try:
        yield "session"
    except HTTPException as exc:
        events.append(f"session saw {exc.status_code}")
        raise
    finally:
        events.append("session close")


def get_username():
    try:
        yield "Rick"
    except OwnerError as e:
        events.append("owner error")
        raise HTTPException(status_code=400, detail=f"Owner error: {e}")


def swallowing():
    try:
        yield "x"
    except Exception:
        events.append("swallowed")


def nested(db: Annotated[str, Depends(get_db)]):
    events.append("nested open")
    yield db + "+nested"
    events.append("nested close")


app = App()


@app.get("/db")
def read_db(db: Annotated[str, Depends(nested)]):
    events.append("endpoint")
    return {"db": db}


@app.get("/session/{code}")
async def read_session(code: int, session: Annotated[str, Depends(get_async_session)], db: Annotated[str, Depends(get_db)]):
    events.append("endpoint")
    if code >= 400:
        raise HTTPException(code, "nope")
    return {"session": session, "db": db}


@app.get("/items/{item_id}")
def get_item(item_id: str, username: Annotated[str, Depends(get_username)]):
    if item_id == "plumbus" and username != "Rick":
        raise OwnerError(username)
    if item_id == "portal-gun":
        raise OwnerError("Rick owns it")
    return {"item_id": item_id, "owner": username}


@app.get("/swallow")
def swallow(x: Annotated[str, Depends(swallowing)]):
    raise HTTPException(418, "tea")


@app.get("/invalid")
def invalid(db: Annotated[str, Depends(get_db)], limit: int):
    return {"limit": limit}


def broken():
    raise RuntimeError("a bug in a dependency")


def failing_exit():
    events.append("enter")
    yield 1
    events.append("exit")
    raise ValueError("raised after the response was sent: logged")


@app.get("/failing-exit")
def read_failing_exit(x: Annotated[int, Depends(failing_exit)]):
    events.append("endpoint")
    return {"x": x}


@app.get("/broken")
def read_broken(db: Annotated[str, Depends(get_db)], b: Annotated[None, Depends(broken)]):
    return {"unreachable": True}
'''


def test_yield_dependencies_match_fastapi() -> None:
    assert_same(YIELD, [
        Call.get("/db"),
        Call.get("/session/200"),
        Call.get("/session/404"),
        Call.get("/items/portal-gun"),
        Call.get("/items/plumbus"),
        Call.get("/swallow"),
        Call.get("/invalid?limit=x"),
        Call.get("/invalid?limit=3"),
        Call.get("/broken"),
        Call.get("/failing-exit"),
    ])


SCOPES = '''
from typing import Annotated

events = []


def function_scoped():
    events.append("f open")
    yield "f"
    events.append("f close")


def request_scoped():
    events.append("r open")
    yield "r"
    events.append("r close")


app = App()


@app.get("/scoped")
def scoped(f: Annotated[str, Depends(function_scoped, scope="function")], r: Annotated[str, Depends(request_scoped)]):
    events.append("endpoint")
    return [f, r]
'''


def test_yield_scopes_match_fastapi() -> None:
    assert_same(SCOPES, [Call.get("/scoped")])


def test_function_scope_exit_runs_before_the_response_request_scope_after() -> None:
    from deps_harness import build

    module = build(SCOPES, "fasterapi")
    route = module.app._compile_routes()[0]
    sent: list = []

    import fasterapi._dependencies as deps
    import fasterapi.routing as routing

    original = routing.after_send
    routing.after_send = lambda req, callback: sent.append(callback)
    try:
        answer = route.handler(FakeRequest(path="/scoped"))
    finally:
        routing.after_send = original
    assert answer == ["f", "r"]
    # The function-scoped exit already ran; the request-scoped one waits for the send.
    assert module.events == ["f open", "r open", "endpoint", "f close"]
    assert len(sent) == 1
    sent[0]()
    assert module.events[-1] == "r close"
    assert deps  # imported for the monkeypatch target's module


def test_request_scope_cannot_depend_on_function_scope() -> None:
    app = fasterapi.FasterAPI()

    def inner():
        yield 1

    def outer(x: int = fasterapi.Depends(inner, scope="function")):
        yield x

    @app.get("/")
    def endpoint(y: int = fasterapi.Depends(outer)):
        return y

    with pytest.raises(TypeError, match='has a scope of "request", it cannot depend on dependencies with scope "function"'):
        app._compile_routes()


OVERRIDES = '''
from typing import Annotated


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


def override_dependency(q: str | None = None):
    return {"q": q, "skip": 5, "limit": 10}


app = App()


@app.get("/items/")
async def read_items(commons: Annotated[dict, Depends(common_parameters)]):
    return {"message": "Hello Items!", "params": commons}
'''


def test_dependency_overrides_match_fastapi() -> None:
    def prepare(module):
        module.app.dependency_overrides[module.common_parameters] = module.override_dependency

    assert_same(OVERRIDES, [Call.get("/items/?q=foo&skip=100&limit=200"), Call.get("/items/")], prepare=prepare)


def test_plain_sync_tree_gives_a_sync_handler() -> None:
    """Sync dependencies keep the route on the sync path (no coroutine per request)."""
    app = fasterapi.FasterAPI()

    def a():
        return 1

    def b(x: int = fasterapi.Depends(a)):
        return x + 1

    @app.get("/")
    def endpoint(y: int = fasterapi.Depends(b)):
        return {"y": y}

    (route,) = [r for r in app._compile_routes() if r.path == "/"]
    assert route.is_async is False
    assert route.handler(FakeRequest()) == {"y": 2}


def test_async_dependency_makes_the_route_async() -> None:
    app = fasterapi.FasterAPI()

    async def a():
        return 1

    @app.get("/")
    def endpoint(y: int = fasterapi.Depends(a)):
        return {"y": y}

    (route,) = [r for r in app._compile_routes() if r.path == "/"]
    assert route.is_async is True
    assert call_route(app, "GET", "/") == {"y": 1}


def test_bad_dependency_declarations_name_the_route() -> None:
    app = fasterapi.FasterAPI()

    @app.get("/x")
    def endpoint(y=fasterapi.Depends()):
        return y

    with pytest.raises(TypeError, match=r"route GET /x .*Depends\(\) without a dependency"):
        app._compile_routes()

    app = fasterapi.FasterAPI()
    app.get("/y", dependencies=["not a marker"])(lambda: 1)
    with pytest.raises(TypeError, match="takes Depends"):
        app._compile_routes()


def test_dependency_overrides_count_their_changes() -> None:
    """A client that compiled the routes can tell the overrides changed since."""
    app = fasterapi.FasterAPI()

    def real():
        return "real"

    def fake():
        return "fake"

    @app.get("/")
    def endpoint(v: str = fasterapi.Depends(real)):
        return {"v": v}

    compiled_at = app.dependency_overrides.version
    assert call_route(app, "GET", "/") == {"v": "real"}
    app.dependency_overrides[real] = fake
    assert app.dependency_overrides.version != compiled_at
    assert call_route(app, "GET", "/") == {"v": "fake"}
    seen = app.dependency_overrides.version
    app.dependency_overrides.clear()
    assert app.dependency_overrides.version != seen
    assert call_route(app, "GET", "/") == {"v": "real"}


@pytest.mark.parametrize("source", [TUTORIAL, DECORATORS, CACHE, ERRORS, ASYNC_AND_REQUEST, YIELD, SCOPES],
                         ids=["tutorial", "decorators", "cache", "errors", "async", "yield", "scopes"])
def test_openapi_with_dependencies_matches_fastapi(source: str) -> None:
    """The parameters a route's dependencies read are the operation's, as FastAPI lists them."""
    from deps_harness import build
    from test_openapi_fastapi import differences

    expected = build(source, "fastapi").app.openapi()
    actual = build(source, "fasterapi").app.openapi()
    expected["info"] = actual["info"]  # the default titles differ ("FastAPI" / "FasterAPI")
    found = differences(expected, actual)
    assert not found, "OpenAPI documents differ:\n" + "\n".join(found[:40])


def test_batch_endpoints_refuse_dependencies() -> None:
    def authenticate():
        return None

    app = fasterapi.FasterAPI(dependencies=[fasterapi.Depends(authenticate)])

    @app.batch("/b")
    def batch(requests):
        return [1 for _ in requests]

    with pytest.raises(TypeError, match="batch endpoint cannot have dependencies"):
        app._compile_routes()


def test_markers_refuse_bad_arguments() -> None:
    with pytest.raises(TypeError, match="takes a callable"):
        fasterapi.Depends(5)
    with pytest.raises(ValueError, match="scope"):
        fasterapi.Depends(lambda: 1, scope="session")
    assert fasterapi.Security(lambda: 1, scopes=("a", "b")).scopes == ["a", "b"]

    app = fasterapi.FasterAPI()

    @app.get("/")
    def endpoint(x: Annotated[int, fasterapi.Depends(_one), fasterapi.Query()]):
        return x

    with pytest.raises(TypeError, match=r"route GET / .*cannot combine Depends\(\) with a parameter marker"):
        app._compile_routes()


def _one() -> int:
    return 1


STRAIGHT = '''
from typing import Annotated

events = []


def audit(request: Request):
    events.append(("audit", request.url.path))


def user(request: Request):
    return request.headers.get("x-user", "anon")


def profile(name: Annotated[str, Depends(user)]):
    events.append(("profile", name))
    return {"name": name}


def no_arguments():
    events.append("no arguments")


def seven():
    return 7


app = App()


@app.get("/straight/{item_id}", dependencies=[Depends(audit), Depends(no_arguments)])
def straight(item_id: int, who: Annotated[dict, Depends(profile)], seven: Annotated[int, Depends(seven)], q: int | None = None):
    events.append("endpoint")
    return {"item_id": item_id, "who": who, "seven": seven, "q": q}
'''


def test_plain_dependency_trees_match_fastapi() -> None:
    """Trees compiled to straight-line calls: dependencies run in FastAPI's order, also when
    the endpoint's own parameters then fail validation."""
    assert_same(STRAIGHT, [
        Call.get("/straight/3?q=4", x_user="ann"),
        Call.get("/straight/x?q=y"),
        Call.get("/straight/5"),
    ])
    # This tree is the generated kind (the closures would answer the same, slower).
    from deps_harness import build
    from fasterapi._dependency_solver import compile_solver

    route = build(STRAIGHT, "fasterapi").app.routes[0]
    solver = compile_solver(route.dependant(), lambda specs: None)
    assert solver.solve.__code__.co_filename == "<fasterapi dependencies>"
