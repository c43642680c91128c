"""The known sequence: template sends through the dashboard port, their statuses, taps (one posted twice,
one repeated on the same template, one from a contact not authorized), two deliveries through the
simulator (one completed, one failed by a `failed` status), and two rejected webhooks.

The simulator sends no status by itself (`--sent-after-ms -1 --delivered-after-ms -1`): every status is
posted here, so that the figures are known exactly. Each step waits for its effect in the log before the
next, so that the order of events (and of the contacts' last activity) is fixed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from harness import delivery_id, status_item, statuses_body, tap_body, wait_for_events

TEMPLATE = "daily_content_ready_v1"
# wa_ids and names: A and B tap and get a delivery; C taps but is not authorized; D's template fails.
A, B, C, D = "15550100001", "15550100002", "15550100003", "15550100004"
NAMES = {A: "Ana", B: "Bruno", C: "Carla"}
AUTHORIZED = [A, B, D]

SIM_ARGS = ["--sent-after-ms=-1", "--delivered-after-ms=-1", "--read-after-ms=-1"]
# Deliveries wait up to 60 s for the `delivered` statuses this sequence posts.
SERVE_ARGS = ["--confirmation-wait-ms", "60000", "--reconcile-wait-ms", "5000"]
SERVE_ENV = {"CLICKUNLOCK_AUTHORIZED_CONTACTS": ",".join(AUTHORIZED)}

CLICK_A1, CLICK_A2, CLICK_B1, CLICK_C1 = "wamid.API_CLICK_A1", "wamid.API_CLICK_A2", "wamid.API_CLICK_B1", \
    "wamid.API_CLICK_C1"


@dataclass
class Outcome:
    day: str
    payload: str
    pack: str
    templates: dict[str, dict] = field(default_factory=dict)
    content: dict[str, list[dict]] = field(default_factory=dict)
    send_answers: list[dict] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    webhooks: int = 0
    started: float = 0
    finished: float = 0
    last_day: str = ""

    @property
    def delivery_a(self) -> str:
        return delivery_id(CLICK_A1)

    @property
    def delivery_b(self) -> str:
        return delivery_id(CLICK_B1)


def utc_day(seconds: float | None = None) -> str:
    return datetime.fromtimestamp(seconds if seconds is not None else time.time(), timezone.utc).strftime("%Y-%m-%d")


def content_messages(sim, contact: str) -> list[dict]:
    """The pack's 6 messages the simulator accepted for `contact`, by step (from their callback data)."""
    messages = [m for m in sim.wait_for_messages(contact, 7) if m["type"] != "template"]
    return sorted(messages, key=lambda m: int(m["biz_opaque_callback_data"].split(";s=")[1].split(";")[0]))


def run(stack) -> Outcome:
    serve, sim, data = stack.serve, stack.sim, stack.data_dir
    started = time.time()
    day = utc_day(started)
    out = Outcome(day=day, payload=f"unlock:{day}", pack=f"daily-{day}", started=started)

    def post(body: bytes) -> None:
        answer = serve.post_webhook(body)
        assert answer.status_code == 200, f"webhook answered {answer.status_code}: {answer.text}"
        out.webhooks += 1

    # 1. The daily template to the four, through the running service; the same again sends nothing.
    for _ in range(2):
        answer = stack.api.request("POST", "/api/templates/send", json={"recipients": [A, B, C, D], "day": day})
        assert answer.status_code == 200, answer.text
        out.send_answers.append(answer.body)
    for contact in (A, B, C, D):
        out.templates[contact] = sim.wait_for_messages(contact, 1, "template")[0]
    t = out.templates

    # 2. Two webhooks the port refuses (nothing stored): no signature, a wrong one.
    refused = statuses_body([status_item(t[A], "sent")])
    out.rejected.append(serve.post_webhook(refused, signature=None).status_code)
    out.rejected.append(serve.post_webhook(refused, signature="sha256=" + "0" * 64).status_code)

    # 3. The templates' statuses: A and C read, B delivered, D failed (131026, asynchronously).
    post(statuses_body([status_item(t[c], "sent") for c in (A, B, C)]))
    post(statuses_body([status_item(t[c], "delivered") for c in (A, B, C)]))
    post(statuses_body([status_item(t[c], "read") for c in (A, C)]))
    post(statuses_body([status_item(t[D], "failed", error_code=131026)]))

    # 4. A taps (posted twice: Meta's redelivery, a duplicate); the pack goes out through the simulator.
    tap_a1 = tap_body(A, NAMES[A], CLICK_A1, t[A]["wamid"], out.payload)
    post(tap_a1)
    post(tap_a1)
    out.content[A] = content_messages(sim, A)
    wait_for_events(data, "delivery.step_sent", 6)
    post(statuses_body([status_item(m, "sent") for m in out.content[A]]))
    post(statuses_body([status_item(m, "delivered") for m in out.content[A]]))
    wait_for_events(data, "delivery.completed", 1)
    post(statuses_body([status_item(m, "read") for m in out.content[A][:2]]))

    # 5. A taps the same template again: a repeated click, nothing sent.
    post(tap_body(A, NAMES[A], CLICK_A2, t[A]["wamid"], out.payload))
    wait_for_events(data, "delivery.skipped", 1)

    # 6. B taps; its last content message fails with 131047 (window closed): the delivery fails.
    post(tap_body(B, NAMES[B], CLICK_B1, t[B]["wamid"], out.payload))
    out.content[B] = content_messages(sim, B)
    wait_for_events(data, "delivery.step_sent", 12)
    post(statuses_body([status_item(m, "sent") for m in out.content[B]]))
    post(statuses_body([status_item(m, "delivered") for m in out.content[B][:5]]))
    post(statuses_body([status_item(out.content[B][5], "failed", error_code=131047)]))
    wait_for_events(data, "delivery.failed", 1)

    # 7. C, not authorized, taps: recorded, nothing started.
    post(tap_body(C, NAMES[C], CLICK_C1, t[C]["wamid"], out.payload))
    wait_for_events(data, "delivery.skipped", 2)
    out.finished = time.time()
    out.last_day = utc_day(out.finished)
    return out
