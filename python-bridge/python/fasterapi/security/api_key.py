"""API keys read from a query parameter, a header or a cookie."""

from __future__ import annotations

from fasterapi.exceptions import HTTPException
from fasterapi.requests import Request
from fasterapi.security.base import SecurityBase, first_header, without_none


class APIKeyBase(SecurityBase):
    def __init__(self, location: str, name: str, description: str | None, scheme_name: str | None, auto_error: bool) -> None:
        self.auto_error = auto_error
        self.model = without_none(type="apiKey", description=description, **{"in": location}, name=name)
        self.scheme_name = scheme_name or type(self).__name__
        self.name = name

    def make_not_authenticated_error(self) -> HTTPException:
        # No WWW-Authenticate scheme is standard for API keys; FastAPI sends "APIKey" so the
        # 401 is well-formed.
        return HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "APIKey"})

    def check_api_key(self, api_key: str | None) -> str | None:
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key


class APIKeyQuery(APIKeyBase):
    def __init__(self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True) -> None:
        super().__init__("query", name, description, scheme_name, auto_error)

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyHeader(APIKeyBase):
    def __init__(self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True) -> None:
        super().__init__("header", name, description, scheme_name, auto_error)

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(first_header(request, self.name))


class APIKeyCookie(APIKeyBase):
    def __init__(self, *, name: str, scheme_name: str | None = None, description: str | None = None, auto_error: bool = True) -> None:
        super().__init__("cookie", name, description, scheme_name, auto_error)

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
