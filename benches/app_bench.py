"""The application-structure benchmarks of issue 8, run by scripts/bench-app.

One core: servers pinned to CPU 0, wrk (-t1 -c64) pinned to CPU 1. The app is
benches/app_source.py, the same source for FasterAPI and FastAPI. Measures

- FasterAPI ``GET /json`` and ``GET /users/me`` (two nested dependencies on
  ``OAuth2PasswordBearer``, ``Authorization: Bearer`` sent), interleaved;
- the same app with ``CORSMiddleware`` + ``GZipMiddleware`` installed: ``GET /json`` as wrk
  sends it (no Origin, no Accept-Encoding) and as a browser on an allowed origin sends it
  (``Origin`` + ``Accept-Encoding: gzip``; the CORS headers are added, the short body is
  below ``minimum_size`` so it is not compressed), interleaved with the runs above;
- ``GET /users/me`` on FastAPI under uvicorn (uvloop), same interpreter and core;
- the in-process TestClient (benches/testclient_bench.py): 1,000 ``GET /json``;

and prints a markdown table with each target and whether this run met it (``--json``: the
numbers). Before measuring, every server's answers are checked (200 with the user for a good
token, 401 with ``WWW-Authenticate: Bearer`` without one, CORS headers on the middleware app),
so the rps compare the same work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benches` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benches.app_source import TOKEN
from benches.exec_bench import LOAD_CPU, ROOT, SERVER_CPU, Proc, free_port, wrk

DEPS_VS_JSON_TARGET = 0.70
DEPS_VS_FASTAPI_TARGET = 10.0
MIDDLEWARE_VS_JSON_TARGET = 0.80
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BROWSER = {"Origin": "https://example.com", "Accept-Encoding": "gzip, deflate, br"}


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def check_app(name: str, port: int, middleware: bool = False) -> None:
    """Stop the run if the server does not answer what the benchmark assumes."""
    status, _, body = get(port, "/users/me", AUTH)
    if status != 200 or json.loads(body).get("username") != "alice":
        raise SystemExit(f"{name}: GET /users/me with a good token answered {status}: {body[:200]!r}")
    status, headers, body = get(port, "/users/me", {})
    if status != 401 or headers.get("www-authenticate") != "Bearer":
        raise SystemExit(f"{name}: GET /users/me without a token answered {status} {headers}: {body[:200]!r}")
    if middleware:
        status, headers, body = get(port, "/json", BROWSER)
        if status != 200 or headers.get("access-control-allow-origin") != "https://example.com":
            raise SystemExit(f"{name}: GET /json from an allowed origin lacks CORS headers: {status} {headers}")


def best(runs: list[dict]) -> dict:
    fastest = max(runs, key=lambda r: r["rps"])
    return {"rps": fastest["rps"], "p99": fastest["p99"], "errors": sum(r["errors"] for r in runs)}


def measure_fasterapi(fasterapi: str, duration: str, logdir: Path) -> dict:
    cores = f"{SERVER_CPU}-{SERVER_CPU}"
    port, mw_port = free_port(), free_port()
    plain = Proc("fasterapi-app", [fasterapi, "run", "benches.app_fasterapi:app", "--host", "127.0.0.1", "--port",
                                   str(port), "--cores", cores], SERVER_CPU, logdir=logdir)
    with_mw = Proc("fasterapi-app-middleware", [fasterapi, "run", "benches.app_fasterapi_middleware:app", "--host",
                                                "127.0.0.1", "--port", str(mw_port), "--cores", cores],
                   SERVER_CPU, logdir=logdir)
    try:
        plain.wait_port(port, "/json")
        with_mw.wait_port(mw_port, "/json")
        check_app("FasterAPI", port)
        check_app("FasterAPI with middleware", mw_port, middleware=True)
        base, mw_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{mw_port}"
        # Warm up: sync handlers start in the pool and move inline once measured quick.
        for url, headers in ((f"{base}/json", None), (f"{base}/users/me", AUTH), (f"{mw_base}/json", BROWSER)):
            wrk(url, duration="3s", headers=headers)
        runs: dict[str, list[dict]] = {"json": [], "deps": [], "mw_json": [], "mw_json_browser": []}
        # Interleaved, so a slow spell of the machine hits every endpoint alike.
        for _ in range(2):
            runs["json"].append(wrk(f"{base}/json", duration=duration))
            runs["deps"].append(wrk(f"{base}/users/me", duration=duration, headers=AUTH))
            runs["mw_json"].append(wrk(f"{mw_base}/json", duration=duration))
            runs["mw_json_browser"].append(wrk(f"{mw_base}/json", duration=duration, headers=BROWSER))
        return {k: best(v) for k, v in runs.items()}
    finally:
        plain.stop()
        with_mw.stop()


def measure_fastapi(uvicorn: str, duration: str, logdir: Path) -> dict:
    port = free_port()
    server = Proc("uvicorn-app", [uvicorn, "benches.app_fastapi:app", "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", "1", "--log-level", "warning", "--no-access-log", "--loop", "uvloop"],
                  SERVER_CPU, logdir=logdir)
    try:
        server.wait_port(port, "/json")
        check_app("FastAPI", port)
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/users/me", duration="2s", headers=AUTH)
        return {"json": best([wrk(f"{base}/json", duration=duration)]),
                "deps": best([wrk(f"{base}/users/me", duration=duration, headers=AUTH) for _ in range(2)])}
    finally:
        server.stop()


def measure_testclient(python: str) -> dict:
    done = subprocess.run(["taskset", "-c", SERVER_CPU, python, "benches/testclient_bench.py", "--json"], cwd=ROOT,
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"benches/testclient_bench.py failed (status {done.returncode}):\n{done.stderr[-3000:]}")


def share_row(what: str, ours: dict, reference: dict, target: float) -> tuple[str, str, str, str]:
    share = ours["rps"] / reference["rps"] if reference["rps"] else 0.0
    return (what, f"{ours['rps']:,.0f} rps = {share:.0%} of /json (p99 {ours['p99'] * 1000:.2f} ms, errors {ours['errors']})",
            f">= {target:.0%} of /json", "met" if share >= target and not ours["errors"] else "NOT met")


def rows_for(result: dict) -> list[tuple[str, str, str, str]]:
    fa = result["fasterapi"]
    rows = [("FasterAPI `GET /json`", f"{fa['json']['rps']:,.0f} rps (p99 {fa['json']['p99'] * 1000:.2f} ms)",
             "(the reference)", "measured"),
            share_row("`GET /users/me`: 2 nested dependencies + `OAuth2PasswordBearer`", fa["deps"], fa["json"],
                      DEPS_VS_JSON_TARGET)]
    theirs = result.get("fastapi")
    if theirs and theirs["deps"]["rps"]:
        x = fa["deps"]["rps"] / theirs["deps"]["rps"]
        rows.append(("`GET /users/me` vs FastAPI on uvicorn (uvloop)",
                     f"{fa['deps']['rps']:,.0f} vs {theirs['deps']['rps']:,.0f} rps = {x:.1f}x "
                     f"(FastAPI /json {theirs['json']['rps']:,.0f} rps)",
                     f">= {DEPS_VS_FASTAPI_TARGET:g}x", "met" if x >= DEPS_VS_FASTAPI_TARGET else "NOT met"))
    else:
        rows.append(("`GET /users/me` vs FastAPI on uvicorn", "-", f">= {DEPS_VS_FASTAPI_TARGET:g}x", "FastAPI not measured"))
    rows.append(share_row("CORS + GZip installed, `GET /json` (wrk's request)", fa["mw_json"], fa["json"],
                          MIDDLEWARE_VS_JSON_TARGET))
    rows.append(share_row("CORS + GZip installed, `GET /json` from an allowed origin, gzip accepted", fa["mw_json_browser"],
                          fa["json"], MIDDLEWARE_VS_JSON_TARGET))
    tc = result["testclient"]
    extra = f"; FastAPI's TestClient {tc['fastapi_seconds']:.3f} s" if tc.get("fastapi_seconds") else ""
    rows.append((f"TestClient, {tc['requests']:,} x `GET /json`", f"{tc['fasterapi_seconds']:.3f} s{extra}",
                 f"< {tc['target_seconds']} s", "met" if tc["fasterapi_seconds"] < tc["target_seconds"] else "NOT met"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fasterapi", required=True, help="the fasterapi console script")
    ap.add_argument("--python", required=True, help="a python with fasterapi and fastapi (the dev .venv)")
    ap.add_argument("--uvicorn", help="uvicorn of the bench venv (same interpreter); omit to skip FastAPI")
    ap.add_argument("--duration", default="10s", help="wrk duration per run")
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = ap.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logdir = Path(tempfile.mkdtemp(prefix="fasterapi-bench-app."))

    result: dict = {"logs": str(logdir), "duration": args.duration}
    result["testclient"] = measure_testclient(args.python)
    result["fasterapi"] = measure_fasterapi(args.fasterapi, args.duration, logdir)
    if args.uvicorn:
        result["fastapi"] = measure_fastapi(args.uvicorn, args.duration, logdir)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print(f"One core: server on CPU {SERVER_CPU}, wrk -t1 -c64 on CPU {LOAD_CPU}, {args.duration} per run (best of 2)")
    print()
    print("| measurement | result | target | this run |")
    print("|---|---|---|---|")
    for row in rows_for(result):
        print("| " + " | ".join(row) + " |")
    print(f"\nlogs: {logdir}")


if __name__ == "__main__":
    main()
