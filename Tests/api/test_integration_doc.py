"""docs/integration.md, run: every `curl` example as written, through bash, against a real service (graph-sim and
serve, after the known day of scenario.py), each answer compared with the sample the page shows (the convention
is in doc_examples.py and at the end of the page). Also: every route of the OpenAPI document has an example,
and the page's JavaScript client is valid JavaScript."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import doc_examples
import scenario
from harness import DASHBOARD_TOKEN, ROOT

DOC = ROOT / "docs" / "integration.md"
EXAMPLES = doc_examples.parse(DOC)


@pytest.fixture(scope="module")
def stack(make_stack):
    stack = make_stack("integration-doc", scenario.SIM_ARGS, scenario.SERVE_ARGS, scenario.SERVE_ENV)
    stack.outcome = scenario.run(stack)
    settle(stack)
    return stack


def settle(stack) -> None:
    """Until the projections hold every event of the log (the samples were captured so)."""
    import time

    deadline = time.monotonic() + 30
    while True:
        health = stack.api.json("/api/webhook/health")
        if health["lag_events"] == 0 and health["position"] == health["log"]["head_position"]:
            return
        assert time.monotonic() < deadline, "the projections did not catch up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def environment(stack) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8", "API": stack.serve.api_url, "TOKEN": DASHBOARD_TOKEN}


def test_the_page_has_examples_and_samples():
    assert len(EXAMPLES) >= 20, f"only {len(EXAMPLES)} curl examples found in {DOC}"
    without = [example.name for example in EXAMPLES if example.sample is None]
    assert without == [], f"examples without a sample answer: {without}"


# In the page's order: the wrong-token example slows this address down, as it says, for what follows it.
@pytest.mark.parametrize("example", EXAMPLES, ids=[f"line{example.line}" for example in EXAMPLES])
def test_each_curl_example_answers_as_the_page_shows(example, environment, tmp_path):
    if "skip" in example.options:
        pytest.skip(example.options["skip"])
    outcome = doc_examples.run(example, environment, tmp_path)
    doc_examples.check(example, outcome)


def test_every_route_of_the_contract_has_an_example(contract):
    runnable = "\n".join(example.script for example in EXAMPLES)
    missing = []
    for template, item in contract.document["paths"].items():
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/?\"]+", pattern)
        for method in item:
            if method not in ("get", "post"):
                continue
            found = re.search(r"\$API" + pattern + r"(?=[?\"'\s]|$)", runnable, re.MULTILINE)
            if not found or (method == "post" and "-X POST" not in runnable):
                missing.append(f"{method.upper()} {template}")
    assert missing == [], f"routes of openapi.json without a curl example in {DOC.name}: {missing}"


def test_the_page_links_the_contract():
    text = DOC.read_text()
    assert "/openapi.json" in text
    assert "](../Sources/Adapters/Dashboard/openapi.json)" in text
    assert (ROOT / "Sources" / "Adapters" / "Dashboard" / "openapi.json").exists()
    assert "docs/integration.md" in (ROOT / "README.md").read_text()


def test_the_javascript_client_is_valid(tmp_path):
    blocks = re.findall(r"^```js\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the page should show one JavaScript client"
    assert "bearer.${token}" in blocks[0] and "from" in blocks[0] and '"reset"' in blocks[0]
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed: the client's syntax is not checked")
    script = tmp_path / "client.js"
    script.write_text(blocks[0])
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
