"""Request bodies for the test client, encoded as httpx encodes them: ``json=`` compact
UTF-8 JSON, ``data=`` a urlencoded form, ``files=`` (with ``data=``) a multipart form,
``content=`` bytes as given; and query strings for ``params=``."""

from __future__ import annotations

import json as jsonlib
import mimetypes
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def _primitive(value: Any) -> str:
    """httpx's rendering of a form or query value."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _pairs(values: Any) -> list[tuple[str, str]]:
    """``{"a": 1, "b": [2, 3]}`` or ``[("a", 1), ...]`` as ``[("a", "1"), ("b", "2"), ("b", "3")]``."""
    items = values.items() if isinstance(values, Mapping) else values
    pairs = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            pairs.extend((str(key), _primitive(v)) for v in value)
        else:
            pairs.append((str(key), _primitive(value)))
    return pairs


def query_string(params: Any) -> str:
    if isinstance(params, (str, bytes)):
        return params.decode("ascii") if isinstance(params, bytes) else params
    return urlencode(_pairs(params))


def encode_body(content: Any, data: Any, files: Any, json: Any) -> tuple[bytes, str | None]:
    """The body and the ``Content-Type`` it needs (None: none added)."""
    if content is not None:
        if isinstance(content, str):
            return content.encode("utf-8"), None
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content), None
        # An iterable of chunks: sent whole (no streamed request bodies in process).
        return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in content), None
    if files:
        return _multipart(data or {}, files)
    if data is not None:
        if isinstance(data, (str, bytes)):
            # httpx's deprecated spelling of content=.
            return (data.encode("utf-8") if isinstance(data, str) else data), None
        return urlencode(_pairs(data)).encode("ascii"), "application/x-www-form-urlencoded"
    if json is not None:
        text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8"), "application/json"
    return b"", None


# -- multipart/form-data ------------------------------------------------------------


def _quoted(value: str) -> str:
    """A name or filename inside ``Content-Disposition`` quotes, escaped as HTML5 forms (and
    httpx) do."""
    escaped = value.replace("\\", "\\\\").replace('"', "%22")
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 and c != "\x1b" else c for c in escaped)


def _file_part(value: Any) -> tuple[str | None, bytes, str | None, dict[str, str]]:
    """``files=`` values: a file object, bytes or str, or ``(filename, file[, content_type
    [, headers]])``. Returns filename, content, content type and extra headers."""
    filename: str | None
    content_type = None
    headers: dict[str, str] = {}
    if isinstance(value, tuple):
        filename, fileobj = value[0], value[1]
        if len(value) > 2:
            content_type = value[2]
        if len(value) > 3:
            headers = dict(value[3])
    else:
        fileobj = value
        name = getattr(value, "name", None)
        filename = os.path.basename(name) if isinstance(name, str) else "upload"
    if isinstance(fileobj, str):
        content = fileobj.encode("utf-8")
    elif isinstance(fileobj, (bytes, bytearray, memoryview)):
        content = bytes(fileobj)
    else:
        read = fileobj.read()
        content = read.encode("utf-8") if isinstance(read, str) else read
    if content_type is None and filename:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return filename, content, content_type, headers


def _multipart(data: Any, files: Any) -> tuple[bytes, str]:
    boundary = os.urandom(16).hex()
    out = bytearray()
    for name, value in _pairs(data):
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
        out += value.encode("utf-8") + b"\r\n"
    for name, value in files.items() if isinstance(files, Mapping) else files:
        filename, content, content_type, headers = _file_part(value)
        disposition = f'form-data; name="{_quoted(name)}"'
        if filename is not None:
            disposition += f'; filename="{_quoted(filename)}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        for key, header in headers.items():
            out += f"{key}: {header}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
