-- POST a small JSON item (scripts/bench-exec, lane row).
wrk.method = "POST"
wrk.body = '{"name": "pen", "price": 1.5, "tags": ["a", "b"]}'
wrk.headers["Content-Type"] = "application/json"
