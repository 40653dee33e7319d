"""Startup: from process start to "every core answers", for the generated app of
benches/startup_app.py (100 nested models with constrained fields, 200 routes).

    python benches/startup_bench.py --fasterapi .venv/bin/fasterapi [--cores 0-1] [--runs 5] [--json]

Each run starts ``fasterapi run`` and, from the moment before the process is spawned, opens
one new connection after another to ``GET /core`` (which answers with the core that served
it) until every core has answered. Cores listen on their own SO_REUSEPORT sockets, all
bound before the first interpreter starts, and the kernel spreads connections by their
source port, so a probe may wait in a core's queue until that core serves it: the time of
the last core's first answer is when the app is ready on every core. The bridge's per-core
log line ("core N on cpu ...: serving") is recorded beside it.

The app is generated once and served once, untimed, before the timed runs, so that its
modules and FasterAPI's are compiled (.pyc in a cache of the benchmark's own), as a deployed
app's would be. After the first run's timing, a few requests check that the app
really validates (201 for a good body, 422 for a bad one or a bad query parameter).
Issue 7's target: ready on every core in under 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benches` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benches.startup_app import app_source

TARGET_SECONDS = 1.0
PROBE_TIMEOUT = 60.0
CORE_LOG = re.compile(r"^fasterapi: core (\d+) on cpu .*serving ")
APP_MODULE = "startup_generated_app"


def cores_in(spec: str) -> int:
    """How many cores a --cores list ("0-1", "0,2", "3") names."""
    n = 0
    for part in spec.split(","):
        low, _, high = part.partition("-")
        n += int(high or low) - int(low) + 1
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    """One request on a new connection (so each probe may land on another core)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """``fasterapi run`` in its own process group; its stderr lines timestamped as they come."""

    def __init__(self, fasterapi: str, cores: str, port: int, env: dict):
        self.log: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [fasterapi, "run", f"{APP_MODULE}:app", "--host", "127.0.0.1", "--port", str(port), "--cores", cores],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for raw in self.proc.stderr:
            self.log.append((time.monotonic(), raw.decode(errors="replace").rstrip()))

    def core_logged(self) -> dict[int, float]:
        """Seconds from spawn to each core's "serving" log line."""
        return {int(m.group(1)): t - self.started for t, line in list(self.log) if (m := CORE_LOG.match(line))}

    def text(self) -> str:
        return "\n".join(line for _, line in self.log[-30:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.reader.join(5)


def wait_every_core(server: Server, port: int, cores: int) -> dict[int, float]:
    """Seconds from spawn to each core's first answer to GET /core."""
    answered: dict[int, float] = {}
    deadline = server.started + PROBE_TIMEOUT
    while len(answered) < cores:
        if server.proc.poll() is not None:
            time.sleep(0.2)  # let the reader take the last lines
            raise SystemExit(f"the server exited during startup (status {server.proc.returncode}):\n{server.text()}")
        if time.monotonic() > deadline:
            raise SystemExit(f"not every core answered within {PROBE_TIMEOUT:.0f} s "
                             f"(answered: {sorted(answered)}):\n{server.text()}")
        try:
            status, body = ask(port, "GET", "/core", timeout=max(0.1, deadline - time.monotonic()))
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.002)  # not bound yet
            continue
        now = time.monotonic()
        if status != 200:
            raise SystemExit(f"GET /core answered {status}: {body[:300]!r}")
        answered.setdefault(json.loads(body)["core"], now - server.started)
    return answered


def check_app(port: int) -> list[str]:
    """Problems with what the generated app answers (empty when it validates as it should)."""
    good = {"id": 7, "name": "seven", "code": "ABC-7", "score": 12.5, "tags": ["x"],
            "parent": {"id": 6, "name": "six", "code": "ABC-6", "kind": "b"}}
    expectations = [
        ("POST", "/m7", json.dumps(good).encode(), 201),
        ("POST", "/m7", json.dumps({**good, "code": "abc"}).encode(), 422),
        ("POST", "/m7", json.dumps({**good, "parent": {"id": 0, "name": "", "code": "X"}}).encode(), 422),
        ("GET", "/m8/5?q=hi&limit=3", None, 200),
        ("GET", "/m8/5?limit=0", None, 422),
        ("GET", "/m9/5?limit=101", None, 422),
        ("GET", "/m9/not-an-int", None, 422),
    ]
    problems = []
    for method, path, body, want in expectations:
        status, answer = ask(port, method, path, body)
        if status != want:
            problems.append(f"{method} {path}: {status} (expected {want}): {answer[:200]!r}")
    return problems


def run_once(fasterapi: str, cores: str, env: dict, check: bool) -> dict:
    port = free_port()
    server = Server(fasterapi, cores, port, env)
    try:
        answered = wait_every_core(server, port, cores_in(cores))
        problems = check_app(port) if check else []
    finally:
        server.stop()
    logged = server.core_logged()
    return {"answered": answered, "logged": logged, "ready": max(answered.values()), "problems": problems}


def prepare(workdir: Path, models: int, routes: int) -> dict:
    """The environment that serves a freshly generated app of this size from ``workdir``."""
    (workdir / f"{APP_MODULE}.py").write_text(app_source(models, routes))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(workdir), env.get("PYTHONPATH", "")) if p)
    # Compiled modules, as a deployed app has them (pip compiles installed packages): in a
    # cache of our own, so nothing is written beside the sources, and even where the
    # environment turns .pyc writing off (PYTHONDONTWRITEBYTECODE).
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timings(fasterapi: str, cores: str, runs: int, models: int, routes: int, check: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="fasterapi-startup.") as workdir:
        env = prepare(Path(workdir), models, routes)
        run_once(fasterapi, cores, env, check=False)  # untimed: fills the .pyc cache
        results = [run_once(fasterapi, cores, env, check=check and k == 0) for k in range(runs)]
    ready = [r["ready"] for r in results]
    last_logged = [max(r["logged"].values()) for r in results if r["logged"]]
    return {
        "models": models, "routes": routes,
        "ready_seconds": {"median": statistics.median(ready), "best": min(ready), "worst": max(ready), "all": ready},
        "last_core_logged_seconds": statistics.median(last_logged) if last_logged else None,
        "per_core_first_answer_seconds": [r["answered"] for r in results],
        "problems": results[0]["problems"],
    }


def measure(fasterapi: str, cores: str, runs: int, models: int, routes: int) -> dict:
    # The app check asks for /m7../m9: only an app with those routes can answer it.
    app = timings(fasterapi, cores, runs, models, routes, check=models >= 10 and routes >= 20)
    # The same server with a one-model, route-less app: the fixed cost (interpreters,
    # imports) the models and routes come on top of.
    empty = timings(fasterapi, cores, runs, 1, 0, check=False)
    return {"cores": cores, "runs": runs, "target_seconds": TARGET_SECONDS, **app, "empty_app": empty}


def report(result: dict) -> str:
    ready = result["ready_seconds"]
    met = ready["median"] < TARGET_SECONDS
    lines = [
        f"Startup of a generated app ({result['models']} models, {result['routes']} routes), cores {result['cores']}, "
        f"{result['runs']} runs: every core answered after {ready['median']:.3f} s median "
        f"(best {ready['best']:.3f}, worst {ready['worst']:.3f}); last core's ready log line at "
        f"{result['last_core_logged_seconds']:.3f} s median; an empty app (1 model, no routes): "
        f"{result['empty_app']['ready_seconds']['median']:.3f} s. Target < {TARGET_SECONDS:g} s: "
        f"{'met' if met else 'NOT met'}.",
    ]
    lines += [f"- app check failed: {p}" for p in result["problems"]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fasterapi", default=str(Path(sys.executable).with_name("fasterapi")),
                    help="the fasterapi console script (default: next to this python)")
    ap.add_argument("--cores", default="0-1", help="core id list for --cores (default 0-1)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--models", type=int, default=100)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    result = measure(args.fasterapi, args.cores, args.runs, args.models, args.routes)
    print(json.dumps(result, indent=2) if args.json else report(result))
    sys.exit(1 if result["problems"] else 0)


if __name__ == "__main__":
    main()
