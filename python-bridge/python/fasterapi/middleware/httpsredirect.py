"""``HTTPSRedirectMiddleware``: the server speaks plain HTTP, so every request is redirected
(307) to the same URL with ``https``; applied natively (``server/src/layers/host.rs``)."""

from __future__ import annotations

from typing import Any

from fasterapi.middleware import NativeLayer


class HTTPSRedirectMiddleware(NativeLayer):
    def __init__(self, app: Any = None) -> None:
        pass

    def native_layer(self) -> dict[str, Any]:
        return {"kind": "https_redirect"}
