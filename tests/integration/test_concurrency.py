"""Many concurrent connections, on 1 and 2 cores."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.integration.rawhttp import Conn, build_request, check_common

THREADS = 50
PER_THREAD = 20


def _worker(server, t):
    """Even threads reuse one keep-alive connection, odd ones open one per request."""
    errors = []
    conn = Conn(server.host, server.port, timeout=30) if t % 2 == 0 else None
    try:
        for j in range(PER_THREAD):
            c = conn or Conn(server.host, server.port, timeout=30)
            try:
                uid = t * 1000 + j
                if j % 5 == 4:
                    body = json.dumps({"name": f"t{t}-{j}", "price": j}).encode()
                    r = c.request("POST", "/items", body, {"Content-Type": "application/json"})
                    check_common(r)
                    if r.status != 201 or r.json().get("tags") != []:
                        errors.append((t, j, r))
                elif j % 7 == 6:
                    r = c.request("GET", "/sleep?ms=5")
                    if r.status != 200:
                        errors.append((t, j, r))
                else:
                    r = c.request("GET", f"/users/{uid}?q=t{t}")
                    check_common(r)
                    if r.status != 200 or r.json() != {"user_id": uid, "q": f"t{t}"}:
                        errors.append((t, j, r))
            finally:
                if conn is None:
                    c.close()
    finally:
        if conn is not None:
            conn.close()
    return errors


def test_many_concurrent_connections(hello_server):
    with ThreadPoolExecutor(THREADS) as ex:
        futures = [ex.submit(_worker, hello_server, t) for t in range(THREADS)]
        errors = [e for f in futures for e in f.result(timeout=120)]
    assert not errors, f"{len(errors)} wrong answers, first: {errors[:3]!r}"
    assert hello_server.alive()


def test_concurrent_pipelined_connections(hello_server):
    def run(t):
        with Conn(hello_server.host, hello_server.port, timeout=30) as c:
            c.send(b"".join(build_request("GET", f"/users/{t * 100 + i}") for i in range(25)))
            return [c.read_response().json()["user_id"] for _ in range(25)]

    with ThreadPoolExecutor(20) as ex:
        results = list(ex.map(run, range(20), timeout=120))
    for t, ids in enumerate(results):
        assert ids == [t * 100 + i for i in range(25)], (t, ids)


def test_connections_spread_over_all_cores(features_server):
    # hold many connections open at once and ask each which core serves it
    conns = []
    try:
        barrier = threading.Barrier(40)

        def open_conn(_):
            barrier.wait(10)
            return Conn(features_server.host, features_server.port, timeout=15)

        with ThreadPoolExecutor(40) as ex:
            conns = list(ex.map(open_conn, range(40)))
        cores = {c.request("GET", "/core").json()["core"] for c in conns}
    finally:
        for c in conns:
            c.close()
    assert len(cores) == features_server.cores, f"cores that served: {cores}"
    assert all(isinstance(x, int) and x >= 0 for x in cores), cores
