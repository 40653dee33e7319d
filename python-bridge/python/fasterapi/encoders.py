"""``jsonable_encoder`` and the bridge's JSON fallback.

The native ``json_dumps`` only knows the JSON types. Everything else an
endpoint may return (dataclasses, enums, UUIDs, datetimes, decimals, sets...)
is first turned into JSON types here, following FastAPI's rules.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import re
import uuid
from collections import deque
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from types import GeneratorType
from typing import Any

from fasterapi import _native


def _decimal(value: Decimal) -> int | float:
    # FastAPI: a Decimal without fractional digits becomes an int, else a float.
    if value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value)
    return float(value)


# Exact-type table for the leaf types; subclasses are caught by the isinstance
# walk below.
_ENCODERS_BY_TYPE: dict[type, Any] = {
    bytes: lambda o: o.decode(),
    datetime.date: lambda o: o.isoformat(),
    datetime.datetime: lambda o: o.isoformat(),
    datetime.time: lambda o: o.isoformat(),
    datetime.timedelta: lambda o: o.total_seconds(),
    Decimal: _decimal,
    uuid.UUID: str,
    PurePath: str,
    ipaddress.IPv4Address: str,
    ipaddress.IPv6Address: str,
    ipaddress.IPv4Network: str,
    ipaddress.IPv6Network: str,
    ipaddress.IPv4Interface: str,
    ipaddress.IPv6Interface: str,
    re.Pattern: lambda o: o.pattern,
}

_SEQUENCES = (list, set, frozenset, tuple, deque, GeneratorType)


def jsonable_encoder(
    obj: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Any] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Return ``obj`` converted to ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``.

    Models are dumped in JSON mode with the given options (``by_alias`` defaults to True, as
    in FastAPI); ``custom_encoder`` maps types to functions tried first.
    """
    if custom_encoder:
        for cls, encoder in custom_encoder.items():
            if isinstance(obj, cls):
                return encoder(obj)
    if obj is None or isinstance(obj, (str, int, float)):
        # bool is an int; str/int subclass enums are handled before returning
        # only when they are Enum members.
        if isinstance(obj, Enum):
            return jsonable_encoder(obj.value)
        return obj
    dump = getattr(obj, "model_dump", None)
    if dump is not None and getattr(type(obj), "__fasterapi_kind__", None) == "model":
        return dump(
            mode="json", include=include, exclude=exclude, by_alias=by_alias,
            exclude_unset=exclude_unset, exclude_defaults=exclude_defaults, exclude_none=exclude_none,
        )
    if exclude_none and isinstance(obj, dict):
        return {jsonable_encoder(k): jsonable_encoder(v, exclude_none=True) for k, v in obj.items() if v is not None}
    if isinstance(obj, Enum):
        return jsonable_encoder(obj.value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {jsonable_encoder(k): jsonable_encoder(v) for k, v in obj.items()}
    if isinstance(obj, _SEQUENCES):
        return [jsonable_encoder(item) for item in obj]
    encoder = _ENCODERS_BY_TYPE.get(type(obj))
    if encoder is not None:
        return encoder(obj)
    for cls, encoder in _ENCODERS_BY_TYPE.items():
        if isinstance(obj, cls):
            return encoder(obj)
    # Arbitrary objects: FastAPI tries dict(obj), then vars(obj).
    try:
        data = dict(obj)
    except Exception as dict_error:
        try:
            data = vars(obj)
        except Exception as vars_error:
            raise ValueError([dict_error, vars_error]) from vars_error
    return jsonable_encoder(data)


def encode_fallback(value: Any) -> bytes:
    """JSON bytes for a value the native encoder refused (bridge contract, section 2)."""
    schema = getattr(type(value), "__fasterapi_schema__", None)
    if schema is not None:  # a model returned without a response_model: its own serializer
        return _native.schema_dump_json(schema, value, True, True, False, False, False, None, None)
    return _native.json_dumps(jsonable_encoder(value))
