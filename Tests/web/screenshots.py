"""The screenshots in docs/ (and README.md): `clickunlock demo` run for a minute (so that every panel has
something: faults, skips, a 130429 burst), then its one-click link opened in headless Chromium at 1280 px
(light) and 390 px (dark). Run it after a build: `.build/venv/bin/python Tests/web/screenshots.py`."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import ROOT, Browser  # noqa: E402
from harness import BINARY  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

DOCS = ROOT / "docs"


def main(wait_seconds: float = 70) -> None:
    work = Path(tempfile.mkdtemp(prefix="clickunlock-shots-"))
    demo = subprocess.Popen([str(BINARY), "demo", "--data-dir", str(work / "demo"), "--quiet",
                             "--duration", str(wait_seconds + 60)], stdout=subprocess.PIPE, text=True)
    try:
        link = demo.stdout.readline().strip()
        assert re.match(r"http://127\.0\.0\.1:\d+/#token=", link), link
        time.sleep(wait_seconds)
        browser = Browser(work)
        try:
            browser.driver.get(link)
            browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#funnel li[data-step]"), 15)
            browser.wait(lambda d: browser.js("return document.getElementById('feed-state').textContent") == "live")
            time.sleep(2)
            shot = browser.screenshot("docs-overview-1280", 1280)
            shot.replace(DOCS / "dashboard-1280.png")
            browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                           {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
            time.sleep(1)
            shot = browser.screenshot("docs-overview-390-dark", 390)
            shot.replace(DOCS / "dashboard-390-dark.png")
        finally:
            browser.quit()
    finally:
        demo.terminate()
        demo.wait(30)
    print(f"wrote {DOCS / 'dashboard-1280.png'} and {DOCS / 'dashboard-390-dark.png'}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 70)
