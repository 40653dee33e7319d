"""The descriptor of a model: its fields, validators, computed fields and configuration.

Built once per class (lazily, on first use, so self-referencing and forward-referencing
models resolve), from the class's annotations and ``Field()`` declarations. The native
validator, serialization and JSON Schema all read it; dataclasses and TypedDicts get the
same description, so they are accepted wherever a model is.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from fasterapi._types import Constraints, TypeDesc, describe, type_hints, unwrap_annotated
from fasterapi.fields import AliasChoices, AliasPath, ComputedFieldInfo, FieldInfo
from fasterapi.functional_validators import accepts_info
from fasterapi.params import Undefined


@dataclasses.dataclass(eq=False)
class FieldDesc:
    name: str
    info: FieldInfo
    type: TypeDesc
    #: Keys (or key paths) the value may be read from, in order of preference.
    validation_keys: tuple[tuple[str | int, ...], ...]
    #: The key the field is written under when dumping ``by_alias``.
    serialization_alias: str | None
    #: ``(mode, function, wants_info)`` from ``@field_validator`` and ``Annotated`` markers, in call order.
    validators: tuple[tuple[str, Any, bool], ...] = ()

    @property
    def required(self) -> bool:
        return self.info.is_required()


@dataclasses.dataclass(eq=False)
class ComputedDesc:
    name: str
    info: ComputedFieldInfo
    type: TypeDesc


@dataclasses.dataclass(eq=False)
class ModelDesc:
    cls: type
    kind: str  # "model" | "dataclass" | "typeddict"
    fields: tuple[FieldDesc, ...]
    config: dict[str, Any]
    #: ``(mode, function, wants_info)`` from ``@model_validator``, in call order.
    model_validators: tuple[tuple[str, Any, bool], ...] = ()
    computed: tuple[ComputedDesc, ...] = ()

    def field(self, name: str) -> FieldDesc | None:
        return next((f for f in self.fields if f.name == name), None)


_STR_CONFIG = ("str_min_length", "str_max_length")


def field_from_annotation(name: str, annotation: Any, default: Any, config: dict[str, Any]) -> FieldDesc:
    """One field: ``annotation`` (maybe ``Annotated[X, Field(...)]``) and its ``= default``."""
    plain, metadata = unwrap_annotated(annotation)
    info = FieldInfo(annotation=plain)
    for item in metadata:
        if isinstance(item, FieldInfo):
            info = info.merge(item)
    if isinstance(default, FieldInfo):
        info = info.merge(default)
    elif default is not Undefined:
        info.default = default
    info.annotation = plain

    # Annotated metadata other than FieldInfo (constraints, validator markers) stays on the
    # type, where describe() reads it; FieldInfo's own constraints are added on top.
    rest = tuple(m for m in metadata if not isinstance(m, FieldInfo))
    desc = describe(typing.Annotated[(plain, *rest)] if rest else plain)
    constraints = Constraints.from_info(info)
    if config.get("strict") and (constraints is None or constraints.strict is None):
        constraints = (constraints or Constraints()).merged(Constraints(strict=True))
    if desc.non_null().kind == "str":
        extra = {k[4:]: config[k] for k in _STR_CONFIG if config.get(k) is not None}
        if extra:
            constraints = Constraints(**extra).merged(constraints)
    desc = desc.with_constraints(constraints)
    if info.discriminator:
        desc = _with_discriminator(desc, info.discriminator)

    return FieldDesc(name, info, desc, _validation_keys(name, info, config), info.serialization_alias or _generated_alias(name, config))


def _with_discriminator(desc: TypeDesc, discriminator: str) -> TypeDesc:
    target = desc.non_null()
    if target.kind != "union":
        raise TypeError(f"discriminator {discriminator!r} needs a union of models, not {target.annotation!r}")
    tagged = TypeDesc("union", target.args, constraints=target.constraints, discriminator=discriminator, annotation=target.annotation)
    return TypeDesc("nullable", (tagged,), annotation=desc.annotation) if desc.kind == "nullable" else tagged


def _generated_alias(name: str, config: dict[str, Any]) -> str | None:
    generator = config.get("alias_generator")
    return generator(name) if callable(generator) else None


def _validation_keys(name: str, info: FieldInfo, config: dict[str, Any]) -> tuple[tuple[str | int, ...], ...]:
    alias = info.validation_alias if info.validation_alias is not None else _generated_alias(name, config)
    if alias is None:
        return ((name,),)
    if isinstance(alias, AliasChoices):
        keys = [tuple(path) for path in alias.convert_to_aliases()]
    elif isinstance(alias, AliasPath):
        keys = [tuple(alias.convert_to_aliases())]
    else:
        keys = [(alias,)]
    if config.get("populate_by_name") or config.get("validate_by_name"):
        keys.append((name,))
    return tuple(keys)


def collect_validators(namespace_items: list[tuple[str, Any]]) -> tuple[dict[str, list], list]:
    """Field and model validator declarations found in a class body, in declaration order."""
    by_field: dict[str, list] = {}
    model: list = []
    for _, value in namespace_items:
        if getattr(value, "__fasterapi_field_validator__", False):
            func = _plain_function(value.func)
            for field in value.fields:
                by_field.setdefault(field, []).append((value.mode, func, accepts_info(func, 2)))
        elif getattr(value, "__fasterapi_model_validator__", False):
            func = _plain_function(value.func)
            # "after" validators are instance methods (self[, info]); the others classmethods (cls, data[, info]).
            skip = 1 if value.mode == "after" else 2
            if value.mode == "wrap":
                skip = 3
            model.append((value.mode, func, accepts_info(func, skip)))
    return by_field, model


def _plain_function(func: Any) -> Any:
    return func.__func__ if isinstance(func, (classmethod, staticmethod)) else func


def build_model_desc(cls: type) -> ModelDesc:
    """The descriptor of a BaseModel subclass (called once per class, lazily)."""
    config = dict(getattr(cls, "model_config", {}) or {})
    hints = type_hints(cls)
    field_validators: dict[str, list] = {}
    model_validators: list = []
    computed: list[ComputedDesc] = []
    seen_computed: set[str] = set()
    # Bases first, so a subclass's validators run after (and may override) its parents'.
    for klass in reversed(cls.__mro__):
        declared = getattr(klass, "__fasterapi_declared__", None)
        if declared is None:
            continue
        fv, mv = declared["validators"]
        for name, entries in fv.items():
            field_validators.setdefault(name, []).extend(entries)
        model_validators.extend(mv)
        for name, marker in declared["computed"]:
            if name in seen_computed:
                computed = [c for c in computed if c.name != name]
            seen_computed.add(name)
            return_type = _computed_return_type(marker.prop)
            info = ComputedFieldInfo(marker.prop, return_type, **marker.options)
            computed.append(ComputedDesc(name, info, describe(return_type)))

    fields = []
    for name in cls.__fasterapi_field_names__:
        default = cls.__fasterapi_defaults__.get(name, Undefined)
        field = field_from_annotation(name, hints.get(name, Any), default, config)
        own = tuple(field_validators.get(name, ()))
        # Annotated markers are the type's own (they run innermost); @field_validator
        # functions wrap around them.
        field.validators = own
        fields.append(field)

    unknown = set(field_validators) - {f.name for f in fields} - {"*"}
    if unknown:
        raise TypeError(f"{cls.__name__}: field_validator for unknown field(s) {sorted(unknown)}")
    if "*" in field_validators:
        for field in fields:
            field.validators = tuple(field_validators["*"]) + field.validators
    return ModelDesc(cls, "model", tuple(fields), config, tuple(model_validators), tuple(computed))


def _computed_return_type(prop: property) -> Any:
    getter = prop.fget
    hints = type_hints(getter) if getter is not None else {}
    return hints.get("return", Any)


def dataclass_desc(cls: type) -> ModelDesc:
    """A dataclass described like a model (fields in definition order, ``init=False`` left out)."""
    cached = cls.__dict__.get("__fasterapi_desc__")
    if cached is not None:
        return cached
    hints = type_hints(cls)
    config = dict(getattr(cls, "__pydantic_config__", {}) or {})
    fields = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = FieldInfo(default_factory=f.default_factory)
        else:
            default = Undefined
        fields.append(field_from_annotation(f.name, hints.get(f.name, Any), default, config))
    desc = ModelDesc(cls, "dataclass", tuple(fields), config)
    try:
        cls.__fasterapi_desc__ = desc
    except (AttributeError, TypeError):
        pass
    return desc


def typeddict_desc(cls: type) -> ModelDesc:
    """A TypedDict described like a model; ``NotRequired`` keys are optional without a default."""
    cached = _typeddict_cache.get(cls)
    if cached is not None:
        return cached
    hints = type_hints(cls)
    fields = []
    for name, annotation in hints.items():
        plain, _ = unwrap_annotated(annotation)
        origin = typing.get_origin(plain)
        # Required/NotRequired say it; otherwise the class's total= does. (Read from the
        # annotation, not __required_keys__: with string annotations the TypedDict class
        # cannot see NotRequired, pydantic can.)
        required = getattr(cls, "__total__", True) if origin not in (typing.Required, typing.NotRequired) else origin is typing.Required
        if origin in (typing.Required, typing.NotRequired):
            annotation = typing.get_args(plain)[0]
        field = field_from_annotation(name, annotation, Undefined, {})
        if not required:
            # Optional key: absent stays absent (no default is filled in).
            field.info.default = _ABSENT
        fields.append(field)
    desc = ModelDesc(cls, "typeddict", tuple(fields), {})
    _typeddict_cache[cls] = desc
    return desc


class _Absent:
    """Default of a TypedDict's optional key: leave it out of the result."""

    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()
_typeddict_cache: dict[type, ModelDesc] = {}


def desc_of(desc: TypeDesc) -> ModelDesc:
    """The ModelDesc behind a ``model``/``dataclass``/``typeddict`` TypeDesc."""
    if desc.kind == "model":
        return desc.cls.__fasterapi_model_desc__()
    if desc.kind == "dataclass":
        return dataclass_desc(desc.cls)
    if desc.kind == "typeddict":
        return typeddict_desc(desc.cls)
    raise TypeError(f"not a model type: {desc!r}")
