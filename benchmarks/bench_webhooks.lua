-- wrk script for bench_webhooks.py: replays precomputed signed Twilio polls, one caller's polls
-- in order on one thread, stops when a thread has sent its share (no poll is ever repeated),
-- checks every answer is TwiML and prints one JSON line of results.
-- usage: wrk ... -s bench_webhooks.lua URL -- REQUESTS_FILE THREADS
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  requests = {}
  for line in io.lines(path) do
    local caller, target, signature, body = line:match("^(%d+)\t([^\t]+)\t([^\t]+)\t(.*)$")
    if tonumber(caller) % nthreads == id then
      requests[#requests + 1] = wrk.format("POST", target, {
        ["Host"] = wrk.host .. ":" .. wrk.port,
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
      }, body)
    end
  end
  prepared, sent, answered, non_twiml, forbidden, server_errors = #requests, 0, 0, 0, 0, 0
end

function request()
  sent = sent + 1
  if sent > #requests then
    wrk.thread:stop()
    sent = #requests
  end
  return requests[sent]
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 or body == nil or not string.find(body, "<Response", 1, true) then
    non_twiml = non_twiml + 1
    if status == 403 then forbidden = forbidden + 1 end
    if status >= 500 then server_errors = server_errors + 1 end
  end
end

function done(summary, latency, _)
  local total = { answered = 0, non_twiml = 0, forbidden = 0, server_errors = 0, prepared = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "answered": %d, "non_twiml": %d, '
    .. '"forbidden": %d, "server_errors": %d, "prepared": %d, "connect_errors": %d, '
    .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, total.answered, total.non_twiml, total.forbidden,
    total.server_errors, total.prepared, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
