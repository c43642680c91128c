#!/usr/bin/env bash
# Log compaction (issue 18): how much smaller the log at rest gets, what it costs to write and to read.
# `serve` (release, background compaction off) stores signed webhooks from wrk — 64 keep-alive
# clients, then 1 client (webhooks arriving one at a time). Each log is then copied once per codec
# cell (LZ4 HC 12, then zstd at each level given) and `clickunlock log compact --including-last`
# rewrites every segment of the copy; raw webhook bodies (the attachments, summed by `replay`)
# against the segment bytes before and after, the CPU seconds compaction took, and the read cost:
# wall seconds of `replay --format text > /dev/null` and of `log verify` on the log as written and on
# each compacted copy. Each cell is compacted and read ROUNDS times (a fresh copy each time) and the
# medians are shown (the sizes are the same every round).
# Needs wrk. Usage: Benchmarks/compaction.sh [seconds per pattern] [zstd levels, e.g. "9 15"] [batch bytes]
# Environment: ROUNDS (default 3); SKIP_BUILD=1 when .build/release is already built (e.g. under a lock).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_FOR=${1:-10}
ZSTD_LEVELS=${2:-9}
BATCH=${3:-1048576}
ROUNDS=${ROUNDS:-3}
CORPUS_SIZE=200000
source Benchmarks/compaction-common.sh
echo '{"log_compaction": false}' > "$WORK/config.json"
segment_bytes() { find "$1/log" -name '*.seg' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# Wall seconds of the command's run (its output thrown away).
wall() { /usr/bin/time -f "%e" -o "$WORK/wall" "$@" > /dev/null; cat "$WORK/wall"; }
# Median wall seconds of replay and of log verify on data directory $1, over ROUNDS runs.
read_cost() {
  local replay=() verify=()
  for _ in $(seq "$ROUNDS"); do
    replay+=("$(wall $BIN replay --data-dir "$1" --format text)")
    verify+=("$(wall $BIN log verify --data-dir "$1")")
  done
  echo "$(printf '%s\n' "${replay[@]}" | median) $(printf '%s\n' "${verify[@]}" | median)"
}

echo "# compaction — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores, ${RUN_FOR}s of wrk per pattern," \
  "batches of $BATCH bytes, medians of $ROUNDS compactions and reads per cell"
echo
echo "| clients | webhooks | raw bodies MB | codec | on disk MB | ratio to raw bodies | compaction CPU s |" \
  "CPU s per MB of bodies | replay s | log verify s |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
for CLIENTS in 64 1; do
  DATA=$WORK/data-$CLIENTS
  start_serve "$WORK/config.json" "$DATA"
  THREADS=$(( CLIENTS < 2 ? 1 : 2 ))
  CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook WRK_THREADS=$THREADS \
    wrk -t$THREADS -c$CLIENTS -d"${RUN_FOR}s" -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT" > "$WORK/wrk.out"
  stop_serve
  WEBHOOKS=$($BIN replay --data-dir "$DATA" --type webhook.received --format text | wc -l)
  RAW=$($BIN replay --data-dir "$DATA" --format text | grep -o '(+[0-9]* raw bytes)' | tr -dc '0-9\n' \
    | awk '{s += $1} END {print s + 0}')
  row() { # codec label, bytes, cpu, replay s, verify s
    awk -v c="$CLIENTS" -v w="$WEBHOOKS" -v r="$RAW" -v k="$1" -v b="$2" -v cpu="$3" -v rs="$4" -v vs="$5" 'BEGIN {
      printf "| %d | %d | %.2f | %s | %.2f | %.2fx | %s | %s | %s | %s |\n", c, w, r / 1e6, k, b / 1e6, r / b,
        cpu, (cpu == "—") ? "—" : sprintf("%.3f", cpu / (r / 1e6)), rs, vs }'
  }
  # shellcheck disable=SC2046
  row "as written" "$(segment_bytes "$DATA")" "—" $(read_cost "$DATA")
  for CELL in lz4hc:12 $(for L in $ZSTD_LEVELS; do echo "zstd:$L"; done); do
    CODEC=${CELL%%:*}
    LEVEL=${CELL##*:}
    CPUS=()
    for _ in $(seq "$ROUNDS"); do
      rm -rf "$DATA-copy"
      cp -a "$DATA" "$DATA-copy"
      /usr/bin/time -f "%U %S" -o "$WORK/time" $BIN log compact --data-dir "$DATA-copy" --including-last \
        --codec "$CODEC" --level "$LEVEL" --batch-bytes "$BATCH" > "$WORK/compact.out"
      CPUS+=("$(awk '{print $1 + $2}' "$WORK/time")")
    done
    $BIN log verify --data-dir "$DATA-copy" > /dev/null
    # shellcheck disable=SC2046
    row "$CODEC $LEVEL" "$(segment_bytes "$DATA-copy")" "$(printf '%s\n' "${CPUS[@]}" | median)" \
      $(read_cost "$DATA-copy")
  done
  rm -rf "$DATA-copy"
done
