"""Demo activities for a tenant that enabled the plugin: a few generic rows, made once.

Programs configure the engine with their own types and make their own demo rows; this only
shows the built-in types at work: 主题党日 and 支委会 of the tenant's first party branches (with
attendance and a follow-up), a 沙龙 and a planned 培训 of the tenant itself. Dates are fixed
days of the current and neighbouring months, so the calendar and the due page have content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import Member, PartyOrg
from core.tenancy import TenantInfo
from plugins.activities import service as svc
from plugins.activities.types import BRANCH_TYPES

DEMO_ACCESS = svc.Access(None, frozenset({"activities:read", "activities:write", "registry:write"}))


def _month(today: dt.date, delta: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 + delta, 12)
    return dt.date(y, m + 1, 1)


THEME_TITLE = "重温入党誓词 · 学习党的二十届三中全会精神"


def make_demo(session: Session, tenant: TenantInfo, now: dt.datetime | None = None) -> None:
    from plugins.activities.models import Activity

    # loaded already if its first row is there (never "any activity": a program may have added some)
    if session.scalar(select(Activity.id).where(Activity.title == THEME_TITLE).limit(1)):
        return
    now = now or clock.utcnow()
    today = clock.local(now).date()
    types = svc.types_for(tenant)
    this, last, nxt = _month(today, 0), _month(today, -1), _month(today, 1)
    branches = list(session.scalars(
        select(PartyOrg).where(PartyOrg.dissolved_on.is_(None), PartyOrg.org_type.in_(BRANCH_TYPES))
        .order_by(PartyOrg.id).limit(2)))

    def add(kind_type: str, organizer: str, title: str, day: dt.date, start: str, end: str, **extra):
        if types.get(kind_type) is None:
            return None
        raw = {"activity_type": kind_type, "organizer": organizer, "title": title, "date": day.isoformat(),
               "start_time": start, "end_time": end, **extra}
        return svc.create_activity(session, DEMO_ACCESS, tenant, types, raw, now)

    for i, po in enumerate(branches):
        org = f"party_org:{po.id}"
        theme = add("theme_day", org, THEME_TITLE, this, "09:30", "11:30",
                    place=f"{po.name}党员活动室", description="重温入党誓词，集中学习，交流心得。")
        add("branch_committee", org, "研究本季度党员发展和活动计划", last.replace(day=10), "14:00", "15:30",
            place=f"{po.name}会议室")
        if i == 0 and theme is not None and theme.status == "held":
            members = list(session.scalars(select(Member).where(Member.party_org_id == po.id)
                                           .order_by(Member.id).limit(8)))
            if members:
                svc.add_participants(session, DEMO_ACCESS, theme, [m.id for m in members])
                entries = [svc.AttendanceEntry(p.id, "present") for p in theme.participants]
                if len(entries) > 2:
                    entries[-1] = svc.AttendanceEntry(entries[-1].participant_id, "leave", "出差在外", "yes")
                svc.record_attendance(session, DEMO_ACCESS, theme, entries, now)
            svc.add_follow_up(session, DEMO_ACCESS, theme, {"text": "整理学习心得并报送街道党工委",
                                                            "due_on": (this + dt.timedelta(days=20)).isoformat()})
    add("salon", "tenant", "两新组织党建主题沙龙：党建引领企业发展", last.replace(day=20), "15:00", "17:00",
        place=f"{tenant.name}党群服务中心", speakers="王老师，市委党校，党建引领与企业文化")
    add("training", "tenant", "两新组织党务工作者培训", nxt.replace(day=12), "09:00", "16:30",
        place=f"{tenant.name}党群服务中心", speakers="李老师，区委组织部，发展党员工作规程")
    session.flush()
