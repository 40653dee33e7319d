"""OpenID Connect: the scheme is documented; the ``Authorization`` header is handed over as
is (checking it is the app's work, as in FastAPI)."""

from __future__ import annotations

from fasterapi.exceptions import HTTPException
from fasterapi.requests import Request
from fasterapi.security.base import SecurityBase, first_header, without_none


class OpenIdConnect(SecurityBase):
    def __init__(self, *, openIdConnectUrl: str, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        self.model = without_none(type="openIdConnect", description=description, openIdConnectUrl=openIdConnectUrl)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    def __call__(self, request: Request) -> str | None:
        authorization = first_header(request, "authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization
