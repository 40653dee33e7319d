"""``BaseSettings``: a model whose fields are read from the environment and ``.env`` files.

pydantic-settings' ``BaseSettings`` for FastAPI's "Settings and Environment Variables"
chapter, on FasterAPI's own ``BaseModel`` (pydantic-settings needs pydantic-core, which cannot
load in own-GIL sub-interpreters). The compatibility mode maps ``pydantic_settings`` here.

Where a field's value comes from, first source that has it wins (as pydantic-settings'
default source order): keyword arguments, environment variables, the ``env_file`` files
(later files win), then the field's default. Environment values are strings and validate in
lax mode (``"8080"`` -> ``8080``); a field of a complex type (list, set, tuple, dict, model,
dataclass) reads its variable as JSON, as pydantic-settings does. The variable of a field is
``env_prefix + name``, or its ``alias``/``validation_alias`` (without the prefix), matched
ignoring case unless ``case_sensitive=True``.

Not covered (a clear error where a config asks for them): ``env_nested_delimiter``,
``secrets_dir``, ``cli_*`` options and ``settings_customise_sources``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from fasterapi._dotenv import read_dotenv
from fasterapi._model_desc import FieldDesc
from fasterapi._types import TypeDesc
from fasterapi.config import ConfigDict
from fasterapi.fields import AliasChoices, AliasPath
from fasterapi.main import BaseModel, ModelMetaclass

__all__ = ["BaseSettings", "SettingsConfigDict", "SettingsError"]


class SettingsError(ValueError):
    """A variable that could not be read (pydantic-settings' ``SettingsError``)."""


class SettingsConfigDict(ConfigDict, total=False):
    """``ConfigDict`` plus where settings are read from.

    ``case_sensitive`` (default False), ``env_prefix`` (default ``""``), ``env_file`` (a path
    or a list of paths, later ones win; missing files are skipped), ``env_file_encoding``,
    ``env_ignore_empty`` (an empty variable counts as unset), ``env_parse_none_str`` (this
    text reads as ``None``).
    """

    case_sensitive: bool
    env_prefix: str
    env_file: Any
    env_file_encoding: str | None
    env_ignore_empty: bool
    env_parse_none_str: str | None
    env_nested_delimiter: str | None
    secrets_dir: Any


# pydantic-settings' defaults: unknown keyword arguments and .env keys are errors, and a
# default is validated like a value read from the environment.
_DEFAULTS: dict[str, Any] = {
    "extra": "forbid",
    "validate_default": True,
    "case_sensitive": False,
    "env_prefix": "",
    "env_file": None,
    "env_file_encoding": None,
    "env_ignore_empty": False,
    "env_parse_none_str": None,
}
_UNSUPPORTED = ("env_nested_delimiter", "secrets_dir")
# The keyword arguments that override the config for one instantiation.
_OVERRIDES = {f"_{key}": key for key in ("case_sensitive", "env_prefix", "env_file", "env_file_encoding", "env_ignore_empty", "env_parse_none_str")}
_COMPLEX_KINDS = frozenset({"list", "set", "frozenset", "var_tuple", "tuple", "dict", "model", "dataclass", "typeddict"})


class _SettingsMetaclass(ModelMetaclass):
    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> type:
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        for option in _UNSUPPORTED:
            if cls.model_config.get(option) is not None:
                raise TypeError(f"{name}: SettingsConfigDict({option}=...) is not supported by FasterAPI's BaseSettings (see docs/fastapi-compat.md)")
        return cls


class BaseSettings(BaseModel, metaclass=_SettingsMetaclass):
    """A model read from keyword arguments, then environment variables, then ``.env`` files."""

    model_config = SettingsConfigDict(**_DEFAULTS)  # type: ignore[typeddict-item]

    def __init__(self, /, **values: Any) -> None:
        # ``_env_file=...`` and friends override the class's config for this instance only.
        overrides = {_OVERRIDES[key]: values.pop(key) for key in list(values) if key in _OVERRIDES}
        config = {**type(self).model_config, **overrides}
        super().__init__(**_build_values(type(self), config, values))


def _build_values(cls: type, config: Mapping[str, Any], init: dict[str, Any]) -> dict[str, Any]:
    """The model's input: keyword arguments over environment variables over ``.env`` files."""
    case_sensitive = bool(config.get("case_sensitive"))
    environ = _normalised(os.environ, case_sensitive)
    dotenv = _normalised(_read_env_files(config), case_sensitive)
    from_env = _read_fields(cls, config, environ, "EnvSettingsSource")
    from_dotenv = _read_fields(cls, config, dotenv, "DotEnvSettingsSource")
    from_dotenv.update(_dotenv_extras(cls, config, dotenv, from_dotenv))
    return _deep_update(_deep_update(from_dotenv, from_env), _init_values(cls, config, init))


def _init_values(cls: type, config: Mapping[str, Any], init: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments under the key the other sources use for their field, so that they
    win over them: pydantic-settings matches a keyword to a field by alias (or, with
    ``populate_by_name``, by name), ignoring case unless ``case_sensitive``."""
    fold = (lambda name: name) if config.get("case_sensitive") else str.lower
    by_folded: dict[str, list[str]] = {}
    for key in init:
        by_folded.setdefault(fold(key), []).append(key)
    unclaimed = set(init)
    values: dict[str, Any] = {}
    for field in cls.__fasterapi_model_desc__().fields:
        names = [key for key, _, _ in _variables_of(field, {**config, "env_prefix": ""})]
        if config.get("populate_by_name") or config.get("validate_by_name"):
            names.append(field.name)
        matched = [key for name in names for key in by_folded.get(fold(name), ()) if key in unclaimed]
        if matched:
            unclaimed.difference_update(matched)
            values[names[0]] = init[matched[0]]
    values.update((key, value) for key, value in init.items() if key in unclaimed)
    return values


def _normalised(variables: Mapping[str, str | None], case_sensitive: bool) -> dict[str, str | None]:
    return dict(variables) if case_sensitive else {key.lower(): value for key, value in variables.items()}


def _read_env_files(config: Mapping[str, Any]) -> dict[str, str | None]:
    files = config.get("env_file")
    if files is None:
        return {}
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    values: dict[str, str | None] = {}
    for path in files:
        path = os.path.expanduser(path)
        if os.path.isfile(path):
            values.update(read_dotenv(path, config.get("env_file_encoding")))
    return values


def _read_fields(cls: type, config: Mapping[str, Any], variables: Mapping[str, str | None], source: str) -> dict[str, Any]:
    """Each field's value from ``variables``, under the key the model validates it from."""
    found: dict[str, Any] = {}
    for field in cls.__fasterapi_model_desc__().fields:
        for key, variable, path_follows in _variables_of(field, config):
            value = variables.get(variable)
            if value is None or (value == "" and config.get("env_ignore_empty")):
                continue
            found[key] = _prepare(field, value, path_follows, config, source)
            break
    return found


def _variables_of(field: FieldDesc, config: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """``(input key, variable name, is a JSON path head)`` for each name a field is read from."""
    fold = (lambda name: name) if config.get("case_sensitive") else str.lower
    alias = field.info.validation_alias if field.info.validation_alias is not None else field.info.alias
    if alias is None:
        return [(field.name, fold(config.get("env_prefix", "") + field.name), False)]
    if isinstance(alias, AliasChoices):
        paths = alias.convert_to_aliases()
    elif isinstance(alias, AliasPath):
        paths = [alias.convert_to_aliases()]
    else:
        paths = [[alias]]
    return [(str(path[0]), fold(str(path[0])), len(path) > 1) for path in paths]


def _prepare(field: FieldDesc, value: str, path_follows: bool, config: Mapping[str, Any], source: str) -> Any:
    none_text = config.get("env_parse_none_str")
    if none_text is not None and value == none_text:
        return None
    complexity = _complexity(field.type)
    if complexity is None and not path_follows:
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        # A union that also takes a scalar (list[int] | str) keeps the text, as pydantic-settings does.
        if complexity == "union":
            return value
        raise SettingsError(f'error parsing value for field "{field.name}" from source "{source}"') from error


def _complexity(desc: TypeDesc) -> str | None:
    """``"complex"`` when the type is read as JSON, ``"union"`` when one union member is."""
    if desc.kind in _COMPLEX_KINDS:
        return "complex"
    if desc.kind == "nullable" and desc.args[0].kind != "union":
        # pydantic-settings treats X | None as a union: a JSON failure keeps the text.
        return "union" if _complexity(desc.args[0]) else None
    if desc.kind in ("nullable", "union"):
        return "union" if any(_complexity(arg) for arg in desc.args) else None
    return None


def _dotenv_extras(cls: type, config: Mapping[str, Any], dotenv: Mapping[str, str | None], found: Mapping[str, Any]) -> dict[str, Any]:
    """``.env`` keys that name no field: errors under ``extra="forbid"`` (the default), kept
    under ``"allow"``, as pydantic-settings does. Environment variables never are extras."""
    extra = config.get("extra")
    prefix = config.get("env_prefix", "")
    prefix = prefix if config.get("case_sensitive") else prefix.lower()
    field_names = {field.name for field in cls.__fasterapi_model_desc__().fields}
    known = {variable for field in cls.__fasterapi_model_desc__().fields for _, variable, _ in _variables_of(field, config)}
    extras: dict[str, Any] = {}
    for variable, value in dotenv.items():
        if not value or variable in found or variable in known or (prefix and variable in field_names):
            continue
        if extra != "forbid" and variable.startswith(prefix):
            extras[variable[len(prefix) :]] = value
        else:
            extras[variable] = value
    return extras


def _deep_update(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` over ``base``, merging nested dicts (a model given by several sources)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_update(merged[key], value)
        else:
            merged[key] = value
    return merged
