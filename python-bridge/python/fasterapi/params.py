"""Parameter markers: ``Path``, ``Query``, ``Header``, ``Cookie``, ``Body``, ``Form``, ``File``.

Used as a default value (``q: str = Query(None, alias="search")``) or inside
``Annotated[str, Query(alias="search")]``, exactly like FastAPI. A marker only records what
to extract and how to check and document it; the work is planned once per route by
:mod:`fasterapi._signature`.

Every marker takes FastAPI's arguments: the default (``...`` or nothing means required) or a
``default_factory``; ``alias``, ``validation_alias`` (a name or ``AliasChoices``; it is the key
read from the request) and ``serialization_alias``; the constraints ``gt``/``ge``/``lt``/``le``,
``multiple_of``, ``min_length``/``max_length``, ``pattern`` (``regex`` is its old name),
``strict``, ``allow_inf_nan``, ``max_digits``, ``decimal_places``; and, for the OpenAPI
document, ``title``, ``description``, ``examples`` (``example`` is its deprecated
predecessor), ``openapi_examples``, ``deprecated``, ``include_in_schema`` and
``json_schema_extra``. Attribute names are pydantic's ``FieldInfo``'s, so code reading a
marker can treat it as one (``is_required()``, ``get_default()``).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
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

    def __copy__(self) -> "_Undefined":
        return self

    def __deepcopy__(self, memo: Any) -> "_Undefined":
        return self


Undefined: Any = _Undefined()
#: "Argument not given" (distinct from ``None``, which some arguments take as a value).
_Unset: Any = object()


class Param:
    """What every marker records; see the module docstring for the arguments."""

    in_: str = ""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        default_factory: Callable[[], Any] | None = None,
        annotation: Any | None = None,
        alias: str | None = None,
        alias_priority: int | None = None,
        validation_alias: Any = None,
        serialization_alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: Any = None,
        ge: Any = None,
        lt: Any = None,
        le: Any = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: Any = None,
        regex: str | None = None,
        discriminator: str | None = None,
        strict: bool | None = None,
        validate_default: bool | None = None,
        union_mode: str | None = None,
        fail_fast: bool | None = None,
        multiple_of: Any = None,
        allow_inf_nan: bool | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: list[Any] | None = None,
        example: Any = _Unset,
        openapi_examples: dict[str, Any] | None = None,
        deprecated: Any = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | Callable[..., None] | None = None,
        **extra: Any,
    ) -> None:
        if example is not _Unset:
            warnings.warn("`example` has been deprecated, please use `examples` instead", DeprecationWarning, stacklevel=3)
        if regex is not None:
            warnings.warn("`regex` has been deprecated, please use `pattern` instead", DeprecationWarning, stacklevel=3)
        if extra:
            # FastAPI (pydantic) puts unknown keyword arguments into the JSON Schema.
            warnings.warn(
                f"Using extra keyword arguments on a parameter marker is deprecated; use json_schema_extra instead. "
                f"Extra keys: {', '.join(sorted(extra))}",
                DeprecationWarning,
                stacklevel=3,
            )
            if json_schema_extra is None:
                json_schema_extra = dict(extra)
            elif isinstance(json_schema_extra, dict):
                json_schema_extra = {**extra, **json_schema_extra}
        if default is not Undefined and default is not ... and default_factory is not None:
            raise TypeError("cannot specify both default and default_factory")
        self.default = Undefined if default is ... else default
        self.default_factory = default_factory
        self.annotation = annotation
        self.alias = alias
        self.alias_priority = alias_priority
        # pydantic/FastAPI: a plain alias is also the key read and the name written.
        self.validation_alias = validation_alias if validation_alias is not None else alias
        self.serialization_alias = serialization_alias if serialization_alias is not None else (alias if isinstance(alias, str) else None)
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.min_length = min_length
        self.max_length = max_length
        if pattern is not None and not isinstance(pattern, str):
            pattern = getattr(pattern, "pattern", pattern)  # a compiled re.Pattern
        self.pattern = pattern if pattern is not None else regex
        self.discriminator = discriminator
        self.strict = strict
        self.validate_default = validate_default
        self.union_mode = union_mode
        self.fail_fast = fail_fast
        self.multiple_of = multiple_of
        self.allow_inf_nan = allow_inf_nan
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.examples = examples
        self.example = None if example is _Unset else example
        self.openapi_examples = openapi_examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.json_schema_extra = json_schema_extra

    # pydantic FieldInfo's API, for code that reads markers as field infos.

    @property
    def regex(self) -> str | None:
        return self.pattern

    @property
    def required(self) -> bool:
        return self.is_required()

    def is_required(self) -> bool:
        return self.default is Undefined and self.default_factory is None

    def get_default(self, *, call_default_factory: bool = False) -> Any:
        if self.default_factory is not None:
            return self.default_factory() if call_default_factory else None
        return None if self.default is Undefined else self.default

    def copy(self) -> "Param":
        return copy.copy(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Path(Param):
    in_ = "path"

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        # Path parameters are always required, as in FastAPI (a default is refused).
        if default is not ... and default is not Undefined:
            raise TypeError("Path parameters cannot have a default value")
        super().__init__(..., **kwargs)


class Query(Param):
    in_ = "query"


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

    def __init__(self, default: Any = Undefined, *, embed: bool | None = None, media_type: str = "application/json", **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class Form(Body):
    """A field of a form body (``application/x-www-form-urlencoded`` or ``multipart/form-data``).
    With a model annotation (``Annotated[LoginForm, Form()]``) the model's fields are the form's."""

    in_ = "form"

    def __init__(self, default: Any = Undefined, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Any) -> None:
        if "embed" in kwargs:
            raise TypeError("Form() takes no 'embed': form fields are always read by name")
        super().__init__(default, media_type=media_type, **kwargs)


class File(Form):
    """A file of a ``multipart/form-data`` body: ``bytes`` (its content), ``UploadFile``, or
    a list of either for a repeated field."""

    in_ = "file"

    def __init__(self, default: Any = Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class Depends:
    """A dependency: ``Depends(get_db)``, or ``Depends()`` with the class given by the
    annotation (``commons: Annotated[CommonParams, Depends()]``).

    ``use_cache=False`` calls it again each time it is used in one request (by default a
    request calls each dependency once and shares the value). ``scope`` (for ``yield``
    dependencies): ``"request"`` (the default) runs the code after ``yield`` once the response
    has been sent; ``"function"`` runs it as soon as the endpoint has returned, before the
    response is sent. The tree is resolved once per route (:mod:`fasterapi._dependencies`).
    """

    __slots__ = ("dependency", "use_cache", "scope")

    def __init__(self, dependency: Callable[..., Any] | None = None, *, use_cache: bool = True, scope: str | None = None) -> None:
        if dependency is not None and not callable(dependency):
            raise TypeError(f"Depends() takes a callable, not {dependency!r}")
        if scope not in (None, "function", "request"):
            raise ValueError(f"Depends(scope=...) must be 'function', 'request' or None, not {scope!r}")
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__) if self.dependency is not None else ""
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name}{cache})"


class Security(Depends):
    """A dependency that needs OAuth2 ``scopes``: they are added to the scopes of the
    dependencies below it (read with a ``SecurityScopes`` parameter) and documented in the
    OpenAPI security requirement of the operation."""

    __slots__ = ("scopes",)

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: Sequence[str] | None = None,
        use_cache: bool = True,
        scope: str | None = None,
    ) -> None:
        super().__init__(dependency, use_cache=use_cache, scope=scope)
        self.scopes = list(scopes or ())
