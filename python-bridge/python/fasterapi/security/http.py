"""HTTP authentication schemes: ``Authorization: Basic|Bearer|Digest ...``."""

from __future__ import annotations

import binascii
from base64 import b64decode

from fasterapi.exceptions import HTTPException
from fasterapi.main import BaseModel
from fasterapi.requests import Request
from fasterapi.security.base import SecurityBase, first_header, without_none
from fasterapi.security.utils import get_authorization_scheme_param


class HTTPBasicCredentials(BaseModel):
    username: str
    password: str


class HTTPAuthorizationCredentials(BaseModel):
    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    def __init__(self, *, scheme: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True) -> None:
        self.model = without_none(type="http", description=description, scheme=scheme)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.model["scheme"].title()}

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(status_code=401, detail="Not authenticated", headers=self.make_authenticate_headers())

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        authorization = first_header(request, "authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials):
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    def __init__(self, *, scheme_name: str | None = None, realm: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        super().__init__(scheme="basic", scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = first_header(request, "authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        # Malformed credentials are refused even with auto_error=False, as in FastAPI.
        try:
            data = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise self.make_not_authenticated_error() from exc
        username, separator, password = data.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class _SchemeChecked(HTTPBase):
    """``Authorization: <scheme> <credentials>`` with one accepted scheme."""

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        authorization = first_header(request, "authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials) or scheme.lower() != self.model["scheme"]:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBearer(_SchemeChecked):
    def __init__(self, *, bearerFormat: str | None = None, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        super().__init__(scheme="bearer", scheme_name=scheme_name, description=description, auto_error=auto_error)
        if bearerFormat is not None:
            self.model["bearerFormat"] = bearerFormat


class HTTPDigest(_SchemeChecked):
    """Only reads ``Authorization: Digest ...`` (checking the digest is the app's work, as in
    FastAPI)."""

    def __init__(self, *, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True) -> None:
        super().__init__(scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error)
