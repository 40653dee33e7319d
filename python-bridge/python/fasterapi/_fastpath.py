"""Routes whose parameters the bridge can extract natively.

The most common FastAPI route takes a few path and query parameters of type
``int``, ``float`` or ``str`` (``def read_user(user_id: int, q: str | None = None)``).
For those, extracting and converting in Python costs more than everything else
the request does. So, once at startup, such a route also gets a *native plan*:

    (call, ((key, in_query, kind, required, default), ...))

The bridge reads each value from the routed path or the query string, converts
the unambiguous cases itself (``kind``: 0 = str, 1 = int from ``-?[0-9]{1,18}``,
2 = float from ``-?[0-9]+(.[0-9]+)?``) and calls ``call(request, *values)``.
Anything else — a missing required value, ``"+5"``, ``" 7 "``, ``"1e3"``,
``"abc"`` — makes it call the route's ordinary handler instead, which accepts,
converts or reports exactly as it always does. The plan can only make a request
faster, never answer it differently.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any

from fasterapi._types import Constraints, describe
from fasterapi.params import Param, Undefined

if typing.TYPE_CHECKING:
    from fasterapi._signature import ParamSpec

KIND_STR, KIND_INT, KIND_FLOAT = 0, 1, 2
_KINDS = {str: KIND_STR, int: KIND_INT, float: KIND_FLOAT}
#: Defaults the bridge may hand to every call as the same object.
_IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str)

NativePlan = tuple[Callable[..., Any], tuple[tuple[str, bool, int, bool, Any], ...]]


def scalar_kind(annotation: Any, marker: Param | None) -> int | None:
    """The native kind of a path/query parameter annotated ``int``/``float``/``str``
    (or ``X | None``) without constraints; ``None`` when the bridge must not convert it."""
    if Constraints.from_info(marker) is not None:
        return None
    if annotation is inspect.Parameter.empty:
        return KIND_STR
    try:
        desc = describe(annotation)
    except TypeError:
        return None
    desc = desc.non_null()
    if desc.constraints is not None or desc.validators or desc.annotation not in _KINDS:
        return None
    return _KINDS[desc.annotation]


def native_plan(
    specs: Sequence[ParamSpec],
    invoke: Callable[..., Any],
    on_error: Callable[[Any, BaseException], Any],
    handled: tuple[type[BaseException], ...],
) -> NativePlan | None:
    """The plan for a route, or ``None`` if any parameter is out of the bridge's reach."""
    if not specs:
        return None
    entries = []
    for spec in specs:
        if spec.source not in ("path", "query") or spec.many or spec.native_kind is None:
            return None
        required = spec.default is Undefined
        if not required and not isinstance(spec.default, _IMMUTABLE_DEFAULTS):
            return None
        entries.append((spec.key, spec.source == "query", spec.native_kind, required, None if required else spec.default))

    # call(req, a0, a1, ...) -> invoke(name0=a0, name1=a1, ...), with the route's error
    # handling. Generated so the bridge can pass positional values without building a dict.
    # The names are the endpoint's own parameter names (identifiers, by construction).
    args = ", ".join(f"a{i}" for i in range(len(specs)))
    kwargs = ", ".join(f"{spec.name}=a{i}" for i, spec in enumerate(specs))
    source = (
        f"def call(req, {args}):\n"
        f"    try:\n"
        f"        return invoke({kwargs})\n"
        f"    except handled as exc:\n"
        f"        return on_error(req, exc)\n"
    )
    namespace: dict[str, Any] = {"invoke": invoke, "handled": handled, "on_error": on_error}
    exec(compile(source, "<fasterapi native plan>", "exec"), namespace)
    return namespace["call"], tuple(entries)
