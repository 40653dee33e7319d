-- POST the 1 KB order of benches/items_models.py (scripts/bench-models): the body is read
-- once from the file named by ITEMS_BODY_FILE, written by benches/items_bench.py.
local path = os.getenv("ITEMS_BODY_FILE")
assert(path, "ITEMS_BODY_FILE is not set")
local f = assert(io.open(path, "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
