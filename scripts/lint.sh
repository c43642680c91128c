#!/usr/bin/env bash
# Style checks run by CI before the tests (`make lint`): swift-format's lint, strict, with the
# repository's .swift-format, and no line of Swift longer than 120 columns (swift-format wraps code
# but not comments or string literals, and its lint does not report those).
# To fix most findings: `swift format format --in-place --recursive Sources Tests Benchmarks Package.swift`.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
paths=(Sources Tests Benchmarks Package.swift)

status=0
"$SWIFT" format lint --strict --recursive --parallel "${paths[@]}" || status=1

# Columns are characters, not bytes ("é" is one).
if LC_ALL=C.UTF-8 grep -rnE --include='*.swift' '^.{121,}' "${paths[@]}"; then
  echo "lint: the lines above are longer than 120 columns; wrap them (split string literals with +)." >&2
  status=1
fi

if [ "$status" -ne 0 ]; then
  echo "lint: failed (see above)." >&2
else
  echo "lint: swift-format and line lengths are clean."
fi
exit "$status"
