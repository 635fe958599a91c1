"""Party orgs (党组织): tree, list filters, forms, cycles, coverage rules, dissolution, API, export."""

from __future__ import annotations

import io
import random
import secrets

from openpyxl import load_workbook
from sqlalchemy import func, select

from core import clock
from core.db import scoped_session
from core.models import User
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage, UserOrganization
from core.registry.services import organizations as org_svc
from core.registry.services import party_orgs as svc
from core.validators import generate_credit_code
from tests.helpers import post_form, tenant_id, text_of, unique

DFH = "dongfanghong"
STAFF = org_svc.Access(user_id=None, write_all=True)


def make_org(**over) -> Organization:
    raw = {"name": unique("覆盖测试企业"), "kind": "enterprise",
           "credit_code": generate_credit_code(random.Random(secrets.randbits(64))), **over}
    with scoped_session(tenant_id(DFH)) as s:
        return org_svc.create_organization(s, STAFF, raw)


def make_po(slug: str = DFH, **over) -> PartyOrg:
    raw = {"name": unique("测试党支部"), "org_type": "branch", "formation_mode": "single", **over}
    with scoped_session(tenant_id(slug)) as s:
        return svc.create_party_org(s, STAFF, raw)


def make_tree() -> tuple[PartyOrg, PartyOrg, PartyOrg]:
    root = make_po(name=unique("两新综合党委"), org_type="committee", formation_mode="area")
    branch = make_po(parent=str(root.id))
    leaf = make_po(name=unique("下级党小组支部"), parent=str(branch.id), org_type="functional_branch")
    return root, branch, leaf


def db_po(po_id: int, slug: str = DFH) -> PartyOrg | None:
    with scoped_session(tenant_id(slug)) as s:
        return s.get(PartyOrg, po_id)


def covered_ids(po_id: int) -> set[int]:
    with scoped_session(tenant_id(DFH)) as s:
        return set(s.scalars(select(PartyOrgCoverage.organization_id).where(PartyOrgCoverage.party_org_id == po_id)))


def test_tree_view_and_api_tree(as_user, api_token):
    root, branch, leaf = make_tree()
    c = as_user("dfh_staff")
    page = c.get("/t/dongfanghong/party-orgs")
    assert page.status_code == 200
    html = page.text
    assert root.name in html and branch.name in html and leaf.name in html
    assert html.index(root.name) < html.index(branch.name) < html.index(leaf.name)
    assert "树状视图" in html and "列表视图" in html

    nodes = c.get("/api/t/dongfanghong/party-orgs/tree", headers=api_token("dfh_staff")).json()
    by_id = {n["id"]: n for n in nodes}
    assert by_id[root.id]["depth"] == 0 and by_id[branch.id]["depth"] == 1 and by_id[leaf.id]["depth"] == 2
    assert by_id[branch.id]["parent_id"] == root.id and by_id[root.id]["children"] == 1
    order = [n["id"] for n in nodes]
    assert order.index(root.id) < order.index(branch.id) < order.index(leaf.id)

    detail = text_of(c.get(f"/t/dongfanghong/party-orgs/{branch.id}").text)
    assert root.name in detail and leaf.name in detail and "下级党组织（1）" in detail


def test_create_and_edit_via_pages_with_chinese_errors(as_user):
    root = make_po(name=unique("两新综合党委"), org_type="committee", formation_mode="area")
    c = as_user("dfh_staff")
    new = c.get("/t/dongfanghong/party-orgs/new")
    assert new.status_code == 200 and root.name in new.text
    name = unique("页面新建党支部")
    form = {"name": name, "org_type": "joint_branch", "parent": str(root.id), "formation_mode": "joint",
            "secretary_name": "赵六", "founded_on": "2021-07-01", "term_ends_on": "2024-07-01", "venue_class": "2",
            "venue_accepted_on": "2022-01-05", "is_model": "1"}
    r = post_form(c, "/t/dongfanghong/party-orgs/new", form, follow_redirects=False)
    assert r.status_code == 303, r.text
    po_id = int(r.headers["location"].rsplit("/", 1)[-1])
    po = db_po(po_id)
    assert po.parent_id == root.id and po.venue_class == 2 and po.is_model and not po.is_weak
    assert str(po.founded_on) == "2021-07-01"
    detail = text_of(c.get(f"/t/dongfanghong/party-orgs/{po_id}").text)
    assert "联合党支部" in detail and "联合组建" in detail and "二类阵地" in detail and "新建" in detail

    bad = {"name": "", "org_type": "joint_branch", "parent": str(root.id), "formation_mode": "single",
           "founded_on": "2021-07-01", "term_ends_on": "2020-01-01", "venue_accepted_on": "2022-01-05"}
    r = post_form(c, f"/t/dongfanghong/party-orgs/{po_id}/edit", bad)
    assert r.status_code == 422
    text = text_of(r.text)
    assert "党组织名称：必填" in text and "换届日期：不能早于成立日期" in text
    assert "阵地类别：填写验收日期时须选择阵地类别" in text and "联合党支部不能为「单独组建」" in text
    fresh = db_po(po_id)
    assert fresh.name == name and fresh.formation_mode == "joint" and str(fresh.term_ends_on) == "2024-07-01"

    r = post_form(c, f"/t/dongfanghong/party-orgs/{po_id}/edit", {**form, "name": name + "（改）", "is_model": ""},
                  follow_redirects=False)
    assert r.status_code == 303
    assert db_po(po_id).name == name + "（改）" and db_po(po_id).is_model is False
    assert "修改" in text_of(c.get(f"/t/dongfanghong/party-orgs/{po_id}").text)

    missing_parent = post_form(c, "/t/dongfanghong/party-orgs/new", {**form, "parent": "999999999"})
    assert missing_parent.status_code == 422 and "上级党组织：找不到党组织" in text_of(missing_parent.text)


def test_parent_cycle_is_refused(as_user, api_token):
    root, branch, leaf = make_tree()
    c = as_user("dfh_staff")
    form = {"name": root.name, "org_type": "committee", "formation_mode": "area", "parent": str(leaf.id)}
    r = post_form(c, f"/t/dongfanghong/party-orgs/{root.id}/edit", form)
    assert r.status_code == 422 and "会形成循环" in text_of(r.text)
    assert db_po(root.id).parent_id is None
    h = api_token("dfh_staff")
    r = c.patch(f"/api/t/dongfanghong/party-orgs/{branch.id}", json={"parent": str(branch.id)}, headers=h)
    assert r.status_code == 422 and "循环" in r.json()["extra"]["errors"]["parent"]
    r = c.patch(f"/api/t/dongfanghong/party-orgs/{branch.id}", json={"parent": leaf.name}, headers=h)
    assert r.status_code == 422 and db_po(branch.id).parent_id == root.id
    # moving a leaf up is fine
    r = c.patch(f"/api/t/dongfanghong/party-orgs/{leaf.id}", json={"parent": root.name}, headers=h)
    assert r.status_code == 200 and r.json()["parent_id"] == root.id


def test_coverage_rules_single_and_joint(as_user, api_token):
    root = make_po(name=unique("两新综合党委"), org_type="committee", formation_mode="area")
    single = make_po(parent=str(root.id))
    joint = make_po(parent=str(root.id), org_type="joint_branch", formation_mode="joint")
    a, b, c_org = make_org(), make_org(), make_org()
    client = as_user("dfh_staff")

    r = post_form(client, f"/t/dongfanghong/party-orgs/{single.id}/coverage", {"organization": a.credit_code},
                  follow_redirects=False)
    assert r.status_code == 303 and covered_ids(single.id) == {a.id}
    r = post_form(client, f"/t/dongfanghong/party-orgs/{single.id}/coverage", {"organization": b.name})
    assert r.status_code == 422
    assert "单独组建，只能覆盖一个组织" in text_of(r.text) and b.name in r.text  # input kept
    assert covered_ids(single.id) == {a.id}
    r = post_form(client, f"/t/dongfanghong/party-orgs/{single.id}/coverage", {"organization": "不存在的公司"})
    assert r.status_code == 422 and "找不到组织" in text_of(r.text)

    h = api_token("dfh_staff")
    for org in (b, c_org):
        r = client.post(f"/api/t/dongfanghong/party-orgs/{joint.id}/coverage", json={"organization": str(org.id)},
                        headers=h)
        assert r.status_code == 201, r.text
    r = client.post(f"/api/t/dongfanghong/party-orgs/{joint.id}/coverage", json={"organization": a.credit_code},
                    headers=h)
    assert r.status_code == 201 and any(single.name in w for w in r.json()["warnings"])
    assert covered_ids(joint.id) == {a.id, b.id, c_org.id}
    r = client.post(f"/api/t/dongfanghong/party-orgs/{joint.id}/coverage", json={"organization": b.name}, headers=h)
    assert r.status_code == 422 and "已在覆盖范围内" in r.json()["extra"]["errors"]["organization"]

    # a joint branch covering three cannot become a single formation
    r = client.patch(f"/api/t/dongfanghong/party-orgs/{joint.id}",
                     json={"org_type": "branch", "formation_mode": "single"}, headers=h)
    assert r.status_code == 422 and "只能覆盖一个组织" in r.json()["extra"]["errors"]["formation_mode"]

    # the organization page shows who covers it, and the filter agrees
    org_page = text_of(client.get(f"/t/dongfanghong/organizations/{a.id}").text)
    assert single.name in org_page and joint.name in org_page

    r = post_form(client, f"/t/dongfanghong/party-orgs/{joint.id}/coverage/{c_org.id}/remove", follow_redirects=False)
    assert r.status_code == 303 and covered_ids(joint.id) == {a.id, b.id}
    assert client.delete(f"/api/t/dongfanghong/party-orgs/{joint.id}/coverage/{b.id}", headers=h).status_code == 204
    assert client.delete(f"/api/t/dongfanghong/party-orgs/{joint.id}/coverage/{b.id}", headers=h).status_code == 404
    assert covered_ids(joint.id) == {a.id}
    history = text_of(client.get(f"/t/dongfanghong/party-orgs/{joint.id}").text)
    assert "移除覆盖" in history and "新增覆盖" in history


def test_dissolve_needs_reason_no_live_children_and_ends_coverage(as_user):
    root, branch, leaf = make_tree()
    org = make_org()
    with scoped_session(tenant_id(DFH)) as s:
        s.add(PartyOrgCoverage(party_org_id=leaf.id, organization_id=org.id))
    c = as_user("dfh_staff")
    r = post_form(c, f"/t/dongfanghong/party-orgs/{leaf.id}/dissolve", {"dissolved_on": "2024-05-01",
                                                                      "dissolved_reason": ""})
    assert r.status_code == 422 and "撤销原因：必填" in text_of(r.text) and db_po(leaf.id).dissolved_on is None
    r = post_form(c, f"/t/dongfanghong/party-orgs/{branch.id}/dissolve", {"dissolved_on": "2024-05-01",
                                                                        "dissolved_reason": "企业注销"})
    assert r.status_code == 422 and "未撤销的下级党组织" in text_of(r.text)
    r = post_form(c, f"/t/dongfanghong/party-orgs/{leaf.id}/dissolve",
                  {"dissolved_on": "2024-05-01", "dissolved_reason": "企业迁出"}, follow_redirects=False)
    assert r.status_code == 303
    fresh = db_po(leaf.id)
    assert str(fresh.dissolved_on) == "2024-05-01" and fresh.dissolved_reason == "企业迁出"
    assert covered_ids(leaf.id) == set()
    page = text_of(c.get(f"/t/dongfanghong/party-orgs/{leaf.id}").text)
    assert "已撤销" in page and "企业迁出" in page
    listing = c.get("/t/dongfanghong/party-orgs", params={"view": "list", "dissolved": "yes", "q": leaf.name}).text
    assert leaf.name in listing
    listing = c.get("/t/dongfanghong/party-orgs", params={"dissolved": "no", "q": leaf.name}).text
    assert "没有符合条件的党组织" in listing
    r = post_form(c, f"/t/dongfanghong/party-orgs/{leaf.id}/coverage", {"organization": org.credit_code})
    assert r.status_code == 422 and "已撤销的党组织不能新增覆盖组织" in text_of(r.text)


def test_list_filters_and_export(as_user):
    tag = unique("筛选")
    weak = make_po(name=tag + "软弱支部", is_weak="是", venue_class="3", formation_mode="fallback")
    model = make_po(name=tag + "示范支部", is_model="1", venue_class="1", org_type="joint_branch",
                    formation_mode="building")
    org = make_org()
    with scoped_session(tenant_id(DFH)) as s:
        s.add(PartyOrgCoverage(party_org_id=model.id, organization_id=org.id))
        s.add(Member(name="测试党员", status="full", party_org_id=model.id))
    c = as_user("dfh_instructor")

    def names(**params):
        r = c.get("/t/dongfanghong/party-orgs", params={"view": "list", "q": tag, **params})
        assert r.status_code == 200
        return {p.name for p in (weak, model) if p.name in r.text}

    assert names() == {weak.name, model.name}
    assert names(weak="yes") == {weak.name}
    assert names(model="yes") == {model.name}
    assert names(venue_class="1") == {model.name}
    assert names(venue_class="none") == set()
    assert names(org_type="joint_branch") == {model.name}
    assert names(formation_mode="fallback") == {weak.name}

    r = c.get("/t/dongfanghong/party-orgs/export", params={"q": tag, "model": "yes"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("党组织名称", "党组织类型", "上级党组织", "组建方式")
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["党组织名称"] == model.name and row["党组织类型"] == "联合党支部" and row["组建方式"] == "楼宇共建"
    assert row["阵地类别"] == "一类阵地" and row["示范党组织"] == "是" and row["覆盖组织"] == org.name
    assert row["覆盖组织数"] == 1 and row["党员人数"] == 1


def test_api_crud_and_validation(client, api_token):
    h = api_token("dfh_staff")
    root = make_po(name=unique("两新综合党委"), org_type="committee", formation_mode="area")
    r = client.post("/api/t/dongfanghong/party-orgs",
                    json={"name": unique("API党支部"), "org_type": "党支部", "formation_mode": "单独组建",
                          "parent": root.name, "founded_on": "2020-03-01", "is_weak": True}, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["org_type"] == "branch" and out["parent_id"] == root.id and out["is_weak"] is True
    assert out["founded_on"] == "2020-03-01" and out["formation_mode_label"] == "单独组建"
    po_id = out["id"]
    assert client.get(f"/api/t/dongfanghong/party-orgs/{po_id}", headers=h).json()["name"] == out["name"]
    r = client.patch(f"/api/t/dongfanghong/party-orgs/{po_id}", json={"secretary_name": "钱七"}, headers=h)
    assert r.status_code == 200 and r.json()["secretary_name"] == "钱七" and r.json()["parent_id"] == root.id
    listing = client.get("/api/t/dongfanghong/party-orgs", params={"q": out["name"], "weak": "yes"}, headers=h)
    assert listing.json()["total"] == 1 and listing.json()["items"][0]["id"] == po_id

    r = client.post("/api/t/dongfanghong/party-orgs",
                    json={"name": "", "org_type": "党小组", "formation_mode": "x", "founded_on": "昨天"}, headers=h)
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert set(errors) >= {"name", "org_type", "formation_mode", "founded_on"}
    assert errors["founded_on"] == "成立日期：日期格式应为 2024-03-01"

    r = client.post(f"/api/t/dongfanghong/party-orgs/{po_id}/dissolve", json={"dissolved_on": "2025-01-01"},
                    headers=h)
    assert r.status_code == 422 and "dissolved_reason" in r.json()["extra"]["errors"]

    # delete is refused while a child or member refers to it, else allowed
    child = make_po(parent=str(po_id))
    r = client.delete(f"/api/t/dongfanghong/party-orgs/{po_id}", headers=h)
    assert r.status_code == 409 and "下级党组织" in r.json()["detail"]
    assert client.delete(f"/api/t/dongfanghong/party-orgs/{child.id}", headers=h).status_code == 204
    assert client.delete(f"/api/t/dongfanghong/party-orgs/{po_id}", headers=h).status_code == 204
    assert db_po(po_id) is None


def test_other_tenant_404_and_viewer_403(as_user, api_token):
    po = make_po()
    org = make_org()
    c = as_user("wyh_staff")
    assert c.get(f"/t/wangyuehu/party-orgs/{po.id}").status_code == 404
    assert c.get(f"/t/wangyuehu/party-orgs/{po.id}/edit").status_code == 404
    r = post_form(c, f"/t/wangyuehu/party-orgs/{po.id}/edit", {"name": "篡改", "org_type": "branch",
                                                                "formation_mode": "single"})
    assert r.status_code == 404
    assert post_form(c, f"/t/wangyuehu/party-orgs/{po.id}/dissolve",
                     {"dissolved_on": "2024-01-01", "dissolved_reason": "x"}).status_code == 404
    h = api_token("wyh_staff")
    assert c.get(f"/api/t/wangyuehu/party-orgs/{po.id}", headers=h).status_code == 404
    assert c.patch(f"/api/t/wangyuehu/party-orgs/{po.id}", json={"name": "x"}, headers=h).status_code == 404
    assert c.delete(f"/api/t/wangyuehu/party-orgs/{po.id}", headers=h).status_code == 404
    # covering another street's organization from here: not found either
    own = make_po("wangyuehu")
    r = c.post(f"/api/t/wangyuehu/party-orgs/{own.id}/coverage", json={"organization": str(org.id)}, headers=h)
    assert r.status_code == 422 and "找不到组织" in r.json()["extra"]["errors"]["organization"]
    # a parent from another street cannot be referenced
    r = c.patch(f"/api/t/wangyuehu/party-orgs/{own.id}", json={"parent": str(po.id)}, headers=h)
    assert r.status_code == 422 and db_po(own.id, "wangyuehu").parent_id is None
    assert db_po(po.id).name == po.name

    v = as_user("yuelu_viewer")
    assert v.get(f"/t/dongfanghong/party-orgs/{po.id}").status_code == 200
    assert v.get("/t/dongfanghong/party-orgs/new").status_code == 403
    assert post_form(v, f"/t/dongfanghong/party-orgs/{po.id}/edit", {"name": "x"}).status_code == 403
    assert post_form(v, f"/t/dongfanghong/party-orgs/{po.id}/coverage", {"organization": org.name}).status_code == 403
    assert post_form(v, f"/t/dongfanghong/party-orgs/{po.id}/delete").status_code == 403
    hv = api_token("yuelu_viewer")
    assert v.post("/api/t/dongfanghong/party-orgs", json={"name": "x"}, headers=hv).status_code == 403
    assert v.patch(f"/api/t/dongfanghong/party-orgs/{po.id}", json={"name": "x"}, headers=hv).status_code == 403
    assert v.post(f"/api/t/dongfanghong/party-orgs/{po.id}/coverage", json={"organization": org.name},
                  headers=hv).status_code == 403
    assert db_po(po.id).name == po.name and covered_ids(po.id) == set()


def test_org_secretary_sees_only_party_orgs_covering_their_organizations(as_user, api_token):
    tag = unique("书记可见")
    own_org, other_org = make_org(), make_org()
    joint = make_po(name=tag + "联合支部", org_type="joint_branch", formation_mode="joint")
    hidden = make_po(name=tag + "别家支部")
    with scoped_session(tenant_id(DFH)) as s:
        s.add_all([PartyOrgCoverage(party_org_id=joint.id, organization_id=own_org.id),
                   PartyOrgCoverage(party_org_id=joint.id, organization_id=other_org.id),
                   PartyOrgCoverage(party_org_id=hidden.id, organization_id=other_org.id)])
        user = s.scalar(select(User).where(User.username == "dfh_secretary"))
        s.add(UserOrganization(user_id=user.id, organization_id=own_org.id))
    c = as_user("dfh_secretary")
    listing = c.get("/t/dongfanghong/party-orgs", params={"q": tag}).text
    assert joint.name in listing and hidden.name not in listing
    tree = c.get("/t/dongfanghong/party-orgs").text
    assert joint.name in tree and hidden.name not in tree
    detail = c.get(f"/t/dongfanghong/party-orgs/{joint.id}")
    assert detail.status_code == 200
    assert own_org.name in detail.text and other_org.name not in detail.text and "另有 1 个组织" in text_of(detail.text)
    assert c.get(f"/t/dongfanghong/party-orgs/{hidden.id}").status_code == 404
    assert post_form(c, f"/t/dongfanghong/party-orgs/{joint.id}/edit", {"name": "x"}).status_code == 403
    h = api_token("dfh_secretary")
    data = c.get("/api/t/dongfanghong/party-orgs", params={"q": tag}, headers=h).json()
    assert [p["id"] for p in data["items"]] == [joint.id] and data["items"][0]["organization_ids"] == [own_org.id]
    assert c.get(f"/api/t/dongfanghong/party-orgs/{hidden.id}", headers=h).status_code == 404
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(PartyOrg.id)).where(PartyOrg.name == joint.name)) == 1


# --- 换届 (term end) and dissolved parents ----------------------------------------------------------


def test_terms_overdue_and_due_have_a_view_filter_badges_and_api(as_user, api_token):
    import datetime as dt

    today = clock.today()
    tag = unique("换届")
    overdue = make_po(name=tag + "逾期支部", founded_on="2015-01-01",
                      term_ends_on=(today - dt.timedelta(days=1)).isoformat())
    due = make_po(name=tag + "到期支部", founded_on="2015-01-01",
                  term_ends_on=(today + dt.timedelta(days=svc.TERM_DUE_DAYS)).isoformat())
    later = make_po(name=tag + "未到期支部", founded_on="2015-01-01",
                    term_ends_on=(today + dt.timedelta(days=svc.TERM_DUE_DAYS + 1)).isoformat())
    unknown = make_po(name=tag + "未登记支部")
    gone = make_po(name=tag + "已撤销支部", founded_on="2015-01-01", term_ends_on="2016-01-01")
    with scoped_session(tenant_id(DFH)) as s:
        svc.dissolve(s, STAFF, s.get(PartyOrg, gone.id), {"dissolved_on": "2017-01-01", "dissolved_reason": "企业注销"})
    pos = (overdue, due, later, unknown, gone)
    c = as_user("dfh_instructor")  # read-only roles see the reminders too

    def names(**params):
        r = c.get("/t/dongfanghong/party-orgs", params={"view": "list", "q": tag, **params})
        assert r.status_code == 200
        return [p.name for p in pos if p.name in r.text]

    assert names(term="overdue") == [overdue.name]  # a dissolved org has no term to renew
    assert names(term="due") == [due.name]
    assert names(term="none") == [unknown.name]
    assert len(names()) == 5

    listing = text_of(c.get("/t/dongfanghong/party-orgs", params={"view": "list", "q": tag}).text)
    assert listing.count("换届已逾期") >= 2 and "即将换届" in listing  # the filter option, then badges
    tree = c.get("/t/dongfanghong/party-orgs").text
    assert "换届提醒" in tree and "term=overdue" in tree and "term=due" in tree
    detail = text_of(c.get(f"/t/dongfanghong/party-orgs/{overdue.id}").text)
    assert "换届已逾期" in detail
    assert "换届已逾期" not in text_of(c.get(f"/t/dongfanghong/party-orgs/{gone.id}").text)

    r = c.get("/t/dongfanghong/party-orgs/export", params={"q": tag, "term": "due"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [due.name]

    headers = api_token("dfh_staff")
    body = c.get("/api/t/dongfanghong/party-orgs", params={"q": tag, "term": "overdue"}, headers=headers).json()
    assert [p["name"] for p in body["items"]] == [overdue.name] and body["items"][0]["term_status"] == "overdue"
    body = c.get("/api/t/dongfanghong/party-orgs", params={"q": tag}, headers=headers).json()
    status = {p["name"]: p["term_status"] for p in body["items"]}
    assert status == {overdue.name: "overdue", due.name: "due", later.name: "", unknown.name: "", gone.name: ""}


def test_editing_a_party_org_keeps_its_dissolved_parent(as_user):
    root = make_po(name=unique("撤销上级"), org_type="committee", formation_mode="area", founded_on="2015-01-01")
    child = make_po(parent=str(root.id), founded_on="2015-01-01")
    with scoped_session(tenant_id(DFH)) as s:
        svc.dissolve(s, STAFF, s.get(PartyOrg, child.id), {"dissolved_on": "2020-01-01", "dissolved_reason": "合并"})
        svc.dissolve(s, STAFF, s.get(PartyOrg, root.id), {"dissolved_on": "2020-02-01", "dissolved_reason": "合并"})
    c = as_user("dfh_staff")
    form = c.get(f"/t/dongfanghong/party-orgs/{child.id}/edit").text
    assert f'<option value="{root.id}" selected' in form  # offered, so saving does not clear it
    r = post_form(c, f"/t/dongfanghong/party-orgs/{child.id}/edit",
                  {"name": child.name, "org_type": "branch", "formation_mode": "single", "parent": str(root.id),
                   "secretary_name": "新书记", "founded_on": "2015-01-01"}, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:500]
    saved = db_po(child.id)
    assert saved.parent_id == root.id and saved.secretary_name == "新书记"
    # choosing a dissolved org as a *new* parent is still refused
    other = make_po()
    r = post_form(c, f"/t/dongfanghong/party-orgs/{other.id}/edit",
                  {"name": other.name, "org_type": "branch", "formation_mode": "single", "parent": str(root.id)})
    assert r.status_code == 422 and "已撤销，不能作为上级" in text_of(r.text)
