"""``GZipMiddleware`` with Starlette's options and rules, applied natively by the server
(``server/src/layers/gzip.rs``)."""

from __future__ import annotations

from typing import Any

from fasterapi.middleware import NativeLayer

DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)


class GZipMiddleware(NativeLayer):
    def __init__(
        self,
        app: Any = None,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = 128 * 1024,
        *,
        exclude_content_types: tuple[str, ...] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        if not isinstance(minimum_size, int) or minimum_size < 0:
            raise ValueError(f"GZipMiddleware minimum_size must be an int >= 0, not {minimum_size!r}")
        if not isinstance(compresslevel, int) or not 0 <= compresslevel <= 9:
            raise ValueError(f"GZipMiddleware compresslevel must be an int from 0 to 9, not {compresslevel!r}")
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        # Accepted for Starlette compatibility: the server compresses on the core, there is
        # no thread to hand large bodies to.
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = tuple(ct.partition(";")[0].strip().lower() for ct in exclude_content_types)

    def native_layer(self) -> dict[str, Any]:
        return {
            "kind": "gzip",
            "minimum_size": self.minimum_size,
            "compresslevel": self.compresslevel,
            "exclude_content_types": list(self.exclude_content_types),
        }
