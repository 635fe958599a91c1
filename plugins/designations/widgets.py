"""The dashboard card (designations in force by kind and level, pending reviews, expiring soon,
organizations on the blacklist) and the panels on a subject's detail page."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.plugin_types import Widget
from core.tenancy import TenantInfo
from plugins.designations import service as svc
from plugins.designations.models import BlacklistEntry
from plugins.designations.types import LEVELS

READ = "designations:read"


def dashboard_widget(session: Session, tenant: TenantInfo, settings) -> Widget:
    today = clock.today()
    rows: dict[str, dict] = {}
    for kind, label, level, n in svc.counts(session, today):
        row = rows.setdefault(kind, {"kind": kind, "label": label, "levels": {}, "total": 0})
        row["levels"][level] = n
        row["total"] += n
    listed = session.scalar(select(func.count(BlacklistEntry.id)).where(BlacklistEntry.lifted_on.is_(None))) or 0
    return Widget("称号与监管黑名单", "designations:Widget", {
        "rows": sorted(rows.values(), key=lambda r: (-r["total"], r["label"])), "levels": LEVELS,
        "pending": svc.pending_count(session), "expiring": len(svc.expiring(session, today,
                                                                             settings.expiry_warning_days)),
        "blacklisted": int(listed), "base": f"/t/{tenant.slug}/designations"}, permission=READ, order=60)


def detail_panels(session: Session, tenant: TenantInfo, subject_kind: str, subject_id: int) -> list[Widget]:
    """The subject's designations (every status) and, for an organization, its blacklist entries;
    for a party org also the blacklist entries that block it."""
    today = clock.today()
    rows = svc.of_subject(session, subject_kind, subject_id)
    entries = []
    if subject_kind == "organization":
        entries = list(session.scalars(select(BlacklistEntry).where(BlacklistEntry.organization_id == subject_id)
                                       .order_by(BlacklistEntry.listed_on.desc(), BlacklistEntry.id.desc())))
    blocking = svc.blocking_entries(session, tenant, subject_kind, subject_id)
    blocked = svc.blocked_message(session, blocking) if blocking else ""
    return [Widget("称号与监管黑名单", "designations:Panel", {
        "rows": rows, "statuses": {d.id: svc.view_status(d, today) for d in rows}, "labels": svc.VIEW_STATUSES,
        "levels": LEVELS, "entries": entries, "blocked": blocked, "base": f"/t/{tenant.slug}/designations",
        "subject": f"{subject_kind}:{subject_id}", "subject_kind": subject_kind, "subject_id": subject_id},
        permission=READ, order=50)]
