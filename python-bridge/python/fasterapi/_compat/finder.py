"""The meta-path finder that makes ``import fastapi`` (and starlette, pydantic) load
FasterAPI's alias modules (:mod:`fasterapi._compat.aliases`).

It answers for every module under :data:`fasterapi._compat.table.ROOTS` and for nothing
else: a covered module gets an alias, any other one under those roots fails with
``NotCoveredModuleError`` (an ImportError naming it), so an uncovered import never falls
through to the real package (which cannot load in a sub-interpreter anyway, and in the main
interpreter would mix two frameworks in one app).
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from fasterapi._compat.aliases import DOC, is_package, module_not_covered, new_alias_module
from fasterapi._compat.table import COVERED, ROOTS


class AliasFinder:
    """Finder and loader of the alias modules (importlib's MetaPathFinder and Loader protocols)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname.partition(".")[0] not in ROOTS:
            return None
        if fullname not in COVERED:
            raise module_not_covered(fullname)
        return ModuleSpec(fullname, self, origin="fasterapi compatibility alias", is_package=is_package(fullname))

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return new_alias_module(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: names resolve on first use."""


def _is_alias(module: Any) -> bool:
    return isinstance(getattr(getattr(module, "__spec__", None), "loader", None), AliasFinder)


def installed() -> bool:
    return any(isinstance(finder, AliasFinder) for finder in sys.meta_path)


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once; later calls do nothing).

    Refuses when a real fastapi/starlette/pydantic is already imported in this interpreter:
    the app would silently get the real package, not FasterAPI's.
    """
    if installed():
        return
    real = sorted(name for name in sys.modules if name.partition(".")[0] in ROOTS and not _is_alias(sys.modules[name]))
    if real:
        raise RuntimeError(
            f"compatibility mode must be switched on before {real[0].partition('.')[0]} is imported, "
            f"but {real[0]!r} is already imported in this interpreter (see {DOC})"
        )
    sys.meta_path.insert(0, AliasFinder())


def uninstall() -> None:
    """Remove the finder and forget every alias module (for tests)."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, AliasFinder)]
    for name in [name for name, module in list(sys.modules.items()) if _is_alias(module)]:
        del sys.modules[name]
