"""``fasterapi.settings.BaseSettings`` against the real pydantic-settings.

Every case builds the same settings class twice, once on pydantic-settings (+ pydantic) and
once on FasterAPI's (+ FasterAPI's models), under the same environment and ``.env`` files,
and the two must agree: the values read, or the error raised (its type, message, and for
validation errors the title and every error's type/loc/msg/input). pydantic-settings runs in
this main interpreter only; it is a test dependency (tests/requirements.txt).
"""

# No ``from __future__ import annotations``: the classes are declared inside a function, and
# their annotations must not need resolving later by name.
import os
from typing import Optional

import pytest

pydantic_settings = pytest.importorskip("pydantic_settings")
import pydantic  # noqa: E402

from fasterapi import pydantic as ours_pydantic  # noqa: E402
from fasterapi import settings as ours_settings  # noqa: E402
from fasterapi._dotenv import parse_dotenv, read_dotenv  # noqa: E402

REAL = (pydantic_settings, pydantic)
OURS = (ours_settings, ours_pydantic)


def _classes(settings_module, models, tmp_path):
    """The settings classes of the cases, declared on one implementation."""
    BaseSettings, SettingsConfigDict = settings_module.BaseSettings, settings_module.SettingsConfigDict
    BaseModel, Field, AliasChoices = models.BaseModel, models.Field, models.AliasChoices

    class Settings(BaseSettings):
        app_name: str = "Awesome API"
        admin_email: str
        items_per_user: int = 50

    class Sub(BaseModel):
        a: int
        b: list[str] = []

    class Complex(BaseSettings):
        hosts: list[str] = []
        mapping: dict[str, int] = {}
        sub: Optional[Sub] = None
        either: list[int] | str = "x"
        maybe: Optional[list[int]] = None
        pair: tuple[int, str] = (0, "")

    class Prefixed(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MY_", env_file=tmp_path / "p.env", extra="ignore")
        port: int = 1
        aliased: str = Field("d", alias="SERVICE_URL")
        choices: str = Field("c", validation_alias=AliasChoices("FIRST", "second"))

    class Sensitive(BaseSettings):
        model_config = SettingsConfigDict(case_sensitive=True)
        Name: str = "n"

    class DotForbid(BaseSettings):
        model_config = SettingsConfigDict(env_file=tmp_path / "a.env")
        app_name: str = "x"
        admin_email: str = "y"

    class DotAllow(BaseSettings):
        model_config = SettingsConfigDict(env_file=tmp_path / "a.env", extra="allow")
        app_name: str = "x"

    class DotIgnorePrefixed(BaseSettings):
        model_config = SettingsConfigDict(env_file=tmp_path / "p.env", env_prefix="MY_", extra="allow")
        port: int = 1

    class Multi(BaseSettings):
        model_config = SettingsConfigDict(env_file=(tmp_path / "a.env", tmp_path / "b.env"), extra="ignore")
        app_name: str = "x"
        admin_email: str = "y"
        items_per_user: int = 1

    class Flags(BaseSettings):
        model_config = SettingsConfigDict(env_parse_none_str="null", env_ignore_empty=True)
        debug: bool = False
        ratio: float = 0.5
        optional_port: Optional[int] = None
        name: str = "dflt"

    class Encoded(BaseSettings):
        model_config = SettingsConfigDict(env_file=tmp_path / "latin1.env", env_file_encoding="latin-1")
        greeting: str = ""

    class Colour(str, __import__("enum").Enum):
        red = "red"
        blue = "blue"

    class Typed(BaseSettings):
        model_config = SettingsConfigDict(env_file=tmp_path / "a.env", extra="ignore")
        tags: set[str] = set()
        colour: Colour = Colour.red
        point: Optional[Sub] = Field(None, validation_alias=models.AliasPath("POINT_JSON", "inner"))
        app_name: str = "x"

    class DefaultValidated(BaseSettings):
        port: int = "80"

    class ByName(BaseSettings):
        model_config = SettingsConfigDict(populate_by_name=True)
        url: str = Field("d", alias="SERVICE_URL")

    class EnvAllow(BaseSettings):
        model_config = SettingsConfigDict(extra="allow")
        known: str = "k"

    return locals()


A_ENV = "APP_NAME=From dotenv\nadmin_email=dot@example.com\nUNKNOWN_KEY=1\n"
B_ENV = "# the second file wins\nexport app_name='From dotenv'\nitems_per_user=7   # inline comment\n"
P_ENV = "MY_PORT=9\nMY_OTHER=1\nNOPREFIX=2\n"

# (id, class, keyword arguments, environment)
CASES = [
    ("missing", "Settings", {}, {}),
    ("env", "Settings", {}, {"ADMIN_EMAIL": "a@b.c", "ITEMS_PER_USER": "3"}),
    ("env-any-case", "Settings", {}, {"admin_email": "a@b.c", "App_Name": "Mixed"}),
    ("init-wins", "Settings", {"admin_email": "init@x"}, {"ADMIN_EMAIL": "env@x"}),
    ("bad-int", "Settings", {}, {"ADMIN_EMAIL": "a", "ITEMS_PER_USER": "many"}),
    ("extra-init", "Settings", {"admin_email": "a", "other": 1}, {}),
    ("env-file-argument", "Settings", {"_env_file": "b.env", "admin_email": "a"}, {}),
    ("env-over-dotenv", "Settings", {"_env_file": "b.env"}, {"ADMIN_EMAIL": "a", "APP_NAME": "env"}),
    ("prefix-argument", "Settings", {"_env_prefix": "APP_"}, {"APP_ADMIN_EMAIL": "p@x", "ADMIN_EMAIL": "no"}),
    ("missing-file", "Settings", {"_env_file": "none.env", "admin_email": "a"}, {}),
    ("complex", "Complex", {}, {"HOSTS": '["a","b"]', "MAPPING": '{"x": 1}', "SUB": '{"a": 1, "b": ["q"]}', "EITHER": "[1,2]", "MAYBE": "[3]", "PAIR": '[1, "x"]'}),
    ("complex-not-json", "Complex", {}, {"HOSTS": "a,b"}),
    ("complex-empty", "Complex", {}, {"MAPPING": ""}),
    ("union-keeps-text", "Complex", {}, {"EITHER": "plain"}),
    ("optional-not-json", "Complex", {}, {"MAYBE": "nope"}),
    ("complex-invalid-model", "Complex", {}, {"SUB": '{"a": "x"}'}),
    ("complex-init-over-env", "Complex", {"hosts": ["i"]}, {"HOSTS": '["e"]'}),
    ("prefix-alias-choices", "Prefixed", {}, {"MY_PORT": "80", "SERVICE_URL": "http://s", "second": "two"}),
    ("prefix-not-on-aliases", "Prefixed", {}, {"PORT": "80", "MY_SERVICE_URL": "nope"}),
    ("prefix-dotenv", "Prefixed", {}, {}),
    ("alias-choices-order", "Prefixed", {}, {"FIRST": "one", "second": "two"}),
    ("case-sensitive-miss", "Sensitive", {}, {"NAME": "upper"}),
    ("case-sensitive-hit", "Sensitive", {}, {"Name": "exact"}),
    ("dotenv-extra-forbidden", "DotForbid", {}, {}),
    ("dotenv-extra-allowed", "DotAllow", {}, {}),
    ("dotenv-extra-prefixed", "DotIgnorePrefixed", {}, {}),
    ("several-files", "Multi", {}, {}),
    ("flags", "Flags", {}, {"DEBUG": "true", "RATIO": "1.5", "OPTIONAL_PORT": "null", "NAME": ""}),
    ("bad-bool", "Flags", {}, {"DEBUG": "maybe"}),
    ("file-encoding", "Encoded", {}, {}),
    ("no-env-file-argument", "DotForbid", {"_env_file": None}, {}),
    ("typed", "Typed", {}, {"TAGS": '["a", "b", "a"]', "COLOUR": "blue", "POINT_JSON": '{"inner": {"a": 2}}'}),
    ("typed-bad-enum", "Typed", {}, {"COLOUR": "green"}),
    ("typed-bad-path-json", "Typed", {}, {"POINT_JSON": "not json"}),
    ("alias-by-name-init", "ByName", {"url": "init"}, {"SERVICE_URL": "env"}),
    ("alias-init-any-case", "ByName", {"service_url": "init"}, {"SERVICE_URL": "env"}),
    ("name-init-any-case", "Settings", {"ADMIN_EMAIL": "init"}, {"admin_email": "env"}),
    pytest.param("default-validated", "DefaultValidated", {}, {}, marks=pytest.mark.xfail(
        strict=True, reason="FasterAPI's models do not validate defaults (validate_default) yet")),
    ("alias-by-alias-env", "ByName", {}, {"SERVICE_URL": "env", "URL": "by-name-not-read"}),
    ("environment-is-never-extra", "EnvAllow", {"other": 1}, {"UNRELATED": "x", "KNOWN": "env"}),
]


def _case_id(case) -> str:
    return case.values[0] if hasattr(case, "values") else case[0]


def _outcome(classes, name, kwargs, tmp_path, validation_error):
    if kwargs.get("_env_file") is not None:
        kwargs = {**kwargs, "_env_file": tmp_path / kwargs["_env_file"]}
    try:
        return ("ok", classes[name](**kwargs).model_dump())
    except validation_error as error:
        errors = [{key: value for key, value in e.items() if key in ("type", "loc", "msg", "input")} for e in error.errors()]
        return ("invalid", error.title, errors)
    except Exception as error:  # noqa: BLE001 - the type and message are what is compared
        return (type(error).__name__, str(error))


@pytest.mark.parametrize("case_id, name, kwargs, environment", CASES, ids=[_case_id(case) for case in CASES])
def test_same_as_pydantic_settings(case_id, name, kwargs, environment, tmp_path, monkeypatch):
    (tmp_path / "a.env").write_text(A_ENV)
    (tmp_path / "b.env").write_text(B_ENV)
    (tmp_path / "p.env").write_text(P_ENV)
    (tmp_path / "latin1.env").write_bytes("GREETING=grüß\n".encode("latin-1"))
    for variable in list(os.environ):
        monkeypatch.delenv(variable)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    expected = _outcome(_classes(*REAL, tmp_path), name, kwargs, tmp_path, pydantic.ValidationError)
    got = _outcome(_classes(*OURS, tmp_path), name, kwargs, tmp_path, ours_pydantic.ValidationError)
    assert got == expected


DOTENV_TEXT = """# comment
export APP_NAME="Awesome API"
ADMIN_EMAIL=deadpool@example.com   # inline
ITEMS_PER_USER=50
SINGLE='it\\'s ${APP_NAME} \\n'
DOUBLE="line\\nnext ${ITEMS_PER_USER} \\"q\\""
HASH=a#b
EMPTY=
BARE
  SPACED = value with spaces
REF=${ADMIN_EMAIL}-${MISSING:-default}-${FROM_ENVIRONMENT}
MULTI="one
two"
'QUOTED_KEY'=x
this line = is not a binding ?
AFTER=still read
"""


def test_dotenv_reads_like_python_dotenv(tmp_path, monkeypatch):
    dotenv = pytest.importorskip("dotenv")
    monkeypatch.setenv("FROM_ENVIRONMENT", "env")
    path = tmp_path / ".env"
    path.write_text(DOTENV_TEXT)
    expected = dict(dotenv.dotenv_values(path))
    assert read_dotenv(path) == expected
    assert expected["AFTER"] == "still read" and expected["BARE"] is None


def test_dotenv_bindings_in_order():
    assert parse_dotenv("A=1\nB=2\nA=3\n") == [("A", "1"), ("B", "2"), ("A", "3")]


@pytest.mark.parametrize("option", ["env_nested_delimiter", "secrets_dir"])
def test_an_option_not_covered_is_refused_when_the_class_is_declared(option):
    with pytest.raises(TypeError, match=f"{option}=.*not supported"):

        class Nested(ours_settings.BaseSettings):
            model_config = ours_settings.SettingsConfigDict(**{option: "__"})
            value: int = 0


def test_settings_error_is_a_value_error():
    assert issubclass(ours_settings.SettingsError, ValueError)
