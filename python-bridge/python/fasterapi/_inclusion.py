"""``include_router``: one router's routes served by another, with FastAPI's merge rules.

An :class:`Inclusion` records the included router and the settings of the include (already
combined with the including router's own). Its routes are computed when read, so routes
added to a router after it was included are served too (FastAPI includes lazily as well).
For each route of the included router (itself already merged with *its* inclusions):

- path: the include's prefix (the including router's prefix + ``prefix=``) + the route's;
- tags: the include's tags first, then the route's (which start with its router's tags);
- dependencies: likewise, the include's first (they run first), then the route's;
- responses: ``{**include's, **route's}`` (the route wins on the same status);
- response class: the route's own, else the included router's default, else the include's
  ``default_response_class``, else the including router's default (None: JSON);
- deprecated: the route's or the include's; ``include_in_schema``: both must allow it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fasterapi.routing import APIRouter


class Inclusion:
    __slots__ = ("router", "prefix", "tags", "dependencies", "default_response_class", "responses", "deprecated", "include_in_schema")

    def __init__(
        self,
        router: APIRouter,
        *,
        prefix: str,
        tags: list[str],
        dependencies: list[Any],
        default_response_class: Any,
        responses: dict,
        deprecated: bool | None,
        include_in_schema: bool,
    ) -> None:
        self.router = router
        self.prefix = prefix
        self.tags = tags
        self.dependencies = dependencies
        self.default_response_class = default_response_class
        self.responses = responses
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema

    def effective_routes(self) -> list[Any]:
        from fasterapi._mount import Mount

        routes: list[Any] = []
        for route in self.router.routes:
            if isinstance(route, Mount):
                routes.append(route.under(self.prefix))
                continue
            merged = copy.copy(route)
            merged.path = self.prefix + route.path
            merged.tags = self.tags + route.tags
            merged.dependencies = self.dependencies + route.dependencies
            merged.responses = {**self.responses, **(route.responses or {})}
            merged.response_class = route.response_class or self.router.default_response_class or self.default_response_class
            merged.deprecated = route.deprecated or self.deprecated
            merged.include_in_schema = route.include_in_schema and self.include_in_schema
            routes.append(merged)
        return routes
