"""The indicators block's public API for program plugins (and other blocks).

Programs reach the block only through this module (never ``plugins.indicators.service``) and the
``register_indicators`` hook. Writes flush and leave the commit to the caller; bad input raises
:class:`core.forms.FormErrors` keyed by the field names below with Chinese messages, before
anything is written.

Register an indicator (a program giving the block's coverage rate its seed target, and one of
its own counted from the registry)::

    from core.hookspecs import hookimpl
    from plugins.indicators import api as indicators

    @hookimpl
    def register_indicators(tenant):
        return [
            indicators.with_default("indicators.coverage_social", "96.5", levels=("district",)),   # 001
            indicators.with_default("indicators.new_party_orgs", 38, levels=("district",)),
            indicators.Indicator("jinhua.industry_clusters", "产业示范集群数", "个",
                                 indicators.live_clusters(("jinhua.industry_cluster",)),
                                 default_target=1, default_levels=("district",)),          # 004: 每县 ≥ 1
        ]

Fields of a target (:func:`set_target`)
    ``indicator`` (key, required) · ``period_kind`` (``week`` | ``month`` | ``quarter`` |
    ``half_year`` | ``year``; default the indicator's) · ``period`` (``2026``, ``2026-Q1``,
    ``2026-W10`` …, required) · ``value`` (≥ 0, two decimals at most; ≤ 100 for ``%``) · ``note``.

Fields of an entered actual (:func:`enter_actual`, only for indicators without ``compute``)
    the same ``indicator`` / ``period_kind`` / ``period`` / ``value`` and ``evidence`` (required:
    what the figure rests on — 名单、文件文号); the period must have started.

Reads (:func:`figures`, :func:`rollup`) take a session that sees the tenant's subtree — in a
request ``ctx.read_rollup_session("indicators:read")`` and ``ctx.subtree()`` as ``scope``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core import periods
from core.tenancy import TenantInfo
from plugins.indicators import service as _svc
from plugins.indicators.builtin import BUILTINS
from plugins.indicators.models import IndicatorActual, IndicatorTarget
from plugins.indicators.sources import (
    coverage_rate,
    live_clusters,
    new_designations,
    new_party_orgs,
)
from plugins.indicators.types import Figure, Indicator

__all__ = [
    "BUILTINS", "Figure", "Indicator", "IndicatorActual", "IndicatorTarget", "coverage_rate", "enter_actual",
    "figures", "indicators_for", "live_clusters", "new_designations", "new_party_orgs", "rollup", "set_target", "with_default",
]


def with_default(key: str, value: Decimal | int | float | str, levels: Iterable[str] = (), **changes: Any
                 ) -> Indicator:
    """The block's built-in indicator ``key`` with a program's default target (at tenant ``levels``;
    empty: every level) and any other field changed (``label=…``); ``KeyError`` for an unknown key."""
    return dataclasses.replace(BUILTINS[key], default_target=value, default_levels=tuple(levels), **changes)


def indicators_for(tenant: TenantInfo) -> dict[str, Indicator]:
    """key → indicator of ``tenant`` (every enabled plugin's registrations)."""
    return _svc.indicators_for(tenant)


def figures(session: Session, tenant: TenantInfo, scope: Iterable[int], period_kind: str = "year",
            period: str = "", today: dt.date | None = None) -> list[Figure]:
    """Every indicator's :class:`Figure` (target, actual, gap, attainment) for ``tenant``'s subtree in
    one period (default: the current one of ``period_kind``)."""
    return _svc.table(session, tenant, scope, period_kind, period, today=today)[1]


def rollup(session: Session, tenant: TenantInfo, scope: Iterable[int], key: str, period_kind: str, period: str
           ) -> tuple[Figure, list[tuple[TenantInfo, Figure]]]:
    """Indicator ``key`` for ``tenant``'s subtree and for each child; ``ValueError`` for a bad period."""
    ind = _svc.get_indicator(tenant, key)
    total, rows = _svc.rollup(session, tenant, scope, ind, periods.parse(period_kind, period))
    return total, [(r.tenant, r.figure) for r in rows]


def set_target(session: Session, tenant: TenantInfo, fields: Mapping[str, Any]) -> IndicatorTarget:
    """Set (or replace) ``tenant``'s target for an indicator and period (fields: module docstring)."""
    return _svc.set_target(session, tenant, fields)


def enter_actual(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date,
                 username: str = "") -> IndicatorActual:
    """Enter (or replace) ``tenant``'s actual of an entered indicator, with evidence."""
    return _svc.enter_actual(session, tenant, fields, today, username)
