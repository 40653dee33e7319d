"""Advanced guide: TrustedHostMiddleware (with its www redirect)."""

from fasterapi import FasterAPI
from fasterapi.middleware.trustedhost import TrustedHostMiddleware

app = FasterAPI()

app.add_middleware(TrustedHostMiddleware, allowed_hosts=["www.example.com", "*.example.org", "127.0.0.1"])


@app.get("/")
async def main():
    return {"message": "Hello World"}
