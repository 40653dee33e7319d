"""A FasterAPI app exercising the framework surface the integration tests need.

Served with: fasterapi run tests.apps.features:app --cores N --no-pin
"""

import asyncio
import enum
import uuid
from dataclasses import dataclass, field

from fasterapi import (
    FasterAPI,
    Header,
    HTMLResponse,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    Query,
    Request,
    Response,
)

app = FasterAPI()


class Color(str, enum.Enum):
    red = "red"
    green = "green"
    blue = "blue"


@dataclass
class Item:
    name: str
    price: float
    tags: list[str] = field(default_factory=list)


# --- which core am I on (for "the same core keeps serving") -------------------------------
@app.get("/core")
def which_core():
    from fasterapi import _native

    return {"core": _native.core_id()}


# --- path parameters -------------------------------------------------------------------
@app.get("/path/int/{v}")
def path_int(v: int):
    return {"v": v}


@app.get("/path/float/{v}")
def path_float(v: float):
    return {"v": v}


@app.get("/path/str/{v}")
def path_str(v: str):
    return {"v": v}


@app.get("/path/bool/{v}")
def path_bool(v: bool):
    return {"v": v}


@app.get("/path/uuid/{v}")
def path_uuid(v: uuid.UUID):
    # a UUID inside a dict: the native encoder refuses it, encode_fallback writes a string
    return {"v": v, "version": v.version}


@app.get("/path/enum/{color}")
def path_enum(color: Color):
    return {"v": color, "is_enum": isinstance(color, Color)}


@app.get("/path/two/{a}/sub/{b}")
def path_two(a: int, b: str):
    return {"a": a, "b": b}


@app.get("/files/{file_path:path}")
def path_tail(file_path: str):
    return {"file_path": file_path}


# --- query parameters ------------------------------------------------------------------
@app.get("/query/defaults")
def query_defaults(a: int = 1, b: str = "x", c: float = 0.5, flag: bool = False):
    return {"a": a, "b": b, "c": c, "flag": flag}


@app.get("/query/required")
def query_required(needed: int):
    return {"needed": needed}


@app.get("/query/optional")
def query_optional(q: str | None = None):
    return {"q": q}


@app.get("/query/list")
def query_list(ids: list[int] = Query(default=[])):
    return {"ids": ids}


@app.get("/query/mixed/{item_id}")
def query_mixed(item_id: int, q: str | None = None, limit: int = 10):
    return {"item_id": item_id, "q": q, "limit": limit}


# --- headers -----------------------------------------------------------------------------
@app.get("/header")
def header_param(x_token: str = Header(), user_agent: str | None = Header(default=None)):
    return {"x_token": x_token, "user_agent": user_agent}


# --- Request injection -------------------------------------------------------------------
@app.api_route("/request/info", methods=["GET", "POST"])
def request_info(request: Request):
    return {
        "method": request.method,
        "path": request.url.path,
        "x_test": request.headers.get("x-test"),
        "x_test_mixed_case": request.headers.get("X-Test"),
        "query": dict(request.query_params),
    }


@app.post("/request/async-body")
async def request_async_body(request: Request):
    body = await request.body()
    data = await request.json()
    return {"kind": "async", "len": len(body), "json": data}


@app.post("/request/sync-body")
def request_sync_body(request: Request):
    body = request.content
    data = request.json_body
    return {"kind": "sync", "len": len(body), "json": data}


@app.post("/echo")
def echo(request: Request):
    return Response(content=request.content, media_type="application/octet-stream")


# --- JSON bodies -------------------------------------------------------------------------
@app.post("/body/dict")
def body_dict(payload: dict):
    return {"got": payload}


@app.post("/body/dataclass")
def body_dataclass(item: Item):
    assert isinstance(item, Item)
    return item  # a dataclass: serialized through encode_fallback


@app.post("/created", status_code=201)
def created(payload: dict):
    return {"created": payload}


# --- errors ------------------------------------------------------------------------------
@app.get("/missing-item")
def missing_item():
    raise HTTPException(404, "Item not found", headers={"X-Error": "1"})


@app.get("/teapot")
def teapot():
    raise HTTPException(status_code=418, detail={"reason": "short and stout"})


@app.get("/error")
def error():
    raise ValueError("boom: this is a deliberate test error")


@app.get("/error-async")
async def error_async():
    await asyncio.sleep(0)
    raise ValueError("boom: deliberate async test error")


@app.get("/unserializable")
def unserializable():
    return {"obj": object()}


@app.get("/nan")
def nan():
    return {"v": float("nan")}


# --- response classes --------------------------------------------------------------------
@app.get("/resp/plain")
def resp_plain():
    return PlainTextResponse("plain text", status_code=203, headers={"X-Custom": "a"})


@app.get("/resp/html")
def resp_html():
    return HTMLResponse("<h1>héllo</h1>")


@app.get("/resp/json")
def resp_json():
    return JSONResponse({"a": 1, "b": [1, 2]}, status_code=202, headers={"X-J": "1"})


@app.get("/resp/raw")
def resp_raw():
    return Response(content=b"raw\x00bytes", status_code=418, media_type="application/x-custom",
                    headers={"X-R": "r"})


@app.get("/resp/empty")
def resp_empty():
    return Response(status_code=204)


@app.get("/resp/multi-header")
def resp_multi_header():
    r = PlainTextResponse("ok")
    r.raw_headers.append((b"set-cookie", b"a=1"))
    r.raw_headers.append((b"set-cookie", b"b=2"))
    return r


# --- plain return values -----------------------------------------------------------------
@app.get("/none")
def none():
    return None


@app.get("/bytes")
def return_bytes():
    return b"\x00\x01\x02binary\xff"


@app.get("/text")
def text():
    return "héllo wörld"


@app.get("/unicode-json")
def unicode_json():
    return {"msg": "héllo ✓ 日本"}


@app.get("/list")
def return_list():
    return [1, "two", 3.5, None, True, {"k": "v"}]


@app.get("/bigint")
def bigint():
    return {"v": 2**70}


@app.get("/enum-value")
def enum_value():
    return {"color": Color.green}


@app.get("/big")
def big(n: int = 1000000):
    return b"x" * n


@app.get("/async")
async def async_route(delay: float = 0.0):
    await asyncio.sleep(delay)
    return {"async": True}


# --- methods -----------------------------------------------------------------------------
@app.api_route("/multi", methods=["GET", "POST"])
def multi(request: Request):
    return {"method": request.method}


@app.put("/verbs")
def verbs_put():
    return {"method": "PUT"}


@app.patch("/verbs")
def verbs_patch():
    return {"method": "PATCH"}


@app.delete("/verbs")
def verbs_delete():
    return {"method": "DELETE"}


@app.options("/verbs")
def verbs_options():
    return {"method": "OPTIONS"}


@app.head("/verbs")
def verbs_head():
    return Response(headers={"X-Head": "explicit"})


# --- native parameter extraction vs Python -------------------------------------------------
# The same parameters twice: the first route qualifies for the bridge's native plan, the
# second does not (a Request parameter keeps it in Python). Answers must be identical.
@app.get("/twin/native/{i}")
def twin_native(i: int, f: float = 0.5, s: str = "d", o: int | None = None, r: float | None = None):
    return {"i": i, "f": f, "s": s, "o": o, "r": r}


@app.get("/twin/python/{i}")
def twin_python(request: Request, i: int, f: float = 0.5, s: str = "d", o: int | None = None, r: float | None = None):
    return {"i": i, "f": f, "s": s, "o": o, "r": r}


@app.get("/twin/native-raises/{i}")
def twin_native_raises(i: int):
    if i == 404:
        raise HTTPException(404, "no such twin", headers={"X-Twin": "native"})
    return {"i": i}
