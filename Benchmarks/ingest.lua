-- wrk script: POSTs signed webhooks read from $CORPUS (signature TAB body per line) to $TARGET_PATH.
--
-- Each thread reads its own part of the corpus line by line as it sends, from a file handle of its
-- own. The corpus is not loaded up front: wrk runs a thread's script on its main thread after the
-- previous thread has started sending, so loading 200,000 lines there took a core from the server
-- for a few hundred milliseconds, and wrk 4.1's correction for coordinated omission turned that
-- stall into ~1% of the latency samples (p99.9 ~100 ms on every route, the trivial ones included).
local corpus = os.getenv("CORPUS")
local target = os.getenv("TARGET_PATH") or "/webhook"
-- Threads start this far apart in the corpus (wrk -t; the load scripts use 2).
local threads = tonumber(os.getenv("WRK_THREADS") or "2")

-- Runs on wrk's main thread, once per thread, before that thread's init().
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local file
local part_end
function init(args)
  file = assert(io.open(corpus, "rb"))
  local size = file:seek("end")
  -- $SLICE of $SLICES (the sustained run): each run of wrk starts in a part of the corpus of its own,
  -- so consecutive runs send new webhooks, not duplicates.
  local slices = tonumber(os.getenv("SLICES") or "1")
  local slice = tonumber(os.getenv("SLICE") or "0")
  local part = slice * threads + (id % threads)
  file:seek("set", math.floor(size * part / (threads * slices)))
  if part ~= 0 then file:read("*l") end -- to the start of the next whole line
  -- $DONE_DIR set: the thread stops at the end of its part (a fill of a known size, each webhook
  -- sent once) instead of wrapping around, and leaves a file there (wrk itself runs out its -d).
  if os.getenv("DONE_DIR") then
    part_end = math.floor(size * (part + 1) / (threads * slices))
  end
end

local headers = { ["Content-Type"] = "application/json" }
function request()
  if part_end and file:seek() >= part_end then
    assert(io.open(os.getenv("DONE_DIR") .. "/" .. id, "w")):close()
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  local line = file:read("*l")
  if not line then
    file:seek("set", 0)
    line = file:read("*l")
  end
  local tab = line:find("\t", 1, true)
  headers["X-Hub-Signature-256"] = line:sub(1, tab - 1)
  return wrk.format("POST", target, headers, line:sub(tab + 1))
end

-- $PAUSE_MS > 0: each connection waits that long between requests (a paced, not saturating, load).
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end

-- The tail beyond wrk's own percentiles (after its correction for coordinated omission).
function done(summary, latency, requests)
  io.write(string.format("tail: p99.9 %.2fms max %.2fms\n", latency:percentile(99.9) / 1000, latency.max / 1000))
end
