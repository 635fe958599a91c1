"""Designations through the web and the API: the lifecycle with Chinese field errors and nothing
half-saved, review by another person, revocation; the blacklist refusing a designation and
revoking the open ones (the organization's and its own branch's, not a joint branch that still
covers a clean organization); the dashboard; the organization page; isolation and permissions;
Excel export and history."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from plugins.designations.models import BlacklistEntry, Designation
from tests.helpers import post_form, text_of, unique

from .conftest import make_org


def base(t) -> str:
    return f"/t/{t.slug}/designations"


def count(tenant_id: int, model=Designation) -> int:
    with open_session(tenant_id) as s:
        return s.scalar(select(func.count(model.id))) or 0


def _create(c, w, subject: str, kind: str = "designations.red_workshop", **over) -> int:
    r = post_form(c, base(w.a), {"kind": kind, "subject": subject, "level": "street", **over},
                  follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    return int(r.headers["location"].rsplit("/", 1)[-1])


def test_form_errors_in_chinese_and_nothing_saved(world, user):
    w = world
    c = user("staff")
    before = count(w.a.id)
    r = post_form(c, base(w.a), {"kind": "", "subject": "", "level": "county", "awarded_on": "2026-13-01",
                                 "basis": "事" * 5001})
    page = text_of(r.text)
    assert r.status_code == 422
    for msg in ("请选择称号类别", "请选择本辖区的授予对象", "请选择级别（街道级、区级、市级）", "授予日期格式应为 2026-04-15",
                "主要事迹或依据最多 5000 个字符"):
        assert msg in page, msg
    # a kind that cannot be given to that subject kind
    r = post_form(c, base(w.a), {"kind": "designations.model_post", "subject": f"organization:{w.orgs[1]}",
                                 "level": "street"})
    assert r.status_code == 422 and "「党员示范岗」只能授予：党员" in text_of(r.text)
    # another tenant's organization is not a subject here
    r = post_form(c, base(w.a), {"kind": "designations.red_workshop", "subject": f"organization:{w.b_org}",
                                 "level": "street"})
    assert r.status_code == 422 and "请选择本辖区的授予对象" in text_of(r.text)
    r = post_form(c, base(w.a), {"kind": "designations.red_workshop", "subject": f"organization:{w.orgs[1]}",
                                 "level": "street", "awarded_on": "2026-01-10", "expires_on": "2025-01-01"})
    assert r.status_code == 422 and "有效期至不能早于授予日期" in text_of(r.text)
    assert count(w.a.id) == before


def test_lifecycle_review_return_resubmit_approve_revoke(world, user):
    w = world
    c = user("staff")
    did = _create(c, w, f"organization:{w.orgs[1]}", awarded_on="2026-01-10", title=unique("红色车间"))
    with open_session(w.a.id) as s:
        d = s.get(Designation, did)
        assert (d.status, d.expires_on.isoformat(), d.applied_by) == ("applied", "2028-01-10", w.users["staff"])
    # the same kind again for the same subject and level is refused
    r = post_form(c, base(w.a), {"kind": "designations.red_workshop", "subject": f"organization:{w.orgs[1]}",
                                 "level": "street"})
    assert r.status_code == 422 and "已有待审核的街道级「红色车间」" in text_of(r.text)
    # the applicant may not approve their own application (separate_review, on by default)
    r = post_form(c, f"{base(w.a)}/{did}/review/approve")
    assert r.status_code == 422 and "不能审核本人提交的申报" in text_of(r.text)
    c = user("staff2")
    r = post_form(c, f"{base(w.a)}/{did}/review/return", {"note": ""})
    assert r.status_code == 422 and "请填写退回原因" in text_of(r.text)
    assert post_form(c, f"{base(w.a)}/{did}/review/return", {"note": "缺少命名文件"},
                     follow_redirects=False).status_code == 303
    r = post_form(c, f"{base(w.a)}/{did}/review/approve")
    assert r.status_code == 422 and "当前状态为「已退回」，不能审核通过" in text_of(r.text)
    assert post_form(c, f"{base(w.a)}/{did}/resubmit", follow_redirects=False).status_code == 303
    c = user("admin")
    assert post_form(c, f"{base(w.a)}/{did}/review/approve", {"note": "同意"},
                     follow_redirects=False).status_code == 303
    r = post_form(c, f"{base(w.a)}/{did}/review/revoke", {"reason": ""})
    assert r.status_code == 422 and "请填写撤销原因" in text_of(r.text)
    assert post_form(c, f"{base(w.a)}/{did}/review/revoke", {"reason": "动态管理：年度复核不合格"},
                     follow_redirects=False).status_code == 303
    page = text_of(c.get(f"{base(w.a)}/{did}").text)
    assert "已撤销" in page and "年度复核不合格" in page
    # history reads in Chinese
    for words in ("变更记录", "状态", "待审核", "已退回", "有效", "已撤销", "撤销原因"):
        assert words in page, words
    assert post_form(c, f"{base(w.a)}/{did}/review/bogus").status_code == 404


def test_kind_without_review_is_in_force_at_once_and_on_the_dashboard_until_revoked(world, user):
    w = world
    org = make_org(w.a.id, unique("看板测试公司"))
    c = user("admin")
    did = _create(c, w, f"organization:{org}", kind="designations.demo_point", level="district")
    with open_session(w.a.id) as s:
        assert s.get(Designation, did).status == "applied"
    c2 = user("staff")
    assert post_form(c2, f"{base(w.a)}/{did}/review/approve", follow_redirects=False).status_code == 303

    def cell() -> str:
        html = c.get(f"/t/{w.a.slug}/").text
        row = html.split('data-kind="designations.demo_point"', 1)
        return text_of(row[1].split("</tr>", 1)[0]) if len(row) == 2 else ""

    shown = cell()
    assert shown and "两新党建示范点" in shown
    before = [int(x) for x in shown.split() if x.isdigit()]
    assert post_form(c, f"{base(w.a)}/{did}/review/revoke", {"reason": "动态管理"},
                     follow_redirects=False).status_code == 303
    after = cell()
    assert after == "" or [int(x) for x in after.split() if x.isdigit()][-1] == before[-1] - 1


def test_blacklist_refuses_and_revokes(world, user, api_token):
    w = world
    c = user("staff")
    org_a = make_org(w.a.id, unique("黑名单测试甲公司"))
    org_b = make_org(w.a.id, unique("黑名单测试乙公司"))
    from core.db import scoped_session
    from core.registry.models import PartyOrg, PartyOrgCoverage
    with scoped_session(w.a.id) as s:
        own = PartyOrg(name=unique("黑名单测试甲公司党支部"), org_type="branch")
        joint = PartyOrg(name=unique("黑名单测试联合党支部"), org_type="joint_branch")
        s.add_all([own, joint])
        s.flush()
        s.add_all([PartyOrgCoverage(party_org_id=own.id, organization_id=org_a),
                   PartyOrgCoverage(party_org_id=joint.id, organization_id=org_a),
                   PartyOrgCoverage(party_org_id=joint.id, organization_id=org_b)])
        own_id, joint_id = own.id, joint.id
    c_admin = user("admin")
    d_org = _create(c_admin, w, f"organization:{org_a}", kind="designations.clean_enterprise")
    c = user("staff")
    post_form(c, f"{base(w.a)}/{d_org}/review/approve")
    d_own = _create(c, w, f"party_org:{own_id}", kind="designations.benchmark")
    d_joint = _create(c, w, f"party_org:{joint_id}", kind="designations.benchmark")
    # bad reason, future date: Chinese errors, nothing written
    before = count(w.a.id, BlacklistEntry)
    r = post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(org_a), "reason": "经营不善",
                                                "listed_on": "2099-01-01"})
    page = text_of(r.text)
    assert r.status_code == 422 and "列入事由应为：违法经营、偷逃税款、侵权滥权" in page and "列入日期不能晚于今天" in page
    r = post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(w.b_org), "reason": "违法经营"})
    assert r.status_code == 422 and "请选择本辖区的两新组织" in text_of(r.text)
    assert count(w.a.id, BlacklistEntry) == before
    r = post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(org_a), "reason": "偷逃税款",
                                                "detail": "税务稽查"}, follow_redirects=False)
    assert r.status_code == 303
    entry_id = int(r.headers["location"].rsplit("/", 1)[-1])
    with open_session(w.a.id) as s:
        status = {i: s.get(Designation, i).status for i in (d_org, d_own, d_joint)}
        assert status == {d_org: "revoked", d_own: "revoked", d_joint: "applied"}
        assert "偷逃税款" in s.get(Designation, d_org).revoke_reason
    # listed twice: refused
    r = post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(org_a), "reason": "违法经营"})
    assert r.status_code == 422 and "已在监管黑名单中" in text_of(r.text)
    # a blacklisted organization is refused a designation, with a clear message
    before = count(w.a.id)
    r = post_form(c, base(w.a), {"kind": "designations.red_workshop", "subject": f"organization:{org_a}",
                                 "level": "street"})
    page = text_of(r.text)
    assert r.status_code == 422 and "因偷逃税款列入监管黑名单，不能授予称号" in page and "移出黑名单后方可申报" in page
    r = post_form(c, base(w.a), {"kind": "designations.benchmark", "subject": f"party_org:{own_id}",
                                 "level": "street"})
    assert r.status_code == 422 and "不能授予称号" in text_of(r.text)
    assert count(w.a.id) == before
    # the API says the same
    r = c.post(f"/api/t/{w.a.slug}/designations/", json={"kind": "designations.red_workshop",
                                                          "subject_kind": "organization", "subject_id": org_a,
                                                          "level": "street"}, headers=api_token(w.users["staff"]))
    assert r.status_code == 422 and "不能授予称号" in r.json()["extra"]["errors"]["subject"]
    # the organization's page shows the blacklist and the revoked title
    page = text_of(c.get(f"/t/{w.a.slug}/organizations/{org_a}").text)
    assert "监管黑名单" in page and "偷逃税款" in page and "清廉民企" in page and "已撤销" in page
    page = text_of(c.get(f"{base(w.a)}/blacklist/{entry_id}").text)
    assert "因此撤销的称号" in page and "清廉民企" in page and "示范标杆党组织" in page
    # lifting needs a reason; afterwards a new application is possible, the revoked ones stay revoked
    r = post_form(c, f"{base(w.a)}/blacklist/{entry_id}/lift", {"lift_reason": ""})
    assert r.status_code == 422 and "请填写移出原因" in text_of(r.text)
    assert post_form(c, f"{base(w.a)}/blacklist/{entry_id}/lift", {"lift_reason": "已整改到位"},
                     follow_redirects=False).status_code == 303
    _create(c, w, f"organization:{org_a}", kind="designations.red_workshop")
    with open_session(w.a.id) as s:
        assert s.get(Designation, d_org).status == "revoked"


def test_isolation_and_permissions(world, user, api_token):
    w = world
    c = user("staff")
    did = _create(c, w, f"organization:{w.orgs[2]}", kind="designations.demo_point")
    c = user("staff_b")
    assert c.get(f"{base(w.b)}/{did}").status_code == 404
    assert post_form(c, f"{base(w.b)}/{did}/review/approve").status_code == 404
    assert c.get(f"/api/t/{w.b.slug}/designations/{did}", headers=api_token(w.users["staff_b"])).status_code == 404
    c = user("viewer")
    assert c.get(f"{base(w.a)}/{did}").status_code == 200
    assert post_form(c, base(w.a), {"kind": "designations.demo_point"}).status_code == 403
    assert post_form(c, f"{base(w.a)}/{did}/review/approve").status_code == 403
    assert post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(w.orgs[2])}).status_code == 403
    c = user("instructor")  # may apply, not review or blacklist
    assert c.get(f"{base(w.a)}/new").status_code == 200
    assert post_form(c, f"{base(w.a)}/{did}/review/approve").status_code == 403
    c = user("secretary")
    assert c.get(base(w.a)).status_code == 200
    assert c.get(f"{base(w.a)}/new").status_code == 403


def test_export_and_api(world, user, api_token):
    w = world
    c = user("staff")
    title = unique("党员示范岗")
    _create(c, w, f"member:{w.member}", kind="designations.model_post", title=title)
    r = c.get(f"{base(w.a)}/export", params={"q": title})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:4] == ("称号类别", "称号全称", "授予对象类型", "授予对象")
    assert rows[1][:5] == ("党员示范岗", title, "党员", f"称号测试党员{w.tag}", "街道级")
    r = c.get(f"{base(w.a)}/blacklist/export")
    assert load_workbook(io.BytesIO(r.content)).active["A1"].value == "组织"
    h = api_token(w.users["staff"])
    r = c.get(f"/api/t/{w.a.slug}/designations/kinds", headers=h)
    assert r.status_code == 200 and {"designations.red_workshop", "designations.model_post"} <= {
        k["key"] for k in r.json()}
    r = c.get(f"/api/t/{w.a.slug}/designations/", params={"subject_kind": "member", "subject_id": w.member},
              headers=h)
    assert r.status_code == 200 and any(d["title"] == title for d in r.json())
    r = c.post(f"/api/t/{w.a.slug}/designations/", json={"kind": "nope", "subject_kind": "member",
                                                          "subject_id": w.member, "level": "street"}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"]["kind"] == "请选择称号类别"
    schema = c.get("/schema/openapi.json").json()
    assert any(p.endswith("/designations/blacklist") for p in schema["paths"])


def test_import_ledger_refuses_blacklisted_and_is_idempotent(world, user, api_token):
    from tests.registry.test_import import api_upload
    from tests.registry.test_import_kinds import titled

    w = world
    c, h = user("staff"), api_token(w.users["staff"])
    r = c.get(f"/t/{w.a.slug}/imports/designations/template.xlsx")
    assert r.status_code == 200
    assert [x.value for x in load_workbook(io.BytesIO(r.content)).worksheets[0][1]][:3] == ["称号类别", "授予对象类型", "授予对象"]
    good, bad = unique("导入甲公司"), unique("导入黑名单公司")
    good_id, bad_id = make_org(w.a.id, good), make_org(w.a.id, bad)
    assert post_form(c, f"{base(w.a)}/blacklist", {"organization_id": str(bad_id), "reason": "违法经营"},
                     follow_redirects=False).status_code == 303
    headers = ["称号", "对象类型", "单位名称", "命名级别", "命名日期", "有效期至", "授予单位"]
    rows = [["红色车间", "企业", good, "街道", "2025年3月5日", "", "街道两新综合党委"],
            ["党员示范岗", "党员", f"称号测试党员{w.tag}", "街道级", "2025-04-01", "2026-03-31", ""],
            ["清廉民企", "两新组织", bad, "区级", "2025-05-01", "", ""],
            ["不存在的称号", "两新组织", good, "街道级", "2025-05-01", "", ""]]
    body = api_upload(c, h, w.a.slug, "designations", "称号.xlsx", titled(headers, rows)).json()
    assert body["created"] == 2 and body["errors"] == 2, body["problems"]
    problems = {p["column"]: p["message"] for p in body["problems"]}
    assert "不能授予称号" in problems["单位名称"] and "无效的选项「不存在的称号」" in problems["称号"]
    done = c.post(f"/api/t/{w.a.slug}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=h).json()
    assert done["created"] == 2
    with open_session(w.a.id) as s:
        d = s.scalar(select(Designation).where(Designation.subject_kind == "organization",
                                               Designation.subject_id == good_id))
        assert (d.status, d.source, d.awarded_on.isoformat(), d.expires_on.isoformat()) == (
            "active", "import", "2025-03-05", "2027-03-05")
    again = api_upload(c, h, w.a.slug, "designations", "称号.xlsx", titled(headers, rows[:2]), dry_run=False).json()
    assert again["unchanged"] == 2 and again["created"] == 0, again
