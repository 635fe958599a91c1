"""core.periods: the one period helper of every engine (week, month, quarter, half-year, year)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import periods


@pytest.mark.parametrize(("kind", "day", "key", "start", "end", "label"), [
    ("week", dt.date(2026, 3, 4), "2026-W10", dt.date(2026, 3, 2), dt.date(2026, 3, 8), "2026年第10周（3月2日—3月8日）"),
    ("week", dt.date(2027, 1, 1), "2026-W53", dt.date(2026, 12, 28), dt.date(2027, 1, 3),
     "2026年第53周（12月28日—1月3日）"),
    ("week", dt.date(2024, 12, 30), "2025-W01", dt.date(2024, 12, 30), dt.date(2025, 1, 5),
     "2025年第1周（12月30日—1月5日）"),
    ("month", dt.date(2024, 2, 10), "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
    ("quarter", dt.date(2026, 11, 22), "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
    ("half_year", dt.date(2026, 7, 1), "2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "2026年下半年"),
    ("year", dt.date(2026, 7, 1), "2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年度"),
])
def test_containing_parse_and_label(kind, day, key, start, end, label):
    p = periods.containing(kind, day)
    assert (p.key, p.start, p.end, p.label) == (key, start, end, label)
    assert periods.parse(kind, key) == p and day in p
    assert p.next().previous() == p and p.previous().end == start - dt.timedelta(days=1)
    assert periods.join_key(kind, key[:4], p.part) == key


@pytest.mark.parametrize(("kind", "key"), [
    ("week", "2026-W54"), ("week", "2025-W53"), ("week", "2026-W00"), ("week", "2026-10"), ("month", "2026-13"),
    ("quarter", "2026-Q5"), ("half_year", "2026-H3"), ("year", "26"), ("year", "1899"), ("decade", "2020"),
    ("month", ""), ("month", None),
])
def test_bad_keys(kind, key):
    with pytest.raises(ValueError):
        periods.parse(kind, key)
    assert periods.is_key(kind, key) is False
    assert periods.label(kind, key) == key


def test_previous_between_and_parts():
    assert periods.previous("week", dt.date(2026, 3, 2)).key == "2026-W09"
    assert periods.previous("quarter", dt.date(2026, 1, 15)).key == "2025-Q4"
    assert [p.key for p in periods.between("month", dt.date(2026, 11, 20), dt.date(2027, 1, 1))] == [
        "2026-11", "2026-12", "2027-01"]
    assert len(periods.parts("week", 2026)) == 53 and len(periods.parts("week", 2025)) == 52
    assert periods.parts("week")[0] == ("W01", "第1周") and periods.parts("year") == []
    assert list(periods.KINDS) == ["week", "month", "quarter", "half_year", "year"]
    with pytest.raises(ValueError):
        periods.key_of("decade", dt.date(2026, 1, 1))


def test_engines_share_the_helper():
    """Every engine with periods offers the week, through core.periods."""
    from plugins.activities.types import PERIODS, Cadence, period_bounds
    from plugins.assessment.types import PERIOD_KINDS
    from plugins.campaigns.service import CADENCES
    from plugins.campaigns.service import PERIOD_KINDS as CAMPAIGN_KINDS

    assert "week" in PERIOD_KINDS and "week" in PERIODS and "weekly" in CADENCES
    assert set(CAMPAIGN_KINDS.values()) == set(periods.KINDS)
    assert Cadence("week").label == "每周 1 次"
    assert period_bounds("week", dt.date(2026, 3, 4)) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
