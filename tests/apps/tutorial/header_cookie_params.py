"""Tutorial: Header Parameters and Cookie Parameters."""

from typing import Annotated

from fasterapi import Cookie, FasterAPI, Header

app = FasterAPI()


@app.get("/items/")
async def read_items(user_agent: Annotated[str | None, Header()] = None):
    return {"User-Agent": user_agent}


@app.get("/strange/")
async def read_strange(strange_header: Annotated[str | None, Header(convert_underscores=False)] = None):
    return {"strange_header": strange_header}


@app.get("/tokens/")
async def read_tokens(x_token: Annotated[list[str] | None, Header()] = None):
    return {"X-Token values": x_token}


@app.get("/required/")
async def read_required(x_key: Annotated[int, Header(ge=1)]):
    return {"x_key": x_key}


@app.get("/cookies/")
async def read_cookies(ads_id: Annotated[str | None, Cookie()] = None):
    return {"ads_id": ads_id}


@app.get("/session/")
async def read_session(session_id: Annotated[str, Cookie(min_length=4)]):
    return {"session_id": session_id}
