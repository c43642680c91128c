# Sourced by the load scripts. wrk_cells OUTPUT: the cells of one table row from the output of
# `wrk --latency -s Benchmarks/ingest.lua` (whose done() prints the tail line):
# requests/s | p50 | p99 | p99.9 | max | non-2xx
wrk_cells() {
  local out=$1 rps p50 p99 tail non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  tail=$(echo "$out" | awk '/^tail:/ {print $3 " | " $5}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$rps | $p50 | $p99 | ${tail:-– | –} | ${non2xx:-0}"
}
