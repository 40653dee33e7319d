"""How much a form body may hold: the limits the form parsers enforce.

Starlette's defaults, as FastAPI applies them: at most 1000 text fields and 1000 files, each
text field at most 1 MiB. FasterAPI adds a per-file limit, off by default (the server's
``FASTERAPI_MAX_BODY`` bounds the whole body anyway).

The defaults can be changed for the whole process with environment variables (read when the
routes are compiled, at startup, in every interpreter)::

    FASTERAPI_FORM_MAX_FIELDS      text fields per form            (default 1000)
    FASTERAPI_FORM_MAX_FILES       files per form                  (default 1000)
    FASTERAPI_FORM_MAX_PART_SIZE   bytes per text field            (default 1048576)
    FASTERAPI_FORM_MAX_FILE_SIZE   bytes per file, 0 = no limit    (default 0)

and per route with FastAPI's ``form_limits={"max_fields": ..., "max_files": ...,
"max_part_size": ...}`` (plus ``"max_file_size"``).

Going over a count is a 400 (as in Starlette); a field or file over its size is a 413.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

#: Files larger than this are moved from memory to a temporary file (Starlette's value).
SPOOL_MAX_SIZE = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class FormLimits:
    max_fields: int = 1000
    max_files: int = 1000
    max_part_size: int = 1024 * 1024
    #: ``None``: no limit of its own.
    max_file_size: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "FormLimits":
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field, variable in _ENV.items():
            raw = environ.get(variable)
            if raw is None or not raw.strip():
                continue
            number = _non_negative_int(raw, variable)
            values[field] = None if field == "max_file_size" and number == 0 else number
        return cls(**values)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> "FormLimits":
        """These limits with FastAPI's ``form_limits={...}`` of a route on top."""
        if not overrides:
            return self
        unknown = set(overrides) - set(_ENV)
        if unknown:
            raise ValueError(f"form_limits: unknown setting(s) {sorted(unknown)}; expected {sorted(_ENV)}")
        values = {}
        for name, value in overrides.items():
            if name == "max_file_size" and value is None:
                values[name] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"form_limits: {name} must be an int >= 0, not {value!r}")
            values[name] = value
        return dataclasses.replace(self, **values)


_ENV = {
    "max_fields": "FASTERAPI_FORM_MAX_FIELDS",
    "max_files": "FASTERAPI_FORM_MAX_FILES",
    "max_part_size": "FASTERAPI_FORM_MAX_PART_SIZE",
    "max_file_size": "FASTERAPI_FORM_MAX_FILE_SIZE",
}


def _non_negative_int(raw: str, variable: str) -> int:
    try:
        number = int(raw.strip())
    except ValueError:
        raise ValueError(f"{variable}: expected a whole number of bytes or items, got {raw!r}") from None
    if number < 0:
        raise ValueError(f"{variable}: must be >= 0, got {raw!r}")
    return number


_defaults: FormLimits | None = None


def default_limits() -> FormLimits:
    """The limits from the environment, read once per interpreter (at startup, when the first
    form route is compiled)."""
    global _defaults
    if _defaults is None:
        _defaults = FormLimits.from_env()
    return _defaults
