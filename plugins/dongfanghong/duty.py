"""DFH-2: the 专干's 必到 / 必报 / 必帮 record, derived from what happened.

The seed (000) asks the street's 专干 "联组会议活动必到、过程动态必报、企业困难必帮". What the
system sees counts by itself; a manual entry (``DutyEntry``) is only for what it cannot see:

- 必到 (``attend``): held activities of the group or of its party orgs (联组会商 first among them)
  where the 专干 is a participant marked present. The activities engine records participants as
  members or named people, a 专干 is a user: the participant's name is matched against the
  user's shown name (``display_name``, else the username).
- 必帮 (``help``): demands of the group's organizations (the lists' ``cluster_org_ids``) brought to
  a close (已解决 / 已评价, dated by ``resolved_on``) that the 专干 handled — took in (专干代录),
  owned or claimed a work item of.
- 必报 (``report``): reports the 专干 filed — the campaigns' report obligations they submitted,
  and the minutes (纪要) of the group's held activities they recorded.

A finished month with fewer than the tenant setting ``duty_min_per_month`` of a kind (default 1,
0 switches the rule off — the seed states no number) is a gap; the current month is pending.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock
from core.models import User
from core.registry.models import Cluster

#: the plugins whose records the derivation reads
SOURCES_FROM = ("activities", "lists", "campaigns")
DUTY_KINDS = {"attend": "会议活动必到", "report": "过程动态必报", "help": "企业困难必帮"}
SOURCES = {"activity": "活动签到", "minutes": "活动纪要", "demand": "需求办结", "report": "工作报送",
           "manual": "手工补录"}
SOLVED = ("resolved", "rated")


@dataclass(frozen=True)
class DutyEvent:
    kind: str  # DUTY_KINDS
    on: dt.date
    title: str
    source: str  # SOURCES
    ref: str = ""  # "activities/<id>", "lists/demands/<id>" … (a path under the tenant) or ""


@dataclass(frozen=True)
class ChecklistCell:
    month: dt.date
    kind: str
    count: int
    gap: bool  # a finished month with fewer than the required number
    pending: bool  # current month, not yet enough (not a gap yet)
    derived: int = 0  # how many of ``count`` the system saw by itself


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` months ending with ``today``'s month, oldest first."""
    out = []
    y, m = today.year, today.month
    for _ in range(count):
        out.append(dt.date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def duty_checklist(entries: Iterable[tuple], months: Sequence[dt.date], today: dt.date,
                   minimum: int = 1) -> dict[dt.date, dict[str, ChecklistCell]]:
    """Per month and duty kind: how many events, and whether the month has a gap.

    ``entries``: (kind, date) or (kind, date, source) tuples. A month that has ended with fewer
    than ``minimum`` events of a kind is a gap; the current month short of it is pending; future
    months are neither. ``minimum`` 0: no gaps at all.
    """
    counts: Counter = Counter()
    derived: Counter = Counter()
    for e in entries:
        key = (e[0], month_start(e[1]))
        counts[key] += 1
        if len(e) > 2 and e[2] != "manual":
            derived[key] += 1
    current = month_start(today)
    out: dict[dt.date, dict[str, ChecklistCell]] = {}
    for m in months:
        row = {}
        for kind in DUTY_KINDS:
            n = counts.get((kind, m), 0)
            short = n < minimum
            row[kind] = ChecklistCell(m, kind, n, gap=short and m < current, pending=short and m == current,
                                      derived=derived.get((kind, m), 0))
        out[m] = row
    return out


def _names(user: User) -> set[str]:
    return {n for n in ((user.display_name or "").strip(), user.username) if n}


def derived_events(session: Session, cluster: Cluster, user: User, pids: Sequence[int], first: dt.date,
                   last: dt.date, enabled: Iterable[str] = ("activities", "lists", "campaigns")) -> list[DutyEvent]:
    """What the system saw the 专干 ``user`` do for ``cluster`` (whose party orgs are ``pids``)
    between ``first`` and ``last`` (inclusive, Asia/Shanghai dates), oldest first."""
    enabled = set(enabled)
    out: list[DutyEvent] = []
    if "activities" in enabled:
        from plugins.activities.api import Activity, ActivityParticipant, utc_range

        start, end = utc_range(first, last)
        own = [Activity.cluster_id == cluster.id]
        if pids:
            own.append(Activity.party_org_id.in_(pids))
        base = select(Activity).where(or_(*own), Activity.status == "held", Activity.starts_at >= start,
                                      Activity.starts_at < end)
        present = select(ActivityParticipant.activity_id).where(
            ActivityParticipant.attendance == "present", ActivityParticipant.name.in_(sorted(_names(user))))
        for a in session.scalars(base.where(Activity.id.in_(present))):
            out.append(DutyEvent("attend", clock.local(a.starts_at).date(), a.title, "activity", f"activities/{a.id}"))
        for a in session.scalars(base.where(Activity.created_by_id == user.id, Activity.minutes != "")):
            out.append(DutyEvent("report", clock.local(a.starts_at).date(), f"{a.title}（纪要）", "minutes",
                                 f"activities/{a.id}"))
    if "lists" in enabled:
        from plugins.lists.api import ListDemand, ListWork, cluster_org_ids

        works = select(ListWork.demand_id).where(or_(ListWork.owner_user_id == user.id,
                                                     ListWork.claimed_by_id == user.id))
        rows = session.scalars(select(ListDemand).where(
            ListDemand.organization_id.in_(cluster_org_ids(cluster.id, last)), ListDemand.status.in_(SOLVED),
            ListDemand.resolved_on >= first, ListDemand.resolved_on <= last,
            or_(ListDemand.submitted_by_id == user.id, ListDemand.id.in_(works))))
        for d in rows:
            out.append(DutyEvent("help", d.resolved_on, f"{d.org_name}：{d.title}", "demand", f"lists/demands/{d.id}"))
    if "campaigns" in enabled:
        from plugins.campaigns.api import reports_submitted_by

        for on, title in reports_submitted_by(session, user.id, first, last):
            out.append(DutyEvent("report", on, title, "report", "campaigns/reports"))
    return sorted(out, key=lambda e: (e.on, e.kind, e.title))


def manual_events(session: Session, cluster: Cluster, first: dt.date, last: dt.date) -> list[DutyEvent]:
    from plugins.dongfanghong.models import DutyEntry

    rows = session.execute(select(DutyEntry.kind, DutyEntry.occurred_on, DutyEntry.title).where(
        DutyEntry.cluster_id == cluster.id, DutyEntry.occurred_on >= first, DutyEntry.occurred_on <= last))
    return [DutyEvent(k, on, title, "manual") for k, on, title in rows]


def combine(manual: list[DutyEvent], derived: list[DutyEvent]) -> list[DutyEvent]:
    return sorted(manual + derived, key=lambda e: (e.on, e.kind, e.source != "manual", e.title))


def month_end(m: dt.date) -> dt.date:
    return (dt.date(m.year + (m.month == 12), 1 if m.month == 12 else m.month + 1, 1) - dt.timedelta(days=1))
