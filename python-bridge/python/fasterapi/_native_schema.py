"""Compiling type descriptors into the native validator's spec.

:func:`compile_type` turns a :class:`~fasterapi._types.TypeDesc` into a capsule the native
module validates and serializes with (``python-bridge/src/cpython/schema/``). The spec is
nested tuples, one per node, whose first item is the node's code:

====  ===========================================================================
code  spec
====  ===========================================================================
0     ``(0,)`` any
1     ``(1,)`` None
2     ``(2, strict)`` bool
3     ``(3, strict, gt, ge, lt, le, multiple_of)`` int
4     ``(4, strict, gt, ge, lt, le, multiple_of, allow_inf_nan)`` float
5     ``(5, strict, min_length, max_length, re_search, pattern, strip, lower, upper)`` str
6     ``(6, kind, item, min_length, max_length)`` list/set/frozenset/tuple[X, ...] (kind 0-3)
7     ``(7, (item, ...))`` fixed tuple
8     ``(8, key, value, min_length, max_length)`` dict
9     ``(9, inner)`` X | None
10    ``(10, ((label, node), ...))`` smart union
11    ``(11, field, {tag: index}, ((label, node), ...), expected_tags)`` discriminated union
12    ``(12, {value: result}, error_type, msg, expected, {int: result} | None, enum_cls | None)``
13    ``(13, model_core)`` a model, dataclass or TypedDict (``_model_core``)
14    ``(14, validate, to_json | None)`` a validator written in Python (``_leaf_validators``)
15    ``(15, inner, ((mode, func, wants_info, pass_cls), ...))`` with Python validators
====  ===========================================================================

Compiled once per type per interpreter, at startup (models on first use).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import re
import uuid
from typing import Any

from fasterapi import _leaf_validators as leaf
from fasterapi import _native
from fasterapi._model_desc import _ABSENT, ModelDesc, desc_of
from fasterapi._types import Constraints, TypeDesc, describe, type_label
from fasterapi.functional_validators import ValidationInfo, accepts_info

_SEQ_KINDS = {"list": 0, "set": 1, "frozenset": 2, "var_tuple": 3}
_VALIDATOR_MODES = {"before": 0, "after": 1, "plain": 2}
_EXTRA = {None: 0, "ignore": 0, "forbid": 1, "allow": 2}
_CONSTRUCT = {"model": 0, "dataclass": 1, "typeddict": 2}


def compile_type(desc: TypeDesc, title: str | None = None) -> Any:
    """The native schema capsule of ``desc`` (cached on the descriptor)."""
    compiled = desc._compiled.get("native")
    if compiled is None:
        compiled = _native.schema_compile(node_spec(desc), title or type_label(desc))
        desc._compiled["native"] = compiled
    return compiled


def compile_annotation(annotation: Any, title: str | None = None) -> Any:
    return compile_type(describe(annotation), title)


@dataclasses.dataclass(frozen=True)
class FieldConfig:
    """A model's ``model_config`` options that apply to every value of a field's type (down
    to list items and dict values, but not into other models, which have their own)."""

    strict: bool = False
    strip: bool = False
    lower: bool = False
    upper: bool = False
    use_enum_values: bool = False

    @classmethod
    def of(cls, config: dict) -> "FieldConfig | None":
        made = cls(
            bool(config.get("strict")),
            bool(config.get("str_strip_whitespace")),
            bool(config.get("str_to_lower")),
            bool(config.get("str_to_upper")),
            bool(config.get("use_enum_values")),
        )
        return None if made == cls() else made


def node_spec(desc: TypeDesc, cfg: FieldConfig | None = None) -> tuple:
    if cfg is not None and cfg.strict and desc.kind not in ("model", "dataclass", "typeddict"):
        if desc.constraints is None or desc.constraints.strict is None:
            desc = desc.with_constraints(Constraints(strict=True))
    spec = _plain_spec(desc, cfg)
    # pydantic applies Annotated validators left to right, each around what came before: a
    # later "before" runs first, a later "after" last, a "plain" replaces everything before
    # it, a "wrap" receives the rest as its handler.
    for mode, func in desc.validators:
        spec = _around(spec, mode, func, type_label(desc))
    return spec


def _around(inner: tuple, mode: str, func: Any, title: str) -> tuple:
    if mode == "before":
        return (15, inner, ((0, func, accepts_info(func, 1), False),))
    if mode == "after":
        return (15, inner, ((1, func, accepts_info(func, 1), False),))
    if mode == "plain":
        return (15, (0,), ((2, func, accepts_info(func, 1), False),))
    return (14, *_wrap_leaf(inner, func, title), object, None, False)


def _wrap_leaf(inner: tuple, func: Any, title: str) -> tuple[Any, Any]:
    """A ``WrapValidator(func)`` as a Python leaf: ``func(value, handler[, info])`` where
    ``handler(v)`` validates ``v`` with the inner schema (its errors located where the value is)."""
    from fasterapi._errors import ValidationError
    from fasterapi.functional_validators import ValidationInfo

    schema = _native.schema_compile(inner, title)
    wants_info = accepts_info(func, 2)
    validate_inner = _native.schema_validate
    dump_inner = _native.schema_dump

    def validate(value: Any, loc: tuple, errors: list, from_json: bool, strict: bool) -> Any:
        def handler(v: Any) -> Any:
            return validate_inner(schema, v, from_json, loc, strict)

        try:
            if wants_info:
                return func(value, handler, ValidationInfo(None, None, "json" if from_json else "python"))
            return func(value, handler)
        except ValidationError as exc:
            errors.extend(exc._errors)
        except AssertionError as exc:
            errors.append(leaf.make_error("assertion_error", loc, f"Assertion failed, {exc}", value, {"error": exc}))
        except ValueError as exc:
            errors.append(leaf.make_error("value_error", loc, f"Value error, {exc}", value, {"error": exc}))
        return leaf.FAILED

    def to_json(value: Any) -> Any:
        return dump_inner(schema, value, True, False, False, False, False, None, None)

    return validate, to_json


def _plain_spec(desc: TypeDesc, cfg: FieldConfig | None) -> tuple:
    kind = desc.kind
    c = desc.constraints or Constraints()
    strict = bool(c.strict)
    if kind == "any":
        return (0,)
    if kind == "none":
        return (1,)
    if kind == "bool":
        return (2, strict)
    if kind == "int":
        return (3, strict, c.gt, c.ge, c.lt, c.le, c.multiple_of)
    if kind == "float":
        # pydantic compares, and reports in ctx, a float field's bounds as floats.
        gt, ge, lt, le, multiple_of = (_as_float(b) for b in (c.gt, c.ge, c.lt, c.le, c.multiple_of))
        return (4, strict, gt, ge, lt, le, multiple_of, c.allow_inf_nan is not False)
    if kind == "str":
        search = re.compile(c.pattern).search if c.pattern is not None else None
        strip, lower, upper = (cfg.strip, cfg.lower, cfg.upper) if cfg is not None else (False, False, False)
        return (5, strict, c.min_length, c.max_length, search, c.pattern or "", strip, lower, upper)
    if kind in _SEQ_KINDS:
        return (6, _SEQ_KINDS[kind], node_spec(desc.args[0], cfg), c.min_length, c.max_length, strict)
    if kind == "tuple":
        return (7, tuple(node_spec(a, cfg) for a in desc.args), strict)
    if kind == "dict":
        return (8, node_spec(desc.args[0], cfg), node_spec(desc.args[1], cfg), c.min_length, c.max_length)
    if kind == "nullable":
        inner = desc.args[0]
        if desc.constraints is not None:
            inner = inner.with_constraints(desc.constraints)
        return (9, node_spec(inner, cfg))
    if kind == "union":
        if desc.discriminator:
            return _tagged_spec(desc, cfg)
        return (10, tuple((type_label(m), node_spec(m, cfg)) for m in desc.args))
    if kind == "literal":
        return _choice_spec({v: v for v in desc.choices}, list(desc.choices), "literal_error", None, False)
    if kind == "enum":
        members = list(desc.cls)
        as_values = cfg is not None and cfg.use_enum_values
        lookup = {m.value: (m.value if as_values else m) for m in members}
        # Only an int-based Enum (IntEnum) also takes its values' text ("2" -> Size(2)).
        return _choice_spec(lookup, [m.value for m in members], "enum", desc.cls, issubclass(desc.cls, int))
    if kind in ("model", "dataclass", "typeddict"):
        return (13, model_core(desc))
    leaf_spec = leaf.spec_for(desc)
    if leaf_spec is not None:
        validate, to_json = leaf_spec
        instance = _LEAF_TYPES.get(kind, desc.cls if isinstance(desc.cls, type) else object)
        return (14, _leaf_call(validate), to_json, instance, _fast_path(kind, c), bool(c.strict))
    raise TypeError(f"unsupported type: {desc.annotation!r}")


def _choice_spec(lookup: dict, values: list, error_type: str, enum_cls: Any, numeric_text: bool) -> tuple:
    expected = leaf.expected_repr(values)
    # An Enum with int values also takes their text ("2" -> Size(2)), as pydantic's lax mode
    # does; a Literal does not.
    ints = {v: r for v, r in lookup.items() if type(v) is int} if numeric_text else None
    return (12, lookup, error_type, f"Input should be {expected}", expected, ints or None, enum_cls)


def _fast_path(kind: str, c: Constraints) -> tuple | None:
    """The native parser for a leaf's canonical text (see fast_leaf.rs), when the leaf has no
    bounds to check (those stay in Python)."""
    if any(getattr(c, n) is not None for n in ("gt", "ge", "lt", "le")):
        return None
    if kind == "uuid":
        return (1, uuid.UUID, uuid.SafeUUID.unknown)
    if kind == "datetime":
        return (2, datetime.datetime, datetime.timezone.utc, datetime.timezone, datetime.timedelta)
    return None


def _leaf_call(validate: Any) -> Any:
    """The native validator calls leaves as ``f(value, loc, errors, from_json, strict)``;
    leaves written for ``f(value, loc, errors)`` get an adapter."""
    import inspect

    try:
        count = len(inspect.signature(validate).parameters)
    except (TypeError, ValueError):
        count = 5
    if count >= 5:
        return validate
    if count == 4:
        return lambda value, loc, errors, from_json, strict: validate(value, loc, errors, from_json)
    return lambda value, loc, errors, from_json, strict: validate(value, loc, errors)


def _as_float(bound: Any) -> Any:
    return float(bound) if isinstance(bound, (int, float)) and not isinstance(bound, bool) else bound


#: The Python type of each leaf kind's values (a union picks a leaf's serializer by it).
_LEAF_TYPES: dict[str, type] = {
    "uuid": uuid.UUID,
    "decimal": decimal.Decimal,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "timedelta": datetime.timedelta,
    "bytes": bytes,
    "email": str,
}


def _tagged_spec(desc: TypeDesc, cfg: FieldConfig | None) -> tuple:
    field = desc.discriminator
    tags: dict = {}
    members = []
    labels = []
    for index, member in enumerate(desc.args):
        member_desc = desc_of(member.non_null())
        tag_field = member_desc.field(field)
        if tag_field is None:
            raise TypeError(f"discriminator {field!r}: model {member.cls.__name__} has no field {field!r}")
        tag_type = tag_field.type.non_null()
        if tag_type.kind not in ("literal", "enum"):
            raise TypeError(f"discriminator {field!r} needs a Literal field in {member.cls.__name__}")
        for value in tag_type.choices:
            tags[value] = index
            labels.append(value)
        members.append((type_label(member), node_spec(member, cfg)))
    expected = ", ".join(repr(v) for v in labels)
    return (11, field, tags, tuple(members), expected)


# --------------------------------------------------------------------------
# Models


def model_core(desc: TypeDesc) -> Any:
    """The native model capsule of a model/dataclass/TypedDict class, defined on first use.

    The capsule is created *before* its fields are compiled, so a field that refers back
    to the class (directly or through other models) finds it.
    """
    cls = desc.cls
    cores = _model_cores
    core = cores.get(cls)
    if core is None:
        core = _native.schema_model_core()
        cores[cls] = core
        _native.schema_define_model(core, _model_spec(desc_of(desc)))
    return core


# Per interpreter; written at startup while models are compiled.
_model_cores: dict[type, Any] = {}


def _model_spec(model: ModelDesc) -> tuple:
    config = model.config
    fields = tuple(_field_spec(f, config) for f in model.fields)
    known: set = set()
    for f in model.fields:
        for path in f.validation_keys:
            known.add(path[0])
    validators = []
    for mode, func, wants_info in model.model_validators:
        if mode == "wrap":
            raise TypeError(f"{model.cls.__name__}: model_validator(mode='wrap') is not supported yet")
        validators.append((_VALIDATOR_MODES[mode], func, wants_info, mode == "before"))
    computed = tuple((c.name, node_spec(c.type), c.info.alias) for c in model.computed)
    extra = config.get("extra")
    if model.kind == "typeddict" and extra is None:
        extra = getattr(model.cls, "__pydantic_config__", {}).get("extra")
    return (
        model.cls,
        _CONSTRUCT[model.kind],
        fields,
        _EXTRA[extra],
        bool(config.get("from_attributes")),
        tuple(validators),
        computed,
        config.get("title") or model.cls.__name__,
        ValidationInfo,
        copy.deepcopy,
        frozenset(known),
    )


def _field_spec(field: Any, config: dict) -> tuple:
    info = field.info
    spec = node_spec(field.type, FieldConfig.of(config))
    if info.default_factory is not None:
        default_kind, default = 3, info.default_factory
    elif info.default is _ABSENT:
        default_kind, default = 4, None
    elif info.default is not leaf.Undefined:
        default_kind, default = (1 if _hashable(info.default) else 2), info.default
    else:
        default_kind, default = 0, None
    validators = []
    befores = [v for v in field.validators if v[0] in ("before", "wrap")]
    if any(v[0] == "wrap" for v in befores):
        raise TypeError(f"field_validator(mode='wrap') on {field.name!r} is not supported yet")
    # pydantic: decorator validators run after the annotation's, before ones last-declared first.
    for mode, func, wants_info in reversed(befores):
        validators.append((0, func, wants_info, True))
    plains = [v for v in field.validators if v[0] == "plain"]
    if plains:
        mode, func, wants_info = plains[-1]
        validators.append((2, func, wants_info, True))
    for mode, func, wants_info in field.validators:
        if mode == "after":
            validators.append((1, func, wants_info, True))
    return (
        field.name,
        field.validation_keys,
        spec,
        default_kind,
        default,
        tuple(validators),
        field.serialization_alias,
        bool(info.exclude),
    )


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
