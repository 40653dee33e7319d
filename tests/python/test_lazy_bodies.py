"""Lazy request bodies (python-bridge/src/cpython/schema/lazy.rs) against ordinary validation.

The lazy pass may only make a valid body cheaper, never change an answer. So every JSON input
of the parity corpus (parity_cases.py, parity_grid.py), and a corpus aimed at the pass itself
(key order, defaults, repeated keys, aliases, numbers at their edges, escapes, UUID and
datetime forms), goes both ways:

- an input the ordinary validator refuses must be declined by the lazy pass;
- an accepted one must give an instance that, untouched, dumps to the same JSON bytes (the
  copy written by the pass), and, once materialised, is indistinguishable from the ordinary
  result (parity_harness.describe_model: values with their types, every dump, fields set,
  copies, checks).

Then the behaviour of lazy instances: what materialises them, that changes are kept, and which
model classes the routes refuse to make lazy.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from fasterapi import BaseModel, _native, computed_field, field_validator
from fasterapi._types import describe
from fasterapi.main import lazy_body_allowed
from tests.python import parity_grid
from tests.python.parity_cases import CASES
from tests.python.parity_harness import SUBJECT, Case, attempt, describe_model, differences, library, load, realise

_lazy = _native.schema_validate_json_lazy
_dump_json = _native.schema_dump_json

# A corpus for the pass's own branches; every input also goes through the ordinary validator.
LAZY_SOURCE = '''
from enum import Enum, IntEnum
from typing import Literal, Optional
from uuid import UUID


class Colour(str, Enum):
    RED = "red"
    GREEN = "green"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Inner(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    n: int = Field(default=0, ge=0, lt=100, multiple_of=2)


class M(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: UUID
    at: dt.datetime
    label: str = Field(default="x", pattern=r"^[a-z]+$")
    ratio: float = Field(default=0.5, gt=0, le=1)
    count: int = 0
    flag: bool = False
    colour: Colour = Colour.RED
    level: Level = Level.LOW
    kind: Literal["a", "b", 3] = "a"
    inner: Optional[Inner] = None
    inners: list[Inner] = []
    tags: list[str] = Field(default_factory=list, max_length=3)
    alias_me: str = Field(default="", serialization_alias="aliasMe")
    hidden: int = Field(default=0, exclude=True)
    note: Optional[str] = None
'''

U = "3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b"
T = "2024-05-17T14:03:27.512000Z"
BASE = {"id": U, "at": T}


def _doc(**fields) -> str:
    return json.dumps({**BASE, **fields}, ensure_ascii=False)


LAZY_JSON = (
    _doc(),
    # every field, in declaration order (the pass writes nothing but a copy) and reversed
    json.dumps({**BASE, "label": "abc", "ratio": 1, "count": -5, "flag": True, "colour": "green", "level": 2, "kind": 3,
                "inner": {"name": "é", "n": 4}, "inners": [{"name": "a"}, {"name": "bb", "n": 98}], "tags": ["t"],
                "alias_me": "v", "hidden": 7, "note": None}),
    json.dumps(dict(reversed(list({**BASE, "label": "abc", "count": 3, "inner": {"n": 2, "name": "ab"}}.items())))),
    # repeated keys (the last wins), unknown keys (ignored), whitespace
    '{"id": "%s", "at": "%s", "count": 1, "count": 2, "unknown": {"deep": [1, {"x": null}]}}' % (U, T),
    '\n { "id" : "%s" ,\t"at":"%s" } \n' % (U, T),
    # strings: escapes, non-ASCII, code points vs bytes for lengths
    _doc(note='quote " backslash \\ newline \n tab \t nul \u0000 é 😀 \u2028'),
    _doc(inner={"name": "😀😀😀😀😀"}), _doc(inner={"name": "😀😀😀😀😀😀"}), _doc(inner={"name": ""}),
    '{"id": "%s", "at": "%s", "note": "\\u00e9\\ud83d\\ude00"}' % (U, T),
    '{"id": "%s", "at": "%s", "note": "\\ud800"}' % (U, T),
    # numbers at the edges
    _doc(ratio=1e-7), _doc(ratio=0.1), _doc(ratio=1), _doc(ratio=0), _doc(ratio=1.0000001), _doc(count=2**63 - 1),
    _doc(count=2**63), _doc(count=-(2**63)), _doc(count=10**30), _doc(count=1.0), _doc(count=1.5), _doc(count="3"),
    '{"id": "%s", "at": "%s", "ratio": 1e999}' % (U, T), '{"id": "%s", "at": "%s", "ratio": 5e-1}' % (U, T),
    '{"id": "%s", "at": "%s", "count": -0}' % (U, T), '{"id": "%s", "at": "%s", "ratio": 1E-2}' % (U, T),
    _doc(inner={"name": "a", "n": 3}), _doc(inner={"name": "a", "n": 100}), _doc(inner={"name": "a", "n": -2}),
    # bools, choices
    _doc(flag=1), _doc(flag="true"), _doc(colour="RED"), _doc(colour="blue"), _doc(level=1), _doc(level="2"),
    _doc(level=3), _doc(kind="b"), _doc(kind="3"), _doc(kind=3.0), _doc(kind=True),
    # UUID and datetime forms
    _doc(id=U.upper()), _doc(id=U.replace("-", "")), _doc(id="{%s}" % U), _doc(id="urn:uuid:" + U), _doc(id=U[:-1]),
    _doc(at="2024-05-17T14:03:27Z"), _doc(at="2024-05-17 14:03:27.5+05:30"), _doc(at="2024-05-17T14:03:27-00:00"),
    _doc(at="2024-05-17T14:03:27.1234567Z"), _doc(at="2024-05-17"), _doc(at=1700000000), _doc(at="2024-02-30T00:00:00"),
    _doc(at="0001-01-01T00:00:00"), _doc(at="2024-05-17T24:00:00"),
    # lists, optionals, missing and wrong types
    _doc(tags=["a", "b", "c", "d"]), _doc(tags="a"), _doc(inners=[]), _doc(inners=[{"name": ""}]), _doc(inner=None),
    _doc(inner=[]), _doc(note=5), json.dumps({"id": U}), '{"id": "%s", "at": "%s"' % (U, T), "[]", "null", "",
    '{"id": "%s", "at": "%s"} x' % (U, T), _doc(aliasMe="by alias"), _doc(label="ABC"), _doc(label=""),
)

LAZY_CASES = [Case("lazy-corpus", LAZY_SOURCE, json=LAZY_JSON),
              Case("lazy-forbid", "class M(BaseModel):\n    model_config = ConfigDict(extra='forbid')\n    a: int = 1\n",
                   json=('{"a": 2}', '{"a": 2, "b": 3}', "{}"))]

ALL = [c for c in CASES + parity_grid.grid_cases() + LAZY_CASES if not c.adapter and c.json]


def _params():
    for case in ALL:
        for i, raw in enumerate(case.json):
            yield pytest.param(case, raw, id=f"{case.name}/json/{i}")


def _model(case: Case):
    module = load(case, SUBJECT)
    cls = getattr(module, case.target)
    return module, cls, cls.__fasterapi_compiled__()


def _bytes(raw) -> bytes:
    return raw.encode() if isinstance(raw, str) else bytes(raw)


#: How many inputs took the lazy path, by case (test_the_corpus_exercises_the_lazy_path).
TAKEN: dict[str, int] = {}


@pytest.mark.parametrize("case, raw", list(_params()))
def test_lazy_matches_ordinary_validation(case: Case, raw) -> None:
    module, cls, schema = _model(case)
    verr = library(SUBJECT).ValidationError
    data = _bytes(realise(raw, module))
    if _native.schema_lazy_eligible(schema):
        _native.schema_lazy_stats(schema, True)  # this test materialises most: never pause
    if not _native.schema_lazy_eligible(schema):
        assert _lazy(schema, data, True) is None
        return
    try:
        eager = cls.model_validate_json(data)
    except verr:
        eager = None
    for by_alias in (True, False):
        lazy = _lazy(schema, data, by_alias)
        if eager is None:
            assert lazy is None, f"the lazy pass took {data!r}, which validation refuses"
            return
        if lazy is None:
            continue  # declined: the ordinary path answers, which is always allowed
        TAKEN[case.name] = TAKEN.get(case.name, 0) + 1
        # Untouched: the JSON written by the pass, for the options it was written with ...
        expected = _dump_json(schema, eager, True, by_alias, False, False, False, None, None)
        assert _dump_json(schema, lazy, True, by_alias, False, False, False, None, None) == expected
        # ... and the same as any other dump once materialised.
        other = _lazy(schema, data, by_alias)
        assert _dump_json(schema, other, True, not by_alias, False, False, False, None, None) == \
            _dump_json(schema, eager, True, not by_alias, False, False, False, None, None)
    fresh = _lazy(schema, data, True)
    if fresh is not None:
        want = describe_model(case, module, eager, verr)
        got = describe_model(case, module, fresh, verr)
        assert want == got, "\n".join(differences(want, got)[:12])


def test_the_corpus_exercises_the_lazy_path():
    # Runs after the parametrized tests above (file order): they must have taken the lazy path
    # often, or the comparison above proved nothing.
    if not TAKEN:
        pytest.skip("run with the parametrized tests of this file")
    assert TAKEN.get("lazy-corpus", 0) >= 40, TAKEN
    assert sum(TAKEN.values()) >= 200, TAKEN


# --- behaviour of lazy instances ---------------------------------------------------------------

@pytest.fixture
def corpus():
    module, cls, schema = _model(LAZY_CASES[0])
    data = _bytes(LAZY_JSON[1])
    _native.schema_lazy_stats(schema, True)
    return cls, schema, data


@pytest.mark.parametrize("touch", [
    lambda m: m.count,
    lambda m: m.model_fields_set,
    lambda m: vars(m),
    lambda m: m.__dict__,
    lambda m: m.model_dump(),
    lambda m: m.model_dump_json(exclude_none=True),
    lambda m: m == m,
    lambda m: repr(m),
    lambda m: list(m),
    lambda m: copy.copy(m),
    lambda m: copy.deepcopy(m),
    lambda m: pickle.dumps(m),
    lambda m: m.model_copy(update={"count": 9}),
    lambda m: m.model_extra,
    lambda m: m.__pydantic_fields_set__,
], ids=["attribute", "fields_set", "vars", "__dict__", "dump", "dump_json_options", "eq", "repr", "iter", "copy",
        "deepcopy", "pickle", "model_copy", "model_extra", "fields_set_slot"])
def test_every_look_at_the_fields_materialises(corpus, touch):
    cls, schema, data = corpus
    eager = cls.model_validate_json(data)
    lazy = _lazy(schema, data, True)
    touch(lazy)
    assert _native.schema_take_lazy(lazy) is None, "still lazy after looking at its fields"
    assert vars(lazy) == vars(eager) and lazy.model_fields_set == eager.model_fields_set
    assert lazy == eager


def test_an_untouched_instance_dumps_by_copying_and_stays_lazy(corpus):
    cls, schema, data = corpus
    lazy = _lazy(schema, data, True)
    first = _dump_json(schema, lazy, True, True, False, False, False, None, None)
    state = _native.schema_take_lazy(lazy)
    assert state is not None and state[2] == first and state[1] is data


def test_models_whose_bodies_are_read_anyway_pause_laziness(corpus):
    # A window of 256 lazy instances, most materialised: the next 4096 bodies are validated
    # the ordinary way (the pass would only add to their cost), then laziness is tried again.
    cls, schema, data = corpus
    for i in range(256):
        instance = _lazy(schema, data, True)
        if i % 4:
            instance.count
    made, _, paused = _native.schema_lazy_stats(schema)
    assert (made, paused) == (0, 4096)
    assert _lazy(schema, data, True) is None
    assert _native.schema_lazy_stats(schema)[2] == 4095
    # Passed through untouched (or a minority read): laziness stays.
    _native.schema_lazy_stats(schema, True)
    for i in range(256):
        instance = _lazy(schema, data, True)
        if i % 4 == 0:
            instance.count
    made, _, paused = _native.schema_lazy_stats(schema)
    assert (made, paused) == (0, 0)
    assert _lazy(schema, data, True) is not None
    _native.schema_lazy_stats(schema, True)


def test_changes_are_kept(corpus):
    cls, schema, data = corpus
    lazy = _lazy(schema, data, True)
    lazy.count = 41
    assert lazy.count == 41 and "count" in lazy.model_fields_set
    dumped = json.loads(_dump_json(schema, lazy, True, True, False, False, False, None, None))
    assert dumped["count"] == 41
    nested = _lazy(schema, data, True)
    nested.inners.append(nested.inners[0])
    assert len(json.loads(_dump_json(schema, nested, True, True, False, False, False, None, None))["inners"]) == 3


def test_private_attributes_set_before_materialising_survive(corpus):
    cls, schema, data = corpus
    lazy = _lazy(schema, data, True)
    object.__setattr__(lazy, "_cache", 1)
    assert lazy.count == -5 and lazy._cache == 1


def test_a_missing_attribute_is_still_an_attribute_error(corpus):
    cls, schema, data = corpus
    lazy = _lazy(schema, data, True)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lazy.nope
    assert lazy.count == -5


def test_take_lazy_refuses_objects_that_are_not_models():
    with pytest.raises(TypeError):
        _native.schema_take_lazy(object())
    with pytest.raises(TypeError):
        _native.schema_take_lazy(42)


def test_routes_refuse_lazy_bodies_for_classes_with_hooks():
    from fasterapi import BaseModel

    class Plain(BaseModel):
        a: int

    class PostInit(BaseModel):
        a: int

        def model_post_init(self, context):
            self.seen = True

    class OwnGetattr(BaseModel):
        a: int

        def __getattr__(self, item):
            return 0

    class WithComputed(BaseModel):
        a: int

        @property
        def doubled(self) -> int:
            return self.a * 2

    def allowed(cls):
        return lazy_body_allowed(describe(cls), cls.__fasterapi_compiled__())

    assert allowed(Plain) and allowed(WithComputed)
    assert not allowed(PostInit)
    assert not allowed(OwnGetattr)


class _Validates(BaseModel):
    a: int

    @field_validator("a")
    @classmethod
    def check(cls, v):
        return v


class _Computes(BaseModel):
    a: int

    @computed_field
    @property
    def b(self) -> int:
        return self.a


class _AnyField(BaseModel):
    a: Any


class _Nested(BaseModel):
    inner: _AnyField


def test_models_outside_the_subset_are_not_eligible():
    for cls in (_Validates, _Computes, _AnyField, _Nested):
        assert not _native.schema_lazy_eligible(cls.__fasterapi_compiled__()), cls
