#!/usr/bin/env bash
# The dashboard read API under load (issue 15): the projections hold $EVENTS events (default
# 1,000,000, from signed webhooks sent at full speed first), then signed webhooks keep arriving in
# the background at about $RATE/s (default 1,000) while wrk -t2 -c64 runs $RUN_SECONDS s (default 10) on
# each route in turn, /healthz first and last as the same run's baseline. Reports requests/s,
# p50/p99/p99.9, the share of 304s on the If-None-Match path, the background rate actually reached,
# and the server's RSS. Needs wrk, sqlite3, curl and python3.
# Usage: Benchmarks/api-load.sh   (BIN=dir: use that dir's clickunlock and IngressCorpus binaries,
# e.g. another checkout's .build/release; EVENTS=, RATE=, RUN_SECONDS=)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/wrk-cells.sh
EVENTS=${EVENTS:-1000000}
RATE=${RATE:-1000}
SECONDS_EACH=${RUN_SECONDS:-10}
for tool in wrk sqlite3 curl python3; do
  command -v $tool >/dev/null || { echo "needs $tool: apt-get install -y $tool" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  swift build -c release --product clickunlock >/dev/null 2>&1
  swift build -c release --product IngressCorpus >/dev/null 2>&1
  BIN=.build/release
fi
WORK=$(mktemp -d)
trap 'kill $SERVER $BACKGROUND 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=
BACKGROUND=
SECRET=api-load-secret-0123456789
TOKEN=api-load-dashboard-token-0123456789
# Each webhook of the sample traffic is about two events; the background part follows the fill's.
FILL=$(( EVENTS / 2 ))
BACKGROUND_WEBHOOKS=$(( RATE * SECONDS_EACH * 20 ))
"$BIN/IngressCorpus" "$SECRET" $(( FILL + BACKGROUND_WEBHOOKS )) > "$WORK/all.tsv"
head -n "$FILL" "$WORK/all.tsv" > "$WORK/fill.tsv"
tail -n "+$(( FILL + 1 ))" "$WORK/all.tsv" > "$WORK/background.tsv"
rm "$WORK/all.tsv"
sync "$WORK"/*.tsv
WHATSAPP_APP_SECRET=$SECRET CLICKUNLOCK_DASHBOARD_TOKEN=$TOKEN LOG_LEVEL=error "$BIN/clickunlock" serve \
  --data-dir "$WORK/data" --host 127.0.0.1 --webhook-port 0 --api-port 0 > "$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "api-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
API=$(grep -o "api-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
[ -n "$API" ] || { echo "serve did not print its api-port:" >&2; cat "$WORK/serve.out" "$WORK/serve.err" >&2; exit 1; }

last_position() { "$BIN/clickunlock" log stats --data-dir "$WORK/data" | awk '/^positions:/ {split($2,a,"-"); print a[2]}'; }
checkpoint() { sqlite3 "$WORK/data/projections.sqlite" "SELECT MIN(checkpoint) FROM projection_state"; }
START=$(date +%s)
mkdir "$WORK/done"
CORPUS=$WORK/fill.tsv DONE_DIR=$WORK/done wrk -t2 -c64 -d3600s -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT" \
  > /dev/null &
FILLER=$!
until [ "$(ls "$WORK/done" | wc -l)" -ge 2 ]; do sleep 0.2; done
kill $FILLER; wait $FILLER 2>/dev/null || true
LAST=$(last_position)
until [ "$(checkpoint)" -ge "$LAST" ]; do sleep 0.2; done
echo "# api-load — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores — $BIN"
echo
echo "fill: $LAST events in the log and the projections after $(( $(date +%s) - START )) s"

# The background ingestion: 40 connections, each pausing 40,000/$RATE ms between webhooks (at most
# $RATE/s; the answers' own latency brings it a little under).
accepted() {
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API/metrics" \
    | awk '/^clickunlock_webhooks_total\{outcome="accepted"\}/ {print $2}'
}
BEFORE=$(accepted)
CORPUS=$WORK/background.tsv PAUSE_MS=$(( 40000 / RATE )) WRK_THREADS=1 \
  wrk -t1 -c40 -d3600s -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT" > /dev/null &
BACKGROUND=$!
BACKGROUND_START=$(date +%s%N)
sleep 2

get() { curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API$1"; }
CONTACT=$(get "/api/webhook/conversations?limit=1" | python3 -c 'import json,sys; c=json.load(sys.stdin)["conversations"]; print(c[0]["contact"] if c else "")')
DELIVERY=$(get "/api/webhook/deliveries?limit=1" | python3 -c 'import json,sys; d=json.load(sys.stdin)["deliveries"]; print(d[0]["id"] if d else "")')
ROUTES=(
  /healthz
  /api/webhook/metrics
  /api/webhook/health
  /api/webhook/stats/realtime
  /api/webhook/events/recent
  /api/webhook/conversations
  "/api/webhook/conversations/$CONTACT"
  /api/webhook/deliveries
  /api/webhook/templates
  /metrics
)
[ -n "$DELIVERY" ] && ROUTES+=("/api/webhook/deliveries/$DELIVERY")
echo
echo "| route | requests/s | p50 | p99 | p99.9 | max | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
run() {
  local out
  out=$(TARGET_PATH=$1 TOKEN=$TOKEN FOLLOW_ETAG=${2:-0} \
    wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency -s Benchmarks/api.lua "http://127.0.0.1:$API")
  local label=$1
  [ "${2:-0}" = 1 ] && label="$1 (If-None-Match: $(echo "$out" | awk '/^not-modified:/ {print $2}') 304)"
  echo "| \`$label\` | $(wrk_cells "$out") |"
}
for route in "${ROUTES[@]}"; do run "$route"; done
run /api/webhook/metrics 1
run /api/webhook/events/recent 1
run /healthz
ELAPSED=$(( $(date +%s%N) - BACKGROUND_START ))
AFTER=$(accepted)
kill $BACKGROUND 2>/dev/null || true; wait $BACKGROUND 2>/dev/null || true; BACKGROUND=
echo
echo "background: $(python3 -c "print(round(($AFTER - $BEFORE) * 1e9 / $ELAPSED))") signed webhooks/s accepted" \
  "during the API runs; log at $(last_position) events"
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER/status) (peak $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVER/status))"
kill -TERM $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
