"""OpenID Connect: the scheme is documented; the ``Authorization`` header is handed over as
is (checking it is the app's work, as in FastAPI)."""

from __future__ import annotations

from fasterapi.security.base import AuthorizationScheme, without_none


class OpenIdConnect(AuthorizationScheme):
    def __init__(self, *, openIdConnectUrl: str, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        self.model = without_none(type="openIdConnect", description=description, openIdConnectUrl=openIdConnectUrl)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error
