"""The campaigns engine through the web: pages, forms (422 with Chinese messages), permissions,
cross-tenant 404, the district's overdue roll-up, report submission and status, Excel exports
and the JSON API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from core.models import AuditEntry
from plugins.campaigns.models import Campaign, CampaignReport, CampaignTask
from tests.helpers import login, post_form, text_of, unique


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/campaigns"


def api(t) -> str:
    return f"/api/t/{t.slug}/campaigns"


def _tasks_of(tenant, campaign_id):
    with open_session(tenant.id) as s:
        return list(s.scalars(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id)
                              .order_by(CampaignTask.id)))


def test_district_starts_campaign_from_template_for_streets(world, program, user):
    w = world
    c = user("dstaff")
    r = c.get(base(w.district))
    assert r.status_code == 200 and "四步走（测试）" in r.text
    title = unique("提质增效年")
    r = post_form(c, base(w.district), {"title": title, "year": "2026", "template_key": "testprog.four_steps",
                                        "owners": [str(w.street.id), str(w.street2.id)]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[-1])
    r = c.get(r.headers["location"])
    page = text_of(r.text)
    assert r.status_code == 200 and "调查摸底" in page and "召开动员大会" in page and w.street2.name in page
    assert len(_tasks_of(w.street, cid)) == 5 and len(_tasks_of(w.street2, cid)) == 5
    # the campaign's history is on its page
    assert "新增计划" in page and "新增阶段" in page
    # Excel export of the campaign's tasks (with the streets')
    r = c.get(f"{base(w.district)}/{cid}/export")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][:4] == ("计划", "阶段", "任务", "责任单位") and len(rows) == 11


def test_form_errors_422_and_nothing_saved(world, program, user):
    w = world
    c = user("dstaff")
    with open_session(w.district.id) as s:
        before = s.scalar(select(func.count(Campaign.id)))
    r = post_form(c, base(w.district), {"title": "", "year": "abc", "owners": [str(w.other_street.id)]})
    assert r.status_code == 422
    assert "请填写计划名称" in r.text and "请填写 2000–2100 之间的年度" in r.text and "只能把任务分配给本级或下级单位" in r.text
    with open_session(w.district.id) as s:
        assert s.scalar(select(func.count(Campaign.id))) == before
    r = post_form(c, base(w.district), {"title": unique("计划"), "year": "2026"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("/", 1)[-1])
    r = post_form(c, f"{base(w.district)}/{cid}/phases", {"phase_title": "持续推进"}, follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.district.id) as s:
        from plugins.campaigns.models import CampaignPhase
        pid = s.scalar(select(CampaignPhase.id).where(CampaignPhase.campaign_id == cid))
    r = post_form(c, f"{base(w.district)}/{cid}/tasks", {"title": "走访", "phase_id": str(pid), "deadline": "随便",
                                                         "owners": [str(w.street.id)]})
    assert r.status_code == 422 and "无法识别的截止时间" in r.text and 'value="随便"' in r.text
    assert _tasks_of(w.street, cid) == []
    r = post_form(c, f"{base(w.district)}/{cid}/tasks", {"title": "走访", "phase_id": str(pid), "deadline": "4月中旬",
                                                         "owners": [str(w.street.id)]}, follow_redirects=False)
    assert r.status_code == 303
    assert [(t.title, t.deadline) for t in _tasks_of(w.street, cid)] == [("走访", dt.date(2026, 4, 15))]


def _task_for(w, c, owner, deadline="2020-01-10"):
    r = post_form(c, base(w.district), {"title": unique("计划"), "year": "2020"}, follow_redirects=False)
    cid = int(r.headers["location"].rsplit("/", 1)[-1])
    post_form(c, f"{base(w.district)}/{cid}/phases", {"phase_title": "阶段一"})
    with open_session(w.district.id) as s:
        from plugins.campaigns.models import CampaignPhase
        pid = s.scalar(select(CampaignPhase.id).where(CampaignPhase.campaign_id == cid))
    title = unique("任务")
    r = post_form(c, f"{base(w.district)}/{cid}/tasks", {"title": title, "phase_id": str(pid), "deadline": deadline,
                                                         "owners": [str(owner.id)]}, follow_redirects=False)
    assert r.status_code == 303
    return _tasks_of(owner, cid)[0].id, title


def test_street_works_its_task_and_district_sees_overdue(world, user):
    w = world
    c = user("dstaff")
    tid, title = _task_for(w, c, w.street)  # deadline in 2020: overdue now
    tid2, title2 = _task_for(w, c, w.street2)
    # the district's roll-up overdue view shows both streets' tasks
    r = c.get(f"{base(w.district)}/overdue")
    assert r.status_code == 200 and title in r.text and title2 in r.text
    r = c.get(f"{base(w.district)}/overdue", params={"owner": str(w.street2.id)})
    assert title2 in r.text and title not in r.text
    r = c.get(f"{base(w.district)}/overdue/export")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert title in [row[2] for row in ws.values]
    # the street staff sees only its own task
    c = user("staff")
    r = c.get(f"{base(w.street)}/overdue")
    assert title in r.text and title2 not in r.text
    r = c.get(f"{base(w.street)}/tasks", params={"overdue": "1"})
    assert title in r.text
    # the sibling street's task: 404
    assert c.get(f"{base(w.street)}/tasks/{tid2}").status_code == 404
    r = post_form(c, f"{base(w.street)}/tasks/{tid2}/start")
    assert r.status_code == 404
    # complete without evidence → 422, nothing changed
    r = post_form(c, f"{base(w.street)}/tasks/{tid}/complete", {"evidence": ""})
    assert r.status_code == 422 and "请填写完成情况或佐证材料说明" in r.text
    assert _tasks_of(w.street, _campaign_of(w.street, tid))[0].status == "todo"
    r = post_form(c, f"{base(w.street)}/tasks/{tid}/complete", {"evidence": "已完成，见台账"}, follow_redirects=False)
    assert r.status_code == 303
    r = post_form(c, f"{base(w.street)}/tasks/{tid}/start")
    assert r.status_code == 422 and "当前状态为「已完成」，不能开始" in r.text
    r = c.get(f"{base(w.street)}/tasks/{tid}")
    assert "已完成，见台账" in r.text and "变更记录" in text_of(r.text) and "完成情况" in r.text
    with open_session(w.street.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "campaigns_tasks",
                                                                AuditEntry.entity_id == str(tid))) >= 2
    c = user("dstaff")
    assert title not in c.get(f"{base(w.district)}/overdue").text


def _campaign_of(tenant, task_id):
    with open_session(tenant.id) as s:
        return s.get(CampaignTask, task_id).campaign_id


def test_permissions_and_cross_tenant(world, user):
    w = world
    c = user("dstaff")
    tid, _ = _task_for(w, c, w.street)
    cid = _campaign_of(w.street, tid)
    c = user("viewer")
    assert c.get(base(w.street)).status_code == 200
    assert c.get(f"{base(w.street)}/tasks/{tid}").status_code == 200
    r = post_form(c, f"{base(w.street)}/tasks/{tid}/start")
    assert r.status_code == 403
    assert post_form(c, base(w.street), {"title": "x", "year": "2026"}).status_code == 403
    assert c.get(f"{base(w.street)}/reports/1/submit").status_code == 403
    # other district's staff: the tenant is invisible (404), and ids from elsewhere are 404
    c = user("ostaff")
    assert c.get(base(w.district)).status_code == 404
    assert c.get(f"{base(w.other_district)}/{cid}").status_code == 404
    assert c.get(f"{base(w.other_street)}/tasks/{tid}").status_code == 404
    # the street cannot open the district's campaign page by id
    c = user("staff")
    assert c.get(f"{base(w.street)}/{cid}").status_code == 404


def test_reports_flow(world, user):
    w = world
    c = user("dstaff")
    r = post_form(c, f"{base(w.district)}/reports", {"title": "", "cadence": "monthly", "due_day": "40"})
    assert r.status_code == 422 and "请填写报送事项名称" in r.text and "截止日应为 1–28 之间的整数" in r.text
    title = unique("月度报表")
    r = post_form(c, f"{base(w.district)}/reports", {"title": title, "cadence": "monthly", "due_day": "5",
                                                     "figure_labels": "走访企业数"}, follow_redirects=False)
    assert r.status_code == 303
    from plugins.campaigns.models import ReportObligation
    with open_session(w.district.id) as s:
        ob_id = s.scalar(select(ReportObligation.id).where(ReportObligation.title == title))
    c = user("staff")
    r = c.get(f"{base(w.street)}/reports")
    assert title in r.text
    # the street's dashboard reminds it of the report still to submit
    pending = c.get(f"/t/{w.street.slug}/").text
    assert "待报送" in pending and title in pending.split('id="pending-reports"')[1].split("</ul>")[0]
    r = c.get(f"{base(w.street)}/reports/{ob_id}/submit")
    assert r.status_code == 200 and "走访企业数" in r.text
    r = post_form(c, f"{base(w.street)}/reports/{ob_id}/submit", {"body": "", "figure_0": "abc"})
    assert r.status_code == 422 and "请填写报送内容" in r.text and "“走访企业数”应为非负整数" in r.text
    r = post_form(c, f"{base(w.street)}/reports/{ob_id}/submit", {"body": "本月走访企业8家", "figure_0": "8"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.street.id) as s:
        rep = s.scalar(select(CampaignReport).where(CampaignReport.obligation_id == ob_id))
        assert rep.figures == {"走访企业数": 8}
    pending = c.get(f"/t/{w.street.slug}/").text
    assert 'id="pending-reports"' not in pending or title not in pending.split('id="pending-reports"')[1].split("</ul>")[0]
    # another district's street cannot submit to this obligation
    c = user("osstaff")
    assert post_form(c, f"{base(w.other_street)}/reports/{ob_id}/submit", {"body": "x", "figure_0": "1"}).status_code == 404
    # the district sees who has and has not reported
    c = user("dstaff")
    r = c.get(f"{base(w.district)}/reports/{ob_id}")
    page = text_of(r.text)
    assert r.status_code == 200 and w.street.name in page and w.street2.name in page
    assert "已报 1 / 应报 2" in page and "本月走访企业8家" in page
    r = c.get(f"{base(w.district)}/reports/{ob_id}/export")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0] == ("单位", "期次", "状态", "报送日期", "内容", "走访企业数")
    states = {row[0]: row[2] for row in rows[1:]}
    assert states[w.street.name] in ("已按时报送", "逾期报送") and states[w.street2.name].startswith(("未报送", "逾期未报送"))
    # the street cannot see the district's status page
    c = user("staff")
    assert c.get(f"{base(w.street)}/reports/{ob_id}").status_code == 404




def test_api_flow(world, program, client, api_token):
    w = world
    h = api_token(w.users["dstaff"])
    r = client.get(f"{api(w.district)}/templates", headers=h)
    assert r.status_code == 200 and r.json()[0]["key"] == "testprog.four_steps"
    r = client.post(f"{api(w.district)}/campaigns", headers=h, json={"title": "", "year": "2026"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["title"] == "请填写计划名称"
    r = client.post(f"{api(w.district)}/campaigns", headers=h,
                    json={"title": unique("API计划"), "year": "2026", "template_key": "testprog.four_steps",
                          "owners": [w.street.id]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["phases"]) == 4 and len(body["tasks"]) == 5
    assert {t["owner_tenant_id"] for t in body["tasks"]} == {w.street.id}
    task_id = body["tasks"][0]["id"]
    r = client.get(f"{api(w.district)}/campaigns/{body['id']}", headers=h)
    assert r.status_code == 200 and len(r.json()["tasks"]) == 5
    hs = api_token(w.users["staff"])
    r = client.post(f"{api(w.street)}/tasks/{task_id}/transition", headers=hs, json={"action": "complete"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["evidence"] == "请填写完成情况或佐证材料说明"
    r = client.post(f"{api(w.street)}/tasks/{task_id}/transition", headers=hs,
                    json={"action": "complete", "evidence": "完成"})
    assert r.status_code == 201 and r.json()["status"] == "done"
    r = client.post(f"{api(w.street)}/tasks/{task_id}/transition", headers=hs, json={"action": "cancel", "reason": "x"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["status"] == "当前状态为「已完成」，不能取消"
    ho = api_token(w.users["osstaff"])
    assert client.get(f"{api(w.other_street)}/tasks/{task_id}", headers=ho).status_code == 404
    hv = api_token(w.users["viewer"])
    r = client.post(f"{api(w.street)}/tasks/{task_id}/transition", headers=hv, json={"action": "reopen"})
    assert r.status_code == 403
    r = client.get(f"{api(w.district)}/overdue", headers=h)
    assert r.status_code == 200 and all(t["overdue"] for t in r.json())
    # obligations
    r = client.post(f"{api(w.district)}/obligations", headers=h,
                    json={"title": unique("季报"), "cadence": "quarterly", "due_day": 10})
    assert r.status_code == 201
    ob = r.json()
    r = client.get(f"{api(w.street)}/obligations", headers=hs)
    assert ob["id"] in [o["id"] for o in r.json() if o["mine"]]
    r = client.post(f"{api(w.street)}/obligations/{ob['id']}/reports", headers=hs, json={"body": "季度小结"})
    assert r.status_code == 201 and r.json()["period"] == ob["current_period"]
    r = client.get(f"{api(w.district)}/obligations/{ob['id']}/status", headers=h)
    states = {x["tenant_id"]: x["state"] for x in r.json()}
    assert states[w.street.id] in ("submitted", "late_submitted")
    assert states[w.street2.id] in ("missing", "late_missing")
    assert client.get(f"{api(w.street)}/obligations/{ob['id']}/status", headers=hs).status_code == 404
def test_weekly_report_end_to_end(world, user):
    """一周一调研 (004 JH-5): a weekly obligation, the street reports last week, the district sees it."""
    from core import clock, periods
    from plugins.campaigns.models import ReportObligation

    w = world
    c = user("dstaff")
    r = post_form(c, f"{base(w.district)}/reports", {"title": "周调研", "cadence": "weekly", "due_day": "9"})
    assert r.status_code == 422 and "每周报送的截止日应为 1–7 之间的整数（次周周一至周日）" in r.text
    title = unique("一周一调研")
    r = post_form(c, f"{base(w.district)}/reports", {"title": title, "cadence": "weekly", "due_day": "2",
                                                     "figure_labels": "调研企业数"}, follow_redirects=False)
    assert r.status_code == 303
    assert "每周，次周周二前" in text_of(c.get(f"{base(w.district)}/reports").text)
    with open_session(w.district.id) as s:
        ob_id = s.scalar(select(ReportObligation.id).where(ReportObligation.title == title))
    last_week = periods.previous("week", clock.today())
    c = user("staff")
    r = c.get(f"{base(w.street)}/reports/{ob_id}/submit")
    assert r.status_code == 200 and last_week.label in r.text
    r = post_form(c, f"{base(w.street)}/reports/{ob_id}/submit", {"body": "走访园区企业3家", "figure_0": "3"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.street.id) as s:
        rep = s.scalar(select(CampaignReport).where(CampaignReport.obligation_id == ob_id))
        assert (rep.period, rep.figures) == (last_week.key, {"调研企业数": 3})
    c = user("dstaff")
    page = text_of(c.get(f"{base(w.district)}/reports/{ob_id}").text)
    assert last_week.label in page and "已报 1 / 应报 2" in page and "走访园区企业3家" in page
