"""Recurring rounds and campaigns: exactly one per period even when the job runs twice, catch-up
bounded, offsets, the district's campaign with tasks for its streets through the periodic task,
Chinese validation errors, pages, permissions, isolation and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core import clock, periods, tasks
from core.db import open_session, scoped_session
from core.forms import FormErrors
from plugins.assessment.api import AssessmentRound
from plugins.cadences import service as svc
from plugins.cadences.models import Occurrence, Recurrence
from plugins.campaigns.api import Campaign, CampaignTask
from tests.helpers import login, post_form, text_of, unique


def _rounds(tenant, key="testcad.monthly_check") -> list[tuple[str, str]]:
    with open_session(tenant.id) as s:
        return sorted((r.period, r.state) for r in s.scalars(
            select(AssessmentRound).where(AssessmentRound.template_key == key)))


def test_one_round_per_period_even_when_run_twice(world, program):
    w = world
    with scoped_session(w.s1.id) as s:
        rec = svc.create(s, w.s1, {"kind": "assessment_round", "template_key": "testcad.monthly_check",
                                   "title": "一月一检查", "start_period": "2026-09", "auto_open": "1"},
                         dt.date(2026, 12, 7))
        assert (rec.period_kind, rec.template_label) == ("month", "党务月度检查（测试）")
        rid = rec.id
    # 2026-09 … 2026-12 are due: the catch-up stops at three (10, 11, 12)
    with scoped_session(w.s1.id) as s:
        made = svc.run_due(s, w.s1, dt.date(2026, 12, 7))
        assert [o.period for o in made.created] == ["2026-10", "2026-11", "2026-12"] and made.failed == {}
    with scoped_session(w.s1.id) as s:
        assert svc.run_due(s, w.s1, dt.date(2026, 12, 7)).created == []  # the second run creates nothing
        assert svc.run_due(s, w.s1, dt.date(2026, 12, 31)).created == []
    assert _rounds(w.s1) == [("2026-10", "open"), ("2026-11", "open"), ("2026-12", "open")]
    with scoped_session(w.s1.id) as s:
        made = svc.run_due(s, w.s1, dt.date(2027, 1, 1))
        assert [o.period for o in made.created] == ["2027-01"]
        assert made.created[0].ref_title == "2027年1月一月一检查"
        rec = svc.get(s, rid)
        nxt, day = svc.next_due(rec, dt.date(2027, 1, 1))
        assert (nxt.key, day) == ("2027-02", dt.date(2027, 2, 1))
        # stopped: nothing more
        svc.set_active(s, rec, False)
    with scoped_session(w.s1.id) as s:
        assert svc.run_due(s, w.s1, dt.date(2027, 3, 1)).created == []
        assert s.scalar(select(func.count(Occurrence.id)).where(Occurrence.recurrence_id == rid)) == 4
    assert len(_rounds(w.s1)) == 4


def test_offsets_and_due_periods():
    rec = Recurrence(kind="campaign", period_kind="quarter", start_period="2026-Q4", offset_days=-3)
    assert [p.key for p in svc.due_periods(rec, dt.date(2026, 12, 28))] == ["2026-Q4"]
    assert [p.key for p in svc.due_periods(rec, dt.date(2026, 12, 29))] == ["2026-Q4", "2027-Q1"]
    assert svc.due_periods(rec, dt.date(2026, 9, 27)) == []
    assert svc.next_due(rec, dt.date(2026, 9, 1)) == (periods.parse("quarter", "2026-Q4"), dt.date(2026, 9, 28))
    week = Recurrence(kind="campaign", period_kind="week", start_period="2026-W49", offset_days=2)
    assert [p.key for p in svc.due_periods(week, dt.date(2026, 12, 9))] == ["2026-W49", "2026-W50"]
    assert svc.next_due(week, dt.date(2026, 12, 9))[1] == dt.date(2026, 12, 16)


def test_district_campaign_for_its_streets_through_the_periodic_task(world, program):
    """半年晒拼创: each half-year a campaign of the district with a task for each street, created by
    the periodic job on the task queue — once, however often it runs."""
    w = world
    today = clock.today()
    with scoped_session(w.d.id) as s:
        svc.create(s, w.d, {"kind": "campaign", "template_key": "testcad.showcase", "title": "半年晒拼创",
                            "period_kind": "half_year", "owners": "children"}, today)
    from plugins.cadences import JOB

    assert tasks.periodic_tasks()[JOB][0] == "cadences"
    tasks.configure(immediate=True)
    try:
        assert w.d.id in tasks.tenants_for("cadences")
        assert tasks.run_periodic(JOB, w.d.id) >= 1
        assert tasks.run_periodic(JOB, w.d.id) == 0
    finally:
        tasks.configure()
    half = periods.containing("half_year", today)
    with open_session(w.d.id) as s:
        camps = list(s.scalars(select(Campaign).where(Campaign.title == f"{half.label}半年晒拼创")))
        assert len(camps) == 1 and camps[0].start_on == half.start
        cid = camps[0].id
    for street in (w.s1, w.s2):
        with open_session(street.id) as s:
            t = s.scalar(select(CampaignTask).where(CampaignTask.campaign_id == cid))
            assert (t.title, t.deadline) == ("报送亮点工作", half.start + dt.timedelta(days=20))


def test_chinese_errors_and_nothing_saved(world, program):
    w = world
    today = dt.date(2026, 12, 7)
    with scoped_session(w.s1.id) as s:
        before = s.scalar(select(func.count(Recurrence.id)))
        with pytest.raises(FormErrors) as exc:
            svc.create(s, w.s1, {"kind": "", "offset_days": "x"}, today)
        assert exc.value.errors == {"kind": "请选择要定期创建的内容（考核轮次或推进计划）",
                                    "offset_days": "提前或推后天数应为 -31–92 之间的整数"}
        with pytest.raises(FormErrors) as exc:
            svc.create(s, w.s1, {"kind": "campaign", "template_key": "nope", "period_kind": "decade",
                                 "owners": "children", "note": "\x07"}, today)
        assert exc.value.errors == {"template_key": "模板不存在或未启用",
                                    "period_kind": "请选择周期（每周、每月、每季度、每半年、每年）",
                                    "owners": "本辖区没有下级单位，请选择本级", "note": "备注含有不允许的控制字符"}
        with pytest.raises(FormErrors) as exc:
            svc.create(s, w.s1, {"kind": "assessment_round", "template_key": "testcad.monthly_check",
                                 "start_period": "2026-Q1", "offset_days": "100"}, today)
        assert exc.value.errors == {"start_period": "请填写有效的月度期间，如 2026-12",
                                    "offset_days": "提前或推后天数应为 -31–92 之间的整数"}
        assert s.scalar(select(func.count(Recurrence.id))) == before


def test_an_engine_refusal_is_reported_and_skipped(world, program):
    """S2 has no party orgs: the round is refused (no targets), nothing is written, the job goes on."""
    w = world
    with scoped_session(w.s2.id) as s:
        svc.create(s, w.s2, {"kind": "assessment_round", "template_key": "testcad.monthly_check"}, clock.today())
        result = svc.run_due(s, w.s2, clock.today())
        assert result.created == [] and len(result.failed) == 1
        assert s.scalar(select(func.count(Occurrence.id))) == 0
    assert _rounds(w.s2) == []


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def test_pages_permissions_and_isolation(world, program, user):
    w = world
    c = user("s1staff")
    r = c.get(f"/t/{w.s1.slug}/cadences")
    assert r.status_code == 200 and "党务月度检查（测试）" in r.text
    r = post_form(c, f"/t/{w.s1.slug}/cadences", {"kind": "assessment_round", "template_key": "", "offset_days": "0"})
    assert r.status_code == 422 and "请选择模板" in r.text
    title = unique("一月一检查")
    r = post_form(c, f"/t/{w.s1.slug}/cadences", {"kind": "assessment_round", "template_key": "testcad.monthly_check",
                                                  "title": title, "offset_days": "0"}, follow_redirects=False)
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[-1])
    page = text_of(c.get(r.headers["location"]).text)
    assert title in page and "每月" in page and "新增周期安排" in page
    r = post_form(c, f"/t/{w.s1.slug}/cadences/{rid}/run", follow_redirects=False)
    assert r.status_code == 303
    page = text_of(c.get(f"/t/{w.s1.slug}/cadences/{rid}").text)
    month = periods.containing("month", clock.today())
    assert f"{month.label}{title}" in page and "新增周期创建记录" in page
    post_form(c, f"/t/{w.s1.slug}/cadences/{rid}/run")
    with open_session(w.s1.id) as s:
        assert s.scalar(select(func.count(Occurrence.id)).where(Occurrence.recurrence_id == rid)) == 1
    r = c.get(f"/t/{w.s1.slug}/cadences/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    c = user("s1viewer")
    assert c.get(f"/t/{w.s1.slug}/cadences/{rid}").status_code == 200
    assert post_form(c, f"/t/{w.s1.slug}/cadences/{rid}/active", {"active": "0"}).status_code == 403
    c = user("ostaff")
    assert c.get(f"/t/{w.o.slug}/cadences/{rid}").status_code == 404
    assert post_form(c, f"/t/{w.o.slug}/cadences/{rid}/run").status_code == 404


def test_api(world, program, client, api_token):
    w = world
    h = api_token(w.users["dstaff"])
    base = f"/api/t/{w.d.slug}/cadences"
    r = client.post(f"{base}/recurrences", headers=h, json={"kind": "campaign", "template_key": "testcad.showcase",
                                                            "period_kind": "week", "title": "一周一调研"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["period_kind"] == "week" and body["owners"] == "self"
    r = client.post(f"{base}/recurrences/{body['id']}/run", headers=h)
    assert r.status_code == 201 and len(r.json()["created"]) == 1
    assert client.post(f"{base}/recurrences/{body['id']}/run", headers=h).json()["created"] == []
    occ = client.get(f"{base}/recurrences/{body['id']}/occurrences", headers=h).json()
    assert [o["period"] for o in occ] == [periods.key_of("week", clock.today())]
    r = client.post(f"{base}/recurrences", headers=h, json={"kind": "assessment_round"})
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"template_key": "请选择模板"}
    ho = api_token(w.users["ostaff"])
    assert client.get(f"/api/t/{w.o.slug}/cadences/recurrences/{body['id']}/occurrences", headers=ho).status_code == 404


def test_a_program_sets_its_cadence_up_through_the_api(world, program):
    """NH-3's 一月一检查 as a program's default: created through the API, run twice, one round."""
    from plugins.cadences import api as cadences

    w = world
    with scoped_session(w.d.id) as s:
        rec = cadences.create_recurrence(s, w.d, {"kind": "assessment_round", "template_key": "testcad.monthly_check",
                                                  "start_period": "2026-11"}, dt.date(2026, 11, 3))
        assert rec in cadences.recurrences(s, w.d) and rec.title == "党务月度检查（测试）"
        assert [p.key for p in cadences.due_periods(rec, dt.date(2026, 11, 3))] == ["2026-11"]
        assert [o.period for o in cadences.run_due(s, w.d, dt.date(2026, 11, 3))] == ["2026-11"]
    with scoped_session(w.d.id) as s:
        assert cadences.run_due(s, w.d, dt.date(2026, 11, 30)) == []
    assert _rounds(w.d) == [("2026-11", "draft")]

