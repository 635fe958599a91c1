"""Small helpers exist once (issue 9 item 6): the clock (core.clock), the input text reader
(core.forms.text) and the list search (core.search, see tests/test_search.py). A module that
defines its own copy, or reads the server's local date, fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = [  # (pattern, the one module that may match it)
    (re.compile(r'ZoneInfo\("Asia/Shanghai"\)'), "core/clock.py"),
    (re.compile(r"^def (local_)?today\("), "core/clock.py"),
    (re.compile(r"^def utc_?now\("), "core/clock.py"),
    (re.compile(r"\bdate\.today\(\)"), "core/clock.py"),
    (re.compile(r"^def _?text\((raw|data|params)\b"), "core/forms.py"),
]


def test_small_helpers_are_defined_once():
    offenders = []
    for top in ("core", "plugins"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                offenders += [f"{rel}:{n}: {line.strip()}  (use {home})" for pattern, home in RULES
                              if rel != home and pattern.search(line)]
    assert offenders == []
