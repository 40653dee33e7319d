"""Small container types shared by requests and responses.

They mirror the Starlette classes of the same names closely enough for
application code, but they are built directly over the plain lists the native
server hands us, so nothing is copied until it is actually looked at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, NamedTuple


class Address(NamedTuple):
    """The peer (or local) address of a connection, like ``starlette.datastructures.Address``."""

    host: str
    port: int


class URL:
    """The request URL. Only what applications commonly read, built lazily."""

    __slots__ = ("scheme", "netloc", "path", "query")

    def __init__(self, scheme: str, netloc: str, path: str, query: str) -> None:
        self.scheme = scheme
        self.netloc = netloc
        self.path = path
        self.query = query

    @property
    def hostname(self) -> str:
        host = self.netloc
        if host.startswith("["):  # IPv6 literal: "[::1]:8000"
            return host[1 : host.index("]")]
        return host.rpartition(":")[0] if ":" in host else host

    @property
    def port(self) -> int | None:
        host, sep, port = self.netloc.rpartition(":")
        if sep and port.isdigit() and not host.endswith(":"):
            return int(port)
        return None

    def replace(self, *, scheme: str | None = None, netloc: str | None = None, path: str | None = None, query: str | None = None) -> "URL":
        return URL(
            self.scheme if scheme is None else scheme,
            self.netloc if netloc is None else netloc,
            self.path if path is None else path,
            self.query if query is None else query,
        )

    def __str__(self) -> str:
        url = f"{self.scheme}://{self.netloc}{self.path}"
        return f"{url}?{self.query}" if self.query else url

    def __repr__(self) -> str:
        return f"URL({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class ImmutableMultiDict(Mapping[str, str]):
    """A read-only mapping that remembers every value of a repeated key.

    ``d[key]`` and ``d.get(key)`` give the *last* value, as Starlette does;
    ``getlist`` gives all of them in order.
    """

    __slots__ = ("_list", "_dict")

    def __init__(self, items: list[tuple[str, str]] | Mapping[str, str] | None = None) -> None:
        if items is None:
            items = []
        elif isinstance(items, Mapping):
            items = list(items.items())
        else:
            items = list(items)
        self._list = items
        self._dict = dict(items)  # dict() keeps the last value of a repeated key

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._list)

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImmutableMultiDict):
            return sorted(self._list) == sorted(other._list)
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class QueryParams(ImmutableMultiDict):
    """The parsed query string of a request."""

    __slots__ = ()

    def __str__(self) -> str:
        from urllib.parse import urlencode

        return urlencode(self._list)


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive request headers.

    Built over the native ``list[tuple[str, str]]`` (names already lower-case).
    Like Starlette, ``headers[name]`` and ``get`` return the *first* value and
    ``getlist`` returns all of them.
    """

    __slots__ = ("_list",)

    def __init__(self, raw: list[tuple[str, str]] | Mapping[str, str] | None = None) -> None:
        if raw is None:
            raw = []
        elif isinstance(raw, Mapping):
            raw = [(k.lower(), v) for k, v in raw.items()]
        self._list = raw

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self._list]

    def getlist(self, key: str) -> list[str]:
        key = key.lower()
        return [v for k, v in self._list if k == key]

    def keys(self):  # type: ignore[override]
        return [k for k, _ in self._list]

    def values(self):  # type: ignore[override]
        return [v for _, v in self._list]

    def items(self):  # type: ignore[override]
        return list(self._list)

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for k, v in self._list:
            if k == key:
                return v
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        key = key.lower()
        return any(k == key for k, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self._list) == sorted(other._list)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Headers({self._list!r})"


class MutableHeaders(MutableMapping[str, str]):
    """A case-insensitive, writable view over a response's ``raw_headers``.

    It does not copy: ``raw_headers`` is the list the server sends, so
    ``response.headers["x-a"] = "1"`` changes the response itself. Names are
    stored lower-case, as the bridge contract requires.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def getlist(self, key: str) -> list[str]:
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw if k == name]

    def append(self, key: str, value: str) -> None:
        """Add a header without replacing existing ones (e.g. a second set-cookie)."""
        self.raw.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def setdefault(self, key: str, value: str) -> str:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            self.append(key, value)
            return value

    def keys(self):  # type: ignore[override]
        return [k.decode("latin-1") for k, _ in self.raw]

    def values(self):  # type: ignore[override]
        return [v.decode("latin-1") for _, v in self.raw]

    def items(self):  # type: ignore[override]
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw]

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for k, v in self.raw:
            if k == name:
                return v.decode("latin-1")
        raise KeyError(key)

    def __setitem__(self, key: str, value: str) -> None:
        # Replace every existing value in place (keeping the first position),
        # as Starlette's MutableHeaders does.
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        found = None
        for i in reversed(range(len(self.raw))):
            if self.raw[i][0] == name:
                if found is not None:
                    del self.raw[found]
                found = i
        if found is None:
            self.raw.append((name, encoded))
        else:
            self.raw[found] = (name, encoded)

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        kept = [item for item in self.raw if item[0] != name]
        if len(kept) == len(self.raw):
            raise KeyError(key)
        self.raw[:] = kept

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower().encode("latin-1")
        return any(k == name for k, _ in self.raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"MutableHeaders({self.items()!r})"


class State:
    """An attribute bag (``app.state``, ``request.state``)."""

    def __init__(self, state: dict | None = None) -> None:
        self.__dict__.update(state or {})

    def __repr__(self) -> str:
        return f"State({self.__dict__!r})"


class UploadFile:
    """A file sent in a ``multipart/form-data`` body, as Starlette's ``UploadFile``.

    ``file`` is a ``SpooledTemporaryFile``: in memory up to 1 MiB, on disk past that.
    ``filename``, ``content_type`` (the part's ``Content-Type``, or ``None``), ``size`` (bytes)
    and ``headers`` (the part's headers) describe it. ``await read()/write()/seek()/close()``
    work as in Starlette; sync endpoints use ``file`` directly (``file.read()``). The async
    methods touch the file directly rather than in a thread pool: the part is already on this
    machine (in memory or in a local temporary file), and a core has no pool to hop to.

    As a parameter annotation (``file: UploadFile``) it declares a file field of the form.
    """

    #: The type layer's kind (fasterapi._types): validated by ``__fasterapi_validate__``.
    __fasterapi_kind__ = "upload"

    def __init__(
        self,
        file: Any,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: "Headers | None" = None,
    ) -> None:
        self.filename = filename
        self.file = file
        self.size = size
        self.headers = headers if headers is not None else Headers()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type", None)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        self.file.write(data)

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def seek(self, offset: int) -> None:
        self.file.seek(offset)

    async def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, headers={self.headers!r})"

    @staticmethod
    def __fasterapi_validate__(value: Any, loc: tuple, errors: list) -> Any:
        # FastAPI's UploadFile validator: anything but an uploaded file (a plain form field
        # of the same name, say) is a value_error with this message. As in pydantic, the
        # context holds the exception itself (JSON renders it as {}).
        if isinstance(value, UploadFile):
            return value
        from fasterapi._leaf_validators import FAILED, make_error

        message = f"Expected UploadFile, received: {type(value)}"
        errors.append(make_error("value_error", loc, f"Value error, {message}", value, {"error": ValueError(message)}))
        return FAILED


class FormData(ImmutableMultiDict):
    """A parsed form: text fields (``str``) and files (``UploadFile``), in the order sent.

    ``form[key]``/``get`` give the last value of a repeated key, ``getlist`` all of them.
    """

    __slots__ = ()

    def has_files(self) -> bool:
        return any(isinstance(value, UploadFile) for _, value in self._list)

    def close_files(self) -> None:
        """Close every file of the form (their temporary files are deleted)."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                value.file.close()

    async def close(self) -> None:
        self.close_files()
