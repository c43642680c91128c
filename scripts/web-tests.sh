#!/usr/bin/env bash
# The web dashboard's browser suite (Tests/web, pytest + Selenium driving Debian's headless Chromium
# through chromium-driver) against the built binary (.build/debug/clickunlock, or CLICKUNLOCK_BINARY).
# It shares the API suite's venv (.build/venv) and harness; Tests/web/requirements.txt is installed
# again only when it (or the API suite's) changes. Screenshots go to .build/test-output/web/.
# Extra arguments go to pytest (e.g. `-x -k restart`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${CLICKUNLOCK_BINARY:-.build/debug/clickunlock}"
if [ ! -x "$binary" ]; then
  echo "web-tests: $binary does not exist; build it first (swift build)" >&2
  exit 1
fi
export CLICKUNLOCK_BINARY="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
for tool in chromium chromedriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "web-tests: $tool is missing; install Debian's chromium and chromium-driver (scripts/setup.sh does)" >&2
    exit 1
  fi
done

venv="$PWD/.build/venv"
stamp="$venv/.web-requirements.sha256"
want="$(cat Tests/web/requirements.txt Tests/api/requirements.txt | sha256sum | cut -d' ' -f1)"
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv" || {
    echo "web-tests: python3 -m venv failed; install python3-venv (scripts/setup.sh does on Debian)" >&2
    exit 1
  }
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "web-tests: installing Tests/web/requirements.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r Tests/web/requirements.txt
  echo "$want" >"$stamp"
fi

export PYTHONDONTWRITEBYTECODE=1
# Selenium uses the chromium-driver given to it; its manager must not look for (or fetch) another.
export SE_OFFLINE=true
export WEB_TEST_OUTPUT="${WEB_TEST_OUTPUT:-$PWD/.build/test-output/web}"
status=0
(cd Tests/web && "$venv/bin/python" -m pytest "$@") || status=$?
if [ "$status" -eq 5 ]; then
  echo "web-tests: pytest collected no test (a filter that matches nothing?)" >&2
  exit 1
fi
exit "$status"
