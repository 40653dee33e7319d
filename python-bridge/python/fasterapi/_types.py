"""One description of each annotated type: the type layer.

Everything that needs to know what an annotation means -- validation (native and Python),
the parameter rules ("is this a query parameter or the body?"), the bridge's fast paths,
serialization and JSON Schema -- reads the :class:`TypeDesc` that :func:`describe` builds
for it, once, at startup. Nothing else walks annotations.

A ``TypeDesc`` is a small tree::

    describe(list[int | None])  ->  TypeDesc("list", args=(TypeDesc("nullable", args=(TypeDesc("int"),)),))

Kinds (``TypeDesc.kind``):

======================  ==============================================================
``any``                 ``Any``, ``object``, a bare ``TypeVar``: taken as is
``none``                ``None``
``bool int float str``  scalars (``constraints`` may bound them)
``bytes decimal uuid``  ...
``datetime date time``  ISO 8601 text or the Python object
``timedelta``           ISO 8601 duration / seconds
``email url``           ``EmailStr``-like / ``HttpUrl``-like strings (``cls`` is the type)
``list set frozenset``  ``args == (item,)``
``var_tuple``           ``tuple[X, ...]``: ``args == (item,)``
``tuple``               ``tuple[A, B]``: ``args == (A, B)``; ``tuple[()]``: ``args == ()``
``dict``                ``args == (key, value)``
``nullable``            ``X | None``: ``args == (X,)``
``union``               ``A | B``: ``args == (A, B)``; ``discriminator`` names the tag field
                        of a discriminated union of models
``literal``             ``choices`` are the allowed values
``enum``                ``cls`` is the Enum class, ``choices`` its members' values
``model``               ``cls`` is a BaseModel subclass (its fields: ``model_desc(cls)``)
``dataclass``           ``cls`` is a dataclass (fields: ``dataclass_fields(cls)``)
``typeddict``           ``cls`` is a TypedDict (fields: ``typeddict_fields(cls)``)
``upload``              ``UploadFile`` (form bodies only)
``custom``              a class with ``__get_validators__``-free custom behaviour is not
                        supported; this kind is reserved and never produced
======================  ==============================================================

``constraints`` holds ``Field(gt=...)``/``Query(max_length=...)``/``Annotated[int, Gt(0)]``
bounds; ``validators`` holds ``Annotated[..., BeforeValidator(f)]``-style functions.

Only the standard library is used: this module must import inside own-GIL sub-interpreters.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

# --------------------------------------------------------------------------
# Constraints


@dataclasses.dataclass(frozen=True, slots=True)
class Constraints:
    """Bounds declared by ``Field()``, a parameter marker, or ``Annotated`` metadata."""

    gt: Any = None
    ge: Any = None
    lt: Any = None
    le: Any = None
    multiple_of: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    strict: bool | None = None
    allow_inf_nan: bool | None = None
    max_digits: int | None = None
    decimal_places: int | None = None

    @classmethod
    def from_info(cls, info: Any) -> "Constraints | None":
        """The constraints of a FieldInfo, a Param marker or an ``annotated_types``-style
        object (``Gt(0)`` has ``.gt``, ``MinLen(1)`` has ``.min_length``), read by attribute
        name so we depend on none of them; ``None`` when it declares none."""
        if info is None:
            return None
        values = {name: getattr(info, name, None) for name in _CONSTRAINT_NAMES}
        if values["pattern"] is None:
            values["pattern"] = getattr(info, "regex", None)
        if all(v is None for v in values.values()):
            return None
        return cls(**values)

    # Kept for the parameter code, which still calls it by its old name.
    from_param = from_info

    def merged(self, other: "Constraints | None") -> "Constraints":
        """These constraints with ``other``'s set values on top (later metadata wins)."""
        if other is None:
            return self
        return Constraints(**{n: (getattr(other, n) if getattr(other, n) is not None else getattr(self, n)) for n in _CONSTRAINT_NAMES})


_CONSTRAINT_NAMES = tuple(f.name for f in dataclasses.fields(Constraints))


def merge_constraints(a: Constraints | None, b: Constraints | None) -> Constraints | None:
    if a is None:
        return b
    return a.merged(b)


# --------------------------------------------------------------------------
# Descriptors


class TypeDesc:
    """What one annotation means (see the module docstring for the kinds)."""

    __slots__ = ("kind", "args", "constraints", "cls", "choices", "discriminator", "annotation", "validators", "_compiled")

    def __init__(
        self,
        kind: str,
        args: tuple["TypeDesc", ...] = (),
        *,
        constraints: Constraints | None = None,
        cls: Any = None,
        choices: tuple = (),
        discriminator: str | None = None,
        annotation: Any = None,
        validators: tuple = (),
    ) -> None:
        self.kind = kind
        self.args = args
        self.constraints = constraints
        self.cls = cls
        self.choices = choices
        self.discriminator = discriminator
        self.annotation = annotation
        #: ``(mode, function)`` pairs from ``Annotated[..., BeforeValidator(f)]`` etc., in order.
        self.validators = validators
        #: Per-consumer caches (the native validator, the Python validator...), keyed by name.
        self._compiled: dict[str, Any] = {}

    def __repr__(self) -> str:
        parts = [self.kind]
        if self.args:
            parts.append(f"args={self.args!r}")
        if self.cls is not None:
            parts.append(f"cls={getattr(self.cls, '__name__', self.cls)}")
        if self.choices:
            parts.append(f"choices={self.choices!r}")
        if self.constraints is not None:
            parts.append(f"constraints={self.constraints!r}")
        if self.discriminator:
            parts.append(f"discriminator={self.discriminator!r}")
        return f"TypeDesc({', '.join(parts)})"

    def with_constraints(self, constraints: Constraints | None) -> "TypeDesc":
        """A copy with ``constraints`` added (the descriptor of a constrained field)."""
        if constraints is None:
            return self
        return TypeDesc(
            self.kind,
            self.args,
            constraints=merge_constraints(self.constraints, constraints),
            cls=self.cls,
            choices=self.choices,
            discriminator=self.discriminator,
            annotation=self.annotation,
            validators=self.validators,
        )

    @property
    def is_scalar(self) -> bool:
        """FastAPI's rule for "a query parameter unless marked otherwise": not a container, not a model."""
        if self.kind in ("nullable", "union"):
            return all(member.is_scalar for member in self.args)
        return self.kind not in _NON_SCALAR_KINDS

    @property
    def is_sequence(self) -> bool:
        """``list[X]``, ``set[X]``, ... possibly inside ``Optional``: a repeated query key / header."""
        if self.kind in ("nullable", "union"):
            return any(member.is_sequence for member in self.args)
        return self.kind in _SEQUENCE_KINDS

    def non_null(self) -> "TypeDesc":
        """The inner type of ``X | None``; anything else is returned as is."""
        return self.args[0] if self.kind == "nullable" else self


_SEQUENCE_KINDS = frozenset({"list", "set", "frozenset", "var_tuple", "tuple"})
_NON_SCALAR_KINDS = _SEQUENCE_KINDS | {"dict", "model", "dataclass", "typeddict"}

ANY = TypeDesc("any", annotation=Any)


# --------------------------------------------------------------------------
# describe()

_SCALAR_KINDS: dict[Any, str] = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    bytes: "bytes",
    Decimal: "decimal",
    uuid.UUID: "uuid",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "timedelta",
    type(None): "none",
    None: "none",
}

_SEQUENCE_ORIGINS: dict[Any, str] = {
    list: "list",
    set: "set",
    frozenset: "frozenset",
    tuple: "var_tuple",
    typing.List: "list",
    typing.Set: "set",
    typing.FrozenSet: "frozenset",
    typing.Tuple: "var_tuple",
    Sequence: "list",
    typing.Sequence: "list",
    typing.MutableSequence: "list",
    typing.AbstractSet: "set",
    typing.MutableSet: "set",
}
_MAPPING_ORIGINS = {dict, typing.Dict, Mapping, typing.Mapping, typing.MutableMapping}


def unwrap_annotated(annotation: Any) -> tuple[Any, tuple]:
    """``Annotated[X, m1, m2]`` -> ``(X, (m1, m2))``; anything else -> ``(annotation, ())``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return annotation.__origin__, annotation.__metadata__
    return annotation, ()


def union_members(annotation: Any) -> list[Any] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return list(typing.get_args(annotation))
    return None


def describe(annotation: Any, constraints: Constraints | None = None) -> TypeDesc:
    """The descriptor of ``annotation`` (``TypeError`` for a type we cannot validate).

    Descriptors of the same annotation are cached per interpreter, so a model used by
    a hundred routes is described once.
    """
    try:
        key = _cache_key(annotation)
        cached = _cache.get(key)
    except TypeError:  # unhashable metadata inside Annotated
        key, cached = None, None
    if cached is None:
        cached = _describe(annotation)
        if key is not None:
            _cache[key] = cached
    return cached.with_constraints(constraints)


def _cache_key(annotation: Any) -> Any:
    """A key that tells ``int | float`` from ``float | int`` (equal, and equally hashed, as
    annotations -- but smart unions try members in order, so they are different types here)."""
    args = typing.get_args(annotation)
    if not args:
        return annotation
    return (typing.get_origin(annotation), tuple(_cache_key(a) for a in args), annotation)


# Per interpreter (each sub-interpreter imports its own copy of this module); written
# while routes and models are compiled, at startup.
_cache: dict[Any, TypeDesc] = {}


def _describe(annotation: Any) -> TypeDesc:
    annotation, metadata = unwrap_annotated(annotation)
    desc = _describe_plain(annotation)
    if metadata:
        desc = _apply_metadata(desc, metadata)
    return desc


def _apply_metadata(desc: TypeDesc, metadata: tuple) -> TypeDesc:
    constraints = None
    validators = list(desc.validators)
    discriminator = desc.discriminator
    for item in metadata:
        mode = getattr(item, "__fasterapi_validator_mode__", None)
        if mode is not None:
            validators.append((mode, item.func))
            continue
        found = Constraints.from_info(item)
        if found is not None:
            constraints = merge_constraints(constraints, found)
        discriminator = getattr(item, "discriminator", None) or discriminator
    if constraints is None and tuple(validators) == desc.validators and discriminator == desc.discriminator:
        return desc
    if discriminator and desc.kind == "nullable" and desc.args[0].kind == "union":
        # Annotated[A | B | None, Field(discriminator=...)]: the tag selects among A and B.
        inner = desc.args[0]
        tagged = TypeDesc("union", inner.args, constraints=inner.constraints, discriminator=discriminator, annotation=inner.annotation)
        desc = TypeDesc("nullable", (tagged,), constraints=desc.constraints, annotation=desc.annotation, validators=desc.validators)
        discriminator = None
    return TypeDesc(
        desc.kind,
        desc.args,
        constraints=merge_constraints(desc.constraints, constraints),
        cls=desc.cls,
        choices=desc.choices,
        discriminator=discriminator,
        annotation=desc.annotation,
        validators=tuple(validators),
    )


def _describe_plain(annotation: Any) -> TypeDesc:
    if annotation is Any or annotation is object or isinstance(annotation, typing.TypeVar):
        return TypeDesc("any", annotation=annotation)
    if isinstance(annotation, str) or isinstance(annotation, typing.ForwardRef):
        raise TypeError(f"unresolved forward reference {annotation!r}: define the type before the model is used")
    kind = _SCALAR_KINDS.get(annotation) if _hashable(annotation) else None
    if kind is not None:
        return TypeDesc(kind, annotation=annotation)

    members = union_members(annotation)
    if members is not None:
        nullable = type(None) in members
        described = tuple(describe(m) for m in members if m is not type(None))
        inner = described[0] if len(described) == 1 else TypeDesc("union", described, annotation=annotation)
        return TypeDesc("nullable", (inner,), annotation=annotation) if nullable else inner

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return TypeDesc("literal", choices=_flatten_literal(args), annotation=annotation)
    if origin in _SEQUENCE_ORIGINS or annotation in _SEQUENCE_ORIGINS:
        kind = _SEQUENCE_ORIGINS[origin if origin is not None else annotation]
        if kind == "var_tuple" and origin is not None and not args:  # tuple[()]: only the empty tuple
            return TypeDesc("tuple", (), annotation=annotation)
        if kind == "var_tuple" and args and not (len(args) == 2 and args[1] is ...):
            if args == ((),):  # tuple[()]: the empty tuple
                return TypeDesc("tuple", (), annotation=annotation)
            return TypeDesc("tuple", tuple(describe(a) for a in args), annotation=annotation)
        item = describe(args[0]) if args else ANY
        return TypeDesc(kind, (item,), annotation=annotation)
    if origin in _MAPPING_ORIGINS or annotation in _MAPPING_ORIGINS:
        key = describe(args[0]) if args else ANY
        value = describe(args[1]) if len(args) > 1 else ANY
        return TypeDesc("dict", (key, value), annotation=annotation)
    if origin is type or origin is typing.Type:
        raise TypeError(f"unsupported type: {annotation!r}")

    if isinstance(annotation, type):
        special = getattr(annotation, "__fasterapi_kind__", None)
        if special is not None:  # EmailStr, HttpUrl, UploadFile, BaseModel subclasses
            return TypeDesc(special, cls=annotation, annotation=annotation)
        if issubclass(annotation, enum.Enum):
            return TypeDesc("enum", cls=annotation, choices=tuple(m.value for m in annotation), annotation=annotation)
        if dataclasses.is_dataclass(annotation):
            return TypeDesc("dataclass", cls=annotation, annotation=annotation)
        if _is_typeddict(annotation):
            return TypeDesc("typeddict", cls=annotation, annotation=annotation)
        for base, kind in _SCALAR_KINDS.items():  # subclasses of supported scalars
            if isinstance(base, type) and base is not type(None) and issubclass(annotation, base):
                return TypeDesc(kind, annotation=annotation)
    raise TypeError(f"unsupported type: {annotation!r}")


def _flatten_literal(args: tuple) -> tuple:
    """``Literal[Literal["a"], "b"]`` -> ``("a", "b")``, as typing and pydantic do."""
    out: list = []
    for arg in args:
        if typing.get_origin(arg) is typing.Literal:
            out.extend(_flatten_literal(typing.get_args(arg)))
        else:
            out.append(arg)
    return tuple(out)


def _is_typeddict(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__required_keys__")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def type_hints(obj: Any) -> dict[str, Any]:
    """``typing.get_type_hints`` with ``Annotated`` kept; raw annotations if it cannot resolve."""
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except Exception:
        return dict(getattr(obj, "__annotations__", {}))


def _constrained(c: Constraints | None) -> bool:
    return c is not None and any(getattr(c, n) is not None for n in _CONSTRAINT_NAMES if n != "strict")


def type_label(desc: TypeDesc) -> str:
    """The name pydantic gives a type in union error locations and titles
    (``int``, ``list[int]``, ``dict[str,int]``, ``Cat``, ``tagged-union[Cat,Dog]``)."""
    annotation = desc.annotation
    kind = desc.kind
    if kind in ("int", "float", "str", "bytes", "decimal") and _constrained(desc.constraints):
        return f"constrained-{kind}"
    if kind in ("model", "dataclass", "typeddict", "enum") or (isinstance(annotation, type) and kind not in ("list", "set", "frozenset", "dict", "var_tuple")):
        return getattr(desc.cls or annotation, "__name__", kind)
    if kind in ("list", "set", "frozenset"):
        name = "frozenset" if kind == "frozenset" else kind
        return f"{name}[{type_label(desc.args[0])}]"
    if kind == "var_tuple":
        return f"tuple[{type_label(desc.args[0])}, ...]"
    if kind == "tuple":
        return f"tuple[{','.join(type_label(a) for a in desc.args)}]"
    if kind == "dict":
        return f"dict[{type_label(desc.args[0])},{type_label(desc.args[1])}]"
    if kind == "literal":
        return f"literal[{','.join(repr(c) for c in desc.choices)}]"
    if kind == "nullable":
        return f"nullable[{type_label(desc.args[0])}]"
    if kind in ("int", "float", "str", "bytes", "decimal") and _constrained(desc.constraints):
        return f"constrained-{kind}"
    if kind == "union":
        prefix = "tagged-union" if desc.discriminator else "union"
        return f"{prefix}[{','.join(type_label(a) for a in desc.args)}]"
    return kind
