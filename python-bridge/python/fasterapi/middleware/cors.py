"""``CORSMiddleware`` with Starlette's options and answers, applied natively by the server
(``server/src/layers/cors.rs``)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from fasterapi.middleware import NativeLayer

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = {"Accept", "Accept-Language", "Content-Language", "Content-Type"}


class CORSMiddleware(NativeLayer):
    def __init__(
        self,
        app: Any = None,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        if allow_origin_regex is not None:
            # Checked here for a Python error at startup; the server matches it with Rust's
            # regex crate, which has no look-around or backreferences (refused at startup).
            re.compile(allow_origin_regex)
        for name, values in (("allow_origins", allow_origins), ("allow_methods", allow_methods),
                             ("allow_headers", allow_headers), ("expose_headers", expose_headers)):
            if isinstance(values, str) or not all(isinstance(v, str) for v in values):
                raise TypeError(f"CORSMiddleware {name} must be a collection of str, not {values!r}")
        self.allow_origins = list(allow_origins)
        self.allow_methods = list(allow_methods)
        self.allow_headers = list(allow_headers)
        self.allow_credentials = bool(allow_credentials)
        self.allow_origin_regex = allow_origin_regex
        self.allow_private_network = bool(allow_private_network)
        self.expose_headers = list(expose_headers)
        self.max_age = int(max_age)

    def native_layer(self) -> dict[str, Any]:
        return {
            "kind": "cors",
            "allow_origins": self.allow_origins,
            "allow_methods": self.allow_methods,
            "allow_headers": self.allow_headers,
            "allow_credentials": self.allow_credentials,
            "allow_origin_regex": self.allow_origin_regex,
            "allow_private_network": self.allow_private_network,
            "expose_headers": self.expose_headers,
            "max_age": self.max_age,
        }
