"""The models benchmarks of issue 7, run by scripts/bench-models.

One core: the server pinned to CPU 0, wrk (-t1 -c64) pinned to CPU 1. Measures

- FasterAPI ``GET /json`` and ``POST /items`` (the 1 KB order of benches/items_models.py,
  validated into the nested model and returned through ``response_model``), interleaved;
- the same endpoints on FastAPI + pydantic under uvicorn (uvloop), same interpreter;
- validation alone (benches/models_bench.py, pinned to CPU 0, nothing else of ours running);
- startup of a 100-model, 200-route app on 2 cores (benches/startup_bench.py);

and prints a markdown table: each measurement, its target, and whether this run met it
(``--json``: the numbers instead). Ratios are taken within one run. Before measuring, each
server's answer to POST /items must be the body it was sent (the document round-trips
unchanged through both libraries), so the rps compare the same work.
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

from benches.exec_bench import LOAD_CPU, ROOT, SERVER_CPU, Proc, free_port, wrk
from benches.items_models import document_json

ITEMS_VS_JSON_TARGET = 0.70
ITEMS_VS_FASTAPI_TARGET = 10.0
STARTUP_TARGET_SECONDS = 1.0
VALIDATION_TARGET_RATIO = 1.2


def roundtrip_problem(port: int, body: bytes) -> str | None:
    """Why POST /items does not answer 200 with the body it was sent (None when it does)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/items", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
    finally:
        conn.close()
    if response.status != 200:
        return f"POST /items answered {response.status}: {answer[:300]!r}"
    if json.loads(answer) != json.loads(body):
        return f"POST /items changed the document: {answer[:300]!r}"
    return None


def best(runs: list[dict]) -> dict:
    """The fastest of some wrk runs, with the errors of all of them."""
    fastest = max(runs, key=lambda r: r["rps"])
    return {"rps": fastest["rps"], "p99": fastest["p99"], "errors": sum(r["errors"] for r in runs)}


def measure_fasterapi(fasterapi: str, body: bytes, duration: str, logdir: Path) -> dict:
    port = free_port()
    server = Proc("fasterapi-items", [fasterapi, "run", "benches.items_app:app", "--host", "127.0.0.1", "--port",
                                      str(port), "--cores", f"{SERVER_CPU}-{SERVER_CPU}"], SERVER_CPU, logdir=logdir)
    try:
        server.wait_port(port, "/json")
        problem = roundtrip_problem(port, body)
        if problem:
            raise SystemExit(f"FasterAPI: {problem}")
        base = f"http://127.0.0.1:{port}"
        # Warm up: sync handlers start in the pool and move inline once measured quick.
        wrk(f"{base}/json", duration="3s")
        wrk(f"{base}/items", duration="3s", script="items_post.lua")
        # Interleaved, so a slow spell of the machine hits both endpoints alike.
        json_runs, items_runs = [], []
        for _ in range(2):
            json_runs.append(wrk(f"{base}/json", duration=duration))
            items_runs.append(wrk(f"{base}/items", duration=duration, script="items_post.lua"))
    finally:
        server.stop()
    return {"json": best(json_runs), "items": best(items_runs)}


def measure_fastapi(uvicorn: str, body: bytes, duration: str, logdir: Path) -> dict:
    port = free_port()
    server = Proc("uvicorn-items", [uvicorn, "benches.items_fastapi:app", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", "1", "--log-level", "warning", "--no-access-log", "--loop", "uvloop"],
                  SERVER_CPU, logdir=logdir)
    try:
        server.wait_port(port, "/json")
        problem = roundtrip_problem(port, body)
        if problem:
            raise SystemExit(f"FastAPI: {problem}")
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/items", duration="2s", script="items_post.lua")
        return {"json": best([wrk(f"{base}/json", duration=duration)]),
                "items": best([wrk(f"{base}/items", duration=duration, script="items_post.lua") for _ in range(2)])}
    finally:
        server.stop()


def run_json(cmd: list[str], what: str) -> dict:
    """A benchmark script's --json output (its exit status and stderr reported on failure)."""
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)))
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{what} failed (status {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    result["exit_status"] = done.returncode
    return result


def rows_for(result: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    fa = result["fasterapi"]
    share = fa["items"]["rps"] / fa["json"]["rps"] if fa["json"]["rps"] else 0.0
    rows.append(("FasterAPI `GET /json`", f"{fa['json']['rps']:,.0f} rps (p99 {fa['json']['p99'] * 1000:.2f} ms)",
                 "(the reference)", "measured"))
    rows.append(("FasterAPI `POST /items` (1 KB body -> nested model -> `response_model`)",
                 f"{fa['items']['rps']:,.0f} rps = {share:.0%} of /json (p99 {fa['items']['p99'] * 1000:.2f} ms, "
                 f"errors {fa['items']['errors']})",
                 f">= {ITEMS_VS_JSON_TARGET:.0%} of /json",
                 "met" if share >= ITEMS_VS_JSON_TARGET and not fa["items"]["errors"] else "NOT met"))
    theirs = result.get("fastapi")
    if theirs and theirs["items"]["rps"]:
        x = fa["items"]["rps"] / theirs["items"]["rps"]
        rows.append(("`POST /items` vs FastAPI+pydantic on uvicorn (uvloop)",
                     f"{fa['items']['rps']:,.0f} vs {theirs['items']['rps']:,.0f} rps = {x:.1f}x "
                     f"(FastAPI /json {theirs['json']['rps']:,.0f} rps; errors {theirs['items']['errors']})",
                     f">= {ITEMS_VS_FASTAPI_TARGET:g}x", "met" if x >= ITEMS_VS_FASTAPI_TARGET else "NOT met"))
    else:
        rows.append(("`POST /items` vs FastAPI+pydantic on uvicorn", "-", f">= {ITEMS_VS_FASTAPI_TARGET:g}x",
                     "FastAPI not measured"))

    v = result["validation"]
    for op in ("model_validate_json", "model_validate", "model_dump_json"):
        theirs_s = v["pydantic"]["seconds"][op]
        if "fasterapi" not in v:
            rows.append((f"`{op}`, 1 KB order", f"pydantic {theirs_s * 1e6:.2f} us; fasterapi not measured",
                         f"<= {VALIDATION_TARGET_RATIO}x pydantic-core", "not measured"))
            continue
        ours_s, ratio = v["fasterapi"]["seconds"][op], v["fasterapi"]["ratio"][op]
        sub = v.get("fasterapi_subinterpreter")
        sub_text = f"; in a sub-interpreter {sub['seconds'][op] * 1e6:.2f} us = {sub['ratio'][op]:.2f}x" if sub else ""
        rows.append((f"`{op}`, {v['document_bytes']}-byte order",
                     f"{ours_s * 1e6:.2f} vs pydantic {theirs_s * 1e6:.2f} us = {ratio:.2f}x{sub_text}",
                     f"<= {VALIDATION_TARGET_RATIO}x pydantic-core (main interpreter)",
                     "met" if ratio <= VALIDATION_TARGET_RATIO else "NOT met"))

    s = result["startup"]
    ready = s["ready_seconds"]
    rows.append((f"startup, {s['models']} models + {s['routes']} routes, cores {s['cores']}",
                 f"every core answers after {ready['median']:.3f} s (median of {s['runs']}, best {ready['best']:.3f}); "
                 f"empty app {s['empty_app']['ready_seconds']['median']:.3f} s",
                 f"< {STARTUP_TARGET_SECONDS:g} s",
                 "met" if ready["median"] < STARTUP_TARGET_SECONDS and not s["problems"] else "NOT met"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fasterapi", required=True, help="the fasterapi console script")
    ap.add_argument("--python", required=True, help="a python with fasterapi and pydantic (the dev .venv)")
    ap.add_argument("--uvicorn", help="uvicorn of the bench venv (same interpreter); omit to skip FastAPI")
    ap.add_argument("--duration", default="10s", help="wrk duration per run")
    ap.add_argument("--startup-runs", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = ap.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logdir = Path(tempfile.mkdtemp(prefix="fasterapi-bench-models."))
    body = document_json()
    body_file = logdir / "order.json"
    body_file.write_bytes(body)
    os.environ["ITEMS_BODY_FILE"] = str(body_file)  # read by benches/items_post.lua under wrk

    result: dict = {"logs": str(logdir), "duration": args.duration, "body_bytes": len(body)}
    # Validation alone first, on the server's CPU while nothing else of ours runs.
    result["validation"] = run_json(["taskset", "-c", SERVER_CPU, args.python, "benches/models_bench.py", "--json"],
                                    "benches/models_bench.py")
    result["startup"] = run_json([args.python, "benches/startup_bench.py", "--json", "--fasterapi", args.fasterapi,
                                  "--cores", f"{SERVER_CPU}-{LOAD_CPU}", "--runs", str(args.startup_runs)],
                                 "benches/startup_bench.py")
    result["fasterapi"] = measure_fasterapi(args.fasterapi, body, args.duration, logdir)
    if args.uvicorn:
        result["fastapi"] = measure_fastapi(args.uvicorn, body, args.duration, logdir)

    if args.json:
        print(json.dumps(result, indent=2))
        return
    print()
    print(f"One core: server on CPU {SERVER_CPU}, wrk -t1 -c64 on CPU {LOAD_CPU}, {args.duration} per run "
          f"(best of 2); {len(body)}-byte JSON body; startup on CPUs {SERVER_CPU}-{LOAD_CPU}")
    print()
    print("| measurement | result | target | this run |")
    print("|---|---|---|---|")
    for row in rows_for(result):
        print("| " + " | ".join(row) + " |")
    for note in result["validation"].get("notes", []):
        print(f"\n- validation: {note}")
    for problem in result["startup"].get("problems", []):
        print(f"\n- startup app check: {problem}")
    print(f"\nlogs: {logdir}")


if __name__ == "__main__":
    main()
