#!/usr/bin/env bash
# Load test of webhook ingestion (issue 4): 64 keep-alive connections POSTing realistic signed
# webhooks with fsync on, next to the same server's GET /healthz and a POST route that only reads
# the body, all in one run. Needs wrk (apt-get install wrk). Usage: Benchmarks/ingest-load.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/wrk-cells.sh
SECONDS_PER_RUN=${1:-10}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
swift build -c release --product clickunlock 2>/dev/null >/dev/null
swift build -c release --product IngressCorpus 2>/dev/null >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SECRET=load-test-secret
.build/release/IngressCorpus "$SECRET" 200000 > "$WORK/corpus.tsv"
sync "$WORK/corpus.tsv"  # on disk before the load, not written back in the middle of it
WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=error .build/release/clickunlock serve --data-dir "$WORK/data" \
  --host 127.0.0.1 --webhook-port 0 --benchmark-routes > "$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "ready webhook-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
URL=http://127.0.0.1:$PORT

run() { # name, path, method args...
  local name=$1; shift
  echo "| $name | $(wrk_cells "$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "$@")") |"
}
echo "# ingest-load — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores, ${SECONDS_PER_RUN}s per route, wrk -t2 -c64"
echo
echo "| route | requests/s | p50 | p99 | p99.9 | max | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
run "GET /healthz (trivial)" "$URL/healthz"
CORPUS=$WORK/corpus.tsv TARGET_PATH=/_bench/read-body run "POST /_bench/read-body (reads the body only)" -s Benchmarks/ingest.lua "$URL"
# The server's CPU time and write() bytes over the /webhook run (Linux /proc), per request.
cpu_ticks() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
# Per thread name: the projector and log-writer threads, the rest (NIO event loops, Swift's pool).
thread_ticks() { for task in /proc/$SERVER/task/*; do echo "$(tr ' ' _ < "$task/comm") $(awk '{print $14 + $15}' "$task/stat")"; done; }
written() { awk '/^wchar/ {print $2}' /proc/$SERVER/io 2>/dev/null || echo 0; }  # 0 where /proc/PID/io is not readable
TICKS0=$(cpu_ticks); WRITTEN0=$(written); thread_ticks > "$WORK/threads0"
WEBHOOK=$(CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook run "POST /webhook (verify, parse, dedupe, durable append)" -s Benchmarks/ingest.lua "$URL")
TICKS1=$(cpu_ticks); WRITTEN1=$(written); thread_ticks > "$WORK/threads1"
echo "$WEBHOOK"
REQUESTS=$(echo "$WEBHOOK" | awk -F'|' -v s="$SECONDS_PER_RUN" '{printf "%d", $3 * s}')
echo
echo "server during /webhook: $(( (TICKS1 - TICKS0) * 1000000 / $(getconf CLK_TCK) / REQUESTS )) µs CPU per webhook (all threads, projector included); $(( (WRITTEN1 - WRITTEN0) / 1000000 )) MB written (log, projections, responses)"
awk -v hz="$(getconf CLK_TCK)" -v n="$REQUESTS" '
  FNR == NR { before[$1] += $2; next }
  { after[$1] += $2 }
  END {
    for (name in after) {
      group = (name == "projector" || name == "log-writer") ? name : "requests (NIO, Swift pool)"
      spent[group] += after[name] - before[name]
    }
    line = "  of which"
    for (group in spent) line = line sprintf(" %s %d µs;", group, spent[group] * 1000000 / hz / n)
    print line
  }' "$WORK/threads0" "$WORK/threads1"
# The projector yields the CPU to acknowledgements under load: how far behind it ended, and how
# long it took to catch up once the load stopped.
if command -v sqlite3 >/dev/null; then
  LAST=$(.build/release/clickunlock log stats --data-dir "$WORK/data" | awk '/^positions:/ {split($2,a,"-"); print a[2]}')
  BEHIND=$(( LAST - $(sqlite3 "$WORK/data/projections.sqlite" "SELECT MIN(checkpoint) FROM projection_state") ))
  START=$(date +%s%N)
  until [ "$(sqlite3 "$WORK/data/projections.sqlite" "SELECT MIN(checkpoint) FROM projection_state")" -ge "$LAST" ]; do sleep 0.05; done
  echo
  echo "projections: $BEHIND of $LAST events behind when the load stopped; caught up $(( ($(date +%s%N) - START) / 1000000 )) ms later"
fi
# Latency below saturation: each connection waits 3 ms between requests (about half the rate).
echo
echo "| route | requests/s | p50 | p99 | p99.9 | max | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook PAUSE_MS=3 run "POST /webhook, paced (3 ms between requests per connection)" -s Benchmarks/ingest.lua "$URL"
kill -TERM $SERVER; wait $SERVER 2>/dev/null || true
echo
.build/release/clickunlock log stats --data-dir "$WORK/data" | grep -E "events|batches|ratio"
