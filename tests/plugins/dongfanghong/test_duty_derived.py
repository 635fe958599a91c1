"""DFH-2 on fixed data: the 专干's 必到 / 必帮 / 必报 follow from what happened — attending the
group's 联组会商, closing a demand of one of the group's enterprises, the minutes of a group
activity and a filed report — with no manual entry; the gap rule is the tenant's setting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import scoped_session
from core.registry.models import Cluster, PartyOrgCoverage
from plugins.activities import service as actsvc
from plugins.activities.service import Access as ActAccess
from plugins.activities.service import AttendanceEntry
from plugins.dongfanghong import duty
from plugins.dongfanghong import service as svc
from plugins.lists import service as lsvc
from plugins.lists.access import Access as ListAccess

TODAY = clock.today()
PREV = duty.months_back(TODAY, 2)[0]  # last month: finished, so a shortfall is a gap
DAY = PREV.replace(day=15)


def _cells(s, gid: int, minimum: int = 1):
    return svc.group_checklist(s, s.get(Cluster, gid), TODAY, months=2, minimum=minimum)[PREV]


def test_checklist_follows_meetings_demands_and_reports(world, groups):
    gid = groups[2]
    tenant = world.street
    staff_id = world.ids["staff2"]
    with scoped_session(tenant.id) as s:
        s.info["username"] = "test"
        c = s.get(Cluster, gid)
        svc.assign_staff(s, tenant.id, c, world.users["staff2"], on=PREV)
        assert [cell.gap for cell in _cells(s, gid).values()] == [True, True, True]

        # 必到: the 专干 attends the group's 联组会商 (a participant named as the 专干 is shown, marked present)
        acc = ActAccess(staff_id, frozenset({"activities:read", "activities:write", "registry:write"}))
        now = clock.utcnow()
        meeting = actsvc.create_activity(s, acc, tenant, actsvc.types_for(tenant), {
            "activity_type": "dongfanghong.group_meeting", "organizer": f"cluster:{gid}", "title": "丙联组会商",
            "date": DAY.isoformat(), "start_time": "09:00", "end_time": "10:00"}, now)
        (p,) = actsvc.add_participants(s, acc, meeting, others="staff2用户，街道党建办")
        assert not _cells(s, gid)["attend"].count  # invited, not yet present
        actsvc.record_attendance(s, acc, meeting, [AttendanceEntry(p.id, "present")], now)
        cells = _cells(s, gid)
        assert cells["attend"].count == 1 and cells["attend"].derived == 1 and not cells["attend"].gap
        assert cells["report"].gap  # no minutes yet

        # 必报: the minutes the 专干 recorded for the group's activity
        meeting.minutes = "研究下阶段共建事项"
        s.flush()
        assert not _cells(s, gid)["report"].gap

        # 必帮: a demand of one of the group's enterprises the 专干 took in, counted once it is closed
        pid = svc.group_party_org_ids(s, [gid])[gid][0]
        org = s.scalar(select(PartyOrgCoverage.organization_id).where(PartyOrgCoverage.party_org_id == pid))
        la = ListAccess(staff_id, world.users["staff2"], frozenset({"lists:read", "lists:write", "lists:triage"}))
        scheme = lsvc.scheme_for(tenant)
        d = lsvc.submit_demand(s, la, scheme, {"organization_id": str(org), "title": "用工对接",
                                               "category": "talent"}, DAY)
        lsvc.accept(s, la, scheme, d, {"triage_level": "onsite"}, DAY)
        lsvc.start(s, la, scheme, d, {}, DAY)
        assert _cells(s, gid)["help"].gap  # still being handled
        lsvc.resolve(s, la, scheme, d, {"resolution": "已对接三名技工", "triage_level": "onsite"}, DAY)
        cells = _cells(s, gid)
        assert [(cell.count, cell.gap) for cell in cells.values()] == [(1, False), (1, False), (1, False)]

        # what the system saw is listed with its source and a link; a manual entry adds to it
        events = svc.group_events(s, c, PREV, TODAY)
        assert {(e.kind, e.source, e.ref.split("/")[0]) for e in events} == {
            ("attend", "activity", "activities"), ("report", "minutes", "activities"), ("help", "demand", "lists")}
        svc.add_duty_entry(s, c, {"kind": "attend", "occurred_on": DAY.isoformat(), "title": "线下走访"}, staff_id)
        assert _cells(s, gid)["attend"].count == 2 and _cells(s, gid)["attend"].derived == 1

        # the gap rule is the tenant's setting: 2 a month makes last month short of 必报, 0 shows none
        assert [cell.gap for cell in _cells(s, gid, minimum=2).values()] == [False, True, True]
        assert not any(cell.gap for cell in _cells(s, gid, minimum=0).values())
        assert svc.settings_of(tenant.id).duty_min_per_month == 1

        # another 专干's attendance does not count for this group
        svc.assign_staff(s, tenant.id, c, world.users["staff"], on=TODAY)
        assert _cells(s, gid)["attend"].count == 1  # the manual entry only
        s.rollback()


def test_filed_reports_count_as_bibao(world, groups):
    """A report filed through the campaigns' report obligations counts for the 专干's 必报."""
    from plugins.campaigns.models import CampaignReport

    gid = groups[1]
    with scoped_session(world.street.id) as s:
        s.info["username"] = "test"
        c = s.get(Cluster, gid)
        svc.assign_staff(s, world.street.id, c, world.users["staff2"], on=PREV)
        from plugins.campaigns.models import ReportObligation

        ob = ReportObligation(title="两新党建月报", cadence="month", due_day=5)
        s.add(ob)
        s.flush()
        s.add(CampaignReport(obligation_id=ob.id, obligation_title=ob.title, period=PREV.isoformat()[:7],
                             submitted_on=DAY, submitted_by_id=world.ids["staff2"]))
        s.flush()
        events = [e for e in svc.group_events(s, c, PREV, TODAY) if e.kind == "report"]
        assert [(e.source, e.on, e.title) for e in events] == [("report", DAY, f"两新党建月报（{PREV.isoformat()[:7]}）")]
        assert not _cells(s, gid)["report"].gap
        s.rollback()


def test_pure_checklist_minimum():
    months = duty.months_back(dt.date(2026, 5, 10), 2)
    cl = duty.duty_checklist([("attend", dt.date(2026, 4, 3), "activity"), ("attend", dt.date(2026, 4, 9), "manual")],
                             months, dt.date(2026, 5, 10), minimum=2)
    apr = cl[months[0]]
    assert (apr["attend"].count, apr["attend"].derived, apr["attend"].gap) == (2, 1, False)
    assert apr["help"].gap and cl[months[1]]["help"].pending
