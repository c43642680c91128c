#!/usr/bin/env bash
# Does background compaction hurt ingestion? `serve` (release) first fills a log past one 64 MiB
# segment (compaction off), then is restarted on it twice, alternating: with the background
# compaction on (it starts on the sealed segment at once, at log_compaction_cpu_percent) and off,
# each time under wrk -c64 on /webhook. Needs wrk. Usage: Benchmarks/compaction-latency.sh [fill s] [s per run] [rounds]
# (SKIP_BUILD=1 when .build/release is already built).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/wrk-cells.sh
# Runs shorter than about 60 s finish no compaction pass (a segment takes 5-9 CPU s at a quarter core).
FILL=${1:-90}
RUN_FOR=${2:-60}
ROUNDS=${3:-2}
CORPUS_SIZE=300000
source Benchmarks/compaction-common.sh
echo '{"log_compaction": false}' > "$WORK/off.json"
echo '{"log_compaction": true}' > "$WORK/on.json"
DATA=$WORK/data
SLICE=0
load() { # seconds; each run sends webhooks of its own (a slice of the corpus), not duplicates
  SLICE=$((SLICE + 1))
  CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook SLICES=12 SLICE=$SLICE \
    wrk -t2 -c64 -d"${1}s" --latency -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT"
}
start_serve "$WORK/off.json" "$DATA" info; load "$FILL" > /dev/null; stop_serve
echo "# compaction-latency — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores, ${RUN_FOR}s per run, wrk -t2 -c64 on /webhook"
echo "log before: $(find "$DATA/log" -name '*.seg' | wc -l) segments, $(du -sm "$DATA/log" | cut -f1) MB"
echo
echo "| run | background compaction | requests/s | p50 | p99 | p99.9 | max | non-2xx | serve CPU s during the run | of which log-compaction thread |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
cpu_ticks() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
# The compaction thread's CPU, as `serve` logs it after each pass that rewrote a segment (the thread
# ends with its pass, so /proc cannot be asked afterwards).
compaction_cpu() { { grep -o 'cpu_seconds=[0-9.]*' "$WORK/serve.err" || true; } | cut -d= -f2 |
  awk '{s += $1} END {printf "%.1f", s}'; }
for ROUND in $(seq "$ROUNDS"); do
  for MODE in on off; do
    : > "$WORK/serve.err"
    start_serve "$WORK/$MODE.json" "$DATA" info
    TICKS0=$(cpu_ticks)
    CELLS=$(wrk_cells "$(load "$RUN_FOR")")
    TICKS1=$(cpu_ticks)
    stop_serve
    COMPACTING=$(compaction_cpu)
    HZ=$(getconf CLK_TCK)
    echo "| $ROUND | $MODE | $CELLS | $(( (TICKS1 - TICKS0) / HZ )) | $COMPACTING |"
  done
done
echo
echo "log after: $(find "$DATA/log" -name '*.seg' | wc -l) segments, $(du -sm "$DATA/log" | cut -f1) MB"
