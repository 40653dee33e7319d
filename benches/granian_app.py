"""RSGI app for Granian with the same endpoints and byte-identical bodies as examples/hello.py.

    granian --interface rsgi --workers 1 benches.granian_app:app

Used by scripts/bench as the baseline. Keep bodies and content types in sync with
examples/hello.py (scripts/bench compares them before measuring and warns on a mismatch).
"""

import json
from urllib.parse import parse_qs

PLAINTEXT = b"Hello, World!"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


def _json(obj) -> bytes:
    # Compact, like fasterapi's encoder and orjson: {"a":1}
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


JSON_BODY = _json({"message": "Hello, World!"})
NOT_FOUND = _json({"detail": "Not Found"})


def user_body(user_id: int, q) -> bytes:
    return _json({"user_id": user_id, "q": q})


def _query(scope) -> dict:
    qs = scope.query_string
    return parse_qs(qs, keep_blank_values=True) if qs else {}


async def app(scope, proto):
    if scope.proto != "http":
        return
    path = scope.path
    if path == "/plaintext":
        proto.response_bytes(200, [("content-type", TEXT)], PLAINTEXT)
    elif path == "/json":
        proto.response_bytes(200, [("content-type", JSON)], JSON_BODY)
    elif path.startswith("/users/"):
        try:
            user_id = int(path[len("/users/"):])
        except ValueError:
            proto.response_bytes(422, [("content-type", JSON)], _json({"detail": "invalid user_id"}))
            return
        q = _query(scope).get("q", [None])[-1]
        proto.response_bytes(200, [("content-type", JSON)], user_body(user_id, q))
    elif path == "/cpu":
        n = int(_query(scope).get("n", ["3000"])[-1])
        proto.response_bytes(200, [("content-type", JSON)], _json({"result": sum(i * i for i in range(n))}))
    else:
        proto.response_bytes(404, [("content-type", JSON)], NOT_FOUND)
