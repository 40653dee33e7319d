from __future__ import annotations

import pytest

from fasterapi import _native, cli


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    # cli.serve() puts the app directory on sys.path.
    import sys

    monkeypatch.setattr(sys, "path", list(sys.path))


# Every setting's default, spelled out (not read from cli.SETTINGS, so a changed default fails).
DEFAULTS = {
    "host": "127.0.0.1",
    "port": 8000,
    "cores": None,
    "pin": True,
    "io": "auto",
    "shared_gil": False,
    "grace": 10.0,
    "max_header": 16384,
    "max_body": 1048576,
    "keepalive": 5.0,
    "header_timeout": 10.0,
    "blocking_threads": 40,
    "blocking_queue": 1000,
    "max_inflight": 16384,
    "metrics": None,
    "access_log": False,
    "lane_threads": 2,
    "lane_queue": 1024,
}


def test_defaults():
    assert cli.resolve_settings({}, {}) == DEFAULTS


def test_env_and_flags():
    env = {"FASTERAPI_PORT": "9000", "FASTERAPI_PIN": "0", "FASTERAPI_CORES": "0-3,6", "FASTERAPI_IO": "EPOLL", "FASTERAPI_GRACE": "2.5"}
    s = cli.resolve_settings({}, env)
    assert (s["port"], s["pin"], s["cores"], s["io"], s["grace"]) == (9000, False, "0-3,6", "epoll", 2.5)
    s = cli.resolve_settings({"port": "7000", "pin": True, "cores": "2"}, env)
    assert (s["port"], s["pin"], s["cores"]) == (7000, True, "2")


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"FASTERAPI_PORT": "abc"}, "FASTERAPI_PORT must be an integer between 0 and 65535, got 'abc'"),
        ({"FASTERAPI_PORT": "70000"}, "FASTERAPI_PORT"),
        ({"FASTERAPI_PIN": "maybe"}, "FASTERAPI_PIN must be 1 or 0"),
        ({"FASTERAPI_IO": "kqueue"}, "FASTERAPI_IO must be one of auto, uring, epoll"),
        ({"FASTERAPI_GRACE": "-1"}, "FASTERAPI_GRACE"),
        ({"FASTERAPI_MAX_BODY": "1k"}, "FASTERAPI_MAX_BODY"),
        ({"FASTERAPI_CORES": "all"}, "FASTERAPI_CORES"),
    ],
)
def test_bad_env_values(env, fragment):
    with pytest.raises(cli.ConfigError, match=fragment):
        cli.resolve_settings({}, env)


def run_main(argv, capsys):
    code = cli.main(argv)
    err = capsys.readouterr().err
    return code, err


def test_bad_env_is_one_line_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("FASTERAPI_PORT", "abc")
    code, err = run_main(["run", "examples.hello:app"], capsys)
    assert code == 2
    assert err == "fasterapi: error: FASTERAPI_PORT must be an integer between 0 and 65535, got 'abc'\n"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nomodule_xyz:app", "could not import module 'nomodule_xyz': No module named 'nomodule_xyz'"),
        ("justtext", "app must be given as MODULE:ATTRIBUTE, got 'justtext'"),
    ],
)
def test_bad_app_is_one_line_exit_2(spec, message, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FASTERAPI_PORT", raising=False)
    code, err = run_main(["run", spec], capsys)
    assert code == 2
    assert err == f"fasterapi: error: {message}\n"


@pytest.fixture
def app_dir(tmp_path, monkeypatch):
    (tmp_path / "cliapp.py").write_text("from fasterapi import FasterAPI\napp = FasterAPI()\n")
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("FASTERAPI_"):
            monkeypatch.delenv(name)
    yield tmp_path
    __import__("sys").modules.pop("cliapp", None)


def test_serve_gets_resolved_keywords(app_dir, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(_native, "serve", lambda **kw: calls.append(kw))
    code, err = run_main(["run", "cliapp:app", "--port", "8123", "--no-pin", "--io", "epoll", "--cores", "2"], capsys)
    assert (code, err) == (0, "")
    assert calls == [{**DEFAULTS, "app": "cliapp:app", "port": 8123, "cores": "2", "pin": False, "io": "epoll"}]


@pytest.mark.parametrize("exc, code", [(OSError("address in use: 127.0.0.1:8000"), 1), (RuntimeError("core 3 failed"), 1), (ValueError("bad core spec"), 2)])
def test_serve_errors(app_dir, monkeypatch, capsys, exc, code):
    def fail(**kw):
        raise exc

    monkeypatch.setattr(_native, "serve", fail)
    got, err = run_main(["run", "cliapp:app"], capsys)
    assert got == code
    assert err == f"fasterapi: error: {exc}\n"
