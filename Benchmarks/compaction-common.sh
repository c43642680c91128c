# Sourced by Benchmarks/compaction.sh and compaction-latency.sh after they set CORPUS_SIZE: the release
# build (skipped with SKIP_BUILD=1, e.g. when built under a lock), a corpus of CORPUS_SIZE signed
# webhooks in $WORK/corpus.tsv, and `serve` started and stopped on a data directory (wrk is needed).
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --product clickunlock >/dev/null 2>&1
  swift build -c release --product IngressCorpus >/dev/null 2>&1
fi
BIN=.build/release/clickunlock
WORK=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill $SERVER 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
SECRET=compaction-secret
.build/release/IngressCorpus "$SECRET" "$CORPUS_SIZE" > "$WORK/corpus.tsv"

# start_serve CONFIG DATA [LOG_LEVEL]: `serve` on DATA with the settings file CONFIG; sets SERVER and
# PORT (its webhook port) once it listens. Its stderr goes to $WORK/serve.err.
start_serve() {
  WHATSAPP_APP_SECRET=$SECRET LOG_LEVEL=${3:-error} $BIN serve --config "$1" --data-dir "$2" \
    --host 127.0.0.1 --webhook-port 0 > "$WORK/serve.out" 2>> "$WORK/serve.err" &
  SERVER=$!
  for _ in $(seq 300); do grep -q "ready webhook-port=" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
  PORT=$(grep -o "webhook-port=[0-9]*" "$WORK/serve.out" | cut -d= -f2)
}

# stop_serve: SIGTERM, and waits for it.
stop_serve() { kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=; }
