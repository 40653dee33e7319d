"""``Field()``, ``FieldInfo`` and ``computed_field``, with pydantic's names and meanings.

A ``FieldInfo`` only records what was declared; the type layer (:mod:`fasterapi._types`)
and the model layer (:mod:`fasterapi._model_desc`) turn it into descriptors at startup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fasterapi.params import Undefined

#: pydantic's name for "no default"; the same object as ``fasterapi.params.Undefined``.
PydanticUndefined = Undefined


class AliasPath:
    """``validation_alias=AliasPath("names", 0)``: read the value at a path in the input."""

    def __init__(self, first_arg: str, *args: str | int) -> None:
        self.path = [first_arg, *args]

    def convert_to_aliases(self) -> list[str | int]:
        return self.path

    def __repr__(self) -> str:
        return f"AliasPath(path={self.path!r})"


class AliasChoices:
    """``validation_alias=AliasChoices("a", "b")``: the first of these keys present in the input."""

    def __init__(self, first_choice: str | AliasPath, *choices: str | AliasPath) -> None:
        self.choices = [first_choice, *choices]

    def convert_to_aliases(self) -> list[list[str | int]]:
        return [c.convert_to_aliases() if isinstance(c, AliasPath) else [c] for c in self.choices]

    def __repr__(self) -> str:
        return f"AliasChoices(choices={self.choices!r})"


class FieldInfo:
    """What ``Field(...)`` (or an annotation alone) declared for one field."""

    __slots__ = (
        "annotation",
        "default",
        "default_factory",
        "alias",
        "alias_priority",
        "validation_alias",
        "serialization_alias",
        "title",
        "description",
        "examples",
        "exclude",
        "discriminator",
        "deprecated",
        "json_schema_extra",
        "frozen",
        "validate_default",
        "repr",
        "init",
        "kw_only",
        "gt",
        "ge",
        "lt",
        "le",
        "multiple_of",
        "min_length",
        "max_length",
        "pattern",
        "strict",
        "allow_inf_nan",
        "max_digits",
        "decimal_places",
        "metadata",
    )

    def __init__(self, **kwargs: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, None)
        self.default = Undefined
        self.metadata = []
        self.repr = True
        for name, value in kwargs.items():
            setattr(self, name, value)
        if self.default is ...:
            self.default = Undefined
        if self.default is not Undefined and self.default_factory is not None:
            raise TypeError("cannot specify both default and default_factory")

    @classmethod
    def from_annotation(cls, annotation: Any) -> "FieldInfo":
        return cls(annotation=annotation)

    def is_required(self) -> bool:
        return self.default is Undefined and self.default_factory is None

    def get_default(self, *, call_default_factory: bool = False) -> Any:
        if self.default_factory is not None:
            return self.default_factory() if call_default_factory else None
        return None if self.default is Undefined else self.default

    def merge(self, other: "FieldInfo") -> "FieldInfo":
        """A FieldInfo with ``other``'s explicitly set attributes on top of ours."""
        merged = FieldInfo()
        for name in self.__slots__:
            setattr(merged, name, getattr(self, name))
        for name in self.__slots__:
            value = getattr(other, name)
            if name == "default":
                if value is not Undefined:
                    merged.default = value
            elif name == "metadata":
                merged.metadata = list(self.metadata) + list(value)
            elif name == "repr":
                if value is False:
                    merged.repr = False
            elif value is not None:
                setattr(merged, name, value)
        return merged

    def __repr__(self) -> str:
        shown = []
        for name in ("annotation", "default", "default_factory", "alias", "title", "description"):
            value = getattr(self, name)
            if value is not None and value is not Undefined:
                shown.append(f"{name}={getattr(value, '__name__', None) or value!r}" if name == "annotation" else f"{name}={value!r}")
        shown.append(f"required={self.is_required()}")
        return f"FieldInfo({', '.join(shown)})"


def Field(  # noqa: N802 - pydantic's name
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | AliasPath | AliasChoices | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    examples: list[Any] | None = None,
    exclude: bool | None = None,
    discriminator: str | None = None,
    deprecated: str | bool | None = None,
    json_schema_extra: dict[str, Any] | Callable[..., None] | None = None,
    frozen: bool | None = None,
    validate_default: bool | None = None,
    repr: bool = True,  # noqa: A002 - pydantic's name
    init: bool | None = None,
    kw_only: bool | None = None,
    pattern: str | None = None,
    strict: bool | None = None,
    gt: Any = None,
    ge: Any = None,
    lt: Any = None,
    le: Any = None,
    multiple_of: Any = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> Any:
    """Declare a model field's default, aliases, constraints and documentation, as pydantic's ``Field``."""
    if default is ...:
        default = Undefined
    if alias is not None:
        # pydantic: a plain alias is both the validation and the serialization name.
        if validation_alias is None:
            validation_alias = alias
        if serialization_alias is None:
            serialization_alias = alias
    return FieldInfo(
        default=default,
        default_factory=default_factory,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        examples=examples,
        exclude=exclude,
        discriminator=discriminator,
        deprecated=deprecated,
        json_schema_extra=json_schema_extra,
        frozen=frozen,
        validate_default=validate_default,
        repr=repr,
        init=init,
        kw_only=kw_only,
        pattern=pattern,
        strict=strict,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        min_length=min_length,
        max_length=max_length,
    )


class ComputedFieldInfo:
    """What ``@computed_field`` declared: the property, its return type and documentation."""

    __slots__ = ("wrapped_property", "return_type", "alias", "title", "description", "examples", "json_schema_extra", "repr", "deprecated")

    def __init__(self, wrapped_property: property, return_type: Any, **kwargs: Any) -> None:
        self.wrapped_property = wrapped_property
        self.return_type = return_type
        self.alias = kwargs.get("alias")
        self.title = kwargs.get("title")
        self.description = kwargs.get("description")
        self.examples = kwargs.get("examples")
        self.json_schema_extra = kwargs.get("json_schema_extra")
        self.repr = kwargs.get("repr", True)
        self.deprecated = kwargs.get("deprecated")


class _ComputedField:
    """The marker ``@computed_field`` leaves in a class body; the model class collects it."""

    __fasterapi_computed__ = True

    def __init__(self, prop: property, options: dict[str, Any]) -> None:
        self.prop = prop
        self.options = options

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self.prop.__get__(obj, owner)


def computed_field(func: Any = None, /, **options: Any) -> Any:
    """``@computed_field`` over a ``@property`` (or a plain method): included in dumps and the output schema."""

    def wrap(f: Any) -> Any:
        prop = f if isinstance(f, property) else property(f)
        return _ComputedField(prop, options)

    return wrap if func is None else wrap(func)
