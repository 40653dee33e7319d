"""examples/hello.py's benchmark endpoints as a FastAPI app, served by uvicorn in scripts/bench.

Same endpoint code as examples/hello.py (plain `def`, so FastAPI runs them in its thread pool,
exactly as it would run hello.py unchanged).

    uvicorn benches.fastapi_app:app
"""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/plaintext", response_class=PlainTextResponse)
def plaintext():
    return "Hello, World!"


@app.get("/json")
def json():
    return {"message": "Hello, World!"}


@app.get("/users/{user_id}")
def user(user_id: int, q: str | None = None):
    return {"user_id": user_id, "q": q}


@app.get("/cpu")
def cpu(n: int = 3000):
    return {"result": sum(i * i for i in range(n))}
