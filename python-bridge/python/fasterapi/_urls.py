"""Reverse routing: ``url_path_for(name, **path_params)``, Starlette's rules.

A route matches a name when the name is its own and the parameters given are exactly the
ones of its path template. A mount named ``"static"`` matches ``"static"`` with a ``path``
parameter (the file's path under the mount), and ``"name:route"`` names a route of the app
mounted as ``"name"`` (an unnamed mount passes every name to its app).
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


def url_path_for(routes: Iterable[Any], name: str, path_params: dict[str, Any]) -> URLPath:
    """The first route or mount of ``routes`` that matches (module docstring)."""
    from fasterapi._mount import Mount

    for route in routes:
        if isinstance(route, Mount):
            path = route.url_path_for(name, path_params)
        elif route.name == name:
            path = fill_template(route.path, path_params)
        else:
            path = None
        if path is not None:
            return URLPath(path)
    raise NoMatchFound(name, path_params)
