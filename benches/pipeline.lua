-- wrk script: send BENCH_PIPELINE requests for the URL's path in one write (HTTP/1.1
-- pipelining). At one core per side, plain wrk saturates before a fast server does; a deep
-- pipeline takes most of wrk's per-request cost away and shows the server's own capacity.
init = function(args)
   local depth = tonumber(os.getenv("BENCH_PIPELINE") or "16")
   local r = {}
   for i = 1, depth do r[i] = wrk.format(nil, wrk.path) end
   req = table.concat(r)
end

request = function()
   return req
end
