"""Instructors (党建指导员): assignments, the visit log and its permission rule, uncovered list."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import scoped_session
from core.models import User
from core.registry.models import (
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.registry.services import instructors as svc
from tests.helpers import post_form as _post_form
from tests.helpers import tenant_id, text_of, unique

DFH, WYH = "dongfanghong", "wangyuehu"
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def post_form(client, path: str, data: dict | None = None, **kw):
    kw.setdefault("follow_redirects", False)
    return _post_form(client, path, data, **kw)


def make_org(slug: str = DFH, name: str | None = None, status: str = "operating") -> int:
    with scoped_session(tenant_id(slug)) as s:
        org = Organization(name=name or unique("指导测试企业"), kind="enterprise", status=status)
        s.add(org)
        s.flush()
        return org.id


def cover(org_id: int, weak: bool = False, dissolved: bool = False, slug: str = DFH) -> int:
    with scoped_session(tenant_id(slug)) as s:
        po = PartyOrg(name=unique("指导测试支部"), org_type="branch", formation_mode="single", is_weak=weak,
                      dissolved_on=dt.date(2023, 1, 1) if dissolved else None,
                      dissolved_reason="企业注销" if dissolved else "")
        s.add(po)
        s.flush()
        s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org_id))
        return po.id


def make_instructor(slug: str = DFH, **raw) -> int:
    with scoped_session(tenant_id(slug)) as s:
        row = svc.create_instructor(s, {"name": unique("指导员"), "unit": "岳麓区委组织部", **raw}, tenant_id(slug))
        return row.id


def assign(instructor_id: int, org_id: int, start: str = "2020-01-01", end: str = "", slug: str = DFH) -> int:
    with scoped_session(tenant_id(slug)) as s:
        row = svc.assign(s, s.get(Instructor, instructor_id), {"organization": str(org_id), "start_on": start,
                                                               "end_on": end})
        return row.id


def instructor_for_user(username: str = "dfh_instructor") -> int:
    """The instructor linked to the demo instructor user (created if the demo data has none)."""
    with scoped_session(tenant_id(DFH)) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        existing = svc.instructor_of_user(s, user_id)
        if existing is not None:
            existing.active = True
            return existing.id
    return make_instructor(username=username)


def visits_of(org_id: int) -> list[InstructorVisit]:
    with scoped_session(tenant_id(DFH)) as s:
        return list(s.scalars(select(InstructorVisit).where(InstructorVisit.organization_id == org_id)))


# --- instructors and assignments ------------------------------------------------------------------


def test_create_instructor_and_list(as_user, api_token):
    client = as_user("dfh_staff")
    name = unique("王指导")
    r = post_form(client, f"/t/{DFH}/instructors/new",
                  {"name": name, "unit": "区市场监管局", "phone": "13912345678", "active": "1", "username": ""})
    assert r.status_code == 303, text_of(r.text)[:1500]
    instructor_id = int(r.headers["location"].split("/")[-1])
    org = make_org()
    assign(instructor_id, org)
    with scoped_session(tenant_id(DFH)) as s:
        s.add(InstructorVisit(instructor_id=instructor_id, organization_id=org, visited_on=dt.date.today(),
                              findings="党员活动室未挂牌"))
    page = client.get(f"/t/{DFH}/instructors", params={"q": name})
    assert page.status_code == 200
    text = text_of(page.text)
    assert name in text and "区市场监管局" in text and "139****5678" in text and "13912345678" not in page.text
    api = client.get(f"/api/t/{DFH}/instructors", params={"q": name}, headers=api_token("dfh_staff")).json()
    [item] = api["items"]
    assert (item["organizations"], item["visits_this_year"], item["phone_masked"]) == (1, 1, "139****5678")
    detail = client.get(f"/t/{DFH}/instructors/{instructor_id}")
    assert detail.status_code == 200 and "党员活动室未挂牌" in detail.text and "新增党建指导员" in detail.text
    export = client.get(f"/t/{DFH}/instructors/export", params={"q": name})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == (name, "区市场监管局", "139****5678") and rows[1][5:] == (1, 1)


def test_instructor_validation(client, api_token):
    headers = api_token("dfh_staff")
    name = unique("指导")
    r = client.post(f"/api/t/{DFH}/instructors", json={"name": name, "username": "nobody_" + unique()},
                    headers=headers)
    assert r.status_code == 422 and "找不到用户" in r.json()["extra"]["errors"]["username"]
    r = client.post(f"/api/t/{DFH}/instructors", json={"name": name, "username": "wyh_staff"}, headers=headers)
    assert r.status_code == 422 and "在本辖区没有角色" in r.json()["extra"]["errors"]["username"]
    r = client.post(f"/api/t/{DFH}/instructors", json={"name": "", "phone": "123"}, headers=headers)
    errors = r.json()["extra"]["errors"]
    assert r.status_code == 422 and errors["name"] == "姓名：必填" and errors["phone"].startswith("手机号")
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(Instructor.id)).where(Instructor.name == name)) == 0
    # an instructor role cannot manage instructors
    r = client.post(f"/api/t/{DFH}/instructors", json={"name": name}, headers=api_token("dfh_instructor"))
    assert r.status_code == 403


def test_one_active_instructor_per_organization(client, api_token, as_user):
    headers = api_token("dfh_staff")
    a, b = make_instructor(), make_instructor()
    org = make_org()
    first = client.post(f"/api/t/{DFH}/instructors/{a}/assignments",
                        json={"organization": str(org), "start_on": "2023-01-01"}, headers=headers)
    assert first.status_code == 201 and first.json()["active"] is True
    clash = client.post(f"/api/t/{DFH}/instructors/{b}/assignments",
                        json={"organization": str(org), "start_on": "2024-03-01"}, headers=headers)
    assert clash.status_code == 422
    message = clash.json()["extra"]["errors"]["organization"]
    assert "一个组织同一时间只能有一名指导员" in message and "2023-01-01 起" in message
    # the page says the same and keeps nothing
    as_user("dfh_staff")
    page = post_form(client, f"/t/{DFH}/instructors/{b}/assignments",
                     {"organization": str(org), "start_on": "2024-03-01", "end_on": ""})
    assert page.status_code == 422 and "一个组织同一时间只能有一名指导员" in page.text
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(InstructorAssignment.id))
                        .where(InstructorAssignment.organization_id == org)) == 1
    # end the first assignment, then the second may start after it
    end = client.patch(f"/api/t/{DFH}/instructors/assignments/{first.json()['id']}", json={"end_on": "2024-02-29"},
                       headers=headers)
    assert end.status_code == 200 and end.json()["end_on"] == "2024-02-29" and end.json()["active"] is False
    overlap = client.post(f"/api/t/{DFH}/instructors/{b}/assignments",
                          json={"organization": str(org), "start_on": "2024-02-01"}, headers=headers)
    assert overlap.status_code == 422
    ok = client.post(f"/api/t/{DFH}/instructors/{b}/assignments",
                     json={"organization": str(org), "start_on": "2024-03-01"}, headers=headers)
    assert ok.status_code == 201
    # the first cannot be extended back over the second
    again = client.patch(f"/api/t/{DFH}/instructors/assignments/{first.json()['id']}",
                         json={"end_on": "2024-06-01"}, headers=headers)
    assert again.status_code == 422
    bad = client.post(f"/api/t/{DFH}/instructors/{a}/assignments",
                      json={"organization": str(make_org()), "start_on": "2024-03-01", "end_on": "2024-01-01"},
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["extra"]["errors"]["end_on"] == "结束日期：不能早于开始日期"
    detail = client.get(f"/api/t/{DFH}/instructors/{b}", headers=headers).json()
    assert detail["organizations"] == 1 and [x["organization_id"] for x in detail["assignments"]] == [org]


# --- visits ---------------------------------------------------------------------------------------


def test_instructor_records_visits_only_for_assigned_organizations(client, as_user, api_token):
    own = instructor_for_user()
    other = make_instructor()
    assigned, foreign = make_org(), make_org()
    assign(own, assigned)
    assign(other, foreign)

    as_user("dfh_instructor")
    form = client.get(f"/t/{DFH}/instructors/visits/new")
    assert form.status_code == 200
    r = post_form(client, f"/t/{DFH}/instructors/visits/new",
                  {"organization": str(foreign), "visited_on": YESTERDAY, "findings": "走访情况"})
    assert r.status_code == 422 and "只能为走访当日分配给您的组织记录走访" in r.text
    assert visits_of(foreign) == []
    # naming another instructor does not help: an instructor records as themself
    r = post_form(client, f"/t/{DFH}/instructors/visits/new",
                  {"instructor": str(other), "organization": str(assigned), "visited_on": YESTERDAY,
                   "findings": "组织生活正常开展", "follow_up": "协调阵地建设", "follow_up_done": ""})
    assert r.status_code == 303
    [visit] = visits_of(assigned)
    assert visit.instructor_id == own and visit.findings == "组织生活正常开展"
    # before the assignment started
    r = post_form(client, f"/t/{DFH}/instructors/visits/new",
                  {"organization": str(assigned), "visited_on": "2019-06-01", "findings": "x"})
    assert r.status_code == 422
    # the API applies the same rule
    token = api_token("dfh_instructor")
    api = client.post(f"/api/t/{DFH}/instructors/visits",
                      json={"organization": str(foreign), "visited_on": YESTERDAY, "findings": "x"}, headers=token)
    assert api.status_code == 422 and "organization" in api.json()["extra"]["errors"]
    # staff may record for anyone
    staff = api_token("dfh_staff")
    r = client.post(f"/api/t/{DFH}/instructors/visits",
                    json={"instructor": other, "organization": foreign, "visited_on": YESTERDAY,
                          "findings": "员工党员摸排", "follow_up": "发展对象培养", "follow_up_done": False},
                    headers=staff)
    assert r.status_code == 201 and r.json()["instructor_id"] == other
    staff_visit = r.json()["id"]
    # the instructor cannot change another instructor's visit
    assert client.patch(f"/api/t/{DFH}/instructors/visits/{staff_visit}", json={"findings": "改"},
                        headers=token).status_code == 404
    assert client.get(f"/t/{DFH}/instructors/visits/{staff_visit}/edit").status_code == 404
    # but may update their own
    r = client.patch(f"/api/t/{DFH}/instructors/visits/{visit.id}", json={"follow_up_done": True}, headers=token)
    assert r.status_code == 200 and r.json()["follow_up_done"] is True
    # a secretary has no visit right
    r = client.post(f"/api/t/{DFH}/instructors/visits",
                    json={"organization": str(assigned), "visited_on": YESTERDAY, "findings": "x"},
                    headers=api_token("dfh_secretary"))
    assert r.status_code == 403
    future = client.post(f"/api/t/{DFH}/instructors/visits",
                         json={"instructor": other, "organization": foreign, "findings": "x",
                               "visited_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, headers=staff)
    assert future.status_code == 422 and future.json()["extra"]["errors"]["visited_on"] == "走访日期：不能晚于今天"


def test_visit_log_filters_and_export(client, as_user, api_token):
    staff = api_token("dfh_staff")
    a, b = make_instructor(), make_instructor()
    org1, org2 = make_org(), make_org()
    for ins, org, day, text in ((a, org1, "2024-03-05", "甲一"), (a, org2, "2024-05-10", "甲二"),
                                (b, org1, "2024-07-20", "乙一")):
        client.post(f"/api/t/{DFH}/instructors/visits",
                    json={"instructor": ins, "organization": org, "visited_on": day, "findings": text},
                    headers=staff).raise_for_status()

    def findings(**params) -> list[str]:
        page = client.get(f"/api/t/{DFH}/instructors/visits", params=params, headers=staff).json()
        return [v["findings"] for v in page["items"]]

    assert findings(instructor=a) == ["甲二", "甲一"]
    assert findings(organization=org1) == ["乙一", "甲一"]
    assert findings(instructor=a, date_from="2024-04-01", date_to="2024-12-31") == ["甲二"]
    as_user("dfh_staff")
    page = client.get(f"/t/{DFH}/instructors/visits", params={"organization": str(org1)})
    assert page.status_code == 200 and "乙一" in page.text and "甲二" not in page.text
    export = client.get(f"/t/{DFH}/instructors/visits/export", params={"instructor": str(a)})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "走访日期" and [r[3] for r in rows[1:]] == ["甲二", "甲一"]


# --- organizations needing an instructor ----------------------------------------------------------


def test_uncovered_organizations(client, as_user, api_token):
    tag = unique("待派")
    none = make_org(name=f"{tag}无党组织")
    weak = make_org(name=f"{tag}弱")
    cover(weak, weak=True)
    strong = make_org(name=f"{tag}强")
    cover(strong)
    mixed = make_org(name=f"{tag}强弱")
    cover(mixed, weak=True)
    cover(mixed)
    dissolved = make_org(name=f"{tag}撤销")
    cover(dissolved, dissolved=True)
    guided = make_org(name=f"{tag}有指导员")
    ended = make_org(name=f"{tag}指导已结束")
    make_org(name=f"{tag}注销", status="closed")
    ins = make_instructor()
    assign(ins, guided, start="2022-01-01")
    assign(ins, ended, start="2021-01-01", end="2021-12-31")

    staff = api_token("dfh_staff")
    got = client.get(f"/api/t/{DFH}/instructors/uncovered", params={"q": tag, "page_size": 50},
                     headers=staff).json()
    listed = {i["name"]: i["reason"] for i in got["items"]}
    assert listed == {
        f"{tag}无党组织": "未建立党组织",
        f"{tag}弱": "仅由软弱涣散党组织覆盖",
        f"{tag}撤销": "未建立党组织",
        f"{tag}指导已结束": "未建立党组织",
    }
    as_user("dfh_staff")
    page = client.get(f"/t/{DFH}/instructors/uncovered", params={"q": tag})
    assert page.status_code == 200 and f"{tag}弱" in page.text and f"{tag}强" not in page.text
    # assigning from the list takes the organization off it
    r = post_form(client, f"/t/{DFH}/instructors/uncovered/assign",
                  {"instructor": str(ins), "organization": str(none), "start_on": dt.date.today().isoformat()})
    assert r.status_code == 303
    r = post_form(client, f"/t/{DFH}/instructors/uncovered/assign",
                  {"instructor": "", "organization": str(weak), "start_on": ""})
    assert r.status_code == 422 and "请选择指导员" in r.text
    names = {i["name"] for i in client.get(f"/api/t/{DFH}/instructors/uncovered", params={"q": tag},
                                           headers=staff).json()["items"]}
    assert f"{tag}无党组织" not in names and f"{tag}弱" in names
    export = client.get(f"/t/{DFH}/instructors/uncovered/export", params={"q": tag})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == names


# --- tenancy --------------------------------------------------------------------------------------


def test_other_tenant_instructor_is_404(client, as_user, api_token):
    ins = make_instructor()
    org = make_org()
    assignment = assign(ins, org)
    staff = api_token("dfh_staff")
    visit = client.post(f"/api/t/{DFH}/instructors/visits",
                        json={"instructor": ins, "organization": org, "visited_on": YESTERDAY, "findings": "x"},
                        headers=staff).json()["id"]
    wyh = api_token("wyh_staff")
    assert client.get(f"/api/t/{WYH}/instructors/{ins}", headers=wyh).status_code == 404
    assert client.patch(f"/api/t/{WYH}/instructors/{ins}", json={"name": "x"}, headers=wyh).status_code == 404
    assert client.get(f"/api/t/{WYH}/instructors/visits/{visit}", headers=wyh).status_code == 404
    assert client.delete(f"/api/t/{WYH}/instructors/assignments/{assignment}", headers=wyh).status_code == 404
    # a WYH instructor cannot be assigned a DFH organization
    wyh_ins = client.post(f"/api/t/{WYH}/instructors", json={"name": unique("望")}, headers=wyh).json()["id"]
    r = client.post(f"/api/t/{WYH}/instructors/{wyh_ins}/assignments", json={"organization": str(org)}, headers=wyh)
    assert r.status_code == 422 and "找不到组织" in r.json()["extra"]["errors"]["organization"]
    as_user("wyh_staff")
    assert client.get(f"/t/{WYH}/instructors/{ins}").status_code == 404
    assert post_form(client, f"/t/{WYH}/instructors/{ins}/delete").status_code == 404
    assert client.get(f"/t/{DFH}/instructors").status_code == 404
    with scoped_session(tenant_id(DFH)) as s:
        assert s.get(Instructor, ins) is not None and s.get(InstructorAssignment, assignment) is not None


def test_delete_instructor_with_visits_refused(client, api_token):
    staff = api_token("dfh_staff")
    ins, org = make_instructor(), make_org()
    client.post(f"/api/t/{DFH}/instructors/visits",
                json={"instructor": ins, "organization": org, "visited_on": YESTERDAY, "findings": "x"},
                headers=staff).raise_for_status()
    r = client.delete(f"/api/t/{DFH}/instructors/{ins}", headers=staff)
    assert r.status_code == 409 and "不能删除" in r.json()["detail"]
    spare = make_instructor()
    assert client.delete(f"/api/t/{DFH}/instructors/{spare}", headers=staff).status_code == 204
    assert client.get(f"/api/t/{DFH}/instructors/{spare}", headers=staff).status_code == 404


def test_every_instructor_page_renders(client, as_user):
    own = instructor_for_user()
    org = make_org()
    assign(own, org, start="2021-01-01")
    with scoped_session(tenant_id(DFH)) as s:
        visit = InstructorVisit(instructor_id=own, organization_id=org, visited_on=dt.date(2024, 1, 5),
                                findings="<b>未建工会</b>", follow_up="跟进")
        s.add(visit)
        s.flush()
        visit_id = visit.id
    pages = ["instructors", "instructors?active=1&q=x", "instructors/export", f"instructors/{own}",
             "instructors/visits", f"instructors/visits?instructor={own}&date_from=2024-01-01&follow_up=open",
             "instructors/visits?date_from=bad", "instructors/visits/export", "instructors/uncovered",
             "instructors/uncovered/export"]
    for user in ("dfh_staff", "dfh_instructor", "dfh_secretary"):
        as_user(user)
        for path in pages:
            r = client.get(f"/t/{DFH}/{path}")
            assert r.status_code == 200, (user, path, text_of(r.text)[:500])
            assert "<b>未建工会</b>" not in r.text  # escaped
    as_user("dfh_staff")
    for path in ("instructors/new", f"instructors/{own}/edit", "instructors/visits/new",
                 f"instructors/visits/{visit_id}/edit"):
        assert client.get(f"/t/{DFH}/{path}").status_code == 200, path
    as_user("dfh_instructor")
    form = client.get(f"/t/{DFH}/instructors/visits/new")
    assert form.status_code == 200 and f'value="{org}"' in form.text
    assert client.get(f"/t/{DFH}/instructors/visits/{visit_id}/edit").status_code == 200
    assert client.get(f"/t/{DFH}/instructors/new").status_code == 403
    as_user("dfh_secretary")
    assert client.get(f"/t/{DFH}/instructors/visits/new").status_code == 403


def test_assignments_show_in_the_history_of_instructor_and_organization(client, as_user, api_token):
    headers = api_token("dfh_staff")
    instructor, org = make_instructor(), make_org()
    with scoped_session(tenant_id(DFH)) as s:
        ins_name, org_name = s.get(Instructor, instructor).name, s.get(Organization, org).name
    first = client.post(f"/api/t/{DFH}/instructors/{instructor}/assignments",
                        json={"organization": str(org), "start_on": "2023-01-01"}, headers=headers).json()
    client.patch(f"/api/t/{DFH}/instructors/assignments/{first['id']}", json={"end_on": "2023-12-31"},
                 headers=headers)
    second = client.post(f"/api/t/{DFH}/instructors/{instructor}/assignments",
                         json={"organization": str(org), "start_on": "2024-01-01"}, headers=headers).json()
    assert client.delete(f"/api/t/{DFH}/instructors/assignments/{second['id']}", headers=headers).status_code == 204
    as_user("dfh_staff")
    page = text_of(client.get(f"/t/{DFH}/instructors/{instructor}").text)
    history = page[page.index("变更记录"):]
    assert f"分配：{org_name}（2023-01-01 起）" in history
    assert f"结束分配：{org_name}（2023-01-01 至 2023-12-31）" in history
    assert f"删除分配记录：{org_name}（原期间 2024-01-01 起）" in history  # the row itself is gone
    assert "开始日期 2023-01-01" in history and "派出单位 岳麓区委组织部" in history  # labels, not column names
    assert "start_on" not in history and "unit " not in history
    org_page = text_of(client.get(f"/t/{DFH}/organizations/{org}").text)
    assert f"分配党建指导员「{ins_name}」（2023-01-01 起）" in org_page and "结束党建指导员分配" in org_page
