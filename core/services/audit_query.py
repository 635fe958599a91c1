"""Reading the audit log: filters and pagination over a tenant's subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import search
from core.clock import SHANGHAI
from core.models import AuditEntry

PAGE_SIZE = 50


@dataclass
class AuditFilter:
    user: str = ""
    tenant_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1


def _in_scope(scope: tuple[int, ...], include_platform: bool) -> list:
    if include_platform:
        return [or_(AuditEntry.tenant_id.in_(scope), AuditEntry.tenant_id.is_(None))]
    return [AuditEntry.tenant_id.in_(scope)]


def actions_in(session: Session, scope: tuple[int, ...], include_platform: bool) -> list[str]:
    """The distinct actions the log of ``scope`` holds (the operations a filter offers)."""
    return list(session.scalars(select(AuditEntry.action).where(*_in_scope(scope, include_platform)).distinct()))


def query_audit(session: Session, scope: tuple[int, ...], f: AuditFilter, include_platform: bool):
    """Entries of the tenants in ``scope`` (plus platform-level ones for platform admins)."""
    where = _in_scope(scope, include_platform)
    if f.user:
        where.append(AuditEntry.username == f.user)
    if f.tenant_id is not None:
        where.append(AuditEntry.tenant_id == f.tenant_id)
    if f.action:
        where.append(search.starts_with(f.action, AuditEntry.action))
    if f.date_from:
        start = dt.datetime.combine(f.date_from, dt.time(), SHANGHAI)
        where.append(AuditEntry.created_at >= start)
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), SHANGHAI)
        where.append(AuditEntry.created_at < end)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(
        select(AuditEntry)
        .where(*where)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(f.page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total
