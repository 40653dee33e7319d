"""Tutorial: Middleware (``@app.middleware("http")``), a BaseHTTPMiddleware subclass, a
middleware that replaces the body, one that fails, and a 404 exception handler — with CORS
installed too, so native layers and Python middleware meet."""

import time

from fasterapi import FasterAPI, HTTPException, Request
from fasterapi.middleware.base import BaseHTTPMiddleware
from fasterapi.middleware.cors import CORSMiddleware
from fasterapi.responses import JSONResponse, Response, StreamingResponse

app = FasterAPI()


class CustomHeaderMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, header_value: str):
        super().__init__(app)
        self.header_value = header_value

    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers["X-Custom"] = self.header_value
        return response


app.add_middleware(CustomHeaderMiddleware, header_value="custom")


@app.middleware("http")
async def add_process_time_header(request: Request, call_next):
    start_time = time.perf_counter()
    response = await call_next(request)
    process_time = time.perf_counter() - start_time
    response.headers["X-Process-Time"] = str(process_time)
    return response


@app.middleware("http")
async def rewrite(request: Request, call_next):
    if request.url.path == "/fail":
        raise RuntimeError("middleware failed")
    if request.url.path == "/short-circuit":
        return JSONResponse({"answered": "by middleware"}, status_code=418)
    if request.method == "POST" and request.url.path == "/echo":
        # The body read here is still the endpoint's.
        keys = ",".join(sorted(await request.json()))
        response = await call_next(request)
        response.headers["X-Body-Keys"] = keys
        return response
    response = await call_next(request)
    if request.url.path == "/replace":
        body = b""
        async for chunk in response.body_iterator:
            body += chunk
        return Response(content=body.upper(), status_code=response.status_code, media_type="text/plain")
    response.headers["X-Seen-Status"] = str(response.status_code)
    return response


app.add_middleware(CORSMiddleware, allow_origins=["http://localhost"])


@app.exception_handler(404)
async def not_found(request: Request, exc: HTTPException):
    return JSONResponse({"missing": request.url.path}, status_code=404)


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    return {"item_id": item_id}


@app.get("/sync")
def read_sync():
    return {"sync": True}


@app.get("/text")
def text():
    return "plain text"


@app.get("/replace")
async def replace():
    return {"message": "shout"}


@app.get("/raises")
async def raises():
    raise HTTPException(status_code=403, detail="Forbidden here")


@app.post("/only-post")
async def only_post():
    return {"ok": True}


@app.post("/echo")
async def echo(payload: dict):
    return payload


@app.get("/stream")
async def stream():
    async def chunks():
        for i in range(3):
            yield f"part {i}\n"

    return StreamingResponse(chunks(), media_type="text/plain")
