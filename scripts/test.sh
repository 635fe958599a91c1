#!/usr/bin/env bash
# The whole test suite on a fresh clone: installs what it needs, then runs every test on
# SQLite and again on PostgreSQL (127.0.0.1:5432, user postgres; see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
bash scripts/pip-install.sh -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

echo "== ruff =="
.venv/bin/ruff check .

workers="${LIANDONG_TEST_WORKERS:-2}"
echo "== SQLite =="
LIANDONG_TEST_DB=sqlite .venv/bin/pytest -n "$workers" "$@"
echo "== PostgreSQL =="
LIANDONG_TEST_DB=postgresql .venv/bin/pytest -n "$workers" "$@"
