"""The modules that stand in for ``fastapi``, ``starlette`` and ``pydantic`` (and their
covered submodules) in compatibility mode.

An alias module is an empty module whose ``__getattr__`` looks a name up in
:data:`fasterapi._compat.table.COVERED` the first time it is used, imports the FasterAPI
object it maps to and keeps it in the module's namespace (so the lookup happens once per
name and interpreter, at import time of the app, never per request). A name that is not
covered raises :class:`NotCoveredError`, an ``ImportError`` whose message names the import
and points to docs/fastapi-compat.md. It is raised as an ``ImportError`` rather than an
``AttributeError`` on purpose: ``from fastapi import X`` turns an ``AttributeError`` into
Python's generic "cannot import name" and the explanation would be lost.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fasterapi._compat.table import COVERED

DOC = "docs/fastapi-compat.md"


class NotCoveredError(ImportError):
    """An import that FasterAPI's compatibility mode does not cover (yet)."""


class NotCoveredModuleError(ModuleNotFoundError, NotCoveredError):
    """A submodule of fastapi/starlette/pydantic that the compatibility mode does not cover."""


def _children() -> dict[str, set[str]]:
    children: dict[str, set[str]] = {}
    for name in COVERED:
        parent, _, child = name.rpartition(".")
        if parent:
            children.setdefault(parent, set()).add(child)
    return children


#: alias module -> names of its covered submodules (``fastapi`` -> {"responses", ...}).
CHILDREN = _children()


def is_package(module_name: str) -> bool:
    return module_name in CHILDREN


def module_not_covered(module_name: str) -> NotCoveredModuleError:
    parent, _, child = module_name.rpartition(".")
    siblings = sorted(CHILDREN.get(parent, ())) if parent else []
    return NotCoveredModuleError(
        f"No module named {module_name!r} in FasterAPI's compatibility mode (--compat): "
        f"{module_name} is not covered{_suggestion(child, siblings, parent)}; see {DOC}",
        name=module_name,
    )


def _name_not_covered(module_name: str, name: str, known: list[str]) -> NotCoveredError:
    return NotCoveredError(
        f"cannot import name {name!r} from {module_name!r}: FasterAPI's compatibility mode (--compat) "
        f"does not cover {module_name}.{name}{_suggestion(name, known, module_name)}; see {DOC}",
        name=module_name,
    )


def _target_missing(module_name: str, name: str, target: str) -> NotCoveredError:
    return NotCoveredError(
        f"cannot import name {name!r} from {module_name!r}: FasterAPI's compatibility mode maps it to "
        f"{target}, which this version of FasterAPI does not have yet; see {DOC}",
        name=module_name,
    )


def _suggestion(name: str, known: list[str], module_name: str) -> str:
    import difflib  # only on this error path: every core imports this module at startup

    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {module_name}.{close[0]}?)" if close else ""


def _load_target(module_name: str, name: str, target: str) -> Any:
    """The object ``target`` ("fasterapi.module:attr") names; ``attr`` empty: the module."""
    target_module, _, attr = target.partition(":")
    try:
        module = importlib.import_module(target_module)
    except ModuleNotFoundError as exc:
        # Only the target's own absence means "not there yet"; a module missing *inside*
        # the target is a real error and must surface as it is.
        if exc.name is not None and (target_module == exc.name or target_module.startswith(exc.name + ".")):
            raise _target_missing(module_name, name, target) from None
        raise
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError:
        raise _target_missing(module_name, name, target) from None


class _Namespace:
    """The names one alias module covers, and how each resolves."""

    def __init__(self, module_name: str) -> None:
        self.module_name = module_name
        table = COVERED[module_name]
        #: ``"*"``: a FasterAPI module all of whose public names are covered.
        self.whole_module = table.get("*")
        self.names = {name: target for name, target in table.items() if name != "*"}
        self.children = sorted(CHILDREN.get(module_name, ()))

    def resolve(self, name: str) -> Any:
        target = self.names.get(name)
        if target is not None:
            return _load_target(self.module_name, name, target)
        if name in self.children:
            return importlib.import_module(f"{self.module_name}.{name}")
        if self.whole_module is not None and not name.startswith("_"):
            module = _load_target(self.module_name, name, self.whole_module)
            if hasattr(module, name):
                return getattr(module, name)
        raise _name_not_covered(self.module_name, name, self.known())

    def known(self) -> list[str]:
        names = set(self.names) | set(self.children)
        if self.whole_module is not None:
            try:
                module = _load_target(self.module_name, "*", self.whole_module)
            except NotCoveredError:
                pass
            else:
                names.update(n for n in vars(module) if not n.startswith("_") and not isinstance(vars(module)[n], ModuleType))
        return sorted(names)

    def available(self) -> list[str]:
        """``__all__``: the covered names and submodules that resolve in this version
        (``import *`` must not fail on a row whose target is still to come)."""
        available = []
        for name in self.known():
            try:
                self.resolve(name)
            except NotCoveredError:
                continue
            available.append(name)
        return available


def new_alias_module(module_name: str) -> ModuleType:
    """An empty module for ``module_name`` whose names resolve through the table."""
    module = ModuleType(module_name, f"FasterAPI's stand-in for {module_name} (compatibility mode, see {DOC}).")
    namespace = _Namespace(module_name)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module-level hook (PEP 562)
        if name == "__all__":
            return namespace.available()
        if name.startswith("__") and name.endswith("__"):
            # Dunder probes (copy, pickle, inspect, the import system's ``__path__``) must
            # see a plain AttributeError.
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = namespace.resolve(name)
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(vars(module)) | set(namespace.known()))

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module

