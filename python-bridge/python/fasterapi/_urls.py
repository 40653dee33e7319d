"""Reverse routing: ``url_path_for(name, **path_params)``, Starlette's rules.

A route matches a name when the name is its own and the parameters given are exactly the
ones of its path template. A mount named ``"static"`` matches ``"static"`` with a ``path``
parameter (the file's path under the mount), and ``"name:route"`` names a route of the app
mounted as ``"name"`` (an unnamed mount passes its app's names through as they are).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fasterapi._signature import PATH_PARAM


class NoMatchFound(Exception):
    """No route has this name and these parameters (Starlette's exception, same message)."""

    def __init__(self, name: str, path_params: dict[str, Any]) -> None:
        params = ", ".join(list(path_params.keys()))
        super().__init__(f'No route exists for name "{name}" and params "{params}".')


class URLPath(str):
    """A path built by ``url_path_for`` (a ``str``); ``make_absolute_url`` adds a base URL."""

    def make_absolute_url(self, base_url: Any) -> Any:
        from fasterapi.datastructures import URL

        base = str(base_url)
        scheme, _, rest = base.partition("://")
        netloc, _, base_path = rest.partition("/")
        path = ("/" + base_path).rstrip("/") + str(self)
        return URL(scheme, netloc, path, "")


def fill_template(template: str, path_params: dict[str, Any]) -> str | None:
    """``template`` with its ``{name}``/``{name:path}`` segments replaced, or None when the
    parameters are not exactly the template's."""
    names = {m.group(1): m.group(2) for m in PATH_PARAM.finditer(template)}
    if set(names) != set(path_params):
        return None

    def value_of(match: Any) -> str:
        name, convertor = match.groups()
        value = str(path_params[name])
        if convertor is None and "/" in value:
            # Starlette's str convertor: a segment may not hold a separator.
            raise ValueError(f"May not contain path separators: parameter {name!r} = {value!r}")
        return value

    return PATH_PARAM.sub(value_of, template)


class URLTable:
    """Every route name of an app, mounts included, with its path template: built once (at
    startup for ``request.url_for``), so a lookup only fills in a template."""

    def __init__(self, routes: Iterable[Any]) -> None:
        #: ``(name, template, strips_path)`` in Starlette's search order; ``strips_path``:
        #: a named mount's own entry, whose ``path`` parameter loses its leading slashes.
        self.entries: list[tuple[str, str, bool]] = []
        self._add(routes, "", "")

    def _add(self, routes: Iterable[Any], prefix: str, name_prefix: str) -> None:
        from fasterapi._mount import Mount

        for route in routes:
            if isinstance(route, Mount):
                inner_prefix = name_prefix
                if route.name is not None:
                    self.entries.append((name_prefix + route.name, prefix + route.path + "/{path:path}", True))
                    inner_prefix = f"{name_prefix}{route.name}:"
                self._add(route.routes, prefix + route.path, inner_prefix)
            else:
                self.entries.append((name_prefix + route.name, prefix + route.path, False))

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the first entry called ``name`` whose parameters are exactly these."""
        for entry_name, template, strips_path in self.entries:
            if entry_name != name:
                continue
            params = path_params
            if strips_path and "path" in params:
                params = {**params, "path": str(params["path"]).lstrip("/")}
            path = fill_template(template, params)
            if path is not None:
                return URLPath(path)
        raise NoMatchFound(name, path_params)
