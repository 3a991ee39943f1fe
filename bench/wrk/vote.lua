-- The write path: each request votes on the next post of a rotating list, as a user with a
-- write-scope API token. Usage (bench/run.py does this):
--   wrk -t N -s vote.lua http://127.0.0.1:PORT -- <token> <file: one post short id a line> <N>
-- Every thread starts at a different place in the list, so threads do not queue on one row lock.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local report_setup = setup
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  report_setup(thread)
end

local ids, position, headers
statuses = {}

function init(args)
  local token, path, threads_total = args[1], args[2], tonumber(args[3]) or 1
  ids = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(ids, line) end
  end
  -- Threads split the list into stripes; thread_index is set by setup() before init() runs.
  position = math.floor((thread_index or 0) * #ids / threads_total)
  headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
end

function request()
  position = position % #ids + 1
  return wrk.format("POST", "/api/v1/posts/" .. ids[position] .. "/vote/", headers, "{}")
end

function response(status, response_headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
