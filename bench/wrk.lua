-- wrk script of `npm run bench` (bench/generators.ts sets these variables):
--   BENCH_METHOD, BENCH_BODY  method and body of every request (headers come as -H)
--   BENCH_PATH, BENCH_IDS     the path; with BENCH_IDS, its "{id}" becomes a random id in 1..BENCH_IDS
-- done() prints one line, "BENCH_RESULT {json}", that generators.ts reads.
wrk.method = os.getenv('BENCH_METHOD') or 'GET'
wrk.body = os.getenv('BENCH_BODY')
wrk.path = os.getenv('BENCH_PATH') or wrk.path
local ids = tonumber(os.getenv('BENCH_IDS') or '0')

-- A static request is formatted once by wrk; only random ids need one per request.
if ids > 0 then
  local before, after = wrk.path:match('^(.-){id}(.*)$')
  function init (args)
    math.randomseed(os.time() * 1000 + seed)
  end
  function request ()
    return wrk.format(nil, before .. math.random(ids) .. after)
  end
end

-- Counted in each thread's own Lua state; done() collects them through the thread objects.
non2xx = 0
statuses = {}
function response (status)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
end

local threads = {}
function setup (thread)
  table.insert(threads, thread)
  thread:set('seed', #threads)
end

function done (summary, latency)
  local failed, codes = 0, {}
  for _, thread in ipairs(threads) do
    failed = failed + thread:get('non2xx')
    for code, count in pairs(thread:get('statuses')) do codes[code] = (codes[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(codes) do table.insert(parts, string.format('"%s":%d', code, count)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"statuses":{%s},' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), failed, table.concat(parts, ','),
    e.connect, e.read, e.write, e.timeout))
end
