#!/usr/bin/env bash
# Run the app with demo tenants and data on the embedded SQLite default (./liandong.db).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
bash scripts/pip-install.sh -e .
.venv/bin/liandong db upgrade
.venv/bin/liandong demo
echo "Open http://${HOST:-127.0.0.1}:${PORT:-8000} — log in as admin / demo1234 (admins link an authenticator app at first sign-in; README lists every demo user)"
exec .venv/bin/liandong serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
