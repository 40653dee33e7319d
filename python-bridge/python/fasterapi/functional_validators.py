"""``field_validator``, ``model_validator`` and the ``Annotated`` validator markers.

Decorators only tag the function; the model class collects the tags when it is created
and the native validator calls each function exactly where it was declared (before or
after the field's own validation, or instead of it), and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FIELD_MODES = ("before", "after", "wrap", "plain")
_MODEL_MODES = ("before", "after", "wrap")


class ValidationInfo:
    """The ``info`` argument of validators: the field's name, the data validated so far, the mode."""

    __slots__ = ("field_name", "data", "mode", "context", "config")

    def __init__(self, field_name: str | None, data: dict, mode: str, context: Any = None, config: Any = None) -> None:
        self.field_name = field_name
        self.data = data
        self.mode = mode
        self.context = context
        self.config = config

    def __repr__(self) -> str:
        return f"ValidationInfo(field_name={self.field_name!r}, data={self.data!r}, mode={self.mode!r})"


class FieldValidatorDecorator:
    """What ``@field_validator(...)`` leaves in the class body."""

    __fasterapi_field_validator__ = True

    def __init__(self, func: Any, fields: tuple[str, ...], mode: str, check_fields: bool | None) -> None:
        self.func = func
        self.fields = fields
        self.mode = mode
        self.check_fields = check_fields

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self.func.__get__(obj, owner) if hasattr(self.func, "__get__") else self.func


class ModelValidatorDecorator:
    """What ``@model_validator(mode=...)`` leaves in the class body."""

    __fasterapi_model_validator__ = True

    def __init__(self, func: Any, mode: str) -> None:
        self.func = func
        self.mode = mode

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self.func.__get__(obj, owner) if hasattr(self.func, "__get__") else self.func


def _unwrap(func: Any) -> Any:
    # Validators are written as classmethods (pydantic's style) or plain functions.
    return func.__func__ if isinstance(func, (classmethod, staticmethod)) else func


def field_validator(field: str, /, *fields: str, mode: str = "after", check_fields: bool | None = None) -> Callable[[Any], Any]:
    """``@field_validator("name", mode="before"|"after"|"wrap"|"plain")`` on a classmethod."""
    if callable(field) or isinstance(field, classmethod):
        raise TypeError("field_validator needs the field names: @field_validator('name')")
    if mode not in _FIELD_MODES:
        raise ValueError(f"field_validator mode must be one of {_FIELD_MODES}, not {mode!r}")

    def decorate(func: Any) -> Any:
        return FieldValidatorDecorator(func, (field, *fields), mode, check_fields)

    return decorate


def model_validator(*, mode: str) -> Callable[[Any], Any]:
    """``@model_validator(mode="before"|"after"|"wrap")``."""
    if mode not in _MODEL_MODES:
        raise ValueError(f"model_validator mode must be one of {_MODEL_MODES}, not {mode!r}")

    def decorate(func: Any) -> Any:
        return ModelValidatorDecorator(func, mode)

    return decorate


def accepts_info(func: Any, skip: int) -> bool:
    """Whether ``func`` takes the ``info`` argument after its first ``skip`` positional ones."""
    import inspect

    try:
        parameters = [
            p for p in inspect.signature(func).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return False
    return len(parameters) > skip


class _AnnotatedValidator:
    __fasterapi_validator_mode__ = ""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self.func, '__name__', self.func)})"


class BeforeValidator(_AnnotatedValidator):
    """``Annotated[int, BeforeValidator(f)]``: ``f(raw_value)`` runs before the type's validation."""

    __fasterapi_validator_mode__ = "before"


class AfterValidator(_AnnotatedValidator):
    """``Annotated[int, AfterValidator(f)]``: ``f(validated_value)`` runs after it."""

    __fasterapi_validator_mode__ = "after"


class PlainValidator(_AnnotatedValidator):
    """``Annotated[X, PlainValidator(f)]``: ``f(raw_value)`` replaces the type's validation."""

    __fasterapi_validator_mode__ = "plain"


class WrapValidator(_AnnotatedValidator):
    """``Annotated[X, WrapValidator(f)]``: ``f(raw_value, handler)``; ``handler(v)`` runs the type's validation."""

    __fasterapi_validator_mode__ = "wrap"
