"""Compatibility mode (``fasterapi run --compat``): ``import fastapi`` / ``pydantic`` /
``starlette.*`` resolve to FasterAPI's objects, uncovered names fail with an ImportError that
names them and points to docs/fastapi-compat.md, and nothing is installed when it is off.

The real fastapi, starlette and pydantic are installed in the test venv (and may already be
imported by other tests), so each test that switches the mode on runs with them hidden from
``sys.modules`` and puts them back afterwards (fixture ``compat``).
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path

import pytest

import fasterapi
from fasterapi import _compat, _server, cli
from fasterapi._compat import table
from fasterapi.applications import FasterAPI

REPO = Path(__file__).resolve().parents[2]
APP = "tests.apps.compat.tutorial_app:app"
DOC = "docs/fastapi-compat.md"



def _ours(name: str) -> bool:
    return name.partition(".")[0] in table.ROOTS or name.startswith("tests.apps.compat.")


@pytest.fixture
def hidden_real_packages():
    """fastapi/starlette/pydantic (and the compat test apps) out of ``sys.modules`` for the
    test; everything restored afterwards, the finder removed."""
    saved = {name: module for name, module in sys.modules.items() if _ours(name)}
    for name in saved:
        del sys.modules[name]
    yield
    _compat.uninstall()
    for name in [name for name in sys.modules if _ours(name)]:
        del sys.modules[name]
    sys.modules.update(saved)


@pytest.fixture
def compat(hidden_real_packages):
    _compat.install()
    yield


def _import_error(statement: str) -> ImportError:
    with pytest.raises(ImportError) as info:
        exec(statement, {})
    return info.value


# -- on and off ------------------------------------------------------------------------------


def test_off_by_default_nothing_is_installed(monkeypatch, hidden_real_packages):
    monkeypatch.delenv(_compat.ENV, raising=False)
    _server.load_app("examples.hello:app")
    assert not _compat.installed()
    monkeypatch.setenv(_compat.ENV, "0")
    _server.load_app("examples.hello:app")
    assert not _compat.installed()


def test_on_installs_before_the_app_is_imported(monkeypatch, hidden_real_packages):
    monkeypatch.setenv(_compat.ENV, "1")
    loaded = _server.load_app(APP)
    assert _compat.installed()
    app_module = sys.modules["tests.apps.compat.tutorial_app"]
    assert isinstance(app_module.app, FasterAPI)
    assert app_module.BaseModel is fasterapi.BaseModel
    assert {route.path for route in loaded.routes} >= {"/", "/items/{item_id}", "/users/{username}"}
    # A second load (the main-interpreter lane after the CLI's check) installs nothing twice.
    _server.load_app(APP)
    assert sum(isinstance(f, _compat.finder.AliasFinder) for f in sys.meta_path) == 1


def test_a_fastapi_app_without_compat_is_refused_with_a_hint(monkeypatch, hidden_real_packages):
    monkeypatch.delenv(_compat.ENV, raising=False)
    with pytest.raises(TypeError, match="is not a FasterAPI application .*serve it with --compat"):
        _server.load_app(APP)  # imports the real FastAPI here, in the main interpreter


def test_refuses_to_install_after_the_real_package_was_imported(hidden_real_packages):
    import pydantic  # the real one  # noqa: F401

    with pytest.raises(RuntimeError, match="before pydantic is imported"):
        _compat.install()
    assert not _compat.installed()


def test_cli_flag_and_environment(monkeypatch):
    assert cli.build_parser().parse_args(["run", "m:app", "--compat"]).compat is True
    assert cli.build_parser().parse_args(["run", "m:app"]).compat is None
    assert cli.resolve_settings({}, {}, (cli.COMPAT,)) == {"compat": False}
    assert cli.resolve_settings({}, {"FASTERAPI_COMPAT": "yes"}, (cli.COMPAT,)) == {"compat": True}
    assert cli.resolve_settings({"compat": True}, {"FASTERAPI_COMPAT": "0"}, (cli.COMPAT,)) == {"compat": True}
    with pytest.raises(cli.ConfigError, match="FASTERAPI_COMPAT must be 1 or 0, got 'maybe'"):
        cli.resolve_settings({}, {"FASTERAPI_COMPAT": "maybe"}, (cli.COMPAT,))


def test_cli_writes_the_resolved_value_for_every_interpreter(monkeypatch, capsys):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("FASTERAPI_COMPAT", "true")
    monkeypatch.setenv("FASTERAPI_PORT", "abc")  # stop before serving, after the compat setting
    assert cli.main(["run", "examples.hello:app"]) == 2
    capsys.readouterr()
    monkeypatch.setenv("FASTERAPI_PORT", "8000")
    monkeypatch.setattr(_server, "load_app", lambda spec: (_ for _ in ()).throw(ValueError("stop here")))
    assert cli.main(["run", "examples.hello:app"]) == 2
    assert os.environ["FASTERAPI_COMPAT"] == "1"
    assert cli.main(["run", "examples.hello:app"]) == 2 and "stop here" in capsys.readouterr().err
    monkeypatch.setenv("FASTERAPI_COMPAT", "off")
    cli.main(["run", "examples.hello:app"])
    assert os.environ["FASTERAPI_COMPAT"] == "0"
    assert not _compat.requested()


# -- what the aliases give ---------------------------------------------------------------------


def test_import_fastapi_gives_fasterapi(compat):
    import fastapi
    import fastapi.responses
    from fastapi import APIRouter, Body, FastAPI, HTTPException, Query, Request, status
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.openapi.utils import get_openapi

    from fasterapi import exceptions, openapi, params, requests, responses, routing

    assert FastAPI is FasterAPI
    assert (APIRouter, Body, Query, Request) == (routing.APIRouter, params.Body, params.Query, requests.Request)
    assert HTTPException is exceptions.HTTPException and RequestValidationError is exceptions.RequestValidationError
    assert jsonable_encoder is fasterapi.jsonable_encoder
    assert get_openapi is importlib.import_module("fasterapi.openapi.utils").get_openapi and openapi
    assert status is fasterapi.status and fastapi.status is status
    assert fastapi.responses.JSONResponse is responses.JSONResponse
    from fastapi.responses import ORJSONResponse, UJSONResponse

    assert ORJSONResponse is UJSONResponse is responses.JSONResponse  # encoded natively
    # Submodules are attributes of their parent, as FastAPI's __init__ imports them.
    assert fastapi.routing.APIRoute is routing.APIRoute
    assert "fasterapi compatibility alias" in repr(fastapi)
    app = FastAPI(title="t")

    @app.get("/items/{item_id}")
    def read(item_id: int, q: str | None = None):
        return {"item_id": item_id, "q": q}

    assert [r.path for r in app._compile_routes()][:1] == ["/items/{item_id}"]


def test_pydantic_names(compat):
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
    from pydantic.fields import FieldInfo
    from pydantic_core import PydanticCustomError

    assert BaseModel is fasterapi.BaseModel and FieldInfo is fasterapi.fields.FieldInfo
    assert PydanticCustomError is fasterapi.pydantic.PydanticCustomError

    class User(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True)
        name: str = Field(min_length=2)

        @field_validator("name")
        @classmethod
        def title(cls, value: str) -> str:
            return value.title()

    assert User(name=" ada ").name == "Ada"
    with pytest.raises(ValidationError) as info:
        User(name="a")
    assert info.value.errors()[0]["type"] == "string_too_short"


def test_pydantic_settings_names(compat):
    from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

    from fasterapi import settings

    assert (BaseSettings, SettingsConfigDict, SettingsError) == (settings.BaseSettings, settings.SettingsConfigDict, settings.SettingsError)


def test_starlette_names(compat):
    from starlette import status
    from starlette.datastructures import Headers, UploadFile
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse

    from fasterapi import datastructures, responses

    assert StarletteHTTPException is fasterapi.HTTPException
    assert (JSONResponse, RedirectResponse) == (responses.JSONResponse, responses.RedirectResponse)
    assert (Headers, UploadFile, Request) == (datastructures.Headers, datastructures.UploadFile, fasterapi.Request)
    assert status.HTTP_404_NOT_FOUND == 404


def test_star_import_gives_what_is_available(compat):
    namespace: dict = {}
    exec("from fastapi import *", namespace)
    assert namespace["FastAPI"] is FasterAPI and namespace["status"].HTTP_200_OK == 200
    assert "WebSocket" not in namespace


# -- what they refuse --------------------------------------------------------------------------


def test_an_uncovered_name_is_an_import_error_naming_it_and_the_doc(compat):
    error = _import_error("from fastapi import WebSocket")
    assert isinstance(error, _compat.NotCoveredError)
    assert str(error) == (
        "cannot import name 'WebSocket' from 'fastapi': FasterAPI's compatibility mode (--compat) "
        f"does not cover fastapi.WebSocket; see {DOC}"
    )
    assert error.name == "fastapi"
    assert "pydantic.BaseSettings" in str(_import_error("from pydantic import BaseSettings"))
    assert "starlette.responses.EventSourceResponse" in str(_import_error("from starlette.responses import EventSourceResponse"))
    # Attribute access says the same (not a bare AttributeError).
    error = _import_error("import fastapi; fastapi.WebSocketDisconnect")
    assert "fastapi.WebSocketDisconnect" in str(error) and DOC in str(error)


def test_a_near_miss_gets_a_suggestion(compat):
    assert "(did you mean fastapi.FastAPI?)" in str(_import_error("from fastapi import FastApi"))
    assert "(did you mean fastapi.responses?)" in str(_import_error("import fastapi.responsez"))


def test_an_uncovered_submodule_is_a_module_not_found_error_naming_it(compat):
    cases = [("fastapi.websockets",) * 2, ("fastapi.middleware.wsgi",) * 2, ("starlette.types",) * 2,
             ("pydantic._internal._repr", "pydantic._internal")]  # the first uncovered part is named
    for imported, module in cases:
        error = _import_error(f"import {imported}")
        assert isinstance(error, ModuleNotFoundError), module
        assert error.name == module
        assert f"No module named {module!r} in FasterAPI's compatibility mode" in str(error)
        assert DOC in str(error)


def test_dunder_probes_stay_attribute_errors(compat):
    import fastapi

    assert not hasattr(fastapi, "__wrapped__")
    assert getattr(fastapi, "__version__", None) is None


def test_a_row_whose_target_is_not_there_yet_fails_clearly(monkeypatch, hidden_real_packages):
    monkeypatch.setitem(table.COVERED, "fastapi", {**table.COVERED["fastapi"], "Later": "fasterapi.not_yet:Later", "Gone": "fasterapi.status:HTTP_999"})
    _compat.install()
    for name, target in (("Later", "fasterapi.not_yet:Later"), ("Gone", "fasterapi.status:HTTP_999")):
        error = _import_error(f"from fastapi import {name}")
        assert isinstance(error, _compat.NotCoveredError)
        assert str(error) == (
            f"cannot import name {name!r} from 'fastapi': FasterAPI's compatibility mode maps it to "
            f"{target}, which this version of FasterAPI does not have yet; see {DOC}"
        )
    import fastapi

    assert "Later" not in fastapi.__all__ and "FastAPI" in fastapi.__all__


def test_a_missing_import_inside_a_target_is_not_masked(monkeypatch, tmp_path, hidden_real_packages):
    (tmp_path / "compat_probe_broken.py").write_text("import no_such_dependency_for_compat_test\nX = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(table.COVERED, "fastapi", {**table.COVERED["fastapi"], "X": "compat_probe_broken:X"})
    _compat.install()
    with pytest.raises(ModuleNotFoundError) as info:
        exec("from fastapi import X", {})
    assert info.value.name == "no_such_dependency_for_compat_test"
    assert not isinstance(info.value, _compat.NotCoveredError)


# -- the table itself --------------------------------------------------------------------------


def test_every_row_resolves(compat):
    unresolved = []
    for module_name, names in table.COVERED.items():
        module = importlib.import_module(module_name)
        for name, target in names.items():
            if name == "*":
                continue
            try:
                getattr(module, name)
            except _compat.NotCoveredError:
                unresolved.append(f"{module_name}.{name} -> {target}")
    assert not unresolved, "rows whose target does not exist:\n" + "\n".join(unresolved)


@pytest.mark.filterwarnings("ignore")  # Starlette's deprecated status names warn when probed
def test_every_covered_name_exists_in_the_real_packages():
    """No invented names: each row is something FastAPI/Starlette/pydantic really export
    (checked against the versions installed in the dev venv, in this main interpreter)."""
    missing = []
    for module_name, names in table.COVERED.items():
        try:
            real = importlib.import_module(module_name)
        except ImportError:
            missing.append(module_name)
            continue
        missing += [f"{module_name}.{name}" for name in names if name != "*" and not hasattr(real, name)]
        if "*" in names:
            ours = importlib.import_module(names["*"])
            missing += [f"{module_name}.{n}" for n in vars(ours) if n.startswith("HTTP_") and not hasattr(real, n)]
    assert not missing, missing


def test_every_parent_of_a_covered_module_is_covered():
    for module_name in table.COVERED:
        parent = module_name.rpartition(".")[0]
        assert not parent or parent in table.COVERED, module_name
        assert module_name.partition(".")[0] in table.ROOTS


# -- in an own-GIL sub-interpreter, where the real pydantic cannot load ------------------------

_interpreters = pytest.importorskip("_interpreters")

SUBINTERPRETER = """
import os, sys
sys.path[:] = {path!r}
os.environ["FASTERAPI_COMPAT"] = {flag!r}
from fasterapi import _server
try:
    loaded = _server.load_app({app!r})
except Exception as exc:
    result = "error: " + str(exc)
else:
    import fastapi, pydantic
    from fasterapi.applications import FasterAPI
    assert fastapi.FastAPI is FasterAPI, fastapi.FastAPI
    assert type(sys.modules["tests.apps.compat.tutorial_app"].app) is FasterAPI
    result = "routes: " + str(len(loaded.routes))
with open({out!r}, "w") as f:
    f.write(result)
"""


def _in_subinterpreter(flag: str, tmp_path: Path) -> str:
    out = tmp_path / f"result-{flag}.txt"
    iid = _interpreters.create("isolated")
    try:
        assert _interpreters.get_config(iid).gil == "own"
        code = SUBINTERPRETER.format(path=[str(REPO), *sys.path], flag=flag, app=APP, out=str(out))
        failure = _interpreters.run_string(iid, textwrap.dedent(code))
        assert failure is None, failure.errdisplay
    finally:
        _interpreters.destroy(iid)
    return out.read_text()


def test_a_fastapi_app_loads_in_an_own_gil_subinterpreter(tmp_path):
    assert _in_subinterpreter("1", tmp_path).startswith("routes: ")


def test_without_compat_the_same_app_cannot_load_there(tmp_path):
    # The real pydantic (pydantic-core, PyO3) refuses own-GIL sub-interpreters: that is what
    # the compatibility mode replaces.
    result = _in_subinterpreter("0", tmp_path)
    assert result.startswith("error: could not import module 'tests.apps.compat.tutorial_app'"), result
