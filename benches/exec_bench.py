"""The execution-model benchmarks ("Handlers that wait"), run by scripts/bench-exec.

Server pinned to CPU 0 (one core), load generators and helpers on CPU 1. Prints a markdown
table: each measurement, its target, and whether this run met it. Ratios are taken within
one run, never against numbers from another day.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_CPU, LOAD_CPU = "0", "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A process in its own group, pinned, killed at the end."""

    def __init__(self, name: str, cmd: list[str], cpu: str, env: dict | None = None, logdir: Path | None = None):
        self.name = name
        self.log = (logdir or Path(tempfile.gettempdir())) / f"{name}.log"
        full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
        self.proc = subprocess.Popen(
            ["taskset", "-c", cpu, *cmd], cwd=ROOT, env=full_env, stdout=self.log.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_port(self, port: int, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if path is None:
                        return
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                    if s.recv(12).startswith(b"HTTP/1.1 "):
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wrk(url: str, conns: int = 64, duration: str = "10s", script: str | None = None, timeout: str = "5s",
        pipeline: int = 0, headers: dict[str, str] | None = None) -> dict:
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{duration}", "--latency", f"--timeout={timeout}"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(ROOT / "benches" / script)]
    env = dict(os.environ, BENCH_PIPELINE=str(pipeline)) if pipeline else None
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env=env).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    def seconds(text: str) -> float:
        m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    lat = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99": seconds(p99.group(1)) if p99 else float("nan"),
        "max": seconds(lat.group(3)) if lat else float("nan"),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0),
        "requests": int(total.group(1)) if total else 0,
        "raw": out,
    }


def curl_speed(url: str) -> float:
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url],
        capture_output=True, text=True,
    ).stdout
    return float(out or 0)


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fasterapi", required=True, help="the fasterapi console script")
    ap.add_argument("--uvicorn", help="uvicorn of the bench venv (same interpreter); omit to skip")
    ap.add_argument("--baseline", required=True, help="server/examples/sendfile_baseline binary")
    ap.add_argument("--duration", default="10s")
    args = ap.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logdir = Path(tempfile.mkdtemp(prefix="fasterapi-bench-exec."))
    big = logdir / "big.bin"
    with big.open("wb") as f:  # real bytes (no holes to shortcut); the page cache serves them
        block = os.urandom(1 << 20)
        for _ in range(100):
            f.write(block)

    rows: list[tuple[str, str, str, str]] = []
    procs: list[Proc] = []
    try:
        echo_port = free_port()
        echo = Proc("echo", [sys.executable, str(ROOT / "benches" / "echo_server.py"), str(echo_port)], LOAD_CPU, logdir=logdir)
        procs.append(echo)
        echo.wait_port(echo_port, path=None)
        env = {"ECHO_PORT": str(echo_port), "BENCH_FILE": str(big), "FASTERAPI_MAX_INFLIGHT": "20000"}

        port = free_port()
        fa = Proc("fasterapi", [args.fasterapi, "run", "benches.exec_app:app", "--host", "127.0.0.1", "--port",
                                str(port), "--cores", f"{SERVER_CPU}-{SERVER_CPU}"], SERVER_CPU, env, logdir)
        procs.append(fa)
        fa.wait_port(port, "/json")
        base = f"http://127.0.0.1:{port}"
        # Warm up: sync handlers start in the pool and move inline once measured quick.
        wrk(f"{base}/json", duration="3s")
        wrk(f"{base}/ajson", duration="2s")

        # 1. async vs sync /json, interleaved twice.
        sync_runs, async_runs = [], []
        for _ in range(2):
            sync_runs.append(wrk(f"{base}/json", duration=args.duration))
            async_runs.append(wrk(f"{base}/ajson", duration=args.duration))
        sync_rps = max(r["rps"] for r in sync_runs)
        async_rps = max(r["rps"] for r in async_runs)
        rows.append(("sync `def` /json", f"{sync_rps:,.0f} rps (p99 {ms(sync_runs[-1]['p99'])})", "no slower than before the issue", "see docs/benchmarks.md"))
        ratio = async_rps / sync_rps
        rows.append(("`async def` /json", f"{async_rps:,.0f} rps = {ratio:.0%} of sync", ">= 90% of sync", "met" if ratio >= 0.9 else "NOT met"))

        # 2. 10,000 concurrent 1 s sleeps on one core.
        r = wrk(f"{base}/sleep?ms=1000", conns=10000, duration="6s", timeout="10s")
        spread = r["max"] - 1.0
        rows.append(("10,000 concurrent `await asyncio.sleep(1)`",
                     f"{r['requests']:,} answered, latency max {r['max']:.3f} s, p99 {r['p99']:.3f} s, {r['errors']} errors",
                     "all within 1.5 s of the first", "met" if r["max"] <= 1.5 and r["errors"] == 0 else f"NOT met (max {spread + 1:.3f} s)"))

        # 3. /json while 50 clients hammer a blocking /block?ms=100.
        unloaded = wrk(f"{base}/json", duration=args.duration)
        hammer = subprocess.Popen(
            ["taskset", "-c", LOAD_CPU, "wrk", "-t1", "-c50", f"-d{int(args.duration.rstrip('s')) + 4}s", "--timeout=10s", f"{base}/block?ms=100"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        time.sleep(2)
        loaded = wrk(f"{base}/json", duration=args.duration)
        hammer_out = parse_wrk(hammer.communicate()[0])
        kept = loaded["rps"] / unloaded["rps"] if unloaded["rps"] else 0
        rows.append(("/json beside 50 clients on blocking /block?ms=100",
                     f"{loaded['rps']:,.0f} rps = {kept:.0%} of unloaded {unloaded['rps']:,.0f}; p99 {ms(loaded['p99'])}; /block {hammer_out['rps']:,.0f} rps",
                     ">= 50% of unloaded, p99 < 10 ms", "met" if kept >= 0.5 and loaded["p99"] < 0.010 else "NOT met"))

        # 7. Request batching: one interpreter entry per batch of a tiny handler.
        single = max(wrk(f"{base}/tiny", duration=args.duration, script="tiny_post.lua")["rps"] for _ in range(2))
        batched = max(wrk(f"{base}/tiny-batch", duration=args.duration, script="tiny_post.lua")["rps"] for _ in range(2))
        rows.append(("`@app.batch` tiny POST handler (max_size=32, max_wait_ms=1)",
                     f"{batched:,.0f} rps batched vs {single:,.0f} rps one call per request = {batched / single:.2f}x",
                     "report the gain", "measured (wrk-bound)"))
        # Pipelined 16 deep: wrk's own cost out of the way, the server's cost shows.
        single = max(wrk(f"{base}/tiny", duration=args.duration, script="tiny_post.lua", pipeline=16)["rps"] for _ in range(2))
        batched = max(wrk(f"{base}/tiny-batch", duration=args.duration, script="tiny_post.lua", pipeline=16)["rps"] for _ in range(2))
        rows.append(("`@app.batch` tiny POST handler, 16 pipelined per write",
                     f"{batched:,.0f} rps batched vs {single:,.0f} rps one call per request = {batched / single:.2f}x",
                     "report the gain", "measured"))

        # 4. A real socket round trip per request.
        echo_fa = wrk(f"{base}/echo", duration=args.duration)
        # 5. The main-interpreter lane (pydantic).
        lane_fa = wrk(f"{base}/lane", duration=args.duration, script="lane_post.lua")
        # 6. A 100 MB file, alternating with the plain Rust baseline (both idle on CPU 0
        # while the other sends), 10 runs each: single runs vary by +-30% here.
        bport = free_port()
        bl = Proc("sendfile-baseline", [args.baseline, str(bport), str(big)], SERVER_CPU, logdir=logdir)
        procs.append(bl)
        bl.wait_port(bport, path=None)
        fa_speeds, base_speeds = [], []
        for _ in range(10):
            fa_speeds.append(curl_speed(f"{base}/file"))
            base_speeds.append(curl_speed(f"http://127.0.0.1:{bport}/"))
        bl.stop()
        fa.stop()

        echo_uv = lane_uv = None
        if args.uvicorn:
            port = free_port()
            uv = Proc("uvicorn", [args.uvicorn, "benches.exec_fastapi:app", "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", "1", "--log-level", "warning", "--no-access-log", "--loop", "uvloop"],
                      SERVER_CPU, env, logdir)
            procs.append(uv)
            uv.wait_port(port, "/echo")
            wrk(f"http://127.0.0.1:{port}/echo", duration="2s")
            echo_uv = wrk(f"http://127.0.0.1:{port}/echo", duration=args.duration)
            lane_uv = wrk(f"http://127.0.0.1:{port}/lane", duration=args.duration, script="lane_post.lua")
            uv.stop()

        def vs(name: str, ours: dict, theirs: dict | None, target: float) -> None:
            if theirs is None or not theirs["rps"]:
                rows.append((name, f"{ours['rps']:,.0f} rps", f">= {target:g}x FastAPI+uvicorn", "FastAPI not measured"))
                return
            x = ours["rps"] / theirs["rps"]
            rows.append((name, f"{ours['rps']:,.0f} vs {theirs['rps']:,.0f} rps = {x:.2f}x (errors {ours['errors']}/{theirs['errors']})",
                         f">= {target:g}x FastAPI+uvicorn (uvloop)", "met" if x >= target else "NOT met"))

        vs("async TCP echo round trip per request", echo_fa, echo_uv, 3)
        vs("main-interpreter lane, pydantic model", lane_fa, lane_uv, 3)

        fa_speed, base_speed = statistics.median(fa_speeds), statistics.median(base_speeds)
        share = fa_speed / base_speed if base_speed else 0
        rows.append(("100 MB FileResponse (curl, median of 10, alternating)",
                     f"{fa_speed / 1e9:.2f} GB/s vs plain Rust sendfile {base_speed / 1e9:.2f} GB/s = {share:.0%} "
                     f"(best {max(fa_speeds) / 1e9:.2f} vs {max(base_speeds) / 1e9:.2f})",
                     ">= 80% of the baseline", "met" if share >= 0.8 else "NOT met"))
    finally:
        for p in procs:
            p.stop()

    print()
    print(f"One core: server on CPU {SERVER_CPU}, wrk -t1 (-c64 unless said) and helpers on CPU {LOAD_CPU}, {args.duration} per run")
    print()
    print("| measurement | result | target | this run |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nlogs: {logdir}")


if __name__ == "__main__":
    main()
