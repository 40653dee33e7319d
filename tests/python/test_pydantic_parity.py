"""FasterAPI's models against real pydantic, case by case.

Each case's source is exec'd twice, once importing from ``pydantic`` (the oracle) and once
from ``fasterapi.pydantic`` (the subject); the same input goes through both and everything
observable is compared: the validated values (with their types), every dump variant, the
fields set, copies, and on failure ``errors()`` field by field and ``error_count()``. See
parity_harness.py for what is normalised and why, parity_cases.py for the hand-written
corpus, parity_grid.py for the generated scalar grid, parity_schema.py for the JSON Schemas.

Run with ``PARITY_SUBJECT=pydantic`` to check the corpus itself: pydantic against pydantic
must pass everywhere.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from tests.python import parity_grid
from tests.python.parity_cases import CASES
from tests.python.parity_harness import ORACLE, SUBJECT, Case, differences, load, run
from tests.python.parity_schema import SCHEMA_CASES

ALL_CASES = CASES + parity_grid.grid_cases()
assert len({c.name for c in ALL_CASES}) == len(ALL_CASES), "case names must be unique"


def _short(value) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else repr(value)
    text = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in text)
    return text if len(text) <= 40 else text[:37] + "..."


#: Known differences, each a strict xfail: the test fails the day we match pydantic, so the
#: entry must then be removed. Keep this list short and say why each is here.
KNOWN_DIFFERENCES = {
    # pydantic-core applies an int-set exclude on a list field oddly (index 1 of a one-item
    # list removes item 0); we exclude by index as documented.
    ("include-exclude", "json", 0): "exclude={'items': {1}} on a one-item list",
}


def _params():
    for case in ALL_CASES:
        grid = case.name.startswith("grid-")
        for kind, inputs in (("python", case.python), ("json", case.json)):
            for i, raw in enumerate(inputs):
                label = parity_grid.input_label(kind, i) if grid else f"{i}:{_short(raw)}"
                known = KNOWN_DIFFERENCES.get((case.name, kind, i))
                marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
                yield pytest.param(case, kind, raw, id=f"{case.name}/{kind}/{label}", marks=marks)


def assert_same(case: Case, kind: str, raw, expected, actual) -> None:
    if expected != actual:
        lines = differences(expected, actual)
        pytest.fail(
            f"{SUBJECT} differs from {ORACLE} on {case.name} ({kind} input {raw!r}):\n"
            + "\n".join(lines[:12]) + (f"\n... and {len(lines) - 12} more" if len(lines) > 12 else "")
            + f"\n--- source ---\n{case.source}",
            pytrace=False,
        )


@pytest.mark.parametrize("case, kind, raw", list(_params()))
def test_parity(case: Case, kind: str, raw) -> None:
    expected = run(case, kind, raw, ORACLE)
    actual = run(case, kind, raw, SUBJECT)
    assert_same(case, kind, raw, expected, actual)


def test_harness_tells_values_apart():
    # The comparison is only as good as canon(): values Python calls equal must differ here.
    from tests.python.parity_harness import canon

    distinct = [1, 1.0, True, "1", b"1", Decimal("1"), Decimal("1.0"), (1,), [1], {1}, frozenset({1}),
                float("nan"), -0.0, 0.0, None]
    described = [canon(v) for v in distinct]
    assert all(described.count(d) == 1 for d in described), described
    assert canon(float("nan")) == canon(float("nan"))
    assert differences(canon({"a": 1}), canon({"a": 1.0})) == [
        ".a: expected ('int', 1)\n" + " " * len(".a") + "       got ('float', '1.0')"]


def test_corpus_size_and_both_outcomes():
    # The corpus must exercise failures as well as successes on the oracle, or it compares
    # little; and it must stay "a few hundred cases" plus the generated grid.
    outcomes = {"ok": 0, "ValidationError": 0}
    for case in CASES:
        for kind, inputs in (("python", case.python), ("json", case.json)):
            for raw in inputs:
                result = run(case, kind, raw, ORACLE)
                outcomes[result[0]] = outcomes.get(result[0], 0) + 1
    assert outcomes["ok"] >= 150 and outcomes["ValidationError"] >= 150, outcomes
    assert outcomes.get("raised", 0) <= 5, outcomes


# --- JSON Schema ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", SCHEMA_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_json_schema(case: Case, mode: str) -> None:
    def schema(side):
        target = getattr(load(case, side), case.target)
        return target.model_json_schema(mode=mode)

    expected, actual = schema(ORACLE), schema(SUBJECT)
    assert actual == expected, (
        f"model_json_schema(mode={mode!r}) differs:\n" + "\n".join(differences(expected, actual)[:12])
        + f"\nexpected: {json.dumps(expected, indent=1)}\n--- source ---\n{case.source}"
    )


# --- deep nesting: must fail cleanly, never crash the interpreter -------------------------

DEPTH = 10_000

NESTED = Case(name="deep-nesting", source=textwrap.dedent("""
    class Node(BaseModel):
        children: list["Node"] = []
    class M(BaseModel):
        anything: Any = None
        lists: list = []
        node: Node | None = None
    """).strip() + "\n")

DEEP_JSON = {
    "any-arrays": '{"anything": ' + "[" * DEPTH + "]" * DEPTH + "}",
    "any-objects": '{"anything": ' + '{"a": ' * DEPTH + "1" + "}" * DEPTH + "}",
    "list-arrays": '{"lists": ' + "[" * DEPTH + "]" * DEPTH + "}",
    "model-tree": '{"node": ' + '{"children": [' * DEPTH + "{}" + "]}" * DEPTH + "}",
    "unclosed": '{"anything": ' + "[" * DEPTH,
}


def _deep_python(kind: str):
    value: object = {}
    for _ in range(DEPTH):
        value = {"children": [value]} if kind == "model-tree" else [value]
    return {"node": value} if kind == "model-tree" else {"lists": value}


def deep_outcome(kind: str, key: str, side: str) -> tuple:
    """Validate one deep input; only the shape of the result is described (canonicalising a
    10,000-level value would itself overflow Python's recursion limit). Where the depth limit
    strikes (the position in the message and ctx, how long the loc of a too-deep model tree
    is) depends on the validator's chosen limit, not on the contract: compared are whether it
    fails, the error types and where their locs start."""
    module = load(NESTED, side)
    verr = __import__(side, fromlist=["ValidationError"]).ValidationError
    try:
        if kind == "json":
            module.M.model_validate_json(DEEP_JSON[key])
        else:
            module.M.model_validate(_deep_python(key))
    except verr as exc:
        return ("ValidationError", [(e["type"], e["loc"][:1]) for e in exc.errors(include_url=False)])
    except Exception as exc:  # noqa: BLE001 -- e.g. RecursionError: compared by name
        return ("raised", type(exc).__name__)
    return ("ok",)


def _run_isolated(kind: str, key: str) -> tuple:
    """The subject's outcome, computed in a child interpreter: if validation overflows the C
    stack, the child dies (and this test fails) instead of the whole test session."""
    program = (f"from tests.python.test_pydantic_parity import deep_outcome\n"
               f"print(repr(deep_outcome({kind!r}, {key!r}, {SUBJECT!r})))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, f"{SUBJECT} crashed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("key", list(DEEP_JSON))
def test_deeply_nested_json(key):
    expected = deep_outcome("json", key, ORACLE)
    assert expected[0] == "ValidationError", "pydantic rejects 10,000 levels; the case is meant to fail"
    assert _run_isolated("json", key) == expected


@pytest.mark.parametrize("key", ["lists", "model-tree"])
def test_deeply_nested_python(key):
    # pydantic accepts 10,000 nested python lists for a bare `list` (nothing to recurse into)
    # and refuses a 10,000-level model tree with recursion_depth_exceeded
    assert _run_isolated("python", key) == deep_outcome("python", key, ORACLE)
