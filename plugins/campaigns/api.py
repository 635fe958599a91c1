"""The campaigns engine's public API for program plugins: campaigns (推进计划) and their tasks.

Programs reach campaigns only through this module (never ``plugins.campaigns.service``). A
campaign and its phases belong to the tenant that runs it; each task row belongs to its owner
tenant, so writing tasks for streets needs a session whose scope covers them
(``ctx.rollup_session``). Functions flush; the caller commits.

Writes raise :class:`core.forms.FormErrors` keyed by the field names below, Chinese messages; a
refused state change is keyed ``status``. Nothing is half-saved.

Fields of a campaign (:func:`create_campaign`)
    ``title`` (required, ≤ 100) · ``year`` (2000–2100, required) · ``start_on`` (ISO date,
    default 1 January of ``year``) · ``description`` (≤ 5000) · ``template_key`` (a
    :class:`CampaignTemplate` a program of the tenant registers: its phases and tasks are
    copied) · ``owners`` (tenant ids of the tenant or its descendants; default the tenant).

Task actions (:func:`transition`)
    ``start`` · ``complete`` (field ``evidence`` required, ``completed_on`` default today, not
    in the future) · ``cancel`` (field ``reason`` required) · ``reopen``.

Example (a program starting its yearly plan and closing the first task)::

    from plugins.campaigns import api as campaigns

    c = campaigns.create_campaign(session, tenant, {"title": "2026年推进计划", "year": "2026",
                                                    "template_key": "myprogram.plan"})
    first = campaigns.tasks_of(session, c)[0]
    campaigns.transition(session, first, "complete", {"evidence": "已召开动员会"}, today)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.campaigns import service as _svc
from plugins.campaigns.models import Campaign, CampaignTask
from plugins.campaigns.types import CampaignTemplate, PhaseTemplate, TaskTemplate

__all__ = [
    "OPEN_STATUSES", "TASK_STATUSES", "Campaign", "CampaignTask", "CampaignTemplate", "PhaseTemplate",
    "TaskTemplate", "create_campaign", "inherited_obligations", "overdue_tasks", "parse_deadline", "pending_reports",
    "reports_submitted_by", "submission_status", "tasks_of", "templates", "transition",
]

#: task states, key → label
TASK_STATUSES = _svc.TASK_STATUSES
#: the states of a task that is not finished (todo, in_progress)
OPEN_STATUSES = _svc.OPEN_STATUSES


def templates(tenant: TenantInfo) -> list[CampaignTemplate]:
    """The campaign templates ``tenant``'s enabled programs register."""
    return _svc.templates_for(tenant)


def create_campaign(session: Session, tenant: TenantInfo, fields: Mapping[str, Any]) -> Campaign:
    """Start a campaign of ``tenant`` (fields: see the module docstring)."""
    return _svc.create_campaign(session, tenant, fields)


def tasks_of(session: Session, campaign: Campaign) -> list[CampaignTask]:
    """The campaign's tasks visible to ``session``, by phase, deadline and id."""
    return _svc.campaign_tasks(session, campaign)


def transition(session: Session, task: CampaignTask, action: str, fields: Mapping[str, Any],
               today: dt.date) -> CampaignTask:
    """Move ``task`` along its state machine (actions: see the module docstring)."""
    return _svc.transition(session, task, action, fields, today)


def overdue_tasks(session: Session, today: dt.date) -> list[CampaignTask]:
    """Open tasks past their deadline among the session's tenants, earliest deadline first."""
    return _svc.overdue_tasks(session, today)


def parse_deadline(text: str, year: int) -> dt.date:
    """A date from what plans say (``"2026-04-15"``, ``"4月中旬"``, ``"6月底"``, ``"全年"``) in
    ``year``; ``ValueError`` with a Chinese message otherwise."""
    return _svc.parse_deadline(text, year)


def inherited_obligations(tenant: TenantInfo, user_id: int | None = None) -> list:
    """Active report obligations ``tenant`` must report on (set by its parent, or itself)."""
    return _svc.inherited_obligations(tenant, user_id)


def pending_reports(session: Session, tenant: TenantInfo, today: dt.date, user_id: int | None = None) -> list:
    """(obligation, period, due date) that ``tenant`` has not reported yet."""
    return _svc.pending_reports(session, tenant, today, user_id)


def submission_status(session: Session, obligation: Any, period: str, today: dt.date) -> list:
    """Who has, has not, or late reported ``period`` of ``obligation`` (a session that sees the
    submitters)."""
    return _svc.submission_status(session, obligation, period, today)


def reports_submitted_by(session: Session, user_id: int, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """(submitted on, obligation title and period) of the reports ``user_id`` filed for the
    session's tenant between ``first`` and ``last`` (inclusive), oldest first — e.g. a program
    counting what its staff reported (DFH-2 过程动态必报)."""
    from sqlalchemy import select

    from plugins.campaigns.models import CampaignReport

    rows = session.execute(select(CampaignReport.submitted_on, CampaignReport.obligation_title, CampaignReport.period)
                           .where(CampaignReport.submitted_by_id == user_id, CampaignReport.submitted_on >= first,
                                  CampaignReport.submitted_on <= last)
                           .order_by(CampaignReport.submitted_on, CampaignReport.id)).all()
    return [(on, f"{title}（{period}）") for on, title, period in rows]
