#!/usr/bin/env bash
# Sustained ingestion (issue 14): /webhook at full speed for 60 s (wrk -t2 -c64, fsync on), reported
# per 5 s slice (acks/s, p50, p99), then how far behind the projections were when the load stopped
# and how long they took to catch up. Each slice is one run of wrk over a part of the corpus of its
# own (no duplicates); the server runs throughout, so the log, the dedupe index and the projections
# grow across slices as in one long run (wrk reconnects between slices: a gap of a few ms).
# Needs wrk and sqlite3 (apt-get install wrk sqlite3).
# Usage: Benchmarks/sustained-load.sh [slices] [seconds per slice]
#   BIN=dir  use the clickunlock and IngressCorpus binaries in dir (e.g. another checkout's
#            .build/release, for a before/after) instead of building this one's.
#   SERVE_ARGS="--projections-yield-above 0 ..."  extra `serve` flags (e.g. the projector's policy).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/wrk-cells.sh
SLICES=${1:-12}
SLICE_SECONDS=${2:-5}
for tool in wrk sqlite3; do
  command -v $tool >/dev/null || { echo "needs $tool: apt-get install -y $tool" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  swift build -c release --product clickunlock >/dev/null 2>&1
  swift build -c release --product IngressCorpus >/dev/null 2>&1
  BIN=.build/release
fi
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SECRET=load-test-secret-0123456789
# 35,000 webhooks per thread-slice: room for 14,000 acks/s per wrk thread before a slice would
# reach the next one's part of the corpus.
"$BIN/IngressCorpus" "$SECRET" $(( SLICES * 2 * 35000 * SLICE_SECONDS / 5 )) > "$WORK/corpus.tsv"
# On disk before the load: otherwise the kernel writes the corpus' ~500 MB of dirty pages back 30 s
# later (vm.dirty_expire_centisecs), in the middle of the run, and the log's fsyncs wait behind it.
sync "$WORK/corpus.tsv"
WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=error "$BIN/clickunlock" serve --data-dir "$WORK/data" \
  --host 127.0.0.1 --webhook-port 0 ${SERVE_ARGS:-} > "$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "ready webhook-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)

echo "# sustained-load — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores, $SLICES × ${SLICE_SECONDS}s of POST /webhook, wrk -t2 -c64 — $BIN ${SERVE_ARGS:-}"
echo
echo "| slice | seconds | acks/s | p50 | p99 | p99.9 | max | non-2xx |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for slice in $(seq 0 $(( SLICES - 1 ))); do
  out=$(CORPUS=$WORK/corpus.tsv TARGET_PATH=/webhook SLICE=$slice SLICES=$SLICES \
    wrk -t2 -c64 -d"${SLICE_SECONDS}s" --latency -s Benchmarks/ingest.lua "http://127.0.0.1:$PORT")
  echo "| $(( slice + 1 )) | $(( slice * SLICE_SECONDS ))–$(( (slice + 1) * SLICE_SECONDS )) | $(wrk_cells "$out") |"
done
checkpoint() { sqlite3 "$WORK/data/projections.sqlite" "SELECT MIN(checkpoint) FROM projection_state"; }
LAST=$("$BIN/clickunlock" log stats --data-dir "$WORK/data" | awk '/^positions:/ {split($2,a,"-"); print a[2]}')
BEHIND=$(( LAST - $(checkpoint) ))
START=$(date +%s%N)
until [ "$(checkpoint)" -ge "$LAST" ]; do sleep 0.05; done
CAUGHT_UP_MS=$(( ($(date +%s%N) - START) / 1000000 ))
echo
echo "log: $LAST events; projections: $BEHIND events behind when the load stopped, caught up ${CAUGHT_UP_MS} ms later"
kill -TERM $SERVER; wait $SERVER 2>/dev/null || true
