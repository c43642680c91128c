#!/usr/bin/env bash
# The deployment files' checks (issue 19), each with the real tool where it is installed, else a SKIP line
# saying what is missing (scripts/setup.sh installs Debian's prometheus, caddy and nginx):
#   deploy/prometheus  promtool check rules + promtool test rules
#   deploy/systemd     systemd-analyze verify (any warning fails: it exits 0 on unknown keys)
#   deploy/caddy       caddy validate --adapter caddyfile
#   deploy/nginx       nginx -t, inside a minimal nginx.conf in a temp prefix, with a self-signed certificate
# then pytest in Tests/deploy against the built binary (.build/debug/clickunlock or CLICKUNLOCK_BINARY): every
# single-machine command of docs/deploy.md run in a temp prefix, and Caddy and nginx serving their files in
# front of the service (HTTPS, webhook, dashboard, WebSocket); in a network namespace of its own when
# `unshare -n` works, so the page's ports 3000-3002 are free. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

checks_passed=0
checks_failed=0
checks_skipped=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pass() { echo "deploy-tests: PASS $1"; checks_passed=$((checks_passed + 1)); }
fail() { echo "deploy-tests: FAIL $1" >&2; checks_failed=$((checks_failed + 1)); }
skip() { echo "deploy-tests: SKIP $1"; checks_skipped=$((checks_skipped + 1)); }
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
tool() { if command -v "$1" >/dev/null 2>&1; then command -v "$1"; else echo "/usr/sbin/$1"; fi; }

# Runs "$@"; passes when it exits 0 and (with quiet=1) prints nothing on stderr.
check() {
  local name="$1" quiet="$2"
  shift 2
  local output status=0
  output="$("$@" 2>&1 >"$work/stdout")" || status=$?
  if [ "$status" -ne 0 ] || { [ "$quiet" = 1 ] && [ -n "$output" ]; }; then
    fail "$name (exit $status)"
    cat "$work/stdout" >&2
    echo "$output" >&2
  else
    pass "$name"
  fi
}

if have promtool; then
  check "promtool check rules deploy/prometheus/alerts.yml" 0 promtool check rules deploy/prometheus/alerts.yml
  check "promtool test rules deploy/prometheus/alerts-test.yml" 0 promtool test rules deploy/prometheus/alerts-test.yml
else
  skip "promtool check/test rules: promtool is missing (Debian package prometheus)"
fi

if have systemd-analyze; then
  # verify wants ExecStart's binary to exist: the same unit, pointed at an executable stand-in.
  mkdir -p "$work/systemd"
  printf '#!/bin/sh\nexit 0\n' >"$work/systemd/clickunlock-stand-in"
  chmod +x "$work/systemd/clickunlock-stand-in"
  for unit in deploy/systemd/*.service deploy/systemd/*.timer; do
    [ -e "$unit" ] || continue
    sed "s#/usr/local/bin/clickunlock#$work/systemd/clickunlock-stand-in#g" "$unit" >"$work/systemd/$(basename "$unit")"
  done
  for unit in "$work"/systemd/*.service "$work"/systemd/*.timer; do
    [ -e "$unit" ] || continue
    check "systemd-analyze verify deploy/systemd/$(basename "$unit")" 1 \
      env SYSTEMD_LOG_LEVEL=warning "$(tool systemd-analyze)" verify --man=no "$unit"
  done
else
  skip "systemd-analyze verify: systemd-analyze is missing (Debian package systemd)"
fi

if have caddy; then
  check "caddy validate deploy/caddy/Caddyfile" 0 \
    env HOME="$work" XDG_DATA_HOME="$work/caddy-data" XDG_CONFIG_HOME="$work/caddy-config" \
    caddy validate --adapter caddyfile --config deploy/caddy/Caddyfile
else
  skip "caddy validate: caddy is missing (Debian package caddy)"
fi

if have nginx && have openssl; then
  prefix="$work/nginx"
  mkdir -p "$prefix/logs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=webhook.example.com \
    -keyout "$prefix/key.pem" -out "$prefix/cert.pem" >/dev/null 2>&1
  sed -e "s#/etc/letsencrypt/live/[^/]*/fullchain.pem#$prefix/cert.pem#" \
    -e "s#/etc/letsencrypt/live/[^/]*/privkey.pem#$prefix/key.pem#" \
    deploy/nginx/clickunlock.conf >"$prefix/clickunlock.conf"
  printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n    include %s/clickunlock.conf;\n}\n' \
    "$prefix" "$prefix" >"$prefix/nginx.conf"
  check "nginx -t deploy/nginx/clickunlock.conf" 0 "$(tool nginx)" -t -q -p "$prefix" -c "$prefix/nginx.conf"
else
  skip "nginx -t: nginx or openssl is missing (Debian packages nginx, openssl)"
fi

echo "deploy-tests: configuration checks: $checks_passed passed, $checks_failed failed, $checks_skipped skipped"

# docs/deploy.md run (Tests/deploy), in the API suite's venv (.build/venv, the same requirements).
SUITE=deploy-tests
source scripts/python-suite.sh
suite_binary
suite_venv Tests/api/requirements.txt
# A network namespace of its own (loopback only), so that the page's ports 3000-3002 are free whatever else
# runs on this machine; where unshare is not allowed, the test maps them to free ports instead.
netns=()
if unshare -n sh -c 'ip link set lo up' >/dev/null 2>&1; then
  netns=(unshare -n sh -c 'ip link set lo up && exec "$@"' sh)
  export DEPLOY_TEST_NETNS=1
else
  echo "deploy-tests: no network namespace (unshare -n or ip is not available): the page's ports are mapped to free ones"
fi
status=0
(cd Tests/deploy && suite_pytest "${netns[@]}" "$venv/bin/python" -m pytest "$@") || status=$?
[ "$checks_failed" -eq 0 ] || exit 1
exit "$status"
