"""Header fields for the test client: a case-insensitive multi-dict with httpx's API.

Lookups ignore case; ``headers["set-cookie"]`` joins repeated fields with ", " (as httpx
does) while ``get_list`` and ``multi_items`` keep them apart; ``raw`` is what went over the
wire. A response's headers are decoded only when first read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

HeaderInput = Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[Any, Any]] | None


def _text(value: str | bytes) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")


def _wire_bytes(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


class Headers(MutableMapping[str, str]):
    """Ordered ``(name, value)`` fields; names compare without case."""

    __slots__ = ("_fields",)

    def __init__(self, headers: HeaderInput = None) -> None:
        #: ``[name_lower, name, value]`` in order; names and values as str.
        self._fields: list[list[str]] = []
        if headers is None:
            return
        if isinstance(headers, Headers):
            self._fields = [list(f) for f in headers._fields]
            return
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in pairs:
            name, value = _text(name), _text(value)
            self._fields.append([name.lower(), name, value])

    @classmethod
    def _from_wire(cls, raw: list[tuple[bytes, bytes]]) -> Headers:
        headers = cls.__new__(cls)
        headers._fields = [[n.decode("latin-1").lower(), n.decode("latin-1"), _text(v)] for n, v in raw]
        return headers

    # -- reading -----------------------------------------------------------------

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        values = [f[2] for f in self._fields if f[0] == key]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get_list(self, name: str, split_commas: bool = False) -> list[str]:
        key = name.lower()
        values = [f[2] for f in self._fields if f[0] == key]
        if not split_commas:
            return values
        return [part.strip() for value in values for part in value.split(",")]

    def multi_items(self) -> list[tuple[str, str]]:
        return [(f[0], f[2]) for f in self._fields]

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return [(f[1].encode("latin-1"), _wire_bytes(f[2])) for f in self._fields]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return any(f[0] == key for f in self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self) -> list[str]:  # type: ignore[override]
        return list(dict.fromkeys(f[0] for f in self._fields))

    def values(self) -> list[str]:  # type: ignore[override]
        return [self[k] for k in self.keys()]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(k, self[k]) for k in self.keys()]

    def __len__(self) -> int:
        return len(self.keys())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            theirs = other.multi_items()
        elif isinstance(other, (Mapping, list, tuple)):
            theirs = Headers(other).multi_items()
        else:
            return NotImplemented
        return sorted(self.multi_items()) == sorted(theirs)

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"

    def copy(self) -> Headers:
        return Headers(self)

    # -- writing -----------------------------------------------------------------

    def __setitem__(self, name: str, value: str) -> None:
        """Replaces every field of that name by one, where the first one was."""
        key = name.lower()
        value = _text(value)
        at = next((i for i, f in enumerate(self._fields) if f[0] == key), None)
        self._fields = [f for f in self._fields if f[0] != key]
        field = [key, name, value]
        if at is None:
            self._fields.append(field)
        else:
            self._fields.insert(at, field)

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        kept = [f for f in self._fields if f[0] != key]
        if len(kept) == len(self._fields):
            raise KeyError(name)
        self._fields = kept

    def update(self, headers: HeaderInput = None, **kwargs: str) -> None:  # type: ignore[override]
        """Fields of the names in ``headers`` are replaced by ``headers``' own (all of them)."""
        new = Headers(headers)
        new._fields += Headers(kwargs)._fields
        replaced = {f[0] for f in new._fields}
        self._fields = [f for f in self._fields if f[0] not in replaced] + new._fields
