-- wrk script: requests come from a file of lines "METHOD<TAB>PATH<TAB>session cookie<TAB>CSRF token",
-- taken in turn (each thread starts at its own offset); done() prints the figures as JSON.
local threads = {}
local lines = {}
local index = 0

setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

init = function(args)
  for line in io.lines(args[1]) do
    local method, path, cookie, csrf = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    table.insert(lines, {method = method, path = path, cookie = cookie, csrf = csrf})
  end
  index = (id or 0) * math.floor(#lines / 2)
end

request = function()
  index = index + 1
  local l = lines[(index % #lines) + 1]
  local headers = {}
  if l.cookie ~= "" then headers["Cookie"] = "session=" .. l.cookie end
  if l.csrf ~= "" then headers["X-CSRFToken"] = l.csrf end
  if l.method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(l.method, l.path, headers, l.method == "POST" and "" or nil)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
