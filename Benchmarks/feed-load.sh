#!/usr/bin/env bash
# The live feed under load (issue 16): for each client count in $CLIENTS, a fresh `clickunlock
# serve` (release build, --dashboard-open on loopback) receives signed webhooks at $RATE/s while
# FeedBench holds that many WebSocket clients on the feed port. FeedBench measures, per event frame,
# the time from its webhook's 200 to its arrival at each client, checks that every client gets
# every position once and in order, and reads the server's RSS with no client, then with all of
# them. Prints one summary line per run.
# Usage: Benchmarks/feed-load.sh   (make bench-feed). Knobs: BIN=dir with clickunlock, IngressCorpus
# and FeedBench (default: builds them in release); CLIENTS="0 100 1000" (default 1000), RATE=1000,
# RUN_SECONDS=20 (measured window; plus warm-up, connection and drain), RUNS=1 (runs per count),
# WARMUP=5, THREADS=2 (FeedBench's client event loops), FEED=ws|api (the feed port, or
# /api/webhook/ws on the dashboard port), REPORTS=dir (keeps each run's full report there),
# SERVE_ARGS="--recent-events 20000" (more options for serve).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-1000}
RATE=${RATE:-1000}
RUN_SECONDS=${RUN_SECONDS:-20}
RUNS=${RUNS:-1}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
FEED=${FEED:-ws}
if [ -z "${BIN:-}" ]; then
  for product in clickunlock IngressCorpus FeedBench; do
    swift build -c release --product "$product" >/dev/null 2>&1 \
      || { echo "feed-load: the release build of $product failed; run: swift build -c release --product $product" >&2; exit 1; }
  done
  BIN=.build/release
fi
# One descriptor per client on each side, plus the sender's connections and the server's own files.
MOST=0
for count in $CLIENTS; do [ "$count" -gt "$MOST" ] && MOST=$count; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( MOST + 500 )) ]; then
  echo "feed-load: $MOST clients need at least $(( MOST + 500 )) open files; the limit is $(ulimit -n) (raise it: ulimit -n)" >&2
  exit 1
fi
WORK=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
SECRET=feed-load-secret-0123456789
# Enough distinct webhooks for the warm-up, the connections, the window and some slack: every run
# starts a fresh server, so the runs share the corpus without duplicates.
"$BIN/IngressCorpus" "$SECRET" $(( RATE * (WARMUP + RUN_SECONDS + 90) )) > "$WORK/corpus.tsv"
sync "$WORK/corpus.tsv"
[ -n "${REPORTS:-}" ] && mkdir -p "$REPORTS"
echo "# feed-load — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(nproc) cores — $BIN — $RATE webhooks/s, ${RUN_SECONDS} s measured"
for count in $CLIENTS; do
  for run in $(seq "$RUNS"); do
    # The last run's files go first: the wait below must not read the last server's ports.
    rm -rf "$WORK/data" "$WORK/serve.out" "$WORK/serve.err"
    # exec: $! is the server itself (FeedBench reads its /proc), not a shell around it.
    (exec env WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=error "$BIN/clickunlock" serve --data-dir "$WORK/data" \
      --host 127.0.0.1 --webhook-port 0 --api-host 127.0.0.1 --api-port 0 --ws-port 0 --dashboard-open \
      --feed-max-clients $(( count + 1000 )) ${SERVE_ARGS:-} > "$WORK/serve.out" 2> "$WORK/serve.err") &
    SERVER=$!
    for _ in $(seq 150); do grep -q "ws-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
    PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
    if [ "$FEED" = api ]; then
      FEED_PORT=$(grep -o "api-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
      FEED_PATH=/api/webhook/ws
    else
      FEED_PORT=$(grep -o "ws-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
      FEED_PATH=/
    fi
    if [ -z "$PORT" ] || [ -z "$FEED_PORT" ]; then
      echo "feed-load: serve did not print its webhook and feed ports:" >&2
      cat "$WORK/serve.out" "$WORK/serve.err" >&2
      exit 1
    fi
    "$BIN/FeedBench" --corpus "$WORK/corpus.tsv" --webhook-port "$PORT" --feed-port "$FEED_PORT" \
      --feed-path "$FEED_PATH" --server-pid "$SERVER" --clients "$count" --rate "$RATE" \
      --seconds "$RUN_SECONDS" --warmup "$WARMUP" --threads "$THREADS" > "$WORK/report.txt" \
      || { cat "$WORK/report.txt" >&2; echo "feed-load: FeedBench failed (run $run, $count clients)" >&2; }
    grep '^summary' "$WORK/report.txt" || true
    [ -n "${REPORTS:-}" ] && cp "$WORK/report.txt" "$REPORTS/feed-load-$count-clients-run$run.txt"
    kill -TERM $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
    if grep -qi "error\|fatal" "$WORK/serve.err"; then
      echo "feed-load: the server logged errors (run $run, $count clients):" >&2
      grep -i "error\|fatal" "$WORK/serve.err" | head -5 >&2
    fi
  done
done
