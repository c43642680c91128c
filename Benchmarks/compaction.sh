#!/usr/bin/env bash
# Log compaction (issue 18): how much smaller the log at rest gets, and what it costs. `serve`
# (release, background compaction off) stores signed webhooks from wrk — 64 keep-alive clients,
# then 1 client (webhooks arriving one at a time) — then `clickunlock log compact
# --including-last` rewrites every segment; raw webhook bodies (the attachments, summed by
# `replay`) against the segment bytes before and after, and the CPU seconds compaction took.
# Needs wrk. Usage: Benchmarks/compaction.sh [seconds per pattern] [level] [batch bytes]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_FOR=${1:-10}
LEVEL=${2:-12}
BATCH=${3:-1048576}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
swift build -c release --product clickunlock >/dev/null 2>&1
swift build -c release --product IngressCorpus >/dev/null 2>&1
BIN=.build/release/clickunlock
WORK=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
SECRET=compaction-secret
.build/release/IngressCorpus "$SECRET" 200000 > "$WORK/corpus.tsv"
echo '{"log_compaction": false}' > "$WORK/config.json"
segment_bytes() { find "$1/log" -name '*.seg' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

echo "# compaction — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores, ${RUN_FOR}s of wrk per pattern, LZ4 HC $LEVEL, batches of $BATCH bytes"
echo
echo "| clients | webhooks stored | raw bodies MB | on disk MB (as written) | ratio | on disk MB (compacted) | ratio | compaction CPU s | CPU s per MB written | CPU s per MB of bodies |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for CLIENTS in 64 1; do
  DATA=$WORK/data-$CLIENTS
  WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=error $BIN serve --config "$WORK/config.json" --data-dir "$DATA" \
    --host 127.0.0.1 --webhook-port 0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
  SERVER=$!
  for _ in $(seq 200); do grep -q "ready webhook-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
  THREADS=$(( CLIENTS < 2 ? 1 : 2 ))
  CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook WRK_THREADS=$THREADS \
    wrk -t$THREADS -c$CLIENTS -d"${RUN_FOR}s" -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT" > "$WORK/wrk.out"
  kill -TERM $SERVER; wait $SERVER || true; SERVER=
  WEBHOOKS=$($BIN replay --data-dir "$DATA" --type webhook.received --format text | wc -l)
  RAW=$($BIN replay --data-dir "$DATA" --format text | grep -o '(+[0-9]* raw bytes)' | tr -dc '0-9\n' | awk '{s += $1} END {print s + 0}')
  BEFORE=$(segment_bytes "$DATA")
  /usr/bin/time -f "%U %S" -o "$WORK/time" $BIN log compact --data-dir "$DATA" --including-last \
    --level "$LEVEL" --batch-bytes "$BATCH" > "$WORK/compact.out"
  CPU=$(awk '{print $1 + $2}' "$WORK/time")
  AFTER=$(segment_bytes "$DATA")
  $BIN log verify --data-dir "$DATA" > /dev/null
  awk -v c="$CLIENTS" -v w="$WEBHOOKS" -v r="$RAW" -v b="$BEFORE" -v a="$AFTER" -v cpu="$CPU" 'BEGIN {
    printf "| %d | %d | %.1f | %.1f | %.2fx | %.1f | %.2fx | %.2f | %.3f | %.3f |\n",
      c, w, r / 1e6, b / 1e6, r / b, a / 1e6, r / a, cpu, cpu / (b / 1e6), cpu / (r / 1e6) }'
done
