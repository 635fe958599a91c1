"""The cadences block's public API for program plugins: recurrences and the job that creates what is due.

Programs reach the block only through this module (never ``plugins.cadences.service``). A program
that states a cadence (001 NH-3: 一月一检查、一季一考核、半年一讲评) sets its recurrences up as defaults
when a tenant enables it — the tenant may stop or change them on the 周期安排 page::

    from core import clock
    from core.hookspecs import hookimpl
    from plugins.cadences import api as cadences

    @hookimpl
    def on_plugin_enabled(session, tenant, plugin):
        if plugin != "nanhu":
            return
        have = {r.template_key for r in cadences.recurrences(session, tenant)}
        for key in ("nanhu.monthly_check", "nanhu.quarterly_assessment", "nanhu.half_year_review"):
            if key not in have:
                cadences.create_recurrence(session, tenant, {"kind": "assessment_round", "template_key": key},
                                           clock.today())

Fields of a recurrence (:func:`create_recurrence`)
    ``kind`` (``assessment_round`` | ``campaign``, required; the tenant must run that engine) ·
    ``template_key`` (an assessment template — it fixes the period kind — or a campaign template,
    required) · ``title`` (≤ 100, default the template's label) · ``period_kind`` (campaigns:
    ``week`` … ``year``) · ``start_period`` (default the current period) · ``offset_days`` (−31 …
    92, default 0: the day the period starts) · ``owners`` (campaigns: ``self`` | ``children``) ·
    ``auto_open`` (assessment rounds: open at once) · ``note``.

Writes flush and leave the commit to the caller; bad input raises :class:`core.forms.FormErrors`
keyed by these names with Chinese messages, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.cadences import service as _svc
from plugins.cadences.models import Occurrence, Recurrence

__all__ = ["KINDS", "Occurrence", "Recurrence", "create_recurrence", "due_periods", "next_due", "recurrences",
           "run_due"]

#: what a recurrence creates, key → label
KINDS = _svc.KINDS


def recurrences(session: Session, tenant: TenantInfo) -> list[Recurrence]:
    """``tenant``'s recurrences, active or not."""
    return list(session.scalars(select(Recurrence).where(Recurrence.tenant_id == tenant.id).order_by(Recurrence.id)))


def create_recurrence(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date) -> Recurrence:
    """Set up a recurrence for ``tenant`` (fields: see the module docstring)."""
    return _svc.create(session, tenant, fields, today)


def due_periods(rec: Recurrence, today: dt.date) -> list:
    """The periods due by ``today`` the job may create (oldest first, at most three)."""
    return _svc.due_periods(rec, today)


def next_due(rec: Recurrence, today: dt.date) -> tuple:
    """(the next period to create after today, the day it will be created)."""
    return _svc.next_due(rec, today)


def run_due(session: Session, tenant: TenantInfo, today: dt.date) -> list[Occurrence]:
    """Create what is due for ``tenant`` now (what the daily job does), once per period."""
    return _svc.run_due(session, tenant, today).created
