-- wrk script shared by the benchmarks (benchmarks/identity, benchmarks/image,
-- benchmarks/network).
--
--   wrk [options] -s wrk-requests.lua URL -- MODE
--
-- MODE "post-json": send POST with the JSON body read from the file named by
-- the BENCH_BODY_FILE environment variable (the password auth request, or
-- the port create request).
-- Any other MODE (or none): send the request as given on the command line
-- (method GET, headers from -H).
--
-- Every response whose status is not 2xx is counted. When the run ends, one
-- machine-readable line is printed:
--   BENCHRESULT requests=N duration_us=N p50_us=N p99_us=N non2xx=N sockerr=N first_bad=S

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  first_bad = 0
  local mode = args[1] or "get"
  if mode == "post-json" then
    local path = os.getenv("BENCH_BODY_FILE")
    if not path then
      error("BENCH_BODY_FILE is not set")
    end
    local f = assert(io.open(path, "rb"))
    local body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == 0 then
      first_bad = status
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    local fb = t:get("first_bad") or 0
    if first == 0 and fb ~= 0 then
      first = fb
    end
  end
  local e = summary.errors
  local sockerr = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "BENCHRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d first_bad=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50.0), latency:percentile(99.0),
    bad, sockerr, first))
end
