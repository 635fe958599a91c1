"""Every ledger through the same import pages (issue 13): instructors, party-org coverage,
clusters with their members, and a plugin's ledger (lists: 资源清单) — same dry run, mapping,
report, valid-rows import and template."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from core.db import scoped_session
from core.registry.models import (
    Cluster,
    ClusterMember,
    Instructor,
    InstructorAssignment,
    PartyOrgCoverage,
)
from plugins.lists.models import ListResource
from tests.helpers import csrf, tenant_id, unique
from tests.registry.test_import import DFH, WYH, api_upload, code, make_party_org, page_upload, xlsx


def make_org(name: str) -> tuple[int, str]:
    from core.registry.models import Organization

    credit = code()
    with scoped_session(tenant_id(DFH)) as s:
        org = Organization(name=name, credit_code=credit, kind="enterprise", status="operating")
        s.add(org)
        s.flush()
        return org.id, credit


def titled(headers: list[str], rows: list[list], title: str = "台账") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    ws.append(["合计", f"{len(rows)}人"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["instructors", "coverage", "cluster_members", "lists_resources"])
def test_each_kind_has_a_template_with_chinese_headers_and_an_example(as_user, kind):
    client = as_user("dfh_staff")
    r = client.get(f"/t/{DFH}/imports/{kind}/template.xlsx")
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers and all(h and not h.isascii() for h in headers)
    assert any(v not in (None, "") for v in (c.value for c in ws[2]))
    assert f"imports/{kind}/template.xlsx" in client.get(f"/t/{DFH}/imports").text


def test_instructors_workbook_through_the_pages(as_user, api_token):
    client = as_user("dfh_staff")
    tag = unique("指导员")
    org_id, credit = make_org(tag + "企业")
    rows = [[tag + "甲", "区委组织部", "１３７ ００１３ ７０００", credit, "2024年3月1日"],
            [tag + "乙", "区人社局", "12", "", ""],
            [tag + "丙", "区人社局", "", "没有这个组织" + tag, ""]]
    r = page_upload(client, DFH, "instructors", "指导员.xlsx",
                    titled(["指导员姓名", "选派单位", "联系电话", "联系企业", "派驻日期"], rows))
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    page = client.get(job_url).text
    assert "指导员姓名 → 姓名" in page and "联系企业 → 负责组织" in page
    assert "联系电话" in page and "只导入正确的行" in page  # the problem names the file's header
    done = client.post(job_url + "/confirm", data={"_csrf_token": csrf(client), "valid_only": "1"},
                       follow_redirects=True)
    assert "下载未导入的行" in done.text
    with scoped_session(tenant_id(DFH)) as s:
        found = list(s.scalars(select(Instructor).where(Instructor.name.like(tag + "%"))))
        assert [i.name for i in found] == [tag + "甲"]
        links = list(s.scalars(select(InstructorAssignment).where(InstructorAssignment.instructor_id == found[0].id)))
        assert [(a.organization_id, a.start_on.isoformat()) for a in links] == [(org_id, "2024-03-01")]
    errors = load_workbook(io.BytesIO(client.get(job_url + "/errors.xlsx").content)).active
    notes = [row[-1] for row in errors.iter_rows(min_row=2, values_only=True)]
    assert notes[0].startswith("联系电话：") and notes[1].startswith("联系企业：")
    # the same file again (API): the imported instructor is unchanged, not duplicated
    again = api_upload(client, api_token("dfh_staff"), DFH, "instructors", "指导员.xlsx",
                       titled(["指导员姓名", "选派单位", "联系电话", "联系企业", "派驻日期"], rows[:1]), dry_run=False)
    assert again.json()["unchanged"] == 1 and again.json()["created"] == 0


def test_coverage_and_cluster_members_import(as_user, api_token):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    tag = unique("覆盖")
    org_id, credit = make_org(tag + "企业")
    po = make_party_org(DFH, tag + "党支部")
    body = api_upload(client, headers, DFH, "coverage", "覆盖.xlsx",
                      xlsx(["党支部", "覆盖企业"], [[po.name, credit], [po.name, credit]]), dry_run=False)
    report = body.json() if body.status_code == 200 else body.json()["extra"]["report"]
    assert report["errors"] == 1 and report["problems"][0]["column"] == "覆盖企业"  # the repeated pair
    body = api_upload(client, headers, DFH, "coverage", "覆盖.xlsx", xlsx(["党支部", "覆盖企业"], [[po.name, credit]]),
                      dry_run=False).json()
    assert body["state"] == "done" and body["created"] == 1
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(PartyOrgCoverage.organization_id).where(PartyOrgCoverage.party_org_id == po.id)) == org_id

    name = tag + "联组"
    body = api_upload(client, headers, DFH, "cluster_members", "联组.xlsx",
                      xlsx(["联组名称", "组团类型", "成员单位", "成员党组织"],
                           [[name, "党建组团", credit, ""], [name, "党建组团", "", po.name], [name, "不存在的类型", credit, ""]])).json()
    assert body["created"] == 2 and body["errors"] == 1 and body["problems"][0]["column"] == "组团类型", body["problems"]
    done = client.post(f"/api/t/{DFH}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers).json()
    assert done["state"] == "done" and done["created"] == 2
    with scoped_session(tenant_id(DFH)) as s:
        cluster = s.scalar(select(Cluster).where(Cluster.name == name))
        members = list(s.scalars(select(ClusterMember).where(ClusterMember.cluster_id == cluster.id)))
        assert {(m.organization_id, m.party_org_id) for m in members} == {(org_id, None), (None, po.id)}


def test_a_plugin_ledger_through_the_same_pages(as_user, api_token):
    client = as_user("dfh_staff")
    tag = unique("资源")
    rows = [[tag + "法律咨询", "某某律所", "律师事务所", "0731-88886666", "20", "2026.12.31"],
            [tag + "技能培训", "某某学校", "学校", "１３９ ０００ ０００００", "", ""],
            [tag + "坏电话", "某某学校", "学校", "123", "", ""]]
    from core.tenancy import tree
    from plugins.lists.service import scheme_for

    kinds = scheme_for(tree().by_slug[DFH]).options("provider_kinds")
    kind_label = next(iter(kinds.values()))
    rows = [[r[0], r[1], kind_label, r[3], r[4], r[5]] for r in rows]
    content = titled(["服务项目", "提供单位", "提供方类别", "联系电话", "服务次数", "有效期至"], rows)
    r = page_upload(client, DFH, "lists_resources", "资源.xlsx", content)
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    page = client.get(job_url).text
    assert "服务项目 → 资源名称" in page and "提供单位 → 提供方" in page
    mapping = client.get(job_url + "/mapping")
    assert mapping.status_code == 200 and "资源类别" in mapping.text
    done = client.post(job_url + "/confirm", data={"_csrf_token": csrf(client), "valid_only": "1"},
                       follow_redirects=True)
    assert done.status_code == 200 and "下载未导入的行" in done.text
    with scoped_session(tenant_id(DFH)) as s:
        found = {r.title: r for r in s.scalars(select(ListResource).where(ListResource.title.like(tag + "%")))}
    assert set(found) == {tag + "法律咨询", tag + "技能培训"}
    assert found[tag + "法律咨询"].capacity == 20 and found[tag + "法律咨询"].valid_until.isoformat() == "2026-12-31"
    again = api_upload(client, api_token("dfh_staff"), DFH, "lists_resources", "资源.xlsx", content).json()
    assert again["unchanged"] == 2 and again["created"] == 0


def test_kinds_of_disabled_plugins_are_not_offered(as_user, api_token):
    from core.plugins import registry

    tid = tenant_id(WYH)
    if "lists" in registry().enabled(tid):
        pytest.skip("lists enabled for wangyuehu")
    from core.registry.importer import kinds_for

    assert "lists_resources" not in kinds_for(tid) and "instructors" in kinds_for(tid)


@pytest.mark.parametrize("kind", ["funds_lines", "dongfanghong_dues", "activities_attendance", "lists_demands"])
def test_plugin_kinds_have_templates(as_user, kind):
    r = as_user("dfh_admin").get(f"/t/{DFH}/imports/{kind}/template.xlsx")
    assert r.status_code == 200, r.text[:300]
    headers = [c.value for c in load_workbook(io.BytesIO(r.content)).worksheets[0][1]]
    assert headers and all(not h.isascii() for h in headers)


def test_funds_and_dues_ledgers(as_user, api_token):
    from plugins.funds.models import BudgetLine
    from plugins.membership.api import DuesRemittance as DuesRecord

    client, headers = as_user("dfh_admin"), api_token("dfh_admin")
    tag = unique("经费")
    po = make_party_org(DFH, tag + "党支部")
    rows = [["2026", "党支部", po.name, "工作经费", tag + "工作经费", "¥5,000.50"],
            ["2026", "", "", "奖励", tag + "奖励", "100"],
            ["2026", "党组织", "没有这个党组织" + tag, "奖励", tag + "坏", "100"],
            ["2026", "党组织", po.name, "工作经费", tag + "坏金额", "12.345"]]
    content = titled(["预算年度", "拨付对象类型", "拨付对象", "资金类别", "项目名称", "预算金额"], rows)
    body = api_upload(client, headers, DFH, "funds_lines", "经费.xlsx", content).json()
    assert body["created"] == 2 and body["errors"] == 2, body["problems"]
    assert {p["column"] for p in body["problems"]} == {"拨付对象", "预算金额"}
    done = client.post(f"/api/t/{DFH}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers).json()
    assert done["created"] == 2
    with scoped_session(tenant_id(DFH)) as s:
        lines = {l.title: l for l in s.scalars(select(BudgetLine).where(BudgetLine.title.like(tag + "%")))}
    assert lines[tag + "工作经费"].amount_fen == 500050 and lines[tag + "工作经费"].target_id == po.id
    assert lines[tag + "奖励"].target_kind == "tenant"
    rows[0][5] = "6000"
    again = api_upload(client, headers, DFH, "funds_lines", "经费.xlsx", titled(
        ["预算年度", "拨付对象类型", "拨付对象", "资金类别", "项目名称", "预算金额"], rows[:2]), dry_run=False).json()
    assert again["updated"] == 1 and again["unchanged"] == 1

    dues = titled(["党支部", "缴纳年度", "党费金额"], [[po.name, "2025", "2,400"], [po.name, "2025", "10"]])
    body = api_upload(client, headers, DFH, "dongfanghong_dues", "党费.xlsx", dues).json()
    assert body["created"] == 1 and body["errors"] == 1 and body["problems"][0]["column"] == "缴纳年度"
    client.post(f"/api/t/{DFH}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers)
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(DuesRecord.amount_fen).where(DuesRecord.party_org_id == po.id)) == 240000


def test_attendance_sheet(as_user, api_token):
    import datetime as dt

    from core.clock import SHANGHAI
    from plugins.activities.models import Activity, ActivityParticipant

    client, headers = as_user("dfh_admin"), api_token("dfh_admin")
    tag = unique("主题党日")
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)
    with scoped_session(tenant_id(DFH)) as s:
        held = Activity(activity_type="theme_day", title=tag, organizer_kind="tenant", organizer_name="街道",
                        starts_at=start, ends_at=start + dt.timedelta(hours=2), status="held")
        s.add(held)
        s.flush()
        s.add(ActivityParticipant(activity_id=held.id, name="李四", unit="甲公司"))
        activity_id = held.id
    sheet = titled(["活动主题", "活动时间", "参会人员", "参会情况", "请假原因"],
                   [[tag, "2026年3月5日", "李四", "√", ""], [tag, "2026.3.5", "王五", "请假", "出差"],
                    [tag, "2026-03-05", "赵六", "请假", ""], [tag, "2026-03-06", "钱七", "出席", ""]])
    body = api_upload(client, headers, DFH, "activities_attendance", "签到.xlsx", sheet).json()
    assert body["created"] == 1 and body["updated"] == 1 and body["errors"] == 2, body["problems"]
    assert {(p["row"], p["column"]) for p in body["problems"]} == {(5, "请假原因"), (6, "活动主题")}
    client.post(f"/api/t/{DFH}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers)
    with scoped_session(tenant_id(DFH)) as s:
        got = {p.name: (p.attendance, p.leave_reason) for p in s.scalars(
            select(ActivityParticipant).where(ActivityParticipant.activity_id == activity_id))}
    assert got == {"李四": ("present", ""), "王五": ("leave", "出差")}
    # an org secretary imports the attendance of their own activities only: the street's is refused
    sec = api_token("dfh_secretary")
    body = api_upload(client, sec, DFH, "activities_attendance", "签到.xlsx", sheet).json()
    assert body["created"] == body["updated"] == 0 and body["errors"] == 4
    first = next(p for p in body["problems"] if p["row"] == 3)
    assert first["column"] == "活动主题" and first["message"].startswith("超出您的管理范围：只能导入本组织（")
    assert first["message"].endswith("的活动出勤")


def test_demand_ledger(as_user, api_token):
    """A street's demand ledger: synonyms for headers, organizations by name or code, solved
    demands with their result; bad rows reported by Chinese column; a re-import changes nothing;
    a demand already handled in the system is not rewritten by a file."""
    from core.tenancy import tree
    from plugins.lists.models import ListDemand
    from plugins.lists.service import scheme_for

    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    scheme = scheme_for(tree().by_slug[DFH])
    category = scheme.categories[0].label
    tag = unique("需求")
    org_id, credit = make_org(tag + "科技有限公司")
    head = ["企业名称", "需求事项", "需求类型", "需求内容", "登记日期", "办理情况", "完成日期", "结果"]
    rows = [[tag + "科技有限公司", tag + "党员转入", category, "两名党员", "2026年3月5日", "已办结", "2026.3.12", "已办理"],
            [credit, tag + "技能培训", category, "", "2026-04-01", "", "", ""],
            [tag + "科技有限公司", tag + "缺结果", category, "", "2026-04-02", "已解决", "2026-04-03", ""],
            [tag + "没有这家", tag + "坏组织", category, "", "2026-04-02", "", "", ""],
            [tag + "科技有限公司", tag + "坏类别", "没有这个类别", "", "2026-04-02", "", "", ""]]
    content = titled(head, rows, "2026年需求台账")
    body = api_upload(client, headers, DFH, "lists_demands", "需求.xlsx", content).json()
    assert body["created"] == 2 and body["errors"] == 3, body["problems"]
    assert {(p["row"], p["column"]) for p in body["problems"]} == {
        (5, "结果"), (6, "企业名称"), (7, "需求类型")}
    done = client.post(f"/api/t/{DFH}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers).json()
    assert done["created"] == 2
    with scoped_session(tenant_id(DFH)) as s:
        got = {d.title: d for d in s.scalars(select(ListDemand).where(ListDemand.title.like(tag + "%")))}
        assert set(got) == {tag + "党员转入", tag + "技能培训"}
        solved, open_ = got[tag + "党员转入"], got[tag + "技能培训"]
        assert (solved.status, solved.resolved_on.isoformat(), solved.resolution) == ("resolved", "2026-03-12", "已办理")
        assert solved.organization_id == open_.organization_id == org_id and solved.org_name == tag + "科技有限公司"
        assert open_.status == "submitted" and open_.channel == "staff"
        assert open_.due_on > open_.submitted_on
        open_.status = "accepted"  # handled in the system since
    again = api_upload(client, headers, DFH, "lists_demands", "需求.xlsx", titled(head, rows[:2])).json()
    assert again["unchanged"] == 2 and again["created"] == 0 and again["errors"] == 0, again
    rows[1][3] = "改了内容"
    changed = api_upload(client, headers, DFH, "lists_demands", "需求.xlsx", titled(head, rows[:2])).json()
    assert changed["errors"] == 1 and changed["problems"][0]["column"] == "办理情况"
    assert "已受理" in changed["problems"][0]["message"]
