"""Runs one parity case on one side (real pydantic, or FasterAPI's models) and describes
everything observable about the result as plain, comparable data.

A *side* is the module the case's names are imported from: ``"pydantic"`` (the oracle) or
``"fasterapi.pydantic"`` (the subject). The case source is exec'd once per side into a
fresh module registered in ``sys.modules`` -- like a real user module, so that dataclasses,
forward references and ``model_rebuild()`` resolve names the way they would in an app.

The *outcome* of an operation is a nested structure of tuples, lists, dicts and strings
built by :func:`canon`, which keeps the type of every value (``1`` and ``1.0`` and ``True``
must not compare equal here, although Python says they do).

Set ``PARITY_SUBJECT=pydantic`` to run the whole corpus with pydantic on both sides: every
case must then pass, which is how the corpus itself is checked (deterministic outcomes,
valid class definitions, nothing that depends on object identity).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import enum
import importlib
import itertools
import os
import re
import sys
import types
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

ORACLE = "pydantic"
SUBJECT = os.environ.get("PARITY_SUBJECT", "fasterapi.pydantic")

# The names a case may use from the model library; each case imports only those its source
# mentions, so one missing export fails only the cases that need it.
LIBRARY_NAMES = (
    "AfterValidator",
    "AliasChoices",
    "AliasPath",
    "BaseModel",
    "BeforeValidator",
    "ConfigDict",
    "Field",
    "PlainValidator",
    "TypeAdapter",
    "ValidationError",
    "WrapValidator",
    "computed_field",
    "field_validator",
    "model_validator",
)

# Standard-library names every case may use without importing them.
PRELUDE = """\
import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Annotated, Any, Literal, Optional, TypedDict, Union
from uuid import UUID
"""


@dataclass(frozen=True)
class Expr:
    """A Python input built inside the case's module (it needs the case's own classes)."""

    source: str

    def __repr__(self) -> str:
        return self.source


@dataclass(frozen=True)
class Case:
    """Model source plus inputs; every input becomes one test.

    ``target`` names what is validated: a model class in the source (``model_validate`` /
    ``model_validate_json``), or, with ``adapter=True``, a type expression validated by
    ``TypeAdapter(<target>)``.
    """

    name: str
    source: str
    python: tuple = ()
    json: tuple = ()
    target: str = "M"
    adapter: bool = False
    # keyword arguments for model_validate / validate_python (strict=..., from_attributes=...)
    validate_kwargs: dict = field(default_factory=dict)
    # extra model_dump / model_dump_json keyword sets, beyond the standard ones
    dumps: tuple = ()
    # model_copy(update=...) dicts
    copies: tuple = ()
    # expressions evaluated with `m` bound to the validated value (setattr on a frozen model,
    # hash, equality with a re-validated copy, ...)
    checks: tuple = ()


# --- loading a case on one side ----------------------------------------------------------

_loaded: dict[tuple[str, str], types.ModuleType] = {}
_counter = itertools.count()


def library(side: str) -> types.ModuleType:
    return importlib.import_module(side)


def load(case: Case, side: str) -> types.ModuleType:
    key = (case.name, side)
    if key not in _loaded:
        used = [n for n in LIBRARY_NAMES if re.search(rf"\b{n}\b", case.source + case.target)]
        # a case may start with `from __future__ import annotations`, which must come first
        future, source = "", case.source
        if source.startswith("from __future__"):
            future, _, source = source.partition("\n")
            future += "\n"
        header = future + PRELUDE + (f"from {side} import {', '.join(used)}\n" if used else "")
        name = f"parity_case_{next(_counter)}_{re.sub(r'\\W', '_', case.name)}"
        module = types.ModuleType(name)
        sys.modules[name] = module
        exec(compile(header + source, f"<case {case.name} on {side}>", "exec"), module.__dict__)
        _loaded[key] = module
    return _loaded[key]


def realise(value: Any, module: types.ModuleType) -> Any:
    """The input as this side sees it: Expr evaluated in the case module, the rest deep-copied
    (a `mode="before"` validator may mutate its input; the other side must get a fresh one)."""
    if isinstance(value, Expr):
        return eval(value.source, module.__dict__)
    return copy.deepcopy(value)


# --- canonical, type-preserving descriptions ---------------------------------------------

def _is_model(value: Any) -> bool:
    return hasattr(type(value), "model_fields") and hasattr(value, "model_dump")


def canon(value: Any) -> Any:
    """A comparable description of `value` that keeps its type.

    Normalised, and only these: classes are named, not compared (each side has its own copy
    of every class in the case source); a datetime's tzinfo is described by its offset
    (pydantic-core returns its own TzInfo class, an implementation detail: the offset is the
    contract); exceptions (in ``ctx["error"]``) by class name and message, since two
    exception objects never compare equal.
    """
    if value is None or isinstance(value, (str, bytes, bytearray)):
        return (type(value).__name__, value)
    if isinstance(value, enum.Enum):
        return ("enum", type(value).__name__, canon(value.value))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value))  # repr: nan == nan, -0.0 != 0.0
    if isinstance(value, decimal.Decimal):
        return ("Decimal", str(value))  # str keeps the exponent: Decimal("1.10") != Decimal("1.1")
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat())
    if isinstance(value, (dt.date, dt.time)):
        return (type(value).__name__, value.isoformat())
    if isinstance(value, dt.timedelta):
        return ("timedelta", value.days, value.seconds, value.microseconds)
    if isinstance(value, uuid.UUID):
        return ("UUID", str(value))
    if isinstance(value, BaseException):
        return ("exception", type(value).__name__, str(value))
    if _is_model(value):
        fields = {name: getattr(value, name, "<missing>") for name in type(value).model_fields}
        return ("model", type(value).__name__, canon(fields), canon(getattr(value, "model_extra", None)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return ("dataclass", type(value).__name__, canon(fields))
    if isinstance(value, dict):
        # order matters: dumps keep the field order, dicts keep the input order
        return (type(value).__name__, [(canon(k), canon(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [canon(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, sorted((canon(v) for v in value), key=repr))
    if isinstance(value, type):
        return ("class", value.__name__)
    if type(value).__repr__ is object.__repr__:
        # a plain object (from_attributes inputs): its default repr holds its address
        return ("object", type(value).__name__, canon(dict(getattr(value, "__dict__", {}))))
    return ("other", type(value).__name__, repr(value))


def canon_errors(exc: Exception) -> dict:
    """ValidationError.errors() compared field by field (URLs left out: they name pydantic's
    docs site and version, not part of the behaviour)."""
    errors = []
    for err in exc.errors(include_url=False):
        errors.append({key: (tuple(canon(p) for p in val) if key == "loc" else canon(val))
                       for key, val in err.items()})
    return {"title": exc.title, "error_count": exc.error_count(), "errors": errors}


def attempt(fn: Callable[[], Any], validation_error: type, describe: Callable[[Any], Any] = canon) -> Any:
    """Run `fn`; its value described, or the failure: a ValidationError field by field,
    any other exception by class name (its message is not part of the contract)."""
    try:
        value = fn()
    except validation_error as exc:
        return ("ValidationError", canon_errors(exc))
    except Exception as exc:  # noqa: BLE001 -- compared by name with the other side's
        return ("raised", type(exc).__name__)
    return ("ok", describe(value))


# --- what is compared after a successful validation --------------------------------------

STANDARD_DUMPS: tuple[dict, ...] = (
    {},
    {"mode": "json"},
    {"by_alias": True},
    {"exclude_unset": True},
    {"exclude_defaults": True},
    {"exclude_none": True},
)


def _kw_label(kw: dict) -> str:
    return ",".join(f"{k}={v!r}" for k, v in kw.items()) or "default"


def describe_model(case: Case, module: types.ModuleType, inst: Any, verr: type) -> dict:
    out: dict[str, Any] = {"value": canon(inst), "fields_set": sorted(inst.model_fields_set)}
    for kw in STANDARD_DUMPS + tuple(case.dumps):
        out[f"model_dump({_kw_label(kw)})"] = attempt(lambda: inst.model_dump(**kw), verr)
        json_kw = {k: v for k, v in kw.items() if k != "mode"}
        out[f"model_dump_json({_kw_label(json_kw)})"] = attempt(lambda: inst.model_dump_json(**json_kw), verr)
    for update in case.copies:
        def copied(update=realise(update, module)):
            c = inst.model_copy(update=update)
            return {"value": c, "dump": c.model_dump(), "fields_set": sorted(c.model_fields_set)}
        out[f"model_copy({update!r})"] = attempt(copied, verr)
    # a dump validates back into an equal model (round trip through python and JSON)
    cls = type(inst)
    out["revalidate(dump)"] = attempt(lambda: cls.model_validate(inst.model_dump()) == inst, verr)
    out["revalidate_json(dump_json)"] = attempt(
        lambda: cls.model_validate_json(inst.model_dump_json()) == inst, verr)
    _run_checks(case, module, inst, verr, out)
    return out


def describe_adapted(case: Case, module: types.ModuleType, adapter: Any, value: Any, verr: type) -> dict:
    out: dict[str, Any] = {"value": canon(value)}
    out["dump_python"] = attempt(lambda: adapter.dump_python(value), verr)
    out["dump_python(mode=json)"] = attempt(lambda: adapter.dump_python(value, mode="json"), verr)
    out["dump_json"] = attempt(lambda: adapter.dump_json(value), verr)
    _run_checks(case, module, value, verr, out)
    return out


def _run_checks(case: Case, module: types.ModuleType, value: Any, verr: type, out: dict) -> None:
    for check in case.checks:
        scope = dict(module.__dict__, m=value)
        out[f"check {check}"] = attempt(lambda: eval(check, scope), verr)


# --- one operation on one side -----------------------------------------------------------

def run(case: Case, kind: str, raw: Any, side: str) -> Any:
    """The full outcome of validating `raw` (kind "python" or "json") on `side`."""
    module = load(case, side)
    verr = library(side).ValidationError
    data = realise(raw, module)
    if case.adapter:
        adapter = library(side).TypeAdapter(eval(case.target, module.__dict__))
        validate = adapter.validate_python if kind == "python" else adapter.validate_json
        return attempt(lambda: validate(data, **case.validate_kwargs), verr,
                       lambda v: describe_adapted(case, module, adapter, v, verr))
    cls = getattr(module, case.target)
    validate = cls.model_validate if kind == "python" else cls.model_validate_json
    kwargs = case.validate_kwargs if kind == "python" else {
        k: v for k, v in case.validate_kwargs.items() if k != "from_attributes"}
    return attempt(lambda: validate(data, **kwargs), verr,
                   lambda inst: describe_model(case, module, inst, verr))


def _is_leaf(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
            and not isinstance(value[1], (list, dict, tuple)))


def _is_dict(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and value[0] == "dict" and isinstance(value[1], list)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where two outcomes differ, as short readable lines (the first few suffice)."""
    if type(expected) is not type(actual):
        return [f"{path or '<top>'}: expected {expected!r}\n{' ' * len(path or '<top>')}       got {actual!r}"]
    if isinstance(expected, dict):
        lines = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in actual or key not in expected:
                lines.append(f"{path}/{key}: expected {expected.get(key, '<absent>')!r}, got {actual.get(key, '<absent>')!r}")
            else:
                lines += differences(expected[key], actual[key], f"{path}/{key}")
        return lines
    if _is_dict(expected) and _is_dict(actual) and [k for k, _ in expected[1]] == [k for k, _ in actual[1]]:
        lines = []  # a described dict: name each key in the path instead of its index
        for (key, e), (_, a) in zip(expected[1], actual[1]):
            lines += differences(e, a, f"{path}.{key[1]}")
        return lines
    if _is_leaf(expected) or _is_leaf(actual):
        pass  # a described scalar ("float", "0.0"): reported whole, not element by element
    elif isinstance(expected, (list, tuple)) and len(expected) == len(actual):
        lines = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            lines += differences(e, a, f"{path}[{i}]")
        return lines
    if expected != actual:
        return [f"{path or '<top>'}: expected {expected!r}\n{' ' * len(path or '<top>')}       got {actual!r}"]
    return []
