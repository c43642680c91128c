#!/usr/bin/env bash
# The web dashboard's browser suite (Tests/web, pytest + Selenium driving Debian's headless Chromium
# through chromium-driver) against the built binary (.build/debug/clickunlock, or CLICKUNLOCK_BINARY).
# It shares the API suite's venv (.build/venv) and harness; Tests/web/requirements.txt is installed
# again only when it (or the API suite's) changes. Screenshots go to .build/test-output/web/.
# Extra arguments go to pytest (e.g. `-x -k restart`).
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=web-tests
source scripts/python-suite.sh
suite_binary
for tool in chromium chromedriver; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "web-tests: $tool is missing; install Debian's chromium and chromium-driver (scripts/setup.sh does)" >&2
    exit 1
  fi
done

suite_venv Tests/web/requirements.txt
# Selenium uses the chromium-driver given to it; its manager must not look for (or fetch) another.
export SE_OFFLINE=true
export WEB_TEST_OUTPUT="${WEB_TEST_OUTPUT:-$PWD/.build/test-output/web}"
cd Tests/web
suite_pytest "$venv/bin/python" -m pytest "$@"
