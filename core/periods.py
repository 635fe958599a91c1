"""Calendar periods shared by every engine and building block: week, month, quarter, half-year, year.

A period has a kind, a stable text key (stored in the database), a first and a last day (both
inclusive, Asia/Shanghai calendar dates) and a Chinese label:

========== ============ ================================
kind        key          label
========== ============ ================================
week        2026-W05     2026年第5周（1月26日—2月1日）
month       2026-03      2026年3月
quarter     2026-Q1      2026年第一季度
half_year   2026-H2      2026年下半年
year        2026         2026年度
========== ============ ================================

Weeks are ISO 8601 weeks (Monday to Sunday; week 1 holds the year's first Thursday), so the
year in a week's key is the ISO year: 2026-12-31 lies in ``2026-W53``, 2027-01-01 too. Engines keep
their own stored names where they had them (campaigns stores ``monthly`` …) and translate with
their own small maps; the arithmetic lives here only.

    >>> p = containing("week", dt.date(2026, 3, 4)); p.key, p.start, p.end
    ('2026-W10', datetime.date(2026, 3, 2), datetime.date(2026, 3, 8))
    >>> parse("quarter", "2026-Q2").label
    '2026年第二季度'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: period kinds, shortest first, key → label (as a noun: 周、月度 …)
KINDS: dict[str, str] = {"week": "周", "month": "月度", "quarter": "季度", "half_year": "半年", "year": "年度"}
#: the same as a frequency (每周、每月 …)
EVERY: dict[str, str] = {"week": "每周", "month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年"}

CN_NUMBERS = "一二三四"
MIN_YEAR, MAX_YEAR = 1900, 2200

_PATTERNS = {
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "half_year": re.compile(r"^(\d{4})-H([12])$"),
    "year": re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True)
class Period:
    """One calendar period: ``kind`` (a key of :data:`KINDS`), ``key`` (``2026-W05``, ``2026-03``,
    ``2026-Q1``, ``2026-H2``, ``2026``), ``start`` and ``end`` (both inclusive)."""

    kind: str
    key: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return _label(self)

    @property
    def year(self) -> int:
        """The year in the key (for a week: its ISO year)."""
        return int(self.key[:4])

    @property
    def part(self) -> str:
        """What follows the year in the key (``W05``, ``03``, ``Q1``, ``H2``; ``""`` for a year)."""
        return self.key[5:]

    def previous(self) -> Period:
        return containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return containing(self.kind, self.end + dt.timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def _weeks_in(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    return kind


def parse(kind: str, key: str) -> Period:
    """The period ``key`` of ``kind``; ``ValueError`` if it is not one (wrong shape, month 13,
    week 54, a year outside 1900–2200)."""
    m = _PATTERNS.get(kind, re.compile("$^")).match((key or "").strip())
    if not m:
        raise ValueError(key)
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(key)
    key = key.strip()
    if kind == "week":
        week = int(m.group(2))
        if not 1 <= week <= _weeks_in(year):
            raise ValueError(key)
        start = dt.date.fromisocalendar(year, week, 1)
        return Period(kind, key, start, start + dt.timedelta(days=6))
    if kind == "month":
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(key)
        return Period(kind, key, dt.date(year, month, 1), _month_end(year, month))
    if kind == "quarter":
        q = int(m.group(2))
        return Period(kind, key, dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if kind == "half_year":
        h = int(m.group(2))
        return Period(kind, key, dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h))
    return Period(kind, key, dt.date(year, 1, 1), dt.date(year, 12, 31))


def is_key(kind: str, key: str) -> bool:
    try:
        parse(kind, key)
    except ValueError:
        return False
    return True


def key_of(kind: str, day: dt.date) -> str:
    """The key of the period of ``kind`` that contains ``day``."""
    if kind == "week":
        iso = day.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind == "half_year":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    check_kind(kind)
    return str(day.year)


def containing(kind: str, day: dt.date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    return parse(kind, key_of(kind, day))


def previous(kind: str, day: dt.date) -> Period:
    """The last period of ``kind`` that ended before ``day``."""
    return containing(kind, day).previous()


def bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the period of ``kind`` containing ``day``."""
    p = containing(kind, day)
    return p.start, p.end


def between(kind: str, start: dt.date, end: dt.date) -> list[Period]:
    """The periods of ``kind`` that overlap ``start`` … ``end``, in order."""
    out: list[Period] = []
    p = containing(kind, start)
    while p.start <= end:
        out.append(p)
        p = p.next()
    return out


def label(kind: str, key: str) -> str:
    """The Chinese label of ``key``, or ``key`` itself when it is not a period of ``kind``."""
    try:
        return parse(kind, key).label
    except ValueError:
        return key


def _label(p: Period) -> str:
    year = p.key[:4]
    if p.kind == "week":
        return f"{year}年第{int(p.key[6:])}周（{p.start.month}月{p.start.day}日—{p.end.month}月{p.end.day}日）"
    if p.kind == "month":
        return f"{year}年{p.start.month}月"
    if p.kind == "quarter":
        return f"{year}年第{CN_NUMBERS[int(p.key[6]) - 1]}季度"
    if p.kind == "half_year":
        return f"{year}年{'上' if p.key.endswith('1') else '下'}半年"
    return f"{year}年度"


def parts(kind: str, year: int | None = None) -> list[tuple[str, str]]:
    """The choices after the year on a period form (``[("W01", "第1周"), …]``, ``[("03", "3月") …]``);
    none for ``year``. Weeks: 52 or 53 depending on ``year`` (53 when it is not given)."""
    if kind == "week":
        n = _weeks_in(year) if year else 53
        return [(f"W{w:02d}", f"第{w}周") for w in range(1, n + 1)]
    if kind == "month":
        return [(f"{m:02d}", f"{m}月") for m in range(1, 13)]
    if kind == "quarter":
        return [(f"Q{q}", f"第{CN_NUMBERS[q - 1]}季度") for q in range(1, 5)]
    if kind == "half_year":
        return [("H1", "上半年"), ("H2", "下半年")]
    return []


def join_key(kind: str, year: str, part: str) -> str:
    """The key a period form's year and part selects (not checked: :func:`parse` does that)."""
    year, part = (year or "").strip(), (part or "").strip()
    return year if kind == "year" else f"{year}-{part}"
