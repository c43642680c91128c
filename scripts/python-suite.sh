# Sourced by the Python suites' scripts (api-tests.sh, web-tests.sh, deploy-tests.sh) after they set SUITE
# (their name in messages): the binary under test and the venv the suites share.

# Exports CLICKUNLOCK_BINARY as an absolute path (.build/debug/clickunlock unless it is set); exits when it
# is not built.
suite_binary() {
  local binary="${CLICKUNLOCK_BINARY:-.build/debug/clickunlock}"
  if [ ! -x "$binary" ]; then
    echo "$SUITE: $binary does not exist; build it first (swift build)" >&2
    exit 1
  fi
  CLICKUNLOCK_BINARY="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
  export CLICKUNLOCK_BINARY
}

# Sets `venv` to .build/venv, made if missing, with the given requirements files installed into it, again
# only when one of them changes.
suite_venv() {
  venv="$PWD/.build/venv"
  local stamp="$venv/.$SUITE-requirements.sha256" want
  want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv" || {
      echo "$SUITE: python3 -m venv failed; install python3-venv (scripts/setup.sh does on Debian)" >&2
      exit 1
    }
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "$SUITE: installing $* into $venv"
    local file
    for file in "$@"; do
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
    done
    echo "$want" >"$stamp"
  fi
  export PYTHONDONTWRITEBYTECODE=1
}

# Runs "$@" (pytest) and returns its status, but pytest's "no test collected" (5) as a failure that says so.
suite_pytest() {
  local status=0
  "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "$SUITE: pytest collected no test (a filter that matches nothing?)" >&2
    return 1
  fi
  return "$status"
}
