"""FasterAPI: FastAPI's API, served by a Rust thread-per-core server.

Each CPU core runs its own CPython sub-interpreter with its own GIL, so this
package is standard-library only and keeps no state that assumes a single
interpreter: every interpreter imports its own copy. State that every core must
see is Rust-owned: SharedCounter and SharedDict.
"""

from fasterapi import status
from fasterapi._native import SharedCounter, SharedDict
from fasterapi.applications import FasterAPI
from fasterapi.encoders import jsonable_encoder
from fasterapi.exceptions import HTTPException, RequestValidationError
from fasterapi.datastructures import UploadFile
from fasterapi.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from fasterapi.pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    computed_field,
    field_validator,
    model_validator,
)
from fasterapi.requests import Request
from fasterapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fasterapi.routing import APIRouter

__version__ = "0.1.0"

__all__ = [
    "AfterValidator",
    "AliasChoices",
    "AliasPath",
    "BaseModel",
    "BeforeValidator",
    "ConfigDict",
    "EmailStr",
    "Field",
    "HttpUrl",
    "TypeAdapter",
    "ValidationError",
    "computed_field",
    "field_validator",
    "model_validator",
    "APIRouter",
    "Body",
    "Cookie",
    "Depends",
    "FasterAPI",
    "File",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "SharedCounter",
    "SharedDict",
    "StreamingResponse",
    "UploadFile",
    "jsonable_encoder",
    "status",
]
