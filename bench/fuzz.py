"""A larger schema-fuzzing run than CI's: ``tests/test_fuzz_api.py`` with more examples per
operation, new random examples every run, on SQLite and/or PostgreSQL.

    .venv/bin/python bench/fuzz.py                      # 100 examples per operation and mode, both databases
    .venv/bin/python bench/fuzz.py --examples 500 --db postgresql

Failures are reported exactly as in CI (the first failing example of each operation, with a
curl command to replay it). Not a benchmark of speed: it lives here because it is too long for
the test command.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="examples per operation and mode")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", action="store_true", help="CI's fixed examples instead of new random ones")
    args = parser.parse_args()
    status = 0
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        env = {**os.environ, "LIANDONG_TEST_DB": db, "LIANDONG_FUZZ_EXAMPLES": str(args.examples),
               "LIANDONG_FUZZ_RANDOM": "0" if args.repeat else "1"}
        print(f"== fuzz on {db}: {args.examples} examples per operation and mode ==", flush=True)
        cmd = [sys.executable, "-m", "pytest", "-n", "0", "-q", "-s", "tests/test_fuzz_api.py"]
        status |= subprocess.run(cmd, cwd=ROOT, env=env).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
