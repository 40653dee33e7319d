"""SharedCounter / SharedDict used at once from several own-GIL sub-interpreters (PEP 684).

Each interpreter runs in its own Python thread through the stdlib `_interpreters` module, so
the loops really run in parallel (one GIL each), like the server's cores. No update may be
lost, and every interpreter must see the same stores as the main one.
"""

from __future__ import annotations

import sys
import threading
import uuid

import pytest

from fasterapi import SharedCounter, SharedDict

_interpreters = pytest.importorskip("_interpreters")

INTERPRETERS = 4
N = 20_000

WORKER = """
import sys
sys.path[:] = {path!r}
from fasterapi import SharedCounter, SharedDict, _native

c = SharedCounter({counter!r})
d = SharedDict({dict!r})
me = {index}
for i in range({n}):
    c.add()
    d.incr("hits")
    d.incr(f"per-{{me}}")
    d[f"k{{me}}-{{i % 50}}"] = [me, i, {{"bytes": b"x", "big": 2**70}}]
# read back what another interpreter (or main) wrote: a copy, in this interpreter's types
assert d["from-main"] == {{"list": [1, 2], "n": None}}, d["from-main"]
d.setdefault("first", me)
assert _native.core_id() == -1
"""


def _run_all(code_for):
    iids = [_interpreters.create("isolated") for _ in range(INTERPRETERS)]
    try:
        for iid in iids:
            assert _interpreters.get_config(iid).gil == "own"
        errors: list = [None] * len(iids)
        start = threading.Barrier(len(iids))

        def run(k: int) -> None:
            start.wait()
            errors[k] = _interpreters.run_string(iids[k], code_for(k))

        threads = [threading.Thread(target=run, args=(k,)) for k in range(len(iids))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(e is None for e in errors), [e.errdisplay for e in errors if e is not None]
    finally:
        for iid in iids:
            _interpreters.destroy(iid)


def test_no_lost_updates_across_own_gil_interpreters():
    cname, dname = f"sub-counter-{uuid.uuid4()}", f"sub-dict-{uuid.uuid4()}"
    SharedDict(dname)["from-main"] = {"list": [1, 2], "n": None}

    _run_all(lambda k: WORKER.format(path=sys.path, counter=cname, dict=dname, index=k, n=N))

    c, d = SharedCounter(cname), SharedDict(dname)
    assert c.value == INTERPRETERS * N
    assert d["hits"] == INTERPRETERS * N
    for k in range(INTERPRETERS):
        assert d[f"per-{k}"] == N
        assert d[f"k{k}-49"] == [k, N - 1, {"bytes": b"x", "big": 2**70}]
    assert d["first"] in range(INTERPRETERS)
    assert len(d) == 1 + 1 + INTERPRETERS + INTERPRETERS * 50 + 1


def test_stores_outlive_the_interpreters_that_used_them():
    # values written by an interpreter that has since been destroyed are plain Rust data
    name = f"outlive-{uuid.uuid4()}"
    code = f"""
import sys
sys.path[:] = {sys.path!r}
from fasterapi import SharedDict
SharedDict({name!r})["k"] = ["written", "in", "a", "sub-interpreter"]
"""
    iid = _interpreters.create("isolated")
    try:
        assert _interpreters.run_string(iid, code) is None
    finally:
        _interpreters.destroy(iid)
    assert SharedDict(name)["k"] == ["written", "in", "a", "sub-interpreter"]
