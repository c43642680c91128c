"""Child processes for the black-box suite: `clickunlock graph-sim` and `clickunlock serve` on free
loopback ports, each waited for by its `ready ...=PORT` lines and stopped with SIGTERM (SIGKILL after
10 s). Secrets come from the environment only, as in production; nothing here reads ../shared."""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("CLICKUNLOCK_BINARY", ROOT / ".build" / "debug" / "clickunlock"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Made-up secrets, long enough for serve's checks (16 characters for the app secret and dashboard token).
APP_SECRET = "api-suite-app-secret-0001"
VERIFY_TOKEN = "api-suite-verify-token"
ACCESS_TOKEN = "api-suite-graph-access-token"
DASHBOARD_TOKEN = "api-suite-dashboard-token-0001"
PHONE_NUMBER_ID = "100000000000001"
DISPLAY_NUMBER = "15550001234"
WABA_ID = "102290129340398"


def free_port() -> int:
    """A port free on 127.0.0.1 now (for the one port two children must both know before either starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the test process dies, however it dies (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Child:
    """A child process whose stdout is read line by line in a thread; stderr goes to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path):
        self.name = name
        self.stderr_path = workdir / f"{name}.stderr"
        self.lines: list[str] = []
        self._seen = threading.Condition()
        base = {key: os.environ[key] for key in ("PATH", "HOME", "TMPDIR", "LANG") if key in os.environ}
        self.process = subprocess.Popen(
            [str(BINARY), *argv], env={**base, **env}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=open(self.stderr_path, "wb"), start_new_session=True, preexec_fn=_die_with_parent)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self._seen:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def wait_for_line(self, prefix: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited ({self.process.returncode}) before `{prefix}`:\n"
                                       + self.stderr_tail())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name} printed no `{prefix}` in {timeout} s:\n" + self.stderr_tail())
                self._seen.wait(min(left, 0.5))

    def port(self, prefix: str) -> int:
        return int(self.wait_for_line(prefix).split("=", 1)[1])

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then SIGKILL after `timeout` s; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


class GraphSim:
    """`clickunlock graph-sim` posting signed webhooks to `webhook_port`; `args` adds its behaviour flags."""

    def __init__(self, workdir: Path, webhook_port: int, args: list[str] | None = None):
        self.child = Child(
            "graph-sim",
            ["graph-sim", "--port", "0", "--webhook-url", f"http://127.0.0.1:{webhook_port}/webhook", *(args or [])],
            {"GRAPH_SIM_ACCESS_TOKEN": ACCESS_TOKEN, "WHATSAPP_APP_SECRET": APP_SECRET, "LOG_LEVEL": "error"},
            workdir)
        self.base_url = f"http://127.0.0.1:{self.child.port('ready graph-sim-port=')}"

    def messages(self, to: str | None = None) -> list[dict]:
        answer = requests.get(self.base_url + "/_sim/messages", params={"to": to} if to else None, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def wait_for_messages(self, to: str, count: int, kind: str | None = None, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages(to) if kind is None or m["type"] == kind]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) == count, f"the simulator has {len(found)} messages to {to}, expected {count}"
                return found
            time.sleep(0.05)

    def stop(self) -> None:
        self.child.stop()


class Serve:
    """`clickunlock serve` on a given webhook port (the simulator posts there) and a free dashboard port."""

    def __init__(self, workdir: Path, data_dir: Path, webhook_port: int, sim: GraphSim | None,
                 args: list[str] | None = None, env: dict[str, str] | None = None, name: str = "serve"):
        argv = ["serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--webhook-port", str(webhook_port),
                "--api-port", "0", *(args or [])]
        if "--ws-port" not in argv:
            argv += ["--ws-port", "0"]  # the feed's default 3001 would clash between servers running at once
        environment = {"WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
                       "CLICKUNLOCK_DASHBOARD_TOKEN": DASHBOARD_TOKEN, "LOG_LEVEL": "warning"}
        if sim is not None:
            argv += ["--graph-base-url", sim.base_url, "--messages-per-second", "0"]
            environment.update({"WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN, "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID})
        environment.update(env or {})
        self.child = Child(name, argv, environment, workdir)
        self.webhook_url = f"http://127.0.0.1:{self.child.port('ready webhook-port=')}/webhook"
        self.api_url = f"http://127.0.0.1:{self.child.port('ready api-port=')}"
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        """Until `/readyz` answers 200 (a server without the route is ready once it listens)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                status = requests.get(self.api_url + "/readyz", timeout=5).status_code
                if status in (200, 404):
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"/readyz did not answer 200 in {timeout} s:\n" + self.child.stderr_tail())
            time.sleep(0.1)

    @property
    def ws_port(self) -> int:
        """The live feed's own port (`ready ws-port=N`)."""
        return self.child.port("ready ws-port=")

    def post_webhook(self, body: bytes, signature: str | None = "sign",
                     extra_headers: dict[str, str] | None = None) -> requests.Response:
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(self.webhook_url, data=body, headers=headers, timeout=10)

    def stop(self) -> int:
        return self.child.stop()


def run_command(argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), *argv], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "error"})


def log_events(data_dir: Path, *types: str) -> list[dict]:
    """The log's events (read-only `replay`, safe beside a running serve), optionally by type prefix."""
    argv = ["replay", "--data-dir", str(data_dir), "--format", "jsonl"]
    for prefix in types:
        argv += ["--type", prefix]
    result = run_command(argv, timeout=60)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def wait_for_events(data_dir: Path, event_type: str, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = log_events(data_dir, event_type)
        found = [event for event in found if event["type"] == event_type]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, f"{len(found)} {event_type} events in the log, expected {count}"
            return found
        time.sleep(0.1)


# --- Webhook bodies, from the fixtures copied from Meta's shapes ---------------------------------------------


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _with_metadata(envelope: dict) -> dict:
    value = envelope["entry"][0]["changes"][0]["value"]
    envelope["entry"][0]["id"] = WABA_ID
    value["metadata"] = {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}
    return envelope


def tap_body(contact: str, name: str, wamid: str, context: str, payload: str, timestamp: int | None = None) -> bytes:
    """A tap on a template's quick-reply button (`context` is the template's wamid)."""
    envelope = _with_metadata(_fixture("template_button_click.json"))
    value = envelope["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": name}, "wa_id": contact}]
    message = value["messages"][0]
    message.update({"from": contact, "id": wamid, "timestamp": str(timestamp or int(time.time()))})
    message["context"] = {"from": DISPLAY_NUMBER, "id": context}
    message["button"] = {"payload": payload, "text": "Unlock today's content"}
    return json.dumps(envelope, separators=(",", ":")).encode()


def status_item(message: dict, status: str, error_code: int | None = None, timestamp: int | None = None) -> dict:
    """A status of a message the simulator accepted (as `/_sim/messages` lists it)."""
    if error_code is not None:
        item = _fixture("status_failed_131047.json")["entry"][0]["changes"][0]["value"]["statuses"][0]
        item["errors"][0]["code"] = error_code
        if error_code != 131047:
            title = {131026: "Message undeliverable"}.get(error_code, "Message failed")
            item["errors"][0].update({"title": title, "message": title, "error_data": {"details": title}})
    else:
        item = _fixture("status_read.json")["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update({"id": message["wamid"], "status": status, "recipient_id": message["to"],
                 "timestamp": str(timestamp or int(time.time()))})
    item.pop("biz_opaque_callback_data", None)
    if message.get("biz_opaque_callback_data"):
        item["biz_opaque_callback_data"] = message["biz_opaque_callback_data"]
    return item


def statuses_body(items: list[dict]) -> bytes:
    envelope = _with_metadata(_fixture("status_read.json"))
    envelope["entry"][0]["changes"][0]["value"]["statuses"] = items
    return json.dumps(envelope, separators=(",", ":")).encode()


def fnv1a64(text: str) -> int:
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def delivery_id(click_wamid: str) -> str:
    """The saga's deterministic delivery id of a click (`ClickDecider.deliveryId(forClick:)`)."""
    return f"dlv-{fnv1a64(click_wamid):016x}"
