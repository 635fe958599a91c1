"""Published assessment results (read by other plugins through :mod:`plugins.assessment.api`).

Plain Python over a SQLAlchemy session; the session's scope decides which tenants' results
are seen (a street's session: its own; a district roll-up session: its subtree). Only
published rounds are visible here, and published rounds never change.

Example (funds: reward the groups graded 优秀 in 2026)::

    from plugins.assessment import api as assessment

    for r in assessment.published_results(session, template_key="dongfanghong.group_ranking", year=2026):
        if r.grade == "优秀":
            propose_reward(r.target_kind, r.target_id, reason=f"{r.round_title}第{r.rank}名")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from plugins.assessment.models import AssessmentRound, AssessmentSheet, AssessmentTemplateVersion
from plugins.assessment.types import template_value

__all__ = ["PublishedRound", "Result", "latest_result", "published_results", "published_round",
           "published_rounds"]


@dataclass(frozen=True)
class Result:
    """One target's published result in one round."""

    tenant_id: int
    round_id: int
    round_title: str
    template_key: str
    target_kind: str  # organization | party_org | cluster | member
    target_id: int  # id of the Organization / PartyOrg / Cluster / Member row
    target_name: str  # as it was when the round was opened
    total: Decimal  # rounded to the template's precision
    grade: str  # "优秀", "五星" … ("" if no band fits)
    rank: int  # standard competition ranking: 1, 2, 2, 4
    ranked: int  # how many targets the round ranked
    period_kind: str  # month | quarter | half_year | year
    period: str  # "2026-07", "2026-Q3", "2026-H2", "2026"
    period_start: dt.date
    period_end: dt.date
    published_at: dt.datetime


@dataclass(frozen=True)
class PublishedRound:
    """A published round with all its results (ordered by rank, then name)."""

    id: int
    tenant_id: int
    title: str
    template_key: str
    template_label: str
    target_kind: str
    cluster_type: str
    period_kind: str
    period: str
    period_start: dt.date
    period_end: dt.date
    published_at: dt.datetime
    grades: tuple[str, ...]  # the template's grade labels, best first
    full_marks: Decimal
    results: tuple[Result, ...]


def _select(template_key: str | None, target_kind: str | None, period: str | None, year: int | None,
            period_kind: str | None, round_id: int | None):
    stmt = (select(AssessmentSheet, AssessmentRound)
            .join(AssessmentRound, AssessmentRound.id == AssessmentSheet.round_id)
            .where(AssessmentRound.state == "published", AssessmentSheet.rank.is_not(None)))
    if template_key is not None:
        stmt = stmt.where(AssessmentRound.template_key == template_key)
    if target_kind is not None:
        stmt = stmt.where(AssessmentRound.target_kind == target_kind)
    if period is not None:
        stmt = stmt.where(AssessmentRound.period == period)
    if period_kind is not None:
        stmt = stmt.where(AssessmentRound.period_kind == period_kind)
    if year is not None:
        stmt = stmt.where(AssessmentRound.period_start >= dt.date(year, 1, 1),
                          AssessmentRound.period_start <= dt.date(year, 12, 31))
    if round_id is not None:
        stmt = stmt.where(AssessmentRound.id == round_id)
    return stmt.order_by(AssessmentRound.period_start.desc(), AssessmentRound.id.desc(), AssessmentSheet.rank,
                         AssessmentSheet.target_name, AssessmentSheet.id)


def _results(session: Session, stmt) -> list[Result]:
    rows = session.execute(stmt).all()
    counts: dict[int, int] = {}
    for _sheet, rnd in rows:
        counts[rnd.id] = counts.get(rnd.id, 0) + 1
    return [
        Result(tenant_id=rnd.tenant_id, round_id=rnd.id, round_title=rnd.title, template_key=rnd.template_key,
               target_kind=sheet.target_kind, target_id=sheet.target_id, target_name=sheet.target_name,
               total=sheet.total, grade=sheet.grade, rank=sheet.rank, ranked=counts[rnd.id],
               period_kind=rnd.period_kind, period=rnd.period, period_start=rnd.period_start,
               period_end=rnd.period_end, published_at=clock.aware(rnd.published_at))
        for sheet, rnd in rows
    ]


def published_results(session: Session, template_key: str | None = None, target_kind: str | None = None,
                      period: str | None = None, *, year: int | None = None, period_kind: str | None = None,
                      round_id: int | None = None, target_id: int | None = None) -> list[Result]:
    """Results of published rounds, newest period first, then by rank.

    Every filter is optional: ``template_key`` (e.g. "dongfanghong.group_ranking"),
    ``target_kind``, ``period`` (exact key "2026-Q3"), ``year`` (periods starting in that
    year), ``period_kind``, ``round_id``, ``target_id`` (with ``target_kind``). ``ranked``
    counts the whole round even when ``target_id`` narrows the rows.
    """
    results = _results(session, _select(template_key, target_kind, period, year, period_kind, round_id))
    if target_id is not None:
        results = [r for r in results if r.target_id == target_id]
    return results


def latest_result(session: Session, target_kind: str, target_id: int, template_key: str | None = None
                  ) -> Result | None:
    """The target's result in its most recent published round (of ``template_key``, if given)."""
    found = published_results(session, template_key, target_kind, target_id=target_id)
    return found[0] if found else None


def published_round(session: Session, round_id: int) -> PublishedRound | None:
    """One published round with its results; ``None`` if it is not published (or not visible)."""
    rnd = session.get(AssessmentRound, round_id)
    if rnd is None or rnd.state != "published":
        return None
    tmpl: AssessmentTemplateVersion = rnd.template
    return PublishedRound(
        id=rnd.id, tenant_id=rnd.tenant_id, title=rnd.title, template_key=rnd.template_key,
        template_label=tmpl.label, target_kind=rnd.target_kind, cluster_type=rnd.cluster_type,
        period_kind=rnd.period_kind, period=rnd.period, period_start=rnd.period_start, period_end=rnd.period_end,
        published_at=clock.aware(rnd.published_at), grades=tuple(label for label, _min in tmpl.grade_bands),
        full_marks=template_value(tmpl).full_marks,
        results=tuple(published_results(session, round_id=rnd.id)),
    )


def published_rounds(session: Session, template_key: str | None = None, target_kind: str | None = None,
                     period: str | None = None, *, year: int | None = None) -> list[PublishedRound]:
    """Published rounds (newest period first) with their results."""
    stmt = select(AssessmentRound.id).where(AssessmentRound.state == "published")
    if template_key is not None:
        stmt = stmt.where(AssessmentRound.template_key == template_key)
    if target_kind is not None:
        stmt = stmt.where(AssessmentRound.target_kind == target_kind)
    if period is not None:
        stmt = stmt.where(AssessmentRound.period == period)
    if year is not None:
        stmt = stmt.where(AssessmentRound.period_start >= dt.date(year, 1, 1),
                          AssessmentRound.period_start <= dt.date(year, 12, 31))
    ids = session.scalars(stmt.order_by(AssessmentRound.period_start.desc(), AssessmentRound.id.desc()))
    return [r for r in (published_round(session, i) for i in ids) if r is not None]
