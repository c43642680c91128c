#!/usr/bin/env bash
# `clickunlock backup` throughput against a plain copy of the same files, in the same run.
# A log of about SIZE_MB on disk (default 64) is written by `clickunlock log crash-writer` in 8 MiB
# segments, with projections beside it (`clickunlock rebuild`). Then, RUNS times (default 5): a full
# backup into an empty directory; `cp -r` of log/ and projections.sqlite, then `sync FILES` (an fsync
# of each copied file, as the backup does); `cp -r` alone; an incremental backup (a second run into the
# same directory: sealed segments linked). Prints each run and the medians in MB/s of the data bytes.
# Usage: Benchmarks/backup-throughput.sh [BIN_DIR] [SIZE_MB] [RUNS]   (BIN_DIR default .build/release:
# `swift build -c release --product clickunlock`). Files are warm in the page cache for every contender.
# KEEP_DATA=DIR reuses (or keeps) the data directory: generate it once, outside the build lock.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}/clickunlock
SIZE_MB=${2:-64}
RUNS=${3:-5}
WORK=$(mktemp -d)
WRITER=
trap 'kill -9 $WRITER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DATA=${KEEP_DATA:-$WORK/data}
if [ ! -f "$DATA/projections.sqlite" ]; then
"$BIN" log crash-writer --data-dir "$DATA" --segment-size $((8 << 20)) --batch 400 --concurrency 16 > /dev/null &
WRITER=$!
while :; do
  HAVE=$(du -sm "$DATA/log" 2>/dev/null | cut -f1)
  [ "${HAVE:-0}" -ge "$SIZE_MB" ] && break
  sleep 0.2
done
kill -9 $WRITER; wait $WRITER 2>/dev/null || true
WRITER=
"$BIN" rebuild --data-dir "$DATA" > /dev/null
fi
BYTES=$(du -cb "$DATA"/log/*.seg "$DATA"/projections.sqlite | tail -1 | cut -f1)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
SEGMENTS=$(ls "$DATA"/log/*.seg | wc -l)
echo "# backup-throughput — $(date -u +%Y-%m-%dT%H:%M:%SZ) — $BIN — $MB MB ($SEGMENTS segments + projections)"

now() { date +%s%N; }
rate() { awk -v b="$BYTES" -v ns="$1" 'BEGIN { printf "%.0f", b / 1e6 / (ns / 1e9) }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
FULL=() CPSYNC=() CP=() INCREMENTAL=()
for run in $(seq "$RUNS"); do
  rm -rf "$WORK/backups" "$WORK/cp"
  START=$(now); "$BIN" backup --data-dir "$DATA" --to "$WORK/backups" > /dev/null; FULL_NS=$(( $(now) - START ))
  START=$(now)
  mkdir "$WORK/cp"; cp -r "$DATA/log" "$DATA/projections.sqlite" "$WORK/cp/"; sync "$WORK"/cp/log/* "$WORK/cp/projections.sqlite"
  CPSYNC_NS=$(( $(now) - START ))
  rm -rf "$WORK/cp"
  START=$(now); mkdir "$WORK/cp"; cp -r "$DATA/log" "$DATA/projections.sqlite" "$WORK/cp/"; CP_NS=$(( $(now) - START ))
  START=$(now); "$BIN" backup --data-dir "$DATA" --to "$WORK/backups" > /dev/null; INC_NS=$(( $(now) - START ))
  FULL+=("$(rate $FULL_NS)") CPSYNC+=("$(rate $CPSYNC_NS)") CP+=("$(rate $CP_NS)") INCREMENTAL+=("$(rate $INC_NS)")
  echo "run $run: backup $((FULL_NS / 1000000)) ms ($(rate $FULL_NS) MB/s); cp+sync $((CPSYNC_NS / 1000000)) ms" \
    "($(rate $CPSYNC_NS) MB/s); cp $((CP_NS / 1000000)) ms ($(rate $CP_NS) MB/s); incremental backup" \
    "$((INC_NS / 1000000)) ms ($(rate $INC_NS) MB/s of data covered)"
done
echo "median MB/s: backup $(median "${FULL[@]}"), cp+sync $(median "${CPSYNC[@]}"), cp $(median "${CP[@]}")," \
  "incremental backup $(median "${INCREMENTAL[@]}") (data covered)"
