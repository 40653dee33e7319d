"""``ConfigDict``: a model's configuration, as pydantic spells it."""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class ConfigDict(TypedDict, total=False):
    """The options FasterAPI's models honour (others are accepted and ignored).

    ``extra``: ``"ignore"`` (default) drops unknown keys, ``"forbid"`` reports them
    (``extra_forbidden``), ``"allow"`` keeps them (``model_extra``). ``populate_by_name``: a
    field with an alias may also be given by its name. ``from_attributes``: validate from
    any object's attributes. ``frozen``: instances refuse assignment and are hashable.
    ``str_strip_whitespace``, ``str_to_lower``, ``str_to_upper``, ``str_min_length``,
    ``str_max_length``: applied to every ``str`` field. ``strict``: every field strict.
    ``validate_default``, ``validate_assignment``, ``title``, ``json_schema_extra``,
    ``use_enum_values``, ``arbitrary_types_allowed``, ``ser_json_timedelta``.
    """

    title: str | None
    extra: Literal["allow", "ignore", "forbid"] | None
    populate_by_name: bool
    validate_by_name: bool
    validate_by_alias: bool
    from_attributes: bool
    frozen: bool
    str_strip_whitespace: bool
    str_to_lower: bool
    str_to_upper: bool
    str_min_length: int
    str_max_length: int | None
    strict: bool
    validate_default: bool
    validate_assignment: bool
    use_enum_values: bool
    arbitrary_types_allowed: bool
    json_schema_extra: Any
    ser_json_timedelta: Literal["iso8601", "float"]
    protected_namespaces: tuple
    alias_generator: Any
