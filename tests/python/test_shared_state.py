"""fasterapi.SharedCounter / SharedDict in the main interpreter: every operation, copies, errors.

The stores are process-wide and live as long as the process, so every test uses fresh names.
"""

from __future__ import annotations

import enum
import itertools
from collections import OrderedDict

import pytest

import fasterapi
from fasterapi import SharedCounter, SharedDict, _native

_ids = itertools.count()


def fresh(prefix: str) -> str:
    return f"test-{prefix}-{next(_ids)}"


# --- SharedCounter --------------------------------------------------------------------------


def test_exported_from_native():
    assert fasterapi.SharedCounter is _native.SharedCounter
    assert fasterapi.SharedDict is _native.SharedDict
    assert "SharedCounter" in fasterapi.__all__ and "SharedDict" in fasterapi.__all__


def test_counter_add_and_value():
    c = SharedCounter(fresh("c"))
    assert c.value == 0
    assert c.add() == 1
    assert c.add(5) == 6
    assert c.add(n=-10) == -4
    assert c.add(0) == -4
    assert c.value == -4
    assert c.add(True) == -3  # bool is an int


def test_counter_same_name_is_same_counter():
    name = fresh("c")
    a, b = SharedCounter(name), SharedCounter(name=name)
    a.add(3)
    assert b.value == 3
    assert b.add() == 4 and a.value == 4
    assert a.name == b.name == name
    other = SharedCounter(fresh("c"))
    assert other.value == 0


def test_counter_and_dict_namespaces_are_separate():
    name = fresh("ns")
    SharedCounter(name).add(7)
    d = SharedDict(name)
    assert len(d) == 0


def test_counter_repr():
    c = SharedCounter("repr-counter-x")
    c.add(2 - c.value)
    assert repr(c) == "SharedCounter('repr-counter-x', value=2)"


def test_counter_overflow_raises_instead_of_wrapping():
    c = SharedCounter(fresh("c"))
    c.add(2**63 - 2)
    assert c.add() == 2**63 - 1
    with pytest.raises(OverflowError, match="overflow"):
        c.add()
    assert c.value == 2**63 - 1  # unchanged
    assert c.add(-(2**63 - 1)) == 0
    c.add(-(2**63))
    with pytest.raises(OverflowError):
        c.add(-1)
    assert c.value == -(2**63)


def test_counter_bad_arguments():
    c = SharedCounter(fresh("c"))
    with pytest.raises(TypeError, match="must be int, not str"):
        c.add("1")
    with pytest.raises(TypeError, match="must be int, not float"):
        c.add(1.0)
    with pytest.raises(OverflowError, match="64 bits"):
        c.add(2**64)
    with pytest.raises(TypeError, match="at most 1"):
        c.add(1, 2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'x'"):
        c.add(x=1)
    with pytest.raises(TypeError, match="multiple values"):
        c.add(1, n=2)
    assert c.value == 0
    with pytest.raises(AttributeError):
        c.value = 3


@pytest.mark.parametrize("cls", [SharedCounter, SharedDict])
def test_constructor_arguments(cls):
    with pytest.raises(TypeError, match="exactly one argument"):
        cls()
    with pytest.raises(TypeError, match="exactly one argument"):
        cls("a", "b")
    with pytest.raises(TypeError, match="exactly one argument"):
        cls(nom="a")
    with pytest.raises(TypeError, match="name must be str, not int"):
        cls(3)
    with pytest.raises(TypeError):
        class Sub(cls):  # noqa: F841 - not subclassable
            pass


# --- SharedDict -----------------------------------------------------------------------------


def test_dict_basic_operations():
    d = SharedDict(fresh("d"))
    assert len(d) == 0
    assert "a" not in d
    assert d.get("a") is None
    assert d.get("a", 5) == 5
    assert d.get("a", default=6) == 6
    d["a"] = 1
    d.set("b", "two")
    d.set(key="c", value=[3])
    assert len(d) == 3
    assert "a" in d and "b" in d and "z" not in d
    assert d["a"] == 1 and d.get("b") == "two" and d["c"] == [3]
    assert sorted(d.keys()) == ["a", "b", "c"]
    assert sorted(d) == ["a", "b", "c"]
    assert sorted(d.items()) == [("a", 1), ("b", "two"), ("c", [3])]
    assert sorted(map(repr, d.values())) == sorted(map(repr, [1, "two", [3]]))
    d["a"] = 10  # overwrite
    assert d["a"] == 10 and len(d) == 3
    del d["a"]
    assert "a" not in d and len(d) == 2
    d.clear()
    assert len(d) == 0 and d.keys() == [] and d.items() == []


def test_dict_missing_keys():
    d = SharedDict(fresh("d"))
    with pytest.raises(KeyError) as e:
        d["nope"]
    assert e.value.args == ("nope",)
    with pytest.raises(KeyError):
        del d["nope"]
    with pytest.raises(KeyError):
        d.pop("nope")
    assert d.pop("nope", None) is None
    assert d.pop("nope", default=3) == 3


def test_dict_pop_and_setdefault():
    d = SharedDict(fresh("d"))
    d["k"] = {"x": 1}
    assert d.pop("k") == {"x": 1}
    assert "k" not in d
    assert d.setdefault("k", [1]) == [1]
    assert d.setdefault("k", [2]) == [1]  # already there
    assert d.setdefault("n") is None and d["n"] is None


def test_dict_incr():
    d = SharedDict(fresh("d"))
    assert d.incr("hits") == 1
    assert d.incr("hits", 4) == 5
    assert d.incr("hits", n=-6) == -1
    assert d["hits"] == -1
    d["s"] = "text"
    with pytest.raises(TypeError, match="not an int"):
        d.incr("s")
    d["big"] = 2**63 - 1
    with pytest.raises(OverflowError):
        d.incr("big")
    assert d["big"] == 2**63 - 1
    with pytest.raises(TypeError, match="must be int"):
        d.incr("hits", 1.5)


def test_dict_same_name_is_same_dict():
    name = fresh("d")
    a, b = SharedDict(name), SharedDict(name=name)
    a["k"] = "v"
    assert b["k"] == "v"
    del b["k"]
    assert "k" not in a
    assert a.name == name
    assert repr(a) == f"SharedDict({name!r})"


ROUND_TRIP = [
    "text",
    "",
    "ünïcödé ✓",
    b"\x00bytes\xff",
    b"",
    0,
    -1,
    2**63 - 1,
    -(2**63),
    2**63,
    -(2**100) - 7,
    10**40,
    1.5,
    -0.0,
    float("inf"),
    True,
    False,
    None,
    [],
    {},
    [1, "a", None, [True, {"k": [2.5, b"x"]}]],
    {"a": 1, "nested": {"b": [1, 2, {"c": None}]}, "bytes": b"\x01"},
]


@pytest.mark.parametrize("value", ROUND_TRIP, ids=repr)
def test_dict_value_round_trip(value):
    d = SharedDict(fresh("d"))
    d["v"] = value
    got = d["v"]
    assert got == value
    assert type(got) is type(value)


def test_dict_key_order_of_value_is_kept():
    d = SharedDict(fresh("d"))
    d["v"] = {"z": 1, "a": 2, "m": 3}
    assert list(d["v"]) == ["z", "a", "m"]


def test_dict_nan_round_trip():
    d = SharedDict(fresh("d"))
    d["v"] = float("nan")
    assert d["v"] != d["v"]


def test_dict_values_are_normalised_to_base_types():
    class Color(str, enum.Enum):
        RED = "red"

    class Num(enum.IntEnum):
        ONE = 1

    d = SharedDict(fresh("d"))
    d["t"] = (1, (2, "x"))
    assert d["t"] == [1, [2, "x"]]
    d["e"] = [Color.RED, Num.ONE]
    assert d["e"] == ["red", 1] and type(d["e"][0]) is str and type(d["e"][1]) is int
    d["o"] = OrderedDict(a=1)
    assert type(d["o"]) is dict and d["o"] == {"a": 1}


def test_dict_copy_semantics():
    d = SharedDict(fresh("d"))
    original = {"items": [1, 2], "meta": {"n": 1}}
    d["v"] = original
    original["items"].append(3)  # the stored copy does not change
    original["meta"]["n"] = 99
    assert d["v"] == {"items": [1, 2], "meta": {"n": 1}}
    got = d["v"]
    got["items"].append(4)  # nor does mutating what we got back
    assert d["v"]["items"] == [1, 2]
    assert d["v"] is not d["v"]
    assert d.get("v") == {"items": [1, 2], "meta": {"n": 1}}
    lst = d.setdefault("v", None)
    lst["items"].clear()
    assert d["v"]["items"] == [1, 2]
    items = dict(d.items())
    items["v"]["meta"]["n"] = 5
    assert d["v"]["meta"]["n"] == 1


class Custom:
    pass


@pytest.mark.parametrize(
    "value, type_name",
    [
        ({1, 2}, "set"),
        (Custom(), "Custom"),
        (bytearray(b"x"), "bytearray"),
        (1j, "complex"),
        ([1, {2}], "set"),
        ({"a": [object()]}, "object"),
    ],
)
def test_dict_unsupported_values_raise_type_error_naming_the_type(value, type_name):
    d = SharedDict(fresh("d"))
    with pytest.raises(TypeError, match=rf"not {type_name}$"):
        d["k"] = value
    with pytest.raises(TypeError, match=rf"not {type_name}$"):
        d.set("k", value)
    with pytest.raises(TypeError, match=rf"not {type_name}$"):
        d.setdefault("k", value)
    assert "k" not in d


def test_dict_keys_must_be_str():
    d = SharedDict(fresh("d"))
    for op in (
        lambda: d[1],
        lambda: d.__setitem__(1, "x"),
        lambda: d.__delitem__(1),
        lambda: 1 in d,
        lambda: d.get(1),
        lambda: d.pop(b"k"),
        lambda: d.incr(None),
    ):
        with pytest.raises(TypeError, match="keys must be str"):
            op()
    with pytest.raises(TypeError, match="dict keys in a SharedDict value must be str, not int"):
        d["k"] = {1: "x"}
    with pytest.raises(UnicodeEncodeError):
        d["\ud800"] = 1


def test_dict_self_reference_is_refused():
    d = SharedDict(fresh("d"))
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="nested too deeply"):
        d["k"] = loop
    assert "k" not in d


def test_dict_method_arguments():
    d = SharedDict(fresh("d"))
    with pytest.raises(TypeError, match="missing required argument 'key'"):
        d.get()
    with pytest.raises(TypeError, match="missing required argument 'value'"):
        d.set("k")
    with pytest.raises(TypeError, match="at most 2"):
        d.get("a", 1, 2)
    with pytest.raises(TypeError):
        d.keys(1)
