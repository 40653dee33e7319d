"""The `fasterapi` command line: bad specs, bind errors, env vars, signals, startup lines."""

import re
import signal
import socket
import threading
import time

import pytest

from tests.integration.helpers import fetch
from tests.integration.rawhttp import Conn
from tests.integration.server import FASTERAPI, HOST, VENV_PYTHON, Server, free_port, run_cli

HELLO = "examples.hello:app"


def _args(app, port=None):
    return ["run", app, "--host", HOST, "--port", str(port or free_port()), "--cores", "1", "--no-pin"]


def _one_line_error(res):
    err = res.stderr.decode("utf-8", "replace")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{err}"
    return lines[0]


def test_no_such_module_exit_2_one_line():
    res = run_cli(_args("nosuchmodule:app"))
    assert res.returncode == 2, (res.returncode, res.stderr)
    line = _one_line_error(res)
    assert "nosuchmodule" in line, line


def test_no_such_attribute_exit_2():
    res = run_cli(_args("examples.hello:nosuch"))
    assert res.returncode == 2, (res.returncode, res.stderr)
    line = _one_line_error(res)
    assert "nosuch" in line, line


def test_spec_without_colon_exit_2():
    res = run_cli(_args("examples.hello"))
    assert res.returncode == 2, (res.returncode, res.stderr)
    _one_line_error(res)


def test_port_in_use_fails_and_names_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        s.listen(8)
        port = s.getsockname()[1]
        res = run_cli(_args(HELLO, port))
    assert res.returncode != 0, res
    err = res.stderr.decode("utf-8", "replace")
    assert str(port) in err, err


def test_python_m_fasterapi_run():
    srv = Server(HELLO, cores=1, argv=[str(VENV_PYTHON), "-m", "fasterapi"]).start()
    try:
        r = fetch(srv, "GET", "/plaintext")
        assert r.status == 200 and r.body == b"Hello, World!", r
    finally:
        srv.stop_and_check()


def test_env_port_and_host_honoured():
    port = free_port()
    srv = Server.raw([str(FASTERAPI), "run", HELLO, "--cores", "1", "--no-pin"],
                     env={"FASTERAPI_PORT": str(port), "FASTERAPI_HOST": HOST}, port=port).start()
    try:
        r = fetch(srv, "GET", "/json")
        assert r.status == 200 and r.json() == {"message": "Hello, World!"}, r
    finally:
        srv.stop_and_check()


def test_flags_override_env():
    env_port, flag_port = free_port(), free_port()
    srv = Server.raw(
        [str(FASTERAPI), "run", HELLO, "--host", HOST, "--port", str(flag_port), "--cores", "1", "--no-pin"],
        env={"FASTERAPI_PORT": str(env_port), "FASTERAPI_HOST": "127.0.0.2"}, port=flag_port).start()
    try:
        assert fetch(srv, "GET", "/plaintext").status == 200
        for addr in [(HOST, env_port), ("127.0.0.2", flag_port)]:
            with pytest.raises(OSError):
                socket.create_connection(addr, timeout=2).close()
    finally:
        srv.stop_and_check()


def test_env_limits_honoured():
    srv = Server(HELLO, cores=1, env={"FASTERAPI_MAX_BODY": "100", "FASTERAPI_MAX_HEADER": "2048"}).start()
    try:
        with Conn(srv.host, srv.port) as c:
            c.send(b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n")
            assert c.read_response().status == 413
        with Conn(srv.host, srv.port) as c:
            c.send(b"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n")
            assert c.read_response().status == 431
        body = b'{"name":"x","price":1}'
        r = fetch(srv, "POST", "/items", body, {"Content-Type": "application/json"})
        assert r.status == 201, r
    finally:
        srv.stop_and_check()


@pytest.mark.parametrize("cores", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_0(sig, cores):
    srv = Server(HELLO, cores=cores).start()
    try:
        assert fetch(srv, "GET", "/plaintext").status == 200
        rc = srv.stop(sig)
        assert rc == 0, f"exit {rc} on {sig!r}\n{srv.describe()}"
    finally:
        srv.kill()


def test_sigterm_with_idle_keepalive_connection_exits_0():
    srv = Server(HELLO, cores=2, env={"FASTERAPI_GRACE": "2"}).start()
    c = Conn(srv.host, srv.port)
    try:
        assert c.request("GET", "/plaintext").status == 200
        rc = srv.stop(signal.SIGTERM, timeout=2 + 10)
        assert rc == 0, f"exit {rc}\n{srv.describe()}"
    finally:
        c.close()
        srv.kill()


def test_sigterm_lets_in_flight_request_finish():
    srv = Server(HELLO, cores=1, env={"FASTERAPI_GRACE": "10"}).start()
    result = {}

    def client():
        try:
            result["resp"] = fetch(srv, "GET", "/sleep?ms=1500", timeout=15)
        except Exception as e:  # noqa: BLE001
            result["err"] = e

    t = threading.Thread(target=client)
    try:
        t.start()
        time.sleep(0.5)  # the request is being handled now
        srv.send_signal(signal.SIGTERM)
        t.join(20)
        rc = srv.wait(20)
        assert "err" not in result, f"in-flight request failed: {result.get('err')!r}\n{srv.describe()}"
        assert result["resp"].status == 200, result["resp"]
        assert rc == 0, srv.describe()
    finally:
        srv.kill()


@pytest.mark.parametrize("cores", [1, 2])
def test_startup_line_per_core(cores):
    srv = Server(HELLO, cores=cores).start()
    try:
        assert fetch(srv, "GET", "/plaintext").status == 200
        # give late cores a moment to log, then stop (flushes any buffered output)
        time.sleep(0.5)
    finally:
        srv.stop_and_check()
    out = srv.stdout + "\n" + srv.stderr
    # "fasterapi: core 0 on cpu 0: io_uring reactor, interpreter 1 (own GIL), ..."
    lines = [ln for ln in out.splitlines() if re.match(r"fasterapi: core \d+ on cpu \d+", ln)]
    ids = {int(re.match(r"fasterapi: core (\d+)", ln).group(1)) for ln in lines}
    assert len(lines) >= cores, f"expected >= {cores} lines mentioning 'core', got:\n{out}"
    assert len(ids) == cores, f"expected {cores} distinct core ids in startup lines, got {ids}:\n{out}"


def test_app_run_from_a_script():
    """`app.run()` under `if __name__ == "__main__"` serves like `fasterapi run`."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "apps" / "run_script.py"
    port = free_port()
    srv = Server.raw([str(VENV_PYTHON), str(script)], env={"FASTERAPI_PORT": str(port)}, port=port).start()
    try:
        r = fetch(srv, "GET", "/ping")
        assert r.status == 200 and r.json() == {"pong": True}, r
        lines = [l for l in srv.stderr.splitlines() if l.startswith("fasterapi: core ")]
        assert len(lines) == 1, srv.stderr
    finally:
        srv.stop_and_check()


def test_import_failing_only_in_a_sub_interpreter_is_one_line_and_nonzero():
    """`readline` imports in the main interpreter but refuses sub-interpreters."""
    res = run_cli(["run", "tests.apps.subinterp_refusing:app", "--host", HOST, "--port", str(free_port()),
                   "--cores", "2", "--no-pin"])
    assert res.returncode == 1, res
    line = _one_line_error(res)
    assert "core 0" in line and "readline" in line and "sub-interpreter" in line, line
    assert "FASTERAPI_SHARED_GIL=1" in line, line
    assert 'interpreter="main"' in line, line


def test_shared_gil_mode_serves_an_app_that_refuses_sub_interpreters():
    srv = Server("tests.apps.subinterp_refusing:app", cores=2, env={"FASTERAPI_SHARED_GIL": "1"}).start()
    try:
        assert fetch(srv, "GET", "/").json() == {}
    finally:
        srv.stop_and_check()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_shutdown_signal_is_handled_even_when_an_app_thread_receives_it(sig):
    srv = Server("tests.apps.thread_at_import:app", cores=1).start()
    try:
        assert fetch(srv, "GET", "/").status == 200
        srv.send_signal(sig)
        code = srv.wait(timeout=20)
    finally:
        srv.kill()
    assert code == 0, f"exit {code}\n{srv.stderr}"
    assert "stopped after" in srv.stderr, srv.stderr
    assert "Traceback" not in srv.stderr, srv.stderr
