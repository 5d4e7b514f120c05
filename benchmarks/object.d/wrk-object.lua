-- wrk script for benchmarks/object: PUTs of new small objects, or GETs of
-- objects that exist.
--
--   wrk [options] -s wrk-object.lua CONTAINER_URL -- put TAG
--   wrk [options] -s wrk-object.lua CONTAINER_URL -- get NAMES_FILE
--
-- CONTAINER_URL is the storage URL plus "/CONTAINER"; give the token with
-- -H "X-Auth-Token: ...".
--
-- "put TAG": every request is PUT CONTAINER_URL/obj-TAG-T-N, a name no other
-- request uses (T: the wrk thread, 1..threads; N: that thread's counter, from
-- 1), with a body of BENCH_OBJECT_SIZE bytes (default 4096) and
-- Content-Type: application/octet-stream.
--
-- "get NAMES_FILE": every request is GET CONTAINER_URL/NAME, cycling over
-- the names in NAMES_FILE (one a line, already URL-encoded); each thread
-- starts at its own offset. An answer whose body is not BENCH_OBJECT_SIZE
-- bytes counts as bad (badlen).
--
-- Every answer whose status is not 2xx is counted. When the run ends, one
-- machine-readable line is printed:
--   BENCHRESULT requests=N duration_us=N p50_us=N p99_us=N non2xx=N sockerr=N first_bad=S badlen=N

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local mode, tag, names, count, next_index, prefix, body, want_len, headers

function init(args)
  non2xx = 0
  first_bad = 0
  badlen = 0
  mode = args[1] or "get"
  want_len = tonumber(os.getenv("BENCH_OBJECT_SIZE") or "4096")
  prefix = wrk.path
  if prefix:sub(-1) ~= "/" then
    prefix = prefix .. "/"
  end
  if mode == "put" then
    tag = args[2] or "x"
    -- A fixed pseudo-random body (the server computes its MD5; its bytes do not matter).
    local parts = {}
    local x = 12345 + tid
    for i = 1, want_len do
      x = (x * 1103515245 + 12345) % 2147483648
      parts[i] = string.char(32 + (x % 95))
    end
    body = table.concat(parts)
    headers = {}
    for k, v in pairs(wrk.headers) do
      headers[k] = v
    end
    headers["Content-Type"] = "application/octet-stream"
    count = 0
  elseif mode == "get" then
    local path = args[2]
    if not path then
      error("get needs a file of object names")
    end
    names = {}
    for line in io.lines(path) do
      if line ~= "" then
        table.insert(names, line)
      end
    end
    if #names == 0 then
      error("no object names in " .. path)
    end
    -- Each thread starts at its own place in the list.
    next_index = ((tid - 1) * 7919) % #names
  else
    error("unknown mode: " .. mode .. " (put or get)")
  end
end

function request()
  if mode == "put" then
    count = count + 1
    return wrk.format("PUT", prefix .. "obj-" .. tag .. "-" .. tid .. "-" .. count, headers, body)
  end
  next_index = next_index % #names + 1
  return wrk.format("GET", prefix .. names[next_index])
end

function response(status, _, rbody)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == 0 then
      first_bad = status
    end
  elseif mode == "get" and #rbody ~= want_len then
    badlen = badlen + 1
  end
end

function done(summary, latency, requests)
  local bad, first, blen = 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    blen = blen + (t:get("badlen") or 0)
    local fb = t:get("first_bad") or 0
    if first == 0 and fb ~= 0 then
      first = fb
    end
  end
  local e = summary.errors
  local sockerr = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "BENCHRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d first_bad=%d badlen=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50.0), latency:percentile(99.0),
    bad, sockerr, first, blen))
end
