"""Handlers that wait (issue "Handlers that wait"), over the real server with 1 and 2 cores:
asyncio on each core's reactor, blocking `def` handlers in the core's pool, streamed and
file bodies, cancellation when the client leaves."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.integration.helpers import fetch
from tests.integration.rawhttp import Conn, build_request
from tests.integration.server import Server

APP = "tests.apps.waiting:app"


@pytest.fixture(scope="module", params=[1, 2], ids=lambda n: f"cores{n}")
def waiting(request):
    with tempfile.TemporaryDirectory() as markers:
        srv = Server(APP, cores=request.param, env={"FASTERAPI_TEST_DIR": markers}).start()
        srv.markers = Path(markers)
        yield srv
        srv.stop_and_check()


def get_json(server, path, **kw):
    r = fetch(server, "GET", path, **kw)
    assert r.status == 200, r
    return r.json()


def wait_for_file(path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def echo_port():
    """A plain TCP line-echo server in a thread of the test process."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()

    def serve_one(conn):
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                part = conn.recv(100)
                if not part:
                    return
                data += part
            conn.sendall(b"echo:" + data)

    def accept_loop():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    t = threading.Thread(target=accept_loop, daemon=True)
    t.start()
    yield listener.getsockname()[1]
    stop.set()
    t.join()
    listener.close()


# --- asyncio on the core ---------------------------------------------------------------------


def test_the_running_loop_is_the_cores_and_handlers_run_in_tasks(waiting):
    info = get_json(waiting, "/loop")
    assert info == {"loop": "CoreEventLoop", "is_running": True, "task": True, "thread": info["thread"]}
    assert not info["thread"].startswith("fasterapi-blocking")


def test_overlapping_sleeps_do_not_wait_for_each_other(waiting):
    # 30 requests sleeping 500 ms each: one after another would take 15 s.
    started = time.monotonic()
    with ThreadPoolExecutor(30) as ex:
        results = list(ex.map(lambda _: get_json(waiting, "/sleep?ms=500"), range(30)))
    elapsed = time.monotonic() - started
    assert all(r["slept"] == 500 for r in results)
    assert elapsed < 5, f"30 overlapping 500 ms sleeps took {elapsed:.2f} s"
    assert {r["core"] for r in results} <= set(range(waiting.cores))


def test_gather_wait_for_and_loop_callbacks(waiting):
    g = get_json(waiting, "/gather?n=20&ms=200")
    assert g["results"] == list(range(20))
    assert g["took"] < 2, g
    assert get_json(waiting, "/wait_for?ms=2000&timeout_ms=50") == {"timed_out": True}
    assert get_json(waiting, "/wait_for?ms=10&timeout_ms=2000") == {"timed_out": False}
    cb = get_json(waiting, "/callbacks")
    assert cb["fired"] == ["soon", "later", "at"]
    assert cb["executor_thread"].startswith("fasterapi-blocking")
    assert cb["resolved"] is True


def test_streams_and_sockets_of_asyncio_work_in_handlers(waiting, echo_port):
    assert get_json(waiting, f"/echo?port={echo_port}&text=abc") == {"echo": "echo:abc"}
    assert get_json(waiting, f"/sock?port={echo_port}") == {"echo": "echo:raw"}


def test_httpx_async_client_inside_a_handler(waiting):
    pytest.importorskip("httpx")
    assert get_json(waiting, f"/httpx?port={waiting.port}") == {"status": 200, "body": 10}


def test_background_tasks_keep_running_after_the_response(waiting):
    assert get_json(waiting, "/background") == {"started": True}
    assert wait_for_file(waiting.markers / "background-done")


def leave_after(server, path: str, seconds: float = 0.3) -> None:
    """Send a request, wait a little, and disconnect without reading the answer."""
    c = Conn(server.host, server.port)
    c.send(build_request("GET", path))
    time.sleep(seconds)
    c.close()


def test_a_client_that_disconnects_cancels_its_handler(waiting):
    tag = f"c{waiting.cores}"
    leave_after(waiting, f"/cancel-me?tag={tag}")
    assert wait_for_file(waiting.markers / f"cancelled-{tag}"), "the handler was not cancelled"
    assert "Traceback" not in waiting.stderr, waiting.stderr
    assert get_json(waiting, "/sleep?ms=1")["slept"] == 1


def test_exceptions_in_tasks_are_500s_or_handled(waiting):
    r = fetch(waiting, "GET", "/async-error")
    assert r.status == 500 and r.body == b"Internal Server Error"
    r = fetch(waiting, "GET", "/async-http-error")
    assert r.status == 418 and r.json() == {"detail": "teapot after a wait"}
    r = fetch(waiting, "GET", "/sync-error")
    assert r.status == 500
    assert "RuntimeError: boom in a task" in waiting.stderr
    assert "ValueError: boom in a pool thread" in waiting.stderr
    assert get_json(waiting, "/json") == {"hello": "world"}


# --- blocking handlers ---------------------------------------------------------------------


def test_a_blocking_handler_does_not_stall_the_core(waiting):
    # Fill every core with blocking sleeps of 2 s, then ask for /json on each connection.
    with ThreadPoolExecutor(16) as ex:
        blocked = [ex.submit(get_json, waiting, "/block?ms=2000") for _ in range(12)]
        time.sleep(0.3)
        started = time.monotonic()
        for _ in range(10):
            assert get_json(waiting, "/json") == {"hello": "world"}
        took = time.monotonic() - started
        results = [f.result() for f in blocked]
    assert took < 1.5, f"/json waited for the blocking handlers ({took:.2f} s for 10 requests)"
    assert all(r["thread"].startswith("fasterapi-blocking") for r in results)


def test_sync_handlers_move_inline_once_measured_quick(waiting):
    # Pool first (a def handler may block); after enough quick calls, on the core thread.
    threads = [get_json(waiting, "/where")["thread"] for _ in range(40 * waiting.cores + 40)]
    assert threads[0].startswith("fasterapi-blocking")
    assert not threads[-1].startswith("fasterapi-blocking"), threads[-5:]
    assert not get_json(waiting, "/where-inline")["thread"].startswith("fasterapi-blocking")
    for _ in range(80):
        assert get_json(waiting, "/where-pool")["thread"].startswith("fasterapi-blocking")


def test_a_handler_that_always_blocks_stays_in_the_pool(waiting):
    # /block sleeps in the pool too: it never proves quick, so it never runs inline.
    assert all(get_json(waiting, "/block?ms=3")["thread"].startswith("fasterapi-blocking") for _ in range(60))


def test_a_handler_seen_blocking_inline_goes_back_to_the_pool(waiting):
    def in_pool(c, path="/quick-then-slow"):
        return c.request("GET", path).json()["thread"].startswith("fasterapi-blocking")

    with Conn(waiting.host, waiting.port) as c:  # one connection: one core
        # Each time it is seen blocking, it must prove quick in the pool over twice as many
        # calls as before (32, 64, 128, ...) to come back inline.
        for round_ in range(3):
            calls = 0
            while in_pool(c):
                calls += 1
                assert calls <= 40 * 2**round_, f"not promoted after {calls} quick calls (round {round_})"
            assert calls >= 32 * 2**round_ - 1, f"promoted after only {calls} calls (round {round_})"
            assert c.request("GET", "/quick-then-slow?slow=true").status == 200
            assert in_pool(c)
    assert "held the core for" in waiting.stderr


# --- streamed bodies -------------------------------------------------------------------------


def test_streamed_bodies_are_chunked_or_close_delimited(waiting):
    r = fetch(waiting, "GET", "/stream?n=3")
    assert r.status == 200 and r.framing == "chunked"
    assert r.body == b"line 0\nline 1\nline 2\n"
    assert r.header("content-type") == "text/plain; charset=utf-8"
    r = fetch(waiting, "GET", "/astream?n=4&ms=5")
    assert r.framing == "chunked" and r.body == b"".join(f"tick {i}\n".encode() for i in range(4))
    assert r.header("x-stream") == "yes"
    with Conn(waiting.host, waiting.port) as c:
        c.send(build_request("GET", "/stream?n=2", version="1.0"))
        r = c.read_response()
        assert r.framing == "close" and r.body == b"line 0\nline 1\n"
    r = fetch(waiting, "HEAD", "/stream?n=2")
    assert r.status == 200 and r.body == b""


def test_a_stream_that_breaks_midway_closes_the_connection(waiting):
    with Conn(waiting.host, waiting.port) as c:
        c.send(build_request("GET", "/stream?n=5&fail_at=2"))
        closed, raw = c.wait_closed(5)
    assert closed
    assert b"line 1\n" in raw and not raw.endswith(b"0\r\n\r\n"), raw[-40:]
    assert "RuntimeError: the stream broke" in waiting.stderr


def test_a_client_leaving_mid_stream_closes_the_generator(waiting):
    tag = f"s{waiting.cores}"
    leave_after(waiting, f"/astream?n=1000&ms=20&tag={tag}")
    assert wait_for_file(waiting.markers / f"closed-{tag}"), "the generator was not closed"


def test_a_large_stream_arrives_whole(waiting):
    r = fetch(waiting, "GET", "/big-stream?mb=16", timeout=30)
    assert len(r.body) == 16 << 20 and r.body.count(b"x") == 16 << 20


# --- file bodies -----------------------------------------------------------------------------


def test_file_responses_with_ranges(waiting):
    data = os.urandom(300_000)
    (waiting.markers / "data.bin").write_bytes(data)
    r = fetch(waiting, "GET", "/file")
    assert r.status == 200 and r.body == data
    assert r.header("accept-ranges") == "bytes" and r.header("etag") and r.header("last-modified")
    r = fetch(waiting, "GET", "/file", headers={"Range": "bytes=100-199"})
    assert r.status == 206 and r.body == data[100:200]
    assert r.header("content-range") == "bytes 100-199/300000"
    r = fetch(waiting, "GET", "/file", headers={"Range": "bytes=-10"})
    assert r.status == 206 and r.body == data[-10:]
    r = fetch(waiting, "GET", "/file", headers={"Range": "bytes=300000-"})
    assert r.status == 416 and r.header("content-range") == "bytes */300000"
    etag = fetch(waiting, "GET", "/file").header("etag")
    r = fetch(waiting, "GET", "/file", headers={"Range": "bytes=0-0", "If-Range": etag})
    assert r.status == 206 and r.body == data[:1]
    r = fetch(waiting, "GET", "/file", headers={"Range": "bytes=0-0", "If-Range": '"stale"'})
    assert r.status == 200 and len(r.body) == len(data)
    r = fetch(waiting, "HEAD", "/file")
    assert r.status == 200 and r.header("content-length") == "300000"
    r = fetch(waiting, "GET", "/file?download=true")
    assert r.header("content-disposition") == 'attachment; filename="data.bin"'
    r = fetch(waiting, "GET", "/file?name=missing.bin")
    assert r.status == 500


# --- an idle server --------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_idle_server_sleeps(waiting):
    # After the tests above (threads started, tasks run), nothing should spin.
    time.sleep(0.5)
    before = _cpu_seconds(waiting.proc.pid)
    time.sleep(3)
    used = _cpu_seconds(waiting.proc.pid) - before
    assert used / 3 < 0.01 * waiting.cores + 0.01, f"idle server used {used / 3:.1%} CPU"


def test_json_body_of_results_is_still_native(waiting):
    r = fetch(waiting, "GET", "/json")
    assert json.loads(r.body) == {"hello": "world"} and r.header("content-length") == "17"


# --- batching --------------------------------------------------------------------------------


def test_batches_collect_concurrent_requests_and_answer_each_in_order(waiting):
    def one(i):
        r = fetch(waiting, "POST", "/double", json.dumps({"value": i}).encode(), {"Content-Type": "application/json"})
        assert r.status == 200, r
        return r.json()

    with ThreadPoolExecutor(32) as ex:
        results = list(ex.map(one, range(64)))
    assert [r["value"] for r in results] == [2 * i for i in range(64)]
    assert all(1 <= r["batch"] <= 8 for r in results)
    assert max(r["batch"] for r in results) > 1, "no two requests were ever batched"
    # A lone request goes after max_wait_ms.
    assert one(5) == {"value": 10, "batch": 1}


def test_a_batch_handler_with_the_wrong_number_of_answers_is_a_500_for_the_batch(waiting):
    with ThreadPoolExecutor(4) as ex:
        codes = list(ex.map(lambda _: fetch(waiting, "POST", "/bad-batch", b"{}", check=False).status, range(4)))
    assert codes == [500] * 4
    assert "must return a list of" in waiting.stderr
    assert fetch(waiting, "GET", "/json").status == 200


def test_shutdown_during_an_endless_stream_and_a_pending_task():
    import signal

    srv = Server(APP, cores=1, env={"FASTERAPI_GRACE": "1"}).start()
    stream = Conn(srv.host, srv.port)
    pending = Conn(srv.host, srv.port)
    try:
        stream.send(build_request("GET", "/astream?n=100000&ms=10"))
        pending.send(build_request("GET", "/sleep?ms=60000"))
        time.sleep(0.5)
        srv.send_signal(signal.SIGTERM)
        assert srv.wait(15) == 0, srv.describe()
        assert "Traceback" not in srv.stderr and "Fatal" not in srv.stderr, srv.stderr
    finally:
        stream.close()
        pending.close()
        if srv.alive():
            srv.kill()
