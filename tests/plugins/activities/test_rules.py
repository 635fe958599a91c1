"""The activities engine's rules, called directly with a fixed ``now`` / ``today``: types and the
program hook, validation, time zones, the state machine, participants, attendance and leave,
cadence and due reminders, the counting API, object-level access, tenancy, history, demo data.

Each test uses its own period (year) so the shared world's rows never meet."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import func, select

from core import clock, revisions
from core.db import open_session, scoped_session
from core.forms import FormErrors
from core.plugins import registry
from core.tenancy import operator_session
from plugins.activities import api
from plugins.activities import service as svc
from plugins.activities.demo import make_demo
from plugins.activities.models import Activity, ActivityParticipant
from plugins.activities.types import ActivityType, Cadence, period_bounds, period_label
from tests.helpers import unique
from tests.plugins.activities.conftest import World

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def run(w: World, fn, tenant=None, who: str | None = None):
    with scoped_session((tenant or w.street).id, user_id=w.ids.get(who) if who else None) as s:
        s.info["username"] = "test"
        return fn(s)


def raw(w: World, **over) -> dict:
    return {"activity_type": "theme_day", "organizer": f"party_org:{w.po['a']}", "title": unique("主题党日"),
            "date": "2025-03-05", "start_time": "09:30", "end_time": "11:00", **over}


def create(w: World, who: str = "staff", now: dt.datetime = NOW, tenant=None, **over) -> int:
    tenant = tenant or w.street
    return run(w, lambda s: svc.create_activity(s, w.access(who), tenant, svc.types_for(tenant), raw(w, **over),
                                                now).id, tenant=tenant)


def act(w: World, activity_id: int, fn, who: str = "staff", tenant=None):
    """``fn(session, access, activity)`` on a fresh copy, committed."""
    return run(w, lambda s: fn(s, w.access(who), svc.get_activity(s, w.access(who), activity_id)), tenant=tenant)


def load(w: World, activity_id: int, tenant=None) -> Activity | None:
    with open_session((tenant or w.street).id) as s:
        a = s.get(Activity, activity_id)
        if a is not None:
            _ = (a.participants, a.speakers, a.follow_ups, a.attachments, a.co_organizers)
        return a


def count(w: World) -> int:
    with open_session(w.street.id) as s:
        return s.scalar(select(func.count(Activity.id)))


def errors_of(fn) -> dict[str, str]:
    with pytest.raises(FormErrors) as exc:
        fn()
    return exc.value.errors


# --- periods and types -----------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "day", "first", "last", "label"), [
    ("month", dt.date(2024, 2, 10), dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
    ("month", dt.date(2025, 12, 31), dt.date(2025, 12, 1), dt.date(2025, 12, 31), "2025年12月"),
    ("quarter", dt.date(2026, 3, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度"),
    ("quarter", dt.date(2026, 11, 22), dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
    ("half_year", dt.date(2026, 6, 30), dt.date(2026, 1, 1), dt.date(2026, 6, 30), "2026年上半年"),
    ("half_year", dt.date(2026, 7, 1), dt.date(2026, 7, 1), dt.date(2026, 12, 31), "2026年下半年"),
    ("year", dt.date(2026, 7, 1), dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年度"),
    ("week", dt.date(2026, 3, 4), dt.date(2026, 3, 2), dt.date(2026, 3, 8), "2026年第10周（3月2日—3月8日）"),
])
def test_period_bounds(period, day, first, last, label):
    assert period_bounds(period, day) == (first, last)
    assert period_label(period, first) == label


def test_builtin_types_work_without_any_program(world):
    types = svc.types_for(world.street)
    assert [t.label for t in types.types] == ["主题党日", "支部党员大会", "支委会", "党小组会", "党课", "培训", "沙龙"]
    cad = {t.key: (t.cadence.period, t.cadence.times) for t in types.cadenced}
    assert cad == {"theme_day": ("month", 1), "branch_assembly": ("quarter", 1), "branch_committee": ("month", 1),
                   "party_lecture": ("quarter", 1)}
    assert {t.key for t in types.types if t.has_speakers} == {"party_lecture", "training", "salon"}
    assert types.get("theme_day").organizer_kinds == ("party_org",)
    assert types.get("salon").organizer_kinds == ("party_org", "cluster", "tenant")
    assert types.options()["branch_committee"] == "三会一课 · 支委会"


def test_program_types_extend_and_replace_builtins(world, program):
    types = svc.types_for(world.street)
    keys = [t.key for t in types.types]
    assert keys[:5] == ["testprog.lesson", "testprog.group_meeting", "testprog.salon", "testprog.report", "theme_day"]
    lecture = types.get("party_lecture")
    assert (lecture.label, lecture.cadence.times, lecture.cadence.period) == ("党课（加强）", 2, "quarter")
    assert keys.count("party_lecture") == 1
    assert [t.key for t in api.activity_types(world.street)] == keys


def test_builtin_types_can_be_switched_off(world, program):
    reg = registry()
    with operator_session("test") as s:
        reg.save_settings(s, world.street.id, "activities", {"builtin_types": False})
    revisions.poll(force=True)
    try:
        assert [t.key for t in svc.types_for(world.street).types] == [
            "testprog.lesson", "testprog.group_meeting", "testprog.salon", "testprog.report", "party_lecture"]
        assert svc.TypeSet.of([], builtins=False).get("theme_day") is not None  # nothing at all: built-ins
    finally:
        with operator_session("test") as s:
            reg.save_settings(s, world.street.id, "activities", {})
        revisions.poll(force=True)
    assert svc.types_for(world.street).get("theme_day") is not None


def test_activity_type_declarations_are_checked():
    with pytest.raises(ValueError):
        Cadence("fortnight")
    with pytest.raises(ValueError):
        Cadence("month", times=0)
    with pytest.raises(ValueError):  # the cadence binds clusters, who may not organize it
        ActivityType("x.y", "测试", ("party_org",), Cadence("month", applies_to="cluster"))
    with pytest.raises(ValueError):
        ActivityType("x.z", "测试", ("company",))
    assert Cadence("quarter", times=2).label == "每季度 2 次"


# --- validation and time zones ---------------------------------------------------------------------------


def test_missing_and_invalid_input_is_refused_in_chinese_and_nothing_is_saved(world):
    before = count(world)
    types = svc.types_for(world.street)
    e = errors_of(lambda: run(world, lambda s: svc.create_activity(s, world.access("staff"), world.street, types, {},
                                                                    NOW)))
    assert e == {"activity_type": "请选择活动类型", "organizer": "请选择组织单位", "title": "请填写活动主题",
                 "date": "请填写活动日期", "start_time": "请填写开始时间", "end_time": "请填写结束时间"}
    e = errors_of(lambda: create(world, date="2025-13-01", start_time="25:00", end_time="9点",
                                 activity_type="nonsense", organizer="shop:1", title="x" * 201))
    assert e == {"activity_type": "活动类型无效", "organizer": "组织单位无效", "title": "活动主题最多 200 个字符",
                 "date": "日期格式应为 YYYY-MM-DD", "start_time": "时间格式应为 HH:MM", "end_time": "时间格式应为 HH:MM"}
    assert errors_of(lambda: create(world, start_time="10:00", end_time="09:00")) == {"end_time": "结束时间须晚于开始时间"}
    assert errors_of(lambda: create(world, end_date="2025-05-01")) == {"end_time": "活动时长不能超过 31 天"}
    assert errors_of(lambda: create(world, organizer="tenant")) == {"organizer": "「主题党日」只能由党组织组织"}
    assert errors_of(lambda: create(world, organizer=f"party_org:{world.po['gone']}"))["organizer"].endswith(
        "已撤销，不能再组织活动")
    assert errors_of(lambda: create(world, organizer=f"party_org:{world.po['other']}")) == {"organizer": "党组织不存在"}
    assert errors_of(lambda: create(world, speakers="王老师")) == {"speakers": "「主题党日」不设主讲人，请清空"}
    assert errors_of(lambda: create(world, activity_type="training", organizer="tenant", speakers="，市委党校")) == {
        "speakers": "第 1 位主讲人缺少姓名"}
    assert count(world) == before


def test_times_are_stored_in_utc_and_shown_in_shanghai(world):
    aid = create(world, date="2026-03-01", start_time="09:30", end_time="11:00")
    a = load(world, aid)
    assert clock.aware(a.starts_at) == dt.datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert clock.aware(a.ends_at) == dt.datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert clock.local(a.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-03-01 09:30"
    # the API's ISO form: without an offset it is Shanghai time, with one it is converted
    for starts in ("2026-03-01T09:30", "2026-03-01T01:30:00Z", "2026-03-01T09:30:00+08:00"):
        b = create(world, date="", start_time="", end_time="", starts_at=starts, ends_at="2026-03-01T11:00")
        assert clock.aware(load(world, b).starts_at) == dt.datetime(2026, 3, 1, 1, 30, tzinfo=UTC), starts
    assert errors_of(lambda: create(world, starts_at="昨天", ends_at="")) == {
        "starts_at": "开始时间格式应为 YYYY-MM-DDTHH:MM", "ends_at": "请填写结束时间"}


# --- state machine ---------------------------------------------------------------------------------------


def test_status_follows_the_clock_and_the_state_machine(world, program):
    past = create(world, date="2025-01-10", now=NOW)
    assert load(world, past).status == "held"
    future = create(world, date="2026-07-01", now=NOW)
    assert load(world, future).status == "scheduled"
    hold = lambda now: lambda s, a, x: svc.change_status(s, a, x, "hold", now)  # noqa: E731
    assert errors_of(lambda: act(world, future, hold(NOW))) == {"status": "活动尚未开始，不能标记为已举行"}
    assert errors_of(lambda: act(world, past, lambda s, a, x: svc.change_status(s, a, x, "cancel", NOW, "下雨"))) == {
        "status": "当前状态为「已举行」，不能取消"}
    assert errors_of(lambda: act(world, past, hold(NOW))) == {"status": "当前状态为「已举行」，不能标记为已举行"}
    assert errors_of(lambda: act(world, future, lambda s, a, x: svc.change_status(s, a, x, "cancel", NOW, " "))) == {
        "reason": "请填写取消原因"}
    act(world, future, lambda s, a, x: svc.change_status(s, a, x, "cancel", NOW, "与上级会议冲突"))
    a = load(world, future)
    assert (a.status, a.cancel_reason) == ("cancelled", "与上级会议冲突")
    assert errors_of(lambda: act(world, future, hold(NOW))) == {"status": "当前状态为「已取消」，不能标记为已举行"}
    assert errors_of(lambda: act(world, future, lambda s, a, x: svc.update_activity(
        s, a, world.street, svc.types_for(world.street), x, raw(world), NOW))) == {
        "status": "当前状态为「已取消」，不能修改"}
    act(world, future, lambda s, a, x: svc.change_status(s, a, x, "restore", NOW))
    act(world, future, hold(dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC)))  # 10:00 in Shanghai, it has started
    a = load(world, future)
    assert (a.status, a.cancel_reason) == ("held", "")
    assert [e[2] for e in program if e[1] == future] == ["create", "cancel", "restore", "hold"]
    # a held activity cannot be moved into the future
    e = errors_of(lambda: act(world, past, lambda s, a, x: svc.update_activity(
        s, a, world.street, svc.types_for(world.street), x, {**svc.form_values(x), "date": "2026-12-01"}, NOW)))
    assert e == {"date": "活动已举行，开始时间不能晚于现在"}


# --- participants, attendance, leave ---------------------------------------------------------------------


def test_participants_members_and_others(world):
    aid = create(world, date="2025-02-05")
    m = world.members
    act(world, aid, lambda s, a, x: svc.add_participants(s, a, x, [m["m1"], str(m["m4"])], "王外宾，区委党校\n赵六"))
    a = load(world, aid)
    assert [(p.name, p.unit, p.member_id is not None) for p in a.participants] == [
        (f"张一{world.tag}", "", True), (f"张四{world.tag}", "", True), ("王外宾", "区委党校", False), ("赵六", "", False)]
    def add(ids=(), others="", everyone=False):
        return lambda s, a, x: svc.add_participants(s, a, x, ids, others, everyone)

    assert errors_of(lambda: act(world, aid, add([m["m1"]]))) == {"member_ids": f"「张一{world.tag}」已在参加人员中"}
    assert errors_of(lambda: act(world, aid, add(others="赵六"))) == {"others": "「赵六」已在参加人员中"}
    assert errors_of(lambda: act(world, aid, add([m["other"]]))) == {"member_ids": "所选党员不存在或不在您的管理范围内"}
    assert errors_of(lambda: act(world, aid, add())) == {"member_ids": "请选择党员或填写其他参加人员"}
    # "all members of the organizer": party members only (not the activist), not twice
    act(world, aid, add(everyone=True))
    names = [p.name for p in load(world, aid).participants]
    assert names.count(f"张一{world.tag}") == 1 and f"张二{world.tag}" in names and f"张三{world.tag}" in names
    assert f"李五{world.tag}" not in names
    assert errors_of(lambda: act(world, aid, add(everyone=True))) == {"member_ids": "没有可添加的人员"}
    # the org secretary of 甲 may not add 乙's member
    sec_aid = create(world, who="sec", date="2025-02-06")
    assert errors_of(lambda: act(world, sec_aid, add([m["m5"]]), who="sec")) == {
        "member_ids": "所选党员不存在或不在您的管理范围内"}
    pid = load(world, aid).participants[0].id
    act(world, aid, lambda s, a, x: svc.remove_participant(s, a, x, pid))
    assert pid not in [p.id for p in load(world, aid).participants]


def sheet(a: Activity, **rows) -> list[svc.AttendanceEntry]:
    """``sheet(a, 张一=("present",), 王外宾=("leave", "出差", "yes"))`` by name prefix."""
    out = []
    for p in a.participants:
        for prefix, spec in rows.items():
            if p.name.startswith(prefix):
                out.append(svc.AttendanceEntry(p.id, *spec))
    return out


def test_attendance_and_leave_rules(world):
    m = world.members
    later = create(world, date="2026-09-01", now=NOW)  # scheduled
    act(world, later, lambda s, a, x: svc.add_participants(s, a, x, [m["m1"], m["m2"]], "王外宾，区委党校"))
    a = load(world, later)
    record = lambda entries, now=NOW: lambda s, acc, x: svc.record_attendance(s, acc, x, entries, now)  # noqa: E731
    e = errors_of(lambda: act(world, later, record(sheet(a, 张一=("present",)))))
    assert e == {f"att_{a.participants[0].id}": f"活动尚未举行，不能登记「张一{world.tag}」出席"}
    e = errors_of(lambda: act(world, later, record(sheet(a, 张二=("leave", "")))))
    assert e == {f"reason_{a.participants[1].id}": f"请填写「张二{world.tag}」的请假事由"}
    e = errors_of(lambda: act(world, later, record(sheet(a, 王外宾=("pending", "", "yes")))))
    assert e == {f"approve_{a.participants[2].id}": "「王外宾」未请假，无需审批"}
    # leave may be asked for before the activity; a bad row next to a good one saves nothing
    errors_of(lambda: act(world, later, record(sheet(a, 张二=("leave", "出差"), 张一=("absent",)))))
    assert all(p.attendance == "pending" for p in load(world, later).participants)
    act(world, later, record(sheet(a, 张二=("leave", "出差"))))
    p2 = load(world, later).participants[1]
    assert (p2.attendance, p2.leave_reason, p2.leave_approved) == ("leave", "出差", None)

    held = create(world, date="2025-04-08")
    act(world, held, lambda s, a, x: svc.add_participants(s, a, x, [m["m1"], m["m2"], m["m3"]], "甲\n乙\n丙"))
    h = load(world, held)
    act(world, held, record(sheet(h, 张一=("present",), 张二=("present",), 张三=("absent",),
                                  甲=("leave", "病假", "yes"), 乙=("leave", "私事", "no"), 丙=("leave", "待批"))))
    h = load(world, held)
    r = svc.attendance_summary(h)
    assert (r.participants, r.present, r.absent, r.leave, r.leave_approved, r.leave_rejected, r.leave_pending) == (
        6, 2, 1, 3, 1, 1, 1)
    assert (r.expected, r.rate) == (4, 0.5)  # 不准假 counts as absent; 准假 and undecided leaves are not expected
    approved = next(p for p in h.participants if p.name == "甲")
    assert approved.leave_decided_by_id == world.ids["staff"]
    # switching a leave back to present clears its reason and decision
    act(world, held, record(sheet(h, 甲=("present", "病假"))))
    p = next(p for p in load(world, held).participants if p.name == "甲")
    assert (p.attendance, p.leave_reason, p.leave_approved, p.leave_decided_by_id) == ("present", "", None, None)

    # nothing changes on a cancelled activity
    gone = create(world, date="2026-10-01", now=NOW)
    act(world, gone, lambda s, a, x: svc.add_participants(s, a, x, [m["m1"]]))
    act(world, gone, lambda s, a, x: svc.change_status(s, a, x, "cancel", NOW, "取消"))
    g = load(world, gone)
    assert errors_of(lambda: act(world, gone, record(sheet(g, 张一=("leave", "事假"))))) == {
        "status": "当前状态为「已取消」，不能登记出勤"}
    assert errors_of(lambda: act(world, gone, lambda s, a, x: svc.add_participants(s, a, x, [], "某人"))) == {
        "status": "当前状态为「已取消」，不能修改参加人员"}


# --- due reminders and cadence (fixed dates) ---------------------------------------------------------------


def due(w: World, day: dt.date, key: str, who: str | None = None) -> svc.DueRow:
    def go(s):
        rows = svc.due_rows(s, w.street, svc.types_for(w.street), day, w.access(who) if who else None, type_key=key)
        return rows[0] if rows else None

    return run(w, go)


def test_due_theme_days_on_fixed_dates(world):
    po = world.po
    mar = dt.date(2024, 3, 15)
    row = due(world, mar, "theme_day")
    assert (row.period_start, row.period_end, row.period_label, row.required) == (
        dt.date(2024, 3, 1), dt.date(2024, 3, 31), "2024年3月", 1)
    # branches only (not the committee); not the branch dissolved before March nor the one founded in April
    assert {o.id for o in row.organizers} == {po["a"], po["b"]}
    assert {o.id for o in row.missing} == {po["a"], po["b"]}
    create(world, date="2024-03-05")  # 甲 held its theme day
    create(world, organizer=f"party_org:{po['b']}", date="2024-03-28", now=dt.datetime(2024, 3, 10, tzinfo=UTC))
    row = due(world, mar, "theme_day")
    assert [o.id for o in row.missing] == [po["b"]]  # 乙 has only planned one
    b = row.missing[0]
    assert (b.held, b.scheduled) == (0, 1)
    assert {o.id for o in row.done} == {po["a"]}
    # the April period starts over, and now includes the branch founded on 2 April
    apr = due(world, dt.date(2024, 4, 15), "theme_day")
    assert {o.id for o in apr.missing} == {po["a"], po["b"], po["new"]}
    # 23:30 on 30 April in Shanghai is still April (15:30 UTC); 00:30 on 1 May is May (16:30 UTC on 30 April)
    create(world, date="2024-04-30", start_time="23:30", end_time="23:50")
    create(world, organizer=f"party_org:{po['b']}", date="2024-05-01", start_time="00:30", end_time="01:30")
    assert {o.id for o in due(world, dt.date(2024, 4, 1), "theme_day").missing} == {po["b"], po["new"]}
    assert po["b"] not in {o.id for o in due(world, dt.date(2024, 5, 31), "theme_day").missing}
    # a cancelled one does not count
    aid = create(world, organizer=f"party_org:{po['new']}", date="2024-04-20", now=dt.datetime(2024, 4, 1, tzinfo=UTC))
    act(world, aid, lambda s, a, x: svc.change_status(s, a, x, "cancel", NOW, "取消"))
    assert po["new"] in {o.id for o in due(world, dt.date(2024, 4, 21), "theme_day").missing}


def test_due_quarterly_times_clusters_and_the_tenant(world, program):
    po, cl = world.po, world.cl
    day = dt.date(2024, 8, 20)  # Q3 2024
    create(world, activity_type="branch_assembly", date="2024-07-02")
    assert {o.id for o in due(world, day, "branch_assembly").missing} == {po["b"], po["new"]}
    # the program's 党课 needs two a quarter
    create(world, activity_type="party_lecture", date="2024-07-03", speakers="书记，甲公司党支部，党章学习")
    row = due(world, day, "party_lecture")
    assert row.required == 2 and po["a"] in {o.id for o in row.missing}
    create(world, activity_type="party_lecture", date="2024-09-30", speakers="书记")
    assert po["a"] not in {o.id for o in due(world, day, "party_lecture").missing}
    # cluster cadence: only clusters of the program's type
    row = due(world, day, "testprog.group_meeting")
    assert {o.id for o in row.organizers} == {cl["g1"], cl["g2"]}
    create(world, activity_type="testprog.group_meeting", organizer=f"cluster:{cl['g1']}", date="2024-08-01")
    assert [o.id for o in due(world, day, "testprog.group_meeting").missing] == [cl["g2"]]
    # tenant cadence: the street itself, yearly
    row = due(world, day, "testprog.report")
    assert [(o.kind, o.id) for o in row.missing] == [("tenant", world.street.id)]
    assert row.period_label == "2024年度"
    create(world, activity_type="testprog.report", organizer="tenant", date="2024-01-20")
    assert due(world, day, "testprog.report").missing == []
    # the api gives the same rows; types without a cadence have none
    with open_session(world.street.id) as s:
        keys = [r.type.key for r in api.due(s, world.street, day)]
    assert "testprog.lesson" in keys and "theme_day" in keys and "salon" not in keys and "group_meeting" not in keys


def test_due_rows_of_an_org_secretary_and_a_group_leader(world, program):
    day = dt.date(2024, 9, 10)
    assert [o.id for o in due(world, day, "theme_day", who="sec").organizers] == [world.po["a"]]
    assert [o.id for o in due(world, day, "theme_day", who="sec2").organizers] == [world.po["b"]]
    assert [o.id for o in due(world, day, "testprog.group_meeting", who="leader").organizers] == [world.cl["g2"]]
    assert due(world, day, "testprog.report", who="sec").organizers == []
    assert {o.id for o in due(world, day, "theme_day", who="viewer").organizers} == {
        world.po["a"], world.po["b"], world.po["new"]}  # readers see every branch


# --- the counting API --------------------------------------------------------------------------------------


def test_count_by_organizer_and_attendance_rate(world):
    po, cl, m = world.po, world.cl, world.members
    a1 = create(world, date="2023-03-01", start_time="07:00", end_time="08:00")  # 2023-02-28 23:00 UTC: March
    create(world, date="2023-03-20")
    create(world, activity_type="branch_committee", date="2023-03-21")
    create(world, organizer=f"party_org:{po['b']}", date="2023-02-28", start_time="23:00", end_time="23:30")  # Feb
    create(world, organizer=f"party_org:{po['b']}", date="2023-03-10")
    planned = create(world, organizer=f"party_org:{po['b']}", date="2023-03-30",
                     now=dt.datetime(2023, 3, 1, tzinfo=UTC))
    create(world, activity_type="salon", organizer=f"cluster:{cl['g1']}", date="2023-03-15", speakers="主讲人")
    create(world, activity_type="training", organizer="tenant", date="2023-03-16")
    start, end = dt.date(2023, 3, 1), dt.date(2023, 3, 31)
    with open_session(world.street.id) as s:
        assert api.count_by_organizer(s, "theme_day", start, end) == {("party_org", po["a"]): 2,
                                                                      ("party_org", po["b"]): 1}
        assert api.count_by_organizer(s, "theme_day", start, end, statuses=("held", "scheduled")) == {
            ("party_org", po["a"]): 2, ("party_org", po["b"]): 2}
        assert api.count_by_organizer(s, ["theme_day", "branch_committee"], start, end)[("party_org", po["a"])] == 3
        everything = api.count_by_organizer(s, None, start, end)
        assert everything[("cluster", cl["g1"])] == 1 and everything[("tenant", world.street.id)] == 1
        assert api.count_by_organizer(s, "theme_day", dt.date(2023, 2, 1), dt.date(2023, 2, 28)) == {
            ("party_org", po["b"]): 1}
    assert load(world, planned).status == "scheduled"

    act(world, a1, lambda s, a, x: svc.add_participants(s, a, x, [m["m1"], m["m2"], m["m3"]], "外宾"))
    a = load(world, a1)
    act(world, a1, lambda s, acc, x: svc.record_attendance(
        s, acc, x, sheet(a, 张一=("present",), 张二=("present",), 张三=("leave", "病假", "yes"), 外宾=("absent",)), NOW))
    with open_session(world.street.id) as s:
        rates = api.attendance_rate(s, "theme_day", start, end)
    r = rates[("party_org", po["a"])]
    assert (r.present, r.absent, r.leave_approved, r.expected) == (2, 1, 1, 3)
    assert r.rate == pytest.approx(2 / 3)
    assert ("party_org", po["b"]) not in rates  # nobody listed there


def test_counts_over_a_subtree_keep_organizers_apart(world):
    create(world, organizer="tenant", activity_type="training", date="2023-06-01")
    create(world, organizer="tenant", activity_type="training", date="2023-06-02", tenant=world.other, who="ostaff")
    scope = (world.street.id, world.other.id)
    with open_session(world.street.id, scope) as s:
        counts = api.count_by_organizer(s, "training", dt.date(2023, 6, 1), dt.date(2023, 6, 30))
    assert counts == {("tenant", world.street.id): 1, ("tenant", world.other.id): 1}


# --- object-level access and tenancy --------------------------------------------------------------------------


def test_org_secretary_manages_only_their_own_party_org(world, program):
    po, cl = world.po, world.cl
    assert errors_of(lambda: create(world, who="sec", organizer=f"party_org:{po['b']}")) == {
        "organizer": "只能为本人所在党组织（或担任组长的联建组织）登记活动"}
    assert errors_of(lambda: create(world, who="sec", activity_type="training", organizer="tenant")) == {
        "organizer": "只能为本人所在党组织（或担任组长的联建组织）登记活动"}
    own = create(world, who="sec", date="2022-01-05")
    theirs = create(world, organizer=f"party_org:{po['b']}", date="2022-01-05")
    street_wide = create(world, activity_type="training", organizer="tenant", date="2022-01-06")
    group1 = create(world, activity_type="testprog.salon", organizer=f"cluster:{cl['g1']}", date="2022-01-07")
    group2 = create(world, activity_type="testprog.salon", organizer=f"cluster:{cl['g2']}", date="2022-01-07")
    with pytest.raises(NotFoundException):
        act(world, theirs, lambda s, a, x: x, who="sec")
    with pytest.raises(NotFoundException):
        act(world, group2, lambda s, a, x: x, who="sec")  # 乙's group, not 甲's
    # the street's and their own group's activities are visible but not theirs to change
    for aid in (street_wide, group1):
        act(world, aid, lambda s, a, x: x, who="sec")
        with pytest.raises(PermissionDeniedException):
            act(world, aid, lambda s, a, x: svc.add_follow_up(s, a, x, {"text": "x"}), who="sec")
    act(world, own, lambda s, a, x: svc.add_follow_up(s, a, x, {"text": "报送心得"}), who="sec")
    with open_session(world.street.id) as s:
        seen = {a.id for a in svc.list_activities(s, world.access("sec"), svc.ActivityFilter(date_from="2022-01-01",
                                                                                            date_to="2022-01-31"),
                                                  page_size=200).items}
        options = svc.organizer_options(s, world.access("sec"), world.street)
    assert seen == {own, street_wide, group1}
    assert list(options) == [f"party_org:{po['a']}"]
    # a group leader (ClusterLeader.user_id) manages the group's activities
    led = create(world, who="leader", activity_type="testprog.salon", organizer=f"cluster:{cl['g2']}",
                 date="2022-01-08")
    act(world, led, lambda s, a, x: svc.add_follow_up(s, a, x, {"text": "整理纪要"}), who="leader")
    # readers read everything and change nothing
    act(world, theirs, lambda s, a, x: x, who="viewer")
    with pytest.raises(PermissionDeniedException):
        create(world, who="viewer")
    with pytest.raises(PermissionDeniedException):
        act(world, theirs, lambda s, a, x: svc.delete_activity(s, a, x), who="viewer")


def test_another_tenants_activity_is_not_found(world):
    theirs = create(world, organizer=f"party_org:{world.po['other']}", tenant=world.other, who="ostaff")
    with pytest.raises(NotFoundException):
        act(world, theirs, lambda s, a, x: x)
    assert load(world, theirs) is None
    assert load(world, theirs, tenant=world.other) is not None


# --- follow-ups, attachments, speakers, history, calendar, demo ----------------------------------------------


def test_follow_ups_overdue_on_fixed_dates_and_attachment_metadata(world):
    aid = create(world, date="2022-03-01")
    assert errors_of(lambda: act(world, aid, lambda s, a, x: svc.add_follow_up(s, a, x, {"due_on": "3月底"}))) == {
        "text": "请填写落实事项", "due_on": "日期格式应为 YYYY-MM-DD"}
    fid = act(world, aid, lambda s, a, x: svc.add_follow_up(s, a, x, {"text": "走访困难党员", "due_on": "2022-03-31"}).id)
    fu = load(world, aid).follow_ups[0]
    assert not svc.follow_up_overdue(fu, dt.date(2022, 3, 31)) and svc.follow_up_overdue(fu, dt.date(2022, 4, 1))
    act(world, aid, lambda s, a, x: svc.set_follow_up_done(s, a, x, fid, True, dt.date(2022, 4, 2)))
    fu = load(world, aid).follow_ups[0]
    assert (fu.done, fu.done_on) == (True, dt.date(2022, 4, 2)) and not svc.follow_up_overdue(fu, dt.date(2022, 5, 1))
    assert errors_of(lambda: act(world, aid, lambda s, a, x: svc.add_attachment(
        s, a, x, {"kind": "video", "size_kb": "-1"}))) == {
        "filename": "请填写文件名称", "kind": "附件类别无效", "size_kb": "大小应为不小于 0 的数字（KB）"}
    act(world, aid, lambda s, a, x: svc.add_attachment(s, a, x, {"kind": "signin", "filename": "签到表.jpg",
                                                                 "location": "党建档案柜 3 号", "size_kb": "512"}))
    att = load(world, aid).attachments[0]
    assert (att.kind, att.filename, att.size_bytes) == ("signin", "签到表.jpg", 512 * 1024)


def test_speakers_are_parsed_kept_and_replaced(world):
    aid = create(world, activity_type="salon", organizer="tenant", date="2022-05-01",
                 speakers="王老师，市委党校，党建引领发展\n\n李总|某科技公司董事长")
    a = load(world, aid)
    assert [(s.name, s.unit, s.topic) for s in a.speakers] == [("王老师", "市委党校", "党建引领发展"),
                                                              ("李总", "某科技公司董事长", "")]
    assert svc.form_values(a)["speakers"] == "王老师，市委党校，党建引领发展\n李总，某科技公司董事长"
    act(world, aid, lambda s, acc, x: svc.update_activity(s, acc, world.street, svc.types_for(world.street), x,
                                                          {**svc.form_values(x), "speakers": "赵老师，，数字经济"}, NOW))
    assert [(s.name, s.unit, s.topic) for s in load(world, aid).speakers] == [("赵老师", "", "数字经济")]


def test_history_tells_the_story(world):
    aid = create(world, date="2022-06-01")
    act(world, aid, lambda s, a, x: svc.add_participants(s, a, x, [], "临时人员"))
    pid = load(world, aid).participants[0].id
    act(world, aid, lambda s, a, x: svc.remove_participant(s, a, x, pid))
    act(world, aid, lambda s, a, x: svc.save_minutes(s, a, x, "会议议定三件事"))
    with open_session(world.street.id) as s:
        rows = svc.history(s, s.get(Activity, aid))
    story = [r.operation for r in reversed(rows)]
    assert story == ["新增活动", "新增参加人员", "删除参加人员", "修改活动"]
    assert rows[0].after == {"会议记录": "会议议定三件事"}


def test_month_calendar_places_activities_on_shanghai_days(world):
    first = create(world, date="2021-03-01", start_time="01:30", end_time="02:00")  # 2021-02-28 17:30 UTC
    multi = create(world, activity_type="training", organizer="tenant", date="2021-03-30", start_time="09:00",
                   end_date="2021-04-01", end_time="12:00")
    with open_session(world.street.id) as s:
        cal = svc.month_calendar(s, world.access("staff"), 2021, 3, dt.date(2021, 3, 15))
        days = {d.date: d for w in cal.weeks for d in w}
        assert cal.weeks[0][0].date == dt.date(2021, 3, 1) and cal.weeks[0][0].date.weekday() == 0  # Monday first
        assert [a.id for a in days[dt.date(2021, 3, 1)].items] == [first]
        assert first not in [a.id for a in days.get(dt.date(2021, 2, 28), svc.CalendarDay(dt.date(2021, 2, 28), False,
                                                                                          False)).items]
        assert all(multi in [a.id for a in days[d].items] for d in (dt.date(2021, 3, 30), dt.date(2021, 3, 31),
                                                                   dt.date(2021, 4, 1)))
        assert not days[dt.date(2021, 4, 1)].in_month and days[dt.date(2021, 3, 15)].is_today
        assert (cal.label, cal.prev, cal.next, cal.count) == ("2021年3月", "2021-02", "2021-04", 2)
        filtered = svc.month_calendar(s, world.access("staff"), 2021, 3, dt.date(2021, 3, 15),
                                      svc.ActivityFilter(type="training"))
        assert filtered.count == 1


def test_demo_data_is_idempotent(world):
    now = dt.datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

    def demo(s):
        make_demo(s, world.third, now)
        return s.scalar(select(func.count(Activity.id)))

    n = run(world, demo, tenant=world.third)
    assert n == 4  # 主题党日 + 支委会 of its one branch, a salon and a training
    assert run(world, demo, tenant=world.third) == n
    with open_session(world.third.id) as s:
        theme = s.scalar(select(Activity).where(Activity.activity_type == "theme_day"))
        assert theme.status == "held" and clock.local(theme.starts_at).date() == dt.date(2026, 11, 1)
        assert s.scalar(select(func.count(ActivityParticipant.id))) == 1
        planned = s.scalar(select(Activity).where(Activity.activity_type == "training"))
        assert planned.status == "scheduled" and [sp.name for sp in planned.speakers] == ["李老师"]


# --- several organizers (联合开展) -----------------------------------------------------------------------


JOINT = ActivityType("testprog.joint_study", "理论知识联学", ("party_org", "cluster"), joint=True, order=9)


def test_a_joint_activity_has_several_organizers_counted_and_seen_by_each(world):
    from tests.plugins.activities.conftest import make_program

    po, cl = world.po, world.cl
    with registry().installed(make_program([JOINT]), "testprog_joint"):
        # a joint type needs a co-organizer; bad ones are refused in Chinese, nothing saved
        before = count(world)
        assert errors_of(lambda: create(world, activity_type=JOINT.key, date="2021-05-06")) == {
            "co_organizers": "「理论知识联学」由多方联合开展，请选择至少一个共同组织单位"}
        assert "co_organizers" in errors_of(lambda: create(world, activity_type=JOINT.key, date="2021-05-06",
                                                           co_organizers=[f"party_org:{po['a']}"]))  # the organizer
        assert errors_of(lambda: create(world, activity_type=JOINT.key, date="2021-05-06",
                                        co_organizers=[f"party_org:{po['gone']}"]))["co_organizers"].endswith(
            "已撤销，不能再组织活动")
        for bad in ("tenant", "party_org:abc", f"party_org:{po['other']}"):  # another tenant's id: not found
            assert "co_organizers" in errors_of(lambda b=bad: create(world, activity_type=JOINT.key, date="2021-05-06",
                                                                     co_organizers=[b]))
        assert count(world) == before
        # the street's staff records 甲's 联学 with 乙 and the second group
        aid = create(world, activity_type=JOINT.key, date="2021-05-06",
                     co_organizers=[f"party_org:{po['b']}", f"cluster:{cl['g1']}"])
        a = load(world, aid)
        with open_session(world.street.id) as s:
            a = svc.get_activity(s, world.access("staff"), aid)
            assert svc.co_organizer_names(s, a) == [f"乙公司党支部{world.tag}", f"第一联组{world.tag}"]
            counts = api.count_by_organizer(s, JOINT.key, dt.date(2021, 5, 1), dt.date(2021, 5, 31))
        assert counts == {("party_org", po["a"]): 1, ("party_org", po["b"]): 1, ("cluster", cl["g1"]): 1}
        # 乙's secretary sees it (co-organizer) but may not change it; the form keeps the co-organizers
        act(world, aid, lambda s, acc, x: x, who="sec2")
        with pytest.raises(PermissionDeniedException):
            act(world, aid, lambda s, acc, x: svc.add_follow_up(s, acc, x, {"text": "x"}), who="sec2")
        values = act(world, aid, lambda s, acc, x: svc.form_values(x))
        assert values["co_organizers"] == [f"party_org:{po['b']}", f"cluster:{cl['g1']}"]
        # editing replaces them; the history names the change
        act(world, aid, lambda s, acc, x: svc.update_activity(
            s, acc, world.street, svc.types_for(world.street), x, {**values, "co_organizers": [f"party_org:{po['b']}"]},
            NOW))
        with open_session(world.street.id) as s:
            assert api.count_by_organizer(s, JOINT.key, dt.date(2021, 5, 1), dt.date(2021, 5, 31)) == {
                ("party_org", po["a"]): 1, ("party_org", po["b"]): 1}
