"""``SecurityScopes``: what a dependency declares to read the OAuth2 scopes required of it."""

from __future__ import annotations


class SecurityScopes:
    """The scopes required by every ``Security(..., scopes=[...])`` above the dependency
    that declares a ``SecurityScopes`` parameter, outermost first (FastAPI's order)."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        self.scope_str: str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"
