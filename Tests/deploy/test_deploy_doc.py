"""docs/deploy.md, run: every single-machine command of the page (install, configure, start, the webhook's
handshake and a signed POST, the message seen through the API, the first template sent and the delivery that
follows) as written, by bash, in a temp prefix, with stand-ins for systemctl and journalctl and the built-in
Graph API simulator in place of Meta. The convention is in deploy_doc.py and at the end of the page. Also:
the deployment files agree with the code (the example environment file's names are settings, the alert
rules' runbook links are sections of docs/operations.md)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

import deploy_doc
from harness import ACCESS_TOKEN, APP_SECRET, BINARY, PHONE_NUMBER_ID, ROOT, GraphSim, free_port, run_command

DOC = ROOT / "docs" / "deploy.md"
BLOCKS = deploy_doc.parse(DOC)
FAKEBIN = Path(__file__).resolve().parent / "fakebin"
PAGE_PORTS = ("3000", "3001", "3002")
# The advisors of the page's step 8 (15551234567) are the simulator's virtual contacts: they tap.
SIM_ARGS = ["--virtual-contact-prefix", "1555123", "--tap-after-ms", "200"]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def page_ports() -> dict[str, str]:
    """The page's ports as they are where they are free (a network namespace of our own), else free ones."""
    if all(port_is_free(int(port)) for port in PAGE_PORTS) and os.environ.get("DEPLOY_TEST_NETNS") == "1":
        return {}
    return {port: str(free_port()) for port in PAGE_PORTS}


class Site:
    """A temp checkout (deploy/, docs/, the binary as the build block leaves it), a prefix, the stand-ins."""

    def __init__(self, workdir: Path):
        self.checkout = workdir / "clickunlock"
        self.prefix = workdir / "root"
        self.state = workdir / "state"
        for directory in (self.checkout / ".build" / "release", self.prefix, self.state):
            directory.mkdir(parents=True)
        for name in ("deploy", "docs"):
            (self.checkout / name).symlink_to(ROOT / name)
        self.ports = page_ports()
        self.env = {
            "PATH": f"{FAKEBIN}:{self.prefix}/usr/local/bin:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(workdir), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "DEPLOY_TEST_PREFIX": str(self.prefix), "DEPLOY_TEST_STATE": str(self.state),
            "DEPLOY_TEST_PORTS": ",".join(f"{old}={new}" for old, new in self.ports.items()),
        }

    def port(self, page_port: str) -> int:
        return int(self.ports.get(page_port, page_port))

    @property
    def env_file(self) -> Path:
        return self.prefix / "etc" / "clickunlock" / "clickunlock.env"

    def run(self, block: deploy_doc.Block, stdin: str = "") -> subprocess.CompletedProcess:
        script = deploy_doc.localize(block.script, self.prefix, self.ports)
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=self.checkout, env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=120)

    def journal(self) -> str:
        path = self.state / "clickunlock.journal"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no journal)"

    def stop(self) -> None:
        subprocess.run([str(FAKEBIN / "systemctl"), "stop", "clickunlock"], env=self.env, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("deploy"))
    sim = GraphSim(site.state, site.port("3000"), SIM_ARGS)
    site.sim = sim
    yield site
    site.stop()
    sim.stop()


def test_every_sh_block_says_what_the_test_does_with_it():
    assert len(BLOCKS) >= 10, f"only {len(BLOCKS)} sh blocks in {DOC}"
    unmarked = [block.name for block in BLOCKS if block.action is None]
    assert unmarked == [], f"sh blocks without a `<!-- deploy-test: run|build|skip=REASON -->` line: {unmarked}"
    unexplained = [block.name for block in BLOCKS if block.action == "skip" and not block.options["skip"]]
    assert unexplained == [], f"skipped without a reason: {unexplained}"
    assert sum(block.action == "run" for block in BLOCKS) >= 8


def test_the_page_runs_from_install_to_a_delivered_pack(site):
    ran = []
    for block in BLOCKS:
        if block.action == "skip":
            continue
        if block.action == "build":
            assert "swift build -c release" in block.script, f"{block.name}: the build block builds no release"
            # What it makes, the suite has: the binary under test (a release build takes minutes).
            (site.checkout / ".build" / "release" / "clickunlock").symlink_to(BINARY)
            block = deploy_doc.Block(block.line, "\n".join(line for line in block.script.splitlines()
                                                         if not line.startswith("swift build")), "run")
        stdin = ""
        if block.options.get("input") == "secrets":
            stdin = f"{APP_SECRET}\n{ACCESS_TOKEN}\n{PHONE_NUMBER_ID}\n"
        expect, retry = block.options.get("expect"), float(block.options.get("retry", "0"))
        deadline = time.monotonic() + retry
        while True:
            result = site.run(block, stdin)
            output = result.stdout + result.stderr
            if result.returncode == 0 and (expect is None or expect in output) or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        assert result.returncode == 0, (f"{block.name} exited {result.returncode}:\n{output}\n"
                                        f"service journal:\n{site.journal()}")
        if expect is not None:
            assert expect in output, f"{block.name}: `{expect}` not in its output:\n{output}\n{site.journal()}"
        ran.append(block.name)
        if block.options.get("input") == "secrets":
            # Meta's Graph API is the simulator here (an address on this machine).
            with site.env_file.open("a") as file:
                file.write(f"CLICKUNLOCK_GRAPH_BASE_URL={site.sim.base_url}\n")
    assert len(ran) >= 8

    # The service ran where the unit says: its data in the StateDirectory, its secrets from the file only.
    data = site.prefix / "var" / "lib" / "clickunlock"
    assert (data / "log").is_dir(), f"no event log in {data}"
    assert site.env_file.stat().st_mode & 0o077 == 0, "the environment file is readable by others"
    journal = site.journal()
    for secret in (APP_SECRET, ACCESS_TOKEN):
        assert secret not in journal, "a secret is in the service's log"
    # What the page says besides: a wrong signature is refused.
    answer = requests.post(f"http://127.0.0.1:{site.port('3000')}/webhook", data=b'{"object":"x"}',
                           headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}, timeout=10)
    assert answer.status_code == 401


def test_the_example_environment_names_only_settings():
    table = run_command(["settings"]).stdout
    names = re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / "deploy/systemd/clickunlock.env.example").read_text(),
                       re.MULTILINE)
    assert len(names) >= 8
    unknown = [name for name in names if f"`{name}`" not in table]
    assert unknown == [], f"clickunlock.env.example names what `clickunlock settings` does not: {unknown}"
    written = re.findall(r"^([A-Z][A-Z0-9_]+)=", next(b.script for b in BLOCKS if "input" in b.options), re.MULTILINE)
    assert set(written) <= set(names), f"the page writes names the example does not explain: {set(written) - set(names)}"


def test_every_runbook_link_is_a_section_of_operations_md():
    rules = (ROOT / "deploy/prometheus/alerts.yml").read_text()
    alerts = re.findall(r"^\s*- alert: (\w+)$", rules, re.MULTILINE)
    links = re.findall(r'runbook_url: "docs/operations\.md#([\w-]+)"', rules)
    assert len(alerts) == len(links) >= 7, "every alert has one runbook_url into docs/operations.md"
    headings = (ROOT / "docs/operations.md").read_text().splitlines()
    anchors = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
               for line in headings if line.startswith("#")}
    missing = [link for link in links if link not in anchors]
    assert missing == [], f"runbook_url anchors without a heading in docs/operations.md: {missing}"
    assert [alert.lower() for alert in alerts] == links, "each alert's runbook is the section named after it"


def test_links_within_the_pages_lead_somewhere():
    def anchors(page: Path) -> set[str]:
        return {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                for line in page.read_text().splitlines() if line.startswith("#")}

    broken = []
    for page in (ROOT / "docs/deploy.md", ROOT / "docs/operations.md"):
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([\w-]+))?\)", page.read_text()):
            if target.startswith("http"):
                continue
            linked = (page.parent / target).resolve() if target else page
            if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
                broken.append(f"{page.name}: ({target}#{anchor})")
    assert broken == [], f"links to nothing: {broken}"
