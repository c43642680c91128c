"""Fixtures of the browser suite: the API suite's service stack (graph-sim + serve, its known sequence) on
ports that survive a restart, and one headless Chromium (Debian's, through chromium-driver) whose console
and network are recorded (Chrome's browser and performance logs)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

API_SUITE = Path(__file__).resolve().parents[1] / "api"
sys.path.insert(0, str(API_SUITE))

from contract import Api, Contract  # noqa: E402
from harness import BINARY, FIXTURES, ROOT, GraphSim, Serve, free_port  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

OUTPUT = Path(os.environ.get("WEB_TEST_OUTPUT", ROOT / ".build" / "test-output" / "web"))


def pytest_sessionstart(session):
    if not BINARY.exists():
        raise pytest.UsageError(f"{BINARY} does not exist: run `swift build` first (or set CLICKUNLOCK_BINARY)")
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            raise pytest.UsageError(f"{tool} is missing: install Debian's chromium and chromium-driver "
                                    "(scripts/setup.sh does)")


class Stack:
    """graph-sim and serve over one data directory, the dashboard on a port kept across `restart()`."""

    def __init__(self, workdir: Path, sim_args: list[str], serve_args: list[str], serve_env: dict[str, str]):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(exist_ok=True)
        shutil.copy(FIXTURES / "content.yaml", self.data_dir / "content.yaml")
        self.contract = Contract()
        self.webhook_port = free_port()
        self.api_port = free_port()
        self.serve_args = serve_args + ["--api-port", str(self.api_port)]
        self.serve_env = serve_env
        self.sim = GraphSim(workdir, self.webhook_port, sim_args)
        self.serve: Serve | None = None
        self.starts = 0
        try:
            self.start()
        except BaseException:
            self.sim.stop()
            raise

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> None:
        self.starts += 1
        self.serve = Serve(self.workdir, self.data_dir, self.webhook_port, self.sim, self.serve_args,
                           self.serve_env, name=f"serve-{self.starts}")
        self.api = Api(self.serve.api_url, self.contract)

    def stop_serve(self) -> int:
        status = self.serve.stop() if self.serve else 0
        self.serve = None
        return status

    def close(self) -> None:
        try:
            self.stop_serve()
        finally:
            self.sim.stop()


class Browser:
    """Headless Chromium with what it logged kept: console lines, and every request with its answer."""

    def __init__(self, workdir: Path):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,900", f"--user-data-dir={workdir / 'chromium-profile'}"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        self.driver.set_window_size(1280, 900)
        self.console: list[dict] = []
        self.requests: dict[str, dict] = {}

    def wait(self, condition, timeout: float = 10, message: str = ""):
        """Until `condition(driver)` is truthy: its value."""
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def collect(self) -> None:
        """Moves Chrome's new log lines into `console` and `requests` (Chrome hands each out once)."""
        self.console += self.driver.get_log("browser")
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            if method == "Network.requestWillBeSent":
                record = self.requests.setdefault(params["requestId"], {})
                record["url"] = params["request"]["url"]
                record["headers"] = params["request"].get("headers", {})
            elif method == "Network.responseReceived":
                self.requests.setdefault(params["requestId"], {})["status"] = params["response"]["status"]
                self.requests[params["requestId"]].setdefault("url", params["response"]["url"])
            elif method == "Network.loadingFailed":
                self.requests.setdefault(params["requestId"], {})["failed"] = params.get("errorText", "failed")
            elif method == "Network.webSocketCreated":
                self.requests.setdefault(params["requestId"], {})["url"] = params["url"]
            elif method == "Network.webSocketWillSendHandshakeRequest":
                self.requests.setdefault(params["requestId"], {})["headers"] = params["request"].get("headers", {})
            elif method == "Network.webSocketHandshakeResponseReceived":
                self.requests.setdefault(params["requestId"], {})["status"] = params["response"]["status"]

    def forget(self) -> None:
        """Drops what was logged so far (after a step that is expected to log errors, say)."""
        self.collect()
        self.console.clear()
        self.requests.clear()

    def screenshot(self, name: str, width: int, height: int = 900) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        self.driver.set_window_size(width, height)
        self.js("document.activeElement?.blur(); window.scrollTo(0, 0);"
                "for (const list of document.querySelectorAll('.events')) list.scrollTop = 0")
        time.sleep(0.4)  # the chart redraws for the new width
        full = self.js("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        self.driver.set_window_size(width, min(max(height, full + 120), 4000))
        time.sleep(0.3)
        path = OUTPUT / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 900)
        return path

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="module")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="clickunlock-web-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(workdir):
    chromium = Browser(workdir)
    yield chromium
    chromium.quit()
