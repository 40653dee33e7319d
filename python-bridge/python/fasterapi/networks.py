"""``EmailStr`` and ``HttpUrl``/``AnyUrl``: string types with a format, as pydantic has them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fasterapi._leaf_validators import FAILED, make_error


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


class EmailStr(str):
    """An e-mail address (validated to ``local@domain``; the domain is lower-cased)."""

    __fasterapi_kind__ = "email"


class AnyUrl:
    """A URL, kept normalised (``https://example.com`` -> ``https://example.com/``)."""

    __fasterapi_kind__ = "url"
    allowed_schemes: tuple[str, ...] | None = None
    __slots__ = ("_url", "scheme", "host", "port", "path", "query", "fragment", "username", "password")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.path = parts.path or ("/" if parts.netloc else None)
        self.query = parts.query or None
        self.fragment = parts.fragment or None
        self.username = parts.username
        self.password = parts.password
        # Normalised as pydantic's URL type (the `url` crate) does: scheme and host in lower
        # case, the scheme's default port dropped.
        self.scheme = parts.scheme.lower()
        netloc = parts.netloc
        if parts.hostname:
            userinfo = netloc.rpartition("@")[0]
            host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            if parts.port is not None and _DEFAULT_PORTS.get(self.scheme) != parts.port:
                host = f"{host}:{parts.port}"
            else:
                self.port = _DEFAULT_PORTS.get(self.scheme)
            netloc = f"{userinfo}@{host}" if userinfo else host
        text = f"{self.scheme}://{netloc}{self.path or ''}"
        if self.query:
            text += f"?{self.query}"
        if self.fragment:
            text += f"#{self.fragment}"
        self._url = text

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r})"

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other._url == self._url

    def __hash__(self) -> int:
        return hash(self._url)

    def unicode_string(self) -> str:
        return self._url

    @classmethod
    def __fasterapi_validate__(cls, value: Any, loc: tuple, errors: list) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            errors.append(make_error("url_type", loc, "URL input should be a string or URL", value))
            return FAILED
        text = value.strip()
        parts = urlsplit(text)
        if not parts.scheme or "://" not in text:
            errors.append(make_error("url_parsing", loc, "Input should be a valid URL, relative URL without a base", value, {"error": "relative URL without a base"}))
            return FAILED
        if cls.allowed_schemes is not None and parts.scheme not in cls.allowed_schemes:
            expected = " or ".join(f"'{s}'" for s in cls.allowed_schemes)
            errors.append(make_error("url_scheme", loc, f"URL scheme should be {expected}", value, {"expected_schemes": expected}))
            return FAILED
        if not parts.netloc and cls.allowed_schemes is not None:
            errors.append(make_error("url_parsing", loc, "Input should be a valid URL, empty host", value, {"error": "empty host"}))
            return FAILED
        return cls(text)

    @staticmethod
    def __fasterapi_to_json__(value: Any) -> str:
        return str(value)


class HttpUrl(AnyUrl):
    """An http or https URL."""

    allowed_schemes = ("http", "https")
    #: pydantic's UrlConstraints(max_length=2083), stated in the JSON Schema (maxLength).
    max_length: int | None = 2083
    __slots__ = ()


class AnyHttpUrl(HttpUrl):
    max_length = None
    __slots__ = ()
