"""Exceptions an endpoint may raise, and the validation error type.

Handlers built by :mod:`fasterapi.routing` catch these and turn them into
responses themselves, so the Rust bridge only ever sees a ``Response``.
"""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence
from typing import Any


class HTTPException(Exception):
    """Stop handling the request and answer ``{"detail": detail}`` with ``status_code``.

    ``detail`` defaults to the reason phrase of the status (``"Not Found"``),
    and ``headers`` are added to the response, as in FastAPI.
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            try:
                detail = http.HTTPStatus(status_code).phrase
            except ValueError:
                detail = ""
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class ValidationException(Exception):
    """Base of errors that carry a list of pydantic-shaped error dicts."""

    def __init__(self, errors: Sequence[Any]) -> None:
        super().__init__(errors)
        self._errors = errors

    def errors(self) -> Sequence[Any]:
        return self._errors

    def __str__(self) -> str:
        # FastAPI's wording (without its endpoint context, which we do not track).
        count = len(self._errors)
        message = f"{count} validation error{'s' if count != 1 else ''}:\n"
        for error in self._errors:
            message += f"  {error}\n"
        return message.rstrip()


class RequestValidationError(ValidationException):
    """The request did not match the endpoint's parameters; answered with 422.

    ``errors()`` is a list of dicts in the FastAPI / pydantic v2 shape:
    ``{"type", "loc", "msg", "input"[, "ctx"]}``.
    """

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


