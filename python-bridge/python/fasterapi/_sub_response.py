"""``def endpoint(response: Response)``: status, headers and cookies set on an injected
``Response`` and merged into what the endpoint returns -- FastAPI's rules:

- the endpoint returns a ``Response`` itself: that one is sent as it is, and what was set
  on the injected one is dropped (FastAPI does the same);
- otherwise the value is rendered as the route would render it (response_model,
  response_class, or the bridge's own encoding: JSON, and ``str``/``bytes`` as text/octets,
  as in routes without the parameter), with the injected status code if one was set, and
  the injected headers (``set-cookie`` included) appended after the rendered ones;
- a status that allows no body (1xx, 204, 304) sends none.

Routes without the parameter never reach this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fasterapi.responses import JSONResponse, PlainTextResponse, Response


class SubResponse(Response):
    """The injected response: no status until the endpoint (or a dependency) sets one. One
    per request, shared by the endpoint and its dependencies (``RequestContext``)."""

    def __init__(self) -> None:
        super().__init__()
        self.status_code: int | None = None  # type: ignore[assignment]


def merge_sub_response(value: Any, render: Callable[[Any], Any] | None, sub: SubResponse, route_status: int) -> Any:
    """What is sent: the endpoint's ``value`` rendered as the route renders it (``render``,
    None: as is) with ``sub`` merged in."""
    if isinstance(value, Response):
        return value  # the endpoint's own answer, untouched
    result = value if render is None else render(value)
    if sub.status_code is None and not sub.raw_headers:
        return result  # nothing was set: the route's answer as it is (native encoding)
    status = sub.status_code
    if not isinstance(result, Response):
        result = _render_plain(result, status if status is not None else route_status)
    elif status is not None:
        result.status_code = status
    if result.status_code < 200 or result.status_code in (204, 304):
        result.body = b""
    result.raw_headers.extend(sub.raw_headers)
    return result


def _render_plain(value: Any, status_code: int) -> Response:
    # What the bridge does with a plain value (docs/bridge-contract.md, section 3).
    if type(value) is str:
        return PlainTextResponse(value, status_code=status_code)
    if type(value) is bytes:
        return Response(value, status_code=status_code, media_type="application/octet-stream")
    return JSONResponse(value, status_code=status_code)
