"""CORS allowing every origin, method and header (no credentials), with GZip inside it."""

from fasterapi import FasterAPI
from fasterapi.middleware.cors import CORSMiddleware
from fasterapi.middleware.gzip import GZipMiddleware

app = FasterAPI()
app.add_middleware(GZipMiddleware, minimum_size=100)
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])


@app.get("/")
def main():
    return {"message": "Hello World"}


@app.get("/big")
def big():
    return {"items": [{"id": i, "name": f"item {i}"} for i in range(50)]}
