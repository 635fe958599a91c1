"""The assessment pages as users see them: templates, rounds, the score sheet, ranking with
Excel export, self-assessment and appeals, permissions and another tenant's ids (404)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.models import AuditEntry
from core.plugins import registry
from plugins.assessment import service as svc
from plugins.assessment.models import (
    AssessmentAppeal,
    AssessmentRound,
    AssessmentScore,
    AssessmentSheet,
)
from tests.helpers import post_form, tenant_id, text_of, unique
from tests.plugins.assessment.conftest import advance, make_round, score, sheet_ids, tenant_session

PO = "testprog.po_quarterly"


def post(client, path: str, data: dict | None = None, follow_redirects: bool = False):
    return post_form(client, path, data, follow_redirects=follow_redirects)


def base(street) -> str:
    return f"/t/{street.info.slug}/assessment"


@pytest.fixture
def staff(world, login_as):
    return login_as(world.users["staff"])


def criteria_ids(street, round_id) -> list[int]:
    with tenant_session(street.info) as s:
        return [c.id for c in s.get(AssessmentRound, round_id).template.criteria]


# --- renders ---------------------------------------------------------------------------------------


def test_pages_render_for_staff(world, staff):
    a = world.a
    rid = make_round(a, PO, "2019-Q1", a.party_orgs[:2], title=unique("页面考核"))
    sid = sheet_ids(a, rid)[a.party_orgs[0]]
    pages = {
        base(a) + "/": ["考核轮次", "新建考核", "导出 Excel"],
        base(a) + "/templates": ["测试党组织季度考核", "测试企业星级评定", "项目注册", "新建模板"],
        base(a) + f"/templates/{PO}": ["阵地建设", "阵地照片", "优秀 ≥ 90", "用此模板新建考核", "复制为自定义模板"],
        base(a) + "/templates/new": ["考核指标", "等次划分", "优秀 90"],
        base(a) + "/rounds/new": ["考核模板", "测试联组考核评优"],
        base(a) + f"/rounds/new?template={PO}": ["考核期间", a.names[a.party_orgs[0]], "建立考核（草稿）"],
        base(a) + f"/rounds/{rid}": ["草稿", "开启考核", a.names[a.party_orgs[1]], "添加考核对象", "变更记录"],
        base(a) + f"/rounds/{rid}/ranking": ["排名预览", "导出 Excel"],
        base(a) + f"/sheets/{sid}": ["阵地建设", "佐证要求：阵地照片", "开始评分后可填写"],
    }
    for path, expected in pages.items():
        r = staff.get(path)
        assert r.status_code == 200, (path, r.status_code)
        for text in expected:
            assert text in r.text, (path, text)
    nav = staff.get(base(a) + "/").text.split('id="sidenav"')[1].split("</nav>")[0]
    assert "考核评议" in text_of(nav)


def test_plugin_is_404_where_not_enabled(login_as):
    if registry().is_enabled(tenant_id("wangyuehu"), "assessment"):
        pytest.skip("another test enabled assessment for 望月湖街道")
    client = login_as("wyh_staff")
    assert client.get("/t/wangyuehu/assessment/").status_code == 404
    assert client.get("/t/wangyuehu/assessment/templates").status_code == 404


# --- templates -------------------------------------------------------------------------------------


def test_build_a_template_in_the_ui(world, staff):
    a = world.a
    label = unique("社区党组织月度检查")
    form = {"label": label, "target_kind": "party_org", "period_kind": "month", "scoring": "points",
            "precision": "1", "grade_bands": "合格 60\n不合格 0",
            "criteria": "【组织生活】\n主题党日 | 50 | 活动照片\n三会一课 | abc"}
    r = post(staff, base(a) + "/templates/new", form)
    assert r.status_code == 422
    assert "第 3 行：分值须为大于 0 的数字（最多两位小数）" in r.text
    assert label in r.text and "主题党日 | 50 | 活动照片" in r.text  # input kept
    with tenant_session(a.info) as s:
        assert label not in [e.value.label for e in svc.template_entries(s, a.info).values()]
    form["criteria"] = "【组织生活】\n主题党日 | 50 | 活动照片\n三会一课 | 50"
    r = post(staff, base(a) + "/templates/new", form)
    assert r.status_code == 303
    key = r.headers["location"].rsplit("/", 1)[1]
    page = staff.get(r.headers["location"])
    assert page.status_code == 200 and label in page.text and "主题党日" in page.text and "合格 ≥ 60" in page.text
    # edit, then a round uses it, then an edit becomes version 2
    form["criteria"] = "主题党日 | 40 | 活动照片\n三会一课 | 60"
    assert post(staff, base(a) + f"/templates/{key}/edit", form).status_code == 303
    make_round(a, key, "2019-03", a.party_orgs[:1])
    page = staff.get(base(a) + f"/templates/{key}/edit")
    assert "保存后将成为新版本" in page.text
    form["criteria"] = "主题党日 | 30 | 活动照片\n三会一课 | 70"
    r = post(staff, base(a) + f"/templates/{key}/edit", form, follow_redirects=True)
    assert "已保存为第 2 版" in r.text
    assert "第 1 版（历史版本）" in staff.get(base(a) + f"/templates/{key}?version=1").text
    # a program's template cannot be edited here
    assert staff.get(base(a) + f"/templates/{PO}/edit").status_code == 404
    assert staff.get(base(a) + "/templates/no-such-key").status_code == 404
    export = staff.get(base(a) + "/templates", params={"format": "xlsx", "q": label})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "模板名称" and [r[0] for r in rows[1:]] == [label]


# --- a round end to end ----------------------------------------------------------------------------


def test_round_through_the_pages(world, staff, login_as, program):
    a = world.a
    title = unique("页面全流程")
    r = post(staff, base(a) + "/rounds/new", {"template": PO, "period_year": "2018", "period_part": "Q2",
                                                    "target_mode": "chosen", "title": title})
    assert r.status_code == 422 and "请至少选择一个考核对象" in r.text
    r = post(staff, base(a) + "/rounds/new", {"template": PO, "period_year": "2018", "period_part": "Q2",
                                                    "target_mode": "chosen", "title": title,
                                                    "targets": [str(p) for p in a.party_orgs[:3]]})
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    round_url = base(a) + f"/rounds/{rid}"
    r = post(staff, round_url + "/transition", {"action": "publish"})
    assert r.status_code == 422 and "当前状态为「草稿」，不能发布结果" in r.text
    assert post(staff, round_url + "/transition", {"action": "open"}).status_code == 303
    assert post(staff, round_url + "/transition", {"action": "start_scoring"}).status_code == 303
    sheets = sheet_ids(a, rid)
    c1, c2, c3 = criteria_ids(a, rid)

    # the score-entry sheet: field errors, input kept, nothing saved
    sheet_url = base(a) + f"/sheets/{sheets[a.party_orgs[0]]}"
    bad = {f"score_{c1}": "45", f"evidence_{c1}": "", f"score_{c2}": "28", f"score_{c3}": "29.5"}
    r = post(staff, sheet_url + "/scores", bad)
    assert r.status_code == 422
    assert "不能超过 40 分" in r.text and 'value="28"' in r.text and "未保存任何内容" in r.text
    with tenant_session(a.info) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentScore).where(
            AssessmentScore.sheet_id == sheets[a.party_orgs[0]])) == 0
    r = post(staff, sheet_url + "/scores", {**bad, f"score_{c1}": "40"})
    assert r.status_code == 422 and "请填写佐证材料（要求：阵地照片）" in r.text
    r = post(staff, sheet_url + "/scores", {**bad, f"score_{c1}": "40", f"evidence_{c1}": "阵地照片 3 张",
                                                "comment": "工作扎实"}, follow_redirects=True)
    assert r.status_code == 200 and "评分已保存（3/3 项），总分 97.5" in r.text and "优秀" in r.text
    score(a, rid, {a.party_orgs[1]: ["37.5", "30", "30"], a.party_orgs[2]: ["20", "20", "20"]})
    assert post(staff, round_url + "/transition", {"action": "submit_review"}).status_code == 303
    preview = staff.get(round_url + "/ranking")
    assert "排名预览" in preview.text
    r = post(staff, round_url + "/transition", {"action": "publish"}, follow_redirects=True)
    assert r.status_code == 200 and "当前状态为「已发布」" in r.text
    assert len(program.PUBLISHED) == 1

    ranking = staff.get(round_url + "/ranking")
    assert ranking.status_code == 200 and "排名预览" not in ranking.text
    text = text_of(ranking.text)
    assert f"1 {a.names[a.party_orgs[0]]} 97.5 优秀" in text and f"1 {a.names[a.party_orgs[1]]} 97.5 优秀" in text
    assert f"3 {a.names[a.party_orgs[2]]} 60 一般" in text  # tie on 97.5 → the next rank is 3
    export = staff.get(round_url + "/ranking", params={"format": "xlsx"})
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0] == ("名次", "考核对象", "总分", "等次", "自评分", "评分进度")
    assert sorted((r[0], r[2], r[3]) for r in rows[1:]) == [(1, 97.5, "优秀"), (1, 97.5, "优秀"), (3, 60, "一般")]
    only_good = staff.get(round_url + "/ranking", params={"grade": "一般"})
    assert a.names[a.party_orgs[2]] in only_good.text and a.names[a.party_orgs[0]] not in only_good.text

    # published: immutable through the pages too
    r = post(staff, sheet_url + "/scores", {f"score_{c1}": "1", f"evidence_{c1}": "x"})
    assert r.status_code == 422 and "当前状态为「已发布」" in r.text
    r = post(staff, round_url + "/transition", {"action": "return_scoring"})
    assert r.status_code == 422 and "当前状态为「已发布」，不能退回评分" in r.text
    with tenant_session(a.info) as s:
        assert s.get(AssessmentSheet, sheets[a.party_orgs[0]]).total == Decimal("97.50")
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "assessment_rounds", AuditEntry.entity_id == str(rid))) >= 5  # audited
    # the history tells it in words: objects, states, criteria and totals by their names
    round_text = text_of(staff.get(round_url).text)
    assert f"修改考核 {title} 状态 评分中 状态 待审核" in round_text and "状态 已发布" in round_text
    assert "assessment_rounds" not in round_text and "published_at" not in round_text
    sheet_text = text_of(staff.get(sheet_url).text)
    assert "总分 97.50 等次 优秀 名次 1" in sheet_text
    assert "新增评分 阵地建设 考核表 " in sheet_text and "指标 阵地建设 类别 评分 分值 40 佐证 阵地照片 3 张" in sheet_text

    lst = staff.get(base(a) + "/", params={"q": title})
    assert title in lst.text and "已发布" in lst.text
    rows = list(load_workbook(io.BytesIO(staff.get(base(a) + "/", params={"q": title, "format": "xlsx"}).content))
                .active.values)
    assert rows[1][0] == title and rows[1][4] == "已发布" and rows[1][5] == 3


# --- permissions -----------------------------------------------------------------------------------


def test_roles_and_object_level_rights(world, login_as, client):
    a = world.a
    title = unique("权限考核")
    rid = make_round(a, PO, "2017-Q3", a.party_orgs[:2], title=title)
    sheets = sheet_ids(a, rid)
    own, other = sheets[a.party_orgs[0]], sheets[a.party_orgs[1]]
    c1, c2, c3 = criteria_ids(a, rid)

    sec = login_as(world.users["secretary"])
    assert sec.get(base(a) + f"/rounds/{rid}").status_code == 404  # drafts are not shown to targets
    advance(a, rid, "open")
    page = sec.get(base(a) + f"/rounds/{rid}")
    assert page.status_code == 200 and a.names[a.party_orgs[0]] in page.text
    assert a.names[a.party_orgs[1]] not in page.text  # only their own sheet
    assert title in sec.get(base(a) + "/").text
    assert sec.get(base(a) + f"/sheets/{own}").status_code == 200
    assert sec.get(base(a) + f"/sheets/{other}").status_code == 404
    self_form = {f"score_{c1}": "38", f"evidence_{c1}": "照片", f"score_{c2}": "30", f"score_{c3}": "30",
                 "comment": "自评完成"}
    assert post(sec, base(a) + f"/sheets/{other}/self", self_form).status_code == 404
    assert post(sec, base(a) + f"/sheets/{own}/self", self_form).status_code == 303
    assert post(sec, base(a) + f"/sheets/{own}/scores", self_form).status_code == 403  # no assessment:score
    assert post(sec, base(a) + f"/rounds/{rid}/transition", {"action": "start_scoring"}).status_code == 403
    assert "98" in sec.get(base(a) + f"/sheets/{own}").text  # the self total

    advance(a, rid, "start_scoring")
    instructor = login_as(world.users["instructor"])  # assessment:score, not :write
    form = {f"score_{c1}": "30", f"evidence_{c1}": "照片", f"score_{c2}": "20", f"score_{c3}": "20"}
    assert post(instructor, base(a) + f"/sheets/{own}/scores", form).status_code == 303
    assert post(instructor, base(a) + f"/rounds/{rid}/transition", {"action": "submit_review"}).status_code == 403
    assert post(instructor, base(a) + "/templates/new", {"label": "x"}).status_code == 403
    viewer = login_as(world.users["viewer"])
    assert viewer.get(base(a) + f"/sheets/{other}").status_code == 200  # read everything
    assert post(viewer, base(a) + f"/sheets/{other}/scores", form).status_code == 403
    assert post(viewer, base(a) + f"/sheets/{other}/appeals", {"body": "x"}).status_code == 403
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, own)
        st = svc.sheet_state(s, sheet.round, sheet)
        assert (st.total, st.self_total) == (Decimal("70.00"), Decimal("98.00"))
        assert s.scalar(select(func.count()).select_from(AssessmentScore).where(AssessmentScore.sheet_id == other)) == 0

    score(a, rid, {a.party_orgs[1]: ["10", "10", "10"]})
    advance(a, rid, "submit_review", "publish")
    # the secretary's ranking shows their own row only; they may appeal their own result
    ranking = sec.get(base(a) + f"/rounds/{rid}/ranking")
    assert a.names[a.party_orgs[0]] in ranking.text and a.names[a.party_orgs[1]] not in ranking.text
    assert "2 个对象参与排名" in ranking.text
    r = post(sec, base(a) + f"/sheets/{own}/appeals", {"body": ""})
    assert r.status_code == 422 and "请填写申诉理由" in r.text
    r = post(sec, base(a) + f"/sheets/{own}/appeals", {"body": "阵地建设分数偏低"}, follow_redirects=True)
    assert r.status_code == 200 and "申诉已提交" in r.text and "阵地建设分数偏低" in r.text
    assert post(sec, base(a) + f"/sheets/{other}/appeals", {"body": "x"}).status_code == 404

    # staff see it on the round page and resolve it
    staff = login_as(world.users["staff"])
    page = staff.get(base(a) + f"/rounds/{rid}")
    assert "阵地建设分数偏低" in page.text and "处理申诉" in page.text
    assert "待处理 1" in staff.get(base(a) + "/", params={"q": title}).text
    with tenant_session(a.info) as s:
        appeal_id = s.scalar(select(AssessmentAppeal.id).where(AssessmentAppeal.sheet_id == own))
    r = post(staff, base(a) + f"/appeals/{appeal_id}/resolve", {"outcome": "upheld", "resolution": ""})
    assert r.status_code == 422 and "请填写处理意见" in r.text
    assert post(sec, base(a) + f"/appeals/{appeal_id}/resolve",
                     {"outcome": "upheld", "resolution": "x"}).status_code == 403
    r = post(staff, base(a) + f"/appeals/{appeal_id}/resolve",
                  {"outcome": "upheld", "resolution": "经复核维持原结果"}, follow_redirects=True)
    assert r.status_code == 200 and "维持原结果 — 经复核维持原结果" in r.text
    assert "经复核维持原结果" in sec.get(base(a) + f"/sheets/{own}").text  # the target sees the resolution


def test_another_tenants_ids_are_404(world, login_as):
    a, b = world.a, world.b
    rid = make_round(a, PO, "2016-Q1", a.party_orgs[:1])
    sid = sheet_ids(a, rid)[a.party_orgs[0]]
    admin = login_as("yuelu_admin")  # a role above both streets: reaches both, but one at a time
    assert admin.get(base(a) + f"/rounds/{rid}").status_code == 200
    for path in (f"/rounds/{rid}", f"/rounds/{rid}/ranking", f"/sheets/{sid}"):
        assert admin.get(base(b) + path).status_code == 404, path
    for path, data in ((f"/rounds/{rid}/transition", {"action": "open"}), (f"/rounds/{rid}/delete", {}),
                       (f"/sheets/{sid}/scores", {}), (f"/sheets/{sid}/self", {})):
        assert post(admin, base(b) + path, data).status_code == 404, path
    assert state(a, rid) == "draft"
    other = login_as(world.users["staff_b"])  # no role in street A at all
    assert other.get(base(a) + f"/rounds/{rid}").status_code == 404
    assert other.get(base(a) + "/").status_code == 404


def state(street, rid):
    with tenant_session(street.info) as s:
        return s.get(AssessmentRound, rid).state


def test_round_draft_targets_and_delete_through_the_pages(world, staff):
    a = world.a
    rid = make_round(a, PO, "2015-Q2", a.party_orgs[:1])
    url = base(a) + f"/rounds/{rid}"
    assert post(staff, url + "/targets", {"targets": [str(a.party_orgs[1])]}).status_code == 303
    assert sorted(sheet_ids(a, rid)) == sorted(a.party_orgs[:2])
    sid = sheet_ids(a, rid)[a.party_orgs[1]]
    assert post(staff, url + f"/sheets/{sid}/remove").status_code == 303
    assert sorted(sheet_ids(a, rid)) == [a.party_orgs[0]]
    advance(a, rid, "open")
    r = post(staff, url + "/delete")
    assert r.status_code == 422 and "不能删除（只能删除草稿）" in r.text
    other = make_round(a, PO, "2015-Q3", a.party_orgs[:1])
    assert post(staff, base(a) + f"/rounds/{other}/delete").status_code == 303
    assert staff.get(base(a) + f"/rounds/{other}").status_code == 404


def test_dashboard_widget_shows_the_latest_published_round(world, login_as):
    a = world.a
    title = unique("工作台考核")
    rid = make_round(a, PO, "2014-Q1", a.party_orgs[:2], title=title)
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"], a.party_orgs[1]: ["20", "20", "20"]})
    advance(a, rid, "submit_review", "publish")
    home = login_as(world.users["staff"]).get(f"/t/{a.info.slug}/")
    assert home.status_code == 200
    assert "最新考核结果" in home.text and title in home.text
    assert f"第 1 名 · {a.names[a.party_orgs[0]]}（优秀）" in text_of(home.text)
    assert "最新考核结果" not in login_as(world.users["secretary"]).get(f"/t/{a.info.slug}/").text


def test_demo_data_through_the_hook_and_pages(database, login_as):
    from core.registry.models import PartyOrg
    from tests.plugins.assessment.conftest import street as make_street

    street = make_street("asm-hook")
    with tenant_session(street) as s:
        s.add_all([PartyOrg(name=f"钩子演示党支部{i}", org_type="branch") for i in range(4)])
    with tenant_session(street, "demo") as s:
        registry().hooks_for(street.id).register_demo_data(session=s, tenant=street)
    with tenant_session(street) as s:
        [rnd] = s.scalars(select(AssessmentRound)).all()
        assert rnd.state == "published"
        ranks = sorted(sh.rank for sh in svc.sheets_of(s, rnd))
    assert ranks == [1, 2, 2, 4]
    client = login_as("yuelu_admin")
    page = client.get(f"/t/{street.slug}/assessment/rounds/{rnd.id}/ranking")
    assert page.status_code == 200
    assert rnd.title.endswith("两新党组织党建工作季度考核（示例）") and rnd.title in page.text and "92" in page.text and "一般" in page.text
    assert client.get(f"/t/{street.slug}/assessment/rounds/{rnd.id}").status_code == 200


def test_disabling_keeps_the_data_and_answers_404(database, login_as):
    from core import revisions
    from core.tenancy import operator_session
    from tests.plugins.assessment.conftest import street as make_street

    street = make_street("asm-off")
    client = login_as("yuelu_admin")
    with tenant_session(street) as s:
        row = svc.create_custom_template(s, street, {
            "label": "停用测试模板", "target_kind": "party_org", "period_kind": "year",
            "grade_bands": "合格 60", "criteria": "甲 | 100"})
        key = row.key
    assert client.get(f"/t/{street.slug}/assessment/templates/{key}").status_code == 200
    with operator_session() as s:
        registry().set_enabled(s, street, "assessment", False)
    revisions.poll(force=True)
    assert client.get(f"/t/{street.slug}/assessment/").status_code == 404
    assert client.get(f"/t/{street.slug}/assessment/templates/{key}").status_code == 404
    assert "考核评议" not in client.get(f"/t/{street.slug}/").text
    with operator_session() as s:
        registry().set_enabled(s, street, "assessment", True)
    revisions.poll(force=True)
    assert "停用测试模板" in client.get(f"/t/{street.slug}/assessment/templates/{key}").text
