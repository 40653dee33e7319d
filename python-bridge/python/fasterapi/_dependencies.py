"""Dependency injection: the ``Depends()`` tree of a route, resolved once at startup.

At startup (``APIRoute.compile``, in each interpreter) the endpoint's signature and, one level
at a time, every dependency's signature is analysed with
:func:`fasterapi._signature.analyze_callable`: the result is a tree of :class:`Dependant`
(FastAPI's name), with the app's ``dependency_overrides`` already applied, from which the
route's handler is compiled (:mod:`fasterapi._dependency_solver`) and the OpenAPI document reads
the parameters and security requirements (:func:`flat_specs`, :func:`security_requirements`).

Cache keys are FastAPI's (0.165): ``(callable, scopes if the subtree uses scopes, scope)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fasterapi import params
from fasterapi._signature import BODY_SOURCES, ParamSpec, analyze_callable, plan_body
from fasterapi.security.base import SecurityBase

# --------------------------------------------------------------------------
# The tree


def _unwrap(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return inspect.unwrap(call)


def callable_kind(call: Any) -> str:
    """``"sync"``, ``"async"``, ``"gen"`` or ``"async_gen"``: how a dependency is called
    (FastAPI looks at the callable, then at its ``__call__`` unless it is a class)."""
    targets = [call, _unwrap(call)]
    if not inspect.isclass(_unwrap(call)):
        dunder = getattr(call, "__call__", None)
        if dunder is not None:
            targets += [dunder, _unwrap(dunder)]
    for target in targets:
        if inspect.isasyncgenfunction(target):
            return "async_gen"
        if inspect.isgeneratorfunction(target):
            return "gen"
        if inspect.iscoroutinefunction(target):
            return "async"
    return "sync"


@dataclass(eq=False)
class Dependant:
    """One callable of a route's tree: the endpoint (the root) or a dependency."""

    #: What is called (the override, if ``dependency_overrides`` has one).
    call: Callable[..., Any]
    #: The declared dependency: the cache key and the OpenAPI document use it.
    declared: Callable[..., Any]
    #: The parameter of the parent it is passed to (``None``: the root, or ``dependencies=[...]``).
    name: str | None
    #: The callable's own parameters (``depends`` ones included, in signature order).
    specs: list[ParamSpec]
    dependencies: list["Dependant"] = field(default_factory=list)
    use_cache: bool = True
    #: ``scope=`` as declared (``None``, ``"function"``, ``"request"``).
    scope: str | None = None
    own_scopes: list[str] = field(default_factory=list)
    parent_scopes: list[str] = field(default_factory=list)
    kind: str = "sync"

    @property
    def scopes(self) -> list[str]:
        """The OAuth2 scopes required here: the parents', then its own (no repeats)."""
        out = list(self.parent_scopes)
        out.extend(s for s in self.own_scopes if s not in out)
        return out

    @property
    def yields(self) -> bool:
        return self.kind in ("gen", "async_gen")

    @property
    def computed_scope(self) -> str | None:
        if self.scope:
            return self.scope
        return "request" if self.yields else None

    @functools.cached_property
    def uses_scopes(self) -> bool:
        return bool(self.own_scopes) or any(s.source == "security_scopes" for s in self.specs) \
            or isinstance(_unwrap(self.declared), SecurityBase) or any(d.uses_scopes for d in self.dependencies)

    @property
    def cache_key(self) -> tuple:
        scopes = tuple(sorted(set(self.scopes))) if self.uses_scopes else ()
        return (self.declared, scopes, self.computed_scope or "")

    @functools.cached_property
    def is_async(self) -> bool:
        """Whether solving this subtree needs ``await``."""
        return self.kind in ("async", "async_gen") or any(d.is_async for d in self.dependencies)

    def walk(self) -> list["Dependant"]:
        """Every node, parents before children, in declaration order."""
        out = [self]
        for sub in self.dependencies:
            out.extend(sub.walk())
        return out


def build_tree(
    endpoint: Callable[..., Any],
    path: str,
    route_dependencies: Sequence[params.Depends] = (),
    overrides: dict[Any, Any] | None = None,
) -> Dependant:
    """The tree of a route: ``endpoint`` with the ``dependencies=[...]`` of the route (its
    router's and the app's first, as FastAPI orders them) before its own."""
    root = Dependant(endpoint, endpoint, None, analyze_callable(endpoint, path), kind=callable_kind(endpoint))
    for marker in route_dependencies:
        if not isinstance(marker, params.Depends) or marker.dependency is None:
            raise TypeError(f"dependencies=[...] takes Depends(callable) markers, not {marker!r}")
        root.dependencies.append(_sub_dependant(marker, None, path, [], overrides or {}, root))
    _add_param_dependencies(root, path, overrides or {})
    plan_body([s for node in root.walk() for s in node.specs if s.source in BODY_SOURCES])
    return root


def _sub_dependant(marker: params.Depends, name: str | None, path: str, parent_scopes: list[str],
                   overrides: dict[Any, Any], parent: Dependant) -> Dependant:
    declared = marker.dependency
    own_scopes = list(marker.scopes) if isinstance(marker, params.Security) else []
    call = overrides.get(declared, declared)
    where = getattr(call, "__qualname__", None) or type(call).__name__
    try:
        specs = analyze_callable(call, path)
    except ValueError as exc:  # inspect.signature of a builtin, for instance
        raise TypeError(f"dependency {where}: {exc}") from None
    node = Dependant(call, declared, name, specs, use_cache=marker.use_cache, scope=marker.scope,
                     own_scopes=own_scopes, parent_scopes=list(parent_scopes), kind=callable_kind(call))
    if parent.yields and parent.computed_scope == "request" and marker.scope == "function":
        parent_name = getattr(parent.call, "__name__", "<unnamed_callable>")
        raise TypeError(f'The dependency "{parent_name}" has a scope of "request", it cannot depend on dependencies with scope "function".')
    _add_param_dependencies(node, path, overrides)
    return node


def _add_param_dependencies(node: Dependant, path: str, overrides: dict[Any, Any]) -> None:
    scopes = node.scopes
    for spec in node.specs:
        if spec.source == "depends":
            node.dependencies.append(_sub_dependant(spec.dependency, spec.name, path, scopes, overrides, node))


def flat_specs(root: Dependant) -> list[ParamSpec]:
    """The parameters the route reads from requests, for the OpenAPI document: each
    dependency's once (by cache key, as FastAPI's ``get_flat_params``), body parameters all."""
    out: list[ParamSpec] = []
    seen: set = set()
    for node in root.walk():
        key = node.cache_key
        if key in seen:
            continue
        seen.add(key)
        out.extend(s for s in node.specs if s.source in ("path", "query", "header", "cookie", "request"))
    out.extend(s for node in root.walk() for s in node.specs if s.source in BODY_SOURCES)
    return out


def security_requirements(root: Dependant) -> list[tuple[SecurityBase, list[str]]]:
    """``(scheme, scopes)`` for every security scheme in the tree (FastAPI's
    ``_get_openapi_dependency_data``: once per cache key, the root itself excluded)."""
    out = []
    seen: set = set()
    for node in root.walk():
        key = node.cache_key
        if key in seen:
            continue
        seen.add(key)
        scheme = _unwrap(node.declared)
        if node is not root and isinstance(scheme, SecurityBase):
            out.append((scheme, node.scopes))
    return out


class DependencyOverrides(dict):
    """``app.dependency_overrides``: a dict that counts its changes (``version``), so that
    whatever compiled the routes (a test client) can tell that they must be compiled again.
    The server reads it once, when it starts."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, *args: Any) -> Any:
        value = super().pop(*args)
        self._changed()
        return value

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._changed()
        return item

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def __ior__(self, other: Any) -> "DependencyOverrides":
        self.update(other)
        return self
