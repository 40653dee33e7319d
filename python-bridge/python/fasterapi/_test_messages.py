"""What the test client hands back: ``URL``, ``Request`` and ``Response`` with the parts of
httpx's API that tests use (``status_code``, ``headers``, ``content``, ``text``, ``json()``,
``cookies``, ``is_success``, ``url``, ``history``, ``raise_for_status()``...). They are
plain objects over what the in-process server wrote; nothing is decoded before it is read.
"""

from __future__ import annotations

import json as jsonlib
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from fasterapi._test_cookies import Cookies
from fasterapi._test_headers import Headers

_REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted",
    203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content", 206: "Partial Content",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required",
    412: "Precondition Failed", 413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable", 417: "Expectation Failed",
    418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 425: "Too Early",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}

REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))


class HTTPStatusError(Exception):
    """``raise_for_status()`` on a 4xx or 5xx answer (httpx's name)."""

    def __init__(self, message: str, *, request: Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class TooManyRedirects(Exception):
    """More redirects than the client follows (20, as httpx)."""


class RemoteProtocolError(Exception):
    """The answer's body was cut off (a streamed body whose iterator raised): what a socket
    client reports when the connection ends early."""


class URL:
    """An absolute URL, compared equal to its string form."""

    __slots__ = ("_text", "scheme", "host", "port", "path", "query", "fragment")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._text = url
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.path = parts.path or "/"
        #: Raw query bytes, without ``?`` (httpx's type).
        self.query = parts.query.encode("ascii", "replace")
        self.fragment = parts.fragment

    @property
    def netloc(self) -> bytes:
        return urlsplit(self._text).netloc.encode("ascii", "replace")

    @property
    def raw_path(self) -> bytes:
        return (self.path + ("?" + self.query.decode() if self.query else "")).encode("ascii", "replace")

    def join(self, url: str) -> URL:
        return URL(urljoin(self._text, str(url)))

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"URL({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (URL, str)) and str(other) == self._text

    def __hash__(self) -> int:
        return hash(self._text)


class Request:
    """The request as it was sent (its URL and headers made into objects when first read)."""

    __slots__ = ("method", "_url", "_fields", "content")

    def __init__(self, method: str, url: str, fields: list[tuple[str, str]], content: bytes) -> None:
        self.method = method
        self._url: Any = url
        self._fields: Any = fields
        self.content = content

    @property
    def url(self) -> URL:
        if not isinstance(self._url, URL):
            self._url = URL(self._url)
        return self._url

    @property
    def headers(self) -> Headers:
        if not isinstance(self._fields, Headers):
            self._fields = Headers(self._fields)
        return self._fields

    def read(self) -> bytes:
        return self.content

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {str(self.url)!r})>"


class Response:
    __slots__ = ("status_code", "_raw_headers", "_headers", "_body", "_content", "request", "history", "_cookies",
                 "_encoding", "default_encoding")

    http_version = "HTTP/1.1"

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes, request: Request) -> None:
        self.status_code = status_code
        self._raw_headers = raw_headers
        self._headers: Headers | None = None
        self._body = body
        self._content: bytes | None = None
        self.request = request
        #: The redirect answers that led here, oldest first.
        self.history: list[Response] = []
        self._cookies: Cookies | None = None
        self._encoding: str | None = None
        self.default_encoding = "utf-8"

    # -- head ------------------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers._from_wire(self._raw_headers)
        return self._headers

    @property
    def url(self) -> URL:
        return self.request.url

    @property
    def reason_phrase(self) -> str:
        return _REASONS.get(self.status_code, "")

    @property
    def cookies(self) -> Cookies:
        """The cookies this answer set."""
        if self._cookies is None:
            self._cookies = Cookies()
            set_cookies = self.headers.get_list("set-cookie")
            if set_cookies:
                self._cookies.extract(str(self.url), set_cookies)
        return self._cookies

    # -- status ----------------------------------------------------------------------

    @property
    def is_informational(self) -> bool:
        return 100 <= self.status_code < 200

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        return self.status_code in REDIRECT_STATUSES and "location" in self.headers

    @property
    def has_redirect_location(self) -> bool:
        return self.is_redirect

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status_code < 500

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status_code < 600

    @property
    def is_error(self) -> bool:
        return 400 <= self.status_code < 600

    def raise_for_status(self) -> Response:
        if self.is_success or self.is_informational or self.status_code in REDIRECT_STATUSES:
            return self
        kind = "Client error" if self.is_client_error else "Server error"
        raise HTTPStatusError(
            f"{kind} '{self.status_code} {self.reason_phrase}' for url '{self.url}'",
            request=self.request,
            response=self,
        )

    # -- body ------------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The body, with any ``Content-Encoding`` (gzip, deflate) undone, as httpx does."""
        if self._content is None:
            body = self._body
            for coding in reversed(self.headers.get_list("content-encoding", split_commas=True)):
                coding = coding.lower()
                if coding in ("gzip", "x-gzip"):
                    body = zlib.decompress(body, zlib.MAX_WBITS | 16)
                elif coding == "deflate":
                    try:
                        body = zlib.decompress(body)
                    except zlib.error:
                        body = zlib.decompress(body, -zlib.MAX_WBITS)
            self._content = body
        return self._content

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            self._encoding = self.charset_encoding or self.default_encoding
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    @property
    def charset_encoding(self) -> str | None:
        content_type = self.headers.get("content-type")
        if content_type is None:
            return None
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)

    def read(self) -> bytes:
        return self.content

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        content = self.content
        size = chunk_size or max(len(content), 1)
        for at in range(0, len(content), size):
            yield content[at:at + size]

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        text = self.text
        size = chunk_size or max(len(text), 1)
        for at in range(0, len(text), size):
            yield text[at:at + size]

    def iter_lines(self) -> Iterator[str]:
        yield from self.text.splitlines()

    def close(self) -> None:
        pass

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"


def redirect_target(response: Response) -> str:
    """The absolute URL a redirect answer points to."""
    return urljoin(str(response.url), response.headers["location"])
