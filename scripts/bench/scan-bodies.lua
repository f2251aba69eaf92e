-- wrk script for the bench's scan phase (scripts/bench/wrk.ts): POSTs one pre-made scan body per
-- request (a fresh id and token each), read from the file named by the first argument, one JSON
-- body a line; the bearer token is the second argument, the thread count the third. Thread k
-- sends lines k, k + threads, … so no body is sent twice. At the end, prints one JSON line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local every = tonumber(args[3])
  bodies = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % every == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  sent = 0
  wrk.method = "POST"
  wrk.path = "/api/v1/scans"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end

function request()
  sent = sent + 1
  -- A pool too small for the run: the server refuses these (counted as non-2xx, reported).
  local body = bodies[sent] or '{"id":"pool-exhausted","token":"pool-exhausted","checkpoint_code":"pool-exhausted"}'
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local sentTotal = 0
  for _, thread in ipairs(threads) do sentTotal = sentTotal + thread:get("sent") end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"sent":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"non2xx":%d,"timeouts":%d,' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"cpu_s":%.3f}\n',
    summary.requests, sentTotal, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, os.clock()))
end
