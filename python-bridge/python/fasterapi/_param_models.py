"""Parameter models: a model whose fields are query parameters, headers, cookies or form fields.

``filters: Annotated[FilterParams, Query()]`` (and ``Header()``, ``Cookie()``, ``Form()``)
reads each field of ``FilterParams`` from the request under the field's alias, collects
every other key of that source as an extra (so ``model_config = {"extra": "forbid"}``
answers ``extra_forbidden`` for unknown query parameters), and validates the dict against
the model, with errors located at ``("query", <field alias>)`` -- FastAPI 0.115+'s rules
(``fastapi.dependencies.utils._request_param_model_to_args``).

Dataclasses and TypedDicts are accepted as parameter models too (FastAPI takes only
``BaseModel``s there); their fields are read the same way.
"""

from __future__ import annotations

from typing import Any

from fasterapi._model_desc import FieldDesc, ModelDesc, desc_of
from fasterapi._received import MISSING, Received
from fasterapi._types import TypeDesc
from fasterapi.fields import AliasChoices, AliasPath


def param_aliases(name: str, info: Any, config: dict, *, convert_underscores: bool = False) -> list[tuple[str, str]]:
    """``(validation key, request key)`` pairs of a field or parameter, in order of
    preference (FastAPI's ``_get_param_aliases``). ``info`` is a FieldInfo or a marker.

    The validation key is what the model (or the error location) calls the value; the
    request key is what the request is searched for -- the same, except that a header
    model's field ``save_data`` is read from ``save-data``.
    """
    generated = config.get("alias_generator")
    alias = info.alias if getattr(info, "alias", None) else (generated(name) if callable(generated) else None)
    validation_alias = info.validation_alias if info.validation_alias is not None else alias
    key = validation_alias if isinstance(validation_alias, str) and validation_alias else (alias or name)
    request_key = key.replace("_", "-") if convert_underscores and key == name else key
    if isinstance(validation_alias, AliasPath):
        return [(key, request_key)]
    pairs = [(key, request_key)]
    if isinstance(validation_alias, AliasChoices):
        if any(isinstance(choice, AliasPath) for choice in validation_alias.choices):
            return pairs
        # Explicit choices are literal names, underscores included (even for headers).
        pairs = [(choice, choice) for choice in validation_alias.choices]
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    if config.get("validate_by_alias") is False or by_name:
        request_name = name.replace("_", "-") if convert_underscores else name
        if config.get("validate_by_alias") is False:
            return [(name, request_name)]
        if name not in [validation for validation, _ in pairs]:
            pairs.append((name, request_name))
    return pairs


class _FieldPlan:
    __slots__ = ("name", "aliases", "many", "header_name")

    def __init__(self, field: FieldDesc, config: dict, convert_underscores: bool) -> None:
        self.name = field.name
        self.aliases = param_aliases(field.name, field.info, config, convert_underscores=convert_underscores)
        self.many = field.type.is_sequence
        first_key, first_request = self.aliases[0]
        #: The header a converted field is read from, for its errors' location.
        self.header_name = first_request if first_key != first_request else None


class ParamModel:
    """How one parameter model is read from a :class:`Received` (planned at startup)."""

    def __init__(self, model_type: TypeDesc, *, nullable: bool, source: str, convert_underscores: bool = True) -> None:
        model: ModelDesc = desc_of(model_type)
        self.cls = model.cls
        self.source = source
        headers = source == "header"
        self.fields = tuple(_FieldPlan(f, model.config, headers and convert_underscores) for f in model.fields)
        self.extra = model.config.get("extra")
        #: ``Model | None``: absent unless one of its keys (or, with extra allow/forbid, any key) is sent.
        self.nullable = nullable
        self.own_names = frozenset(
            (request.lower() if headers else request) for f in self.fields for _, request in f.aliases
        )
        # Header names of converted fields, keyed by the name errors report them under.
        self.header_names = {f.name: f.header_name for f in self.fields if f.header_name is not None}
        self.loc_by_alias = model.config.get("loc_by_alias", True)

    def collect(self, received: Received) -> Any:
        """The dict to validate (field values under their validation keys, then extras), or
        ``MISSING`` when an optional model was not sent at all."""
        values: dict[str, Any] = {}
        taken: set[str] = set()
        for field in self.fields:
            key, request_key = next(((k, r) for k, r in field.aliases if r in received), field.aliases[0])
            value = received.value(request_key, field.many)
            if value is not MISSING:
                values[key] = value
            taken.add(received.normal(request_key))
            if received.case_insensitive:
                # An unconverted field name (save_data for save-data) is not an extra header.
                for validation_key, header in field.aliases:
                    if validation_key != header:
                        taken.add(validation_key.lower())
        values.update(received.extras(taken))
        if self.nullable and not (
            any(name in received.single for name in self.own_names)
            or (self.extra in ("allow", "forbid") and values)
        ):
            return MISSING
        return values

    def collect_form(self, received: Received) -> Any:
        """The same for a form model (FastAPI's ``_extract_form_model``): each field takes
        the first of its aliases with a non-empty value; the keys it did not get to stay
        available as extras."""
        if self.nullable and not (
            any(name in received.single for name in self.own_names)
            or (self.extra in ("allow", "forbid") and received.pairs)
        ):
            return MISSING
        values: dict[str, Any] = {}
        taken: set[str] = set()
        for field in self.fields:
            for key, _ in field.aliases:
                taken.add(key)
                value = received.value(key, field.many)
                if value is not MISSING:
                    values[key] = value
                    break
        values.update(received.extras(taken))
        return values

    def relocate(self, errors: list, first: int) -> None:
        """Header models: report a converted field under the header it is read from."""
        if not self.header_names or not self.loc_by_alias:
            return
        for error in errors[first:]:
            loc = error["loc"]
            if len(loc) > 1 and loc[1] in self.header_names:
                error["loc"] = [loc[0], self.header_names[loc[1]], *loc[2:]]
