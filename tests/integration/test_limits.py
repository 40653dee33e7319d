"""Backpressure, time limits and observability over the real server: FASTERAPI_MAX_INFLIGHT
and a full blocking pool answer 503 with Retry-After, `timeout=` answers 504 and cancels the
handler, /metrics in Prometheus' format, the access log, and the Host rules."""

from __future__ import annotations

import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.integration.helpers import fetch
from tests.integration.rawhttp import Conn
from tests.integration.server import Server

APP = "tests.apps.waiting:app"


def statuses(server, path, n):
    with ThreadPoolExecutor(n) as ex:
        return list(ex.map(lambda _: fetch(server, "GET", path, check=False), range(n)))


def test_beyond_max_inflight_requests_get_503_with_retry_after():
    srv = Server(APP, cores=1, env={"FASTERAPI_MAX_INFLIGHT": "4"}).start()
    try:
        answers = statuses(srv, "/sleep?ms=800", 12)
        codes = sorted(r.status for r in answers)
        assert codes.count(200) >= 4 and codes.count(503) >= 1, codes
        busy = next(r for r in answers if r.status == 503)
        assert busy.header("retry-after") == "1" and busy.json() == {"detail": "Service Unavailable"}
        assert fetch(srv, "GET", "/json").status == 200
    finally:
        srv.stop_and_check()


def test_a_full_blocking_pool_answers_503_and_the_core_keeps_serving():
    env = {"FASTERAPI_BLOCKING_THREADS": "2", "FASTERAPI_BLOCKING_QUEUE": "2"}
    srv = Server(APP, cores=1, env=env).start()
    try:
        with ThreadPoolExecutor(10) as ex:
            pending = [ex.submit(fetch, srv, "GET", "/block?ms=1000", check=False) for _ in range(8)]
            time.sleep(0.3)
            assert fetch(srv, "GET", "/sleep?ms=1").status == 200  # async work is unaffected
            codes = sorted(f.result().status for f in pending)
        assert codes == [200] * 4 + [503] * 4, codes
    finally:
        srv.stop_and_check()


@pytest.fixture(scope="module")
def observed():
    with tempfile.TemporaryDirectory() as markers:
        env = {"FASTERAPI_TEST_DIR": markers, "FASTERAPI_METRICS": "1", "FASTERAPI_ACCESS_LOG": "1"}
        srv = Server(APP, cores=2, env=env).start()
        srv.markers = Path(markers)
        yield srv
        srv.stop_and_check()


def test_a_route_timeout_answers_504_and_cancels_the_handler(observed):
    started = time.monotonic()
    r = fetch(observed, "GET", "/never?tag=t1")
    assert r.status == 504 and r.json() == {"detail": "Gateway Timeout"}
    assert time.monotonic() - started < 3
    deadline = time.monotonic() + 5
    while not (observed.markers / "timeout-cancelled-t1").exists():
        assert time.monotonic() < deadline, "the timed-out handler was not cancelled"
        time.sleep(0.02)
    # A sync handler cannot be interrupted: its late answer is dropped.
    r = fetch(observed, "GET", "/never-sync")
    assert r.status == 504
    assert "exceeded its timeout; answered 504" in observed.stderr
    assert fetch(observed, "GET", "/json").status == 200


def test_metrics_in_prometheus_format(observed):
    for _ in range(20):
        assert fetch(observed, "GET", "/json").status == 200
    assert fetch(observed, "GET", "/nowhere", check=False).status == 404
    text = fetch(observed, "GET", "/metrics").text
    samples = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = re.fullmatch(r'([a-z_]+)\{([^}]*)\} ([0-9.e+-]+)', line)
        assert m, f"not a Prometheus sample: {line!r}"
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        samples.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    json_200 = sum(v for l, v in samples["fasterapi_requests_total"] if l["route"] == "GET /json" and l["status"] == "200")
    assert json_200 >= 20
    assert any(l["route"] == "(unmatched)" and l["status"] == "404" for l, _ in samples["fasterapi_requests_total"])
    assert {l["core"] for l, _ in samples["fasterapi_requests_in_flight"]} == {"0", "1"}
    assert "fasterapi_blocking_queue_depth" in samples
    assert "fasterapi_lane_queue_depth" in samples
    buckets = [(l, v) for l, v in samples["fasterapi_request_duration_seconds_bucket"] if l["route"] == "GET /json"]
    assert buckets and all(l["le"] for l, _ in buckets)
    inf_total = sum(v for l, v in buckets if l["le"] == "+Inf")
    assert inf_total >= json_200  # the histogram counts every status of the route
    assert "# TYPE fasterapi_request_duration_seconds histogram" in text


def test_access_log_lines(observed):
    assert fetch(observed, "GET", "/json?x=1").status == 200
    deadline = time.monotonic() + 3
    pattern = re.compile(r'^INFO:     127\.0\.0\.1:\d+ - "GET /json\?x=1 HTTP/1\.1" 200 OK$', re.M)
    while not pattern.search(observed.stderr):
        assert time.monotonic() < deadline, observed.stderr[-2000:]
        time.sleep(0.05)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /json HTTP/1.1\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"POST /json HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    ids=["no-host", "two-hosts", "bad-host", "te-on-1.0"],
)
def test_host_rules_and_transfer_encoding_on_1_0(observed, raw):
    with Conn(observed.host, observed.port) as c:
        c.send(raw)
        r = c.read_response()
    assert r.status == 400
    assert fetch(observed, "GET", "/json").status == 200
