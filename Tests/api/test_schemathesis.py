"""schemathesis (property-based, from the document) against a running serve with data: every check
(`--checks all`), a bounded number of examples per operation, a fixed seed unless SCHEMATHESIS_SEED says
otherwise. The document is read from the sources (test_contract checks that the server serves the same
bytes). Its output is printed on failure; `--report junit` goes to the run's temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import scenario
from contract import DOCUMENT_PATH
from harness import DASHBOARD_TOKEN

HERE = Path(__file__).resolve().parent
ST = Path(sys.executable).with_name("st")
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261129")


@pytest.fixture(scope="module")
def stack(make_stack):
    # With the known sequence's data, so that lists, histories and deliveries are not empty.
    stack = make_stack("schemathesis", scenario.SIM_ARGS, scenario.SERVE_ARGS, scenario.SERVE_ENV)
    scenario.run(stack)
    return stack


def test_schemathesis_finds_no_failure(stack, tmp_path):
    argv = [
        str(ST), "--config-file", str(HERE / "schemathesis.toml"), "run", str(DOCUMENT_PATH),
        "--url", stack.serve.api_url, "--header", f"Authorization: Bearer {DASHBOARD_TOKEN}",
        "--checks", "all", "--max-examples", MAX_EXAMPLES, "--seed", SEED, "--workers", "2",
        "--phases", "examples,coverage,fuzzing", "--request-timeout", "20", "--no-color",
        "--report", "junit", "--report-dir", str(tmp_path), "--output-sanitize", "true",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "st_hooks", "PYTHONPATH": str(HERE)}
    result = subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env)
    output = result.stdout + result.stderr
    print(output[-20000:])
    assert result.returncode == 0, "schemathesis found failures (its output above)"
