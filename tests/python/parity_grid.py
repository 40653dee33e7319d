"""The generated part of the corpus: every scalar type against every scalar input, in python
and JSON mode, lax and strict (``Field(strict=True)``).

Lax mode differs between the two input kinds (python accepts ``b"3"`` for an int, JSON has
no bytes; JSON accepts ``"2024-01-02"`` strings for dates as python does, but python also
accepts ``date`` objects), so both are generated from their own input lists rather than one
list serialised twice.
"""

from __future__ import annotations

from tests.python.parity_harness import Case, Expr

SCALAR_TYPES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "bytes": "bytes",
    "Decimal": "Decimal",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "timedelta": "timedelta",
    "UUID": "UUID",
    "int-or-none": "int | None",
    "none": "None",
}

# (id, python value)
PYTHON_INPUTS = [
    ("int-3", 3), ("int-0", 0), ("int-neg", -1), ("int-2p64", 2**64), ("int-1e30", 10**30),
    ("float-3.0", 3.0), ("float-3.5", 3.5), ("float-neg0", -0.0), ("float-1e20", 1e20), ("inf", float("inf")),
    ("nan", float("nan")), ("true", True), ("false", False), ("none", None),
    ("str-3", "3"), ("str-sp3", " 3 "), ("str-3.0", "3.0"), ("str-3.5", "3.5"), ("str-1e3", "1e3"), ("str-empty", ""),
    ("str-abc", "abc"), ("str-true", "true"), ("str-off", "off"), ("str-0", "0"), ("str-1", "1"),
    ("str-date", "2024-01-02"), ("str-datetime", "2024-01-02T03:04:05Z"), ("str-time", "03:04:05"),
    ("str-duration", "P1DT2H"), ("str-uuid", "12345678-1234-5678-1234-567812345678"), ("str-huge", "9" * 30),
    ("bytes-3", b"3"), ("bytes-abc", b"abc"), ("bytearray", bytearray(b"1")),
    ("Decimal-3", Expr("Decimal('3')")), ("Decimal-3.5", Expr("Decimal('3.5')")), ("Decimal-nan", Expr("Decimal('NaN')")),
    ("date-obj", Expr("date(2024, 1, 2)")), ("datetime-obj", Expr("datetime(2024, 1, 2, 3, 4, 5)")),
    ("datetime-midnight", Expr("datetime(2024, 1, 2)")), ("time-obj", Expr("time(3, 4, 5)")),
    ("timedelta-obj", Expr("timedelta(days=1, seconds=5)")), ("uuid-obj", Expr("UUID(int=7)")),
    ("unix-ts", 1700000000), ("list", [1]), ("dict", {"a": 1}), ("tuple", (1,)), ("set", Expr("{1}")),
    ("object", Expr("object()")),
]

# (id, JSON text of the value)
JSON_INPUTS = [
    ("int-3", "3"), ("int-0", "0"), ("int-neg", "-1"), ("int-2p64", "18446744073709551616"), ("int-1e30", "1" + "0" * 30),
    ("float-3.0", "3.0"), ("float-3.5", "3.5"), ("float-neg0", "-0.0"), ("exp-1e3", "1e3"), ("exp-1e999", "1e999"),
    ("NaN", "NaN"), ("Infinity", "Infinity"), ("true", "true"), ("false", "false"), ("null", "null"),
    ("str-3", '"3"'), ("str-sp3", '" 3 "'), ("str-3.0", '"3.0"'), ("str-3.5", '"3.5"'), ("str-empty", '""'),
    ("str-abc", '"abc"'), ("str-true", '"true"'), ("str-no", '"no"'), ("str-date", '"2024-01-02"'),
    ("str-datetime", '"2024-01-02T03:04:05Z"'), ("str-datetime-offset", '"2024-01-02T03:04:05.250+05:30"'),
    ("str-time", '"03:04:05"'), ("str-duration", '"P1DT2H"'), ("str-uuid", '"12345678-1234-5678-1234-567812345678"'),
    ("str-nan", '"nan"'), ("str-inf", '"-inf"'), ("unix-ts", "1700000000"), ("unix-ts-float", "1700000000.5"),
    ("list", "[1]"), ("object", '{"a": 1}'),
]

STRICTNESS = {"lax": "", "strict": "strict=True"}


def _source(annotation: str, strictness: str) -> str:
    field = f" = Field({strictness})" if strictness else ""
    return f"class M(BaseModel):\n    v: {annotation}{field}\n"


def grid_cases() -> list[Case]:
    cases = []
    for type_id, annotation in SCALAR_TYPES.items():
        for strict_id, strictness in STRICTNESS.items():
            if type_id == "none" and strictness:
                continue  # pydantic refuses strict=True on None: there is nothing to coerce
            cases.append(Case(
                name=f"grid-{type_id}-{strict_id}",
                source=_source(annotation, strictness),
                python=tuple({"v": value} if not isinstance(value, Expr) else Expr(f"{{'v': {value.source}}}")
                             for _, value in PYTHON_INPUTS),
                json=tuple(f'{{"v": {text}}}' for _, text in JSON_INPUTS),
            ))
    return cases


def input_label(kind: str, index: int) -> str:
    """The readable id of a grid input (the case's own ids would only say "py17")."""
    table = PYTHON_INPUTS if kind == "python" else JSON_INPUTS
    return table[index][0]
