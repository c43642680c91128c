#!/usr/bin/env bash
# `clickunlock rebuild` as a whole process (start-up, schema, reading the log, final write): a
# log written by `serve` from N signed webhooks (default 60,000, about 120,000 events), rebuilt
# RUNS times (default 3); prints events/s per run and the median. Then the live projector's
# catch-up over the same log (`clickunlock project` from an empty projections database, until it
# prints caught-up), RUNS times.
# Usage: Benchmarks/rebuild-process.sh [BIN_DIR] [WEBHOOKS] [RUNS]   (BIN_DIR: default .build/release,
# holding clickunlock and IngressCorpus: `swift build -c release --product clickunlock --product IngressCorpus`)
# KEEP_DATA=DIR reuses (or keeps) the data directory, so that two builds rebuild the same log.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
WEBHOOKS=${2:-60000}
RUNS=${3:-3}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=
DATA=${KEEP_DATA:-$WORK/data}
if [ ! -d "$DATA/log" ]; then
  SECRET=rebuild-bench-secret
  "$BIN/IngressCorpus" "$SECRET" "$WEBHOOKS" > "$WORK/corpus.tsv"
  WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=error "$BIN/clickunlock" serve --data-dir "$DATA" \
    --host 127.0.0.1 --webhook-port 0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
  SERVER=$!
  for _ in $(seq 100); do grep -q "ready webhook-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
  # One keep-alive connection per worker; every answer must be 200.
  python3 - "$WORK/corpus.tsv" "$PORT" <<'PY'
import http.client, sys, threading
lines = open(sys.argv[1], "rb").read().splitlines()
port = int(sys.argv[2])
failures = []
def post(part):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for line in part:
        signature, body = line.split(b"\t", 1)
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature.decode()}
        connection.request("POST", "/webhook", body, headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200: failures.append(response.status)
workers = [threading.Thread(target=post, args=(lines[i::4],)) for i in range(4)]
for worker in workers: worker.start()
for worker in workers: worker.join()
if failures: sys.exit(f"{len(failures)} webhooks not accepted: {failures[:5]}")
PY
  kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
  SERVER=
fi
EVENTS=$("$BIN/clickunlock" log stats --data-dir "$DATA" | awk '/^positions:/ {split($2,a,"-"); print a[2]}')
echo "# rebuild-process — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $BIN — $EVENTS events"
RATES=()
for run in $(seq "$RUNS"); do
  START=$(date +%s%N)
  "$BIN/clickunlock" rebuild --data-dir "$DATA" > /dev/null
  ELAPSED=$(( $(date +%s%N) - START ))
  RATE=$(( EVENTS * 1000000000 / ELAPSED ))
  RATES+=("$RATE")
  echo "run $run: $(( ELAPSED / 1000000 )) ms, $RATE events/s"
done
echo "median: $(printf '%s\n' "${RATES[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') events/s"
CATCHUP=()
for run in $(seq "$RUNS"); do
  rm -f "$DATA"/projections.sqlite* "$WORK/project.out"
  START=$(date +%s%N)
  "$BIN/clickunlock" project --data-dir "$DATA" > "$WORK/project.out" 2>/dev/null &
  PROJECTOR=$!
  until grep -qs "^caught-up $EVENTS$" "$WORK/project.out"; do sleep 0.005; done
  ELAPSED=$(( $(date +%s%N) - START ))
  kill -TERM "$PROJECTOR"; wait "$PROJECTOR" 2>/dev/null || true
  RATE=$(( EVENTS * 1000000000 / ELAPSED ))
  CATCHUP+=("$RATE")
  echo "catch-up run $run: $(( ELAPSED / 1000000 )) ms, $RATE events/s"
done
echo "catch-up median: $(printf '%s\n' "${CATCHUP[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') events/s"
"$BIN/clickunlock" rebuild --data-dir "$DATA" > /dev/null
