#!/usr/bin/env bash
# The README's two set-up commands, on any machine with Python 3.11+ (a stock Debian or Ubuntu included):
#   ./run.sh app    install into .venv and run the app (bundled scenarios, an SQLite file in data/)
#   ./run.sh test   install into .venv with the test tools and run every test
#   ./run.sh check  the house's gates (formatter, linter, layer contract), as CI runs them
# Extra arguments go to `easi serve` or pytest. A virtual environment keeps the app out of the system's
# Python (Debian and Ubuntu refuse `pip install` there: PEP 668).
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
command=${1:-}
[ $# -gt 0 ] && shift

say() { printf 'run.sh: %s\n' "$*" >&2; }

# Install Debian packages as root, or say the command to run.
need_packages() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* (Debian packages)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    say "this needs the packages: $*. Install them (sudo apt-get install $*) and run this again."
    exit 1
  fi
}

case "$command" in
  app) extras="" ;;
  test | check) extras="[test]" ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed as python3 (found: $(python3 --version 2>&1 || echo none))."
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    need_packages python3-venv  # Debian's Python ships venv without ensurepip
    python3 -m venv "$venv"
  fi
fi
# The tested versions (constraints.txt; its header says how to regenerate it), as the README says.
"$venv/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt -e ".$extras"

case "$command" in
  app)
    exec "$venv/bin/easi" serve "$@"
    ;;
  check)
    "$venv/bin/ruff" format --check .
    "$venv/bin/ruff" check .
    exec "$venv/bin/lint-imports"
    ;;
  test)
    # The real-browser tests drive Debian's Chromium (no browser download).
    command -v chromium >/dev/null 2>&1 || need_packages chromium fonts-dejavu-core
    if [ $# -gt 0 ]; then
      exec "$venv/bin/python" -m pytest -q "$@"
    fi
    # Every test, in two processes at once: the real-browser tests mostly wait on the page (polls,
    # reruns), so they run beside the rest instead of after it (the whole run takes half as long).
    browser_log="$(mktemp /tmp/easi-browser-tests.XXXXXX)"
    "$venv/bin/python" -m pytest -q -m browser -p no:cacheprovider >"$browser_log" 2>&1 &
    browser_pid=$!
    status=0
    "$venv/bin/python" -m pytest -q -m "not browser" -p no:cacheprovider || status=$?
    browser_status=0
    wait "$browser_pid" || browser_status=$?
    say "the real-browser tests:"
    cat "$browser_log"
    rm -f "$browser_log"
    [ "$status" = 0 ] && [ "$browser_status" = 0 ]
    ;;
esac
