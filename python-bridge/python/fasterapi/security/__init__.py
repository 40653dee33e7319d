"""Security schemes, usable as dependencies and documented in OpenAPI (FastAPI's
``fastapi.security``). Their ``__call__`` is a plain ``def`` (FastAPI's are ``async def``):
a sync dependency keeps a sync route on its fast path (see README, "Dependencies and
security")."""

from fasterapi.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
from fasterapi.security.base import SecurityBase
from fasterapi.security.http import (
    HTTPAuthorizationCredentials,
    HTTPBase,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from fasterapi.security.oauth2 import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)
from fasterapi.security.open_id_connect_url import OpenIdConnect
from fasterapi.security.utils import get_authorization_scheme_param

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityBase",
    "SecurityScopes",
    "get_authorization_scheme_param",
]
