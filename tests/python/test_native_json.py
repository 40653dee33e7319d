"""fasterapi._native's JSON, query parsing and per-interpreter module, against the stdlib."""

import enum
import json
import math
import random
import textwrap

import pytest

from fasterapi import _native


def stdlib_compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def random_value(rng, depth=0):
    kinds = ["int", "bigint", "float", "str", "bool", "none"] + (["list", "dict", "tuple"] if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.randint(-(2**63), 2**63 - 1)
    if kind == "bigint":
        return rng.choice([-1, 1]) * rng.randint(2**64, 2**200)
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.5, 1e-7, 1e22, 123456.789, rng.uniform(-1e6, 1e6)])
    if kind == "str":
        alphabet = "abc \"\\\n\t\r\x00\x1f\x7fé€😀/<>"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if kind == "tuple":
        return tuple(random_value(rng, depth + 1) for _ in range(rng.randint(0, 5)))
    return {f"k{i}{rng.random()}": random_value(rng, depth + 1)
            for i in range(rng.randint(0, 5))}


@pytest.mark.parametrize("seed", range(20))
def test_dumps_parses_back_to_what_the_stdlib_encodes(seed):
    rng = random.Random(seed)
    value = random_value(rng)
    ours = _native.json_dumps(value)
    assert json.loads(ours) == json.loads(stdlib_compact(value))


@pytest.mark.parametrize("seed", range(20))
def test_loads_agrees_with_the_stdlib(seed):
    rng = random.Random(1000 + seed)
    value = random_value(rng)
    text = stdlib_compact(value)
    # Integers of any size stay exact, as with the stdlib.
    expected = json.loads(text)
    assert _native.json_loads(text) == expected
    assert _native.json_loads(text.decode()) == expected
    assert _native.json_loads(bytearray(text)) == expected


def test_exact_output_for_common_values():
    assert _native.json_dumps({"message": "Hello, World!"}) == b'{"message":"Hello, World!"}'
    assert _native.json_dumps([1, 2.5, None, True, False, "é"]) == '[1,2.5,null,true,false,"é"]'.encode()
    assert _native.json_dumps({"a": "\n\"\\\x01"}) == b'{"a":"\\n\\"\\\\\\u0001"}'
    assert _native.json_dumps(2**100) == str(2**100).encode()
    assert _native.json_dumps({2: "a", None: "b", True: "c", 1.5: "d"}) == b'{"2":"a","null":"b","true":"c","1.5":"d"}'


def test_subclasses_encode_like_their_base():
    class Color(str, enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    assert _native.json_dumps({"c": Color.RED, "l": Level.HIGH}) == b'{"c":"red","l":3}'


def test_refusals_are_python_errors():
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        _native.json_dumps({"x": object()})
    with pytest.raises(TypeError):
        _native.json_dumps({(1, 2): "tuple key"})
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="Out of range float"):
            _native.json_dumps([bad])
    deep = []
    for _ in range(2000):
        deep = [deep]
    with pytest.raises(ValueError, match="depth"):
        _native.json_dumps(deep)
    with pytest.raises(UnicodeEncodeError):
        _native.json_dumps("\ud800")


def test_loads_errors_carry_their_position():
    with pytest.raises(ValueError) as info:
        _native.json_loads(b'{"a": 1,\n "b": x}')
    err = info.value
    assert (err.lineno, err.colno) == (2, 7)
    assert err.pos == len('{"a": 1,\n "b": ')
    assert "expected value" in err.msg
    for bad in (b"", b"{", b"[1,]", b"01", b'{"a" 1}', b"nul", b"1 2", b'"\xff"'):
        with pytest.raises(ValueError):
            _native.json_loads(bad)
    with pytest.raises(TypeError):
        _native.json_loads(123)


def test_parse_query_decodes_and_keeps_order():
    assert _native.parse_query(b"a=1&b=&c&a=x%20y&d=e+f&&%zz=%E2%82%AC") == [
        ("a", "1"), ("b", ""), ("c", ""), ("a", "x y"), ("d", "e f"), ("%zz", "€"),
    ]
    assert _native.parse_query("") == []


def test_request_objects_cannot_be_made_from_python():
    with pytest.raises(TypeError):
        _native.Request()


def test_core_id_is_minus_one_outside_the_cores():
    assert _native.core_id() == -1


def test_the_module_loads_in_an_own_gil_sub_interpreter():
    """Multi-phase init: each interpreter gets its own module and its own Request type."""
    interpreters = pytest.importorskip("_interpreters")
    interp = interpreters.create("isolated")
    try:
        code = textwrap.dedent("""
            from fasterapi import _native
            assert _native.json_dumps({"ok": [1, 2]}) == b'{"ok":[1,2]}'
            assert _native.json_loads(b'{"a": [true, null]}') == {"a": [True, None]}
            assert _native.Request.__module__ == "fasterapi._native"
        """)
        assert interpreters.run_string(interp, code) is None
    finally:
        interpreters.destroy(interp)
