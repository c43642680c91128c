#!/usr/bin/env bash
# Installs the system packages the build needs (liblz4-dev, libzstd-dev, libsqlite3-dev, pkg-config), the
# API suite's Python (python3, python3-venv, python3-pip), the browser suite's headless browser and its
# driver (chromium, chromium-driver), and the tools the deployment checks run (prometheus for promtool,
# caddy, nginx, openssl) when missing. Their daemons are not started by the install (a policy-rc.d that
# says no, for the install only, where the machine has none): the checks run the tools, never the servers.
set -euo pipefail

missing=()
pkg-config --exists liblz4 2>/dev/null || missing+=(liblz4-dev)
pkg-config --exists libzstd 2>/dev/null || missing+=(libzstd-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
else
  missing+=(python3 python3-venv python3-pip)
fi

command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "setup: need root (or sudo) to install ${missing[*]}; install them and run again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (prometheus, caddy, nginx) would start them at install (on port 80, 9090, ...):
# invoke-rc.d asks /usr/sbin/policy-rc.d first, and 101 means "do not start". Only for this install, and
# only where the machine has no policy of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# scripts/setup.sh: no daemon starts during its apt-get install\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
