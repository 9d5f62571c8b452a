-- Sends the requests listed in a file, one per line: METHOD <TAB> PATH <TAB> HEADERS <TAB> BODY,
-- where HEADERS is "-" or "Name: value" pairs joined by "|", and BODY may be empty.
--
--   BENCH_REQUESTS=file BENCH_MODE=once|cycle [BENCH_COUNT=text] wrk -t1 -cN -dS -s requests.lua URL
--
-- once:  every line is sent exactly once; connections with nothing left to send idle (see delay()),
--        and the run ends when the last answer arrives, so it is bounded by count as well as by -d.
-- cycle: the lines repeat until -d ends.
-- BENCH_COUNT: a text to count in response bodies (a scan refused inside a 200 sync batch).
-- done() prints one line, "BENCH {json}". One thread only: the last answer signals wrk's main
-- thread (SIGINT) so that the summary's duration is the real one, not -d.

local ffi = require("ffi")
ffi.cdef [[
int kill(int pid, int sig);
int getpid(void);
]]

local path = assert(os.getenv("BENCH_REQUESTS"), "BENCH_REQUESTS is not set")
local once = os.getenv("BENCH_MODE") == "once"
local needle = os.getenv("BENCH_COUNT")

local requests, answered = {}, 0
local thread
-- Globals, so that done() can read them from the thread with thread:get(). `reserved` counts what
-- "once" really sent: wrk itself calls request() once more, to check it, before the run.
sent, reserved, matched, statuses, n_lines = 0, 0, 0, {}, 0

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

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

if once then
  -- Asked once before every request: a line is reserved here, so that two connections asking at
  -- once cannot both take the last one; a connection with nothing left waits (ten minutes: -d ends the run first).
  function delay()
    if reserved < #requests then
      reserved = reserved + 1
      return 0
    end
    return 600000
  end
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
  if once and answered >= #requests then
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), 2)
  end
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
