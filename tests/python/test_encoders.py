from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from decimal import Decimal

from fasterapi import jsonable_encoder
from fasterapi.encoders import encode_fallback


class Color(enum.Enum):
    red = "red"


@dataclasses.dataclass
class Point:
    x: int
    color: Color
    when: datetime.date


class Plain:
    def __init__(self) -> None:
        self.a = 1
        self.b = {2, 3}


def test_jsonable_encoder():
    u = uuid.UUID(int=5)
    assert jsonable_encoder(Point(1, Color.red, datetime.date(2024, 1, 2))) == {"x": 1, "color": "red", "when": "2024-01-02"}
    assert jsonable_encoder(u) == str(u)
    assert jsonable_encoder(datetime.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert jsonable_encoder(datetime.time(1, 2)) == "01:02:00"
    assert jsonable_encoder(Decimal("1.5")) == 1.5
    assert jsonable_encoder(Decimal("2")) == 2 and isinstance(jsonable_encoder(Decimal("2")), int)
    assert sorted(jsonable_encoder(frozenset({1, 2}))) == [1, 2]
    assert jsonable_encoder(b"ab") == "ab"
    assert jsonable_encoder({"k": (1, [Color.red])}) == {"k": [1, ["red"]]}
    assert jsonable_encoder(Plain())["a"] == 1
    assert sorted(jsonable_encoder(Plain())["b"]) == [2, 3]
    assert jsonable_encoder(None) is None


def test_encode_fallback_is_compact_json():
    assert encode_fallback({"p": Point(1, Color.red, datetime.date(2024, 1, 2))}) == b'{"p":{"x":1,"color":"red","when":"2024-01-02"}}'
