"""The list dashboard's numbers for a tenant and the district roll-up per street."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from core.tenancy import TenantInfo, tree
from plugins.lists.models import ListDemand, ListWork
from plugins.lists.states import OPEN_STATUSES, SOLVED_STATUSES, WORK_ACTIVE
from plugins.lists.types import EffectiveScheme


@dataclass
class Row:
    key: str
    label: str
    submitted: int = 0
    solved: int = 0
    open: int = 0


@dataclass
class Counters:
    year: int
    submitted: int = 0
    solved: int = 0
    open: int = 0
    overdue: int = 0
    escalated_pending: int = 0
    on_time: int = 0
    avg_days: float | None = None
    avg_rating: float | None = None
    rated: int = 0
    works_active: int = 0
    works_overdue: int = 0
    by_category: list[Row] = field(default_factory=list)
    by_triage: list[Row] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.solved, 1) if self.solved else None


def _rows(order: Iterable[tuple[str, str]], found: Iterable[str], labels: Mapping[str, str],
          none_label: str) -> dict[str, Row]:
    rows = {k: Row(k, v) for k, v in order}
    for k in found:
        if k not in rows:
            rows[k] = Row(k, labels.get(k, k) if k else none_label)
    return rows


def counters(session: Session, scheme: EffectiveScheme, today: dt.date, year: int | None = None,
             organization_ids: Iterable[int] | None = None) -> Counters:
    """The list dashboard's numbers for ``year`` (default: today's) over the session's scope.

    *Solved this year* counts demands resolved (or resolved and rated) in the year; the average
    time to close is the mean of ``resolved_on − submitted_on`` in days over those. ``open`` and
    ``overdue`` are as of ``today``. Programs pass ``organization_ids`` for a group's share.
    """
    year = year or today.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    scope = true() if organization_ids is None else ListDemand.organization_id.in_(list(organization_ids))
    out = Counters(year=year)
    cols = (ListDemand.category, ListDemand.triage_level, ListDemand.status, ListDemand.submitted_on,
            ListDemand.resolved_on, ListDemand.due_on, ListDemand.rating, ListDemand.rated_on,
            ListDemand.escalation_status)
    rows = session.execute(select(*cols).where(scope, or_(
        and_(ListDemand.submitted_on >= start, ListDemand.submitted_on <= end),
        and_(ListDemand.resolved_on >= start, ListDemand.resolved_on <= end),
        ListDemand.status.in_(OPEN_STATUSES)))).all()
    cats = _rows(((c.key, c.label) for c in scheme.categories), (r.category for r in rows),
                 scheme.labels["categories"], "未分类")
    levels = _rows(((c.key, c.label) for c in scheme.triage_levels), (r.triage_level for r in rows),
                   scheme.labels["triage_levels"], "未分级")
    days: list[int] = []
    ratings: list[int] = []
    for r in rows:
        if start <= r.submitted_on <= end:
            out.submitted += 1
            cats[r.category].submitted += 1
            levels[r.triage_level].submitted += 1
        if r.status in OPEN_STATUSES:
            out.open += 1
            cats[r.category].open += 1
            levels[r.triage_level].open += 1
            if r.due_on < today:
                out.overdue += 1
            if r.escalation_status == "pending":
                out.escalated_pending += 1
        if r.status in SOLVED_STATUSES and r.resolved_on is not None and start <= r.resolved_on <= end:
            out.solved += 1
            cats[r.category].solved += 1
            levels[r.triage_level].solved += 1
            days.append((r.resolved_on - r.submitted_on).days)
            if r.resolved_on <= r.due_on:
                out.on_time += 1
        if r.rating is not None and r.rated_on is not None and start <= r.rated_on <= end:
            ratings.append(r.rating)
    out.avg_days = round(sum(days) / len(days), 1) if days else None
    out.avg_rating = round(sum(ratings) / len(ratings), 2) if ratings else None
    out.rated = len(ratings)
    out.by_category = [r for r in cats.values() if r.key in scheme.labels["categories"] or r.submitted
                       or r.solved or r.open]
    out.by_triage = [r for r in levels.values() if r.key in scheme.labels["triage_levels"] or r.submitted
                     or r.solved or r.open]
    wscope = true() if organization_ids is None else ListWork.demand_id.in_(select(ListDemand.id).where(scope))
    out.works_active = session.scalar(select(func.count(ListWork.id)).where(
        wscope, ListWork.status.in_(WORK_ACTIVE))) or 0
    out.works_overdue = session.scalar(select(func.count(ListWork.id)).where(
        wscope, ListWork.status.in_(WORK_ACTIVE), ListWork.deadline < today)) or 0
    return out


@dataclass
class TenantRow:
    tenant: TenantInfo
    open: int = 0
    overdue: int = 0
    solved: int = 0
    escalated: int = 0


def rollup(session: Session, tenant_ids: Iterable[int], today: dt.date, year: int | None = None,
           escalated_to: int | None = None) -> list[TenantRow]:
    """Per tenant of ``tenant_ids`` (a session over a subtree): open, overdue and solved this year,
    and how many it escalated to ``escalated_to`` that still wait for an answer."""
    year = year or today.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t = tree()
    out = {tid: TenantRow(t.by_id[tid]) for tid in tenant_ids if tid in t.by_id}
    rows = session.execute(select(ListDemand.tenant_id, ListDemand.status, ListDemand.due_on,
                                  ListDemand.resolved_on, ListDemand.escalated_to_id, ListDemand.escalation_status)
                           .where(ListDemand.tenant_id.in_(list(out)), or_(
                               ListDemand.status.in_(OPEN_STATUSES),
                               and_(ListDemand.resolved_on >= start, ListDemand.resolved_on <= end))))
    for tid, status, due_on, resolved_on, esc_to, esc_status in rows:
        row = out[tid]
        if status in OPEN_STATUSES:
            row.open += 1
            row.overdue += due_on < today
        elif resolved_on is not None:
            row.solved += 1
        if escalated_to is not None and esc_to == escalated_to and esc_status == "pending":
            row.escalated += 1
    return sorted(out.values(), key=lambda r: (-r.overdue, -r.open, r.tenant.name))
