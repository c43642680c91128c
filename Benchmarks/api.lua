-- wrk script: GETs $TARGET_PATH on the dashboard API with `Authorization: Bearer $TOKEN` (when set).
-- $FOLLOW_ETAG=1: each connection sends the ETag of its last answer as If-None-Match (a polling
-- dashboard: 304 while the projections' position is unchanged); done() reports the share of 304s.
local target = os.getenv("TARGET_PATH") or "/healthz"
local token = os.getenv("TOKEN")
local follow = os.getenv("FOLLOW_ETAG") == "1"

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local headers = {}
local etag
answers, not_modified = 0, 0 -- globals: done() reads them through thread:get()
function init(args)
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
end

function request()
  if follow and etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", target, headers)
end

function response(status, response_headers, body)
  answers = answers + 1
  if status == 304 then not_modified = not_modified + 1 end
  if follow then etag = response_headers["ETag"] or response_headers["etag"] or etag end
end

-- Sums the counts of every thread.
function done(summary, latency, requests)
  local total, hits = 0, 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("answers") or 0)
    hits = hits + (thread:get("not_modified") or 0)
  end
  io.write(string.format("tail: p99.9 %.2fms max %.2fms\n", latency:percentile(99.9) / 1000, latency.max / 1000))
  if total > 0 then io.write(string.format("not-modified: %.1f%%\n", 100 * hits / total)) end
end
