"""The web dashboard in a real browser (headless Chromium), against a real service after the API suite's
known sequence: sign-in, the figures against the API's at the same position, a tap live within 2 s, the
page's console and every request it made, screenshots, a restart it recovers from by itself (resuming, or
reloading after a `reset`), and an open dashboard (no token). The tests run in this order on one page."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import scenario
from conftest import OUTPUT, Stack
from harness import ACCESS_TOKEN, APP_SECRET, BINARY, DASHBOARD_TOKEN, PHONE_NUMBER_ID, Child, tap_body
from scenario import A, B, D, TEMPLATE

SERVE_ARGS = scenario.SERVE_ARGS  # (the harness gives the feed a free port of its own)


@pytest.fixture(scope="module")
def stack(workdir):
    service = Stack(workdir, scenario.SIM_ARGS, SERVE_ARGS, scenario.SERVE_ENV)
    try:
        service.outcome = scenario.run(service)
        yield service
    finally:
        service.close()


def text(browser, selector: str) -> str:
    """The element's rendered text, read in one script: the live page may replace the element
    between a WebDriver lookup and a read of it (a stale element)."""
    return browser.js("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null", selector)


def shown(browser) -> list[int]:
    """The positions of the events the live panel shows, top (newest) first."""
    return browser.js("return [...document.querySelectorAll('#events-list li[data-position]')]"
                      ".map((li) => Number(li.dataset.position))")


def feed_state(browser) -> str:
    return browser.js("return document.getElementById('feed-state')?.textContent ?? ''")


def sign_in(browser, token: str) -> None:
    field = browser.wait(lambda d: d.find_element(By.ID, "signin-token"))
    browser.wait(lambda d: field.is_displayed())
    field.clear()
    field.send_keys(token)
    field.send_keys(Keys.ENTER)


def test_a_wrong_token_is_refused_and_the_right_one_signs_in(stack, browser):
    browser.driver.get(stack.base_url + "/")
    sign_in(browser, "not-the-dashboard-token")
    error = browser.wait(lambda d: d.find_element(By.ID, "signin-error").is_displayed()
                         and d.find_element(By.ID, "signin-error"))
    assert "refused" in error.text
    assert not browser.driver.find_element(By.ID, "app").is_displayed()

    sign_in(browser, DASHBOARD_TOKEN)
    browser.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), message="the dashboard did not open")
    browser.wait(lambda d: text(browser, "#health-status") in ("ok", "degraded"))
    assert browser.js("return sessionStorage.getItem('clickunlock.dashboard-token')") == DASHBOARD_TOKEN
    browser.wait(lambda d: feed_state(browser) == "live", 10, "the live feed did not connect")

    # The one-click link of the demo: the token in the fragment, which the browser never sends; opened
    # afresh, and followed from the open page (the same document: no reload).
    for load in ("about:blank", None):
        browser.js("sessionStorage.clear()")
        if load:
            browser.driver.get(load)
        browser.driver.get(stack.base_url + "/#token=" + DASHBOARD_TOKEN)
        browser.wait(lambda d: d.find_element(By.ID, "app").is_displayed())
        browser.wait(lambda d: DASHBOARD_TOKEN not in d.current_url, 5, "the token stayed in the address bar")
        assert browser.js("return sessionStorage.getItem('clickunlock.dashboard-token')") == DASHBOARD_TOKEN
        browser.wait(lambda d: feed_state(browser) == "live", 10)
    browser.collect()
    for record in browser.requests.values():
        assert DASHBOARD_TOKEN not in record.get("url", ""), f"the token is in a URL: {record}"
    websockets = [r for r in browser.requests.values() if r.get("url", "").startswith("ws://")]
    assert websockets and all(r["headers"].get("Sec-WebSocket-Protocol") == f"bearer.{DASHBOARD_TOKEN}"
                              for r in websockets if "headers" in r)
    # The wrong token's 401 (and its console line) were expected; from here on, none is.
    browser.forget()


def wait_for_position(stack, browser, selector: str, path: str, params: dict) -> dict:
    """The API's answer once the page shows `selector`'s figures at the API's own position."""
    deadline = time.monotonic() + 10
    while True:
        answer = stack.api.json(path, params)
        position = browser.js(f"return document.querySelector('{selector}')?.dataset.position")
        if position is not None and int(position) == answer["position"]:
            return answer
        assert time.monotonic() < deadline, f"{selector} shows position {position}, the API {answer['position']}"
        time.sleep(0.1)


def number(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)


def test_the_funnel_and_delivery_figures_are_the_apis(stack, browser):
    day = stack.outcome.day
    templates = wait_for_position(stack, browser, "#funnel", "/api/webhook/templates", {"day": day})
    funnel = templates["templates"]
    assert funnel and funnel[0]["template"] == TEMPLATE
    for template in funnel:
        for step in template["steps"]:
            row = f"#funnel [data-template='{template['template']}'] li[data-step='{step['step']}']"
            count = browser.js(f"return document.querySelector(\"{row} .count\").dataset.value")
            rate = browser.js(f"return document.querySelector(\"{row} .rate\").dataset.value")
            assert int(count) == step["count"], (step, count)
            assert number(rate) == pytest.approx(step["rate"]), (step, rate)

    metrics = wait_for_position(stack, browser, "#deliveries-summary", "/api/webhook/metrics", {"day": day})
    totals = metrics["totals"]
    figures = {
        "#fig-in-flight": totals["deliveries"]["in_flight"], "#fig-completed": totals["deliveries"]["completed"],
        "#fig-failed": totals["deliveries"]["failed"], "#fig-success": totals["deliveries"]["success_rate"],
        "#fig-p50": totals["latency_ms"]["p50"], "#fig-p95": totals["latency_ms"]["p95"],
        "#fig-clicks": totals["button_clicks"], "#fig-templates": totals["templates"]["sent"],
    }
    assert figures["#fig-completed"] == 1 and figures["#fig-failed"] == 1  # the known sequence's A and B
    for selector, expected in figures.items():
        value = browser.js(f"return document.querySelector('{selector}').dataset.value")
        assert number(value) == pytest.approx(expected), (selector, value, expected)
    codes = browser.js("return Object.fromEntries([...document.querySelectorAll('#errors-table tr[data-code]')]"
                       ".map((tr) => [tr.dataset.code, Number(tr.querySelector('td.num').dataset.value)]))")
    assert codes == {str(error["code"]): error["count"] for error in totals["errors"]}
    assert "131047" in codes  # B's window closed: its meaning and what to do are on the page
    assert "24 hours" in text(browser, "#errors-table tr[data-code='131047']")
    assert text(browser, "#health-rejected").startswith("2")  # the two refused webhooks, by reason
    # Numbers for people: the health strip's log position as the browser's locale writes it.
    assert text(browser, "#health-log-position") == browser.js(
        "return new Intl.NumberFormat().format(Number(document.querySelector('#health-log-position').dataset.value))")


def test_a_signed_tap_appears_live_within_two_seconds_and_moves_the_counters(stack, browser):
    clicks = int(browser.js("return document.querySelector('#fig-clicks').dataset.value"))
    taps_before = browser.js("return document.querySelectorAll('#events-list li[data-type=\"button.clicked\"]').length")
    template = stack.outcome.templates[D]
    body = tap_body(D, "Dora", "wamid.WEB_CLICK_D1", template["wamid"], stack.outcome.payload)
    started = time.monotonic()
    assert stack.serve.post_webhook(body).status_code == 200
    browser.wait(lambda d: browser.js(
        "return document.querySelectorAll('#events-list li[data-type=\"button.clicked\"]').length") > taps_before,
        2.5, "the tap did not appear in the live events")
    elapsed = time.monotonic() - started
    assert elapsed <= 2.0, f"the tap took {elapsed:.2f} s to appear"
    assert D in text(browser, '#events-list li[data-type="button.clicked"]')
    browser.wait(lambda d: int(browser.js("return document.querySelector('#fig-clicks').dataset.value")) == clicks + 1,
                 3, "the day's taps did not move")
    shown_positions = shown(browser)
    assert len(shown_positions) == len(set(shown_positions)), "an event is shown twice"
    assert shown_positions == sorted(shown_positions, reverse=True), "not newest first"


def test_screens_keyboard_console_and_every_request(stack, browser):
    # Keyboard: Tab from the top reaches the sections, the day picker and the feed's controls.
    browser.js("window.scrollTo(0, 0); document.querySelector('.skip').focus()")
    reached = set()
    for _ in range(40):
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
        element = browser.driver.switch_to.active_element
        reached.add(element.get_attribute("id") or element.get_attribute("data-nav") or element.tag_name)
    assert {"overview", "deliveries", "conversations", "day", "events-type", "events-pause"} <= reached, reached

    browser.screenshot("overview-1280", 1280)
    browser.screenshot("overview-390", 390)
    delivery = stack.outcome.delivery_b
    browser.driver.get(stack.base_url + f"/#/deliveries/{delivery}")
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#delivery-steps tr[data-step]"))
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "#delivery-steps tr[data-step]")) == 6
    assert "131047" in text(browser, "#delivery-steps")
    browser.screenshot("delivery-1280", 1280)
    browser.driver.get(stack.base_url + f"/#/conversations/{A}")
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#chat .bubble.out"))
    assert browser.driver.find_elements(By.CSS_SELECTOR, "#chat .bubble.in"), "the tap is in the chat"
    assert browser.driver.find_elements(By.CSS_SELECTOR, "#contact-deliveries tr[data-id]")
    browser.screenshot("conversation-390", 390)
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                   {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    browser.driver.get(stack.base_url + "/#/")
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#funnel li[data-step]"))
    browser.wait(lambda d: feed_state(browser) == "live", 10)
    browser.screenshot("overview-dark-1280", 1280)
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    for name in ("overview-1280", "overview-390", "delivery-1280", "conversation-390", "overview-dark-1280"):
        assert (OUTPUT / f"{name}.png").stat().st_size > 10_000

    browser.collect()
    errors = [line for line in browser.console if line["level"] in ("SEVERE", "ERROR")]
    assert not errors, f"the console has errors: {errors}"
    assert browser.requests, "no request was recorded"
    for record in browser.requests.values():
        assert "failed" not in record or record["failed"] == "net::ERR_ABORTED", f"a request failed: {record}"
        if "status" in record:
            assert 200 <= record["status"] < 300 or record["status"] in (101, 304), f"answered {record}"


def test_after_a_restart_the_page_reconnects_and_shows_what_it_missed_once(stack, browser):
    browser.driver.get(stack.base_url + "/#/")
    browser.wait(lambda d: feed_state(browser) == "live", 10)
    browser.wait(lambda d: len(shown(browser)) > 0)
    before = shown(browser)
    newest = max(before)
    browser.forget()

    assert stack.stop_serve() == 0
    browser.wait(lambda d: feed_state(browser) in ("reconnecting", "connecting"), 10, "the page did not notice")
    # While the service is down, the template goes out again to A and B: events the page has not seen.
    send_template_while_down(stack, [A, B])
    stack.start()
    browser.wait(lambda d: feed_state(browser) == "live", 15, "the page did not reconnect by itself")

    missed = [event["position"] for event in stack.api.json("/api/webhook/events/recent", {"limit": 1000})["events"]
              if event["position"] > newest]
    assert len(missed) >= 4, "send-template wrote events while the service was down"
    browser.wait(lambda d: set(missed) <= set(shown(browser)), 5, "the events written while down are not shown")
    after = shown(browser)
    assert len(after) == len(set(after)), "an event is shown twice after the reconnection"
    assert set(before) <= set(after)
    # It resumed from the last position it showed (`?from=`), not by reloading through the API.
    browser.collect()
    sockets = [r["url"] for r in browser.requests.values() if r.get("url", "").startswith("ws://")]
    assert sockets and all(url.endswith(f"/api/webhook/ws?from={newest}") for url in sockets), sockets
    assert not [r for r in browser.requests.values() if "/events/recent" in r.get("url", "")]
    types = browser.js("return [...document.querySelectorAll('#events-list li[data-position]')]"
                       ".filter((li) => Number(li.dataset.position) > arguments[0]).map((li) => li.dataset.type)",
                       newest)
    assert types.count("template.sent") == 2


def send_template_while_down(stack, recipients: list[str]) -> None:
    """`send-template` writing the log itself (the service stopped): events the page has not seen."""
    listed = stack.workdir / "recipients.txt"
    listed.write_text("".join(f"{contact}\n" for contact in recipients))
    sent = subprocess.run(
        [str(BINARY), "send-template", "--data-dir", str(stack.data_dir), "--recipients-file", str(listed),
         "--force", "--graph-base-url", stack.sim.base_url],
        env={"PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "error", "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
             "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_APP_SECRET": APP_SECRET},
        capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr


def test_a_reset_past_the_feeds_window_reloads_through_the_api(stack, browser):
    """Back with a window of 2 events, the feed cannot resume from the page's position: it says `reset`,
    and the page reloads the latest events through the API, each shown once."""
    browser.wait(lambda d: feed_state(browser) == "live", 10)
    newest = max(shown(browser))
    assert stack.stop_serve() == 0
    send_template_while_down(stack, [A, B, D])
    browser.forget()
    normal = stack.serve_args
    stack.serve_args = normal + ["--recent-events", "2"]
    try:
        stack.start()
    finally:
        stack.serve_args = normal
    browser.wait(lambda d: feed_state(browser) == "live", 15, "the page did not reconnect by itself")
    latest = stack.api.json("/api/webhook/events/recent", {"limit": 2})["events"]
    assert len(latest) == 2 and min(event["position"] for event in latest) > newest + 1
    browser.wait(lambda d: {event["position"] for event in latest} <= set(shown(browser)), 5,
                 "the page did not reload the latest events after the reset")
    after = shown(browser)
    assert len(after) == len(set(after)), "an event is shown twice after the reset"
    browser.collect()
    reloads = [r for r in browser.requests.values() if "/api/webhook/events/recent" in r.get("url", "")]
    assert reloads and all(r.get("status") in (200, 304) for r in reloads), reloads


def test_an_open_dashboard_needs_no_sign_in(stack, browser):
    """`serve --dashboard-open` (loopback, no token set): the page opens on the data, the feed goes live."""
    assert stack.stop_serve() == 0
    open_serve = Child("serve-open", ["serve", "--data-dir", str(stack.data_dir), "--host", "127.0.0.1",
                                      "--webhook-port", str(stack.webhook_port), "--api-port", str(stack.api_port),
                                      "--ws-port", "0", "--dashboard-open"],
                       {"WHATSAPP_APP_SECRET": APP_SECRET, "LOG_LEVEL": "warning"}, stack.workdir)
    try:
        open_serve.wait_for_line("ready api-port=")
        browser.driver.get("about:blank")
        browser.driver.get(stack.base_url + "/#/")
        browser.js("sessionStorage.clear()")
        browser.driver.refresh()
        browser.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), 10, "the open dashboard asked for a token")
        assert not browser.driver.find_element(By.ID, "signin").is_displayed()
        assert not browser.driver.find_element(By.ID, "signout").is_displayed()
        browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#funnel li[data-step]"), 10)
        browser.wait(lambda d: feed_state(browser) == "live", 10, "the feed did not go live without a token")
    finally:
        assert open_serve.stop() == 0


def test_a_firing_alert_shows_in_the_alert_strip(stack, browser):
    """The service's own alerts: one firing (free disk below 100%: always) shows under the health strip,
    with its severity and name, as `/api/webhook/alerts` lists it."""
    alerting = Child("serve-alerting", ["serve", "--data-dir", str(stack.data_dir), "--host", "127.0.0.1",
                                        "--webhook-port", str(stack.webhook_port), "--api-port", str(stack.api_port),
                                        "--ws-port", "0", "--dashboard-open", "--alert-interval", "1",
                                        "--alert-disk-free-percent", "100"],
                     {"WHATSAPP_APP_SECRET": APP_SECRET, "LOG_LEVEL": "warning"}, stack.workdir)
    try:
        alerting.wait_for_line("ready api-port=")
        browser.driver.get("about:blank")
        browser.driver.get(stack.base_url + "/#/")
        browser.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), 10)
        browser.wait(lambda d: d.find_element(By.ID, "alerts").is_displayed(), 20, "no alert strip")
        strip = text(browser, "#alerts")
        assert "ClickUnlockDiskFreeLow" in strip and "critical" in strip, strip
    finally:
        assert alerting.stop() == 0
