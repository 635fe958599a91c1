"""Value types a plugin returns from ``register_indicators`` (see :mod:`plugins.indicators.hookspecs`).

An :class:`Indicator` is a figure a tenant is held to: its key, Chinese name, unit and how its
**actual** is obtained —

* ``compute(session, tenant_ids, period) -> Decimal | int | float | None``: counted from registry or
  engine data of ``tenant_ids`` (a tenant's whole subtree: a district's actual covers its streets)
  during ``period`` (a :class:`core.periods.Period`), through ``session`` (a permission-checked
  roll-up session that sees those tenants); ``None`` when there is nothing to measure (a rate
  over no organizations);
* no ``compute``: **entered** per tenant and period with evidence (说明与佐证) on the indicators
  page; ``rollup="sum"`` adds up the entries of a subtree for a tenant that entered none itself,
  ``rollup="own"`` shows only the tenant's own entry.

Its **target** per tenant and period is what the tenant set, else ``default_target`` — the seed's
figure a program provides (001: 社会组织党组织覆盖率 96.5%) — at the tenant levels in
``default_levels`` (empty: every level). ``direction`` says whether the actual must reach the
target (``at_least``, 覆盖率 ≥ 96.5%) or stay below it (``at_most``, 问题数 ≤ 5).

A registration with the key of an earlier one replaces it (plugins are asked in dependency order:
the indicators block's own first, then the programs), so a program gives a built-in indicator
its seed target with :func:`dataclasses.replace` (``plugins.indicators.api.with_default``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import periods

#: how an entered indicator rolls up a subtree
ROLLUPS = {"sum": "下级合计", "own": "仅本级"}
#: what counts as reaching the target
DIRECTIONS = {"at_least": "不低于目标", "at_most": "不高于目标"}
#: tenant levels a default target may be limited to (core.tenancy levels)
LEVELS = ("city", "district", "street", "community", "village", "park")

Compute = Callable[[Any, list[int], periods.Period], "Decimal | int | float | None"]

_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


@dataclass(frozen=True)
class Indicator:
    """``key``: ``"<plugin>.<name>"`` (stored with every target and entry, keep it stable);
    ``label``: Chinese name; ``unit``: ``%``, ``个``, ``人`` …; ``period_kind``: the period its
    targets are usually set for (``year`` …; any kind may be used); ``decimals``: shown decimals."""

    key: str
    label: str
    unit: str
    compute: Compute | None = None
    period_kind: str = "year"
    default_target: Decimal | int | float | str | None = None
    default_levels: tuple[str, ...] = ()
    direction: str = "at_least"
    rollup: str = "sum"
    decimals: int = 0
    description: str = ""
    group: str = ""
    order: int = 100

    def __post_init__(self) -> None:
        problems = []
        if not _KEY.match(self.key) or len(self.key) > 80:
            problems.append("key must look like '<plugin>.<name>' (lowercase, ≤ 80 characters)")
        if not self.label or len(self.label) > 100:
            problems.append("label must have 1–100 characters")
        if not self.unit or len(self.unit) > 10:
            problems.append("unit must have 1–10 characters")
        if self.period_kind not in periods.KINDS:
            problems.append(f"period_kind must be one of {list(periods.KINDS)}")
        if self.direction not in DIRECTIONS:
            problems.append(f"direction must be one of {list(DIRECTIONS)}")
        if self.rollup not in ROLLUPS:
            problems.append(f"rollup must be one of {list(ROLLUPS)}")
        if not 0 <= self.decimals <= 2:
            problems.append("decimals must be 0, 1 or 2")
        if any(level not in LEVELS for level in self.default_levels):
            problems.append(f"default_levels must be among {list(LEVELS)}")
        if self.default_target is not None:
            try:
                value = Decimal(str(self.default_target))
            except ArithmeticError:
                problems.append("default_target must be a number")
            else:
                if not value.is_finite() or value < 0:
                    problems.append("default_target must be a non-negative number")
                object.__setattr__(self, "default_target", value)
        if problems:
            raise ValueError(f"indicator {self.key!r}: " + "; ".join(problems))

    @property
    def computed(self) -> bool:
        return self.compute is not None

    def default_for(self, level: str) -> Decimal | None:
        """The program's default target for a tenant of ``level`` (None: none at that level)."""
        if self.default_target is None or (self.default_levels and level not in self.default_levels):
            return None
        return self.default_target  # type: ignore[return-value]


@dataclass(frozen=True)
class Figure:
    """An indicator's figures for one tenant (its subtree) and period.

    ``target_source``: ``tenant`` (set by the tenant), ``default`` (the program's seed figure) or
    ``""`` (none); ``actual_source``: ``computed``, ``entered`` (the tenant's own entry),
    ``rollup`` (sum of the subtree's entries) or ``""`` (nothing yet). ``gap`` = actual − target
    (negative: short of an ``at_least`` target); ``attainment`` = actual ÷ target in percent
    (target ÷ actual for ``at_most``), ``met`` whether the target is reached."""

    indicator: Indicator
    tenant_id: int
    period: periods.Period
    target: Decimal | None
    target_source: str
    target_id: int | None
    actual: Decimal | None
    actual_source: str
    actual_id: int | None = None
    evidence: str = ""

    @property
    def gap(self) -> Decimal | None:
        if self.target is None or self.actual is None:
            return None
        return self.actual - self.target

    @property
    def attainment(self) -> Decimal | None:
        if self.target is None or self.actual is None:
            return None
        if self.indicator.direction == "at_most":
            if self.actual == 0:
                return Decimal(100) if self.target >= 0 else None
            return (self.target * 100 / self.actual).quantize(Decimal("0.1"))
        if self.target == 0:
            return Decimal(100)
        return (self.actual * 100 / self.target).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool | None:
        if self.target is None or self.actual is None:
            return None
        return self.actual >= self.target if self.indicator.direction == "at_least" else self.actual <= self.target


def as_decimal(value: Any, decimals: int = 2) -> Decimal | None:
    """A computed value as a Decimal rounded half-up to ``decimals`` (None stays None)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))


def at(day: dt.date, period: periods.Period) -> dt.date:
    """The day a point-in-time figure (a rate) is read for ``period``: its end, or ``day`` while it runs."""
    return min(period.end, day)
