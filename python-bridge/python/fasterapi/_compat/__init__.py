"""Compatibility mode: run an unchanged FastAPI app (``fasterapi run --compat``).

When ``FASTERAPI_COMPAT=1`` (set by the CLI for ``--compat``), every interpreter that loads
the app -- each core's sub-interpreter and the main interpreter -- installs
:class:`~fasterapi._compat.finder.AliasFinder` before importing the app module
(``fasterapi._server.load_app``). From then on ``import fastapi``, the ``fastapi.*``
submodules, ``pydantic`` and ``starlette.*`` give FasterAPI's objects for the names listed in
:mod:`fasterapi._compat.table`, and a clear ImportError for any other. When it is off nothing
is installed and nothing is paid.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from fasterapi._compat.aliases import DOC, NotCoveredError, NotCoveredModuleError
from fasterapi._compat.finder import install, installed, uninstall

ENV = "FASTERAPI_COMPAT"


def requested(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process serves in compatibility mode. The CLI has already checked the
    variable and written it as ``1`` or ``0``, so every interpreter reads the same answer."""
    return environ.get(ENV) == "1"


__all__ = ["DOC", "ENV", "NotCoveredError", "NotCoveredModuleError", "install", "installed", "requested", "uninstall"]
