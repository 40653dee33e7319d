"""TestClient speed (issue 8): 1,000 ``GET /json`` through ``fasterapi.testclient.TestClient``.

In-process, main interpreter, no sockets: the time a test suite pays per request. FastAPI's
own TestClient on the same app source is measured alongside for context (when FastAPI is
installed). Best of ``--rounds``; ``--json`` prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benches` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benches.app_source import load

REQUESTS = 1000
TARGET_SECONDS = 0.3


def seconds_for(client_cls: type, app: object, requests: int, rounds: int) -> float:
    """Best wall time of ``rounds`` runs of ``requests`` GET /json, every answer checked."""
    best = float("inf")
    with client_cls(app) as client:
        for _ in range(3):  # warm up
            client.get("/json")
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(requests):
                response = client.get("/json")
            best = min(best, time.perf_counter() - start)
            if response.status_code != 200 or response.json() != {"message": "Hello, World!"}:
                raise SystemExit(f"{client_cls.__module__}: GET /json answered {response.status_code}: {response.text!r}")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=REQUESTS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from fasterapi.testclient import TestClient

    result = {"requests": args.requests, "target_seconds": TARGET_SECONDS,
              "fasterapi_seconds": seconds_for(TestClient, load("fasterapi").app, args.requests, args.rounds)}
    try:
        from fastapi.testclient import TestClient as FastAPITestClient
    except ImportError:
        result["fastapi_seconds"] = None
    else:
        result["fastapi_seconds"] = seconds_for(FastAPITestClient, load("fastapi").app, args.requests, args.rounds)
    if args.json:
        print(json.dumps(result))
        return
    ours = result["fasterapi_seconds"]
    print(f"fasterapi TestClient: {args.requests} x GET /json in {ours:.3f} s "
          f"({ours / args.requests * 1e6:.0f} us each; target < {TARGET_SECONDS} s: {'met' if ours < TARGET_SECONDS else 'NOT met'})")
    if result["fastapi_seconds"] is not None:
        theirs = result["fastapi_seconds"]
        print(f"FastAPI TestClient:   {args.requests} x GET /json in {theirs:.3f} s ({theirs / args.requests * 1e6:.0f} us each)")


if __name__ == "__main__":
    main()
