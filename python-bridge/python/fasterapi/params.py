"""Parameter markers: ``Query``, ``Path``, ``Header``, ``Cookie``, ``Body``.

Used as a default value (``q: str = Query(None, alias="search")``) or inside
``Annotated[str, Query(alias="search")]``, exactly like FastAPI. A marker only
records what to extract and how to check it; the work is planned once per
route by :mod:`fasterapi._signature`.

``default=...`` (Ellipsis) or no default at all means "required".
"""

from __future__ import annotations

from typing import Any


class _Undefined:
    """Sentinel for "no default given" (``None`` is a legitimate default)."""

    _instance = None

    def __new__(cls) -> "_Undefined":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Undefined"

    def __bool__(self) -> bool:
        return False


Undefined: Any = _Undefined()


class Param:
    """Common fields of every marker.

    ``gt``/``ge``/``lt``/``le`` bound numbers, ``min_length``/``max_length``/
    ``pattern`` constrain strings, with FastAPI's error messages. ``title``,
    ``description``, ``examples``, ``deprecated`` and ``include_in_schema`` are
    accepted for source compatibility and otherwise unused (there is no
    OpenAPI schema yet).
    """

    in_: str = ""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        examples: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        self.default = Undefined if default is ... else default
        self.alias = alias
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern if pattern is not None else regex
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema

    @property
    def required(self) -> bool:
        return self.default is Undefined

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Query(Param):
    in_ = "query"


class Path(Param):
    in_ = "path"

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        # Path parameters are always required; the default is ignored, as in FastAPI.
        super().__init__(default, **kwargs)


class Header(Param):
    """A request header. ``user_agent`` reads ``user-agent`` unless ``convert_underscores=False``."""

    in_ = "header"

    def __init__(self, default: Any = Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    in_ = "cookie"


class Body(Param):
    """The JSON body, or with ``embed=True`` (or several body parameters) one key of it."""

    in_ = "body"

    def __init__(self, default: Any = Undefined, *, embed: bool = False, media_type: str = "application/json", **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type
