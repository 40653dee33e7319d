"""Start and stop a real `fasterapi run` server process for the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FASTERAPI = Path(os.environ.get("FASTERAPI_BIN", REPO / ".venv" / "bin" / "fasterapi"))
VENV_PYTHON = Path(os.environ.get("FASTERAPI_PYTHON", REPO / ".venv" / "bin" / "python"))
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # the server must not inherit settings from the developer's shell
    for k in list(env):
        if k.startswith("FASTERAPI_") and k not in ("FASTERAPI_BIN", "FASTERAPI_PYTHON"):
            del env[k]
    env.pop("FASTERAPI_BIN", None)
    env.pop("FASTERAPI_PYTHON", None)
    env["PYTHONUNBUFFERED"] = "1"
    # cwd (the repo root) is what makes `tests.apps.features` importable; keep it explicit
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if extra:
        env.update(extra)
    return env


def require_binary() -> None:
    if not FASTERAPI.exists():
        raise AssertionError(
            f"{FASTERAPI} does not exist: build and install the package into .venv first "
            f"(or point FASTERAPI_BIN at the `fasterapi` script)"
        )


class Server:
    """A `fasterapi run APP` subprocess listening on a free port."""

    def __init__(self, app: str, cores: int = 1, env: dict[str, str] | None = None,
                 argv: list[str] | None = None, port: int | None = None,
                 host: str = HOST, extra_args: list[str] | None = None, cwd: Path | None = None):
        self.app = app
        # The working directory: the repo root unless a test needs another (a .env file read
        # relative to it); PYTHONPATH keeps the repo importable either way.
        self.cwd = cwd or REPO
        self.cores = cores
        self.host = host
        self.port = port or free_port(host)
        self.env = base_env(env)
        if argv is None:
            require_binary()
            argv = [str(FASTERAPI)]
        self.cmd = argv + ["run", app, "--host", host, "--port", str(self.port),
                           "--cores", str(cores), "--no-pin"] + (extra_args or [])
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None

    @classmethod
    def raw(cls, cmd: list[str], env: dict[str, str] | None = None, host: str = HOST,
            port: int | None = None) -> "Server":
        """A server started with an exact command line (for CLI tests)."""
        self = cls.__new__(cls)
        self.app, self.cores, self.host, self.port, self.cwd = None, None, host, port, REPO
        self.env = base_env(env)
        self.cmd = cmd
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.proc = None
        self.returncode = None
        return self

    # -- output -------------------------------------------------------------
    def _read(self, f) -> str:
        f.flush()
        f.seek(0)
        return f.read().decode("utf-8", "replace")

    @property
    def stdout(self) -> str:
        return self._read(self._out)

    @property
    def stderr(self) -> str:
        return self._read(self._err)

    def describe(self) -> str:
        rc = self.proc.poll() if self.proc else None
        return (f"command: {' '.join(self.cmd)}\nexit code: {rc}\n"
                f"--- stdout ---\n{self.stdout[-5000:]}\n--- stderr ---\n{self.stderr[-8000:]}")

    # -- lifecycle ------------------------------------------------------------
    def start(self, wait: bool = True) -> "Server":
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the server accepts a connection and answers an HTTP request."""
        deadline = time.monotonic() + timeout
        last_err: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited during startup\n{self.describe()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as s:
                    s.settimeout(max(1.0, deadline - time.monotonic()))
                    s.sendall(b"GET /__fasterapi_probe__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = s.recv(64)
                    if data.startswith(b"HTTP/1."):
                        return
                    last_err = AssertionError(f"probe got {data!r}")
            except OSError as e:
                last_err = e
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"server not ready within {timeout}s ({last_err!r})\n{self.describe()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server did not exit within {timeout}s\n{self.describe()}")
        return self.returncode

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop_and_check(self) -> None:
        """Teardown: the server must still be running and must exit 0 on SIGTERM."""
        assert self.alive(), f"server died while the tests ran\n{self.describe()}"
        rc = self.stop(signal.SIGTERM)
        assert rc == 0, f"server exited {rc} on SIGTERM\n{self.describe()}"


def run_cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 30.0,
            argv0: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI to completion (for commands that must fail fast)."""
    if argv0 is None:
        require_binary()
        argv0 = [str(FASTERAPI)]
    try:
        return subprocess.run(argv0 + args, cwd=REPO, env=base_env(env), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(
            f"`{' '.join(argv0 + args)}` still running after {timeout}s\n"
            f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}"
        ) from None
