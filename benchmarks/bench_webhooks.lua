-- wrk script for bench_webhooks.py: replays precomputed signed Twilio polls, one caller's polls
-- in order on one thread; a thread that has sent them all stops and is counted as exhausted
-- (bench_webhooks.py prepares enough that this never happens, and flags the run if it does);
-- checks every answer is TwiML and prints one JSON line of results.
-- usage: wrk ... -s bench_webhooks.lua URL -- POLLS_PREFIX   (reads POLLS_PREFIX-<thread>.tsv)
-- init only reads lines (wrk starts its clock after every thread's init, but the first thread
-- already sends meanwhile, so init must be short); each request is formatted when sent.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  for line in io.lines(args[1] .. "-" .. id .. ".tsv") do
    lines[#lines + 1] = line
  end
  prepared, sent, answered, non_twiml, forbidden, server_errors = #lines, 0, 0, 0, 0, 0
  exhausted = 0
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
  sent = sent + 1
  if sent > prepared then
    exhausted = 1
    wrk.thread:stop()
    sent = prepared
  end
  local target, signature, body = lines[sent]:match("^([^\t]+)\t([^\t]+)\t(.*)$")
  headers["X-Twilio-Signature"] = signature
  return wrk.format("POST", target, headers, body)
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
  local total = { answered = 0, non_twiml = 0, forbidden = 0, server_errors = 0, prepared = 0,
                  exhausted = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "answered": %d, "non_twiml": %d, '
    .. '"forbidden": %d, "server_errors": %d, "prepared": %d, "exhausted": %d, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, '
    .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, total.answered, total.non_twiml, total.forbidden,
    total.server_errors, total.prepared, total.exhausted, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
