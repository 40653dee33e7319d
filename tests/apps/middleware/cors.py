"""Tutorial: CORS (Cross-Origin Resource Sharing), with credentials, methods and headers."""

from fasterapi import FasterAPI
from fasterapi.middleware.cors import CORSMiddleware

app = FasterAPI()

origins = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
]

app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,
    allow_origin_regex=r"https://.*\.example\.org",
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["X-Token"],
    expose_headers=["X-Total"],
    max_age=300,
)


@app.get("/")
async def main():
    return {"message": "Hello World"}


@app.post("/items/")
def create_item(item: dict):
    return item
