"""Reading a form body: ``application/x-www-form-urlencoded`` or ``multipart/form-data``.

:func:`parse_form` is what ``await request.form()`` and ``Form()``/``File()`` parameters
use. Any other content type (JSON, text, none at all) is an empty form, as in Starlette, so
a form endpoint called with JSON answers "field required", exactly like FastAPI.

URL-encoded bodies are split by the native query-string parser when they are ASCII (what
browsers send: they percent-encode everything else). A body with raw non-ASCII bytes takes
Starlette's own path, which reads those bytes as latin-1 -- kept for identical answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from fasterapi import _native
from fasterapi._form_limits import FormLimits
from fasterapi._multipart import MultiPartException, parse_multipart, parse_options_header
from fasterapi._received import MISSING, Received, bind_value
from fasterapi.datastructures import FormData, UploadFile
from fasterapi.exceptions import HTTPException

if TYPE_CHECKING:
    from fasterapi._signature import ParamSpec

__all__ = ["FormBody", "FormLimits", "MultiPartException", "form_kind", "parse_form", "parse_urlencoded"]

_parse_query = _native.parse_query

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def form_kind(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower-cased, without parameters."""
    if not content_type:
        return ""
    if ";" not in content_type:
        return content_type.strip(" \t").lower()
    return parse_options_header(content_type)[0]


def parse_form(body: bytes, content_type: str | None, limits: FormLimits) -> FormData:
    """The form sent in ``body``. Raises :class:`MultiPartException` (400/413) for a
    malformed body or one over ``limits``."""
    kind = form_kind(content_type)
    if kind == MULTIPART:
        return parse_multipart(body, content_type or "", limits)
    if kind == URLENCODED:
        return parse_urlencoded(body, limits)
    return FormData()


def parse_urlencoded(body: bytes, limits: FormLimits) -> FormData:
    if not body:
        return FormData()
    if len(body) > limits.max_part_size:
        _check_field_sizes(body, limits.max_part_size)
    if body.isascii():
        pairs = _parse_query(body)
    else:
        pairs = []
        for chunk in body.split(b"&"):
            if chunk:
                name, _, value = chunk.partition(b"=")
                pairs.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))
    if len(pairs) > limits.max_fields:
        raise MultiPartException(f"Too many fields. Maximum number of fields is {limits.max_fields}.")
    return FormData(pairs)


def _check_field_sizes(body: bytes, limit: int) -> None:
    """Starlette's per-field limit: a field's name and value, as sent, at most ``limit`` bytes."""
    for chunk in body.split(b"&"):
        if len(chunk) - (1 if b"=" in chunk else 0) > limit:
            raise MultiPartException(f"Field exceeded maximum size of {int(limit / 1024)}KB.", 413)


# --------------------------------------------------------------------------
# Form parameters: Form(), File(), UploadFile and form models, bound from the parsed form


def _read_upload(upload: UploadFile) -> bytes:
    """An upload's content for a ``bytes`` parameter, leaving the file where it was (another
    parameter may read the same upload)."""
    position = upload.file.tell()
    try:
        return upload.file.read()
    finally:
        upload.file.seek(position)


class FormBody:
    """A route's form body: parsed with the route's limits, bound to its body parameters
    (FastAPI's ``request_body_to_args`` for a form). Planned once, at startup."""

    def __init__(self, specs: Sequence[ParamSpec], limits: FormLimits) -> None:
        self.specs = tuple(specs)
        self.limits = limits

    def parse(self, req: Any) -> FormData:
        """The request's form; a malformed or oversized one raises ``HTTPException`` (400/413)."""
        content_type = req.header_values("content-type")
        try:
            return parse_form(req.body, content_type[0] if content_type else None, self.limits)
        except MultiPartException as exc:
            raise HTTPException(exc.status_code, exc.message) from None

    def bind(self, form: FormData, kwargs: dict, errors: list) -> None:
        received = Received.form(form)
        for spec in self.specs:
            if spec.model is not None:
                bind_value(spec, spec.model.collect_form(received), kwargs, errors)
                continue
            key, value = spec.keys[0], MISSING
            for candidate in spec.keys:
                value = received.value(candidate, spec.many)
                if value is not MISSING:
                    key = candidate
                    break
            if spec.reads_file == "bytes" and isinstance(value, UploadFile):
                value = _read_upload(value)
            elif spec.reads_file == "bytes_list" and isinstance(value, list):
                value = [_read_upload(v) if isinstance(v, UploadFile) else v for v in value]
            bind_value(spec, value, kwargs, errors, ("body", key))

