"""An app whose every core counts into the same Rust-owned counter and dict.

Served with: fasterapi run tests.apps.shared_state:app --cores N --no-pin
"""

from fasterapi import FasterAPI, SharedCounter, SharedDict, _native

app = FasterAPI()

# module level: each core runs this once in its own interpreter, and gets the same stores
hits = SharedCounter("tests.apps.shared_state.hits")
by_core = SharedDict("tests.apps.shared_state.by_core")
# a plain module global, for contrast: one per core
local_hits = 0


@app.post("/hit")
def hit():
    global local_hits
    local_hits += 1
    core = _native.core_id()
    by_core.incr(str(core))
    return {"n": hits.add(), "core": core}


@app.get("/stats")
def stats():
    core = _native.core_id()
    return {"hits": hits.value, "by_core": dict(by_core.items()), "core": core, "local_hits": local_hits}
