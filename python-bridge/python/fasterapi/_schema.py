"""JSON Schema (draft 2020-12) from the type layer, exactly as pydantic v2 writes it.

Everything here reads :class:`~fasterapi._types.TypeDesc` / :class:`~fasterapi._model_desc.ModelDesc`
descriptors; nothing walks annotations. The output follows pydantic's ``GenerateJsonSchema``
rule for rule (titles, ``anyOf`` with ``{"type": "null"}``, ``$defs``/``$ref`` naming with
``-Input``/``-Output`` only where the two modes differ, sorted keys), because these schemas end
up in ``/openapi.json`` and must equal FastAPI's.

Entry points:

- :func:`model_json_schema` -- ``BaseModel.model_json_schema()`` (also dataclasses, TypedDicts);
- :func:`type_json_schema` -- ``TypeAdapter(T).json_schema()``;
- :class:`GenerateJsonSchema` with :meth:`~GenerateJsonSchema.generate_definitions`, which the
  OpenAPI generator uses to describe many fields in both modes with one set of definitions.

Definitions are named like pydantic's: each class gets a list of candidate names, shortest
first (``Item``, ``Item-Input``, ``module__Item``, ...), and every definition takes the first
candidate no other, different, schema also wants (``_remap``).
"""

from __future__ import annotations

import collections
import copy
import enum
import inspect
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from fasterapi._model_desc import FieldDesc, ModelDesc, desc_of
from fasterapi._types import TypeDesc, describe
from fasterapi.params import Undefined

DEFAULT_REF_TEMPLATE = "#/$defs/{model}"

#: Kinds whose schema is a definition referenced with ``$ref``.
_DEF_KINDS = frozenset({"model", "dataclass", "typeddict", "enum"})
_MODEL_KINDS = frozenset({"model", "dataclass", "typeddict"})
_MODE_TITLE = {"validation": "Input", "serialization": "Output"}

_NUMERIC = (("multiple_of", "multipleOf"), ("le", "maximum"), ("ge", "minimum"), ("lt", "exclusiveMaximum"), ("gt", "exclusiveMinimum"))
_STRING = (("min_length", "minLength"), ("max_length", "maxLength"), ("pattern", "pattern"))
_BYTES = (("min_length", "minLength"), ("max_length", "maxLength"))
_ARRAY = (("min_length", "minItems"), ("max_length", "maxItems"))
_OBJECT = (("min_length", "minProperties"), ("max_length", "maxProperties"))
_FORMATS = {"uuid": "uuid", "datetime": "date-time", "date": "date", "time": "time", "timedelta": "duration"}


class PydanticOmit(Exception):
    """A value that cannot appear in a schema (kept for API compatibility)."""


class GenerateJsonSchema:
    """One schema generation: a set of definitions shared by every schema it produces.

    Use one instance per document (pydantic's rule: a generator is used once).
    """

    def __init__(self, by_alias: bool = True, ref_template: str = DEFAULT_REF_TEMPLATE) -> None:
        self.by_alias = by_alias
        self.ref_template = ref_template
        self.mode = "validation"
        #: defs_ref -> finished definition.
        self.definitions: dict[str, dict[str, Any]] = {}
        #: (core_ref, mode) -> defs_ref; core_ref identifies a class (or a synthetic model).
        self._defs_refs: dict[tuple[str, str], str] = {}
        self._json_to_defs: dict[str, str] = {}
        self._choices: dict[str, list[str]] = {}
        self._collision_counter: collections.Counter[str] = collections.Counter()
        self._collision_index: dict[str, int] = {}
        #: Synthetic models (FastAPI's ``Body_<operation>``) by their stand-in class.
        self._synthetic: dict[type, ModelDesc] = {}
        #: Definitions being built (a self-referencing model refers to itself meanwhile).
        self._in_progress: set[str] = set()

    # -- public entry points ---------------------------------------------------------

    def generate(self, desc: TypeDesc, mode: str = "validation") -> dict[str, Any]:
        """The complete schema of ``desc`` with its ``$defs`` (``model_json_schema``)."""
        self.mode = _check_mode(mode)
        schema = self.type_schema(desc)
        counts = self._ref_counts(schema)
        ref = schema.get("$ref")
        if ref is not None and counts[ref] == 1 and len(schema) == 1:
            # The only reference to the top-level definition: inline it, as pydantic does.
            schema = dict(self.definitions[self._json_to_defs[ref]])
        self._collect_garbage(schema)
        remapping = self._remapping()
        if self.definitions:
            schema["$defs"] = self.definitions
        return _sort(remapping.apply(schema))

    def generate_definitions(self, inputs: Iterable[tuple[Any, str, TypeDesc | FieldDesc]]) -> tuple[dict[tuple[Any, str], dict[str, Any]], dict[str, dict[str, Any]]]:
        """Schemas of many ``(key, mode, type or field)`` inputs sharing one set of definitions:
        ``({(key, mode): schema}, definitions)`` (pydantic's method of the same name, which
        FastAPI uses for a whole OpenAPI document)."""
        inputs = list(inputs)
        for _, mode, item in inputs:
            self.mode = _check_mode(mode)
            self._input_schema(item)
        remapping = self._remapping()
        mapping: dict[tuple[Any, str], dict[str, Any]] = {}
        for key, mode, item in inputs:
            self.mode = mode
            mapping[(key, mode)] = remapping.apply(self._input_schema(item))
        definitions = remapping.apply({"$defs": self.definitions})["$defs"]
        return mapping, _sort(definitions)

    def register_model(self, stand_in: type, desc: ModelDesc) -> TypeDesc:
        """A model that exists only as a description (FastAPI's ``Body_<operation_id>``):
        returns a TypeDesc that refers to it."""
        self._synthetic[stand_in] = desc
        return TypeDesc("model", cls=stand_in, annotation=stand_in)

    def _input_schema(self, item: TypeDesc | FieldDesc) -> dict[str, Any]:
        if isinstance(item, FieldDesc):
            return self.field_schema(item)
        return self.type_schema(item)

    # -- types -----------------------------------------------------------------------

    def type_schema(self, desc: TypeDesc) -> dict[str, Any]:
        """The schema of one type; models and enums become ``{"$ref": ...}`` to a definition."""
        kind = desc.kind
        if kind in _DEF_KINDS:
            return self._ref_schema(desc)
        method = getattr(self, f"_{kind}_schema", None)
        if method is None:
            raise TypeError(f"cannot generate a JSON Schema for {desc!r}")
        return method(desc)

    def _any_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {}

    def _none_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "null"}

    def _bool_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "boolean"}

    def _int_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return _without_infinity(_constrained({"type": "integer"}, desc, _NUMERIC))

    def _float_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return _without_infinity(_constrained({"type": "number"}, desc, _NUMERIC))

    def _str_schema(self, desc: TypeDesc) -> dict[str, Any]:
        schema = _constrained({"type": "string"}, desc, _STRING)
        pattern = schema.get("pattern")
        if isinstance(pattern, re.Pattern):
            schema["pattern"] = pattern.pattern
        return schema

    def _bytes_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return _constrained({"type": "string", "format": "binary"}, desc, _BYTES)

    def _decimal_schema(self, desc: TypeDesc) -> dict[str, Any]:
        text = {"type": "string"}
        if self.mode == "serialization":
            return text
        # Validation accepts numbers too; bounds are stated on the number, as floats.
        c = desc.constraints
        number: dict[str, Any] = {"type": "number"}
        if c is not None:
            for name, key in _NUMERIC:
                value = getattr(c, name)
                if value is not None:
                    number[key] = float(value)
        return {"anyOf": [_without_infinity(number), text]}

    def _uuid_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "uuid"}

    def _datetime_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def _date_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "date"}

    def _time_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "time"}

    def _timedelta_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "duration"}

    def _email_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return {"type": "string", "format": "email"}

    def _url_schema(self, desc: TypeDesc) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "format": "uri", "minLength": 1}
        # HttpUrl carries pydantic's UrlConstraints(max_length=2083); AnyUrl has none.
        max_length = getattr(desc.cls, "max_length", None)
        if max_length is not None:
            schema["maxLength"] = max_length
        return schema

    def _upload_schema(self, desc: TypeDesc) -> dict[str, Any]:
        # FastAPI's UploadFile.__get_pydantic_json_schema__.
        return {"type": "string", "contentMediaType": "application/octet-stream"}

    def _list_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return _constrained({"type": "array", "items": self.type_schema(desc.args[0])}, desc, _ARRAY)

    _var_tuple_schema = _list_schema

    def _set_schema(self, desc: TypeDesc) -> dict[str, Any]:
        return _constrained({"type": "array", "uniqueItems": True, "items": self.type_schema(desc.args[0])}, desc, _ARRAY)

    _frozenset_schema = _set_schema

    def _tuple_schema(self, desc: TypeDesc) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array"}
        items = [self.type_schema(a) for a in desc.args]
        if items:
            schema["prefixItems"] = items
        schema["minItems"] = len(items)
        schema["maxItems"] = len(items)
        return _constrained(schema, desc, _ARRAY)

    def _dict_schema(self, desc: TypeDesc) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        keys = dict(self.type_schema(desc.args[0]))
        if "$ref" not in keys:
            key_pattern = keys.pop("pattern", None)
            keys.pop("title", None)
        else:
            key_pattern = None
        values = dict(self.type_schema(desc.args[1]))
        values.pop("title", None)
        if values or key_pattern is not None:
            if key_pattern is None:
                schema["additionalProperties"] = values
            else:
                schema["patternProperties"] = {key_pattern: values}
        else:  # dict[str, Any]: any key, any value
            schema["additionalProperties"] = True
        if (keys.get("type") == "string" and len(keys) > 1) or "$ref" in keys:
            keys.pop("type", None)
            schema["propertyNames"] = keys
        return _constrained(schema, desc, _OBJECT)

    def _nullable_schema(self, desc: TypeDesc) -> dict[str, Any]:
        null = {"type": "null"}
        # Field(max_length=...) on ``X | None`` constrains X.
        inner_desc = desc.args[0].with_constraints(desc.constraints)
        if desc.discriminator and inner_desc.kind == "union" and not inner_desc.discriminator:
            # Annotated[A | B | None, Field(discriminator=...)] outside a model: the type layer
            # leaves the tag on the nullable; it belongs to the union inside.
            inner_desc = TypeDesc("union", inner_desc.args, discriminator=desc.discriminator, annotation=inner_desc.annotation)
        inner = self.type_schema(inner_desc)
        if inner == null:
            return null
        return _flattened_any_of([inner, null])

    def _union_schema(self, desc: TypeDesc) -> dict[str, Any]:
        if desc.discriminator:
            return self._tagged_union_schema(desc)
        members = [self.type_schema(m) for m in desc.args]
        if len(members) == 1:
            return members[0]
        return _flattened_any_of(members)

    def _tagged_union_schema(self, desc: TypeDesc) -> dict[str, Any]:
        tag = desc.discriminator
        generated: dict[str, dict[str, Any]] = {}
        property_name = tag
        for member in _union_members(desc):
            schema = self.type_schema(member)
            if member.kind not in _MODEL_KINDS:
                raise TypeError(f"discriminated union member {member!r} is not a model")
            field = self._model_desc(member).field(tag)
            if field is None:
                raise TypeError(f"{member.cls.__name__} has no discriminator field {tag!r}")
            property_name = self._alias(field)
            for value in _tag_values(field.type):
                generated[_tag_key(value)] = schema
        choices = _deduplicate(generated.values())
        return {"oneOf": choices, "discriminator": {"propertyName": property_name, "mapping": {k: v.get("$ref", v) for k, v in generated.items()}}}

    def _model_desc(self, desc: TypeDesc) -> ModelDesc:
        return self._synthetic.get(desc.cls) or desc_of(desc)

    def _literal_schema(self, desc: TypeDesc) -> dict[str, Any]:
        expected = [_jsonable(c.value if isinstance(c, enum.Enum) else c) for c in desc.choices]
        result: dict[str, Any] = {"const": expected[0]} if len(expected) == 1 else {"enum": expected}
        kind = _json_type({type(e) for e in expected})
        if kind is not None:
            result["type"] = kind
        return result

    # -- definitions -----------------------------------------------------------------

    def _ref_schema(self, desc: TypeDesc) -> dict[str, Any]:
        cls = desc.cls
        core_ref = f"{getattr(cls, '__module__', '')}.{getattr(cls, '__qualname__', cls.__name__)}:{id(cls)}"
        key = (core_ref, self.mode)
        defs_ref = self._defs_refs.get(key)
        if defs_ref is None:
            defs_ref = self._new_defs_ref(core_ref, self.mode)
            self._defs_refs[key] = defs_ref
        json_ref = self.ref_template.format(model=defs_ref)
        self._json_to_defs[json_ref] = defs_ref
        if defs_ref not in self.definitions and defs_ref not in self._in_progress:
            self._in_progress.add(defs_ref)
            try:
                definition = self._enum_definition(desc) if desc.kind == "enum" else self._model_definition(desc)
            finally:
                self._in_progress.discard(defs_ref)
            self.definitions[defs_ref] = definition
        return {"$ref": json_ref}

    def _new_defs_ref(self, core_ref: str, mode: str) -> str:
        """pydantic's ``get_defs_ref``: the internal name plus its candidate names, best first."""
        components = [x.rsplit(":", 1)[0] for x in re.split(r"([\][,])", core_ref)]
        core_ref_no_id = "".join(components)
        short_ref = "".join(re.sub(r"(?:[^.[\]]+\.)+((?:[^.[\]]+))", r"\1", x) for x in components)
        mode_title = _MODE_TITLE[mode]
        name = _normalize_name(short_ref)
        name_mode = f"{name}-{mode_title}"
        module_qualname = _normalize_name(core_ref_no_id)
        module_qualname_mode = f"{module_qualname}-{mode_title}"
        module_qualname_id = _normalize_name(core_ref)
        occurrence = self._collision_index.get(module_qualname_id)
        if occurrence is None:
            self._collision_counter[module_qualname] += 1
            occurrence = self._collision_index[module_qualname_id] = self._collision_counter[module_qualname]
        occurrence_name = f"{module_qualname}__{occurrence}"
        internal = f"{module_qualname_mode}__{occurrence}"
        self._choices[internal] = [name, name_mode, module_qualname, module_qualname_mode, occurrence_name, internal]
        return internal

    def _enum_definition(self, desc: TypeDesc) -> dict[str, Any]:
        cls = desc.cls
        description = inspect.cleandoc(cls.__doc__) if cls.__doc__ else None
        if description == "An enumeration.":  # enum's own default docstring
            description = None
        result: dict[str, Any] = {"title": cls.__name__}
        if description is not None:
            result["description"] = description
        expected = [_jsonable(member.value) for member in cls]
        result["enum"] = expected
        types = {type(e) for e in expected}
        if issubclass(cls, str) or types == {str}:
            result["type"] = "string"
        elif issubclass(cls, int) or types == {int}:
            result["type"] = "integer"
        elif issubclass(cls, float) or types == {float}:
            result["type"] = "number"
        elif types == {bool}:
            result["type"] = "boolean"
        elif types == {list}:
            result["type"] = "array"
        return result

    def _model_definition(self, desc: TypeDesc) -> dict[str, Any]:
        model = self._model_desc(desc)
        serializing = self.mode == "serialization"
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in model.fields:
            if serializing and field.info.exclude:
                continue  # left out of every dump, so out of the output schema
            name = self._alias(field)
            properties[name] = self._named_field_schema(field, name)
            if field.required:
                required.append(name)
        if serializing:
            for computed in model.computed:
                name = computed.info.alias if (self.by_alias and computed.info.alias) else computed.name
                properties[name] = self._computed_schema(computed, name)
                required.append(name)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        self._update_class_schema(schema, model)
        return schema

    def _alias(self, field: FieldDesc) -> str:
        """The property name: the validation alias (validation) or the serialization alias."""
        if not self.by_alias:
            return field.name
        if self.mode == "serialization":
            return field.serialization_alias or field.name
        for path in field.validation_keys:
            if len(path) == 1 and isinstance(path[0], str):
                return path[0]
        return field.name

    def _named_field_schema(self, field: FieldDesc, name: str) -> dict[str, Any]:
        schema = self.field_schema(field)
        if "title" not in schema and _title_should_be_set(field.type):
            schema["title"] = title_from_name(name)
        return self._without_redundant_siblings(schema)

    def field_schema(self, field: FieldDesc) -> dict[str, Any]:
        """A field's schema: its type, its default, then what ``Field()`` documents (title,
        description, examples, deprecated, json_schema_extra), in pydantic's order."""
        schema = dict(self.type_schema(field.type))
        info = field.info
        default = info.default
        if default is not Undefined and info.default_factory is None and not _is_absent(default):
            encoded = self._encode_default(default)
            if encoded is not _UNENCODABLE:
                schema["default"] = encoded
        updates = {
            "title": info.title,
            "description": info.description,
            "deprecated": True if (info.deprecated or info.deprecated == "") else None,
            "examples": _jsonable(info.examples) if info.examples is not None else None,
        }
        schema.update({k: v for k, v in updates.items() if v is not None})
        _apply_extra(schema, info.json_schema_extra)
        return schema

    def _computed_schema(self, computed: Any, name: str) -> dict[str, Any]:
        info = computed.info
        schema = dict(self.type_schema(computed.type))
        updates = {
            "title": info.title,
            "description": info.description,
            "deprecated": True if (info.deprecated or info.deprecated == "") else None,
            "examples": _jsonable(info.examples) if info.examples is not None else None,
            "readOnly": True,
        }
        schema.update({k: v for k, v in updates.items() if v is not None})
        _apply_extra(schema, info.json_schema_extra)
        if "title" not in schema and _title_should_be_set(computed.type):
            schema["title"] = title_from_name(name)
        return self._without_redundant_siblings(schema)

    def _update_class_schema(self, schema: dict[str, Any], model: ModelDesc) -> None:
        """Title, description, ``additionalProperties`` and ``json_schema_extra`` of a class
        (pydantic's ``_update_class_schema``)."""
        cls, config = model.cls, model.config
        schema.setdefault("title", config.get("title") or _class_title(cls, config))
        doc = cls.__doc__
        if model.kind == "dataclass" and doc is not None and doc.startswith(f"{cls.__name__}("):
            doc = None  # the signature dataclasses writes, not a docstring
        if model.kind == "typeddict" and doc is not None and _is_generated_typeddict_doc(cls, doc):
            doc = None
        if doc:
            schema.setdefault("description", inspect.cleandoc(doc))
        extra = config.get("extra")
        if "additionalProperties" not in schema:
            if extra == "allow":
                schema["additionalProperties"] = True
            elif extra == "forbid":
                schema["additionalProperties"] = False
        schema_extra = config.get("json_schema_extra")
        if isinstance(schema_extra, (staticmethod, classmethod)):
            schema_extra = schema_extra.__get__(cls)
        if isinstance(schema_extra, dict):
            schema.update(schema_extra)
        elif callable(schema_extra):
            if len(inspect.signature(schema_extra).parameters) > 1:
                schema_extra(schema, cls)
            else:
                schema_extra(schema)
        if "__deprecated__" in cls.__dict__:
            schema.setdefault("deprecated", True)

    def _without_redundant_siblings(self, schema: dict[str, Any]) -> dict[str, Any]:
        """pydantic's ``handle_ref_overrides``: drop keys next to ``$ref`` that the referenced
        definition already has with the same value."""
        ref = schema.get("$ref")
        if ref is None:
            return schema
        target = self.definitions.get(self._json_to_defs.get(ref, ""))
        if target is None:  # still being built (self-reference)
            return schema
        return {k: v for k, v in schema.items() if k == "$ref" or not (k in target and target[k] == v)}

    def _encode_default(self, value: Any) -> Any:
        if isinstance(value, (set, frozenset)) and len(value) > 1:
            try:
                value = sorted(value)
            except TypeError:
                pass
        try:
            return _dump_json_mode(value, self.by_alias)
        except Exception:
            return _UNENCODABLE

    # -- naming and clean-up ---------------------------------------------------------

    def _ref_counts(self, schema: Any) -> collections.Counter[str]:
        counts: collections.Counter[str] = collections.Counter()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    seen = ref in counts
                    counts[ref] += 1
                    if seen:
                        return
                    target = self.definitions.get(self._json_to_defs.get(ref, ""))
                    if target is not None:
                        walk(target)
                for key, value in node.items():
                    if key == "examples" and isinstance(value, list):
                        continue
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(schema)
        return counts

    def _collect_garbage(self, schema: dict[str, Any]) -> None:
        visited: set[str] = set()
        todo = _json_refs(schema)
        while todo:
            ref = todo.pop()
            defs_ref = self._json_to_defs.get(ref)
            if defs_ref is None or defs_ref in visited:
                continue
            visited.add(defs_ref)
            todo |= _json_refs(self.definitions[defs_ref])
        self.definitions = {k: v for k, v in self.definitions.items() if k in visited}

    def _remapping(self) -> "_Remapping":
        """pydantic's ``_DefinitionsRemapping.from_prioritized_choices``: give each definition
        the first candidate name that no different schema also wants; repeat until stable,
        because renaming inner definitions can make outer ones equal."""
        defs_to_json = {alt: self.ref_template.format(model=alt) for alts in self._choices.values() for alt in alts}
        working = copy.deepcopy(self.definitions)
        current: dict[str, Any] = {"$defs": copy.deepcopy(working)}
        for _ in range(100):
            wanted: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
            for defs_ref, schema in working.items():
                for alternative in self._choices[defs_ref]:
                    wanted[alternative].append(schema)
            for alternative, schemas in wanted.items():
                if len(schemas) > 1:
                    wanted[alternative] = _deduplicate(schemas)
            defs_map: dict[str, str] = {}
            json_map: dict[str, str] = {}
            for original in self.definitions:
                alternatives = self._choices[original]
                chosen = next(x for x in alternatives if len(wanted[x]) == 1)
                defs_map[original] = chosen
                for alternative in alternatives[alternatives.index(chosen):]:
                    json_map[defs_to_json[alternative]] = defs_to_json[chosen]
            remapping = _Remapping(defs_map, json_map)
            # Definitions keep their internal keys here; only the references inside them
            # are renamed (so equal schemas under different internal names become equal).
            working = {k: remapping.apply(v) for k, v in working.items()}
            renamed = remapping.apply({"$defs": dict(working)})
            if renamed == current:
                return remapping
            current = renamed
        raise RuntimeError("failed to simplify the JSON schema definitions")


class _Remapping:
    def __init__(self, defs_map: dict[str, str], json_map: dict[str, str]) -> None:
        self.defs_map = defs_map
        self.json_map = json_map

    def apply(self, schema: Any) -> Any:
        """Rename every reference (in place, like pydantic; strings are remapped wherever they
        are, which also renames the values of a discriminator ``mapping``)."""
        if isinstance(schema, str):
            return self.json_map.get(schema, schema)
        if isinstance(schema, list):
            return [self.apply(item) for item in schema]
        if isinstance(schema, dict):
            for key, value in list(schema.items()):
                if key == "$ref" and isinstance(value, str):
                    schema["$ref"] = self.json_map.get(value, value)
                elif key == "$defs":
                    schema["$defs"] = {self.defs_map.get(k, k): self.apply(v) for k, v in value.items()}
                else:
                    schema[key] = self.apply(value)
        return schema


# --------------------------------------------------------------------------
# Entry points


def model_json_schema(cls: type, by_alias: bool = True, ref_template: str = DEFAULT_REF_TEMPLATE, mode: str = "validation") -> dict[str, Any]:
    """``cls.model_json_schema()`` for a model, dataclass or TypedDict class."""
    desc = describe(cls)
    if desc.kind not in _MODEL_KINDS:
        raise TypeError(f"{cls!r} is not a model, dataclass or TypedDict")
    return GenerateJsonSchema(by_alias=by_alias, ref_template=ref_template).generate(desc, mode)


def type_json_schema(annotation_or_desc: Any, by_alias: bool = True, ref_template: str = DEFAULT_REF_TEMPLATE, mode: str = "validation") -> dict[str, Any]:
    """``TypeAdapter(T).json_schema()``: ``T`` given as an annotation or its TypeDesc."""
    desc = annotation_or_desc if isinstance(annotation_or_desc, TypeDesc) else describe(annotation_or_desc)
    return GenerateJsonSchema(by_alias=by_alias, ref_template=ref_template).generate(desc, mode)


# --------------------------------------------------------------------------
# Helpers


def title_from_name(name: str) -> str:
    """pydantic's field title: ``user_name`` -> ``User Name``, ``userName`` -> ``Username``."""
    return name.title().replace("_", " ").strip()


def _check_mode(mode: str) -> str:
    if mode not in _MODE_TITLE:
        raise ValueError(f"mode must be 'validation' or 'serialization', not {mode!r}")
    return mode


def _title_should_be_set(desc: TypeDesc) -> bool:
    """pydantic gives a field a title from its name unless its schema is a reference (models,
    enums), looking through ``X | None``."""
    if desc.kind == "nullable":
        return _title_should_be_set(desc.args[0])
    return desc.kind not in _DEF_KINDS


def _constrained(schema: dict[str, Any], desc: TypeDesc, mapping: tuple) -> dict[str, Any]:
    c = desc.constraints
    if c is not None:
        for name, key in mapping:
            value = getattr(c, name)
            if value is not None:
                schema[key] = value
    return schema


def _without_infinity(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if not (isinstance(v, float) and math.isinf(v))}


def _flattened_any_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    members: list[dict[str, Any]] = []
    for schema in schemas:
        if len(schema) == 1 and "anyOf" in schema:
            members.extend(schema["anyOf"])
        else:
            members.append(schema)
    members = _deduplicate(members)
    return members[0] if len(members) == 1 else {"anyOf": members}


def _deduplicate(schemas: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({_hashable(s): s for s in schemas}.values())


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _json_type(types: set[type]) -> str | None:
    for python_type, name in ((str, "string"), (int, "integer"), (float, "number"), (bool, "boolean"), (list, "array"), (type(None), "null")):
        if types == {python_type}:
            return name
    return None


def _union_members(desc: TypeDesc) -> list[TypeDesc]:
    """The models of a (possibly nested) union."""
    out: list[TypeDesc] = []
    for member in desc.args:
        if member.kind == "union":
            out.extend(_union_members(member))
        else:
            out.append(member)
    return out


def _tag_values(desc: TypeDesc) -> tuple:
    """The values a discriminator field allows (a ``Literal`` or an enum)."""
    desc = desc.non_null()
    if desc.kind == "literal":
        return desc.choices
    if desc.kind == "enum":
        return tuple(desc.cls)
    raise TypeError(f"a discriminator field must be a Literal, not {desc!r}")


def _tag_key(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif value is None:
        return "null"
    return str(value)


def _apply_extra(schema: dict[str, Any], extra: Any) -> None:
    if isinstance(extra, dict):
        schema.update(_jsonable(extra))
    elif callable(extra):
        extra(schema)


def _json_refs(schema: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples" and isinstance(value, list):
                    continue
                if key == "$ref" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def _normalize_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", name).replace(".", "__")


def _class_title(cls: type, config: dict[str, Any]) -> str:
    generator = config.get("model_title_generator")
    if generator is not None:
        title = generator(cls)
        if not isinstance(title, str):
            raise TypeError(f"model_title_generator {generator} must return str, not {title.__class__}")
        return title
    return cls.__name__


def _is_generated_typeddict_doc(cls: type, doc: str) -> bool:
    # typing gives TypedDict classes no docstring of their own; an inherited dict.__doc__ is not one.
    return doc == dict.__doc__


def _is_absent(value: Any) -> bool:
    return type(value).__name__ == "_Absent"


def _sort(value: Any, parent_key: str | None = None) -> Any:
    """pydantic's key order: every object sorted, except the contents of ``properties`` and
    ``default`` (field order and default values are kept as written)."""
    if isinstance(value, dict):
        keys = value.keys() if parent_key in ("properties", "default") else sorted(value.keys())
        return {k: _sort(value[k], k) for k in keys}
    if isinstance(value, list):
        return [_sort(v, parent_key) for v in value]
    return value


class _Unencodable:
    pass


_UNENCODABLE: Any = _Unencodable()


def _jsonable(value: Any) -> Any:
    """A JSON-compatible copy of a literal/example value (enums by value, tuples as lists...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _dump_json_mode(value, True)


def _dump_json_mode(value: Any, by_alias: bool) -> Any:
    """``value`` dumped in JSON mode by its runtime type, as pydantic encodes defaults."""
    from fasterapi.type_adapter import TypeAdapter

    return _any_adapter(TypeAdapter).dump_python(value, mode="json", by_alias=by_alias)


def _any_adapter(factory: Callable[[Any], Any]) -> Any:
    adapter = _ADAPTER.get("any")
    if adapter is None:
        adapter = _ADAPTER["any"] = factory(Any)
    return adapter


# Per interpreter: each sub-interpreter imports its own copy of this module.
_ADAPTER: dict[str, Any] = {}
