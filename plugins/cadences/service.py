"""Rules of the cadences block: recurrences (what to create — an assessment round of a template, or a
campaign from a campaign template —, how often, from which period, how many days after a period
starts) and the job that creates what is due, once per recurrence and period.

It reaches the engines only through their ``api.py`` (``plugins.assessment.api``,
``plugins.campaigns.api``). Writes flush and leave the commit to the caller; bad input raises
:class:`core.forms.FormErrors` with Chinese messages before anything is written.

Which periods are due (:func:`due_periods`): period P is due once ``today ≥ P.start + offset_days``
(a negative offset creates it before the period starts). The job creates the latest due period and
the ones before it that are missing, back to the recurrence's first period but never more than
:data:`MAX_CATCH_UP` at once (a worker that was down a long time does not flood the lists).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import periods
from core.db import extend_scope
from core.forms import FormErrors, text, text_problem
from core.plugins import registry
from core.tenancy import TenantInfo, tree
from plugins.cadences.models import Occurrence, Recurrence

log = logging.getLogger("liandong.cadences")

#: what a recurrence creates, and the engine plugin it needs
KINDS = {"assessment_round": "考核轮次", "campaign": "推进计划（任务到各单位）"}
ENGINES = {"assessment_round": "assessment", "campaign": "campaigns"}
ENGINE_LABELS = {"assessment": "考核评议", "campaigns": "推进计划"}
OWNERS = {"self": "本级", "children": "各下级单位"}
MAX_CATCH_UP = 3
OFFSET_RANGE = (-31, 92)


# --- templates the tenant's engines offer ---------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    period_kind: str | None  # fixed by the template (assessment), else chosen (campaigns)


def template_options(session: Session, tenant: TenantInfo, kind: str) -> dict[str, Option]:
    """key → template the recurrence may use (empty when the engine is not enabled)."""
    if not registry().is_enabled(tenant.id, ENGINES.get(kind, "")):
        return {}
    if kind == "assessment_round":
        from plugins.assessment import api as assessment

        return {k: Option(k, t.label, t.period_kind) for k, t in assessment.templates(session, tenant).items()}
    from plugins.campaigns import api as campaigns

    return {t.key: Option(t.key, t.label, None) for t in campaigns.templates(tenant)}


def kinds_for(tenant: TenantInfo) -> dict[str, str]:
    """The kinds ``tenant`` can set up (its engines enabled)."""
    return {k: v for k, v in KINDS.items() if registry().is_enabled(tenant.id, ENGINES[k])}


# --- recurrences ---------------------------------------------------------------------------------


def clean(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = text(raw, "kind")
    option = None
    if kind not in KINDS:
        errors["kind"] = "请选择要定期创建的内容（考核轮次或推进计划）"
    elif not registry().is_enabled(tenant.id, ENGINES[kind]):
        errors["kind"] = f"本辖区未启用「{ENGINE_LABELS[ENGINES[kind]]}」，不能定期创建{KINDS[kind]}"
    else:
        option = template_options(session, tenant, kind).get(text(raw, "template_key"))
        if option is None:
            errors["template_key"] = "请选择模板" if not text(raw, "template_key") else "模板不存在或未启用"
    period_kind = option.period_kind if option and option.period_kind else text(raw, "period_kind")
    if not errors.get("kind") and (kind == "campaign" or option) and period_kind not in periods.KINDS:
        errors["period_kind"] = "请选择周期（每周、每月、每季度、每半年、每年）"
    title = text(raw, "title") or (option.label if option else "")
    problem = text_problem(title)
    if problem:
        errors["title"] = f"名称{problem}"
    elif len(title) > 100:
        errors["title"] = "名称最多 100 个字符"
    start = None
    if period_kind in periods.KINDS:
        key = text(raw, "start_period") or periods.key_of(period_kind, today)
        try:
            start = periods.parse(period_kind, key)
        except ValueError:
            errors["start_period"] = (f"请填写有效的{periods.KINDS[period_kind]}期间，"
                                      f"如 {periods.key_of(period_kind, today)}")
    offset = 0
    raw_offset = text(raw, "offset_days") or "0"
    try:
        offset = int(raw_offset)
        if not OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]:
            raise ValueError
    except ValueError:
        errors["offset_days"] = f"提前或推后天数应为 {OFFSET_RANGE[0]}–{OFFSET_RANGE[1]} 之间的整数"
    owners = text(raw, "owners") or "self"
    if owners not in OWNERS:
        errors["owners"] = "请选择任务分配给本级还是各下级单位"
    elif owners == "children" and kind == "campaign" and not children_of(tenant):
        errors["owners"] = "本辖区没有下级单位，请选择本级"
    note = text(raw, "note")
    if text_problem(note):
        errors["note"] = f"备注{text_problem(note)}"
    elif len(note) > 5000:
        errors["note"] = "备注最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    assert option is not None and start is not None
    return {"kind": kind, "title": title, "template_key": option.key, "template_label": option.label,
            "period_kind": period_kind, "start_period": start.key, "offset_days": offset,
            "owners": owners if kind == "campaign" else "self",
            "auto_open": kind == "assessment_round" and text(raw, "auto_open") in ("1", "true", "on", "yes"),
            "note": note}


def create(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date) -> Recurrence:
    rec = Recurrence(tenant_id=tenant.id, active=True, **clean(session, tenant, raw, today))
    session.add(rec)
    session.flush()
    return rec


def set_active(session: Session, rec: Recurrence, active: bool) -> Recurrence:
    rec.active = active
    session.flush()
    return rec


def get(session: Session, rec_id: int) -> Recurrence:
    rec = session.get(Recurrence, rec_id)
    if rec is None:
        raise NotFoundException("周期安排不存在")
    return rec


def occurrences_of(session: Session, rec: Recurrence) -> list[Occurrence]:
    return list(session.scalars(select(Occurrence).where(Occurrence.recurrence_id == rec.id)
                                .order_by(Occurrence.period.desc())))


# --- what is due --------------------------------------------------------------------------------


def _latest_due(rec: Recurrence, today: dt.date) -> periods.Period:
    return periods.containing(rec.period_kind, today - dt.timedelta(days=rec.offset_days))


def due_periods(rec: Recurrence, today: dt.date) -> list[periods.Period]:
    """The periods due by ``today`` that the job may create, oldest first (at most MAX_CATCH_UP)."""
    start = periods.parse(rec.period_kind, rec.start_period)
    latest = _latest_due(rec, today)
    out: list[periods.Period] = []
    p = latest
    while p.start >= start.start and len(out) < MAX_CATCH_UP:
        out.append(p)
        p = p.previous()
    return out[::-1]


def next_due(rec: Recurrence, today: dt.date) -> tuple[periods.Period, dt.date]:
    """The next period to be created after today and the day it will be."""
    start = periods.parse(rec.period_kind, rec.start_period)
    nxt = _latest_due(rec, today).next()
    if nxt.start < start.start:
        nxt = start
    return nxt, nxt.start + dt.timedelta(days=rec.offset_days)


def children_of(tenant: TenantInfo) -> list[int]:
    return [c.id for c in tree().children.get(tenant.id, []) if not c.archived]


def _create_one(session: Session, tenant: TenantInfo, rec: Recurrence, period: periods.Period,
                today: dt.date) -> Occurrence:
    title = f"{period.label}{rec.title}"[:100]
    if rec.kind == "assessment_round":
        from plugins.assessment import api as assessment

        rnd = assessment.create_round(session, tenant, {"template": rec.template_key, "period": period.key,
                                                        "target_mode": "all", "title": title[:200]})
        if rec.auto_open:
            assessment.transition(session, tenant, rnd, "open")
        ref_id, ref_title = rnd.id, rnd.title
    else:
        from plugins.campaigns import api as campaigns

        owners = children_of(tenant) if rec.owners == "children" else [tenant.id]
        owners = [o for o in owners if o == tenant.id or registry().is_enabled(o, "campaigns")] or [tenant.id]
        extend_scope(session, owners)
        campaign = campaigns.create_campaign(session, tenant, {
            "title": title, "year": str(period.year), "start_on": period.start.isoformat(),
            "template_key": rec.template_key, "owners": [str(o) for o in owners],
            "description": f"按周期安排「{rec.title}」自动创建（{period.label}）"})
        ref_id, ref_title = campaign.id, campaign.title
    occ = Occurrence(tenant_id=tenant.id, recurrence_id=rec.id, period=period.key, created_on=today,
                     ref_kind=rec.kind, ref_id=ref_id, ref_title=ref_title)
    session.add(occ)
    session.flush()
    return occ


@dataclass
class RunResult:
    created: list[Occurrence]
    failed: dict[str, str]  # "<recurrence title> <period>" → reason


def run_due(session: Session, tenant: TenantInfo, today: dt.date, recurrence_id: int | None = None) -> RunResult:
    """Create every due occurrence of ``tenant``'s active recurrences (or of one) that does not
    exist yet. Idempotent: a period already created is skipped, so running twice creates nothing
    the second time. A refusal of the engine (a template gone, no targets) is logged and
    reported, the others go on; nothing of the refused one is written (a savepoint)."""
    stmt = select(Recurrence).where(Recurrence.tenant_id == tenant.id, Recurrence.active.is_(True))
    if recurrence_id is not None:
        stmt = stmt.where(Recurrence.id == recurrence_id)
    result = RunResult([], {})
    for rec in session.scalars(stmt.order_by(Recurrence.id)).all():
        if not registry().is_enabled(tenant.id, ENGINES.get(rec.kind, "")):
            continue
        have = set(session.scalars(select(Occurrence.period).where(Occurrence.recurrence_id == rec.id)))
        for period in due_periods(rec, today):
            if period.key in have:
                continue
            try:
                with session.begin_nested():
                    result.created.append(_create_one(session, tenant, rec, period, today))
            except FormErrors as exc:
                reason = "；".join(exc.errors.values())
                result.failed[f"{rec.title} {period.label}"] = reason
                log.warning("recurrence %s (%s) of tenant %s, period %s refused: %s", rec.id, rec.title,
                            tenant.id, period.key, reason)
    return result
