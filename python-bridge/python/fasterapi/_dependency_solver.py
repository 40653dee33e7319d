"""Compiling a route's dependency tree (:mod:`fasterapi._dependencies`) into its handler's work.

:func:`compile_solver` turns the tree into nested closures, one per node, each a fixed
sequence: solve the sub-dependencies, bind the node's own request parameters (with
:mod:`fasterapi.routing`'s binder, so errors merge into one 422 list in FastAPI's order), call. Nothing is looked up per request but the values themselves: the
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

from collections.abc import Callable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from fasterapi._dependencies import Dependant
from fasterapi._signature import ParamSpec
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
# Compiling the tree

#: bind(req, ctx, kwargs, errors): the node's own request parameters into kwargs (routing.py).
Binder = Callable[[Any, Any, dict, list], None]


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
        bind = make_binder(node.specs)
        call = None if is_root else _caller(node, node.cache_key in shared)
        return _gather(subs, bind, scopes_names, node.scopes, call, node.is_async)

    straight = None if shared else _straight_line(root, make_binder)
    solve = straight if straight is not None else compile_node(root, True)
    return Solver(solve, is_async, bool(shared), yields, function_scoped)


def _straight_line(root: Dependant, make_binder: Callable[[list[ParamSpec]], Binder | None]) -> Callable[[Any, list], Any] | None:
    """The common tree -- plain sync dependencies (no yield, no shared cache key) that take
    nothing from the request but the ``Request`` and each other's values, like a chain of
    user lookups over a security scheme -- as one generated function of straight-line calls
    in FastAPI's order (depth first, declaration order). ``None`` for any other tree.

    Nothing in such a tree can fail validation except the endpoint's own parameters, bound
    last as in FastAPI, so no error bookkeeping is needed before that."""
    nodes = root.walk()
    if root.is_async or any(s.source == "security_scopes" for n in nodes for s in n.specs):
        return None
    for node in nodes[1:]:
        if node.kind != "sync" or any(s.source not in ("depends", "request") for s in node.specs):
            return None
    namespace: dict[str, Any] = {"FAILED": FAILED}
    body: list[str] = []
    needs_request = any(s.source == "request" for n in nodes[1:] for s in n.specs)
    if needs_request:
        body.append("    request = ctx.get_request()")

    def emit(node: Dependant, number: list[int]) -> str:
        """Calls for ``node``'s subtree; the name of the variable holding its value."""
        arguments = []
        for sub in node.dependencies:
            value = emit(sub, number)
            if sub.name is not None:
                arguments.append(f"{sub.name}={value}")
        arguments.extend(f"{s.name}=request" for s in node.specs if s.source == "request")
        number[0] += 1
        index = number[0]
        namespace[f"call{index}"] = node.call
        body.append(f"    value{index} = call{index}({', '.join(arguments)})")
        return f"value{index}"

    number = [0]
    endpoint_arguments = []
    for sub in root.dependencies:
        value = emit(sub, number)
        if sub.name is not None:
            endpoint_arguments.append(f"{sub.name!r}: {value}")
    body.append(f"    kwargs = {{{', '.join(endpoint_arguments)}}}")
    bind = make_binder(root.specs)
    if bind is not None:
        namespace["bind"] = bind
        body.append("    bind(ctx.req, ctx, kwargs, errors)")
        body.append("    if errors:")
        body.append("        return FAILED")
    body.append("    return kwargs")
    # Every name in the generated text is a parameter name (an identifier) or ours.
    source = "def solve(ctx, errors):\n" + "\n".join(body) + "\n"
    exec(compile(source, "<fasterapi dependencies>", "exec"), namespace)
    return namespace["solve"]


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
                bind(ctx.req, ctx, kwargs, errors)
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
                bind(ctx.req, ctx, kwargs, errors)
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
            bind(ctx.req, ctx, kwargs, errors)
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
