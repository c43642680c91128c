"""docs/integration.md, run: every `curl` example as written, through bash, against a real service (graph-sim and
serve, after the known day of scenario.py), each answer compared with the sample the page shows (the convention
is in doc_examples.py and at the end of the page). Also: every route of the OpenAPI document has an example,
and the page's JavaScript client is valid JavaScript."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import doc_examples
import scenario
from harness import DASHBOARD_TOKEN, ROOT, status_item, statuses_body

DOC = ROOT / "docs" / "integration.md"
EXAMPLES = doc_examples.parse(DOC)


@pytest.fixture(scope="module")
def stack(make_stack):
    stack = make_stack("integration-doc", scenario.SIM_ARGS, [*scenario.SERVE_ARGS, "--ws-port", "0"],
                       scenario.SERVE_ENV)
    stack.outcome = scenario.run(stack)
    settle(stack)
    return stack


def settle(stack) -> int:
    """Until the projections hold every event of the log (the samples were captured so); the log's head."""
    deadline = time.monotonic() + 30
    while True:
        health = stack.api.json("/api/webhook/health")
        if health["lag_events"] == 0 and health["position"] == health["log"]["head_position"]:
            return health["position"]
        assert time.monotonic() < deadline, "the projections did not catch up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def environment(stack) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8", "API": stack.serve.api_url, "TOKEN": DASHBOARD_TOKEN,
            "WS_PORT": str(stack.serve.child.port("ready ws-port="))}


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


# The page's client, driven from Node: its events printed as JSON lines, "drop" on stdin closes its socket
# under it (a disconnect it did not ask for), "stop" ends it.
DRIVER = r"""
const [api, feed, token] = process.argv.slice(2);
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");
const sockets = [];
const Native = globalThis.WebSocket;
globalThis.WebSocket = class extends Native {
  constructor(url, protocols) {
    super(url, protocols);
    sockets.push(this);
    this.addEventListener("open", () => out({ open: String(url), protocol: this.protocol }));
    this.addEventListener("close", (close) => out({ closed: close.code }));
  }
};
%CLIENT%
const client = followClickUnlock({
  api, feed, token,
  onReload: (events) => out({ reload: events.map((event) => event.position) }),
  onEvent: (event) => out({ event: event.position }),
});
let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  for (let end; (end = pending.indexOf("\n")) >= 0; pending = pending.slice(end + 1)) {
    const command = pending.slice(0, end);
    if (command === "drop") sockets[sockets.length - 1].close();
    if (command === "stop") { client.stop(); process.exit(0); }
  }
});
"""


def node_with_websocket() -> list[str] | None:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return None
    for flags in ([], ["--experimental-websocket"]):
        probe = subprocess.run([node, *flags, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"],
                               capture_output=True, timeout=30)
        if probe.returncode == 0:
            return [node, *flags]
    return None


class NodeClient:
    """The driver in a Node child; its JSON lines in a queue."""

    def __init__(self, argv: list[str], script: Path, *args: str):
        self.process = subprocess.Popen([*argv, str(script), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.messages: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def wait(self, predicate, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                message = None
            if message is None:
                raise AssertionError(f"the client said nothing expected; it said {self.seen[-10:]}; stderr: "
                                     + (self.process.stderr.read() if self.process.poll() is not None else ""))
            self.seen.append(message)
            if predicate(message):
                return message

    def send(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("stop")
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(5)


def post_status(stack) -> None:
    """A new status of A's template: two events in the log (the webhook and the status)."""
    item = status_item(stack.outcome.templates[scenario.A], "read")
    item["id"] = f"wamid.DOC_CLIENT_{time.monotonic_ns()}"
    assert stack.serve.post_webhook(statuses_body([item])).status_code == 200


def test_the_javascript_client_follows_and_resumes_after_a_disconnect(stack, tmp_path):
    node = node_with_websocket()
    if node is None:
        pytest.skip("no Node with a WebSocket client (Node 20 with --experimental-websocket, or 22+) is installed")
    (client,) = re.findall(r"^```js\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    script = tmp_path / "driver.js"
    script.write_text(DRIVER.replace("%CLIENT%", client))
    # The feed's own port: Node's fetch and WebSocket share one connection pool, and the dashboard port
    # answers 426 to an upgrade sent on a connection that already carried a request.
    feed = f"ws://127.0.0.1:{stack.serve.child.port('ready ws-port=')}/"
    driver = NodeClient(node, script, stack.serve.api_url, feed, DASHBOARD_TOKEN)
    try:
        reloaded = driver.wait(lambda m: "reload" in m)["reload"]
        opened = driver.wait(lambda m: "open" in m)
        assert opened["protocol"] == f"bearer.{DASHBOARD_TOKEN}", "the server accepts the token's subprotocol"
        assert f"from={reloaded[-1]}" in opened["open"], "it follows the feed from the REST answer's position"
        post_status(stack)
        before = settle(stack)
        driver.wait(lambda m: m.get("event") == before)
        # A disconnect it did not ask for; two events are stored while it is away.
        driver.send("drop")
        driver.wait(lambda m: "closed" in m)
        post_status(stack)
        head = settle(stack)
        reopened = driver.wait(lambda m: "open" in m)
        assert f"from={before}" in reopened["open"], "it resumes from the last position it handled"
        driver.wait(lambda m: m.get("event") == head)
        # Live again after the resume.
        post_status(stack)
        head = settle(stack)
        driver.wait(lambda m: m.get("event") == head)
        shown = reloaded + [m["event"] for m in driver.seen if "event" in m]
        assert shown == list(range(1, head + 1)), "every event exactly once, in order, across the seams"
    finally:
        driver.close()
