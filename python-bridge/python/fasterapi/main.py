"""``BaseModel``: pydantic's model API, validated and serialized by native code.

A model class is only a description until first use: its fields are read from the class
body (annotations, ``Field()`` defaults, ``@field_validator``/``@model_validator``,
``@computed_field``) and compiled into a native schema (``_native_schema``), then every
``Model(...)``, ``model_validate``, ``model_validate_json``, ``model_dump`` and
``model_dump_json`` is one call into the native module.

Instances keep their field values in ``__dict__`` (what the native validator sets), the
names given explicitly in ``__pydantic_fields_set__`` and extra values (``extra="allow"``)
in ``__pydantic_extra__``, as pydantic does.

A request body may arrive as a *lazy* instance (``schema_validate_json_lazy``, see
python-bridge/src/cpython/schema/lazy.rs): validated, but holding only the request bytes and
the JSON it dumps as in ``__fasterapi_lazy__``. Its first use of any field -- attribute
access (through ``__getattr__``), ``__dict__`` (a property every model class gets),
``model_dump`` -- materialises it with ``__fasterapi_materialize__``; an untouched one dumps
to JSON by copying the bytes.
"""

from __future__ import annotations

import copy
import typing
from typing import Any, ClassVar

from fasterapi import _native
from fasterapi._errors import ValidationError
from fasterapi._leaf_validators import FAILED, to_jsonable
from fasterapi._model_desc import ModelDesc, build_model_desc, collect_validators
from fasterapi.fields import FieldInfo
from fasterapi.params import Undefined

_native.schema_setup(ValidationError, FAILED, to_jsonable)

_schema_validate = _native.schema_validate
_schema_validate_json = _native.schema_validate_json
_schema_dump = _native.schema_dump
_schema_dump_json = _native.schema_dump_json
_take_lazy = _native.schema_take_lazy
_instance_dict = _native.schema_instance_dict
_set_instance_dict = _native.schema_set_instance_dict


def _get_dict(self: Any) -> dict[str, Any]:
    self.__fasterapi_materialize__()
    return _instance_dict(self)


def _set_dict(self: Any, value: dict[str, Any]) -> None:
    self.__fasterapi_materialize__()
    _set_instance_dict(self, value)


def _adopt(self: Any, validated: Any, fields: dict[str, Any]) -> None:
    """Give ``self`` the state of a freshly validated instance: ``fields`` as its ``__dict__``
    (written as ``object`` writes it), and the fields set and extra values."""
    _set_instance_dict(self, fields)
    object.__setattr__(self, "__pydantic_fields_set__", validated.__pydantic_fields_set__)
    object.__setattr__(self, "__pydantic_extra__", validated.__pydantic_extra__)


#: ``__dict__`` of every model class: a lazy instance gets its fields before anyone sees them
#: (``vars(m)``, ``m.__dict__``, ``copy``); attribute lookups do not go through it.
_INSTANCE_DICT = property(_get_dict, _set_dict, doc="The instance's field values (and other attributes).")

_BASE_NAMES = frozenset({"model_config", "model_fields", "model_computed_fields"})


def _is_classvar(annotation: Any) -> bool:
    if annotation is ClassVar or typing.get_origin(annotation) is ClassVar:
        return True
    return isinstance(annotation, str) and (annotation.startswith("ClassVar") or annotation.startswith("typing.ClassVar"))


def _as_attribute(decorated: Any) -> Any:
    """What a validator leaves on the class: a classmethod, except "after" model validators,
    which are instance methods (they receive the model)."""
    func = decorated.func
    if isinstance(func, (classmethod, staticmethod)):
        return func
    if getattr(decorated, "__fasterapi_model_validator__", False) and decorated.mode == "after":
        return func
    return classmethod(func)


class ModelMetaclass(type):
    def __new__(mcs, name: str, bases: tuple, namespace: dict, **kwargs: Any) -> type:
        config: dict[str, Any] = {}
        for base in reversed(bases):
            config.update(getattr(base, "model_config", {}) or {})
        config.update(namespace.get("model_config", {}) or {})
        config.update(kwargs)
        namespace["model_config"] = config

        inherited: list[str] = []
        defaults: dict[str, Any] = {}
        for base in reversed(bases):
            for field_name in getattr(base, "__fasterapi_field_names__", ()):
                if field_name not in inherited:
                    inherited.append(field_name)
                    defaults[field_name] = base.__fasterapi_defaults__.get(field_name, Undefined)

        annotations = namespace.get("__annotations__", {})
        if not annotations and "__annotate__" in namespace:  # PEP 649 (3.14)
            try:
                annotations = namespace["__annotate__"](1)
            except Exception:
                annotations = {}
        own: list[str] = []
        for field_name, annotation in annotations.items():
            if field_name.startswith("_") or _is_classvar(annotation):
                continue
            own.append(field_name)
            if field_name in namespace:
                defaults[field_name] = namespace.pop(field_name)
            elif field_name not in defaults:
                defaults[field_name] = Undefined

        validators = collect_validators(list(namespace.items()))
        computed = [(n, v) for n, v in namespace.items() if getattr(v, "__fasterapi_computed__", False)]
        for computed_name, marker in computed:
            namespace[computed_name] = marker.prop
        for attr, value in list(namespace.items()):
            if getattr(value, "__fasterapi_field_validator__", False) or getattr(value, "__fasterapi_model_validator__", False):
                namespace[attr] = _as_attribute(value)

        if any(isinstance(base, ModelMetaclass) for base in bases) and "__dict__" not in namespace:
            namespace["__dict__"] = _INSTANCE_DICT
        cls = super().__new__(mcs, name, bases, namespace)
        cls.__fasterapi_field_names__ = tuple(inherited + [n for n in own if n not in inherited])
        cls.__fasterapi_defaults__ = defaults
        cls.__fasterapi_declared__ = {"validators": validators, "computed": computed}
        cls.__fasterapi_schema__ = None
        cls.__fasterapi_desc_cache__ = None
        return cls

    @property
    def model_fields(cls) -> dict[str, FieldInfo]:
        return {f.name: f.info for f in cls.__fasterapi_model_desc__().fields}

    @property
    def model_computed_fields(cls) -> dict[str, Any]:
        return {c.name: c.info for c in cls.__fasterapi_model_desc__().computed}

    def __getattr__(cls, item: str) -> Any:
        # pydantic removes field defaults from the class; say so like it does.
        if item in cls.__dict__.get("__fasterapi_field_names__", ()):
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {item!r}")
        raise AttributeError(item)


class BaseModel(metaclass=ModelMetaclass):
    """A model: fields declared as annotations, validated when constructed."""

    __slots__ = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__", "__fasterapi_lazy__")

    model_config: ClassVar[typing.Dict[str, Any]] = {}  # noqa: UP006 - "dict" is a method here
    #: The type layer's kind for this class (see fasterapi._types).
    __fasterapi_kind__: ClassVar[str] = "model"

    # -- compilation ---------------------------------------------------------

    @classmethod
    def __fasterapi_model_desc__(cls) -> ModelDesc:
        desc = cls.__dict__.get("__fasterapi_desc_cache__")
        if desc is None:
            if cls is BaseModel:
                raise TypeError("BaseModel itself has no fields; subclass it")
            desc = build_model_desc(cls)
            cls.__fasterapi_desc_cache__ = desc
        return desc

    @classmethod
    def __fasterapi_compiled__(cls) -> Any:
        schema = cls.__dict__.get("__fasterapi_schema__")
        if schema is None:
            from fasterapi import _native_schema
            from fasterapi._types import describe

            schema = _native.schema_compile((13, _native_schema.model_core(describe(cls))), cls.model_config.get("title") or cls.__name__)
            cls.__fasterapi_schema__ = schema
        return schema

    # -- construction and validation -----------------------------------------

    def __init__(self, /, **data: Any) -> None:
        validated = _schema_validate(type(self).__fasterapi_compiled__(), data, False, None)
        _adopt(self, validated, _instance_dict(validated))
        post_init = type(self).model_post_init
        if post_init is not BaseModel.model_post_init:
            post_init(self, None)

    def model_post_init(self, context: Any, /) -> None:
        """Override to run code after validation (called by ``__init__``)."""

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = None, from_attributes: bool | None = None, context: Any = None, by_alias: bool | None = None, by_name: bool | None = None) -> Any:
        schema = cls.__fasterapi_schema__ or cls.__fasterapi_compiled__()
        if strict is None and from_attributes is None:
            return _schema_validate(schema, obj, False, None)
        return _schema_validate(schema, obj, False, None, bool(strict), bool(from_attributes))

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *, strict: bool | None = None, context: Any = None, by_alias: bool | None = None, by_name: bool | None = None) -> Any:
        schema = cls.__fasterapi_schema__ or cls.__fasterapi_compiled__()
        if strict is None:
            return _schema_validate_json(schema, json_data, None)
        return _schema_validate_json(schema, json_data, None, bool(strict))

    @classmethod
    def model_validate_strings(cls, obj: Any, **kwargs: Any) -> Any:
        return _schema_validate(cls.__fasterapi_compiled__(), obj, False, None)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Any:
        """An instance from trusted values, without validation (defaults filled in)."""
        instance = cls.__new__(cls)
        data: dict[str, Any] = {}
        desc = cls.__fasterapi_model_desc__()
        for field in desc.fields:
            key = next((path[0] for path in field.validation_keys if path[0] in values), field.name if field.name in values else None)
            if key is not None:
                data[field.name] = values[key]
            elif not field.info.is_required():
                data[field.name] = field.info.get_default(call_default_factory=True)
        object.__setattr__(instance, "__dict__", data)
        object.__setattr__(instance, "__pydantic_fields_set__", set(values) if _fields_set is None else set(_fields_set))
        object.__setattr__(instance, "__pydantic_extra__", None)
        return instance

    # -- serialization -------------------------------------------------------

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        serialize_as_any: bool = False,
    ) -> dict[str, Any]:
        cls = type(self)
        return _schema_dump(
            cls.__fasterapi_schema__ or cls.__fasterapi_compiled__(), self, mode == "json", bool(by_alias), exclude_unset, exclude_defaults, exclude_none, include, exclude
        )

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
        serialize_as_any: bool = False,
    ) -> str:
        cls = type(self)
        raw = _schema_dump_json(
            cls.__fasterapi_schema__ or cls.__fasterapi_compiled__(), self, True, bool(by_alias), exclude_unset, exclude_defaults, exclude_none, include, exclude
        )
        if indent is None:
            return raw.decode()
        import json

        return json.dumps(json.loads(raw), indent=indent, ensure_ascii=False)

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, ref_template: str = "#/$defs/{model}", schema_generator: Any = None, mode: str = "validation") -> dict[str, Any]:
        from fasterapi import _schema

        return _schema.model_json_schema(cls, by_alias=by_alias, ref_template=ref_template, mode=mode)

    # -- copies and state ----------------------------------------------------

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        cls = type(self)
        new = cls.__new__(cls)
        data = copy.deepcopy(self.__dict__) if deep else dict(self.__dict__)
        fields_set = set(self.__pydantic_fields_set__)
        extra = self.__pydantic_extra__
        extra = (copy.deepcopy(extra) if deep else dict(extra)) if extra is not None else None
        if update:
            names = set(cls.__fasterapi_field_names__)
            for key, value in update.items():
                if key in names:
                    data[key] = value
                    fields_set.add(key)
                elif extra is not None:
                    extra[key] = value
                else:
                    data[key] = value
                    fields_set.add(key)
        object.__setattr__(new, "__dict__", data)
        object.__setattr__(new, "__pydantic_fields_set__", fields_set)
        object.__setattr__(new, "__pydantic_extra__", extra)
        return new

    def __copy__(self) -> Any:
        return self.model_copy()

    def __deepcopy__(self, memo: dict | None = None) -> Any:
        return self.model_copy(deep=True)

    def __getstate__(self) -> dict[str, Any]:
        return {"__dict__": self.__dict__, "fields_set": self.__pydantic_fields_set__, "extra": self.__pydantic_extra__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", state["__dict__"])
        object.__setattr__(self, "__pydantic_fields_set__", state["fields_set"])
        object.__setattr__(self, "__pydantic_extra__", state["extra"])

    @property
    def model_fields_set(self) -> set[str]:
        return self._own_fields_set()

    def _own_fields_set(self) -> set[str]:
        # Instances given every field share their class's frozenset of names (made by the
        # native validator, to spare a set per instance); it becomes the instance's own set
        # when first asked for, so it can be changed.
        fields_set = self.__pydantic_fields_set__
        if type(fields_set) is frozenset:
            fields_set = set(fields_set)
            object.__setattr__(self, "__pydantic_fields_set__", fields_set)
        return fields_set

    @property
    def model_extra(self) -> dict[str, Any] | None:
        return self.__pydantic_extra__

    @classmethod
    def model_rebuild(cls, *, force: bool = False, **kwargs: Any) -> bool | None:
        return True

    # -- attribute access ----------------------------------------------------

    def __fasterapi_materialize__(self) -> bool:
        """Give a lazy instance its fields (False: it has them already)."""
        state = _take_lazy(self)
        if state is None:
            return False
        schema, data = state[0], state[1]
        # The same bytes through the ordinary validator: they passed the same rules already.
        made = _schema_validate_json(schema, data, ("body",))
        fields = _instance_dict(made)
        own = _instance_dict(self)  # private attributes set before the first field was read
        if own:
            fields.update(own)
        _adopt(self, made, fields)
        return True

    def __getattr__(self, item: str) -> Any:
        if self.__fasterapi_materialize__():
            return getattr(self, item)
        try:
            extra = object.__getattribute__(self, "__pydantic_extra__")
        except AttributeError:
            extra = None
        if extra and item in extra:
            return extra[item]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {item!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        if cls.model_config.get("frozen"):
            raise ValidationError(
                cls.__name__, [{"type": "frozen_instance", "loc": [name], "msg": "Instance is frozen", "input": value}]
            )
        if name.startswith("_") or isinstance(getattr(cls, name, None), property):
            object.__setattr__(self, name, value)
            return
        field = cls.__fasterapi_model_desc__().field(name)
        if field is not None and field.info.frozen:
            raise ValidationError(cls.__name__, [{"type": "frozen_field", "loc": [name], "msg": "Field is frozen", "input": value}])
        if name not in cls.__fasterapi_field_names__:
            extra = self.__pydantic_extra__
            if extra is not None:
                extra[name] = value
                return
            raise ValueError(f'"{cls.__name__}" object has no field "{name}"')
        if cls.model_config.get("validate_assignment"):
            data = dict(self.__dict__)
            data[name] = value
            validated = _schema_validate(cls.__fasterapi_compiled__(), data, False, None)
            value = validated.__dict__[name]
        self.__dict__[name] = value
        self._own_fields_set().add(name)

    def __delattr__(self, name: str) -> None:
        cls = type(self)
        if cls.model_config.get("frozen"):
            raise ValidationError(cls.__name__, [{"type": "frozen_instance", "loc": [name], "msg": "Instance is frozen", "input": None}])
        if name in self.__dict__:
            del self.__dict__[name]
            self._own_fields_set().discard(name)
            return
        extra = self.__pydantic_extra__
        if extra and name in extra:
            del extra[name]
            return
        raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")

    # -- comparison and display ----------------------------------------------

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    def __hash__(self) -> int:
        if not type(self).model_config.get("frozen"):
            raise TypeError(f"unhashable type: {type(self).__name__!r}")
        return hash((type(self), *self.__dict__.values()))

    def __iter__(self) -> Any:
        yield from self.__dict__.items()
        if self.__pydantic_extra__:
            yield from self.__pydantic_extra__.items()

    def __repr_args__(self) -> list[tuple[str, Any]]:
        desc = type(self).__fasterapi_model_desc__()
        args = [(f.name, self.__dict__.get(f.name)) for f in desc.fields if f.info.repr is not False and f.name in self.__dict__]
        if self.__pydantic_extra__:
            args.extend(self.__pydantic_extra__.items())
        args.extend((c.name, getattr(self, c.name)) for c in desc.computed if c.info.repr)
        return args

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__repr_args__())})"

    def __str__(self) -> str:
        return " ".join(f"{k}={v!r}" for k, v in self.__repr_args__())

    # -- pydantic v1 names, still used by FastAPI code ------------------------

    def dict(self, **kwargs: Any) -> dict[str, Any]:  # noqa: A003
        return self.model_dump(**kwargs)

    def json(self, **kwargs: Any) -> str:
        return self.model_dump_json(**kwargs)

    @classmethod
    def parse_obj(cls, obj: Any) -> Any:
        return cls.model_validate(obj)

    def copy(self, *, update: dict[str, Any] | None = None, deep: bool = False, **_: Any) -> Any:
        return self.model_copy(update=update, deep=deep)


def lazy_body_allowed(desc: Any, schema: Any) -> bool:
    """Whether request bodies of this type may arrive as lazy instances: a BaseModel whose
    schema the lazy pass takes (every nested model too), and whose class does not hook what
    materialisation relies on or must run on construction."""
    if desc.kind != "model" or not _native.schema_lazy_eligible(schema):
        return False
    cls = desc.cls
    dict_attr = next((c.__dict__["__dict__"] for c in cls.__mro__ if "__dict__" in c.__dict__), None)
    return (
        dict_attr is _INSTANCE_DICT
        and cls.model_post_init is BaseModel.model_post_init
        and cls.__getattr__ is BaseModel.__getattr__
        and cls.__getattribute__ is object.__getattribute__
        and cls.__fasterapi_materialize__ is BaseModel.__fasterapi_materialize__
    )


def create_model(model_name: str, /, *, __base__: type | None = None, __config__: dict | None = None, **fields: Any) -> type:
    """A model class made at run time: ``create_model("M", x=(int, ...), y=(str, "d"))``."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    for name, spec in fields.items():
        if isinstance(spec, tuple):
            annotation, default = spec
            annotations[name] = annotation
            if default is not ...:
                namespace[name] = default
        else:
            annotations[name] = spec
    if __config__:
        namespace["model_config"] = __config__
    return ModelMetaclass(model_name, (__base__ or BaseModel,), namespace)
