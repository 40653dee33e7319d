"""Response classes.

A response is just three plain attributes the bridge reads directly:
``status_code`` (int), ``raw_headers`` (``list[tuple[bytes, bytes]]``,
lower-case names, never ``content-length`` — the bridge computes it) and
``body`` (bytes). Construction therefore does the minimum: render the body
once and build the header list once.
"""

from __future__ import annotations

import hashlib
import http.cookies
import mimetypes
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from email.utils import formatdate, format_datetime
from typing import Any
from urllib.parse import quote

from fasterapi import _native
from fasterapi.datastructures import MutableHeaders

_json_dumps = _native.json_dumps


def _content_type(media_type: str, charset: str) -> bytes:
    # Starlette adds the charset to every text/* type that does not name one.
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = f"{media_type}; charset={charset}"
    return media_type.encode("latin-1")


class Response:
    media_type: str | None = None
    charset = "utf-8"
    #: Run after the response is sent (a ``BackgroundTask``/``BackgroundTasks``, or any
    #: callable; a coroutine it returns is awaited on the core's loop). Read by the bridge.
    background: Any = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        if background is not None:
            self.background = background
        self.body = self.render(content)
        self.raw_headers = self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, (bytearray, memoryview)):
            return bytes(content)
        return content.encode(self.charset)

    def init_headers(self, headers: Mapping[str, str] | None) -> list[tuple[bytes, bytes]]:
        media_type = self.media_type
        if headers is None:
            # The common case: no user headers, at most one content-type.
            return [] if media_type is None else [(b"content-type", _content_type(media_type, self.charset))]
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in headers.items()
            # The bridge owns content-length: a stale one would corrupt framing.
            if k.lower() != "content-length"
        ]
        if media_type is not None and not any(k == b"content-type" for k, _ in raw):
            raw.append((b"content-type", _content_type(media_type, self.charset)))
        return raw

    @property
    def headers(self) -> MutableHeaders:
        """A mutable, case-insensitive view over ``raw_headers``."""
        return MutableHeaders(self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``set-cookie`` header; Starlette's arguments and output."""
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        if partitioned:
            if sys.version_info < (3, 14):
                raise ValueError("Partitioned cookies are only supported in Python 3.14 and above.")
            morsel["partitioned"] = True  # pragma: no cover - Python 3.14
        self.raw_headers.append((b"set-cookie", cookie.output(header="").strip().encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
        partitioned: bool = False,
    ) -> None:
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} status_code={self.status_code}>"


class PlainTextResponse(Response):
    media_type = "text/plain"


class HTMLResponse(Response):
    media_type = "text/html"


class JSONResponse(Response):
    """JSON with the native encoder (compact, UTF-8, NaN rejected like Starlette).

    Values the native encoder refuses (dataclasses, datetimes, ...) go through
    ``jsonable_encoder`` — the same fallback the bridge uses for plain returns.
    """

    media_type = "application/json"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        # Inlined instead of super().__init__: this class is built for every
        # HTTPException and validation error, so keep it to the essentials.
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        if background is not None:
            self.background = background
        self.body = self.render(content)
        if headers is None and media_type is None:
            self.raw_headers = [(b"content-type", b"application/json")]
        else:
            self.raw_headers = self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        try:
            return _json_dumps(content)
        except TypeError:
            from fasterapi.encoders import encode_fallback

            return encode_fallback(content)


class RedirectResponse(Response):
    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: Any = None,
    ) -> None:
        super().__init__(content=b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


class StreamingResponse(Response):
    """A body produced over time by a sync or async iterator of ``bytes``/``str``.

    Sent with chunked encoding (close-delimited to HTTP/1.0 clients); the iterator is
    advanced only as fast as the client reads. Sync iterators run in the blocking pool.
    If the iterator raises midway, the connection is closed without the final chunk, so
    the client cannot take the cut body for a complete one.
    """

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        if not (hasattr(content, "__aiter__") or hasattr(content, "__iter__")):
            raise TypeError(f"StreamingResponse content must be an iterator, not {type(content).__name__}")
        self.status_code = status_code
        if background is not None:
            self.background = background
        if media_type is not None:
            self.media_type = media_type
        self.body_iterator = content
        self.body = b""
        self.raw_headers = self.init_headers(headers)


class FileResponse(Response):
    """A file sent by the kernel (``sendfile``), with ``Range``/``If-Range`` support,
    ``ETag``, ``Last-Modified`` and, given ``filename``, ``Content-Disposition``."""

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        # Starlette's order of arguments; ``method`` is accepted for it and unused (the
        # server drops the body of a HEAD answer itself).
        self.path = os.fspath(path)
        if background is not None:
            self.background = background
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = mimetypes.guess_type(filename or self.path)[0] or "text/plain"
        self.media_type = media_type
        self.body = b""
        self.raw_headers = self.init_headers(headers)
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                value = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                value = f'{content_disposition_type}; filename="{filename}"'
            self.raw_headers.append((b"content-disposition", value.encode("latin-1")))
        if stat_result is None:
            try:
                stat_result = os.stat(self.path)
            except FileNotFoundError:
                stat_result = None
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        # Starlette's validators: a weak-looking but strong-compared ETag from mtime and size.
        etag = hashlib.md5(f"{stat_result.st_mtime}-{stat_result.st_size}".encode(), usedforsecurity=False).hexdigest()
        self.raw_headers.append((b"last-modified", formatdate(stat_result.st_mtime, usegmt=True).encode("latin-1")))
        self.raw_headers.append((b"etag", f'"{etag}"'.encode("latin-1")))
