#!/usr/bin/env bash
# Builds the EventStore documentation (`make docs`) and fails when it is incomplete:
#   1. `swift package dump-symbol-graph` (a debug build, then the public symbols of each module);
#   2. scripts/undocumented-symbols.swift: every public symbol of EventStore has a /// comment;
#   3. `docc convert` of Sources/EventStore/EventStore.docc with that graph, warnings as errors
#      (a ``link`` or topic naming a symbol that does not exist fails it).
# Output: .build/docs/EventStore.doccarchive (open its index.html through a web server, or
# `docc preview`). Needs only the Swift toolchain (docc ships with it).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
if [ -z "${DOCC:-}" ]; then
  if command -v docc >/dev/null 2>&1; then
    DOCC=docc
  elif command -v xcrun >/dev/null 2>&1; then
    DOCC="xcrun docc"
  else
    DOCC="$(dirname "$(readlink -f "$(command -v "$SWIFT")")")/docc"
  fi
fi

"$SWIFT" package dump-symbol-graph --minimum-access-level public --skip-synthesized-members >/dev/null
graphs="$(dirname "$("$SWIFT" build --show-bin-path)")/symbolgraph"
out=.build/docs
rm -rf "$out"
mkdir -p "$out/symbol-graphs"
shopt -s nullglob
cp "$graphs"/EventStore.symbols.json "$graphs"/EventStore@*.symbols.json "$out/symbol-graphs/"

"$SWIFT" scripts/undocumented-symbols.swift "$out"/symbol-graphs/*.symbols.json

$DOCC convert Sources/EventStore/EventStore.docc \
  --additional-symbol-graph-dir "$out/symbol-graphs" \
  --output-path "$out/EventStore.doccarchive" \
  --fallback-display-name EventStore \
  --fallback-bundle-identifier com.clickunlock.EventStore \
  --warnings-as-errors
echo "docs: every public symbol documented; DocC archive in $out/EventStore.doccarchive"
