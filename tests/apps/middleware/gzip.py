"""Advanced guide: GZipMiddleware, with whole, streamed, excluded and pre-encoded answers."""

from fasterapi import FasterAPI
from fasterapi.middleware.gzip import GZipMiddleware
from fasterapi.responses import PlainTextResponse, Response, StreamingResponse

app = FasterAPI()

app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)


@app.get("/small")
def small():
    return {"message": "too small to compress"}


@app.get("/big")
def big():
    return {"items": [{"id": i, "name": f"item number {i}"} for i in range(200)]}


@app.get("/big-text")
def big_text():
    return PlainTextResponse("hello world " * 500)


@app.get("/stream")
async def stream():
    async def chunks():
        for i in range(20):
            yield f"chunk {i} ".encode() * 10

    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/image")
def image():
    return Response(b"\x89PNG" + b"\0" * 4000, media_type="image/png")


@app.get("/encoded")
def encoded():
    return Response(b"x" * 4000, media_type="text/plain", headers={"Content-Encoding": "identity"})
