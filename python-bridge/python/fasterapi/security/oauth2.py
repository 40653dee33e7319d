"""OAuth2: the password flow's form, bearer tokens and scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fasterapi.exceptions import HTTPException
from fasterapi.params import Form
from fasterapi.requests import Request
from fasterapi.security.base import AuthorizationScheme, first_header, without_none
from fasterapi.security.scopes import SecurityScopes
from fasterapi.security.utils import get_authorization_scheme_param

__all__ = [
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "SecurityScopes",
]


class OAuth2PasswordRequestForm:
    """The form of OAuth2's password flow, as a dependency class: ``username``, ``password``,
    ``scope`` (split into ``scopes``), optional ``grant_type`` (``"password"`` if sent),
    ``client_id`` and ``client_secret``."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The same form with ``grant_type=password`` required, as the OAuth2 spec says."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope,
                         client_id=client_id, client_secret=client_secret)


class OAuth2(AuthorizationScheme):
    """OAuth2 with the given ``flows`` (the OpenAPI OAuth Flows Object, as a dict)."""

    def __init__(self, *, flows: dict[str, dict[str, Any]] | None = None, scheme_name: str | None = None,
                 description: str | None = None, auto_error: bool = True) -> None:
        self.model = without_none(type="oauth2", description=description, flows=_flows(flows or {}))
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error


class _BearerToken(OAuth2):
    """The token of ``Authorization: Bearer <token>``."""

    def __call__(self, request: Request) -> str | None:
        # The hot path of most authenticated routes: the header read inline.
        values = request._native.header_values("authorization")
        authorization = values[0] if values else None
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return param


class OAuth2PasswordBearer(_BearerToken):
    """A bearer token obtained with the password flow at ``tokenUrl``."""

    def __init__(self, tokenUrl: str, scheme_name: str | None = None, scopes: dict[str, str] | None = None,
                 description: str | None = None, auto_error: bool = True, refreshUrl: str | None = None) -> None:
        flow = without_none(refreshUrl=refreshUrl, scopes=scopes or {}, tokenUrl=tokenUrl)
        super().__init__(flows={"password": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error)


class OAuth2AuthorizationCodeBearer(_BearerToken):
    """A bearer token obtained with the authorization code flow."""

    def __init__(self, authorizationUrl: str, tokenUrl: str, refreshUrl: str | None = None, scheme_name: str | None = None,
                 scopes: dict[str, str] | None = None, description: str | None = None, auto_error: bool = True) -> None:
        flow = without_none(refreshUrl=refreshUrl, scopes=scopes or {}, authorizationUrl=authorizationUrl, tokenUrl=tokenUrl)
        super().__init__(flows={"authorizationCode": flow}, scheme_name=scheme_name, description=description, auto_error=auto_error)


def _flows(flows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The flows without unset fields; a flow's ``scopes`` default to ``{}`` (pydantic's
    OAuthFlow model does that)."""
    out = {}
    for name, flow in flows.items():
        if flow is None:
            continue
        flow = {k: v for k, v in dict(flow).items() if v is not None}
        flow.setdefault("scopes", {})
        out[name] = flow
    return out
