"""After the known sequence (scenario.py), every endpoint answers exactly the figures below, written out by
reasoning from the sequence; then `serve` stops, `clickunlock rebuild` rebuilds the projections from the
log, and a new `serve` answers the same (but for the lag, and the process's own counters and times)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest

import scenario
from harness import log_events, run_command
from scenario import A, B, C, CLICK_A1, CLICK_A2, CLICK_B1, CLICK_C1, D, TEMPLATE

# The log after the sequence (scenario.py's steps):
#   templates 4 × (send_requested + sent)                                        8
#   4 status webhooks: 4 webhook.received + 3 + 3 + 2 + 1 status.updated       13
#   A's tap: webhook.received + button.clicked + delivery.started + 6 × 2      15
#   A's tap again (duplicate): webhook.received only                            1
#   A's content: 2 webhooks × (1 + 6 statuses) + delivery.completed            15
#   A's 2 reads: 1 + 2                                                          3
#   A's second tap: webhook.received + button.clicked + delivery.skipped        3
#   B's tap: 15; B's statuses: (1 + 6) + (1 + 5) + (1 + 1); step_failed + failed  30
#   C's tap: webhook.received + button.clicked + delivery.skipped               3
HEAD = 93
TYPE_COUNTS = {
    "template.send_requested": 4, "template.sent": 4, "webhook.received": 15, "status.updated": 35,
    "button.clicked": 4, "delivery.started": 2, "delivery.attempt_started": 12, "delivery.step_sent": 12,
    "delivery.completed": 1, "delivery.skipped": 2, "delivery.step_failed": 1, "delivery.failed": 1,
}
assert sum(TYPE_COUNTS.values()) == HEAD
KINDS = ["image", "text", "image", "text", "image", "text"]
ENVELOPE = {"position", "lag_events", "lag_ms"}


@pytest.fixture(scope="module")
def stack(make_stack):
    return make_stack("figures", scenario.SIM_ARGS, scenario.SERVE_ARGS, scenario.SERVE_ENV)


@pytest.fixture(scope="module")
def run(stack):
    out = scenario.run(stack)
    events = log_events(stack.data_dir)
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    out.events = events
    out.by_type = by_type
    wait_settled(stack.api)
    return out


def wait_settled(api, timeout: float = 30) -> None:
    """Until the projections have applied the whole log (position = head, no lag)."""
    deadline = time.monotonic() + timeout
    while True:
        health = api.json("/api/webhook/health")
        if health["position"] == HEAD and health["lag_events"] == 0:
            return
        assert time.monotonic() < deadline, f"the projections stayed at {health['position']} (head {HEAD})"
        time.sleep(0.1)


def ms(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def event_time(run, event_type: str, **data) -> int:
    found = [e for e in run.by_type[event_type] if all(e["data"].get(k) == v for k, v in data.items())]
    assert len(found) == 1, f"{len(found)} {event_type} with {data}"
    return ms(found[0]["time"])


def latency_a(run) -> int:
    """Click (its log time) to `delivery.completed` (its log time), the only completed delivery."""
    return (event_time(run, "delivery.completed", delivery_id=run.delivery_a)
            - event_time(run, "button.clicked", wamid=CLICK_A1))


def check_envelope(body: dict) -> None:
    assert body["position"] == HEAD
    assert body["lag_events"] == 0


def days_between(first: str, last: str) -> list[str]:
    start = datetime.strptime(first, "%Y-%m-%d")
    count = (datetime.strptime(last, "%Y-%m-%d") - start).days + 1
    return [(start + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(count)]


# --- The figures ------------------------------------------------------------------------------------------


def expected_totals(run) -> dict:
    latency = latency_a(run)
    return {
        "day": None,
        # A's two taps, B's, C's (the duplicate is one tap); A, B and C tapped.
        "button_clicks": 4, "unique_clickers": 3,
        "by_payload": [{"payload": run.payload, "clicks": 4, "unique_clickers": 3}],
        "deliveries": {"started": 2, "completed": 1, "failed": 1, "in_flight": 0, "success_rate": 0.5},
        "latency_ms": {"p50": latency, "p95": latency, "count": 1},
        # 12 content messages; A's 6 and B's first 5 delivered; A's first 2 read; B's last failed.
        "messages": {"sent": 12, "delivered": 11, "read": 2, "failed": 1},
        # Asked 4, accepted 4; A's, B's, C's delivered, A's and C's read, D's failed.
        "templates": {"sent": 4, "accepted": 4, "delivered": 3, "read": 2, "failed": 1},
    }


# One failure each: D's template (131026, a `failed` status), B's last content message (131047, a `failed`
# status, which the saga then records as the step's failure and the delivery's: the same error, once).
EXPECTED_ERRORS = [{"code": 131026, "count": 1}, {"code": 131047, "count": 1}]


def errors_of(day: dict) -> list[dict]:
    errors = sorted(day["errors"], key=lambda e: e["code"])
    for error in errors:
        assert isinstance(error["meaning"], str) and error["meaning"], error
    return [{"code": e["code"], "count": e["count"]} for e in errors]


def normalized_metrics(day: dict) -> dict:
    """A day's figures but its errors (test_errors_are_counted_once checks those)."""
    day = dict(day)
    errors_of(day)
    del day["errors"]
    return day


def empty_day(day: str) -> dict:
    return {
        "day": day, "button_clicks": 0, "unique_clickers": 0, "by_payload": [],
        "deliveries": {"started": 0, "completed": 0, "failed": 0, "in_flight": 0, "success_rate": None},
        "latency_ms": {"p50": None, "p95": None, "count": 0},
        "messages": {"sent": 0, "delivered": 0, "read": 0, "failed": 0},
        "templates": {"sent": 0, "accepted": 0, "delivered": 0, "read": 0, "failed": 0},
    }


def check_metrics(api, run) -> None:
    body = api.json("/api/webhook/metrics", {"from": run.day, "to": run.last_day})
    check_envelope(body)
    assert (body["zone"], body["from"], body["to"]) == ("UTC", run.day, run.last_day)
    assert normalized_metrics(body["totals"]) == expected_totals(run)
    assert [d["day"] for d in body["days"]] == days_between(run.day, run.last_day)
    if run.day == run.last_day:
        assert normalized_metrics(body["days"][0]) == {**expected_totals(run), "day": run.day}
        single = api.json("/api/webhook/metrics", {"day": run.day})
        assert normalized_metrics(single["totals"]) == expected_totals(run)
        assert single["days"] == body["days"]
    # A week before: six empty days, then the sequence's.
    week_start = (datetime.strptime(run.day, "%Y-%m-%d") - timedelta(days=6)).strftime("%Y-%m-%d")
    week = api.json("/api/webhook/metrics", {"from": week_start, "to": run.day, "tz": "UTC"})
    assert [d["day"] for d in week["days"]] == days_between(week_start, run.day)
    for day in week["days"][:6]:
        assert normalized_metrics(day) == empty_day(day["day"])
    quiet = api.json("/api/webhook/metrics", {"day": "2020-01-01"})
    assert normalized_metrics(quiet["totals"]) == {**empty_day("2020-01-01"), "day": None}
    assert [normalized_metrics(d) for d in quiet["days"]] == [empty_day("2020-01-01")]
    assert quiet["totals"]["errors"] == [] and quiet["days"][0]["errors"] == []


def check_templates(api, run) -> None:
    body = api.json("/api/webhook/templates", {"day": run.day})
    check_envelope(body)
    assert (body["zone"], body["from"], body["to"]) == ("UTC", run.day, run.day)
    # sent 4 → accepted 4 → delivered 3 (A, B, C) → read 2 (A, C) → tapped 3 (A, B, C) → content delivered 1 (A).
    steps = [("sent", 4, None), ("accepted", 4, 1.0), ("delivered", 3, 0.75), ("read", 2, 2 / 3),
             ("tapped", 3, 1.5), ("content_delivered", 1, 1 / 3)]
    assert [(t["day"], t["template"]) for t in body["templates"]] == [(run.day, TEMPLATE)]
    got = [(s["step"], s["count"], s["rate"]) for s in body["templates"][0]["steps"]]
    assert [(s, c) for s, c, _ in got] == [(s, c) for s, c, _ in steps]
    for (step, _, rate), (_, _, want) in zip(got, steps):
        assert rate == pytest.approx(want) if want is not None else rate is None, (step, rate, want)
    assert api.json("/api/webhook/templates", {"day": "2020-01-01"})["templates"] == []


def window_until(run, contact_click: str) -> int:
    """24 hours after the tap, as Meta dates it: the webhook's timestamp, in whole seconds."""
    found = [e for e in run.by_type["button.clicked"] if e["data"]["wamid"] == contact_click]
    assert len(found) == 1, f"{len(found)} button.clicked with wamid {contact_click}"
    return found[0]["data"]["timestamp"] * 1000 + 24 * 3600 * 1000


def check_conversations(api, run) -> None:
    body = api.json("/api/webhook/conversations")
    check_envelope(body)
    assert body["next_cursor"] is None
    rows = body["conversations"]
    # By last activity: C tapped last, B's delivery came after A's, D's template failed before any tap.
    assert [r["contact"] for r in rows] == [C, B, A, D]
    by = {r["contact"]: r for r in rows}
    expected = {
        A: ("Ana", 2, 7, ("in", "button", None), {"id": run.delivery_a, "state": "completed"}),
        B: ("Bruno", 1, 7, ("out", "content", "failed"), {"id": run.delivery_b, "state": "failed"}),
        C: ("Carla", 1, 1, ("in", "button", None), None),
        D: (None, 0, 1, ("out", "template", "failed"), None),
    }
    for contact, (name, inbound, outbound, last, delivery) in expected.items():
        row = by[contact]
        assert (row["name"], row["inbound_count"], row["outbound_count"]) == (name, inbound, outbound), row
        message = row["last_message"]
        assert (message["direction"], message["type"], message["status"]) == last, row
        assert row["last_delivery"] == delivery, row
        assert ms(row["first_seen"]) <= ms(row["last_activity"])
    for contact, click in ((A, CLICK_A2), (B, CLICK_B1), (C, CLICK_C1)):
        assert ms(by[contact]["window_open_until"]) == window_until(run, click), by[contact]
    assert by[D]["window_open_until"] is None
    # Search on wa_id and name.
    assert [r["contact"] for r in api.json("/api/webhook/conversations", {"q": "Ana"})["conversations"]] == [A]
    assert [r["contact"] for r in api.json("/api/webhook/conversations", {"q": "155501000"})["conversations"]] \
        == [C, B, A, D]
    assert [r["contact"] for r in api.json("/api/webhook/conversations", {"q": "0100004"})["conversations"]] == [D]
    assert api.json("/api/webhook/conversations", {"q": "nobody-like-this"})["conversations"] == []
    # One per page, through the cursors: the same order, the last page without a cursor.
    pages, cursor = [], None
    for _ in range(4):
        page = api.json("/api/webhook/conversations", {"limit": 1, **({"cursor": cursor} if cursor else {})})
        pages += page["conversations"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [r["contact"] for r in pages] == [C, B, A, D]
    assert cursor is None
    assert pages == rows


def check_conversation(api, run) -> None:
    a, b = run.content[A], run.content[B]
    t = run.templates
    expected = {
        # newest first: (wamid, direction, type, status, delivered, read, error code)
        A: [(CLICK_A2, "in", "button", None, False, False, None)]
           + [(a[i]["wamid"], "out", "content", "read" if i < 2 else "delivered", True, i < 2, None)
              for i in reversed(range(6))]
           + [(CLICK_A1, "in", "button", None, False, False, None),
              (t[A]["wamid"], "out", "template", "read", True, True, None)],
        B: [(b[5]["wamid"], "out", "content", "failed", False, False, 131047)]
           + [(b[i]["wamid"], "out", "content", "delivered", True, False, None) for i in reversed(range(5))]
           + [(CLICK_B1, "in", "button", None, False, False, None),
              (t[B]["wamid"], "out", "template", "delivered", True, False, None)],
        C: [(CLICK_C1, "in", "button", None, False, False, None),
            (t[C]["wamid"], "out", "template", "read", True, True, None)],
        D: [(t[D]["wamid"], "out", "template", "failed", False, False, 131026)],
    }
    listed = {r["contact"]: r for r in api.json("/api/webhook/conversations")["conversations"]}
    for contact, messages in expected.items():
        body = api.json(f"/api/webhook/conversations/{contact}")
        check_envelope(body)
        assert body["conversation"] == listed[contact]
        got = [(m["wamid"], m["direction"], m["type"], m["status"], m["delivered_at"] is not None,
                m["read_at"] is not None, m["error"]["code"] if m["error"] else None) for m in body["messages"]]
        assert got == messages, contact
        assert body["next_cursor"] is None
        for m in body["messages"]:
            if m["error"]:
                assert m["error"]["meaning"]
        ids = [d["id"] for d in body["deliveries"]]
        assert ids == {A: [run.delivery_a], B: [run.delivery_b], C: [], D: []}[contact]
        # Two per page through the cursors: the same messages.
        pages, cursor = [], None
        for _ in range(10):
            page = api.json(f"/api/webhook/conversations/{contact}", {"limit": 2, **({"cursor": cursor} if cursor
                                                                                     else {})})
            pages += page["messages"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == body["messages"], contact
    missing = api.get("/api/webhook/conversations/15559999999")
    assert missing.status_code == 404 and missing.body["error"]["code"] == "not_found"


def expected_summaries(run) -> list[dict]:
    return [
        # All 6 of B's steps were accepted (its last failed afterwards, by status); it ended (failed) at a time.
        {"id": run.delivery_b, "contact": B, "pack": run.pack, "state": "failed", "steps_total": 6, "steps_done": 6,
         "attempts": 6, "completed_at": True, "last_error": 131047},
        {"id": run.delivery_a, "contact": A, "pack": run.pack, "state": "completed", "steps_total": 6,
         "steps_done": 6, "attempts": 6, "completed_at": True, "last_error": None},
    ]


def summarize(delivery: dict) -> dict:
    keys = ["id", "contact", "pack", "state", "steps_total", "steps_done", "attempts"]
    row = {k: delivery[k] for k in keys}
    row["completed_at"] = delivery["completed_at"] is not None
    row["last_error"] = delivery["last_error"]["code"] if delivery["last_error"] else None
    if delivery["last_error"]:
        assert delivery["last_error"]["meaning"]
    assert ms(delivery["started_at"]) <= ms(delivery["updated_at"])
    return row


def check_deliveries(api, run) -> None:
    body = api.json("/api/webhook/deliveries")
    check_envelope(body)
    assert [summarize(d) for d in body["deliveries"]] == expected_summaries(run)
    assert body["next_cursor"] is None
    b_started = event_time(run, "delivery.started", delivery_id=run.delivery_b)
    assert ms(body["deliveries"][0]["started_at"]) == b_started

    def ids(**params):
        return [d["id"] for d in api.json("/api/webhook/deliveries", params)["deliveries"]]

    assert ids(state="completed") == [run.delivery_a]
    assert ids(state="failed") == [run.delivery_b]
    assert ids(state="sending") == []
    assert ids(contact=A) == [run.delivery_a]
    assert ids(contact=C) == []
    if run.day == run.last_day:  # (a sequence across midnight UTC starts deliveries on two days)
        assert ids(day=run.day) == [run.delivery_b, run.delivery_a]
    assert ids(day="2020-01-01") == []
    first = api.json("/api/webhook/deliveries", {"limit": 1})
    assert [d["id"] for d in first["deliveries"]] == [run.delivery_b] and first["next_cursor"]
    second = api.json("/api/webhook/deliveries", {"limit": 1, "cursor": first["next_cursor"]})
    assert [d["id"] for d in second["deliveries"]] == [run.delivery_a] and second["next_cursor"] is None


def check_delivery(api, run) -> None:
    listed = {d["id"]: d for d in api.json("/api/webhook/deliveries")["deliveries"]}
    a = api.json(f"/api/webhook/deliveries/{run.delivery_a}")
    check_envelope(a)
    detail = a["delivery"]
    assert {k: detail[k] for k in listed[run.delivery_a]} == listed[run.delivery_a]
    assert detail["click_wamid"] == CLICK_A1
    assert detail["latency_ms"] == latency_a(run)
    assert detail["outcome"]
    steps = [(s["step"], s["kind"], s["attempts"], s["wamid"], s["status"], s["sent_at"] is not None,
              s["delivered_at"] is not None, s["read_at"] is not None, s["errors"]) for s in detail["steps"]]
    assert steps == [(i, KINDS[i], 1, run.content[A][i]["wamid"], "read" if i < 2 else "delivered", True, True, i < 2,
                      []) for i in range(6)]

    b = api.json(f"/api/webhook/deliveries/{run.delivery_b}")["delivery"]
    assert {k: b[k] for k in listed[run.delivery_b]} == listed[run.delivery_b]
    assert b["click_wamid"] == CLICK_B1 and b["latency_ms"] is None
    assert "24-hour window" in b["outcome"], b["outcome"]
    steps = [(s["step"], s["kind"], s["attempts"], s["wamid"], s["status"], s["delivered_at"] is not None,
              [(e["code"], e["retryable"]) for e in s["errors"]]) for s in b["steps"]]
    assert steps == [(i, KINDS[i], 1, run.content[B][i]["wamid"], "failed" if i == 5 else "delivered", i < 5,
                      [(131047, False)] if i == 5 else []) for i in range(6)]
    error = b["steps"][5]["errors"][0]
    assert error["meaning"] and error["message"] == "Re-engagement message"

    missing = api.get("/api/webhook/deliveries/dlv-0000000000000000")
    assert missing.status_code == 404 and missing.body["error"]["code"] == "not_found"


def check_events(api, run) -> None:
    body = api.json("/api/webhook/events/recent")
    check_envelope(body)
    events = body["events"]
    assert [e["position"] for e in events] == list(range(HEAD, 0, -1))
    assert body["next_before"] is None
    # Each as `replay --format jsonl` prints it (no raw bodies), newest first.
    replay = list(reversed(run.events))
    assert [{k: v for k, v in e.items() if k != "contact"} for e in events] == replay
    counts: dict[str, int] = {}
    for event in events:
        counts[event["type"]] = counts.get(event["type"], 0) + 1
    assert counts == TYPE_COUNTS
    page = api.json("/api/webhook/events/recent", {"limit": 10})
    assert [e["position"] for e in page["events"]] == list(range(93, 83, -1)) and page["next_before"] == 84
    page = api.json("/api/webhook/events/recent", {"limit": 10, "before": 84})
    assert [e["position"] for e in page["events"]] == list(range(83, 73, -1)) and page["next_before"] == 74
    last = api.json("/api/webhook/events/recent", {"limit": 5, "before": 4})
    assert [e["position"] for e in last["events"]] == [3, 2, 1] and last["next_before"] is None
    clicks = api.json("/api/webhook/events/recent", {"type": "button."})["events"]
    assert [e["data"]["wamid"] for e in clicks] == [CLICK_C1, CLICK_B1, CLICK_A2, CLICK_A1]
    mixed = api.json("/api/webhook/events/recent", {"type": ["delivery.", "template."]})["events"]
    assert len(mixed) == 8 + sum(v for k, v in TYPE_COUNTS.items() if k.startswith("delivery."))
    skipped = api.json("/api/webhook/events/recent", {"type": "delivery.skipped", "contact": C})["events"]
    assert [(e["data"]["click_wamid"], e["data"]["reason"], e["contact"]) for e in skipped] == \
        [(CLICK_C1, "unauthorized", C)]
    of_c = api.json("/api/webhook/events/recent", {"contact": C})["events"]
    assert {e["contact"] for e in of_c} == {C}
    assert {"template.send_requested", "template.sent", "button.clicked", "delivery.skipped"} <= \
        {e["type"] for e in of_c}


def check_realtime(api, run) -> None:
    body = api.json("/api/webhook/stats/realtime")
    check_envelope(body)
    series = body["series"]
    assert len(series) == 60
    minutes = [ms(point["minute"]) for point in series]
    assert all(b - a == 60_000 for a, b in zip(minutes, minutes[1:])) and minutes[0] % 60_000 == 0
    totals = {key: sum(point[key] for point in series)
              for key in ("events", "clicks", "deliveries_completed", "deliveries_failed", "messages_sent", "errors")}
    if ms(body["now"]) - run.started * 1000 < 55 * 60_000:
        # Messages sent: 4 templates and 12 content messages (errors: test_errors_are_counted_once).
        del totals["errors"]
        assert totals == {"events": HEAD, "clicks": 4, "deliveries_completed": 1, "deliveries_failed": 1,
                          "messages_sent": 16}
        means = [p["latency_ms_mean"] for p in series if p["latency_ms_mean"] is not None]
        assert means == [pytest.approx(latency_a(run))]
    if ms(body["now"]) - run.started * 1000 < 14 * 60_000:
        window = body["windows"]["15m"]
        assert window["events_per_minute"] == pytest.approx(HEAD / 15)
        assert window["clicks_per_minute"] == pytest.approx(4 / 15)
        assert window["deliveries_completed_per_minute"] == pytest.approx(1 / 15)
        assert window["deliveries_failed_per_minute"] == pytest.approx(1 / 15)
        assert window["messages_sent_per_minute"] == pytest.approx(16 / 15)
        assert window["latency_ms_mean"] == pytest.approx(latency_a(run))


def check_health(api, run, restarted: bool) -> None:
    body = api.json("/api/webhook/health")
    check_envelope(body)
    assert (body["status"], body["reasons"]) == ("ok", [])
    assert body["log"]["head_position"] == HEAD and body["log"]["segments"] >= 1 and body["log"]["size_bytes"] > 0
    projector = body["projector"]
    assert (projector["position"], projector["lag_events"]) == (HEAD, 0)
    assert projector["projections"] and all(p["checkpoint"] == HEAD for p in projector["projections"])
    assert projector["skips"] == []
    assert body["saga"] == {"enabled": True, "in_flight": 0, "oldest_in_flight_age_ms": None,
                            "steps_awaiting_reconciliation": 0}
    ingress = dict(body["ingress"])
    last_webhook = ingress.pop("last_webhook_at")
    if restarted:
        # Counters since this process started: nothing came in.
        assert ingress == {"accepted": 0, "duplicates": 0, "unparsed": 0, "unknown_items": 0, "unavailable": 0,
                           "rejected": {"signature_missing": 0, "signature_malformed": 0, "signature_mismatch": 0,
                                        "too_large": 0, "other": 0}}
        assert last_webhook is None
        assert body["graph_api"] == {"window_minutes": 15, "calls": 0, "outcomes": []}
    else:
        # 15 webhooks acknowledged (one a duplicate of a tap); one unsigned, one with a wrong signature.
        assert ingress == {"accepted": 15, "duplicates": 1, "unparsed": 0, "unknown_items": 0, "unavailable": 0,
                           "rejected": {"signature_missing": 1, "signature_malformed": 0, "signature_mismatch": 1,
                                        "too_large": 0, "other": 0}}
        assert run.started * 1000 - 1000 <= ms(last_webhook) <= run.finished * 1000 + 1000
        # 4 templates and 12 content messages, all accepted by the simulator.
        assert body["graph_api"] == {"window_minutes": 15, "calls": 16,
                                     "outcomes": [{"outcome": "ok", "code": None, "meaning": None, "count": 16}]}
    assert body["disk"]["free_bytes"] <= body["disk"]["total_bytes"]
    assert body["build"]["version"]


def check_all(api, run, restarted: bool = False) -> None:
    check_metrics(api, run)
    check_templates(api, run)
    check_conversations(api, run)
    check_conversation(api, run)
    check_deliveries(api, run)
    check_delivery(api, run)
    check_events(api, run)
    check_realtime(api, run)
    check_health(api, run, restarted)


# --- The tests ------------------------------------------------------------------------------------------------


def test_the_sequence_is_in_the_log_as_reasoned(run):
    assert run.send_answers == [{"sent": 4, "skipped": 0, "failed": 0, "failures": {}},
                                {"sent": 0, "skipped": 4, "failed": 0, "failures": {}}]
    assert run.rejected == [401, 401]
    assert run.webhooks == 15
    assert {k: len(v) for k, v in run.by_type.items()} == TYPE_COUNTS
    skipped = [(e["data"]["click_wamid"], e["data"]["reason"]) for e in run.by_type["delivery.skipped"]]
    assert skipped == [(CLICK_A2, "repeated_click"), (CLICK_C1, "unauthorized")]
    assert [e["data"]["authorized"] for e in run.by_type["button.clicked"]] == [True, True, True, False]


def test_metrics(stack, run):
    check_metrics(stack.api, run)


def test_templates_funnel(stack, run):
    check_templates(stack.api, run)


def test_conversations(stack, run):
    check_conversations(stack.api, run)


def test_conversation_histories(stack, run):
    check_conversation(stack.api, run)


def test_deliveries(stack, run):
    check_deliveries(stack.api, run)


def test_delivery_details(stack, run):
    check_delivery(stack.api, run)


def test_recent_events(stack, run):
    check_events(stack.api, run)


def test_realtime_stats(stack, run):
    check_realtime(stack.api, run)


def test_errors_are_counted_once(stack, run):
    """Each Meta error once: a `failed` status the saga turns into a step failure and a delivery failure is
    one error, not three."""
    metrics = stack.api.json("/api/webhook/metrics", {"from": run.day, "to": run.last_day})
    realtime = stack.api.json("/api/webhook/stats/realtime")
    assert {"metrics": errors_of(metrics["totals"]),
            "realtime": sum(point["errors"] for point in realtime["series"])} == \
        {"metrics": EXPECTED_ERRORS, "realtime": sum(e["count"] for e in EXPECTED_ERRORS)}


def test_health(stack, run):
    check_health(stack.api, run, restarted=False)


def prometheus_samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            if "{" in name:  # labels in one order: name{a="1",b="2"}
                base, labels = name[:-1].split("{", 1)
                name = base + "{" + ",".join(sorted(re.findall(r'[a-z_]+="(?:[^"\\]|\\.)*"', labels))) + "}"
            samples[name] = float(value)
    return samples


def test_prometheus_metrics(stack, run):
    answer = stack.api.get("/metrics")
    assert answer.status_code == 200
    samples = prometheus_samples(answer.text)
    assert all(name.startswith("clickunlock_") for name in samples), [n for n in samples if "clickunlock_" not in n]
    expected = {
        # 15 stored (one of them a duplicate tap: 1 item left out), 2 refused before storing.
        'clickunlock_webhooks_total{outcome="accepted"}': 15,
        'clickunlock_webhooks_rejected_total{reason="signature_missing"}': 1,
        'clickunlock_webhooks_rejected_total{reason="signature_mismatch"}': 1,
        "clickunlock_webhook_duplicate_items_total": 1,
        "clickunlock_webhooks_unparsed_total": 0,
        "clickunlock_log_events_appended_total": HEAD,
        "clickunlock_log_head_position": HEAD,
        "clickunlock_projector_position": HEAD,
        "clickunlock_projector_lag_events": 0,
        "clickunlock_deliveries_started_total": 2,
        'clickunlock_deliveries_finished_total{outcome="completed"}': 1,
        'clickunlock_deliveries_finished_total{outcome="failed"}': 1,
        "clickunlock_deliveries_in_flight": 0,
        # 4 templates and 12 content messages, each accepted at the first call.
        'clickunlock_graph_api_calls_total{code="none",outcome="ok"}': 16,
    }
    got = {name: samples.get(name) for name in expected}
    assert got == expected, answer.text
    for histogram in ("clickunlock_log_append_duration_seconds", "clickunlock_log_sync_duration_seconds"):
        assert samples[histogram + "_count"] > 0
    assert samples["clickunlock_disk_free_bytes"] <= samples["clickunlock_disk_total_bytes"]


def test_the_same_after_rebuild(stack, run):
    api = stack.api
    before = snapshot(api, run.day)
    assert stack.stop_serve() == 0
    result = run_command(["rebuild", "--data-dir", str(stack.data_dir)], timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    stack.start()
    wait_settled(stack.api)
    check_all(stack.api, run, restarted=True)
    after = snapshot(stack.api, run.day)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key


def snapshot(api, day: str) -> dict:
    """Every route's answer without what may differ after a restart (lag, the process's own figures)."""
    answers = {}
    for path in ("/api/webhook/conversations", "/api/webhook/deliveries", "/api/webhook/events/recent"):
        answers[path] = api.json(path)
    for contact in (A, B, C, D):
        answers[contact] = api.json(f"/api/webhook/conversations/{contact}")
    for delivery in (scenario.delivery_id(CLICK_A1), scenario.delivery_id(CLICK_B1)):
        answers[delivery] = api.json(f"/api/webhook/deliveries/{delivery}")
    answers["metrics"] = api.json("/api/webhook/metrics", {"day": day})
    answers["templates"] = api.json("/api/webhook/templates", {"day": day})
    realtime = api.json("/api/webhook/stats/realtime")
    answers["series"] = [{k: v for k, v in p.items() if k != "minute"} for p in realtime["series"] if p["events"]]
    health = api.json("/api/webhook/health")
    answers["projector"] = {**health["projector"], "lag_ms": None}
    answers["saga"] = health["saga"]
    answers["log"] = health["log"]
    for answer in answers.values():
        if isinstance(answer, dict):
            answer.pop("lag_ms", None)
    return answers
