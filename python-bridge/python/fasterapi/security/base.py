"""What every security scheme is: a dependency with an OpenAPI description."""

from __future__ import annotations

from typing import Any

from fasterapi.exceptions import HTTPException
from fasterapi.requests import Request


class SecurityBase:
    """A security scheme. ``model`` is its OpenAPI Security Scheme Object (a dict here, where
    FastAPI has a pydantic model), ``scheme_name`` its key in ``components.securitySchemes``.
    Any dependency in a route's tree that is an instance of this class is listed in the
    operation's ``security`` requirement."""

    model: dict[str, Any]
    scheme_name: str


class AuthorizationScheme(SecurityBase):
    """A scheme whose credential is the ``Authorization`` header, handed over as it is (OAuth2
    and OpenID Connect: checking it is the app's work, as in FastAPI); a missing one is
    FastAPI's 401 (or None without ``auto_error``)."""

    auto_error: bool

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})

    def __call__(self, request: Request) -> str | None:
        authorization = first_header(request, "authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization


def first_header(request: Any, name: str) -> str | None:
    """The first value of header ``name`` (as Starlette's ``headers.get``), read natively
    without building the request's header mapping."""
    values = request._native.header_values(name)
    return values[0] if values else None


def without_none(**fields: Any) -> dict[str, Any]:
    """An OpenAPI object without its unset fields (pydantic's ``exclude_none``)."""
    return {k: v for k, v in fields.items() if v is not None}
