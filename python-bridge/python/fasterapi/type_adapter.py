"""``TypeAdapter``: validation, serialization and JSON Schema for any annotation."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fasterapi import _native
from fasterapi import main as _main  # noqa: F401 - registers the ValidationError class
from fasterapi._native_schema import compile_type
from fasterapi._types import describe

T = TypeVar("T")


class TypeAdapter(Generic[T]):
    """``TypeAdapter(list[Item]).validate_python(data)``, ``.validate_json(raw)``, ``.dump_python(v)``..."""

    def __init__(self, type: Any, *, config: Any = None, _parent_depth: int = 2, module: str | None = None) -> None:  # noqa: A002
        self._type = type
        self._desc = describe(type)
        self._schema = compile_type(self._desc)

    def validate_python(self, object: Any, /, *, strict: bool | None = None, from_attributes: bool | None = None, context: Any = None, **_: Any) -> T:  # noqa: A002
        return _native.schema_validate(self._schema, object, False, None, bool(strict), bool(from_attributes))

    def validate_json(self, data: str | bytes | bytearray, /, *, strict: bool | None = None, context: Any = None, **_: Any) -> T:
        return _native.schema_validate_json(self._schema, data, None, bool(strict))

    def validate_strings(self, obj: Any, /, **_: Any) -> T:
        return _native.schema_validate(self._schema, obj, False, None)

    def dump_python(
        self,
        instance: Any,
        /,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        **_: Any,
    ) -> Any:
        return _native.schema_dump(self._schema, instance, mode == "json", bool(by_alias), exclude_unset, exclude_defaults, exclude_none, include, exclude)

    def dump_json(
        self,
        instance: Any,
        /,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        **_: Any,
    ) -> bytes:
        raw = _native.schema_dump_json(self._schema, instance, True, bool(by_alias), exclude_unset, exclude_defaults, exclude_none, include, exclude)
        if indent is None:
            return raw
        import json

        return json.dumps(json.loads(raw), indent=indent, ensure_ascii=False).encode()

    def json_schema(self, *, by_alias: bool = True, ref_template: str = "#/$defs/{model}", mode: str = "validation", **_: Any) -> dict[str, Any]:
        from fasterapi import _schema

        return _schema.type_json_schema(self._desc, by_alias=by_alias, ref_template=ref_template, mode=mode)
