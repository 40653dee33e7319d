"""The values a request carries for one kind of parameter, read with FastAPI's rules.

FastAPI reads a parameter from a multi-dict (query string, headers, form) or a plain dict
(cookies) with ``_get_multidict_value``: a list-typed parameter gets every value of its key,
any other the single value (the last of a repeated query key or form field, the first of a
repeated header); a missing key -- or, in a form, an empty string or an empty file input, or
an empty list -- counts as "not sent", so the default applies. :class:`Received` is that
view, built per request only for routes that need it (parameter models and forms; plain
query/header/cookie parameters are read by :mod:`fasterapi.routing` directly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fasterapi._validators import missing_error
from fasterapi.datastructures import FormData, UploadFile
from fasterapi.params import Undefined

if TYPE_CHECKING:
    from fasterapi._signature import ParamSpec

#: "Not sent" (``None`` and ``""`` are values).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>", "__bool__": lambda self: False})()


def is_empty_file(value: Any) -> bool:
    # Browsers send a part with an empty file name and no content when no file is chosen.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


class Received:
    """``(key, value)`` pairs of one source; ``case_insensitive`` for headers."""

    __slots__ = ("pairs", "single", "multi", "case_insensitive", "is_form")

    def __init__(self, pairs: list[tuple[str, Any]], *, multi: bool = True, last_wins: bool = True,
                 case_insensitive: bool = False, is_form: bool = False) -> None:
        self.pairs = pairs
        #: ``get``'s answer: the last value of a key (query, form) or the first (headers).
        self.single = dict(pairs) if last_wins else dict(reversed(pairs))
        #: Whether a key may have several values (a cookie has one).
        self.multi = multi
        self.case_insensitive = case_insensitive
        self.is_form = is_form

    @classmethod
    def query(cls, pairs: list[tuple[str, str]]) -> "Received":
        return cls(list(pairs))

    @classmethod
    def headers(cls, pairs: list[tuple[str, str]]) -> "Received":
        # Names arrive lower-case from the server.
        return cls(list(pairs), last_wins=False, case_insensitive=True)

    @classmethod
    def cookies(cls, cookies: dict[str, str]) -> "Received":
        return cls(list(cookies.items()), multi=False)

    @classmethod
    def form(cls, form: FormData) -> "Received":
        return cls(form.multi_items(), is_form=True)

    def normal(self, key: str) -> str:
        return key.lower() if self.case_insensitive else key

    def __contains__(self, key: str) -> bool:
        return self.normal(key) in self.single

    def value(self, key: str, many: bool) -> Any:
        """The value of ``key`` for a parameter (``many``: list-typed), or ``MISSING``."""
        key = self.normal(key)
        if many and self.multi:
            value: Any = [v for k, v in self.pairs if k == key]
            if self.is_form:
                value = [v for v in value if not is_empty_file(v)]
            return value or MISSING
        value = self.single.get(key, MISSING)
        if value is MISSING:
            return MISSING
        if self.is_form and (value == "" or is_empty_file(value)):
            return MISSING
        if many and len(value) == 0:
            return MISSING
        return value

    def extras(self, taken: set[str]) -> list[tuple[str, Any]]:
        """Keys not in ``taken`` (normalised), each with its value, or a list of its values
        when repeated -- what a parameter model validates as extra fields."""
        grouped: dict[str, list[Any]] = {}
        for key, value in self.pairs:
            if key not in taken:
                grouped.setdefault(key, []).append(value)
        return [(key, values[0] if len(values) == 1 else values) for key, values in grouped.items()]


def bind_value(spec: ParamSpec, value: Any, kwargs: dict, errors: list, loc: tuple | None = None) -> None:
    """Bind one parameter: its validated value, its default, or a "missing" error
    (FastAPI's ``_validate_value_with_model_field``)."""
    if loc is None:
        loc = spec.loc
    if value is MISSING:
        if spec.default is Undefined and spec.default_factory is None:
            errors.append(missing_error(loc))
            return
        value = spec.get_default()
        if not spec.validate_default:
            kwargs[spec.name] = value
            return
    validate = spec.validate
    kwargs[spec.name] = value if validate is None else validate(value, loc, errors)
