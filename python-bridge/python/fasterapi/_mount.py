"""``app.mount(path, sub_app)``: another FasterAPI app, or ``StaticFiles``, under a path.

How a mount reaches the Rust router -- two cases, decided by what is known at startup:

- **A FasterAPI app**: its routes are known, so they are compiled into the parent's route
  list under the mount's prefix, each with the sub-app's own exception handlers and docs
  (served under the prefix, its OpenAPI ``servers`` naming the prefix, as FastAPI does with
  a ``root_path``). Every path stays an exact entry of the Rust router, so 404, 405 and the
  trailing-slash redirect are still answered without entering Python, and the routes keep
  their native fast paths. The one difference from Starlette: a path under the prefix that
  the sub-app does not know is answered by the parent's 404, not the sub-app's.
- **StaticFiles**: the files are not known (the directory can change while serving), so
  the mount is one catch-all route, ``{prefix}/{path:path}``, plus ``{prefix}/`` for the
  directory's index. The Rust router prefers static segments, so the parent's other routes
  under the same prefix still win, as with Starlette's routes declared before the mount.

Starlette tries routes in order, so a route declared before a mount keeps its path when the
mount has the same one (``app.mount("/", StaticFiles(...))`` after the app's ``/`` route):
the mount's route is dropped (``routing.compile_routes``). Declared after, the two collide
and the app does not start (Starlette would never reach the later route).

Either way nothing new is needed in ``server/src/router.rs``, and a mount costs nothing
per request beyond the route it resolves to.
"""

from __future__ import annotations

import copy
from typing import Any

from fasterapi._signature import PATH_PARAM


class Mount:
    """A mounted app: ``path`` (no trailing slash; ``""`` for the root) and ``app``."""

    def __init__(self, path: str, app: Any, name: str | None = None) -> None:
        if path and not path.startswith("/"):
            raise ValueError(f"a mount path must start with '/': {path!r}")
        if PATH_PARAM.search(path):
            raise ValueError(f"a mount path cannot have parameters: {path!r}")
        if not hasattr(app, "_compile_mounted"):
            raise TypeError(
                f"cannot mount {type(app).__name__!r}: FasterAPI mounts another FasterAPI app or StaticFiles "
                "(ASGI apps are not served; see docs/fastapi-compat.md)"
            )
        self.path = path.rstrip("/")
        self.app = app
        self.name = name

    def __repr__(self) -> str:
        return f"Mount(path={self.path!r}, name={self.name!r}, app={type(self.app).__name__})"

    @property
    def routes(self) -> list[Any]:
        """The mounted app's routes, its docs pages included (Starlette's ``Mount.routes``);
        none for StaticFiles."""
        named_routes = getattr(self.app, "_named_routes", None)
        return [] if named_routes is None else named_routes()

    def under(self, prefix: str) -> Mount:
        """This mount as seen through ``include_router(prefix=...)``."""
        moved = copy.copy(self)
        moved.path = prefix + self.path
        return moved

    def compile(self, prefix: str, on_error: Any, context: Any) -> list[Any]:
        """The bridge's routes for this mount, under ``prefix`` (the path of the app that
        mounts it). ``on_error``: that app's exception dispatcher (StaticFiles' 404s are the
        parent's, as under Starlette); ``context``: its requests' ``AppContext``."""
        return self.app._compile_mounted(prefix + self.path, on_error, context)
