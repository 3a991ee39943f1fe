-- wrk reporting for bench/run.py: when the run ends, print one machine-readable line
--   BENCH_JSON {"requests":..,"rps":..,"latency_ms":{"p50":..,"p99":..},"errors":{..}}
-- errors.status counts responses outside 2xx/3xx; connect/read/write/timeout are socket errors.
-- Scripts that count status codes themselves (vote.lua) leave a `statuses` table in each thread;
-- they are summed into "statuses".

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function json_statuses()
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if type(counts) == "table" then
      for code, n in pairs(counts) do
        totals[code] = (totals[code] or 0) + n
      end
    end
  end
  local parts = {}
  for code, n in pairs(totals) do
    table.insert(parts, string.format('"%s":%d', tostring(code), n))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local function ms(p) return latency:percentile(p) / 1000 end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,"bytes":%d,'
      .. '"latency_ms":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f,"mean":%.3f},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},'
      .. '"statuses":%s}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    ms(50), ms(90), ms(99), latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.timeout, e.status,
    json_statuses()))
end
