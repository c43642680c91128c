"""deploy/caddy/Caddyfile and deploy/nginx/clickunlock.conf, served: each proxy runs the file as shipped (only
its ports, certificates and, for Caddy, its certificate authority changed for a machine without DNS: Caddy's
own local CA, nginx a self-signed certificate) in front of a real `clickunlock serve`, and HTTPS through it
must reach the service: Meta's handshake and a signed POST on the webhook name (and nothing else there), the
dashboard, its API and the live feed's WebSocket on the dashboard name. Skipped where the proxy is missing
(scripts/setup.sh installs both)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

import deploy_doc
from harness import DASHBOARD_TOKEN, ROOT, Serve, free_port, sign

WEBHOOK_HOST, DASHBOARD_HOST = "webhook.example.com", "dashboard.example.com"


def tool(name: str) -> str | None:
    return shutil.which(name) or next((path for path in (f"/usr/sbin/{name}",) if Path(path).exists()), None)


def caddy_config(workdir: Path, ports: dict[str, str], http: int, https: int) -> list[str]:
    text = deploy_doc.localize((ROOT / "deploy/caddy/Caddyfile").read_text(), workdir, ports)
    # Certificates from Caddy's own CA (no DNS, no ACME here), its files in workdir, the ports free ones.
    options = (f"\tlocal_certs\n\tskip_install_trust\n\tadmin off\n\thttp_port {http}\n\thttps_port {https}\n"
               f"\tstorage file_system {workdir}/caddy-data\n")
    text, count = re.subn(r"^\{\n", "{\n" + options, text, count=1, flags=re.MULTILINE)
    assert count == 1, "the Caddyfile has no global options block to add the test's to"
    config = workdir / "Caddyfile"
    config.write_text(text)
    return [tool("caddy"), "run", "--adapter", "caddyfile", "--config", str(config)]


def ipv6_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def nginx_config(workdir: Path, ports: dict[str, str], http: int, https: int) -> list[str]:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    f"/CN={WEBHOOK_HOST}", "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")],
                   check=True, capture_output=True)
    text = deploy_doc.localize((ROOT / "deploy/nginx/clickunlock.conf").read_text(), workdir, ports)
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {workdir}/cert.pem;", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {workdir}/key.pem;", text)
    text = re.sub(r"(listen\s+(?:\[::\]:)?)443\b", rf"\g<1>{https}", text)
    text = re.sub(r"(listen\s+(?:\[::\]:)?)80\b", rf"\g<1>{http}", text)
    if not ipv6_works():  # a machine without IPv6 cannot bind the file's [::] listeners
        text = re.sub(r"^\s*listen\s+\[::\].*\n", "", text, flags=re.MULTILINE)
    (workdir / "clickunlock.conf").write_text(text)
    (workdir / "logs").mkdir()
    (workdir / "nginx.conf").write_text(
        f"pid {workdir}/nginx.pid;\nerror_log stderr;\ndaemon off;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    client_body_temp_path {workdir}/body;\n    proxy_temp_path {workdir}/proxy;\n"
        f"    include {workdir}/clickunlock.conf;\n}}\n")
    return [tool("nginx"), "-p", str(workdir), "-c", str(workdir / "nginx.conf")]


PROXIES = {"caddy": caddy_config, "nginx": nginx_config}


def curl(https: int, host: str, path: str, *args: str) -> tuple[int, str]:
    """Through the proxy, by name (`--resolve`: the name is this machine), without checking the test's certificate."""
    result = subprocess.run(
        ["curl", "-sS", "-k", "--max-time", "10", "--resolve", f"{host}:{https}:127.0.0.1", "-o", "-", "-w",
         "\n%{http_code}", *args, f"https://{host}:{https}{path}"], capture_output=True, text=True, timeout=30)
    body, _, status = result.stdout.rpartition("\n")
    return int(status or 0), body


@pytest.fixture(params=sorted(PROXIES))
def proxied(request, tmp_path):
    name = request.param
    if tool(name) is None:
        pytest.skip(f"{name} is not installed (scripts/setup.sh installs it)")
    if shutil.which("curl") is None or shutil.which("openssl") is None:
        pytest.skip("curl or openssl is not installed")
    serve = Serve(tmp_path, tmp_path / "data", free_port(), None)
    ports = {"3000": serve.webhook_url.rsplit(":", 1)[1].split("/")[0], "3002": serve.api_url.rsplit(":", 1)[1]}
    http, https = free_port(), free_port()
    argv = PROXIES[name](tmp_path, ports, http, https)
    proxy = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=open(tmp_path / f"{name}.stderr", "wb"), start_new_session=True,
                             env={"PATH": "/usr/sbin:/usr/bin:/bin", "HOME": str(tmp_path),
                                  "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
                                  "XDG_CONFIG_HOME": str(tmp_path / "xdg-config")})
    try:
        deadline = time.monotonic() + 60
        while curl(https, DASHBOARD_HOST, "/healthz")[0] != 200:
            assert proxy.poll() is None, f"{name} exited:\n" + (tmp_path / f"{name}.stderr").read_text()[-3000:]
            assert time.monotonic() < deadline, f"{name} did not proxy /healthz in 60 s:\n" + (
                tmp_path / f"{name}.stderr").read_text()[-3000:]
            time.sleep(0.2)
        yield https, serve
    finally:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        serve.stop()


def test_the_proxy_passes_the_webhook_and_the_dashboard(proxied):
    https, serve = proxied
    from harness import VERIFY_TOKEN

    status, body = curl(https, WEBHOOK_HOST, f"/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                                             "&hub.challenge=1158201444")
    assert (status, body) == (200, "1158201444")
    payload = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    status, _ = curl(https, WEBHOOK_HOST, "/webhook", "-H", "Content-Type: application/json",
                     "-H", f"X-Hub-Signature-256: {sign(payload)}", "--data-binary", payload.decode())
    assert status == 200
    status, _ = curl(https, WEBHOOK_HOST, "/webhook", "--data-binary", "{}")
    assert status == 401, "an unsigned POST through the proxy"
    # The webhook name serves /webhook only; the dashboard is not reachable through it.
    assert curl(https, WEBHOOK_HOST, "/api/webhook/health")[0] == 404
    assert curl(https, WEBHOOK_HOST, "/")[0] == 404

    status, body = curl(https, DASHBOARD_HOST, "/api/webhook/health", "-H", f"Authorization: Bearer {DASHBOARD_TOKEN}")
    assert status == 200 and '"position"' in body
    assert curl(https, DASHBOARD_HOST, "/")[0] == 200, "the web dashboard's page"

    # The live feed's WebSocket through the proxy (the page connects to wss://<dashboard name>/api/webhook/ws).
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    sock = socket.create_connection(("127.0.0.1", https), timeout=10)
    with connect(f"wss://{DASHBOARD_HOST}:{https}/api/webhook/ws", sock=sock, ssl=context,
                 server_hostname=DASHBOARD_HOST, subprotocols=[f"bearer.{DASHBOARD_TOKEN}"], open_timeout=10,
                 proxy=None) as feed:
        hello = json.loads(feed.recv(timeout=10))
        assert hello["type"] == "hello"
