"""The activities engine's public API for program plugins (assessments, dashboards, funds …).

Programs reach activities only through this module (never ``plugins.activities.service``).

Reads
-----
Each read takes a SQLAlchemy session: scoped to one tenant, or a
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

Queries of a program's own may select from :class:`Activity` / :class:`ActivityParticipant`
(read only) and must add :func:`visible_clause` for the principal.

Writes
------
Writes act for an :class:`Access` (``access_of(ctx)`` for the signed-in user,
``system_access()`` for demo data and jobs), flush, and leave the commit to the caller. Bad
input raises :class:`core.forms.FormErrors` keyed by the field names below with Chinese
messages, before anything is written; a refused state change is keyed ``status``; missing
rights raise ``PermissionDeniedException``.

Fields of an activity (:func:`create_activity`)
    ``activity_type`` (a key of :func:`activity_types`, required) · ``organizer``
    (``party_org:<id>``, ``cluster:<id>`` or ``tenant``, required) · ``title`` (required, ≤ 200)
    · ``date`` + ``start_time`` (``HH:MM``) [+ ``end_date``] + ``end_time`` — Asia/Shanghai wall
    clock; or ISO ``starts_at`` / ``ends_at`` instead · ``place`` · ``description`` ·
    ``speakers`` (one per line: ``姓名，单位，题目``) · ``minutes`` · ``co_organizers`` (a list of
    ``party_org:<id>`` / ``cluster:<id>``: the other organizers of a joint activity, ≤ 20; a type with
    ``joint=True`` needs one; the activity counts for them in :func:`count_by_organizer` and
    :func:`due`, and their people see it). One that has already started is recorded as held (已举行).

Example (a program recording a session from its own form)::

    from plugins.activities import api as activities

    a = activities.create_activity(session, activities.access_of(ctx), ctx.tenant, {
        "activity_type": "myprogram.lesson", "organizer": f"party_org:{po.id}", "title": "七月党课",
        "date": "2026-07-01", "start_time": "09:00", "end_time": "11:00"})
    activities.add_participants(session, activities.access_of(ctx), a, member_ids)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core import clock
from core.tenancy import TenantInfo
from plugins.activities import service as _svc
from plugins.activities.models import Activity, ActivityParticipant
from plugins.activities.types import (
    BRANCH_TYPES,
    ActivityType,
    AttendanceRate,
    Cadence,
    period_bounds,
    period_label,
)

__all__ = [
    "BRANCH_TYPES", "STATUSES", "Access", "Activity", "ActivityParticipant", "ActivityType", "AttendanceEntry", "AttendanceRate",
    "Cadence", "DueRow", "access_of", "activity_types", "add_participants", "attendance_rate", "count_by_organizer", "members_present",
    "create_activity", "due", "load_demo", "period_bounds", "period_label", "record_attendance", "system_access", "transition",
    "utc_range", "visible_clause",
]

OrganizerKey = tuple[str, int]
DueRow = _svc.DueRow
Access = _svc.Access
AttendanceEntry = _svc.AttendanceEntry
#: activity states, key → label (scheduled, held, cancelled)
STATUSES = _svc.STATUSES


def access_of(ctx) -> Access:
    """The signed-in principal of a request ``ctx``, with their activities rights."""
    return _svc.Access.of(ctx)


def system_access() -> Access:
    """A principal with every right in the tenant (demo data, scheduled jobs)."""
    return _svc.Access(None, frozenset({"activities:read", "activities:write", "registry:write"}))


def visible_clause(session: Session, access: Access) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Activity` limiting rows to those ``access`` may see."""
    return _svc.visible_clause(session, access)


def utc_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[first 00:00, last+1 00:00)`` Asia/Shanghai as aware UTC bounds for ``Activity.starts_at``."""
    return _svc.utc_range(first, last)


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


def members_present(session: Session, type_key: str | Iterable[str], period_start: dt.date,
                    period_end: dt.date) -> dict[int, Any]:
    """Per-person completion: member id → ``Presence(day, activity_id, title)`` of the first held
    activity of ``type_key`` (one key or several) in ``[period_start, period_end]`` at which the
    member was present (a required course: 001's 党风廉政 for secretaries and 积极分子)."""
    return _svc.members_present(session, type_key, period_start, period_end)


def due(session: Session, tenant: TenantInfo, today: dt.date, type_key: str = "") -> list[DueRow]:
    """For each cadence-bound type of ``tenant`` (or just ``type_key``): the period containing
    ``today`` and every obliged organizer with its ``held`` / ``scheduled`` counts;
    ``row.missing`` lists those that have not held it often enough yet."""
    return _svc.due_rows(session, tenant, _svc.types_for(tenant), today, type_key=type_key)


# --- writes ---------------------------------------------------------------------------------------


def create_activity(session: Session, access: Access, tenant: TenantInfo, fields: Mapping[str, Any],
                    now: dt.datetime | None = None) -> Activity:
    """Record an activity of ``tenant`` (fields: see the module docstring); ``now`` defaults to
    the clock and decides whether it is recorded as held or scheduled."""
    return _svc.create_activity(session, access, tenant, _svc.types_for(tenant), fields, now or clock.utcnow())


def transition(session: Session, access: Access, activity: Activity, action: str, now: dt.datetime | None = None,
               reason: str = "") -> Activity:
    """``hold`` (once it has started), ``cancel`` (``reason`` required, ≤ 200) or ``restore``."""
    return _svc.change_status(session, access, activity, action, now or clock.utcnow(), reason)


def add_participants(session: Session, access: Access, activity: Activity, member_ids: Iterable[Any] = (),
                     others: str = "", all_members: bool = False) -> list[ActivityParticipant]:
    """Add members by id (error key ``member_ids``), other people (``others``: one per line,
    ``姓名，单位``), or every party member of the organizer; duplicates are refused."""
    return _svc.add_participants(session, access, activity, member_ids, others, all_members)


def record_attendance(session: Session, access: Access, activity: Activity, entries: Iterable[AttendanceEntry],
                      now: dt.datetime | None = None) -> Activity:
    """Save attendance (:class:`AttendanceEntry`: ``present`` / ``absent`` once held, ``leave``
    with a reason and an optional decision ``yes`` / ``no``); a bad row changes nothing."""
    return _svc.record_attendance(session, access, activity, entries, now or clock.utcnow())


def load_demo(session: Session, tenant: TenantInfo, now: dt.datetime | None = None) -> None:
    """The engine's generic demo activities for ``tenant`` (once: it looks for its own rows); a program's
    demo calls it first when it builds on them."""
    from plugins.activities.demo import make_demo

    make_demo(session, tenant, now)
