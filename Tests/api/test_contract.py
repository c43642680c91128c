"""Every route's answers checked against the document (contract.py does it on every request of `Api`):
successes, CSV, 304, 400 for each bad parameter, 401, 404, 405, the operator route; and the document the
server serves is the one in the sources."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
import requests

import scenario
from contract import DOCUMENT_PATH
from harness import status_item, statuses_body, tap_body
from scenario import A, CLICK_A1

E = "15550100005"
INJECTION_NAME = "=HYPERLINK(\"http://x\",\"y\")"

JSON_ROUTES = [
    "/api/webhook/metrics", "/api/webhook/conversations", f"/api/webhook/conversations/{A}",
    "/api/webhook/deliveries", f"/api/webhook/deliveries/{scenario.delivery_id(CLICK_A1)}",
    "/api/webhook/events/recent", "/api/webhook/stats/realtime", "/api/webhook/templates", "/api/webhook/alerts",
]
CSV_ROUTES = ["/api/webhook/conversations", f"/api/webhook/conversations/{A}", "/api/webhook/deliveries",
              "/api/webhook/events/recent"]
CSV_ITEMS = dict(zip(CSV_ROUTES, ["conversations", "messages", "deliveries", "events"]))
PROTECTED = JSON_ROUTES + ["/api/webhook/health", "/metrics"]


@pytest.fixture(scope="module")
def stack(make_stack):
    stack = make_stack("contract", scenario.SIM_ARGS, scenario.SERVE_ARGS, scenario.SERVE_ENV)
    stack.outcome = scenario.run(stack)
    # A contact whose name a spreadsheet would run as a formula (a tap that unlocks nothing).
    answer = stack.serve.post_webhook(tap_body(E, INJECTION_NAME, "wamid.API_CLICK_E1", "wamid.NONE", "nothing"))
    assert answer.status_code == 200
    settle(stack)
    return stack


def settle(stack, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while True:
        health = stack.api.json("/api/webhook/health")
        if health["lag_events"] == 0 and health["position"] == health["log"]["head_position"]:
            return health["position"]
        assert time.monotonic() < deadline, "the projections did not catch up"
        time.sleep(0.1)


def error_of(response, status: int, code: str, parameter=...):
    assert response.status_code == status, f"{response.request.url}: {response.status_code} {response.text}"
    error = response.body["error"]
    assert error["code"] == code, error
    if parameter is not ...:
        assert error["parameter"] == parameter, error
    return error


def test_the_served_document_is_the_one_in_the_sources(stack):
    answer = requests.get(stack.serve.api_url + "/openapi.json", timeout=10)
    stack.api.contract.check(answer)
    assert answer.status_code == 200
    assert answer.content == DOCUMENT_PATH.read_bytes()


def test_the_document_is_valid_openapi_3_1(contract):
    from openapi_spec_validator import validate

    validate(contract.document)
    assert contract.document["openapi"].startswith("3.1.")


def test_liveness_and_readiness_need_no_token(stack):
    for path, body in (("/healthz", {"status": "ok"}), ("/readyz", {"status": "ready"})):
        answer = stack.api.get(path, token=None)
        assert (answer.status_code, answer.body) == (200, body)


@pytest.mark.parametrize("path", JSON_ROUTES + ["/api/webhook/health"])
def test_every_route_answers_its_schema(stack, path):
    answer = stack.api.get(path)
    assert answer.status_code == 200, answer.text
    assert int(answer.headers["X-Projection-Position"]) == answer.body["position"]
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"
    if path != "/api/webhook/health":
        assert answer.headers["ETag"]


def test_health_is_never_cached(stack):
    answer = stack.api.get("/api/webhook/health")
    assert "ETag" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_an_unchanged_position_answers_304_and_a_new_event_a_new_etag(stack, path):
    # The realtime rates move with the clock: its tag holds within a second, so ask twice in one.
    for _ in range(5):
        first = stack.api.get(path)
        etag = first.headers["ETag"]
        again = stack.api.get(path, headers={"If-None-Match": etag})
        if again.status_code == 304 or path != "/api/webhook/stats/realtime":
            break
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    # A new event (a status of A's template, a fresh status id) moves the position.
    before = first.body["position"]
    item = status_item(stack.outcome.templates[A], "read")
    item["id"] = f"wamid.API_EXTRA_{path.count('/')}_{len(path)}_{time.monotonic_ns()}"
    assert stack.serve.post_webhook(statuses_body([item])).status_code == 200
    settle(stack)
    changed = stack.api.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.body["position"] > before
    assert changed.headers["ETag"] != etag


def test_etags_differ_by_query_and_not_by_its_order(stack):
    api = stack.api
    one = api.get("/api/webhook/deliveries", {"limit": 1, "state": "completed"}).headers["ETag"]
    same = api.get("/api/webhook/deliveries?state=completed&limit=1").headers["ETag"]
    other = api.get("/api/webhook/deliveries", {"limit": 2, "state": "completed"}).headers["ETag"]
    assert one == same
    assert one != other
    assert api.get("/api/webhook/metrics").headers["ETag"] != api.get("/api/webhook/templates").headers["ETag"]


@pytest.mark.parametrize("path", CSV_ROUTES)
def test_lists_answer_csv_by_format_and_by_accept(stack, path):
    limit = {"limit": 150}
    by_format = stack.api.get(path, {"format": "csv", **limit})
    by_accept = stack.api.get(path, limit, headers={"Accept": "text/csv"})
    for answer in (by_format, by_accept):
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/csv")
    assert by_format.text == by_accept.text
    rows = list(csv.reader(io.StringIO(by_format.text)))
    json_answer = stack.api.json(path, limit)
    items = json_answer[CSV_ITEMS[path]]
    assert len(rows) == 1 + len(items), rows[:3]
    header = rows[0]
    assert header and all(name and name == name.lower() for name in header)
    for name in ("contact", "wamid", "id", "position"):
        if name in items[0]:
            assert name in header
            column = header.index(name)
            assert [row[column] for row in rows[1:]] == ["" if item[name] is None else str(item[name]) for item in items]


def test_csv_cells_cannot_run_as_formulas(stack):
    answer = stack.api.get("/api/webhook/conversations", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    (row,) = [row for row in rows if row["contact"] == E]
    assert row["name"] == "'" + INJECTION_NAME
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@", row


BAD_PARAMETERS = [
    ("/api/webhook/metrics", {"day": "2026-13-40"}, "day"),
    ("/api/webhook/metrics", {"day": "yesterday"}, "day"),
    ("/api/webhook/metrics", {"from": "2026-11-20", "to": "2026-11-10"}, None),
    ("/api/webhook/metrics", {"from": "2026-01-01", "to": "2026-12-31"}, None),
    ("/api/webhook/metrics", {"tz": "Mars/Olympus_Mons"}, "tz"),
    ("/api/webhook/metrics", {"tz": "Asia/Kathmandu"}, "tz"),
    ("/api/webhook/templates", {"day": "2026-02-30"}, "day"),
    ("/api/webhook/templates", {"tz": "Not/AZone"}, "tz"),
    ("/api/webhook/conversations", {"limit": "0"}, "limit"),
    ("/api/webhook/conversations", {"limit": "201"}, "limit"),
    ("/api/webhook/conversations", {"limit": "ten"}, "limit"),
    ("/api/webhook/conversations", {"cursor": "Zm9yZ2VkLWN1cnNvcg"}, "cursor"),
    ("/api/webhook/conversations", {"cursor": "not base64 !"}, "cursor"),
    (f"/api/webhook/conversations/{A}", {"limit": "1001"}, "limit"),
    (f"/api/webhook/conversations/{A}", {"cursor": "AAAA"}, "cursor"),
    ("/api/webhook/deliveries", {"state": "exploded"}, "state"),
    ("/api/webhook/deliveries", {"day": "2026-11-31"}, "day"),
    ("/api/webhook/deliveries", {"limit": "-1"}, "limit"),
    ("/api/webhook/deliveries", {"cursor": "eyJwIjoxfQ"}, "cursor"),
    ("/api/webhook/events/recent", {"limit": "1001"}, "limit"),
    ("/api/webhook/events/recent", {"limit": "0"}, "limit"),
    ("/api/webhook/events/recent", {"before": "abc"}, "before"),
    ("/api/webhook/events/recent", {"before": "0"}, "before"),
    ("/api/webhook/conversations", {"format": "xml"}, "format"),
]


@pytest.mark.parametrize("path,params,parameter", BAD_PARAMETERS)
def test_each_bad_parameter_is_400_naming_it(stack, path, params, parameter):
    answer = stack.api.get(path, params)
    error = error_of(answer, 400, "bad_parameter")
    if parameter is not None:
        assert error["parameter"] == parameter
    else:
        assert error["parameter"] in ("from", "to")
    assert error["message"]


def test_a_zone_that_is_not_reported_says_which_are(stack):
    error = error_of(stack.api.get("/api/webhook/metrics", {"tz": "Europe/Paris"}), 400, "bad_parameter", "tz")
    assert "UTC" in error["message"]


@pytest.mark.parametrize("path", PROTECTED)
def test_a_missing_or_wrong_token_is_401(stack, path):
    missing = stack.api.get(path, token=None)
    error_of(missing, 401, "unauthorized", None)
    wrong = stack.api.get(path, token="not-the-dashboard-token")
    assert wrong.status_code in (401, 429)
    error_of(wrong, wrong.status_code, "unauthorized" if wrong.status_code == 401 else "too_many_requests")
    assert stack.api.get(path).status_code == 200  # the right token is never locked out


def test_unknown_paths_are_404_and_other_methods_405(stack):
    for path in ("/api/webhook/nothing-here", "/nothing", "/api/webhook/deliveries/x/y"):
        error_of(stack.api.get(path), 404, "not_found")
    for method, path in (("POST", "/api/webhook/metrics"), ("DELETE", "/api/webhook/conversations"),
                         ("PUT", "/healthz"), ("GET", "/api/templates/send"), ("PATCH", "/metrics")):
        answer = stack.api.request(method, path)
        error_of(answer, 405, "method_not_allowed")
        assert answer.headers["Allow"]


def test_the_template_route_answers_its_schema(stack):
    api = stack.api
    sent = api.request("POST", "/api/templates/send", json={"recipients": [A], "day": stack.outcome.day})
    assert sent.status_code == 200 and sent.body == {"sent": 0, "skipped": 1, "failed": 0, "failures": {}}
    error_of(api.request("POST", "/api/templates/send", json={"recipients": []}), 400, "bad_parameter")
    error_of(api.request("POST", "/api/templates/send", json={"recipients": ["12ab"]}), 400, "bad_parameter")
    error_of(api.request("POST", "/api/templates/send", json={"recipients": [A], "day": "2026-13-01"}), 400,
             "bad_parameter")
    error_of(api.request("POST", "/api/templates/send", data=b"{not json", headers={"Content-Type":
                                                                                      "application/json"}),
             400, "bad_parameter")
    error_of(api.request("POST", "/api/templates/send", json={"recipients": [A]}, token=None), 401, "unauthorized")
    big = json.dumps({"recipients": [A], "payload": "x" * (1 << 20)})
    error_of(api.request("POST", "/api/templates/send", data=big, headers={"Content-Type": "application/json"}),
             413, "payload_too_large")


def test_every_operation_was_checked(stack, contract):
    """The tests above went through every documented operation with a 200 (the live feed's two, which
    stream, are the subject of test_feed*.py with real WebSocket and event-stream clients)."""
    operations = {f"{method.upper()} {path}" for path, item in contract.document["paths"].items()
                  for method, operation in item.items() if method in ("get", "post")
                  and "feed" not in operation.get("tags", [])}
    answered = {label for label, _, status in contract.seen if status == 200}
    assert operations - answered == set()
