"""Validation alone: FasterAPI's BaseModel vs pydantic on the 1 KB order of items_models.

    python benches/models_bench.py [--json] [--repeat 7] [--no-subinterpreter] [--breakdown]

Times three operations on the same input with both libraries, in this (main) interpreter:
``Order.model_validate_json(body)``, ``Order.model_validate(dict)`` and
``order.model_dump_json()``; timeit-style, the best of ``--repeat`` rounds, each round long
enough (>= 0.2 s, timeit's autorange) for the clock not to matter. FasterAPI is also timed inside a fresh own-GIL
sub-interpreter, the setting the server runs it in (pydantic-core cannot load there).

``--breakdown`` adds one-field models of each type in the order (a str with a pattern, a
UUID, a datetime, ...), timed the same way, to show where a ratio comes from.

Issue 7's target: FasterAPI at most 1.2x pydantic-core's time (ratio = ours / pydantic's).
Before timing, both libraries must agree on the result (the same JSON out of each operation),
so a fast wrong answer cannot pass. Runs with pydantic and fasterapi importable (the dev
.venv); the FasterAPI side is skipped with a note while it cannot be imported.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import textwrap
import threading
import timeit
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benches` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benches.items_models import document, document_json, load

TARGET_RATIO = 1.2

OPERATIONS = ("model_validate_json", "model_validate", "model_dump_json")


def operations(library: str) -> dict:
    """The three timed callables for ``library``, over the shared document."""
    models = load(library)
    body, data = document_json(), document()
    order = models.Order.model_validate_json(body)
    return {
        "model_validate_json": functools.partial(models.Order.model_validate_json, body),
        "model_validate": functools.partial(models.Order.model_validate, data),
        "model_dump_json": order.model_dump_json,
    }


def outputs(ops: dict) -> dict:
    """What each operation produces, as plain JSON values (to compare the libraries)."""
    return {
        "model_validate_json": json.loads(ops["model_validate_json"]().model_dump_json()),
        "model_validate": json.loads(ops["model_validate"]().model_dump_json()),
        "model_dump_json": json.loads(ops["model_dump_json"]()),
    }


def best_times(fns: dict, repeat: int) -> dict:
    """Seconds per call of each function: the fastest of ``repeat`` rounds (timeit's advice:
    the minimum is the measurement, the rest is noise from other processes). The rounds of
    the functions alternate, so a busy spell of the machine slows all of them alike."""
    timers = {key: timeit.Timer(fn) for key, fn in fns.items()}
    numbers = {key: timer.autorange()[0] for key, timer in timers.items()}  # calls per >= 0.2 s round
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for key, timer in timers.items():
            best[key] = min(best[key], timer.timeit(numbers[key]) / numbers[key])
    return best


def time_all(libraries: tuple[str, ...], repeat: int) -> dict:
    """{library: {operation: seconds}}, the libraries' rounds interleaved."""
    ops = {library: operations(library) for library in libraries}
    result: dict = {library: {} for library in libraries}
    for name in OPERATIONS:
        times = best_times({library: ops[library][name] for library in libraries}, repeat)
        for library in libraries:
            result[library][name] = times[library]
    return result


# The FasterAPI timings inside an own-GIL sub-interpreter: the same functions, run by
# run_string in a fresh interpreter; results come back through a file (run_string returns
# nothing but an error).
SUB_CODE = """
import json, sys
sys.path[:] = {path!r}
from benches.models_bench import time_all
from fasterapi import _native  # noqa: F401 -- the native module must load here, as on a core
with open({out!r}, "w") as f:
    json.dump(time_all(("fasterapi",), {repeat})["fasterapi"], f)
"""


def time_in_subinterpreter(repeat: int) -> dict:
    import _interpreters  # CPython >= 3.13; the server's own-GIL interpreters

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "times.json")
        iid = _interpreters.create("isolated")
        try:
            if _interpreters.get_config(iid).gil != "own":
                raise RuntimeError("the sub-interpreter does not have its own GIL")
            failure: list = [None]

            # A thread of its own, as on the server (a core thread runs its interpreter).
            def run() -> None:
                failure[0] = _interpreters.run_string(iid, textwrap.dedent(SUB_CODE).format(
                    path=sys.path, out=out, repeat=repeat))

            t = threading.Thread(target=run)
            t.start()
            t.join()
            if failure[0] is not None:
                raise RuntimeError(failure[0].formatted)
        finally:
            _interpreters.destroy(iid)
        with open(out) as f:
            return json.load(f)


# --breakdown: one field of each kind the order uses, in a model of its own.
FIELD_CASES = {
    "str": ("str", '"Ada Lovelace"'),
    "str, pattern": ('str = Field(pattern=r"^[0-9A-Z -]{{3,10}}$")', '"SW1Y 4JH"'),
    "str, min/max_length": ("str = Field(min_length=1, max_length=200)", '"12 St James\'s Square"'),
    "int, gt": ("int = Field(gt=0)", "48213"),
    "float, ge": ("float = Field(ge=0)", "89.9"),
    "bool": ("bool", "true"),
    "Optional[str], null": ("Optional[str] = None", "null"),
    "str Enum": ("Currency", '"EUR"'),
    "Literal": ('Literal["pending", "paid", "shipped", "cancelled"]', '"paid"'),
    "UUID": ("UUID", '"3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b"'),
    "datetime": ("datetime", '"2024-05-17T14:03:27.512000Z"'),
    "list[str]": ("list[str]", '["hardware", "input", "wireless"]'),
    "nested model": ("Address", '{"street": "1 Analytical Row", "city": "Marylebone", "postcode": "NW1 6XE", '
                                '"country": "GB"}'),
}


def breakdown(repeat: int) -> dict:
    """Seconds of model_validate_json and model_dump_json of each one-field model, per library."""
    calls: dict = {}
    for library in ("pydantic", "fasterapi"):
        namespace = dict(vars(load(library)))  # the order's imports, Currency and Address
        for k, (label, (annotation, value)) in enumerate(FIELD_CASES.items()):
            exec(f"class Case{k}(BaseModel):\n    value: {annotation.format()}\n", namespace)
            model, body = namespace[f"Case{k}"], f'{{"value": {value}}}'.encode()
            instance = model.model_validate_json(body)
            calls[library, label, "model_validate_json"] = functools.partial(model.model_validate_json, body)
            calls[library, label, "model_dump_json"] = instance.model_dump_json
    out: dict = {"pydantic": {}, "fasterapi": {}}
    for label in FIELD_CASES:
        for op in ("model_validate_json", "model_dump_json"):
            times = best_times({lib: calls[lib, label, op] for lib in out}, repeat)
            for lib in out:
                out[lib].setdefault(label, {})[op] = times[lib]
    return out


def breakdown_table(times: dict) -> str:
    lines = ["| field | validate_json pydantic | fasterapi | ratio | dump_json pydantic | fasterapi | ratio |",
             "|---|---|---|---|---|---|---|"]
    for label in FIELD_CASES:
        row = [label]
        for op in ("model_validate_json", "model_dump_json"):
            theirs, ours = times["pydantic"][label][op], times["fasterapi"][label][op]
            row += [f"{theirs * 1e9:.0f} ns", f"{ours * 1e9:.0f} ns", f"{ours / theirs:.2f}x"]
        lines.append("| " + " | ".join(row) + " |")
    return "One-field models (time per call, including the call itself):\n\n" + "\n".join(lines)


def compare_outputs() -> list[str]:
    """Differences between the libraries' results (empty when they agree)."""
    ours, theirs = outputs(operations("fasterapi")), outputs(operations("pydantic"))
    return [f"{name}: fasterapi {ours[name]!r} != pydantic {theirs[name]!r}"
            for name in OPERATIONS if ours[name] != theirs[name]]


def measure(repeat: int, subinterpreter: bool, fields: bool = False) -> dict:
    result: dict = {"document_bytes": len(document_json()), "repeat": repeat, "target_ratio": TARGET_RATIO,
                    "python": sys.version.split()[0], "notes": []}
    import pydantic
    import pydantic_core

    result["pydantic"] = {"version": pydantic.VERSION, "core": pydantic_core.__version__}
    try:
        load("fasterapi")
    except ImportError as e:
        result["notes"].append(f"fasterapi not measured: {e}")
        result["pydantic"]["seconds"] = time_all(("pydantic",), repeat)["pydantic"]
        return result
    differences = compare_outputs()
    if differences:
        # Timing different work would be meaningless: report and stop.
        result["notes"] += ["results differ, not timed: " + d for d in differences]
        result["pydantic"]["seconds"] = time_all(("pydantic",), repeat)["pydantic"]
        return result
    both = time_all(("pydantic", "fasterapi"), repeat)
    result["pydantic"]["seconds"] = both["pydantic"]
    result["fasterapi"] = {"seconds": both["fasterapi"]}
    if subinterpreter:
        try:
            result["fasterapi_subinterpreter"] = {"seconds": time_in_subinterpreter(repeat)}
        except (ImportError, RuntimeError) as e:
            result["notes"].append(f"sub-interpreter not measured: {e}")
    if fields:
        result["breakdown_seconds"] = breakdown(repeat)
    for side in ("fasterapi", "fasterapi_subinterpreter"):
        if side in result:
            result[side]["ratio"] = {name: result[side]["seconds"][name] / result["pydantic"]["seconds"][name]
                                     for name in OPERATIONS}
    return result


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us"


def table(result: dict) -> str:
    """The markdown table: one row per operation."""
    sub = "fasterapi_subinterpreter" in result
    head = ["operation", f"pydantic {result['pydantic']['version']} (core {result['pydantic']['core']})",
            "fasterapi (main interpreter)", "ratio", *(["fasterapi (own-GIL sub-interpreter)", "ratio"] if sub else []),
            f"target (<= {TARGET_RATIO}x)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in OPERATIONS:
        theirs = result["pydantic"]["seconds"][name]
        row = [f"`{name}`", us(theirs)]
        if "fasterapi" in result:
            ratio = result["fasterapi"]["ratio"][name]
            row += [us(result["fasterapi"]["seconds"][name]), f"{ratio:.2f}x"]
            if sub:
                row += [us(result["fasterapi_subinterpreter"]["seconds"][name]),
                        f"{result['fasterapi_subinterpreter']['ratio'][name]:.2f}x"]
            row.append("met" if ratio <= TARGET_RATIO else "NOT met")
        else:
            row += ["-", "-", "not measured"]
        lines.append("| " + " | ".join(row) + " |")
    caption = (f"{result['document_bytes']}-byte nested order, Python {result['python']}, "
               f"best of {result['repeat']} rounds; ratio = fasterapi time / pydantic time")
    notes = "".join(f"\n- {n}" for n in result["notes"])
    text = caption + "\n\n" + "\n".join(lines) + ("\n" + notes if notes else "")
    if "breakdown_seconds" in result:
        text += "\n\n" + breakdown_table(result["breakdown_seconds"])
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    ap.add_argument("--repeat", type=int, default=7, help="rounds per operation (the best counts)")
    ap.add_argument("--no-subinterpreter", action="store_true", help="skip the sub-interpreter timings")
    ap.add_argument("--breakdown", action="store_true", help="also time one-field models of each type")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    result = measure(args.repeat, not args.no_subinterpreter, args.breakdown)
    print(json.dumps(result, indent=2) if args.json else table(result))
    # A disagreement between the libraries is a failure, not a measurement.
    sys.exit(1 if any(n.startswith("results differ") for n in result["notes"]) else 0)


if __name__ == "__main__":
    main()
