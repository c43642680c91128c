#!/usr/bin/env bash
# The dashboard API's black-box suite (Tests/api, pytest) against the built binary (.build/debug/clickunlock,
# or CLICKUNLOCK_BINARY): a venv in .build/venv with Tests/api/requirements.txt, installed again only when
# that file changes, then pytest in Tests/api. Extra arguments go to pytest (e.g. `-x -k figures`,
# `test_contract.py`).
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=api-tests
source scripts/python-suite.sh
suite_binary
suite_venv Tests/api/requirements.txt
cd Tests/api
suite_pytest "$venv/bin/python" -m pytest "$@"
