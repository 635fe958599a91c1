"""The one list search (core.search): ``%`` and ``_`` are literal, case is ignored, and no list
builds its own LIKE pattern."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from core import search

ROOT = Path(__file__).resolve().parent.parent


def _names(q: str) -> list[str]:
    md = MetaData()
    t = Table("t", md, Column("id", Integer, primary_key=True), Column("name", String), Column("note", String))
    engine = create_engine("sqlite://")
    md.create_all(engine)
    with engine.begin() as c:
        c.execute(insert(t), [{"name": n, "note": note} for n, note in (
            ("100%达标", ""), ("1000家企业", ""), ("a_b支部", ""), ("axb支部", ""), ("Alpha科技", ""),
            ("东方红", "含 back\\slash 的备注"))])
        return list(c.scalars(select(t.c.name).where(search.matches(q, t.c.name, t.c.note)).order_by(t.c.id)))


def test_wildcards_are_literal_and_case_is_ignored():
    assert _names("100%") == ["100%达标"]
    assert _names("a_b") == ["a_b支部"]
    assert _names("ALPHA") == ["Alpha科技"]
    assert _names("  东方红 ") == ["东方红"]
    assert _names("back\\slash") == ["东方红"]  # found in the second column
    assert _names("%") == ["100%达标"]


def test_starts_with_is_literal_too():
    md = MetaData()
    t = Table("a", md, Column("id", Integer, primary_key=True), Column("action", String))
    engine = create_engine("sqlite://")
    md.create_all(engine)
    with engine.begin() as c:
        c.execute(insert(t), [{"action": a} for a in ("cluster_leaders.create", "clusterXleaders.create", "tenants.update")])
        found = c.scalars(select(t.c.action).where(search.starts_with("cluster_", t.c.action)).order_by(t.c.id))
        assert list(found) == ["cluster_leaders.create"]


def test_no_list_builds_its_own_like_pattern():
    offenders = []
    pattern = re.compile(r"\.contains\(|\.i?like\(f[\"'][^\"']*\{|\.i?like\((?:like|pattern|p)\b|\bescape=")
    for top in ("core", "plugins"):
        for path in (ROOT / top).rglob("*.py"):
            if path.name == "search.py" and path.parent.name == "core":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and "not a search" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
