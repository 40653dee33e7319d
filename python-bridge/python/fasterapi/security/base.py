"""What every security scheme is: a dependency with an OpenAPI description."""

from __future__ import annotations

from typing import Any


class SecurityBase:
    """A security scheme. ``model`` is its OpenAPI Security Scheme Object (a dict here, where
    FastAPI has a pydantic model), ``scheme_name`` its key in ``components.securitySchemes``.
    Any dependency in a route's tree that is an instance of this class is listed in the
    operation's ``security`` requirement."""

    model: dict[str, Any]
    scheme_name: str


def first_header(request: Any, name: str) -> str | None:
    """The first value of header ``name`` (as Starlette's ``headers.get``), read natively
    without building the request's header mapping."""
    values = request._native.header_values(name)
    return values[0] if values else None


def without_none(**fields: Any) -> dict[str, Any]:
    """An OpenAPI object without its unset fields (pydantic's ``exclude_none``)."""
    return {k: v for k, v in fields.items() if v is not None}
