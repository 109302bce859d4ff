-- wrk script of the sqlscope benchmark: one route (or "mix" for warm-up and soak runs), random ids,
-- and a machine-readable summary line the harness parses.
local route = "read"
local rows = 10000
local mix = { "read", "update", "nodb", "error" }
local turn = 0

function init(args)
  route = args[1] or route
  rows = tonumber(args[2] or rows)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function build(name, id)
  if name == "read" then return wrk.format("GET", "/read/" .. id) end
  if name == "update" then return wrk.format("POST", "/update/" .. id) end
  if name == "error" then return wrk.format("POST", "/error/" .. id) end
  return wrk.format("GET", "/nodb")
end

function request()
  local id = math.random(1, rows)
  if route == "mix" then
    turn = turn % #mix + 1
    return build(mix[turn], id)
  end
  return build(route, id)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"statusErrors":%d,"otherErrors":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
