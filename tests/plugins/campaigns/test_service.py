"""The campaigns engine's rules: deadline words, the task state machine, overdue on fixed dates,
report periods and who has / has not reported, district vs street visibility."""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core import revisions
from core.db import open_session, scoped_session
from core.forms import FormErrors
from core.plugins import registry
from core.tenancy import operator_session, tree
from plugins.campaigns import service as svc
from plugins.campaigns.models import CampaignReport, CampaignTask
from tests.helpers import unique


@pytest.mark.parametrize(("words", "expected"), [
    ("4月中旬", dt.date(2026, 4, 15)),
    ("4月上旬", dt.date(2026, 4, 10)),
    ("4月下旬", dt.date(2026, 4, 25)),
    ("6月底", dt.date(2026, 6, 30)),
    ("2月底", dt.date(2026, 2, 28)),
    ("2月", dt.date(2026, 2, 28)),
    ("四月中旬", dt.date(2026, 4, 15)),
    ("十二月底前", dt.date(2026, 12, 31)),
    ("全年", dt.date(2026, 12, 31)),
    ("年底", dt.date(2026, 12, 31)),
    ("上半年", dt.date(2026, 6, 30)),
    ("一季度", dt.date(2026, 3, 31)),
    ("5月20日", dt.date(2026, 5, 20)),
    ("9月初", dt.date(2026, 9, 5)),
    ("2027-01-10", dt.date(2027, 1, 10)),
    ("2026/3/8", dt.date(2026, 3, 8)),
])
def test_deadline_words(words, expected):
    assert svc.parse_deadline(words, 2026) == expected


def test_deadline_leap_year_and_errors():
    assert svc.parse_deadline("2月底", 2028) == dt.date(2028, 2, 29)
    for bad, msg in (("", "请填写截止时间"), ("13月", "月份"), ("下个月吧", "无法识别"), ("2月30日", "日期不存在"),
                     ("2026-02-30", "日期不存在")):
        with pytest.raises(ValueError, match=msg):
            svc.parse_deadline(bad, 2026)


def _campaign(w, owners, program_key=None, year=2026):
    with open_session(w.district.id, tree().descendant_ids(w.district.id)) as rs:
        raw = {"title": unique("提质增效年"), "year": str(year), "start_on": f"{year}-01-01",
               "owners": [str(o) for o in owners]}
        if program_key:
            raw["template_key"] = program_key
        c = svc.create_campaign(rs, w.district, raw)
        rs.commit()
        return c.id


def test_start_from_template_copies_phases_and_tasks_to_each_street(world, program):
    w = world
    cid = _campaign(w, [w.street.id, w.street2.id], "testprog.four_steps")
    with open_session(w.district.id, tree().descendant_ids(w.district.id)) as rs:
        c = svc.get_campaign(rs, cid)
        assert [p.title for p in svc.phases_of(rs, c)] == ["调查摸底", "会议动员、成立联组", "持续推进", "总结提升、选树典型"]
        tasks = svc.campaign_tasks(rs, c)
    assert len(tasks) == 5 * 2
    assert {t.tenant_id for t in tasks} == {w.street.id, w.street2.id}
    by_title = {t.title: t.deadline for t in tasks}
    assert by_title["召开动员大会"] == dt.date(2026, 4, 15)
    assert by_title["摸清两新组织底数"] == dt.date(2026, 3, 31)
    assert by_title["成立联合党组"] == dt.date(2026, 1, 1) + dt.timedelta(days=120)
    assert by_title["开展联建活动"] == dt.date(2026, 12, 31)
    # each street sees only its own copies; the district's own session sees none of them
    with open_session(w.street.id) as s:
        own = list(s.scalars(select(CampaignTask).where(CampaignTask.campaign_id == cid)))
        assert len(own) == 5 and all(t.tenant_id == w.street.id for t in own)
        with pytest.raises(NotFoundException):
            svc.get_campaign(s, cid)
    with open_session(w.district.id) as s:
        assert svc.campaign_tasks(s, svc.get_campaign(s, cid)) == []


def test_create_campaign_validation_writes_nothing(world, program):
    w = world
    with open_session(w.district.id, tree().descendant_ids(w.district.id)) as rs:
        with pytest.raises(FormErrors) as exc:
            svc.create_campaign(rs, w.district, {"title": "", "year": "1999", "template_key": "nope",
                                                 "owners": [str(w.other_street.id)]})
        assert exc.value.errors == {"title": "请填写计划名称", "year": "请填写 2000–2100 之间的年度",
                                    "template_key": "模板不存在或未启用", "owners": "只能把任务分配给本级或下级单位"}
        rs.rollback()
    # a street cannot assign to its parent or sibling
    with open_session(w.street.id) as s:
        with pytest.raises(FormErrors) as exc:
            svc.create_campaign(s, w.street, {"title": "x", "year": "2026", "owners": [str(w.street2.id)]})
        assert exc.value.errors["owners"] == "只能把任务分配给本级或下级单位"


def test_add_task_deadline_words_and_errors(world):
    w = world
    cid = _campaign(w, [])
    with open_session(w.district.id, tree().descendant_ids(w.district.id)) as rs:
        c = svc.get_campaign(rs, cid)
        phase = svc.add_phase(rs, c, {"phase_title": "调查摸底"})
        with pytest.raises(FormErrors) as exc:
            svc.add_task(rs, w.district, c, {"title": "", "phase_id": "0", "deadline": "某天"})
        assert exc.value.errors["title"] == "请填写任务名称"
        assert exc.value.errors["phase_id"] == "请选择本计划的阶段"
        assert exc.value.errors["deadline"].startswith("无法识别的截止时间")
        tasks = svc.add_task(rs, w.district, c, {"title": "走访企业", "phase_id": str(phase.id), "deadline": "6月底",
                                                 "owners": [str(w.street.id), str(w.street2.id)]})
        assert [(t.tenant_id, t.deadline) for t in tasks] == [(w.street.id, dt.date(2026, 6, 30)),
                                                              (w.street2.id, dt.date(2026, 6, 30))]
        rs.commit()


def _one_task(w, owner, deadline="2026-04-15", title=None):
    with open_session(w.district.id, tree().descendant_ids(w.district.id)) as rs:
        c = svc.create_campaign(rs, w.district, {"title": unique("计划"), "year": "2026"})
        phase = svc.add_phase(rs, c, {"phase_title": "持续推进"})
        task = svc.add_task(rs, w.district, c, {"title": title or unique("任务"), "phase_id": str(phase.id),
                                                "deadline": deadline, "owners": [str(owner.id)]})[0]
        rs.commit()
        return task.id


def test_state_machine(world, program):
    w = world
    tid = _one_task(w, w.street)
    today = dt.date(2026, 4, 20)
    with scoped_session(w.street.id) as s:
        task = svc.get_task(s, tid)
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "complete", {"evidence": ""}, today)
        assert exc.value.errors == {"evidence": "请填写完成情况或佐证材料说明"}
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "complete", {"evidence": "x", "completed_on": "2026-05-01"}, today)
        assert exc.value.errors == {"completed_on": "完成日期不能晚于今天"}
        assert task.status == "todo"
        svc.transition(s, task, "start", {}, today)
        assert task.status == "in_progress"
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "start", {}, today)
        assert exc.value.errors == {"status": "当前状态为「进行中」，不能开始"}
        svc.transition(s, task, "complete", {"evidence": "已召开动员会，见会议纪要", "completed_on": "2026-04-18"}, today)
        assert (task.status, task.completed_on) == ("done", dt.date(2026, 4, 18))
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "cancel", {"reason": "x"}, today)
        assert exc.value.errors == {"status": "当前状态为「已完成」，不能取消"}
        with pytest.raises(FormErrors):
            svc.transition(s, task, "fly", {}, today)
    assert program[-2:] == [(w.street.id, tid, "start", "todo", "in_progress"),
                            (w.street.id, tid, "complete", "in_progress", "done")]
    tid2 = _one_task(w, w.street)
    with scoped_session(w.street.id) as s:
        task = svc.get_task(s, tid2)
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "cancel", {}, today)
        assert exc.value.errors == {"reason": "请填写取消原因"}
        svc.transition(s, task, "cancel", {"reason": "任务合并"}, today)
        assert task.status == "cancelled" and "任务合并" in task.evidence
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, task, "complete", {"evidence": "x"}, today)
        assert exc.value.errors == {"status": "当前状态为「已取消」，不能标记完成"}


def test_overdue_on_fixed_dates_and_district_rollup(world):
    w = world
    t1 = _one_task(w, w.street, "4月中旬")
    t2 = _one_task(w, w.street2, "4月底")
    t3 = _one_task(w, w.district, "4月中旬")  # the district's own task
    with scoped_session(w.street2.id) as s:
        svc.transition(s, svc.get_task(s, t2), "complete", {"evidence": "ok", "completed_on": "2026-04-10"},
                       dt.date(2026, 4, 10))
    sub = tree().descendant_ids(w.district.id)

    def overdue_ids(scope_tenant, scope, today):
        with open_session(scope_tenant, scope) as s:
            return {t.id for t in svc.overdue_tasks(s, today)}

    assert not {t1, t2, t3} & overdue_ids(w.district.id, sub, dt.date(2026, 4, 15))  # due today: not yet
    assert {t1, t3} <= overdue_ids(w.district.id, sub, dt.date(2026, 4, 16))
    assert t2 not in overdue_ids(w.district.id, sub, dt.date(2026, 5, 20))  # done in time
    # a street sees only its own; the other district sees none
    street_view = overdue_ids(w.street.id, None, dt.date(2026, 4, 16))
    assert t1 in street_view and t3 not in street_view
    assert not {t1, t2, t3} & overdue_ids(w.other_district.id, tree().descendant_ids(w.other_district.id),
                                          dt.date(2027, 1, 1))
    with open_session(w.street.id) as s:
        task = svc.get_task(s, t1)
        assert svc.overdue_days(task, dt.date(2026, 4, 20)) == 5
        assert svc.is_overdue(task, dt.date(2026, 4, 15)) is False


@pytest.mark.parametrize(("cadence", "today", "period", "due"), [
    ("monthly", dt.date(2026, 4, 3), "2026-03", dt.date(2026, 4, 5)),
    ("monthly", dt.date(2026, 1, 2), "2025-12", dt.date(2026, 1, 5)),
    ("quarterly", dt.date(2026, 5, 10), "2026-Q1", dt.date(2026, 4, 5)),
    ("half_yearly", dt.date(2026, 7, 1), "2026-H1", dt.date(2026, 7, 5)),
    ("yearly", dt.date(2026, 3, 1), "2025", dt.date(2026, 1, 5)),
    # 一周一调研: the week before (ISO week 9: 23 Feb – 1 Mar), due on day 5 (Friday) of the week after
    ("weekly", dt.date(2026, 3, 4), "2026-W09", dt.date(2026, 3, 6)),
    ("weekly", dt.date(2027, 1, 4), "2026-W53", dt.date(2027, 1, 8)),
])
def test_report_periods(cadence, today, period, due):
    ob = svc.ReportObligation(title="x", cadence=cadence, due_day=5)
    assert svc.current_period(cadence, today) == period
    assert svc.due_date(ob, period) == due


def test_report_obligation_who_has_and_has_not_submitted(world):
    w = world
    with scoped_session(w.district.id) as s:
        with pytest.raises(FormErrors) as exc:
            svc.create_obligation(s, {"title": "", "cadence": "fortnightly", "due_day": "31"})
        assert exc.value.errors == {"title": "请填写报送事项名称", "cadence": "请选择报送周期",
                                    "due_day": "截止日应为 1–28 之间的整数"}
        ob = svc.create_obligation(s, {"title": unique("月度报表"), "cadence": "monthly", "due_day": "5",
                                       "figure_labels": "走访企业数，解决问题数"})
        ob_id = ob.id
    # the street sees the district's obligation; the other district's street does not
    assert ob_id in [o.id for o in svc.inherited_obligations(w.street)]
    assert ob_id not in [o.id for o in svc.inherited_obligations(w.other_street)]
    assert ob_id not in [o.id for o in svc.inherited_obligations(w.district)]
    ob = svc.get_inherited_obligation(w.street, ob_id)
    with scoped_session(w.street.id) as s:
        with pytest.raises(FormErrors) as exc:
            svc.submit_report(s, w.street, ob, {"period": "2026-03", "body": "", "figure_0": "-1"}, dt.date(2026, 4, 3))
        assert exc.value.errors == {"body": "请填写报送内容", "figure_0": "“走访企业数”应为非负整数",
                                    "figure_1": "请填写“解决问题数”"}
        with pytest.raises(FormErrors) as exc:
            svc.submit_report(s, w.street, ob, {"period": "2026-05", "body": "x", "figure_0": "1", "figure_1": "1"},
                              dt.date(2026, 4, 3))
        assert exc.value.errors == {"period": "该期次尚未开始，不能报送"}
        r = svc.submit_report(s, w.street, ob, {"period": "2026-03", "body": "3月走访12家",
                                                "figure_0": "12", "figure_1": "3"}, dt.date(2026, 4, 3))
        assert (r.late, r.figures) == (False, {"走访企业数": 12, "解决问题数": 3})
    sub = tree().descendant_ids(w.district.id)
    with open_session(w.district.id, sub) as rs:
        ob_d = svc.get_obligation(rs, ob_id)
        rows = {r.tenant.id: r.state for r in svc.submission_status(rs, ob_d, "2026-03", dt.date(2026, 4, 4))}
        assert rows == {w.street.id: "submitted", w.street2.id: "missing"}
        rows = {r.tenant.id: r.state for r in svc.submission_status(rs, ob_d, "2026-03", dt.date(2026, 4, 6))}
        assert rows == {w.street.id: "submitted", w.street2.id: "late_missing"}
    with scoped_session(w.street2.id) as s:
        r = svc.submit_report(s, w.street2, ob, {"period": "2026-03", "body": "补报", "figure_0": "0", "figure_1": "0"},
                              dt.date(2026, 4, 8))
        assert r.late is True
    with scoped_session(w.street.id) as s:  # resubmitting replaces, keeps one row and the first date
        svc.submit_report(s, w.street, ob, {"period": "2026-03", "body": "更正", "figure_0": "13", "figure_1": "3"},
                          dt.date(2026, 4, 9))
        rows = list(s.scalars(select(CampaignReport).where(CampaignReport.obligation_id == ob_id)))
        assert [(r.body, r.submitted_on, r.late) for r in rows] == [("更正", dt.date(2026, 4, 3), False)]
    with open_session(w.district.id, sub) as rs:
        rows = {r.tenant.id: r.state for r in svc.submission_status(rs, svc.get_obligation(rs, ob_id), "2026-03",
                                                                      dt.date(2026, 4, 10))}
        assert rows == {w.street.id: "submitted", w.street2.id: "late_submitted"}


def test_demo_data_is_idempotent(world):
    from plugins.campaigns.demo import make_demo
    from plugins.campaigns.models import Campaign, ReportObligation

    tenant = tree().by_id[world.other_district.id]
    for _ in range(2):
        with scoped_session(tenant.id) as s:
            make_demo(s, tenant, dt.date(2026, 6, 1))
    with open_session(tenant.id) as s:
        assert len(list(s.scalars(select(Campaign)))) == 1
        assert len(list(s.scalars(select(ReportObligation)))) == 1
        assert len(svc.overdue_tasks(s, dt.date(2026, 6, 1))) == 1
        ob = s.scalar(select(ReportObligation))
    # the street reports the period before the current one; the current one stays open
    street = tree().by_id[world.other_street.id]
    for _ in range(2):
        with scoped_session(street.id) as s:
            make_demo(s, street, dt.date(2026, 6, 1))
    with open_session(street.id) as s:
        reports = list(s.scalars(select(CampaignReport).where(CampaignReport.obligation_id == ob.id)))
        assert [(r.period, r.late, r.figures) for r in reports] == [("2026-04", False, {"走访企业数": 12, "解决问题数": 15})]
        assert [(o.id, p) for o, p, _due in svc.pending_reports(s, street, dt.date(2026, 6, 1))] == [(ob.id, "2026-05")]
    with open_session(tenant.id, tree().descendant_ids(tenant.id)) as rs:
        states = {p: [r.state for r in svc.submission_status(rs, ob, p, dt.date(2026, 6, 8))]
                  for p in ("2026-04", "2026-05")}
        assert states == {"2026-04": ["submitted"], "2026-05": ["late_missing"]}


def test_only_streets_running_the_engine_must_report(world):
    from core.services.tenants import TenantForm, create_tenant

    w = world
    tag = unique("")
    with operator_session("test") as s:
        quiet = create_tenant(s, TenantForm(slug=f"cq-{tag}", name=f"未启用街道{tag}", level="street",
                                            parent_id=w.district.id))
        quiet_id = quiet.id
    revisions.poll(force=True)
    assert quiet_id in [t.id for t in tree().children[w.district.id]]
    assert [t.id for t in svc.submitters(w.district.id)] == [w.street.id, w.street2.id]
    assert svc.inherited_obligations(tree().by_id[quiet_id]) == []
    with operator_session("test") as s:
        registry().set_enabled(s, tree().by_id[quiet_id], "campaigns", True)
    revisions.poll(force=True)
    assert quiet_id in [t.id for t in svc.submitters(w.district.id)]
    with operator_session("test") as s:
        registry().set_enabled(s, tree().by_id[quiet_id], "campaigns", False)
    revisions.poll(force=True)
    assert quiet_id not in [t.id for t in svc.submitters(w.district.id)]
