#!/usr/bin/env bash
# pip install into .venv, tried up to three times. A large wheel cut short or altered on the
# way fails pip's hash check ("THESE PACKAGES DO NOT MATCH THE HASHES"); a second attempt
# downloads it again, bypassing pip's cache.
set -uo pipefail
cd "$(dirname "$0")/.."
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check --retries 5 --timeout 120)
"${pip[@]}" "$@" && exit 0
for attempt in 2 3; do
  echo "pip install failed; attempt $attempt of 3 without the download cache" >&2
  sleep $((attempt * 5))
  "${pip[@]}" --no-cache-dir "$@" && exit 0
done
exit 1
