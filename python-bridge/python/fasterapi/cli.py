"""The ``fasterapi`` command line: ``fasterapi run MODULE:APP [options]``.

Settings come from flags, then ``FASTERAPI_*`` environment variables, then
defaults. Everything is checked in the main interpreter before the server
starts, and every problem is reported as one line
(``fasterapi: error: ...``) with exit status 2 for bad input, 1 when the
server cannot run (address in use, an interpreter failing to load the app).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fasterapi import _compat, _server

EXIT_USAGE = 2
EXIT_FAILURE = 1


class ConfigError(ValueError):
    """A flag or environment variable has an unusable value."""


# -- value parsers: (raw value, where it came from) -> value --------------


def _as_host(raw: Any, source: str) -> str:
    host = str(raw).strip()
    if not host:
        raise ConfigError(f"{source} must not be empty")
    return host


def _as_int(low: int, high: int | None) -> Callable[[Any, str], int]:
    def parse(raw: Any, source: str) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"of at least {low}"
            raise ConfigError(f"{source} must be an integer {bound}, got {raw!r}")
        return value

    return parse


def _as_seconds(raw: Any, source: str) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{source} must be a number of seconds (0 or more), got {raw!r}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _as_bool(raw: Any, source: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{source} must be 1 or 0, got {raw!r}")


def _as_io(raw: Any, source: str) -> str:
    text = str(raw).strip().lower()
    if text not in ("auto", "uring", "epoll"):
        raise ConfigError(f"{source} must be one of auto, uring, epoll, got {raw!r}")
    return text


def _as_cores(raw: Any, source: str) -> str | None:
    # The native server parses the spec ("4" = four cores, "0-3,6" = those
    # cores); here we only catch what is obviously not a spec, for a clear message.
    text = str(raw).strip()
    if not text:
        return None
    if not all(c.isdigit() or c in ",-" for c in text.replace(" ", "")):
        raise ConfigError(f"{source} must be a core count ('4') or a list of cores ('0-3,6'), got {raw!r}")
    return text.replace(" ", "")


def _as_metrics_path(value: Any, where: str) -> str | None:
    """``1``/``true`` -> ``/metrics``; ``0``/``false`` -> off; a path (``/internal/metrics``) as is."""
    text = str(value).strip()
    if text.lower() in ("1", "true", "yes", "on"):
        return "/metrics"
    if text.lower() in ("", "0", "false", "no", "off"):
        return None
    if not text.startswith("/"):
        raise ConfigError(f"{where}: expected 1, 0 or a path starting with '/', got {value!r}")
    return text


@dataclass(frozen=True)
class Setting:
    name: str  # keyword of _native.serve
    env: str
    default: Any
    parse: Callable[[Any, str], Any]
    flag: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "FASTERAPI_HOST", "127.0.0.1", _as_host, "--host"),
    Setting("port", "FASTERAPI_PORT", 8000, _as_int(0, 65535), "--port"),
    Setting("cores", "FASTERAPI_CORES", None, _as_cores, "--cores"),
    Setting("pin", "FASTERAPI_PIN", True, _as_bool, "--pin/--no-pin"),
    Setting("io", "FASTERAPI_IO", "auto", _as_io, "--io"),
    Setting("shared_gil", "FASTERAPI_SHARED_GIL", False, _as_bool),
    Setting("grace", "FASTERAPI_GRACE", 10.0, _as_seconds),
    Setting("max_header", "FASTERAPI_MAX_HEADER", 16384, _as_int(1, None)),
    Setting("max_body", "FASTERAPI_MAX_BODY", 1048576, _as_int(0, None)),
    Setting("keepalive", "FASTERAPI_KEEPALIVE", 5.0, _as_seconds),
    Setting("header_timeout", "FASTERAPI_HEADER_TIMEOUT", 10.0, _as_seconds),
    Setting("blocking_threads", "FASTERAPI_BLOCKING_THREADS", 40, _as_int(1, 1024), "--blocking-threads"),
    Setting("blocking_queue", "FASTERAPI_BLOCKING_QUEUE", 1000, _as_int(0, None)),
    Setting("max_inflight", "FASTERAPI_MAX_INFLIGHT", 16384, _as_int(1, None)),
    Setting("metrics", "FASTERAPI_METRICS", None, _as_metrics_path, "--metrics"),
    Setting("access_log", "FASTERAPI_ACCESS_LOG", False, _as_bool, "--access-log"),
    Setting("lane_threads", "FASTERAPI_LANE_THREADS", 2, _as_int(1, 256)),
    Setting("lane_queue", "FASTERAPI_LANE_QUEUE", 1024, _as_int(1, None)),
)


# Settings of the Python side, not of ``_native.serve``: each interpreter reads them from
# the environment when it loads the app, so the CLI writes the resolved value back there.
COMPAT = Setting("compat", _compat.ENV, False, _as_bool, "--compat")


def resolve_settings(overrides: Mapping[str, Any], environ: Mapping[str, str], settings: Sequence[Setting] = SETTINGS) -> dict[str, Any]:
    """The values of ``settings`` (by default the keyword arguments of ``_native.serve``,
    without ``app``): flag > environment > default.

    ``overrides`` maps setting names to flag values, ``None`` meaning "not given".
    Raises ``ConfigError`` naming the flag or variable at fault.
    """
    resolved: dict[str, Any] = {}
    for setting in settings:
        value = overrides.get(setting.name)
        if value is not None:
            resolved[setting.name] = setting.parse(value, setting.flag or setting.name)
        elif setting.env in environ:
            resolved[setting.name] = setting.parse(environ[setting.env], setting.env)
        else:
            resolved[setting.name] = setting.default
    return resolved


# -- running -----------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) if str(exc).strip() else type(exc).__name__
    return text


def _fail(message: str, code: int) -> int:
    print(f"fasterapi: error: {message}", file=sys.stderr)
    return code


def _use_app_dir(app_dir: str) -> None:
    """Make ``app_dir`` importable here; the bridge gives every sub-interpreter this
    interpreter's ``sys.path`` (docs/bridge-contract.md, section 2)."""
    app_dir = os.path.abspath(app_dir)
    if not sys.path or sys.path[0] != app_dir:
        sys.path.insert(0, app_dir)  # first, like uvicorn: the app shadows installed modules


def serve(spec: str, overrides: Mapping[str, Any], *, app_dir: str, app: Any = None) -> int:
    """Resolve settings, check the app, and run the server. Returns the exit status."""
    try:
        settings = resolve_settings(overrides, os.environ)
        compat = resolve_settings(overrides, os.environ, (COMPAT,))["compat"]
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    # Every interpreter (the cores' and this one) decides from the environment, which the
    # sub-interpreters inherit: one normalised value ("1"/"0") for all of them.
    if compat or COMPAT.env in os.environ:
        os.environ[COMPAT.env] = "1" if compat else "0"

    _use_app_dir(app_dir)
    try:
        if app is None:
            # Import and compile once here, so a typo fails fast with one line
            # instead of once per core inside the server.
            _server.load_app(spec)
        else:
            app._compile_routes()
    except Exception as exc:
        return _fail(_one_line(exc), EXIT_USAGE)

    from fasterapi import _native

    try:
        with _server_owns_sigint():
            _native.serve(app=spec, **settings)
    except ValueError as exc:
        return _fail(_one_line(exc), EXIT_USAGE)
    except (OSError, RuntimeError) as exc:
        return _fail(_one_line(exc), EXIT_FAILURE)
    except KeyboardInterrupt:
        return 130
    return 0


@contextlib.contextmanager
def _server_owns_sigint() -> Any:
    """While the server runs, Ctrl+C means "shut down gracefully" (handled natively), not
    KeyboardInterrupt: the server calls the handler that was installed before its own, so
    Python's must be out of the way or a graceful stop would end in a traceback."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: Python's handler is not involved there
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _locate(app: Any) -> tuple[str, str]:
    """The ``module:attr`` spec and import directory under which sub-interpreters can find ``app``."""
    main = sys.modules.get("__main__")
    candidates = [("__main__", main)] if main is not None else []
    candidates += [(name, mod) for name, mod in list(sys.modules.items()) if name != "__main__" and mod is not None]
    for name, module in candidates:
        attr = next((a for a, v in list(getattr(module, "__dict__", {}).items()) if v is app), None)
        if attr is None:
            continue
        file = getattr(module, "__file__", None)
        if not file:
            break
        file = os.path.abspath(file)
        if name == "__main__":
            module_spec = getattr(module, "__spec__", None)
            if module_spec is not None and module_spec.name not in ("__main__", None):
                return f"{module_spec.name}:{attr}", os.getcwd()  # python -m package.module
            return f"{os.path.splitext(os.path.basename(file))[0]}:{attr}", os.path.dirname(file)
        root = os.path.dirname(file)
        if os.path.basename(file) == "__init__.py":
            root = os.path.dirname(root)
        for _ in range(name.count(".")):
            root = os.path.dirname(root)
        return f"{name}:{attr}", root
    raise RuntimeError("app.run() needs the app to be a module-level variable of a Python file")


def run_app(app: Any, **overrides: Any) -> int:
    """``FasterAPI.run``: serve an app object through the CLI's code path."""
    try:
        spec, app_dir = _locate(app)
    except RuntimeError as exc:
        return _fail(str(exc), EXIT_USAGE)
    return serve(spec, overrides, app_dir=app_dir, app=app)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fasterapi", description="FasterAPI: FastAPI's API on a thread-per-core server.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    env_help = "\n".join(f"  {s.env:<26} default: {s.default}" for s in (*SETTINGS, COMPAT))
    run = commands.add_parser(
        "run",
        help="serve an application",
        description="Serve MODULE:APP, one interpreter per CPU core.",
        epilog=f"environment (flags take precedence):\n{env_help}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("app", metavar="MODULE:APP", help="e.g. examples.hello:app")
    run.add_argument("--host", help="address to bind (FASTERAPI_HOST, default 127.0.0.1)")
    run.add_argument("--port", help="port to bind (FASTERAPI_PORT, default 8000)")
    run.add_argument("--cores", metavar="SPEC", help="core count '4' or list '0-3,6' (FASTERAPI_CORES, default: all allowed cores)")
    run.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None, help="pin each worker thread to its core (FASTERAPI_PIN, default on)")
    run.add_argument("--io", metavar="{uring,epoll,auto}", help="I/O backend (FASTERAPI_IO, default auto)")
    run.add_argument("--blocking-threads", metavar="N", help="threads per core for blocking def handlers (FASTERAPI_BLOCKING_THREADS, default 40)")
    run.add_argument("--metrics", nargs="?", const="1", metavar="PATH", help="serve Prometheus metrics at PATH (FASTERAPI_METRICS; default off, /metrics when given without a path)")
    run.add_argument("--access-log", action="store_true", default=None, help="log one line per request (FASTERAPI_ACCESS_LOG, default off)")
    run.add_argument("--compat", action="store_true", default=None, help="run an unchanged FastAPI app: fastapi/starlette/pydantic imports resolve to FasterAPI (FASTERAPI_COMPAT, default off; docs/fastapi-compat.md)")
    run.add_argument("--app-dir", default=".", help="directory to import the app from (default: current directory)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {
        "host": args.host,
        "port": args.port,
        "cores": args.cores,
        "pin": args.pin,
        "io": args.io,
        "blocking_threads": args.blocking_threads,
        "metrics": args.metrics,
        "access_log": args.access_log,
        "compat": args.compat,
    }
    return serve(args.app, overrides, app_dir=args.app_dir)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
