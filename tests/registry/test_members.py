"""Members (党员): masking, audited reveal, search, pipeline, validation, tenancy, secretary scope."""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets

from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from core import crypto
from core.db import scoped_session
from core.models import AuditEntry, User
from core.registry.models import Member, Organization, PartyOrg, UserOrganization
from core.validators import generate_id_number
from tests.helpers import post_form as _post_form
from tests.helpers import tenant_id, text_of, unique

DFH, WYH = "dongfanghong", "wangyuehu"


def post_form(client, path: str, data: dict | None = None, **kw):
    kw.setdefault("follow_redirects", False)
    return _post_form(client, path, data, **kw)


def new_id(birth: dt.date | None = None, male: bool = True) -> str:
    """A valid ID number; a random birth date keeps collisions between tests negligible
    (one birth date allows only 500 numbers per gender and division)."""
    rng = random.Random(secrets.randbits(64))
    birth = birth or dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(30 * 365))
    return generate_id_number(rng, birth, male)


def new_phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def make_org(slug: str = DFH, name: str | None = None) -> int:
    with scoped_session(tenant_id(slug)) as s:
        org = Organization(name=name or unique("党员测试企业"), kind="enterprise")
        s.add(org)
        s.flush()
        return org.id


def make_party_org(slug: str = DFH, name: str | None = None) -> int:
    with scoped_session(tenant_id(slug)) as s:
        po = PartyOrg(name=name or unique("党员测试支部"), org_type="branch", formation_mode="single")
        s.add(po)
        s.flush()
        return po.id


def db_member(slug: str, member_id: int) -> Member | None:
    with scoped_session(tenant_id(slug)) as s:
        return s.get(Member, member_id)


def count_named(slug: str, name: str) -> int:
    with scoped_session(tenant_id(slug)) as s:
        return s.scalar(select(func.count(Member.id)).where(Member.name == name))


def member_form(**over) -> dict:
    data = {"name": unique("党员"), "id_number": new_id(), "phone": new_phone(), "ethnicity": "汉族",
            "education": "bachelor", "status": "full", "applied_on": "2010-03-01", "activist_on": "2010-09-01",
            "candidate_on": "2011-10-01", "probationary_on": "2012-07-01", "full_on": "2013-07-01",
            "position": "", "mobile": "", "mobile_counterpart": "", "transfer_rule": "", "transfer_state": "",
            "points": "12"}
    data.update(over)
    return data


def create_via_form(client, slug: str = DFH, **over) -> tuple[int, dict]:
    data = member_form(**over)
    r = post_form(client, f"/t/{slug}/members/new", data, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    member_id = int(r.headers["location"].rstrip("/").split("/")[-1])
    return member_id, data


def audit_count(action: str, entity_id: int) -> int:
    with scoped_session(tenant_id(DFH)) as s:
        return s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == action, AuditEntry.entity == "members", AuditEntry.entity_id == str(entity_id)))


def mask(idn: str) -> str:
    return crypto.mask_id(idn)


# --- masking --------------------------------------------------------------------------------------


def test_create_and_list_mask_id_and_phone(as_user):
    client = as_user("dfh_staff")
    org = make_org()
    po = make_party_org()
    member_id, data = create_via_form(client, organization=str(org), party_org=str(po),
                                      id_number=new_id(dt.date(1990, 5, 17)))
    m = db_member(DFH, member_id)
    assert m.organization_id == org and m.party_org_id == po and m.points == 12
    assert m.id_number_enc and data["id_number"] not in m.id_number_enc  # encrypted at rest
    assert m.id_number_hash == crypto.blind_index(data["id_number"], "id_number")
    assert m.gender == "male" and m.birth_date == dt.date(1990, 5, 17)  # from the ID number

    listing = client.get(f"/t/{DFH}/members", params={"q": data["name"]})
    assert listing.status_code == 200
    assert data["name"] in listing.text
    assert mask(data["id_number"]) in listing.text and data["id_number"] not in listing.text
    assert crypto.mask_phone(data["phone"]) in listing.text and data["phone"] not in listing.text

    detail = client.get(f"/t/{DFH}/members/{member_id}")
    assert detail.status_code == 200
    assert mask(data["id_number"]) in detail.text and data["id_number"] not in detail.text
    assert data["phone"] not in detail.text
    assert "显示完整信息" in detail.text
    assert "新增党员" in detail.text  # history from the audit log

    edit = client.get(f"/t/{DFH}/members/{member_id}/edit")
    assert edit.status_code == 200 and data["id_number"] not in edit.text and data["phone"] not in edit.text


def test_export_is_masked(as_user):
    client = as_user("dfh_staff")
    member_id, data = create_via_form(client)
    r = client.get(f"/t/{DFH}/members/export", params={"q": data["name"]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "姓名" and "身份证号" in rows[0]
    assert len(rows) == 2 and rows[1][0] == data["name"]
    cells = [str(c) for c in rows[1]]
    assert mask(data["id_number"]) in cells and crypto.mask_phone(data["phone"]) in cells
    assert data["id_number"] not in cells and data["phone"] not in cells
    assert "正式党员" in cells


def test_api_output_is_masked(client, api_token):
    headers = api_token("dfh_staff")
    body = member_form()
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["id_number_masked"] == mask(body["id_number"])
    assert out["phone_masked"] == crypto.mask_phone(body["phone"])
    assert body["id_number"] not in r.text and body["phone"] not in r.text
    got = client.get(f"/api/t/{DFH}/members/{out['id']}", headers=headers)
    assert got.status_code == 200 and body["id_number"] not in got.text and got.json()["name"] == body["name"]
    listing = client.get(f"/api/t/{DFH}/members", params={"q": body["name"]}, headers=headers)
    assert listing.status_code == 200
    assert listing.json()["total"] == 1 and body["id_number"] not in listing.text


# --- reveal ---------------------------------------------------------------------------------------


def test_reveal_shows_full_values_and_is_audited(as_user):
    client = as_user("dfh_staff")
    member_id, data = create_via_form(client)
    before = audit_count("members.reveal", member_id)
    r = post_form(client, f"/t/{DFH}/members/{member_id}/reveal")
    assert r.status_code == 200
    assert data["id_number"] in r.text and data["phone"] in r.text
    assert r.headers.get("cache-control") == "no-store"
    assert audit_count("members.reveal", member_id) == before + 1
    with scoped_session(tenant_id(DFH)) as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "members.reveal",
                                                  AuditEntry.entity_id == str(member_id)))
        assert entry.username == "dfh_staff" and entry.tenant_id == tenant_id(DFH)
    # the next plain view is masked again, and its history names the reveal
    detail = client.get(f"/t/{DFH}/members/{member_id}").text
    assert data["id_number"] not in detail and data["phone"] not in detail
    assert "查看完整身份证号和手机号" in detail and "id_number_hash" not in detail


def test_reveal_without_permission_is_403_and_not_audited(as_user, client, api_token):
    staff = api_token("dfh_staff")
    body = member_form()
    member_id = client.post(f"/api/t/{DFH}/members", json=body, headers=staff).json()["id"]
    # dfh_instructor can read the registry but may not reveal
    as_user("dfh_instructor")
    detail = client.get(f"/t/{DFH}/members/{member_id}")
    assert detail.status_code == 200 and "显示完整信息" not in detail.text
    r = post_form(client, f"/t/{DFH}/members/{member_id}/reveal")
    assert r.status_code == 403 and body["id_number"] not in r.text
    api = client.post(f"/api/t/{DFH}/members/{member_id}/reveal", headers=api_token("dfh_instructor"))
    assert api.status_code == 403 and body["id_number"] not in api.text
    assert audit_count("members.reveal", member_id) == 0
    ok = client.post(f"/api/t/{DFH}/members/{member_id}/reveal", headers=staff)
    assert ok.status_code == 200
    assert ok.json() == {"id": member_id, "id_number": body["id_number"], "phone": body["phone"]}
    assert audit_count("members.reveal", member_id) == 1


# --- search ---------------------------------------------------------------------------------------


def test_search_by_exact_id_number_and_phone(client, api_token):
    headers = api_token("dfh_staff")
    body = member_form()
    client.post(f"/api/t/{DFH}/members", json=body, headers=headers).raise_for_status()
    found = client.get(f"/api/t/{DFH}/members", params={"q": body["id_number"]}, headers=headers).json()
    assert [i["name"] for i in found["items"]] == [body["name"]]
    lower = body["id_number"].lower()  # an "x" check digit in lower case still matches
    assert client.get(f"/api/t/{DFH}/members", params={"q": lower}, headers=headers).json()["total"] == 1
    by_phone = client.get(f"/api/t/{DFH}/members", params={"q": body["phone"]}, headers=headers).json()
    assert [i["name"] for i in by_phone["items"]] == [body["name"]]
    other = client.get(f"/api/t/{DFH}/members", params={"q": new_id()}, headers=headers).json()
    assert other["total"] == 0
    # a part of the ID number is not a search key (no substring search on encrypted data)
    part = client.get(f"/api/t/{DFH}/members", params={"q": body["id_number"][:10]}, headers=headers).json()
    assert part["total"] == 0


def test_filters_and_pagination(client, api_token):
    headers = api_token("dfh_staff")
    org = make_org()
    tag = unique("筛")
    for i in range(3):
        client.post(f"/api/t/{DFH}/members", json=member_form(name=f"{tag}{i}", organization=str(org)),
                    headers=headers).raise_for_status()
    client.post(f"/api/t/{DFH}/members", json=member_form(
        name=f"{tag}流", organization=str(org), mobile="out", mobile_counterpart="深圳市南山区",
        lost_contact=True, position="secretary"), headers=headers).raise_for_status()
    base = {"organization": str(org)}
    page1 = client.get(f"/api/t/{DFH}/members", params={**base, "page_size": 2}, headers=headers).json()
    assert page1["total"] == 4 and page1["pages"] == 2 and len(page1["items"]) == 2
    page2 = client.get(f"/api/t/{DFH}/members", params={**base, "page_size": 2, "page": 2}, headers=headers).json()
    assert {i["name"] for i in page1["items"] + page2["items"]} == {f"{tag}{i}" for i in range(3)} | {f"{tag}流"}
    for params in ({"mobile": "out"}, {"lost_contact": "1"}, {"position": "secretary"}):
        got = client.get(f"/api/t/{DFH}/members", params={**base, **params}, headers=headers).json()
        assert [i["name"] for i in got["items"]] == [f"{tag}流"], params
    assert client.get(f"/api/t/{DFH}/members", params={**base, "mobile": "no"},
                      headers=headers).json()["total"] == 3
    page = client.get(f"/api/t/{DFH}/members", params={**base, "status": "applicant"}, headers=headers).json()
    assert page["total"] == 0


# --- validation -----------------------------------------------------------------------------------


def test_invalid_input_is_422_with_field_errors_and_nothing_saved(client, api_token, as_user):
    headers = api_token("dfh_staff")
    bad_id = new_id()
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    body = member_form(id_number=bad_id, mobile="out", mobile_counterpart="", phone="12345")
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=headers)
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert "校验位" in errors["id_number"]
    assert errors["mobile_counterpart"].startswith("流入/流出地")
    assert errors["phone"].startswith("手机号")
    assert count_named(DFH, body["name"]) == 0

    # pipeline dates out of order
    body = member_form(activist_on="2009-01-01")
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=headers)
    assert r.status_code == 422 and "不能早于" in r.json()["extra"]["errors"]["activist_on"]
    assert count_named(DFH, body["name"]) == 0

    # unknown references
    body = member_form(organization="不存在的组织" + unique())
    r = client.post(f"/api/t/{DFH}/members", json=body, headers=headers)
    assert r.status_code == 422 and "找不到组织" in r.json()["extra"]["errors"]["organization"]

    # the same page form keeps the input and shows the Chinese message
    client = as_user("dfh_staff")
    form = member_form(name="", id_number=bad_id)
    page = post_form(client, f"/t/{DFH}/members/new", form)
    assert page.status_code == 422
    assert "姓名：必填" in page.text and "身份证号校验位错误" in page.text
    assert bad_id in page.text  # the user's input is kept


def test_duplicate_id_number_refused(client, api_token):
    headers = api_token("dfh_staff")
    body = member_form()
    client.post(f"/api/t/{DFH}/members", json=body, headers=headers).raise_for_status()
    again = member_form(id_number=body["id_number"])
    r = client.post(f"/api/t/{DFH}/members", json=again, headers=headers)
    assert r.status_code == 422 and r.json()["extra"]["errors"]["id_number"] == "该身份证号已登记"
    assert count_named(DFH, again["name"]) == 0
    # the same ID number may be registered in another tenant
    other = client.post(f"/api/t/{WYH}/members", json=member_form(id_number=body["id_number"]),
                        headers=api_token("wyh_staff"))
    assert other.status_code == 201


def test_update_keeps_secrets_when_left_empty(client, api_token):
    headers = api_token("dfh_staff")
    body = member_form()
    member_id = client.post(f"/api/t/{DFH}/members", json=body, headers=headers).json()["id"]
    before = db_member(DFH, member_id)
    r = client.patch(f"/api/t/{DFH}/members/{member_id}", json={"points": 40, "id_number": "", "phone": ""},
                     headers=headers)
    assert r.status_code == 200 and r.json()["points"] == 40
    after = db_member(DFH, member_id)
    assert after.id_number_enc == before.id_number_enc and after.phone_enc == before.phone_enc
    bad = client.patch(f"/api/t/{DFH}/members/{member_id}", json={"points": "很多"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["extra"]["errors"]["points"] == "积分：须为整数"
    assert db_member(DFH, member_id).points == 40
    assert client.delete(f"/api/t/{DFH}/members/{member_id}", headers=headers).status_code == 204
    assert client.get(f"/api/t/{DFH}/members/{member_id}", headers=headers).status_code == 404


# --- pipeline -------------------------------------------------------------------------------------


def test_pipeline_transitions(as_user):
    client = as_user("dfh_staff")
    member_id, _ = create_via_form(client, status="applicant", applied_on="2020-03-01", activist_on="",
                                   candidate_on="", probationary_on="", full_on="")
    url = f"/t/{DFH}/members/{member_id}/advance"
    # skipping a stage
    r = post_form(client, url, {"to": "candidate", "date": "2021-01-01"})
    assert r.status_code == 422 and "不能跳过「入党积极分子」阶段" in r.text
    assert db_member(DFH, member_id).status == "applicant"
    # a date before the previous step
    r = post_form(client, url, {"to": "activist", "date": "2020-01-01"})
    assert r.status_code == 422 and "不能早于申请入党日期（2020-03-01）" in r.text
    # a date in the future
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    r = post_form(client, url, {"to": "activist", "date": future})
    assert r.status_code == 422 and "不能晚于今天" in r.text
    # legal
    r = post_form(client, url, {"to": "activist", "date": "2020-09-01"})
    assert r.status_code == 303
    m = db_member(DFH, member_id)
    assert m.status == "activist" and m.activist_on == dt.date(2020, 9, 1)
    # one year of training before becoming a candidate
    r = post_form(client, url, {"to": "candidate", "date": "2021-03-01"})
    assert r.status_code == 422 and "一年以上培养教育" in r.text
    assert post_form(client, url, {"to": "candidate", "date": "2021-10-01"}).status_code == 303
    assert post_form(client, url, {"to": "probationary", "date": "2022-07-01"}).status_code == 303
    # backwards
    r = post_form(client, url, {"to": "activist", "date": "2023-01-01"})
    assert r.status_code == 422 and "只能向后推进" in r.text
    r = post_form(client, url, {"to": "full", "date": "2023-01-01"})
    assert r.status_code == 422 and "预备期为一年" in r.text
    assert post_form(client, url, {"to": "full", "date": "2023-07-01"}).status_code == 303
    m = db_member(DFH, member_id)
    assert m.status == "full" and m.full_on == dt.date(2023, 7, 1) and m.probationary_on == dt.date(2022, 7, 1)
    r = post_form(client, url, {"date": "2024-01-01"})
    assert r.status_code == 422 and "已是正式党员" in r.text
    detail = client.get(f"/t/{DFH}/members/{member_id}")
    assert "修改党员" in detail.text


def test_pipeline_via_api(client, api_token):
    headers = api_token("dfh_staff")
    body = member_form(status="activist", applied_on="2019-01-01", activist_on="2019-06-01", candidate_on="",
                       probationary_on="", full_on="")
    member_id = client.post(f"/api/t/{DFH}/members", json=body, headers=headers).json()["id"]
    r = client.post(f"/api/t/{DFH}/members/{member_id}/advance", json={"date": "2020-07-01", "to": "full"},
                    headers=headers)
    assert r.status_code == 422 and "不能跳过" in r.json()["extra"]["errors"]["to"]
    r = client.post(f"/api/t/{DFH}/members/{member_id}/advance", json={"date": "2020-07-01"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "candidate" and r.json()["candidate_on"] == "2020-07-01"
    # a viewer-like role cannot advance
    r = client.post(f"/api/t/{DFH}/members/{member_id}/advance", json={"date": "2021-07-01"},
                    headers=api_token("dfh_instructor"))
    assert r.status_code == 403
    assert db_member(DFH, member_id).status == "candidate"


# --- mobile members and transfer ------------------------------------------------------------------


def test_mobile_and_transfer_forms(as_user):
    client = as_user("dfh_staff")
    member_id, _ = create_via_form(client)
    r = post_form(client, f"/t/{DFH}/members/{member_id}/mobile", {"mobile": "out", "mobile_counterpart": ""})
    assert r.status_code == 422 and "流动党员须填写" in r.text
    assert db_member(DFH, member_id).mobile == ""
    r = post_form(client, f"/t/{DFH}/members/{member_id}/mobile",
                  {"mobile": "out", "mobile_counterpart": "广东省深圳市南山区"})
    assert r.status_code == 303
    m = db_member(DFH, member_id)
    assert (m.mobile, m.mobile_counterpart) == ("out", "广东省深圳市南山区")
    # 003 §9: relations at a talent exchange centre must be transferred
    url = f"/t/{DFH}/members/{member_id}/transfer"
    r = post_form(client, url, {"location": "talent_center", "transfer_rule": "consult", "transfer_state": ""})
    assert r.status_code == 422 and "应按「必须转」办理" in r.text
    r = post_form(client, url, {"location": "talent_center", "transfer_rule": "must", "transfer_state": "kept"})
    assert r.status_code == 422 and "不能保留原关系" in r.text
    r = post_form(client, url, {"location": "outside_city", "transfer_rule": "", "transfer_state": ""})
    assert r.status_code == 303
    m = db_member(DFH, member_id)
    assert (m.transfer_rule, m.transfer_state) == ("mobilize", "pending")
    assert post_form(client, url, {"transfer_rule": "mobilize", "transfer_state": "done"}).status_code == 303
    assert db_member(DFH, member_id).transfer_state == "done"
    listing = client.get(f"/t/{DFH}/members", params={"transfer_rule": "mobilize", "transfer_state": "done",
                                                       "mobile": "out"})
    assert m.name in listing.text
    # back to not mobile clears the counterpart
    assert post_form(client, f"/t/{DFH}/members/{member_id}/mobile",
                     {"mobile": "", "mobile_counterpart": "x"}).status_code == 303
    assert db_member(DFH, member_id).mobile_counterpart == ""


# --- tenancy and permissions ----------------------------------------------------------------------


def test_other_tenant_member_is_404(client, as_user, api_token):
    member_id = client.post(f"/api/t/{DFH}/members", json=member_form(), headers=api_token("dfh_staff")).json()["id"]
    wyh = api_token("wyh_staff")
    assert client.get(f"/api/t/{WYH}/members/{member_id}", headers=wyh).status_code == 404
    assert client.patch(f"/api/t/{WYH}/members/{member_id}", json={"points": 1}, headers=wyh).status_code == 404
    assert client.delete(f"/api/t/{WYH}/members/{member_id}", headers=wyh).status_code == 404
    assert client.post(f"/api/t/{WYH}/members/{member_id}/reveal", headers=wyh).status_code == 404
    assert client.get(f"/api/t/{DFH}/members/{member_id}", headers=wyh).status_code == 404  # no role there
    as_user("wyh_staff")
    assert client.get(f"/t/{WYH}/members/{member_id}").status_code == 404
    assert client.get(f"/t/{WYH}/members/{member_id}/edit").status_code == 404
    assert post_form(client, f"/t/{WYH}/members/{member_id}/edit", member_form()).status_code == 404
    assert post_form(client, f"/t/{WYH}/members/{member_id}/reveal").status_code == 404
    assert post_form(client, f"/t/{WYH}/members/{member_id}/delete").status_code == 404
    assert client.get(f"/t/{DFH}/members").status_code == 404
    assert db_member(DFH, member_id) is not None
    assert audit_count("members.reveal", member_id) == 0


def test_read_only_roles_cannot_write(client, as_user, api_token):
    as_user("dfh_instructor")
    assert client.get(f"/t/{DFH}/members/new").status_code == 403
    body = member_form()
    assert post_form(client, f"/t/{DFH}/members/new", body).status_code == 403
    assert client.post(f"/api/t/{DFH}/members", json=body, headers=api_token("dfh_instructor")).status_code == 403
    assert count_named(DFH, body["name"]) == 0


def test_org_secretary_sees_and_edits_only_own_members(client, as_user, api_token):
    staff = api_token("dfh_staff")
    own, other = make_org(), make_org()
    with scoped_session(tenant_id(DFH)) as s:
        user_id = s.scalar(select(User.id).where(User.username == "dfh_secretary"))
        s.add(UserOrganization(user_id=user_id, organization_id=own))
    try:
        mine = client.post(f"/api/t/{DFH}/members", json=member_form(organization=str(own)), headers=staff).json()
        theirs = client.post(f"/api/t/{DFH}/members", json=member_form(organization=str(other)),
                             headers=staff).json()
        loose = client.post(f"/api/t/{DFH}/members", json=member_form(), headers=staff).json()

        sec = api_token("dfh_secretary")
        names = {i["name"] for i in client.get(f"/api/t/{DFH}/members", params={"page_size": 200},
                                                headers=sec).json()["items"]}
        assert mine["name"] in names and theirs["name"] not in names and loose["name"] not in names
        assert client.get(f"/api/t/{DFH}/members/{mine['id']}", headers=sec).status_code == 200
        for mid in (theirs["id"], loose["id"]):
            assert client.get(f"/api/t/{DFH}/members/{mid}", headers=sec).status_code == 404
            assert client.patch(f"/api/t/{DFH}/members/{mid}", json={"points": 99}, headers=sec).status_code == 404
        assert db_member(DFH, theirs["id"]).points == 12
        # may edit their own member, but not move them to another organization
        assert client.patch(f"/api/t/{DFH}/members/{mine['id']}", json={"points": 30},
                            headers=sec).status_code == 200
        moved = client.patch(f"/api/t/{DFH}/members/{mine['id']}", json={"organization": str(other)}, headers=sec)
        assert moved.status_code == 422 and "只能登记本组织的党员" in moved.json()["extra"]["errors"]["organization"]
        assert db_member(DFH, mine["id"]).organization_id == own
        # creating: only in their organization
        body = member_form(organization=str(other))
        r = client.post(f"/api/t/{DFH}/members", json=body, headers=sec)
        assert r.status_code == 422 and count_named(DFH, body["name"]) == 0
        assert client.post(f"/api/t/{DFH}/members", json=member_form(organization=str(own)),
                           headers=sec).status_code == 201
        # no reveal right
        assert client.post(f"/api/t/{DFH}/members/{mine['id']}/reveal", headers=sec).status_code == 403

        as_user("dfh_secretary")
        page = client.get(f"/t/{DFH}/members")
        assert page.status_code == 200 and mine["name"] in page.text and theirs["name"] not in page.text
        assert client.get(f"/t/{DFH}/members/{theirs['id']}").status_code == 404
        assert client.get(f"/t/{DFH}/members/{mine['id']}/edit").status_code == 200
        r = post_form(client, f"/t/{DFH}/members/{theirs['id']}/mobile",
                      {"mobile": "out", "mobile_counterpart": "x"})
        assert r.status_code == 404 and db_member(DFH, theirs["id"]).mobile == ""
        export = client.get(f"/t/{DFH}/members/export")
        names = {row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)}
        assert mine["name"] in names and theirs["name"] not in names
    finally:
        with scoped_session(tenant_id(DFH)) as s:
            s.execute(delete(UserOrganization).where(UserOrganization.organization_id == own))


def test_every_member_page_renders(client, as_user, api_token):
    org = make_org()
    body = member_form(organization=str(org), mobile="in", mobile_counterpart="株洲市天元区",
                       transfer_rule="consult", transfer_state="kept")
    member_id = client.post(f"/api/t/{DFH}/members", json=body, headers=api_token("dfh_staff")).json()["id"]
    for user in ("dfh_staff", "dfh_instructor", "dfh_admin"):
        as_user(user)
        for path in ("members", "members?status=full&mobile=in&transfer_rule=consult&lost_contact=0&position=none",
                     f"members?organization={org}&page=2", f"members/{member_id}", "members/export"):
            r = client.get(f"/t/{DFH}/{path}")
            assert r.status_code == 200, (user, path, text_of(r.text)[:500])
        assert "征求意见转" in client.get(f"/t/{DFH}/members/{member_id}").text
    as_user("dfh_staff")
    for path in ("members/new", f"members/new?organization={org}", f"members/{member_id}/edit"):
        assert client.get(f"/t/{DFH}/{path}").status_code == 200, path
    unknown = client.get(f"/t/{DFH}/members", params={"organization": "没有这个组织" + unique()})
    assert unknown.status_code == 200 and "找不到组织" in unknown.text


# --- links from other pages, dissolved party orgs, readable history ------------------------------


def test_links_from_organization_and_party_org_pages_filter_the_list(client, as_user, api_token):
    staff = api_token("dfh_staff")
    org, po = make_org(), make_party_org()
    here = client.post(f"/api/t/{DFH}/members", json=member_form(organization=str(org), party_org=str(po)),
                       headers=staff).json()
    elsewhere = client.post(f"/api/t/{DFH}/members", json=member_form(), headers=staff).json()
    with scoped_session(tenant_id(DFH)) as s:
        org_name, po_name = s.get(Organization, org).name, s.get(PartyOrg, po).name
    as_user("dfh_staff")
    for page, link in ((f"organizations/{org}", f"members?organization={org}"),
                       (f"organizations?q={org_name}", f"members?organization={org}"),
                       (f"party-orgs/{po}", f"members?party_org={po}"),
                       (f"party-orgs?view=list&q={po_name}", f"members?party_org={po}")):
        html = client.get(f"/t/{DFH}/{page}").text
        assert f'href="/t/{DFH}/{link}"' in html, page  # the detail page links to the filtered list
        listing = client.get(f"/t/{DFH}/{link}")
        assert listing.status_code == 200
        assert here["name"] in listing.text and elsewhere["name"] not in listing.text
        assert "当前筛选" in listing.text and "共 1 人" in text_of(listing.text)
    # the API takes the same filters
    for params in ({"organization": org}, {"party_org": po}, {"organization": org, "party_org": po}):
        body = client.get(f"/api/t/{DFH}/members", params=params, headers=staff).json()
        assert [m["id"] for m in body["items"]] == [here["id"]], params


def test_dissolved_party_org_stays_in_filter_and_form(client, as_user, api_token):
    staff = api_token("dfh_staff")
    po = make_party_org()
    member = client.post(f"/api/t/{DFH}/members", json=member_form(party_org=str(po)), headers=staff).json()
    with scoped_session(tenant_id(DFH)) as s:
        row = s.get(PartyOrg, po)
        row.dissolved_on, row.dissolved_reason = dt.date(2024, 1, 1), "企业注销"
    as_user("dfh_staff")
    listing = client.get(f"/t/{DFH}/members", params={"party_org": po}).text
    assert f'<option value="{po}" selected' in listing and "（已撤销）" in listing
    assert member["name"] in listing
    form = client.get(f"/t/{DFH}/members/{member['id']}/edit").text
    assert f'<option value="{po}" selected' in form
    data = {**{k: v for k, v in member_form().items() if k not in ("id_number", "phone")},
            "name": member["name"], "party_org": str(po), "points": "30"}
    r = post_form(client, f"/t/{DFH}/members/{member['id']}/edit", data)
    assert r.status_code == 303, text_of(r.text)[:500]
    saved = db_member(DFH, member["id"])
    assert saved.party_org_id == po and saved.points == 30  # saving the form kept the party org


def test_history_reads_in_chinese(client, as_user, api_token):
    staff = api_token("dfh_staff")
    member = client.post(f"/api/t/{DFH}/members", json=member_form(education="master"), headers=staff).json()
    client.patch(f"/api/t/{DFH}/members/{member['id']}", json={"education": "doctor", "points": 40}, headers=staff)
    as_user("dfh_staff")
    text = text_of(client.get(f"/t/{DFH}/members/{member['id']}").text)
    history = text[text.index("变更记录"):]
    assert "学历 硕士" in history and "学历 博士" in history and "积分 40" in history
    assert "身份证号 ***" in history
    for raw in ("education", "probationary_on", "tenant_id", "id_number_enc", "created_at"):
        assert raw not in history, raw
