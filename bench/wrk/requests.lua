-- Sends the requests listed in a file, one per line: METHOD <TAB> PATH <TAB> HEADERS <TAB> BODY,
-- where HEADERS is "-" or "Name: value" pairs joined by "|", and BODY may be empty.
--
--   BENCH_REQUESTS=file BENCH_MODE=once|cycle BENCH_SECONDS=s [BENCH_COUNT=text] wrk -t1 -cN -dS -s requests.lua URL
--
-- Requests are sent for BENCH_SECONDS (once: at most one per line; cycle: the lines repeat); then no
-- more are sent, the ones in flight are awaited, and the run ends at the last answer. So every
-- request sent is either answered, with its latency, or still unanswered at wrk's -d, the hard stop.
-- BENCH_COUNT: a text to count in answers (a scan refused inside a 200 sync batch).
-- done() prints one line, "BENCH {json}". One wrk thread only: the last answer signals wrk's main
-- thread (SIGINT) so that the summary's duration is the run's, not -d.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
int kill(int pid, int sig);
int getpid(void);
]]

local path = assert(os.getenv("BENCH_REQUESTS"), "BENCH_REQUESTS is not set")
local once = os.getenv("BENCH_MODE") == "once"
local window = assert(tonumber(os.getenv("BENCH_SECONDS")), "BENCH_SECONDS is not set")
local needle = os.getenv("BENCH_COUNT")

local requests, answered, started, closed = {}, 0, nil, false
local clock = ffi.new("bench_timespec")
local thread
-- Globals, so that done() can read them with thread:get(). `reserved` counts the requests really
-- sent (wrk itself calls request() once more, to check it, before the run).
sent, reserved, matched, statuses, n_lines = 0, 0, 0, {}, 0

local function now()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local function split(text, separator)
  local parts, start = {}, 1
  while true do
    local at = string.find(text, separator, start, true)
    if not at then
      table.insert(parts, string.sub(text, start))
      return parts
    end
    table.insert(parts, string.sub(text, start, at - 1))
    start = at + #separator
  end
end

local function finish_when_drained()
  if closed and answered >= reserved then
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end

function setup(t)
  thread = t
end

function init(args)
  for line in io.lines(path) do
    local fields = split(line, "\t")
    local headers = {}
    if fields[3] ~= "-" then
      for _, pair in ipairs(split(fields[3], "|")) do
        local name, value = string.match(pair, "^([^:]+):%s*(.*)$")
        headers[name] = value
      end
    end
    local body = fields[4]
    if body == nil or body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
  end
  assert(#requests > 0, "no requests in " .. path)
  n_lines = #requests
end

-- Asked once before every request, and the only place that lets one go: a connection told to wait
-- ten minutes sends nothing more (-d ends the run long before). Reserving here, not in request(),
-- keeps two connections asking at once from both taking the last line.
function delay()
  started = started or now()
  if (once and reserved >= #requests) or now() - started >= window then
    closed = true
    finish_when_drained()
    return 600000
  end
  reserved = reserved + 1
  return 0
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  answered = answered + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if needle and body then
    local start = 1
    while true do
      local at = string.find(body, needle, start, true)
      if not at then break end
      matched = matched + 1
      start = at + #needle
    end
  end
  finish_when_drained()
end

local function json_object(values)
  local parts = {}
  for name, value in pairs(values) do
    table.insert(parts, string.format('"%s":%s', name, tostring(value)))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, _)
  local percentiles = {}
  for _, p in ipairs({ 50, 90, 99 }) do
    percentiles["p" .. p] = latency:percentile(p)
  end
  percentiles.max = latency.max
  percentiles.mean = latency.mean
  local fields = {
    requests = summary.requests,
    duration_us = summary.duration,
    errors = json_object(summary.errors),
    latency_us = json_object(percentiles),
    lines = thread:get("n_lines"),
    sent = thread:get("reserved"),
    matched = thread:get("matched"),
    statuses = json_object(thread:get("statuses")),
  }
  io.write("BENCH " .. json_object(fields) .. "\n")
end
