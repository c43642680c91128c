"""The live feed (issue 16), black-box over real loopback sockets against a real `clickunlock serve`: the
WebSocket on the feed port (`--ws-port`) and at `/api/webhook/ws` on the dashboard port, and the SSE
stream at `/api/webhook/events/stream`. Every `event` frame is compared with the item of
`GET /api/webhook/events/recent` at the same position, so "in order, no gap, no duplicate" is checked
against the server's own answer, not against a count.

Four servers: `stack` (graph-sim + serve, deliveries on: the delivery.* events the filters need),
`small` (no simulator; a 20-event window, 2 clients at most, a 1 s heartbeat, a 2 s ping timeout;
ends with SIGTERM), `slow` (no simulator; a 100-frame queue per client, for slow consumers) and
`quiet` (no traffic at all). Slow consumers are plain sockets with small TCP buffers (and a small MSS,
which keeps the server's send buffer small too), so that a client that stops reading really blocks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import itertools
import json
import os
import re
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import pytest
import requests
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

import scenario
from harness import DASHBOARD_TOKEN, Serve, free_port, status_item, statuses_body, tap_body

AUTH = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
WRONG_TOKEN = "wrong-feed-token-5f1e2d3c4b"
ARRIVAL = 1.0  # seconds from a webhook's 200 to its events at every client
# The main stack's contacts: one authorized (its taps start deliveries), two not.
DELIVERED, OTHER, THIRD = "15550160001", "15550160002", "15550160003"
HELLO_KEYS = {"type", "position", "oldest", "heartbeat_seconds", "from"}
FEED_KEYS = {"clients", "websocket_clients", "sse_clients", "slow_consumer_closes", "frames_sent", "refused",
             "position", "oldest"}
WINDOW = 20  # the small server's --recent-events
_numbers = itertools.count(1)


# --- Webhooks whose events are known ------------------------------------------------------------------------


@dataclass
class Posted:
    """A webhook answered 200 (`at`, monotonic) and how to recognize the events it appended."""
    request_id: str
    wamids: set[str]
    at: float

    def owns(self, event: dict) -> bool:
        data = event["data"]
        if event["type"] == "webhook.received":
            return data.get("request_id") == self.request_id
        return event["type"] in ("status.updated", "button.clicked") and data.get("wamid") in self.wamids

    @property
    def count(self) -> int:
        return 1 + len(self.wamids)


def post(serve: Serve, body: bytes, request_id: str, wamids: set[str]) -> Posted:
    answer = serve.post_webhook(body, extra_headers={"X-Request-Id": request_id})
    at = time.monotonic()
    assert answer.status_code == 200, f"webhook answered {answer.status_code}: {answer.text}"
    return Posted(request_id, wamids, at)


def post_statuses(serve: Serve, contact: str, count: int = 2) -> Posted:
    """A webhook of `count` `delivered` statuses to `contact` (1 + count events)."""
    number = next(_numbers)
    wamids = [f"wamid.FEED{number}S{i}" for i in range(count)]
    body = statuses_body([status_item({"wamid": w, "to": contact}, "delivered") for w in wamids])
    return post(serve, body, f"feed-{number}", set(wamids))


def post_tap(serve: Serve, contact: str, payload: str = "unlock:2020-01-01") -> Posted:
    """A button tap from `contact` (webhook.received + button.clicked; the saga may add delivery.*)."""
    number = next(_numbers)
    wamid = f"wamid.FEEDTAP{number}"
    return post(serve, tap_body(contact, "Feed", wamid, f"wamid.FEEDCTX{number}", payload), f"feed-{number}",
                {wamid})


# --- The REST side ------------------------------------------------------------------------------------------


def rest(serve: Serve, path: str, params=None) -> dict:
    answer = requests.get(serve.api_url + path, params=params, headers=AUTH, timeout=30)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text[:300]}"
    return answer.json()


def recent(serve: Serve, after: int, upto: int, types: tuple[str, ...] = (), contact: str | None = None) -> list[dict]:
    """/events/recent's items with after < position <= upto, oldest first (pages of 1000)."""
    found: list[dict] = []
    before = upto + 1
    while before is not None and before > after + 1:
        params = [("limit", "1000"), ("before", str(before))] + [("type", t) for t in types]
        if contact:
            params.append(("contact", contact))
        page = rest(serve, "/api/webhook/events/recent", params)
        assert page["position"] >= upto, f"/events/recent is at {page['position']}, the feed sent {upto}"
        found += [e for e in page["events"] if e["position"] > after]
        before = page["next_before"]
    return sorted(found, key=lambda e: e["position"])


def settle(serve: Serve, timeout: float = 10) -> int:
    """Until the projections have applied the whole log: the position."""
    deadline = time.monotonic() + timeout
    while True:
        health = rest(serve, "/api/webhook/health")
        if health["lag_events"] == 0:
            return health["position"]
        assert time.monotonic() < deadline, f"the projections stayed {health['lag_events']} events behind"
        time.sleep(0.05)


def feed_health(serve: Serve) -> dict:
    feed = rest(serve, "/api/webhook/health").get("feed")
    assert isinstance(feed, dict), "/api/webhook/health has no `feed` object"
    assert set(feed) == FEED_KEYS, f"health's feed keys: {sorted(feed)}"
    return feed


def wait_feed(serve: Serve, timeout: float = 5, **expected) -> dict:
    """Until health's `feed` has these values (client counts drop asynchronously after a close)."""
    deadline = time.monotonic() + timeout
    while True:
        feed = feed_health(serve)
        if all(feed[key] == value for key, value in expected.items()):
            return feed
        assert time.monotonic() < deadline, f"health's feed is {feed}, expected {expected}"
        time.sleep(0.05)


def metrics(serve: Serve) -> dict[str, float]:
    """`/metrics` as {'name{labels}': value}."""
    answer = requests.get(serve.api_url + "/metrics", headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text[:300]
    values = {}
    for line in answer.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name.strip()] = float(value)
    return values


def rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- Clients ------------------------------------------------------------------------------------------------


def query(**params) -> str:
    params = {key: value for key, value in params.items() if value is not None}
    return "?" + urlencode(params, safe=",") if params else ""


def feed_url(serve: Serve, on_api_port: bool = False, **params) -> str:
    if on_api_port:
        return f"ws://127.0.0.1:{serve.api_url.rsplit(':', 1)[1]}/api/webhook/ws{query(**params)}"
    return f"ws://127.0.0.1:{serve.ws_port}/{query(**params)}"


class Ws:
    """A WebSocket client whose thread timestamps each frame as it arrives; `closed` is the server's
    (code, reason) once the connection ends."""

    def __init__(self, url: str, headers: dict | None = None, subprotocols: list[str] | None = None):
        self.conn = connect(url, additional_headers=AUTH if headers is None else headers, subprotocols=subprotocols,
                            proxy=None, open_timeout=5, close_timeout=2, max_size=2 ** 22, legacy=True)
        self.frames: list[tuple[float, dict]] = []
        self.closed: tuple[int | None, str | None] | None = None
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.wait(lambda: self.frames, 5), f"no hello in 5 s from {url}"
        self.hello = self.frames[0][1]
        assert self.hello.get("type") == "hello", f"the first frame is not hello: {self.hello}"
        assert set(self.hello) == HELLO_KEYS, f"hello's keys: {sorted(self.hello)}"

    def _read(self) -> None:
        while True:
            try:
                raw = self.conn.recv()
            except ConnectionClosed as closed:
                with self._changed:
                    self.closed = (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, None)
                    self._changed.notify_all()
                return
            frame = json.loads(raw) if isinstance(raw, str) else {"type": "(a binary frame)"}
            with self._changed:
                self.frames.append((time.monotonic(), frame))
                self._changed.notify_all()

    def wait(self, done, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0 or self.closed is not None:
                    return bool(done())
                self._changed.wait(left)
            return True

    def of_type(self, kind: str) -> list[dict]:
        with self._changed:
            return [frame for _, frame in self.frames if frame.get("type") == kind]

    def events(self) -> list[dict]:
        return self.of_type("event")

    def arrival(self, posted: Posted, timeout: float = 5) -> float:
        """Seconds from the webhook's 200 to the last of its events here."""
        def times():
            return [at for at, frame in self.frames if frame.get("type") == "event" and posted.owns(frame["event"])]
        self.wait(lambda: len(times()) >= posted.count, timeout)
        with self._changed:
            found = times()
        assert len(found) == posted.count, (f"{len(found)} of webhook {posted.request_id}'s {posted.count} events "
                                            f"arrived in {timeout} s (closed: {self.closed})")
        return max(found) - posted.at

    def wait_event(self, check, timeout: float = 5) -> dict:
        self.wait(lambda: any(check(e["event"]) for e in self.events()), timeout)
        found = [e for e in self.events() if check(e["event"])]
        assert found, f"no such event in {timeout} s (closed: {self.closed})"
        return found[0]

    def close(self) -> None:
        self.conn.close()


def check_events(frames: list[dict], expected: list[dict], who: str) -> None:
    """`event` frames are exactly `expected` (REST's items), in order: no gap, no duplicate."""
    for frame in frames:
        assert set(frame) == {"type", "position", "event"}, f"{who}: an event frame's keys: {sorted(frame)}"
        assert frame["position"] == frame["event"]["position"], f"{who}: {frame}"
    got = [f["position"] for f in frames]
    want = [e["position"] for e in expected]
    assert got == want, f"{who}: positions {compact(got)}, /events/recent has {compact(want)}"
    for frame, event in zip(frames, expected):
        assert frame["event"] == event, f"{who}: at {event['position']} the feed sent {frame['event']}, " \
                                        f"/events/recent has {event}"


def compact(positions: list[int]) -> str:
    """[1, 2, 3, 7, 7] as '1-3,7,7'."""
    parts: list[str] = []
    for p in positions:
        if parts and "-" not in parts[-1].split(",")[-1] and p == int(parts[-1]) + 1:
            parts[-1] = f"{parts[-1]}-{p}"
        elif parts and "-" in parts[-1] and p == int(parts[-1].split("-")[1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{p}"
        else:
            parts.append(str(p))
    return ",".join(parts) or "(none)"


@dataclass
class Handshake:
    """A raw upgrade request's answer; `sock` and `rest` (bytes after the head) when it was 101."""
    status: int
    headers: dict[str, str]
    body: bytes
    sock: socket.socket
    rest: bytes = b""

    def error(self) -> dict:
        assert self.headers.get("content-type", "").startswith("application/json"), self.headers
        return json.loads(self.body)["error"]


def upgrade(port: int, path: str, headers: dict | None = None, rcvbuf: int | None = None,
            mss: int | None = None, source: str | None = None) -> Handshake:
    """A WebSocket upgrade request over a plain socket (so that its buffers and reads are ours)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if mss:
        # A small MSS keeps the server's send buffer small too (Linux sizes it from the MSS on loopback).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    if source:
        sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed before answering {path}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    answer_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    if status == 101:
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        assert answer_headers.get("sec-websocket-accept") == accept.decode(), answer_headers
        return Handshake(status, answer_headers, b"", sock, rest)
    length = int(answer_headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    sock.close()
    return Handshake(status, answer_headers, rest[:length], sock)


def read_frames(sock: socket.socket, buffered: bytes, timeout: float = 10):
    """(opcode, payload) of the server's frames (unmasked) until the connection ends."""
    data = bytearray(buffered)
    sock.settimeout(timeout)

    def need(count: int) -> bool:
        while len(data) < count:
            try:
                chunk = sock.recv(1 << 20)
            except ConnectionResetError:
                return False
            if not chunk:
                return False
            data.extend(chunk)
        return True

    message, message_opcode = bytearray(), 0
    while need(2):
        fin, opcode, length = data[0] & 0x80, data[0] & 0x0F, data[1] & 0x7F
        header = 2
        if length == 126:
            if not need(4):
                return
            length, header = struct.unpack(">H", data[2:4])[0], 4
        elif length == 127:
            if not need(10):
                return
            length, header = struct.unpack(">Q", data[2:10])[0], 10
        if not need(header + length):
            return
        payload = bytes(data[header:header + length])
        del data[:header + length]
        if opcode >= 8:
            yield opcode, payload
            if opcode == 8:
                return
            continue
        if opcode != 0:
            message, message_opcode = bytearray(), opcode
        message.extend(payload)
        if fin:
            yield message_opcode, bytes(message)


def stalled_stream(serve: Serve) -> socket.socket:
    """An SSE request over a socket with small buffers that then reads nothing."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
    sock.connect(("127.0.0.1", int(serve.api_url.rsplit(":", 1)[1])))
    sock.sendall(f"GET /api/webhook/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {DASHBOARD_TOKEN}\r\n\r\n".encode())
    return sock


def read_stream(sock: socket.socket, timeout: float = 10) -> list[dict]:
    """The messages of an SSE answer read from `sock` until its end (chunked or not): each
    {'event','data' (parsed),'id'} as present."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1 << 20)
        assert chunk, "the event stream ended before its head"
        data += chunk
    head, data = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200"), head[:100]
    body = b""
    if b"transfer-encoding: chunked" in head.lower():
        while True:
            while b"\r\n" not in data:
                chunk = sock.recv(1 << 20)
                assert chunk, "the event stream ended inside a chunk"
                data += chunk
            size_line, data = data.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(data) < size + 2:
                chunk = sock.recv(1 << 20)
                assert chunk, "the event stream ended inside a chunk"
                data += chunk
            if size == 0:
                break
            body, data = body + data[:size], data[size + 2:]
    else:
        body = data
        while chunk := sock.recv(1 << 20):
            body += chunk
    messages = []
    for block in body.decode().split("\n\n"):
        fields = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name and not name.startswith(":"):
                fields[name] = json.loads(value) if name == "data" else value
        if fields:
            messages.append(fields)
    return messages


class Sse:
    """`GET /api/webhook/events/stream` over http.client; `next()` parses one message."""

    def __init__(self, serve: Serve, params: str = "", headers: dict | None = None):
        port = int(serve.api_url.rsplit(":", 1)[1])
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", "/api/webhook/events/stream" + params,
                          headers={"Accept": "text/event-stream", **(AUTH if headers is None else headers)})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.lines: list[str] = []
        self.messages: list[dict] = []

    def next(self, timeout: float = 5) -> dict | None:
        """{'event','data' (parsed),'id','retry'} as far as present; None at the end of the stream."""
        self.conn.sock.settimeout(timeout)
        fields: dict = {}
        while True:
            raw = self.response.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\r\n")
            self.lines.append(line)
            if line == "":
                if fields:
                    if "data" in fields:
                        fields["data"] = json.loads(fields["data"])
                    self.messages.append(fields)
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = fields[name] + "\n" + value if name == "data" and name in fields else value

    def hello(self) -> dict:
        assert self.status == 200, f"SSE answered {self.status}: {self.response.read()[:300]}"
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        message = self.next()
        while message is not None and "event" not in message:
            message = self.next()
        assert message and message["event"] == "hello", f"the first SSE message: {message}"
        assert self.lines[0] == "retry: 2000", f"the SSE stream starts with {self.lines[:3]}"
        assert "id" not in message and set(message["data"]) == HELLO_KEYS, message
        return message["data"]

    def until(self, done, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            assert left > 0, f"SSE: not done in {timeout} s; last lines {self.lines[-6:]}"
            try:
                message = self.next(left)
            except (TimeoutError, socket.timeout):
                continue
            assert message is not None, "the SSE stream ended"

    def events(self) -> list[dict]:
        found = []
        for message in self.messages:
            if message.get("event") == "event":
                assert message.get("id") == str(message["data"]["position"]), f"an event's id: {message}"
                found.append(message["data"])
            else:
                assert "id" not in message, f"a {message.get('event')} message with an id: {message}"
        return found

    def owned(self, posted: Posted) -> int:
        return sum(1 for e in self.events() if posted.owns(e["event"]))

    def close(self) -> None:
        self.conn.close()


def wait_clients(serve: Serve, count: int) -> None:
    wait_feed(serve, clients=count)


# --- Servers ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(make_stack):
    # The simulator answers sends and posts their statuses: deliveries run to completion.
    built = make_stack("feed", [], ["--confirmation-wait-ms", "60000"],
                       {"CLICKUNLOCK_AUTHORIZED_CONTACTS": DELIVERED, "LOG_LEVEL": "debug"})
    settle(built.serve)
    return built


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("feed-small")
    (workdir / "data").mkdir()
    serve = Serve(workdir, workdir / "data", free_port(), None,
                  ["--recent-events", str(WINDOW), "--feed-max-clients", "2", "--feed-heartbeat", "1",
                   "--feed-ping-timeout", "2"], name="serve-small")
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("feed-slow")
    (workdir / "data").mkdir()
    serve = Serve(workdir, workdir / "data", free_port(), None,
                  ["--feed-queue-frames", "100", "--feed-queue-bytes", "1048576", "--recent-events", "5000"],
                  name="serve-slow")
    yield serve
    serve.stop()


# --- 1. Order, timeliness and shapes ------------------------------------------------------------------------


def test_events_arrive_in_order_within_a_second_with_the_recent_events_shape(stack):
    serve = stack.serve
    start = settle(serve)
    on_feed_port, on_api_port = Ws(feed_url(serve)), Ws(feed_url(serve, on_api_port=True))
    try:
        for client in (on_feed_port, on_api_port):
            hello = client.hello
            assert hello["from"] is None and hello["heartbeat_seconds"] == 15, hello
            assert hello["position"] == start, f"hello's position {hello['position']}, the projections' {start}"
            assert 0 <= hello["oldest"] <= hello["position"] + 1, hello
        posted = []
        for number in range(6):
            webhook = post_statuses(serve, OTHER, 3) if number % 2 == 0 else post_tap(serve, THIRD)
            posted.append(webhook)
            for client in (on_feed_port, on_api_port):
                late = client.arrival(webhook)
                assert late < ARRIVAL, f"webhook {webhook.request_id}'s events arrived {late:.3f} s after its 200"
        for name, client in (("feed port", on_feed_port), ("dashboard port", on_api_port)):
            frames = client.events()
            check_events(frames, recent(serve, start, frames[-1]["position"]), name)
            assert sum(1 for f in frames if any(p.owns(f["event"]) for p in posted)) == sum(p.count for p in posted)
        # The realtime summary changed: a stats frame within about a second, its figures shaped as REST's.
        assert on_feed_port.wait(lambda: on_feed_port.of_type("stats"), 2.5), "no stats frame in 2.5 s"
        one_minute = rest(serve, "/api/webhook/stats/realtime")["windows"]["1m"]
        for stats in on_feed_port.of_type("stats"):
            assert set(stats) == {"type", "position", "now", "one_minute"}, stats
            assert set(stats["one_minute"]) == set(one_minute), f"stats' one_minute: {stats['one_minute']}"
            rfc3339(stats["now"])
        with on_feed_port._changed:
            times = [at for at, frame in on_feed_port.frames if frame.get("type") == "stats"]
        assert all(b - a > 0.9 for a, b in zip(times, times[1:])), f"stats frames closer than 1 s: {times}"
        assert on_feed_port.closed is None and on_api_port.closed is None
    finally:
        on_feed_port.close()
        on_api_port.close()


# --- 2. Resume ----------------------------------------------------------------------------------------------


def test_resume_after_a_disconnect_delivers_every_event_exactly_once(stack):
    serve = stack.serve
    start = settle(serve)
    first = Ws(feed_url(serve))
    for _ in range(3):
        first.arrival(post_statuses(serve, OTHER, 2))
    first.close()
    seen = first.events()
    last = seen[-1]["position"]
    missed = [post_statuses(serve, OTHER, 2) for _ in range(3)]
    # Resumed on the other port, as a dashboard behind a proxy would.
    second = Ws(feed_url(serve, on_api_port=True, **{"from": last}))
    try:
        assert second.hello["from"] == last, second.hello
        for webhook in missed:
            second.arrival(webhook)
        live = post_statuses(serve, OTHER, 1)
        assert second.arrival(live) < ARRIVAL
        resumed = second.events()
        assert resumed[0]["position"] == last + 1, f"resumed from {last}, the first event is {resumed[0]['position']}"
        check_events(seen + resumed, recent(serve, start, resumed[-1]["position"]), "across the seam")
    finally:
        second.close()


# --- 4. Auth ------------------------------------------------------------------------------------------------


def test_auth_is_checked_before_the_upgrade_and_the_token_is_never_logged(stack):
    serve = stack.serve
    api_port = int(serve.api_url.rsplit(":", 1)[1])
    for port, path in ((serve.ws_port, "/"), (api_port, "/api/webhook/ws")):
        for headers, query_string in (({}, ""), ({"Authorization": f"Bearer {WRONG_TOKEN}"}, ""),
                                      ({}, f"?token={WRONG_TOKEN}"),
                                      ({"Sec-WebSocket-Protocol": f"bearer.{WRONG_TOKEN}"}, "")):
            if port == api_port and headers.get("Sec-WebSocket-Protocol"):
                continue  # 7 wrong tokens here in all: under the 10 a minute that get 401 rather than 429
            answer = upgrade(port, path + query_string, headers)
            assert answer.status == 401, f"{path}{query_string} {headers}: {answer.status}"
            error = answer.error()
            assert error["code"] == "unauthorized" and error["parameter"] is None, error
            assert DASHBOARD_TOKEN not in answer.body.decode() and WRONG_TOKEN not in answer.body.decode()
    sse = Sse(serve, headers={})
    assert sse.status == 401, sse.status
    sse.close()
    # The right token, each way.
    by_header = Ws(feed_url(serve))
    by_protocol = Ws(feed_url(serve), headers={}, subprotocols=[f"bearer.{DASHBOARD_TOKEN}"])
    by_query = Ws(feed_url(serve, token=DASHBOARD_TOKEN), headers={})
    by_query_api = Ws(feed_url(serve, on_api_port=True, token=DASHBOARD_TOKEN), headers={})
    assert by_protocol.conn.subprotocol == f"bearer.{DASHBOARD_TOKEN}", "the bearer protocol was not echoed"
    sse = Sse(serve, query(token=DASHBOARD_TOKEN), headers={})
    sse.hello()
    webhook = post_statuses(serve, OTHER, 1)
    for client in (by_header, by_protocol, by_query, by_query_api):
        assert client.arrival(webhook) < ARRIVAL
        client.close()
    sse.until(lambda: sse.owned(webhook) == webhook.count)
    sse.close()
    time.sleep(0.2)  # let the closes be logged
    logs = "\n".join(serve.child.lines) + "\n" + serve.child.stderr_path.read_text(errors="replace")
    for secret in (DASHBOARD_TOKEN, WRONG_TOKEN):
        where = [line for line in logs.splitlines() if secret in line]
        assert not where, f"serve logged a token: {where[:3]}"


# --- 5. Filters ---------------------------------------------------------------------------------------------


def test_filters_deliver_exactly_the_matching_events(stack):
    serve = stack.serve
    start = settle(serve)
    by_type = Ws(feed_url(serve, types="button.,delivery.", **{"from": start}))
    by_contact = Ws(feed_url(serve, contact=OTHER, **{"from": start}))
    try:
        assert by_type.hello["from"] == start
        post_tap(serve, DELIVERED, f"unlock:{scenario.utc_day()}")  # a delivery through the simulator
        post_statuses(serve, OTHER, 2)
        post_tap(serve, OTHER)  # not authorized: delivery.skipped
        post_statuses(serve, THIRD, 2)
        deadline = time.monotonic() + 15
        while not recent(serve, start, settle(serve), types=("delivery.completed",)):
            assert time.monotonic() < deadline, "the delivery did not complete in 15 s"
            time.sleep(0.1)
        sentinel = post_tap(serve, OTHER)  # matches both filters: everything before it has been sent
        wamid = next(iter(sentinel.wamids))
        for client in (by_type, by_contact):
            end = client.wait_event(lambda e: e["data"].get("wamid") == wamid)["position"]
            frames = [f for f in client.events() if f["position"] <= end]
            if client is by_type:
                expected = recent(serve, start, end, types=("button.", "delivery."))
                kinds = {e["type"] for e in expected}
                assert {"button.clicked", "delivery.started", "delivery.completed", "delivery.skipped"} <= kinds
                check_events(frames, expected, "types=button.,delivery.")
            else:
                expected = recent(serve, start, end, contact=OTHER)
                assert all(e["contact"] == OTHER for e in expected) and len(expected) >= 4
                check_events(frames, expected, f"contact={OTHER}")
            assert len(recent(serve, start, end)) > len(expected), "the filter had nothing to leave out"
    finally:
        by_type.close()
        by_contact.close()


# --- 6. Many clients ----------------------------------------------------------------------------------------


def test_a_hundred_concurrent_clients_each_receive_every_event(stack):
    serve = stack.serve
    url = feed_url(serve)
    count = 100

    async def run():
        clients = await asyncio.gather(*(connect_async(url, additional_headers=AUTH, proxy=None, open_timeout=15,
                                                       max_size=2 ** 22) for _ in range(count)))
        try:
            hellos = [json.loads(await asyncio.wait_for(c.recv(), 5)) for c in clients]
            assert all(h["type"] == "hello" for h in hellos), hellos[:2]
            feed = await asyncio.to_thread(feed_health, serve)
            assert feed["websocket_clients"] >= count, feed
            marker = f"wamid.FEED100-{next(_numbers)}"

            async def collect(client):
                events, arrived = [], None
                while arrived is None:
                    frame = json.loads(await asyncio.wait_for(client.recv(), 10))
                    if frame["type"] == "event":
                        events.append(frame)
                        if frame["event"]["data"].get("wamid") == marker:
                            arrived = time.monotonic()
                return events, arrived

            readers = [asyncio.create_task(collect(c)) for c in clients]
            for _ in range(2):
                await asyncio.to_thread(post_statuses, serve, OTHER, 2)
            body = statuses_body([status_item({"wamid": marker, "to": OTHER}, "delivered")])
            last = await asyncio.to_thread(post, serve, body, f"feed-{next(_numbers)}", {marker})
            results = await asyncio.gather(*readers)
            return hellos, results, last
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    hellos, results, last = asyncio.run(run())
    end = results[0][0][-1]["position"]
    expected = recent(serve, min(h["position"] for h in hellos), end)
    for number, ((events, arrived), hello) in enumerate(zip(results, hellos)):
        late = arrived - last.at
        assert late < ARRIVAL, f"client {number}: the last webhook's event came {late:.3f} s after its 200"
        check_events(events, [e for e in expected if e["position"] > hello["position"]], f"client {number}")


# --- 7. SSE -------------------------------------------------------------------------------------------------


def test_sse_streams_events_with_ids_and_resumes_from_last_event_id(stack):
    serve = stack.serve
    start = settle(serve)
    first = Sse(serve)
    hello = first.hello()
    assert hello["from"] is None and hello["position"] == start, hello
    posted = [post_statuses(serve, OTHER, 2) for _ in range(2)]
    first.until(lambda: all(first.owned(p) == p.count for p in posted))
    first.close()
    seen = first.events()
    last = seen[-1]["position"]
    missed = [post_statuses(serve, OTHER, 2) for _ in range(2)]
    # Last-Event-ID wins over ?from=.
    second = Sse(serve, query(**{"from": 0}), headers={**AUTH, "Last-Event-ID": str(last)})
    try:
        assert second.hello()["from"] == last
        live = post_statuses(serve, OTHER, 1)
        second.until(lambda: all(second.owned(p) == p.count for p in [*missed, live]))
        resumed = second.events()
        assert resumed[0]["position"] == last + 1
        check_events(seen + resumed, recent(serve, start, resumed[-1]["position"]), "SSE across the seam")
    finally:
        second.close()


# --- 8. Bad requests ----------------------------------------------------------------------------------------

BAD = [
    ({"from": "abc"}, "from"),
    ({"from": "-1"}, "from"),
    ({"from": "1.5"}, "from"),
    ({"types": ",".join(f"t{n}." for n in range(21))}, "types"),
    ({"types": "BUTTON."}, "types"),
    ({"contact": "+15550160002"}, "contact"),
    ({"bogus": "1"}, "bogus"),
]


def test_bad_parameters_are_400_before_the_upgrade_and_a_plain_get_is_426(stack):
    serve = stack.serve
    api_port = int(serve.api_url.rsplit(":", 1)[1])
    for params, name in BAD:
        for port, path in ((serve.ws_port, "/"), (api_port, "/api/webhook/ws")):
            answer = upgrade(port, path + query(**params), AUTH)
            assert answer.status == 400, f"{path}{query(**params)}: {answer.status} {answer.body[:200]}"
            error = answer.error()
            assert (error["code"], error["parameter"]) == ("bad_parameter", name), f"{params}: {error}"
            assert error["message"], error
        sse = requests.get(serve.api_url + "/api/webhook/events/stream", params=params, headers=AUTH, timeout=5,
                           stream=True)
        assert sse.status_code == 400, f"SSE {params}: {sse.status_code}"
        assert (sse.json()["error"]["code"], sse.json()["error"]["parameter"]) == ("bad_parameter", name)
    for url in (serve.api_url + "/api/webhook/ws", f"http://127.0.0.1:{serve.ws_port}/"):
        plain = requests.get(url, headers=AUTH, timeout=5)
        assert plain.status_code == 426, f"GET {url} without upgrade headers: {plain.status_code} {plain.text[:200]}"
        assert plain.json()["error"]["code"] == "upgrade_required", plain.text


# --- 9. Health and metrics ----------------------------------------------------------------------------------


def test_health_and_metrics_show_the_feed(stack):
    serve = stack.serve
    # A frame to every client first: an SSE client that went away is only noticed when written to
    # (test_a_closed_sse_client_is_gone_at_once checks that it is noticed without).
    post_statuses(serve, OTHER, 1)
    wait_clients(serve, 0)
    before = feed_health(serve)
    clients = [Ws(feed_url(serve)), Ws(feed_url(serve, on_api_port=True))]
    sse = Sse(serve)
    sse.hello()
    try:
        webhook = post_statuses(serve, OTHER, 2)
        for client in clients:
            client.arrival(webhook)
        sse.until(lambda: sse.owned(webhook) == webhook.count)
        feed = wait_feed(serve, clients=3, websocket_clients=2, sse_clients=1)
        # 3 clients × (hello + 3 events) at least.
        assert feed["frames_sent"] >= before["frames_sent"] + 12, (before, feed)
        assert feed["slow_consumer_closes"] == 0, feed
        projected = rest(serve, "/api/webhook/health")["position"]
        assert clients[0].events()[-1]["position"] <= feed["position"] <= projected, (feed, projected)
        assert 1 <= feed["oldest"] <= feed["position"], feed
        values = metrics(serve)
        assert values.get('clickunlock_feed_clients{transport="websocket"}') == 2, values
        assert values.get('clickunlock_feed_clients{transport="sse"}') == 1
        assert values.get("clickunlock_feed_frames_sent_total", 0) >= feed["frames_sent"]
        assert values.get("clickunlock_feed_slow_consumer_closes_total") == 0
        assert values.get('clickunlock_feed_refused_total{reason="capacity"}') == 0
    finally:
        for client in clients:
            client.close()
        sse.close()


# --- The small server: heartbeat, reset, capacity, 429, shutdown --------------------------------------------


def test_heartbeat_frames_come_at_the_configured_interval(small):
    client = Ws(feed_url(small))
    try:
        assert client.hello["heartbeat_seconds"] == 1, client.hello
        assert client.wait(lambda: len(client.of_type("heartbeat")) >= 2, 3.5), "fewer than 2 heartbeats in 3.5 s"
        for beat in client.of_type("heartbeat"):
            assert set(beat) == {"type", "position", "now"} and beat["position"] == client.hello["position"], beat
            rfc3339(beat["now"])
    finally:
        client.close()
    wait_clients(small, 0)


def first_after_hello(client: Ws) -> dict:
    """The first frame after hello but heartbeats and stats."""
    def found():
        return [f for _, f in client.frames[1:] if f.get("type") not in ("heartbeat", "stats")]
    assert client.wait(found, 3), "nothing after hello in 3 s"
    return found()[0]


def check_reset(serve: Serve, client: Ws, start: int, head: int) -> list[dict]:
    """`reset` right after hello, then exactly the events after its position (REST's), up to `head`:
    those events."""
    reset = first_after_hello(client)
    assert reset.get("type") == "reset", f"from={start}, window {client.hello['oldest']}-{head}: " \
                                         f"the frame after hello is {reset}"
    assert set(reset) == {"type", "oldest", "position", "reason"} and reset["reason"], reset
    assert reset["oldest"] == client.hello["oldest"], (reset, client.hello)
    # It continues with the events after its position: those must all still be there (no gap).
    assert reset["oldest"] - 1 <= reset["position"] <= head, reset
    expected = recent(serve, reset["position"], head)
    client.wait(lambda: len(client.events()) >= len(expected), 3)
    time.sleep(0.2)
    check_events(client.events(), expected, f"after the reset of from={start}")
    return expected


def test_reset_when_from_is_outside_the_window(small):
    for _ in range(WINDOW // 11 + 2):
        post_statuses(small, OTHER, 10)
    head = settle(small)
    assert head >= WINDOW + 11
    old = Ws(feed_url(small, **{"from": 0}))
    try:
        hello = old.hello
        kept = recent(small, 0, head)[0]["position"]
        assert kept == head - WINDOW + 1, f"/events/recent keeps {kept}-{head} with --recent-events {WINDOW}"
        assert (hello["from"], hello["position"]) == (0, head), hello
        assert hello["oldest"] == kept, f"hello's oldest is {hello['oldest']}, /events/recent keeps {kept}-{head} " \
                                        f"(--recent-events {WINDOW})"
        window = check_reset(small, old, 0, head)
        webhook = post_statuses(small, OTHER, 3)
        assert old.arrival(webhook) < ARRIVAL
        check_events(old.events(), window + recent(small, head, head + 4), "after the reset, live")
    finally:
        old.close()
    wait_clients(small, 0)
    head += 4
    oldest = head - WINDOW + 1
    # from = oldest - 1 is the oldest gap-free resume: no reset, the whole window.
    edge = Ws(feed_url(small, **{"from": oldest - 1}))
    try:
        assert edge.hello["oldest"] == oldest, edge.hello
        assert edge.wait(lambda: len(edge.events()) >= WINDOW, 3), f"frames: {[f for _, f in edge.frames][:3]}"
        assert not edge.of_type("reset"), edge.of_type("reset")
        check_events(edge.events(), recent(small, oldest - 1, head), "from=oldest-1")
    finally:
        edge.close()
    wait_clients(small, 0)
    # One older than that, and one newer than the feed has: reset.
    for start in (oldest - 2, head + 100):
        client = Ws(feed_url(small, **{"from": start}))
        try:
            check_reset(small, client, start, head)
        finally:
            client.close()
        wait_clients(small, 0)


def test_capacity_refuses_with_503_before_the_upgrade(small):
    wait_clients(small, 0)
    refused = feed_health(small)["refused"]
    clients = [Ws(feed_url(small)), Ws(feed_url(small, on_api_port=True))]
    try:
        answer = upgrade(small.ws_port, "/", AUTH)
        assert answer.status == 503, f"a third WebSocket with --feed-max-clients 2: {answer.status}"
        assert answer.error()["code"] == "unavailable", answer.body
        assert re.fullmatch(r"[0-9]+", answer.headers.get("retry-after", "")), answer.headers
        sse = Sse(small)
        assert sse.status == 503, f"a third client (SSE): {sse.status}"
        assert sse.response.getheader("Retry-After"), sse.response.getheaders()
        sse.close()
        feed = feed_health(small)
        assert feed["refused"] == refused + 2 and feed["clients"] == 2, feed
        assert metrics(small).get('clickunlock_feed_refused_total{reason="capacity"}') == refused + 2
        clients.pop().close()
        wait_clients(small, 1)
        clients.append(Ws(feed_url(small)))  # room again
    finally:
        for client in clients:
            client.close()
    wait_clients(small, 0)


def test_repeated_wrong_tokens_get_429(small):
    statuses = [upgrade(small.ws_port, "/", {"Authorization": f"Bearer {WRONG_TOKEN}"}, source="127.0.0.7")
                for _ in range(11)]
    assert [s.status for s in statuses] == [401] * 10 + [429], [s.status for s in statuses]
    assert re.fullmatch(r"[0-9]+", statuses[-1].headers.get("retry-after", "")), statuses[-1].headers
    right = upgrade(small.ws_port, "/", AUTH, source="127.0.0.7")
    right.sock.close()
    assert right.status == 101, f"the right token after wrong ones: {right.status}"


def test_a_client_that_answers_no_ping_is_closed(small):
    """--feed-ping-timeout 2: pings every second; a client that reads them but never answers is closed."""
    wait_clients(small, 0)
    silent = upgrade(small.ws_port, "/", AUTH)
    assert silent.status == 101, silent.status
    try:
        started = time.monotonic()
        opcodes = [opcode for opcode, _ in read_frames(silent.sock, silent.rest, timeout=6)]
        took = time.monotonic() - started
        assert 9 in opcodes, f"no ping in {took:.1f} s: {opcodes}"
        assert took < 5, f"a client answering no ping was closed after {took:.1f} s (--feed-ping-timeout 2)"
    except TimeoutError:
        pytest.fail("a client answering no ping was still open after 6 s (--feed-ping-timeout 2)")
    finally:
        silent.sock.close()
    wait_clients(small, 0)


def test_shutdown_closes_clients_with_1001(small):
    wait_clients(small, 0)
    client = Ws(feed_url(small))
    sse = Sse(small)
    sse.hello()
    small.child.process.send_signal(signal.SIGTERM)
    assert client.wait(lambda: client.closed is not None, 5), "the WebSocket was not closed in 5 s"
    assert client.closed[0] == 1001, f"closed with {client.closed}"
    deadline = time.monotonic() + 5
    try:
        while sse.next(max(0.1, deadline - time.monotonic())) is not None:
            assert time.monotonic() < deadline, "the SSE stream did not end in 5 s"
    except TimeoutError:
        pytest.fail("the SSE stream did not end in 5 s after SIGTERM")
    assert small.child.process.wait(10) == 0


# --- 3. The slow consumer -----------------------------------------------------------------------------------


def test_a_slow_consumer_is_closed_with_4008_and_resumes_without_a_gap(slow):
    start = settle(slow)
    fast = Ws(feed_url(slow))
    # A client that stops reading after the handshake, with small TCP buffers on both sides.
    stalled = upgrade(slow.ws_port, "/", AUTH, rcvbuf=4096, mss=1000)
    assert stalled.status == 101, stalled.status
    try:
        latencies = []
        for _ in range(60):
            webhook = post_statuses(slow, OTHER, 25)
            latencies.append(fast.arrival(webhook))
            if feed_health(slow)["slow_consumer_closes"]:
                break
        assert max(latencies) < ARRIVAL, f"the reading client lagged: {max(latencies):.3f} s"
        assert fast.closed is None
        feed = wait_feed(slow, slow_consumer_closes=1)
        assert metrics(slow).get("clickunlock_feed_slow_consumer_closes_total") == 1
        # The stalled client reads now: what was written to it, then 4008 naming the last event written.
        frames, close = [], None
        for opcode, payload in read_frames(stalled.sock, stalled.rest):
            if opcode == 1:
                frames.append(json.loads(payload))
            elif opcode == 8:
                close = (struct.unpack(">H", payload[:2])[0], payload[2:].decode()) if payload else (None, "")
        assert close is not None, "the slow consumer's connection ended without a close frame"
        match = re.fullmatch(r"slow consumer, resume from (\d+)", close[1])
        assert close[0] == 4008 and match, f"closed with {close}"
        resume = int(match.group(1))
        assert frames and frames[0]["type"] == "hello", frames[:1]
        written = [f for f in frames if f["type"] == "event"]
        last_written = written[-1]["position"] if written else frames[0]["position"]
        assert resume == last_written, f"the close says resume from {resume}, the last event written was {last_written}"
        check_events(written, recent(slow, start, resume), "the slow consumer before its close")
        # Everything since, once, by resuming; and the reading client got every event.
        head = settle(slow)
        resumed = Ws(feed_url(slow, **{"from": resume}))
        try:
            resumed.wait(lambda: resumed.events() and resumed.events()[-1]["position"] >= head, 5)
            check_events(written + resumed.events(), recent(slow, start, head), "slow consumer, resumed")
        finally:
            resumed.close()
        fast.wait(lambda: fast.events()[-1]["position"] >= head, 3)
        check_events(fast.events(), recent(slow, start, head), "the reading client")
        assert feed["frames_sent"] > 0
        wait_feed(slow, clients=1)  # the reading client; the slow one and the resumed one are gone
    finally:
        fast.close()
        stalled.sock.close()


def test_a_slow_sse_client_gets_a_final_close_and_resumes_with_last_event_id(slow):
    start = settle(slow)
    closes = feed_health(slow)["slow_consumer_closes"]
    fast = Ws(feed_url(slow))
    stalled = stalled_stream(slow)
    try:
        wait_feed(slow, sse_clients=1)
        for _ in range(60):
            assert fast.arrival(post_statuses(slow, OTHER, 25)) < ARRIVAL
            if feed_health(slow)["slow_consumer_closes"] > closes:
                break
        wait_feed(slow, slow_consumer_closes=closes + 1, sse_clients=0)
        messages = read_stream(stalled)
        assert messages[0] == {"retry": "2000"} and messages[1]["event"] == "hello", messages[:2]
        written = [m for m in messages if m.get("event") == "event"]
        assert all(m["id"] == str(m["data"]["position"]) for m in written)
        last = int(written[-1]["id"]) if written else messages[1]["data"]["position"]
        check_events([m["data"] for m in written], recent(slow, start, last), "the slow SSE client")
        final = messages[-1]
        if final.get("event") == "close":  # "if it can"
            assert final["data"] == {"code": 4008, "reason": f"slow consumer, resume from {last}"}, final
        head = settle(slow)
        resumed = Sse(slow, headers={**AUTH, "Last-Event-ID": str(last)})
        try:
            assert resumed.hello()["from"] == last
            resumed.until(lambda: resumed.events() and resumed.events()[-1]["position"] >= head)
            check_events([m["data"] for m in written] + resumed.events(), recent(slow, start, head),
                         "the slow SSE client, resumed")
        finally:
            resumed.close()
    finally:
        fast.close()
        stalled.close()


# --- Last, as it fails with -x while the server notices a closed SSE client only when it writes to it ----------


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """A server with no traffic: nothing is written to its clients but the heartbeat (every 15 s)."""
    workdir = tmp_path_factory.mktemp("feed-quiet")
    (workdir / "data").mkdir()
    serve = Serve(workdir, workdir / "data", free_port(), None, name="serve-quiet")
    yield serve
    serve.stop()


def test_a_closed_sse_client_is_gone_at_once(quiet):
    sse = Sse(quiet)
    sse.hello()
    wait_feed(quiet, clients=1, sse_clients=1)
    sse.close()
    # Not only at the next frame written to it (the heartbeat, 15 s later): it holds a place
    # (--feed-max-clients) and is counted as connected until then.
    wait_feed(quiet, timeout=2, clients=0, sse_clients=0)
