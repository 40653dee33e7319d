"""Advanced guide: HTTPSRedirectMiddleware."""

from fasterapi import FasterAPI
from fasterapi.middleware.httpsredirect import HTTPSRedirectMiddleware

app = FasterAPI()

app.add_middleware(HTTPSRedirectMiddleware)


@app.get("/")
async def main():
    return {"message": "Hello World"}
