"""``ValidationError`` (pydantic's shape) and ``PydanticCustomError``."""

from __future__ import annotations

from typing import Any


class ValidationError(ValueError):
    """Raised by ``model_validate``/``TypeAdapter.validate_*`` with every error of the input.

    ``errors()`` returns pydantic's dicts: ``type``, ``loc`` (a tuple), ``msg``, ``input``,
    ``ctx`` when the error has a context, and ``url`` unless ``include_url=False``.
    """

    def __init__(self, title: str, errors: list[dict]) -> None:
        super().__init__(title, errors)
        self.title = title
        self._errors = errors

    @classmethod
    def from_exception_data(cls, title: str, line_errors: list[dict], input_type: str = "python", hide_input: bool = False) -> "ValidationError":
        return cls(title, [dict(e, loc=list(e.get("loc", ()))) for e in line_errors])

    def errors(self, *, include_url: bool = True, include_context: bool = True, include_input: bool = True) -> list[dict]:
        out = []
        for error in self._errors:
            e = {"type": error["type"], "loc": tuple(error["loc"]), "msg": error["msg"]}
            if include_input:
                e["input"] = error["input"]
            if include_context and "ctx" in error:
                e["ctx"] = error["ctx"]
            if include_url:
                e["url"] = f"https://errors.pydantic.dev/2.12/v/{error['type']}"
            out.append(e)
        return out

    def error_count(self) -> int:
        return len(self._errors)

    def json(self, *, indent: int | None = None, include_url: bool = True, include_context: bool = True, include_input: bool = True) -> str:
        import json

        from fasterapi.encoders import jsonable_encoder

        return json.dumps(jsonable_encoder(self.errors(include_url=include_url, include_context=include_context, include_input=include_input)), indent=indent)

    def __str__(self) -> str:
        count = len(self._errors)
        lines = [f"{count} validation error{'' if count == 1 else 's'} for {self.title}"]
        for error in self._errors:
            lines.append(".".join(str(part) for part in error["loc"]) or self.title)
            lines.append(f"  {error['msg']} [type={error['type']}, input_value={error['input']!r}, input_type={type(error['input']).__name__}]")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r}, {len(self._errors)} errors)"


class PydanticCustomError(ValueError):
    """Raise from a validator to report an error of your own ``type`` and message template."""

    __fasterapi_custom_error__ = True

    def __init__(self, error_type: str, message_template: str, context: dict[str, Any] | None = None) -> None:
        super().__init__(error_type, message_template, context)
        self.type = error_type
        self.message_template = message_template
        self.context = context

    def message(self) -> str:
        text = self.message_template
        for key, value in (self.context or {}).items():
            text = text.replace("{" + key + "}", str(value))
        return text

    def __str__(self) -> str:
        return self.message()


class PydanticSerializationError(ValueError):
    """A value could not be serialized (an object of a type JSON cannot hold, in JSON mode)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
