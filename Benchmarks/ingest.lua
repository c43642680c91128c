-- wrk script: POSTs signed webhooks read from $CORPUS (signature TAB body per line) to $TARGET_PATH.
local signatures, bodies = {}, {}
for line in io.lines(os.getenv("CORPUS")) do
  local tab = line:find("\t", 1, true)
  signatures[#signatures + 1] = line:sub(1, tab - 1)
  bodies[#bodies + 1] = line:sub(tab + 1)
end
local target = os.getenv("TARGET_PATH") or "/webhook"
local index = 0

function init(args)
  -- Each thread starts elsewhere in the corpus, so that threads do not send the same webhooks.
  index = (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % #bodies
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", target, { ["X-Hub-Signature-256"] = signatures[index], ["Content-Type"] = "application/json" }, bodies[index])
end

-- $PAUSE_MS > 0: each connection waits that long between requests (a paced, not saturating, load).
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
if pause > 0 then
  function delay()
    return pause
  end
end
