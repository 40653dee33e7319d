"""A FastAPI app importing a name the compatibility mode does not cover: ``--compat`` must
refuse it at startup with one line naming the import and docs/fastapi-compat.md."""

from fastapi import FastAPI, WebSocket

app = FastAPI()


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
