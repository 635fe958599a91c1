"""Organizations (两新组织): pages, API, validation, tenancy, object-level rights, export."""

from __future__ import annotations

import io
import random
import secrets
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import scoped_session
from core.models import AuditEntry, User
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage, UserOrganization
from core.registry.services import organizations as svc
from core.validators import generate_credit_code
from tests.helpers import post_form, tenant_id, text_of, unique

DFH, WYH = "dongfanghong", "wangyuehu"
STAFF = svc.Access(user_id=None, write_all=True)


def code() -> str:
    return generate_credit_code(random.Random(secrets.randbits(64)))


def org_form(**over) -> dict:
    data = {"name": unique("测试企业"), "credit_code": code(), "kind": "enterprise", "sub_kind": "llc",
            "industry": "I", "address": unique("岳麓区麓山路"), "community": "桃花岭社区", "building": "麓山大厦",
            "employees": "35", "investor": "张三", "legal_rep": "李四", "contact_name": "王五",
            "contact_phone": "13812345678", "status": "operating", "has_union": "1", "notes": "测试"}
    data.update(over)
    return data


def make_org(slug: str = DFH, **over) -> Organization:
    with scoped_session(tenant_id(slug)) as s:
        org = svc.create_organization(s, STAFF, org_form(**over))
    return org


def db_org(slug: str, org_id: int) -> Organization | None:
    with scoped_session(tenant_id(slug)) as s:
        return s.get(Organization, org_id)


def count_where(slug: str, **kw) -> int:
    with scoped_session(tenant_id(slug)) as s:
        return s.scalar(select(func.count(Organization.id)).filter_by(**kw))


def link_secretary(org_id: int, username: str = "dfh_secretary") -> None:
    with scoped_session(tenant_id(DFH)) as s:
        user = s.scalar(select(User).where(User.username == username))
        s.add(UserOrganization(user_id=user.id, organization_id=org_id))


# --- pages ------------------------------------------------------------------------------------


def test_create_via_page_shows_detail_list_and_history(as_user):
    c = as_user("dfh_staff")
    assert c.get("/t/dongfanghong/organizations/new").status_code == 200
    form = org_form()
    r = post_form(c, "/t/dongfanghong/organizations/new", form, follow_redirects=False)
    assert r.status_code == 303, r.text
    path = r.headers["location"]
    org_id = int(path.rsplit("/", 1)[-1])
    org = db_org(DFH, org_id)
    assert org.name == form["name"] and org.credit_code == form["credit_code"] and org.employees == 35
    assert org.has_union is True and org.has_youth_league is False
    assert org.contact_phone_enc and "13812345678" not in org.contact_phone_enc

    page = c.get(path)
    assert page.status_code == 200
    text = text_of(page.text)
    assert form["name"] in text and "有限责任公司" in text and "信息传输、软件和信息技术服务业" in text
    assert "138****5678" in text and "13812345678" not in page.text
    assert "尚无党组织覆盖" in text and "变更记录" in text and "新增两新组织" in text  # history from the audit log
    assert f"/t/dongfanghong/members?organization={org_id}" in page.text

    listing = c.get("/t/dongfanghong/organizations", params={"q": form["credit_code"]})
    assert listing.status_code == 200 and form["name"] in listing.text and "共 1 条" in text_of(listing.text)
    by_address = c.get("/t/dongfanghong/organizations", params={"q": form["address"]})
    assert form["name"] in by_address.text


def test_edit_page_keeps_history_and_field_errors_are_chinese(as_user):
    org = make_org()
    c = as_user("dfh_staff")
    edit = c.get(f"/t/dongfanghong/organizations/{org.id}/edit")
    assert edit.status_code == 200 and "13812345678" in edit.text  # editors see the full number
    form = org_form(name=org.name + "（更名）", credit_code=org.credit_code, employees="80", has_union="")
    r = post_form(c, f"/t/dongfanghong/organizations/{org.id}/edit", form, follow_redirects=False)
    assert r.status_code == 303
    fresh = db_org(DFH, org.id)
    assert fresh.name.endswith("（更名）") and fresh.employees == 80 and fresh.has_union is False
    detail = text_of(c.get(f"/t/dongfanghong/organizations/{org.id}").text)
    assert "修改" in detail and "已保存" in detail

    bad = org_form(name="", credit_code="91430104MA4L00000X", kind="enterprise", sub_kind="foundation",
                   employees="很多", contact_phone="12345")
    r = post_form(c, f"/t/dongfanghong/organizations/{org.id}/edit", bad)
    assert r.status_code == 422
    text = text_of(r.text)
    assert "组织名称：必填" in text
    assert "统一社会信用代码" in text and ("校验位错误" in text or "无效字符" in text)
    assert "从业人员数：须为整数" in text
    assert "「基金会」不属于非公企业" in text
    assert "联系电话" in text
    assert bad["address"] in r.text  # the user's input is kept
    unchanged = db_org(DFH, org.id)
    assert unchanged.name == fresh.name and unchanged.address == fresh.address  # nothing half-saved


def test_create_with_errors_saves_nothing(as_user):
    c = as_user("dfh_staff")
    form = org_form(kind="", employees="-3")
    r = post_form(c, "/t/dongfanghong/organizations/new", form)
    assert r.status_code == 422
    text = text_of(r.text)
    assert "类别：必填" in text and "从业人员数：不能小于 0" in text
    assert count_where(DFH, name=form["name"]) == 0


def test_credit_code_unique_per_tenant(as_user, api_token):
    org = make_org()
    c = as_user("dfh_staff")
    r = post_form(c, "/t/dongfanghong/organizations/new", org_form(credit_code=org.credit_code.lower()))
    assert r.status_code == 422 and "该统一社会信用代码已登记" in r.text
    r = c.post("/api/t/dongfanghong/organizations", json=org_form(credit_code=org.credit_code),
               headers=api_token("dfh_staff"))
    assert r.status_code == 422
    assert r.json()["extra"]["errors"]["credit_code"] == "该统一社会信用代码已登记"
    # editing another organization to take the code is refused too
    other = make_org()
    r = c.patch(f"/api/t/dongfanghong/organizations/{other.id}", json={"credit_code": org.credit_code},
                headers=api_token("dfh_staff"))
    assert r.status_code == 422 and db_org(DFH, other.id).credit_code == other.credit_code
    # another street may register the same code
    r = c.post("/api/t/wangyuehu/organizations", json=org_form(credit_code=org.credit_code),
               headers=api_token("wyh_staff"))
    assert r.status_code == 201, r.text


def test_filters_coverage_flags_and_pagination(as_user):
    building = unique("楼宇")
    covered = make_org(building=building, kind="social", sub_kind="association", has_union="")
    bare = make_org(building=building, employs_new_groups="1", has_union="1")
    closed = make_org(building=building, status="closed")
    with scoped_session(tenant_id(DFH)) as s:
        po = PartyOrg(name=unique("覆盖党支部"), org_type="branch", formation_mode="single")
        s.add(po)
        s.flush()
        s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=covered.id))
    c = as_user("dfh_instructor")  # read-only role sees everything

    def names(**params):
        r = c.get("/t/dongfanghong/organizations", params={"building": building, **params})
        assert r.status_code == 200
        return {o.name for o in (covered, bare, closed) if o.name in r.text}

    assert names() == {covered.name, bare.name, closed.name}
    assert names(coverage="covered") == {covered.name}
    assert names(coverage="uncovered") == {bare.name, closed.name}
    assert names(kind="social") == {covered.name}
    assert names(sub_kind="association") == {covered.name}
    assert names(status="closed") == {closed.name}
    assert names(flag="employs_new_groups") == {bare.name}
    assert names(flag="not_has_union") == {covered.name}
    assert names(industry="I", community="桃花岭社区") == {covered.name, bare.name, closed.name}
    assert "共 3 条" in text_of(c.get("/t/dongfanghong/organizations", params={"building": building}).text)
    assert "共 3 条" in text_of(c.get("/t/dongfanghong/organizations", params={"building": building, "page": 2}).text)


def test_api_crud(client, api_token):
    h = api_token("dfh_staff")
    body = org_form(has_union=True, employees=12)
    r = client.post("/api/t/dongfanghong/organizations", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["name"] == body["name"] and out["employees"] == 12 and out["has_union"] is True
    assert out["contact_phone"] == "138****5678" and out["kind_label"] == "非公企业"
    org_id = out["id"]

    assert client.get(f"/api/t/dongfanghong/organizations/{org_id}", headers=h).json()["name"] == body["name"]
    r = client.patch(f"/api/t/dongfanghong/organizations/{org_id}", json={"employees": 99, "status": "已迁出"},
                     headers=h)
    assert r.status_code == 200 and r.json()["employees"] == 99 and r.json()["status"] == "moved_out"
    assert r.json()["name"] == body["name"]  # PATCH leaves other fields alone

    r = client.patch(f"/api/t/dongfanghong/organizations/{org_id}", json={"sub_kind": "foundation"}, headers=h)
    assert r.status_code == 422 and "sub_kind" in r.json()["extra"]["errors"]

    r = client.put(f"/api/t/dongfanghong/organizations/{org_id}",
                   json={"name": body["name"], "kind": "social", "sub_kind": "foundation"}, headers=h)
    assert r.status_code == 200
    assert r.json()["credit_code"] is None and r.json()["address"] == "" and r.json()["status"] == "operating"

    listing = client.get("/api/t/dongfanghong/organizations",
                         params={"q": body["name"], "kind": "social", "page_size": 5}, headers=h)
    assert listing.status_code == 200
    data = listing.json()
    assert data["total"] == 1 and data["items"][0]["id"] == org_id and data["page_size"] == 5

    assert client.delete(f"/api/t/dongfanghong/organizations/{org_id}", headers=h).status_code == 204
    assert client.get(f"/api/t/dongfanghong/organizations/{org_id}", headers=h).status_code == 404
    assert db_org(DFH, org_id) is None


def test_api_invalid_input_is_422_with_field_errors(client, api_token):
    h = api_token("dfh_staff")
    r = client.post("/api/t/dongfanghong/organizations",
                    json={"name": "", "kind": "公司", "credit_code": "123", "contact_phone": "abc"}, headers=h)
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert errors["name"] == "组织名称：必填"
    assert errors["kind"].startswith("类别：无效的选项")
    assert errors["credit_code"].startswith("统一社会信用代码")
    assert "contact_phone" in errors


def test_other_tenant_ids_answer_404(as_user, api_token):
    org = make_org()
    c = as_user("wyh_staff")
    assert c.get(f"/t/wangyuehu/organizations/{org.id}").status_code == 404
    assert c.get(f"/t/wangyuehu/organizations/{org.id}/edit").status_code == 404
    r = post_form(c, f"/t/wangyuehu/organizations/{org.id}/edit", org_form(name="被篡改"))
    assert r.status_code == 404
    assert post_form(c, f"/t/wangyuehu/organizations/{org.id}/delete").status_code == 404
    assert post_form(c, f"/t/wangyuehu/organizations/{org.id}/status", {"status": "closed"}).status_code == 404
    h = api_token("wyh_staff")
    assert c.get(f"/api/t/wangyuehu/organizations/{org.id}", headers=h).status_code == 404
    assert c.patch(f"/api/t/wangyuehu/organizations/{org.id}", json={"name": "x"}, headers=h).status_code == 404
    assert c.put(f"/api/t/wangyuehu/organizations/{org.id}", json=org_form(), headers=h).status_code == 404
    assert c.delete(f"/api/t/wangyuehu/organizations/{org.id}", headers=h).status_code == 404
    listing = c.get("/t/wangyuehu/organizations", params={"q": org.name}).text
    assert "没有符合条件的组织" in listing and f"organizations/{org.id}" not in listing
    # and the other street itself is not reachable for wyh_staff
    assert c.get(f"/t/dongfanghong/organizations/{org.id}").status_code == 404
    fresh = db_org(DFH, org.id)
    assert fresh.name == org.name and fresh.status == "operating"


def test_viewer_reads_but_cannot_write(as_user, api_token):
    org = make_org()
    c = as_user("yuelu_viewer")
    assert c.get(f"/t/dongfanghong/organizations/{org.id}").status_code == 200
    page = c.get("/t/dongfanghong/organizations")
    assert page.status_code == 200 and "登记组织" not in page.text
    assert c.get("/t/dongfanghong/organizations/new").status_code == 403
    assert post_form(c, "/t/dongfanghong/organizations/new", org_form()).status_code == 403
    assert c.get(f"/t/dongfanghong/organizations/{org.id}/edit").status_code == 403
    assert post_form(c, f"/t/dongfanghong/organizations/{org.id}/edit", org_form(name="x")).status_code == 403
    assert post_form(c, f"/t/dongfanghong/organizations/{org.id}/status", {"status": "closed"}).status_code == 403
    assert post_form(c, f"/t/dongfanghong/organizations/{org.id}/delete").status_code == 403
    h = api_token("yuelu_viewer")
    assert c.post("/api/t/dongfanghong/organizations", json=org_form(), headers=h).status_code == 403
    assert c.patch(f"/api/t/dongfanghong/organizations/{org.id}", json={"name": "x"}, headers=h).status_code == 403
    assert c.delete(f"/api/t/dongfanghong/organizations/{org.id}", headers=h).status_code == 403
    fresh = db_org(DFH, org.id)
    assert fresh is not None and fresh.name == org.name and fresh.status == "operating"


def test_org_secretary_sees_and_edits_only_their_own(as_user, api_token):
    building = unique("书记楼")
    own, other = make_org(building=building), make_org(building=building)
    link_secretary(own.id)
    c = as_user("dfh_secretary")
    listing = c.get("/t/dongfanghong/organizations", params={"building": building})
    assert listing.status_code == 200 and own.name in listing.text and other.name not in listing.text
    assert c.get(f"/t/dongfanghong/organizations/{own.id}").status_code == 200
    assert c.get(f"/t/dongfanghong/organizations/{other.id}").status_code == 404
    assert c.get(f"/t/dongfanghong/organizations/{other.id}/edit").status_code == 404
    assert c.get("/t/dongfanghong/organizations/new").status_code == 403

    r = post_form(c, f"/t/dongfanghong/organizations/{own.id}/edit",
                  org_form(name=own.name, credit_code=own.credit_code, employees="77", building=building),
                  follow_redirects=False)
    assert r.status_code == 303 and db_org(DFH, own.id).employees == 77
    r = post_form(c, f"/t/dongfanghong/organizations/{other.id}/edit", org_form(name="篡改"))
    assert r.status_code == 404 and db_org(DFH, other.id).name == other.name
    assert post_form(c, f"/t/dongfanghong/organizations/{own.id}/delete").status_code == 403

    h = api_token("dfh_secretary")
    data = c.get("/api/t/dongfanghong/organizations", params={"building": building}, headers=h).json()
    assert [o["id"] for o in data["items"]] == [own.id] and data["total"] == 1
    assert c.get(f"/api/t/dongfanghong/organizations/{other.id}", headers=h).status_code == 404
    r = c.patch(f"/api/t/dongfanghong/organizations/{own.id}", json={"contact_name": "书记本人"}, headers=h)
    assert r.status_code == 200 and r.json()["contact_name"] == "书记本人"
    assert c.patch(f"/api/t/dongfanghong/organizations/{other.id}", json={"name": "x"}, headers=h).status_code == 404
    assert c.post("/api/t/dongfanghong/organizations", json=org_form(), headers=h).status_code == 403
    assert c.delete(f"/api/t/dongfanghong/organizations/{own.id}", headers=h).status_code == 403
    # the export is limited the same way
    wb = load_workbook(io.BytesIO(c.get("/t/dongfanghong/organizations/export",
                                        params={"building": building}).content))
    names = [row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert names == [own.name]


def test_delete_refused_while_referenced_offers_closing(as_user, api_token):
    org = make_org()
    with scoped_session(tenant_id(DFH)) as s:
        s.add(Member(name="测试党员", status="full", organization_id=org.id))
    c = as_user("dfh_staff")
    detail = text_of(c.get(f"/t/dongfanghong/organizations/{org.id}").text)
    assert "不能删除" in detail and "标记为已注销" in detail
    r = post_form(c, f"/t/dongfanghong/organizations/{org.id}/delete")
    assert r.status_code == 409
    text = text_of(r.text)
    assert "不能删除" in text and "1 名党员" in text and "已注销" in text
    assert db_org(DFH, org.id) is not None
    r = c.delete(f"/api/t/dongfanghong/organizations/{org.id}", headers=api_token("dfh_staff"))
    assert r.status_code == 409 and "不能删除" in r.json()["detail"]

    r = post_form(c, f"/t/dongfanghong/organizations/{org.id}/status", {"status": "closed"},
                  follow_redirects=False)
    assert r.status_code == 303 and db_org(DFH, org.id).status == "closed"
    r = post_form(c, f"/t/dongfanghong/organizations/{org.id}/status", {"status": "bogus"})
    assert r.status_code == 422 and "经营状态" in r.text and db_org(DFH, org.id).status == "closed"

    free = make_org()
    r = post_form(c, f"/t/dongfanghong/organizations/{free.id}/delete", follow_redirects=False)
    assert r.status_code == 303 and db_org(DFH, free.id) is None
    with scoped_session(tenant_id(DFH)) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "organizations",
                                                                  AuditEntry.entity_id == str(free.id))))
    assert {"organizations.create", "organizations.delete"} <= actions


def test_export_is_real_xlsx_with_masked_phone(as_user):
    building = unique("导出楼")
    org = make_org(building=building, contact_phone="13912345678", notes="=HYPERLINK(\"x\")")
    make_org(building=unique("别的楼"))
    c = as_user("dfh_staff")
    page = c.get("/t/dongfanghong/organizations", params={"building": building})
    assert f"/t/dongfanghong/organizations/export?building={quote(building)}" in page.text
    r = c.get("/t/dongfanghong/organizations/export", params={"building": building})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb.active.iter_rows(values_only=True))
    headers = rows[0]
    assert headers[:3] == ("组织名称", "统一社会信用代码", "类别") and "联系电话" in headers and "覆盖党组织" in headers
    assert len(rows) == 2
    row = dict(zip(headers, rows[1], strict=True))
    assert row["组织名称"] == org.name and row["统一社会信用代码"] == org.credit_code
    assert row["类别"] == "非公企业" and row["类型"] == "有限责任公司" and row["建有工会"] == "是"
    assert row["联系电话"] == "139****5678"
    assert row["备注"].startswith("'=")  # formula neutralised
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "organizations.export",
                                                    AuditEntry.summary.like("%1 条%")))


@pytest.mark.parametrize("path", ["/t/dongfanghong/organizations?kind=enterprise&coverage=uncovered&flag=has_union",
                                  "/t/dongfanghong/organizations?page=2"])
def test_list_renders_with_filters(as_user, path):
    make_org()
    assert as_user("dfh_staff").get(path).status_code == 200


def test_api_refuses_arrays_and_objects_where_a_value_belongs(client, api_token):
    headers = api_token("dfh_staff")
    name = unique("数组名称")
    for body, field in (({"name": [name], "kind": "enterprise"}, "name"),
                        ({"name": name, "kind": {"code": "enterprise"}}, "kind"),
                        ({"name": name, "kind": "enterprise", "employees": [1, 2]}, "employees"),
                        ({"name": name, "kind": "enterprise", "has_union": []}, "has_union")):
        r = client.post(f"/api/t/{DFH}/organizations", json=body, headers=headers)
        assert r.status_code == 422, (body, r.text[:300])
        assert r.json()["extra"]["errors"][field].endswith("格式无效，应为单个值")
    assert count_where(DFH, name=name) == 0
    assert count_where(DFH, name=str([name])) == 0
    org = make_org()
    r = client.patch(f"/api/t/{DFH}/organizations/{org.id}", json={"address": ["a", "b"]}, headers=headers)
    assert r.status_code == 422 and "address" in r.json()["extra"]["errors"]
    assert db_org(DFH, org.id).address == org.address


def test_detail_shows_instructor_and_links_to_visits(as_user):
    import datetime as dt

    from core.registry.models import Instructor, InstructorAssignment, InstructorVisit

    org = make_org()
    with scoped_session(tenant_id(DFH)) as s:
        ins = Instructor(name=unique("指导员"), unit="街道")
        s.add(ins)
        s.flush()
        s.add(InstructorAssignment(instructor_id=ins.id, organization_id=org.id, start_on=dt.date(2023, 3, 1)))
        s.add(InstructorVisit(instructor_id=ins.id, organization_id=org.id, visited_on=dt.date(2024, 1, 5),
                              findings="走访"))
        ins_id, ins_name = ins.id, ins.name
    client = as_user("dfh_staff")
    html = client.get(f"/t/{DFH}/organizations/{org.id}").text
    assert f'href="/t/{DFH}/instructors/{ins_id}"' in html and ins_name in html
    assert f'href="/t/{DFH}/instructors/visits?organization={org.id}"' in html and "走访记录（1 条）" in html
    visits = client.get(f"/t/{DFH}/instructors/visits", params={"organization": org.id})
    assert visits.status_code == 200 and "走访" in visits.text and ins_name in visits.text
