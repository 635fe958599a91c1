"""The activities engine's Python API for other plugins (assessments, dashboards, funds …).

Stable, read-only functions. Each takes a SQLAlchemy session: scoped to one tenant, or a
roll-up session over a subtree (``ctx.rollup_session(...)``) to count across tenants — keys
stay unique because party org and cluster ids are global and the tenant key is the tenant id.

Organizer keys are ``(kind, id)``: ``("party_org", party_org_id)``, ``("cluster", cluster_id)``
or ``("tenant", tenant_id)``. Periods are Asia/Shanghai calendar dates, both ends inclusive;
an activity belongs to the period of its local start date. Only held (已举行) activities count,
unless ``statuses`` says otherwise. Organizers with nothing in the period are absent from the
returned dicts (use ``.get(key, 0)``).

Example (an assessment scoring 主题党日 in the first quarter)::

    from plugins.activities import api as activities

    held = activities.count_by_organizer(session, "theme_day", date(2026, 1, 1), date(2026, 3, 31))
    score = {po.id: min(held.get(("party_org", po.id), 0), 3) for po in party_orgs}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.activities import service as _svc
from plugins.activities.types import ActivityType, AttendanceRate, period_bounds, period_label

__all__ = [
    "ActivityType", "AttendanceRate", "DueRow", "activity_types", "attendance_rate", "count_by_organizer",
    "due", "period_bounds", "period_label",
]

OrganizerKey = tuple[str, int]
DueRow = _svc.DueRow


def activity_types(tenant: TenantInfo) -> list[ActivityType]:
    """The tenant's activity types (built-ins per its settings plus its programs'), ordered."""
    return list(_svc.types_for(tenant).types)


def count_by_organizer(session: Session, type_key: str | Iterable[str] | None, period_start: dt.date,
                       period_end: dt.date, *, statuses: Iterable[str] = ("held",)) -> dict[OrganizerKey, int]:
    """How many activities of ``type_key`` (one key, several, or ``None`` for all types) each
    organizer held with a local start date in ``[period_start, period_end]``."""
    return _svc.count_by_organizer(session, type_key, period_start, period_end, statuses)


def attendance_rate(session: Session, type_key: str | Iterable[str] | None, period_start: dt.date,
                    period_end: dt.date) -> dict[OrganizerKey, AttendanceRate]:
    """Attendance figures per organizer over its held activities of ``type_key`` in the period.

    ``AttendanceRate.rate`` is present / expected (应到 = present + absent + leaves not
    approved), ``None`` when nobody was expected; ``.present``, ``.absent``, ``.leave_approved``
    … give the counts behind it.
    """
    return _svc.attendance_by_organizer(session, type_key, period_start, period_end)


def due(session: Session, tenant: TenantInfo, today: dt.date, type_key: str = "") -> list[DueRow]:
    """For each cadence-bound type of ``tenant`` (or just ``type_key``): the period containing
    ``today`` and every obliged organizer with its ``held`` / ``scheduled`` counts;
    ``row.missing`` lists those that have not held it often enough yet."""
    return _svc.due_rows(session, tenant, _svc.types_for(tenant), today, type_key=type_key)
