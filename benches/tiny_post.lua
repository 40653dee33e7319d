-- POST a 5-byte body (scripts/bench-exec, batching row); BENCH_PIPELINE=N sends N such
-- requests per write.
wrk.method = "POST"
wrk.body = "hello"
local depth = tonumber(os.getenv("BENCH_PIPELINE") or "1")
if depth > 1 then
   init = function(args)
      local r = {}
      for i = 1, depth do r[i] = wrk.format("POST", wrk.path, nil, "hello") end
      req = table.concat(r)
   end
   request = function()
      return req
   end
end
