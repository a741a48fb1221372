-- wrk script for bench/load.py: reports figures as one JSON line, and, when
-- FASCIA_LOAD_BODY is set, sends enquiry posts, each with its own name and mobile number.

local body_prefix = os.getenv("FASCIA_LOAD_BODY")
local origin = os.getenv("FASCIA_LOAD_ORIGIN")
local first_number = tonumber(os.getenv("FASCIA_LOAD_FIRST_NUMBER") or "0")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Each wrk thread numbers its posts in its own block of ten million.
  counter = first_number + thread_number * 10000000
end

if body_prefix then
  function request()
    counter = counter + 1
    local body = body_prefix .. "&name=Load+Patient+" .. counter .. "&phone=9" .. string.format("%09d", counter)
    return wrk.format("POST", nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Origin"] = origin,
    }, body)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'FASCIA_WRK {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "bad_statuses": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.timeout, errors.status, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
