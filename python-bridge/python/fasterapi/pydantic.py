"""pydantic's names, served by FasterAPI's native models.

``from fasterapi.pydantic import BaseModel, Field, ...`` works where pydantic cannot
(own-GIL sub-interpreters: pydantic-core is built on PyO3, which refuses them). The
compatibility mode (``fasterapi run --compat``) maps ``import pydantic`` here.
"""

from fasterapi._errors import PydanticCustomError, PydanticSerializationError, ValidationError
from fasterapi.config import ConfigDict
from fasterapi.fields import AliasChoices, AliasPath, Field, FieldInfo, PydanticUndefined, computed_field
from fasterapi.functional_validators import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)
from fasterapi.main import BaseModel, create_model
from fasterapi.networks import AnyHttpUrl, AnyUrl, EmailStr, HttpUrl
from fasterapi.type_adapter import TypeAdapter

__all__ = [
    "AfterValidator",
    "AliasChoices",
    "AliasPath",
    "AnyHttpUrl",
    "AnyUrl",
    "BaseModel",
    "BeforeValidator",
    "ConfigDict",
    "EmailStr",
    "Field",
    "FieldInfo",
    "HttpUrl",
    "PlainValidator",
    "PydanticCustomError",
    "PydanticSerializationError",
    "PydanticUndefined",
    "TypeAdapter",
    "ValidationError",
    "ValidationInfo",
    "WrapValidator",
    "computed_field",
    "create_model",
    "field_validator",
    "model_validator",
]
