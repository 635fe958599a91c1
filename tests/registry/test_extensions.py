"""Registry extension points through the web: a program's extra fields on members, party orgs
and organizations (form, detail, export, API, import, history), its code lists, and the
change events the services fire (issue 10, item 9)."""

from __future__ import annotations

import datetime as dt
import io
import types

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugin_types import CodeList, ExtraField
from core.plugins import registry
from core.registry.models import Member, Organization, PartyOrg
from tests.helpers import post_form, tenant_id, text_of, unique
from tests.registry.test_import import ORG_HEADERS, api_upload, org_row, xlsx

DFH, WYH = "dongfanghong", "wangyuehu"


def _no_future(value: dt.date) -> str | None:
    return "不能晚于今天" if value > dt.date.today() else None


FIELDS = [
    ExtraField("member", "hkext.job_title", "测试职务", max_length=20, order=1),
    ExtraField("member", "hkext.is_manager", "测试管理层", "bool", order=2),
    ExtraField("member", "hkext.joined_company_on", "入职日期", "date", validate=_no_future, order=3),
    ExtraField("member", "hkext.skill", "技能等级", "choice", choices=(("senior", "高级"), ("junior", "初级")), order=4),
    ExtraField("organization", "hkext.chain", "所属产业链", "choice",
               choices=(("machinery", "工程机械"), ("materials", "新材料"))),
    ExtraField("party_org", "hkext.mentor_org", "结对组织", "reference", reference="organization"),
]


def program() -> types.ModuleType:
    module = types.ModuleType("hkext_program")
    module.register_extra_fields = hookimpl(lambda tenant: FIELDS)
    module.register_code_lists = hookimpl(lambda tenant: [
        CodeList("formation_modes", (("dispatch", "选派建"), ("incubate", "孵化建")))])
    return module


def _post(client, path, data):
    return post_form(client, path, data, follow_redirects=False)


def test_extra_member_field_in_form_detail_export_and_api(as_user, api_token):
    client = as_user("dfh_staff")
    name = unique("扩展字段党员")
    with registry().installed(program(), "hkext"):
        new = client.get(f"/t/{DFH}/members/new")
        assert new.status_code == 200
        assert "扩展信息" in new.text and "测试职务" in new.text and 'name="extra.hkext.job_title"' in new.text
        assert "高级" in new.text  # the choice field's options

        base = {"name": name, "status": "applicant", "ethnicity": "汉族"}
        future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        bad = _post(client, f"/t/{DFH}/members/new", {**base, "extra.hkext.job_title": "总" * 21,
                                                       "extra.hkext.joined_company_on": future,
                                                       "extra.hkext.skill": "宗师"})
        assert bad.status_code == 422
        page = text_of(bad.text)
        assert "测试职务：最多 20 个字符" in page and "入职日期：不能晚于今天" in page and "技能等级：无效的选项「宗师」" in page
        with scoped_session(tenant_id(DFH)) as s:  # nothing half-saved
            assert s.scalar(select(Member.id).where(Member.name == name)) is None

        ok = _post(client, f"/t/{DFH}/members/new", {**base, "extra.hkext.job_title": "生产部经理",
                                                      "extra.hkext.is_manager": "1",
                                                      "extra.hkext.joined_company_on": "2019年3月5日",
                                                      "extra.hkext.skill": "高级"})
        assert ok.status_code == 303, ok.text
        member_id = int(ok.headers["location"].rsplit("/", 1)[1])
        with scoped_session(tenant_id(DFH)) as s:
            assert s.get(Member, member_id).extra == {"hkext.job_title": "生产部经理", "hkext.is_manager": True,
                                                      "hkext.joined_company_on": "2019-03-05", "hkext.skill": "senior"}

        detail = text_of(client.get(f"/t/{DFH}/members/{member_id}").text)
        assert "测试职务 生产部经理" in detail and "测试管理层 是" in detail and "入职日期 2019-03-05" in detail
        assert "技能等级 高级" in detail
        assert "扩展信息" in detail  # the history names the JSON column and its keys

        edit = client.get(f"/t/{DFH}/members/{member_id}/edit").text
        assert 'value="生产部经理"' in edit

        x = client.get(f"/t/{DFH}/members/export", params={"q": name})
        rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
        header = next(r for r in rows if r and "姓名" in r)
        row = next(r for r in rows if r and name in r)
        assert dict(zip(header, row, strict=False))["测试职务"] == "生产部经理", list(zip(header, row, strict=False))[-8:]
        assert dict(zip(header, row, strict=False))["技能等级"] == "高级"

        headers = api_token("dfh_staff")
        declared = client.get(f"/api/t/{DFH}/extra-fields", headers=headers).json()
        assert {"entity": "member", "key": "hkext.skill", "type": "choice",
                "choices": {"senior": "高级", "junior": "初级"}}.items() <= next(
            f for f in declared if f["key"] == "hkext.skill").items()
        assert client.get(f"/api/t/{DFH}/code-lists", headers=headers).json()["formation_modes"]["incubate"] == "孵化建"
        body = client.get(f"/api/t/{DFH}/members/{member_id}", headers=headers).json()
        assert body["extra"]["hkext.job_title"] == "生产部经理"
        r = client.patch(f"/api/t/{DFH}/members/{member_id}", headers=headers,
                         json={"extra": {"hkext.skill": "junior"}})
        assert r.status_code == 200 and r.json()["extra"]["hkext.skill"] == "junior"
        assert r.json()["extra"]["hkext.job_title"] == "生产部经理"  # the others kept
        r = client.patch(f"/api/t/{DFH}/members/{member_id}", headers=headers, json={"extra": {"hkext.skill": "x"}})
        assert r.status_code == 422 and "extra.hkext.skill" in r.json()["extra"]["errors"]

    # the program gone (disabled): the fields vanish from the pages, the values stay
    assert "测试职务" not in client.get(f"/t/{DFH}/members/{member_id}").text
    with scoped_session(tenant_id(DFH)) as s:
        assert s.get(Member, member_id).extra["hkext.job_title"] == "生产部经理"
    # and an edit without them keeps them
    form = {"name": name, "status": "applicant", "ethnicity": "汉族"}
    assert _post(client, f"/t/{DFH}/members/{member_id}/edit", form).status_code == 303
    with scoped_session(tenant_id(DFH)) as s:
        assert s.get(Member, member_id).extra["hkext.skill"] == "junior"


def test_extra_organization_field_is_imported_and_reference_fields_resolve(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    with registry().installed(program(), "hkext"):
        rows = [org_row(), org_row()]
        rows[0]["所属产业链"] = "工程机械"
        rows[1]["所属产业链"] = "不存在的链"
        content = xlsx([*ORG_HEADERS, "所属产业链"], [[d.get(h) for h in [*ORG_HEADERS, "所属产业链"]] for d in rows])
        check = api_upload(client, headers, DFH, "organizations", "o.xlsx", content, dry_run=True)
        report = check.json()
        report = report.get("extra", {}).get("report", report)
        assert "无效的选项「不存在的链」" in str(report)
        rows.pop()
        content = xlsx([*ORG_HEADERS, "所属产业链"], [[d.get(h) for h in [*ORG_HEADERS, "所属产业链"]] for d in rows])
        done = api_upload(client, headers, DFH, "organizations", "o.xlsx", content, dry_run=False).json()
        assert done["created"] == 1, done
        with scoped_session(tenant_id(DFH)) as s:
            org = s.scalar(select(Organization).where(Organization.name == rows[0]["组织名称"]))
            assert org.extra == {"hkext.chain": "machinery"}
            org_id = org.id

        # a reference field on party orgs: a name or credit code → the id; unknown → field error
        po_name = unique("扩展支部")
        r = _post(client, f"/t/{DFH}/party-orgs/new", {"name": po_name, "org_type": "branch",
                                                        "formation_mode": "dispatch",
                                                        "extra.hkext.mentor_org": "没有这个组织"})
        assert r.status_code == 422 and "结对组织：找不到组织「没有这个组织」" in text_of(r.text)
        r = _post(client, f"/t/{DFH}/party-orgs/new", {"name": po_name, "org_type": "branch",
                                                        "formation_mode": "dispatch",
                                                        "extra.hkext.mentor_org": rows[0]["统一社会信用代码"]})
        assert r.status_code == 303, text_of(r.text)
        with scoped_session(tenant_id(DFH)) as s:
            po = s.scalar(select(PartyOrg).where(PartyOrg.name == po_name))
            assert po.extra == {"hkext.mentor_org": org_id} and po.formation_mode == "dispatch"
        detail = text_of(client.get(r.headers["location"]).text)
        assert f"结对组织 {rows[0]['组织名称']}" in detail and "选派建" in detail


def test_imported_rows_fire_on_registry_changed(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    seen = []
    module = types.ModuleType("hkext_events")
    module.on_registry_changed = hookimpl(lambda session, tenant, change: seen.append(
        (tenant.slug, change.entity, change.action, (change.after or {}).get("employees"))))
    rows = [org_row(), org_row()]
    with registry().installed(module, "hkextev"):
        done = api_upload(client, headers, DFH, "organizations", "o.xlsx", xlsx(ORG_HEADERS, [
            [d.get(h) for h in ORG_HEADERS] for d in rows]), dry_run=False).json()
        assert done["created"] == 2
        assert sorted(seen) == [(DFH, "organization", "created", 20)] * 2
        rows[0]["从业人员数"] = 99
        api_upload(client, headers, DFH, "organizations", "o.xlsx", xlsx(ORG_HEADERS, [
            [d.get(h) for h in ORG_HEADERS] for d in rows]), dry_run=False)
        assert seen[2:] == [(DFH, "organization", "changed", 99)]  # the unchanged row: nothing


def test_code_lists_only_where_the_program_is_enabled(as_user):
    client = as_user("dfh_staff")
    assert "孵化建" not in client.get(f"/t/{DFH}/party-orgs/new").text
    r = _post(client, f"/t/{DFH}/party-orgs/new", {"name": unique("孵化支部"), "org_type": "branch",
                                                    "formation_mode": "incubate"})
    assert r.status_code == 422 and "组建方式：无效的选项「incubate」" in text_of(r.text)
    with registry().installed(program(), "hkext"):
        assert "孵化建" in client.get(f"/t/{DFH}/party-orgs/new").text
