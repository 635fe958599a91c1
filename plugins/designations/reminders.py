"""Reminders for the notifications of the core (``register_reminders``, run daily by the
``notify.reminders`` job): designations expiring within the tenant's ``expiry_warning_days``,
designations that expired in the last 30 days (so someone re-applies or lets them go), and
applications or assessment proposals waiting for review. Keys name the item and the occasion
(an extended expiry is a new occasion), so each reaches each recipient once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.notify.types import Reminder
from core.tenancy import TenantInfo
from plugins.designations import service as svc
from plugins.designations.models import Designation
from plugins.designations.types import LEVELS

EXPIRED_DAYS = 30
REVIEW = "designations:review"


def reminders(session: Session, tenant: TenantInfo, settings, today: dt.date) -> list[Reminder]:
    out = []
    for d in svc.expiring(session, today, settings.expiry_warning_days):
        out.append(Reminder(
            key=f"designations.expiry:{d.id}:{d.expires_on.isoformat()}:soon",
            title=f"{d.subject_name}的「{d.kind_label}」将于 {d.expires_on:%Y-%m-%d} 到期",
            body=f"{LEVELS.get(d.level, d.level)}，{d.awarded_on:%Y-%m-%d} 授予；到期前请组织复核或重新申报",
            link=f"designations/{d.id}", due=d.expires_on, permission=REVIEW))
    expired = session.scalars(select(Designation).where(
        Designation.status == "active", Designation.expires_on < today,
        Designation.expires_on >= today - dt.timedelta(days=EXPIRED_DAYS)).order_by(Designation.expires_on))
    for d in expired:
        out.append(Reminder(
            key=f"designations.expiry:{d.id}:{d.expires_on.isoformat()}:expired",
            title=f"{d.subject_name}的「{d.kind_label}」已于 {d.expires_on:%Y-%m-%d} 到期",
            body="称号已不再计入有效称号；如经复核继续保留，请修改有效期", link=f"designations/{d.id}",
            due=d.expires_on, overdue=True, permission=REVIEW))
    pending = session.scalars(select(Designation).where(Designation.status.in_(("applied", "proposed")))
                              .order_by(Designation.id))
    for d in pending:
        what = "考核提名待确认" if d.status == "proposed" else "称号申报待审核"
        key = f"designations.review:{d.id}" if d.status == "applied" else f"designations.proposal:{d.id}"
        out.append(Reminder(key=key, title=f"{what}：{d.subject_name}「{d.kind_label}」",
                            body=d.basis[:200], link=f"designations/{d.id}", permission=REVIEW))
    return out
