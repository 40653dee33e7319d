"""A whole app in the main interpreter's lane (``interpreter="main"``) with Python middleware
and CORS: the cores only route, and unmatched requests still reach the middleware."""

from fasterapi import FasterAPI, Request
from fasterapi.middleware.cors import CORSMiddleware

app = FasterAPI(interpreter="main")
app.add_middleware(CORSMiddleware, allow_origins=["http://localhost"])


@app.middleware("http")
async def tag(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Lane-Status"] = str(response.status_code)
    return response


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}
