"""JSON Schemas from ``fasterapi._schema`` against pydantic's, type by type.

The same annotation goes through ``pydantic.TypeAdapter(T).json_schema()`` and
``fasterapi.TypeAdapter(T).json_schema()`` in both modes; the results must be equal, key order
included (pydantic sorts keys, and /openapi.json is compared as text by some clients).
Standard-library classes (dataclasses, TypedDicts, enums) are shared by both sides; models are
declared twice from one source, once per library (see ``models``).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import json
import sys
import textwrap
import types
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, Optional, TypedDict, Union

import pydantic
import pytest

import fasterapi
from fasterapi import _schema


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    """How loud."""

    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    A = 1
    B = "b"


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Documented:
    """A documented dataclass."""

    when: datetime.date = datetime.date(2020, 1, 2)
    color: Color = Color.RED


@dataclasses.dataclass
class Tree:
    value: int
    children: list[Tree] = dataclasses.field(default_factory=list)


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


class Partial(TypedDict, total=False):
    a: int
    b: Point


@dataclasses.dataclass
class Cat:
    kind: Literal["cat"]
    lives: int = 9


@dataclasses.dataclass
class Dog:
    kind: Literal["dog", "puppy"]
    good: bool = True


TYPES: list[Any] = [
    int, float, str, bool, bytes, None, Any, Decimal, uuid.UUID,
    datetime.datetime, datetime.date, datetime.time, datetime.timedelta,
    list[int], list, dict, set[str], frozenset[int], tuple[int, str], tuple[float, ...], tuple[()],
    dict[str, int], dict[str, list[float]], dict[int, str],
    Optional[int], int | str, int | str | None, Union[int, None, str], Literal["a"], Literal[1, 2], Literal["a", 1],
    Literal[True], Color, Level, Mixed, Optional[Color], list[Color], dict[str, Color],
    Annotated[int, pydantic.Field(gt=0, le=10)], Annotated[float, pydantic.Field(ge=0.5, lt=9.5, multiple_of=0.5)],
    Annotated[str, pydantic.Field(min_length=2, max_length=5, pattern=r"^[a-z]+$")],
    Annotated[list[int], pydantic.Field(min_length=1, max_length=3)],
    Annotated[bytes, pydantic.Field(max_length=10)],
    Annotated[Decimal, pydantic.Field(gt=0, le=100)],
    Annotated[dict[str, int], pydantic.Field(min_length=1)],
    Annotated[Optional[str], pydantic.Field(max_length=3)],
    Point, Documented, Tree, Movie, Partial, list[Point], Optional[Point], dict[str, Movie],
    Cat | Dog, Annotated[Cat | Dog, pydantic.Field(discriminator="kind")],
    list[Annotated[Cat | Dog, pydantic.Field(discriminator="kind")]],
    Annotated[Union[Cat, Dog, None], pydantic.Field(discriminator="kind")],
]


def _fasterapi_type(annotation: Any) -> Any:
    """The annotation with pydantic's Field() markers replaced by fasterapi's."""
    import typing

    if typing.get_origin(annotation) is Annotated:
        base, *metadata = typing.get_args(annotation)
        converted = [fasterapi.Field(**_field_kwargs(m)) if isinstance(m, pydantic.fields.FieldInfo) else m for m in metadata]
        return Annotated[(_fasterapi_type(base), *converted)]
    return annotation


def _field_kwargs(info: pydantic.fields.FieldInfo) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for item in info.metadata:
        for name in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern"):
            value = getattr(item, name, None)
            if value is not None:
                kwargs[name] = value
    if info.discriminator is not None:
        kwargs["discriminator"] = info.discriminator
    return kwargs


@pytest.mark.parametrize("mode", ["validation", "serialization"])
@pytest.mark.parametrize("annotation", TYPES, ids=lambda t: repr(t).replace("typing.", "")[:60])
def test_type_schema_matches_pydantic(annotation: Any, mode: str) -> None:
    expected = pydantic.TypeAdapter(annotation).json_schema(mode=mode)
    actual = fasterapi.TypeAdapter(_fasterapi_type(annotation)).json_schema(mode=mode)
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


MODELS = """
class Address(BaseModel):
    street: str
    city: str = "Paris"

class Account(BaseModel):
    '''An account.

    With a long description.'''
    model_config = ConfigDict(populate_by_name=True)
    user_name: str = Field(alias="userName", description="login")
    balance: Decimal = Decimal("0")
    address: Address | None = None
    home: Address = Field(default_factory=lambda: Address(street="x"))
    tags: set[str] = {"b", "a"}
    level: Level = Level.LOW
    secret: str = Field("s", exclude=True)
    shown: Annotated[int, Field(title="Shown thing", examples=[1, 2], deprecated=True)] = 0
    extra: dict[str, Any] = Field(default={}, json_schema_extra={"x-extra": True})

    @computed_field
    @property
    def label(self) -> str:
        return self.user_name

class Renamed(BaseModel):
    a: int = Field(0, validation_alias="aIn", serialization_alias="aOut")

class Config(BaseModel):
    model_config = ConfigDict(title="Configured", extra="forbid", json_schema_extra={"examples": [{"n": 1}]})
    n: int

class Node(BaseModel):
    value: int
    next: "Node | None" = None
"""


@functools.cache
def _models(side: str) -> dict[str, Any]:
    module = pydantic if side == "pydantic" else fasterapi
    # A real module, so forward references ("Node | None") resolve against its globals.
    holder = types.ModuleType(f"json_schema_models_{side}")
    sys.modules[holder.__name__] = holder
    namespace: dict[str, Any] = holder.__dict__
    namespace.update({
        "BaseModel": module.BaseModel, "Field": module.Field, "ConfigDict": module.ConfigDict,
        "computed_field": module.computed_field, "Decimal": Decimal, "Level": Level, "Any": Any, "Annotated": Annotated,
    })
    # dont_inherit: this module's "from __future__ import annotations" must not turn the
    # models' annotations into strings.
    exec(compile(textwrap.dedent(MODELS), f"<models-{side}>", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.mark.parametrize("mode", ["validation", "serialization"])
@pytest.mark.parametrize("name", ["Address", "Account", "Renamed", "Config", "Node"])
@pytest.mark.parametrize("by_alias", [True, False])
def test_model_schema_matches_pydantic(name: str, mode: str, by_alias: bool) -> None:
    expected = _models("pydantic")[name].model_json_schema(mode=mode, by_alias=by_alias)
    actual = _models("fasterapi")[name].model_json_schema(mode=mode, by_alias=by_alias)
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


@pytest.mark.parametrize("name", ["EmailStr", "HttpUrl", "AnyUrl", "AnyHttpUrl"])
def test_string_formats(name: str) -> None:
    from fasterapi import networks

    ours = getattr(fasterapi, name, None) or getattr(networks, name)
    assert fasterapi.TypeAdapter(ours).json_schema() == pydantic.TypeAdapter(getattr(pydantic, name)).json_schema()


def test_ref_template() -> None:
    expected = pydantic.TypeAdapter(list[Tree]).json_schema(ref_template="#/components/schemas/{model}")
    actual = fasterapi.TypeAdapter(list[Tree]).json_schema(ref_template="#/components/schemas/{model}")
    assert actual == expected
    assert actual["items"] == {"$ref": "#/components/schemas/Tree"}


def _pydantic_definitions(inputs: list[tuple[str, str, Any]]) -> tuple[dict, dict]:
    from pydantic.json_schema import GenerateJsonSchema

    generator = GenerateJsonSchema(ref_template="#/components/schemas/{model}")
    return generator.generate_definitions([(key, mode, pydantic.TypeAdapter(t).core_schema) for key, mode, t in inputs])


def test_definitions_split_input_output_only_where_modes_differ() -> None:
    # Account differs between modes (Decimal, computed field, excluded field), so it and
    # everything referring to it get -Input/-Output; Address is the same in both: one name.
    ours, theirs = _models("fasterapi"), _models("pydantic")
    shapes = [("body", "validation", "Account"), ("response", "serialization", "Account"),
              ("address", "validation", "Address"), ("address_out", "serialization", "Address")]
    expected = _pydantic_definitions([(k, m, theirs[n]) for k, m, n in shapes])
    generator = _schema.GenerateJsonSchema(ref_template="#/components/schemas/{model}")
    actual = generator.generate_definitions([(k, m, fasterapi._types.describe(ours[n])) for k, m, n in shapes])
    assert actual == expected
    assert sorted(actual[1]) == ["Account-Input", "Account-Output", "Address", "Level"]


def test_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        fasterapi.TypeAdapter(int).json_schema(mode="both")
