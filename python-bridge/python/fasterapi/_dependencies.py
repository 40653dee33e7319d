"""Dependency injection: ``Depends()`` trees, resolved once per route and compiled into the
route's handler.

At startup (``APIRoute.compile``, in each interpreter) the endpoint's signature and, one level
at a time, every dependency's signature is analysed with :func:`fasterapi._signature.analyze_callable`:
the result is a tree of :class:`Dependant` (FastAPI's name), with the app's
``dependency_overrides`` already applied. :func:`compile_solver` then turns the tree into nested
closures, one per node, each a fixed sequence: solve the sub-dependencies, bind the node's own
request parameters (with :mod:`fasterapi.routing`'s binder, so errors merge into one 422 list
in FastAPI's order), call. Nothing is looked up per request but the values themselves: the
per-request cache exists only when some cache key occurs twice in the tree, exit stacks only
when a dependency yields, and the handler is a coroutine only when something in the tree is
``async``.

FastAPI's semantics, as in the installed FastAPI (0.165):

- a dependency whose own parameters (or sub-dependencies) fail validation is not called; its
  siblings still are; the errors of the whole tree make one 422;
- a value is cached per request under ``(callable, scopes if the subtree uses scopes, scope)``
  and reused by every ``use_cache=True`` occurrence;
- ``yield`` dependencies: an exception raised by the endpoint or by a later dependency is thrown
  into them at the ``yield`` (innermost first, ``scope="function"`` ones before the others); they
  may replace it, and one that swallows it makes a 500, as FastAPI does. Without an exception,
  ``scope="function"`` exit code runs when the endpoint returns, the default ``"request"`` scope's
  after the response has been sent (:mod:`fasterapi._after_send`), where its exceptions are
  logged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from fasterapi import params
from fasterapi._signature import BODY_SOURCES, ParamSpec, analyze_callable, plan_body
from fasterapi.security.base import SecurityBase
from fasterapi.security.scopes import SecurityScopes

#: What a node's solver returns when it (or something below it) failed validation.
FAILED: Any = type("Failed", (), {"__repr__": lambda self: "<failed>"})()

#: FastAPI's words when a ``yield`` dependency swallowed the exception of a request.
SWALLOWED = (
    "Response not awaited. There's a high chance that the application code is raising an exception and a "
    "dependency with yield has a block with a bare except, or a block with except Exception, and is not raising "
    "the exception again. Read more about it in the docs: "
    "https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#dependencies-with-yield-and-except"
)


class DependencyError(RuntimeError):
    """A ``yield`` dependency swallowed the request's exception (answered 500)."""


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


# --------------------------------------------------------------------------
# Compiling the tree

#: bind(ctx, kwargs, errors): the node's own request parameters into kwargs (routing.py).
Binder = Callable[[Any, dict, list], None]


@dataclass
class Solver:
    """The compiled tree: ``solve(ctx, errors) -> kwargs of the endpoint or FAILED``, plus what
    the route's handler must set up per request."""

    solve: Callable[[Any, list], Any]
    is_async: bool
    #: Some cache key occurs twice: ``ctx.cache`` must be a dict.
    caches: bool
    #: Some dependency yields: ``ctx.exits`` (and ``ctx.function_exits``) must be exit stacks.
    yields: bool
    function_scoped: bool


def compile_solver(root: Dependant, make_binder: Callable[[list[ParamSpec]], Binder | None]) -> Solver:
    nodes = root.walk()
    counts: dict[tuple, int] = {}
    for node in nodes[1:]:
        counts[node.cache_key] = counts.get(node.cache_key, 0) + 1
    shared = {key for key, n in counts.items() if n > 1}
    yields = any(n.yields for n in nodes)
    function_scoped = any(n.yields and n.computed_scope == "function" for n in nodes)
    is_async = root.is_async

    def compile_node(node: Dependant, is_root: bool) -> Callable[[Any, list], Any]:
        subs = tuple((d.name, compile_node(d, False), d.is_async) for d in node.dependencies)
        scopes_names = tuple(s.name for s in node.specs if s.source == "security_scopes")
        # The root returns the endpoint's arguments (the route's handler calls it); a plain
        # dependency (sync, not shared, no yield) is called directly.
        plain = not is_root and node.kind == "sync" and node.cache_key not in shared
        if plain and not node.is_async and not scopes_names:
            fast = _plain_shape(node, subs)
            if fast is not None:
                return fast
        if is_root and not node.is_async and not scopes_names and all(s.source == "depends" for s in node.specs):
            return _arguments_of(subs)
        bind = make_binder(node.specs)
        call = None if is_root else _caller(node, node.cache_key in shared)
        return _gather(subs, bind, scopes_names, node.scopes, call, node.is_async)

    return Solver(compile_node(root, True), is_async, bool(shared), yields, function_scoped)


def _caller(node: Dependant, shared: bool) -> tuple[Callable[..., Any], bool]:
    """``(call(ctx, kwargs) -> value, is_async)`` for one dependency."""
    call = node.call
    kind = node.kind
    key = node.cache_key
    use_cache = node.use_cache
    function_scope = node.computed_scope == "function"

    if kind == "gen":
        manager = contextmanager(call)

        def invoke(ctx: Any, kwargs: dict) -> Any:
            stack = ctx.function_exits if function_scope else ctx.exits
            return stack.enter_context(manager(**kwargs))

        is_async = False
    elif kind == "async_gen":
        amanager = asynccontextmanager(call)

        async def invoke(ctx: Any, kwargs: dict) -> Any:
            stack = ctx.function_exits if function_scope else ctx.exits
            return await stack.enter_async_context(amanager(**kwargs))

        is_async = True
    else:

        def invoke(ctx: Any, kwargs: dict) -> Any:
            return call(**kwargs)

        is_async = kind == "async"

    if not shared:
        return invoke, is_async
    # The value is shared with the other occurrences of the same key in this request
    # (stored even by a use_cache=False occurrence, as FastAPI does).
    if is_async:

        async def cached_async(ctx: Any, kwargs: dict) -> Any:
            cache = ctx.cache
            if use_cache and key in cache:
                return cache[key]
            value = await invoke(ctx, kwargs)
            cache.setdefault(key, value)
            return value

        return cached_async, True

    def cached(ctx: Any, kwargs: dict) -> Any:
        cache = ctx.cache
        if use_cache and key in cache:
            return cache[key]
        value = invoke(ctx, kwargs)
        cache.setdefault(key, value)
        return value

    return cached, False


def _plain_shape(node: Dependant, subs: tuple) -> Callable[[Any, list], Any] | None:
    """The two shapes of a plain sync dependency that chains of them are made of, as one
    call each: a leaf taking only the ``Request`` (the security schemes) or nothing, and a
    dependency taking only one sub-dependency's value."""
    call = node.call
    own = [s for s in node.specs if s.source != "depends"]
    if not subs:
        if not own:

            def leaf(ctx: Any, errors: list) -> Any:
                return call()

            return leaf
        if len(own) == 1 and own[0].source == "request":
            request_name = own[0].name

            def request_leaf(ctx: Any, errors: list) -> Any:
                return call(**{request_name: ctx.get_request()})

            return request_leaf
        return None
    if len(subs) == 1 and not own:
        ((name, sub, _),) = subs

        def chained(ctx: Any, errors: list) -> Any:
            value = sub(ctx, errors)
            if value is FAILED:  # errors were recorded below
                return FAILED
            return call() if name is None else call(**{name: value})

        return chained
    return None


def _arguments_of(subs: tuple) -> Callable[[Any, list], Any]:
    """The root of a sync tree whose endpoint takes only dependencies' values."""
    named = tuple((name, sub) for name, sub, _ in subs if name is not None)
    unnamed = tuple(sub for name, sub, _ in subs if name is None)
    if len(named) == 1 and not unnamed:
        ((only_name, only_sub),) = named

        def one_argument(ctx: Any, errors: list) -> Any:
            value = only_sub(ctx, errors)
            return FAILED if value is FAILED else {only_name: value}

        return one_argument

    def arguments(ctx: Any, errors: list) -> Any:
        start = len(errors)
        kwargs = {}
        for name, sub, _ in subs:
            value = sub(ctx, errors)
            if name is not None:
                kwargs[name] = value
        return FAILED if len(errors) != start else kwargs

    return arguments


def _gather(subs: tuple, bind: Binder | None, scopes_names: tuple[str, ...], scopes: list[str],
            call: tuple[Callable[..., Any], bool] | None, is_async: bool) -> Callable[[Any, list], Any]:
    """The solver of one node: its sub-dependencies in order, then its own parameters; then
    (``call`` given) the call, skipped if anything below failed (``FAILED``), or (the root) the
    keyword arguments of the endpoint."""
    invoke, invoke_async = call if call is not None else (None, False)

    if not is_async:
        if not subs and not scopes_names and invoke is not None:
            # A leaf: the common security scheme or a dependency reading a header.
            if bind is None:

                def leaf(ctx: Any, errors: list) -> Any:
                    return invoke(ctx, {})

                return leaf

            def bound_leaf(ctx: Any, errors: list) -> Any:
                start = len(errors)
                kwargs: dict[str, Any] = {}
                bind(ctx, kwargs, errors)
                if len(errors) != start:
                    return FAILED
                return invoke(ctx, kwargs)

            return bound_leaf

        def solve(ctx: Any, errors: list) -> Any:
            start = len(errors)
            kwargs: dict[str, Any] = {}
            for name, sub, _ in subs:
                value = sub(ctx, errors)
                if name is not None:
                    kwargs[name] = value
            if bind is not None:
                bind(ctx, kwargs, errors)
            for name in scopes_names:
                kwargs[name] = SecurityScopes(list(scopes))
            if len(errors) != start:
                return FAILED
            return kwargs if invoke is None else invoke(ctx, kwargs)

        return solve

    async def solve_async(ctx: Any, errors: list) -> Any:
        start = len(errors)
        kwargs: dict[str, Any] = {}
        for name, sub, sub_async in subs:
            value = sub(ctx, errors)
            if sub_async:
                value = await value
            if name is not None:
                kwargs[name] = value
        if bind is not None:
            bind(ctx, kwargs, errors)
        for name in scopes_names:
            kwargs[name] = SecurityScopes(list(scopes))
        if len(errors) != start:
            return FAILED
        if invoke is None:
            return kwargs
        value = invoke(ctx, kwargs)
        return (await value) if invoke_async else value

    return solve_async


# --------------------------------------------------------------------------
# Exit code of yield dependencies


def new_exit_stacks(ctx: Any, solver: Solver) -> None:
    stack_type = AsyncExitStack if solver.is_async else ExitStack
    ctx.exits = stack_type()
    ctx.function_exits = stack_type() if solver.function_scoped else None


def unwind(ctx: Any, exc: BaseException) -> BaseException:
    """Throw ``exc`` into the open ``yield`` dependencies (function scope first); the
    exception that comes out. Raises :class:`DependencyError` if one swallowed it."""
    for stack in (ctx.function_exits, ctx.exits):
        if stack is None:
            continue
        try:
            if not stack.__exit__(type(exc), exc, exc.__traceback__):
                continue
        except BaseException as raised:  # the dependency replaced it
            exc = raised
            continue
        raise DependencyError(SWALLOWED) from exc
    return exc


async def unwind_async(ctx: Any, exc: BaseException) -> BaseException:
    for stack in (ctx.function_exits, ctx.exits):
        if stack is None:
            continue
        try:
            if not await stack.__aexit__(type(exc), exc, exc.__traceback__):
                continue
        except BaseException as raised:
            exc = raised
            continue
        raise DependencyError(SWALLOWED) from exc
    return exc


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
