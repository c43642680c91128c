#!/usr/bin/env bash
# The dashboard API's black-box suite (Tests/api, pytest) against the built binary (.build/debug/clickunlock,
# or CLICKUNLOCK_BINARY): a venv in .build/venv with Tests/api/requirements.txt, installed again only when
# that file changes, then pytest in Tests/api. Extra arguments go to pytest (e.g. `-x -k figures`,
# `test_contract.py`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${CLICKUNLOCK_BINARY:-.build/debug/clickunlock}"
if [ ! -x "$binary" ]; then
  echo "api-tests: $binary does not exist; build it first (swift build)" >&2
  exit 1
fi
export CLICKUNLOCK_BINARY="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

venv="$PWD/.build/venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum Tests/api/requirements.txt | cut -d' ' -f1)"
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv" || {
    echo "api-tests: python3 -m venv failed; install python3-venv (scripts/setup.sh does on Debian)" >&2
    exit 1
  }
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "api-tests: installing Tests/api/requirements.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r Tests/api/requirements.txt
  echo "$want" >"$stamp"
fi

export PYTHONDONTWRITEBYTECODE=1
status=0
(cd Tests/api && "$venv/bin/python" -m pytest "$@") || status=$?
if [ "$status" -eq 5 ]; then
  echo "api-tests: pytest collected no test (a filter that matches nothing?)" >&2
  exit 1
fi
exit "$status"
