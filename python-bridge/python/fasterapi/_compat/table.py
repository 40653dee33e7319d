"""What the compatibility mode covers: FastAPI's, Starlette's, pydantic's and pydantic-settings'
import names, each mapped to the FasterAPI object that stands in for it.

``COVERED[alias_module][name] = "fasterapi.module:attr"`` (a target without ``:attr`` is the
module itself). The key ``"*"`` instead maps to a whole module: every public name of it is
covered (``starlette.status``). Covered submodules are also attributes of their parent, as
in FastAPI (``fastapi.responses``). Targets are imported
only when a name is first used (:mod:`fasterapi._compat.aliases`), so a row may name an object
that a later version provides: until then, using it raises the same clear ``ImportError`` as
an uncovered name. Anything not listed here is not covered; docs/fastapi-compat.md says so
chapter by chapter. Keep both in step.
"""

from __future__ import annotations

# The packages the finder answers for. Anything under them that is not a key of COVERED
# fails to import with a message pointing to docs/fastapi-compat.md.
ROOTS = ("fastapi", "starlette", "pydantic", "pydantic_core", "pydantic_settings")

_PARAMS = {
    name: f"fasterapi.params:{name}"
    for name in ("Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security")
}
_RESPONSES = {
    name: f"fasterapi.responses:{name}"
    for name in ("FileResponse", "HTMLResponse", "JSONResponse", "PlainTextResponse", "RedirectResponse", "Response", "StreamingResponse")
}
_DATASTRUCTURES = {
    name: f"fasterapi.datastructures:{name}" for name in ("URL", "Address", "FormData", "Headers", "QueryParams", "State", "UploadFile")
}
_SECURITY_HTTP = {
    name: f"fasterapi.security:{name}"
    for name in ("HTTPAuthorizationCredentials", "HTTPBase", "HTTPBasic", "HTTPBasicCredentials", "HTTPBearer", "HTTPDigest")
}
_SECURITY_OAUTH2 = {
    name: f"fasterapi.security:{name}"
    for name in (
        "OAuth2",
        "OAuth2AuthorizationCodeBearer",
        "OAuth2PasswordBearer",
        "OAuth2PasswordRequestForm",
        "OAuth2PasswordRequestFormStrict",
        "SecurityScopes",
    )
}
_SECURITY_API_KEY = {name: f"fasterapi.security:{name}" for name in ("APIKeyCookie", "APIKeyHeader", "APIKeyQuery")}
_MIDDLEWARE = {
    "fastapi.middleware.cors": {"CORSMiddleware": "fasterapi.middleware.cors:CORSMiddleware"},
    "fastapi.middleware.gzip": {"GZipMiddleware": "fasterapi.middleware.gzip:GZipMiddleware"},
    "fastapi.middleware.trustedhost": {"TrustedHostMiddleware": "fasterapi.middleware.trustedhost:TrustedHostMiddleware"},
    "fastapi.middleware.httpsredirect": {"HTTPSRedirectMiddleware": "fasterapi.middleware.httpsredirect:HTTPSRedirectMiddleware"},
}
_PYDANTIC = {
    name: f"fasterapi.pydantic:{name}"
    for name in (
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
        "HttpUrl",
        "PlainValidator",
        "TypeAdapter",
        "ValidationError",
        "ValidationInfo",
        "WrapValidator",
        "computed_field",
        "create_model",
        "field_validator",
        "model_validator",
    )
}


def _only(names: dict[str, str], *keep: str) -> dict[str, str]:
    return {name: names[name] for name in keep}


COVERED: dict[str, dict[str, str]] = {
    # -- fastapi ----------------------------------------------------------------------------
    "fastapi": {
        "FastAPI": "fasterapi.applications:FasterAPI",
        "APIRouter": "fasterapi.routing:APIRouter",
        "BackgroundTasks": "fasterapi.background:BackgroundTasks",
        "HTTPException": "fasterapi.exceptions:HTTPException",
        "Request": "fasterapi.requests:Request",
        "Response": "fasterapi.responses:Response",
        "UploadFile": "fasterapi.datastructures:UploadFile",
        # FastAPI re-exports Starlette's status module here; there is no fastapi/status.py.
        "status": "fasterapi.status",
        **_PARAMS,
    },
    "fastapi.applications": {"FastAPI": "fasterapi.applications:FasterAPI"},
    "fastapi.background": {"BackgroundTasks": "fasterapi.background:BackgroundTasks"},
    "fastapi.datastructures": _DATASTRUCTURES,
    "fastapi.encoders": {"jsonable_encoder": "fasterapi.encoders:jsonable_encoder"},
    "fastapi.exception_handlers": {
        "http_exception_handler": "fasterapi.exception_handlers:http_exception_handler",
        "request_validation_exception_handler": "fasterapi.exception_handlers:request_validation_exception_handler",
    },
    "fastapi.exceptions": {
        "HTTPException": "fasterapi.exceptions:HTTPException",
        "RequestValidationError": "fasterapi.exceptions:RequestValidationError",
        "ValidationException": "fasterapi.exceptions:ValidationException",
    },
    "fastapi.middleware": {"Middleware": "fasterapi.middleware:Middleware"},
    **_MIDDLEWARE,
    "fastapi.openapi": {},
    "fastapi.openapi.constants": {"*": "fasterapi.openapi.constants"},
    "fastapi.openapi.docs": {
        "get_redoc_html": "fasterapi.openapi.docs:get_redoc_html",
        "get_swagger_ui_html": "fasterapi.openapi.docs:get_swagger_ui_html",
        "get_swagger_ui_oauth2_redirect_html": "fasterapi.openapi.docs:get_swagger_ui_oauth2_redirect_html",
    },
    "fastapi.openapi.utils": {"get_openapi": "fasterapi.openapi.utils:get_openapi"},
    "fastapi.param_functions": _PARAMS,
    "fastapi.params": _PARAMS,
    "fastapi.requests": {"Request": "fasterapi.requests:Request"},
    "fastapi.responses": {
        **_RESPONSES,
        # Encoded natively like JSONResponse (orjson and ujson cannot load on the cores).
        "ORJSONResponse": "fasterapi.responses:JSONResponse",
        "UJSONResponse": "fasterapi.responses:JSONResponse",
    },
    "fastapi.routing": {"APIRoute": "fasterapi.routing:APIRoute", "APIRouter": "fasterapi.routing:APIRouter"},
    "fastapi.security": {
        **_SECURITY_API_KEY,
        **{name: target for name, target in _SECURITY_HTTP.items() if name != "HTTPBase"},
        **_SECURITY_OAUTH2,
        "OpenIdConnect": "fasterapi.security:OpenIdConnect",
    },
    "fastapi.security.api_key": _SECURITY_API_KEY,
    "fastapi.security.http": _SECURITY_HTTP,
    "fastapi.security.oauth2": _SECURITY_OAUTH2,
    "fastapi.security.open_id_connect_url": {"OpenIdConnect": "fasterapi.security:OpenIdConnect"},
    "fastapi.security.utils": {"get_authorization_scheme_param": "fasterapi.security:get_authorization_scheme_param"},
    "fastapi.staticfiles": {"StaticFiles": "fasterapi.staticfiles:StaticFiles"},
    "fastapi.testclient": {"TestClient": "fasterapi.testclient:TestClient"},
    # -- starlette --------------------------------------------------------------------------
    "starlette": {},
    "starlette.background": {
        "BackgroundTask": "fasterapi.background:BackgroundTask",
        "BackgroundTasks": "fasterapi.background:BackgroundTasks",
    },
    "starlette.datastructures": {
        **_DATASTRUCTURES,
        "ImmutableMultiDict": "fasterapi.datastructures:ImmutableMultiDict",
        "MutableHeaders": "fasterapi.datastructures:MutableHeaders",
    },
    # One class here: FastAPI's HTTPException subclasses Starlette's, and a handler for
    # either catches both, as it does here.
    "starlette.exceptions": {"HTTPException": "fasterapi.exceptions:HTTPException"},
    "starlette.middleware": {"Middleware": "fasterapi.middleware:Middleware"},
    "starlette.middleware.base": {
        name: f"fasterapi.middleware.base:{name}" for name in ("BaseHTTPMiddleware", "DispatchFunction", "RequestResponseEndpoint")
    },
    **{name.replace("fastapi.", "starlette.", 1): names for name, names in _MIDDLEWARE.items()},
    "starlette.requests": {"Request": "fasterapi.requests:Request"},
    "starlette.responses": _RESPONSES,
    "starlette.staticfiles": {"StaticFiles": "fasterapi.staticfiles:StaticFiles"},
    "starlette.status": {"*": "fasterapi.status"},
    "starlette.testclient": {"TestClient": "fasterapi.testclient:TestClient"},
    # -- pydantic ---------------------------------------------------------------------------
    "pydantic": _PYDANTIC,
    "pydantic.config": {"ConfigDict": "fasterapi.config:ConfigDict"},
    "pydantic.fields": {
        "Field": "fasterapi.fields:Field",
        "FieldInfo": "fasterapi.fields:FieldInfo",
        "computed_field": "fasterapi.fields:computed_field",
        "AliasChoices": "fasterapi.fields:AliasChoices",
        "AliasPath": "fasterapi.fields:AliasPath",
        "PydanticUndefined": "fasterapi.fields:PydanticUndefined",
    },
    "pydantic.functional_validators": _only(
        _PYDANTIC, "AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator", "field_validator", "model_validator"
    ),
    "pydantic.main": _only(_PYDANTIC, "BaseModel", "create_model"),
    "pydantic.networks": _only(_PYDANTIC, "AnyHttpUrl", "AnyUrl", "EmailStr", "HttpUrl"),
    "pydantic.type_adapter": _only(_PYDANTIC, "TypeAdapter"),
    "pydantic_core": {
        "PydanticCustomError": "fasterapi.pydantic:PydanticCustomError",
        "PydanticSerializationError": "fasterapi.pydantic:PydanticSerializationError",
        "PydanticUndefined": "fasterapi.pydantic:PydanticUndefined",
        "ValidationError": "fasterapi.pydantic:ValidationError",
    },
    # -- pydantic-settings ------------------------------------------------------------------
    "pydantic_settings": {name: f"fasterapi.settings:{name}" for name in ("BaseSettings", "SettingsConfigDict", "SettingsError")},
}
