"""The test client's cookie jar, with httpx's ``Cookies`` API over the standard library's
``http.cookiejar`` (the same rules httpx applies: domains, paths, expiry, ``Max-Age=0``
deleting a cookie). A client keeps one across requests, so ``Set-Cookie`` persists."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator, Mapping, MutableMapping
from http.cookiejar import Cookie, CookieJar
from typing import Any


class Cookies(MutableMapping[str, str]):
    __slots__ = ("jar",)

    def __init__(self, cookies: Mapping[str, str] | list[tuple[str, str]] | CookieJar | Cookies | None = None) -> None:
        if isinstance(cookies, CookieJar):
            self.jar = cookies
            return
        self.jar = CookieJar()
        if isinstance(cookies, Cookies):
            for cookie in cookies.jar:
                self.jar.set_cookie(cookie)
        elif isinstance(cookies, Mapping):
            for name, value in cookies.items():
                self.set(name, value)
        elif cookies is not None:
            for name, value in cookies:
                self.set(name, value)

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self.jar.set_cookie(Cookie(
            version=0, name=name, value=value, port=None, port_specified=False, domain=domain,
            domain_specified=bool(domain), domain_initial_dot=domain.startswith("."), path=path,
            path_specified=bool(path), secure=False, expires=None, discard=True, comment=None,
            comment_url=None, rest={"HttpOnly": None}, rfc2109=False,
        ))

    def get(self, name: str, default: str | None = None, domain: str | None = None, path: str | None = None) -> str | None:  # type: ignore[override]
        value = None
        for cookie in self.jar:
            if cookie.name == name and (domain is None or cookie.domain == domain) and (path is None or cookie.path == path):
                if value is not None:
                    raise KeyError(f"Multiple cookies exist with name={name}")
                value = cookie.value
        return default if value is None else value

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        if domain is not None and path is not None:
            self.jar.clear(domain, path, name)
            return
        for cookie in [c for c in self.jar if c.name == name]:
            if (domain is None or cookie.domain == domain) and (path is None or cookie.path == path):
                self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:  # type: ignore[override]
        if domain is None:
            self.jar.clear()
        elif path is None:
            self.jar.clear(domain)
        else:
            self.jar.clear(domain, path)

    def update(self, cookies: Any = None) -> None:  # type: ignore[override]
        for cookie in Cookies(cookies).jar:
            self.jar.set_cookie(cookie)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        self.delete(name)

    def __len__(self) -> int:
        return len(self.jar)

    def __iter__(self) -> Iterator[str]:
        return (cookie.name for cookie in self.jar)

    def __bool__(self) -> bool:
        return any(True for _ in self.jar)

    def __repr__(self) -> str:
        return f"<Cookies[{', '.join(f'<Cookie {c.name}={c.value} for {c.domain} />' for c in self.jar)}]>"

    # -- what a client does with a jar -------------------------------------------

    def header_for(self, url: str) -> str | None:
        """The ``Cookie`` header the jar sends to ``url``, or None."""
        request = urllib.request.Request(url)
        self.jar.add_cookie_header(request)
        return request.get_header("Cookie")

    def extract(self, url: str, set_cookies: list[str]) -> None:
        """Stores the ``Set-Cookie`` values of a response to ``url``."""
        self.jar.extract_cookies(_SetCookies(set_cookies), urllib.request.Request(url))  # type: ignore[arg-type]


class _SetCookies:
    """What ``CookieJar.extract_cookies`` reads of a response: ``info().get_all(name)``."""

    def __init__(self, values: list[str]) -> None:
        self.values = values

    def info(self) -> _SetCookies:
        return self

    def get_all(self, name: str, default: Any = None) -> Any:
        return self.values if name.lower() == "set-cookie" else default
