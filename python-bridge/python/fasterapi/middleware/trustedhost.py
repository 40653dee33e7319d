"""``TrustedHostMiddleware``, applied natively by the server (``server/src/layers/host.rs``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fasterapi.middleware import NativeLayer

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."


class TrustedHostMiddleware(NativeLayer):
    def __init__(self, app: Any = None, allowed_hosts: Sequence[str] | None = None, www_redirect: bool = True) -> None:
        if allowed_hosts is None:
            allowed_hosts = ["*"]
        for pattern in allowed_hosts:
            # Starlette asserts; a ValueError says the same and survives `python -O`.
            if "*" in pattern[1:] or (pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")):
                raise ValueError(ENFORCE_DOMAIN_WILDCARD)
        self.allowed_hosts = [pattern.lower() for pattern in allowed_hosts]
        self.www_redirect = bool(www_redirect)

    def native_layer(self) -> dict[str, Any]:
        return {"kind": "trusted_host", "allowed_hosts": self.allowed_hosts, "www_redirect": self.www_redirect}
