"""Validation alone: FasterAPI's BaseModel vs pydantic on the 1 KB order of items_models.

    python benches/models_bench.py [--json] [--repeat 7] [--no-subinterpreter]

Times three operations on the same input with both libraries, in this (main) interpreter:
``Order.model_validate_json(body)``, ``Order.model_validate(dict)`` and
``order.model_dump_json()``; timeit-style, the best of ``--repeat`` rounds, each round long
enough (>= 0.2 s, timeit's autorange) for the clock not to matter. FasterAPI is also timed inside a fresh own-GIL
sub-interpreter, the setting the server runs it in (pydantic-core cannot load there).

Issue 7's target: FasterAPI at most 1.2x pydantic-core's time (ratio = ours / pydantic's).
Before timing, both libraries must agree on the result (the same JSON out of each operation),
so a fast wrong answer cannot pass. Runs with pydantic and fasterapi importable (the dev
.venv); the FasterAPI side is skipped with a note while it cannot be imported.
"""

from __future__ import annotations

import argparse
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
        "model_validate_json": lambda: models.Order.model_validate_json(body),
        "model_validate": lambda: models.Order.model_validate(data),
        "model_dump_json": order.model_dump_json,
    }


def outputs(ops: dict) -> dict:
    """What each operation produces, as plain JSON values (to compare the libraries)."""
    return {
        "model_validate_json": json.loads(ops["model_validate_json"]().model_dump_json()),
        "model_validate": json.loads(ops["model_validate"]().model_dump_json()),
        "model_dump_json": json.loads(ops["model_dump_json"]()),
    }


def best_time(fn, repeat: int) -> float:
    """Seconds per call: the fastest of ``repeat`` rounds (timeit's advice: the minimum is
    the measurement, the rest is noise from other processes)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()  # calls per round: enough for a round of >= 0.2 s
    return min(timer.repeat(repeat=repeat, number=number)) / number


def time_all(library: str, repeat: int) -> dict:
    ops = operations(library)
    return {name: best_time(ops[name], repeat) for name in OPERATIONS}


# The FasterAPI timings inside an own-GIL sub-interpreter: the same functions, run by
# run_string in a fresh interpreter; results come back through a file (run_string returns
# nothing but an error).
SUB_CODE = """
import json, sys
sys.path[:] = {path!r}
from benches.models_bench import time_all
from fasterapi import _native  # noqa: F401 -- the native module must load here, as on a core
with open({out!r}, "w") as f:
    json.dump(time_all("fasterapi", {repeat}), f)
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


def compare_outputs() -> list[str]:
    """Differences between the libraries' results (empty when they agree)."""
    ours, theirs = outputs(operations("fasterapi")), outputs(operations("pydantic"))
    return [f"{name}: fasterapi {ours[name]!r} != pydantic {theirs[name]!r}"
            for name in OPERATIONS if ours[name] != theirs[name]]


def measure(repeat: int, subinterpreter: bool) -> dict:
    result: dict = {"document_bytes": len(document_json()), "repeat": repeat, "target_ratio": TARGET_RATIO,
                    "python": sys.version.split()[0], "notes": []}
    import pydantic
    import pydantic_core

    result["pydantic"] = {"version": pydantic.VERSION, "core": pydantic_core.__version__,
                          "seconds": time_all("pydantic", repeat)}
    try:
        load("fasterapi")
    except ImportError as e:
        result["notes"].append(f"fasterapi not measured: {e}")
        return result
    differences = compare_outputs()
    if differences:
        # Timing different work would be meaningless: report and stop.
        result["notes"] += ["results differ, not timed: " + d for d in differences]
        return result
    result["fasterapi"] = {"seconds": time_all("fasterapi", repeat)}
    if subinterpreter:
        try:
            result["fasterapi_subinterpreter"] = {"seconds": time_in_subinterpreter(repeat)}
        except (ImportError, RuntimeError) as e:
            result["notes"].append(f"sub-interpreter not measured: {e}")
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
    return caption + "\n\n" + "\n".join(lines) + ("\n" + notes if notes else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    ap.add_argument("--repeat", type=int, default=7, help="rounds per operation (the best counts)")
    ap.add_argument("--no-subinterpreter", action="store_true", help="skip the sub-interpreter timings")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    result = measure(args.repeat, not args.no_subinterpreter)
    print(json.dumps(result, indent=2) if args.json else table(result))
    # A disagreement between the libraries is a failure, not a measurement.
    sys.exit(1 if any(n.startswith("results differ") for n in result["notes"]) else 0)


if __name__ == "__main__":
    main()
