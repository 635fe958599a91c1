"""Excel/CSV import of organizations, party orgs and members (CORE-8).

Fixture files are generated here (openpyxl / zipfile / csv); nothing binary is committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import secrets
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.db import scoped_session
from core.models import AuditEntry
from core.registry.importer import ENTITIES, EXAMPLE_MARK, ImportJob, get_entity
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.registry.upload_safety import UploadRejected, inspect_upload
from core.validators import generate_credit_code, generate_id_number
from tests.helpers import csrf, tenant_id, text_of, unique

DFH, WYH, YUELU = "dongfanghong", "wangyuehu", "yuelu"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORG_HEADERS = ENTITIES["organizations"].headers
PO_HEADERS = ENTITIES["party_orgs"].headers
MEMBER_HEADERS = ENTITIES["members"].headers


def rng() -> random.Random:
    return random.Random(secrets.randbits(64))


def code() -> str:
    return generate_credit_code(rng())


def idn(male: bool = True) -> str:
    r = rng()
    return generate_id_number(r, dt.date(1960 + r.randrange(40), 1 + r.randrange(12), 1 + r.randrange(28)), male)


# --- building files ---------------------------------------------------------------------------


def xlsx(headers: list[str], rows: list[list], *, title: str = "Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(headers: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def org_row(name: str | None = None, credit: str | None = None, **over) -> dict:
    row = {"组织名称": name or unique("导入测试企业"), "统一社会信用代码": credit or code(), "类别": "非公企业",
           "类型": "有限责任公司", "行业": "制造业", "地址": "岳麓区测试路 1 号", "从业人员数": 20,
           "联系电话": "13812345678", "经营状态": "在营", "建有工会": "是"}
    row.update(over)
    return row


def as_rows(headers: list[str], dicts: list[dict]) -> list[list]:
    return [[d.get(h) for h in headers] for d in dicts]


def org_file(dicts: list[dict], kind: str = "xlsx", encoding: str = "utf-8") -> bytes:
    if kind == "xlsx":
        return xlsx(ORG_HEADERS, as_rows(ORG_HEADERS, dicts))
    return csv_bytes(ORG_HEADERS, as_rows(ORG_HEADERS, dicts), encoding)


def minimal_xlsx_zip(extra: dict[str, bytes] | None = None, content_types: bytes | None = None) -> bytes:
    """A zip that looks like an xlsx from its directory (enough for the pre-parse checks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types or
                   b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


# --- talking to the app -----------------------------------------------------------------------


def page_upload(client, slug: str, entity: str, filename: str, content: bytes, mime: str = XLSX_MIME):
    return client.post(f"/t/{slug}/imports", data={"entity": entity, "_csrf_token": csrf(client)},
                       files={"file": (filename, content, mime)}, follow_redirects=False)


def api_upload(client, headers: dict, slug: str, entity: str, filename: str, content: bytes,
               dry_run: bool = True, mime: str = XLSX_MIME):
    return client.post(f"/api/t/{slug}/imports/{entity}?dry_run={'true' if dry_run else 'false'}",
                       headers=headers, files={"file": (filename, content, mime)})


def report_of(response) -> dict:
    body = response.json()
    return body.get("extra", {}).get("report", body) if response.status_code == 422 else body


def orgs_named(slug: str, names: list[str]) -> list[Organization]:
    with scoped_session(tenant_id(slug)) as s:
        return list(s.scalars(select(Organization).where(Organization.name.in_(names))))


def audit_count(slug: str) -> int:
    with scoped_session(tenant_id(slug)) as s:
        return s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.tenant_id == tenant_id(slug)))


def make_party_org(slug: str, name: str | None = None) -> PartyOrg:
    with scoped_session(tenant_id(slug)) as s:
        po = PartyOrg(name=name or unique("测试党支部"), org_type="branch", formation_mode="single")
        s.add(po)
    return po


def wait_for(client, headers, slug: str, job_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/t/{slug}/imports/jobs/{job_id}", headers=headers).json()
        if not body["running"]:
            return body
        time.sleep(0.1)
    raise AssertionError("import job did not finish")


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ["organizations", "party_orgs", "members"])
def test_template_has_chinese_headers_example_and_lists(as_user, entity):
    client = as_user("dfh_staff")
    r = client.get(f"/t/{DFH}/imports/{entity}/template.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(XLSX_MIME)
    assert "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    spec = get_entity(entity, tenant_id(DFH))  # the registry's columns, then the tenant's extra fields
    assert headers == [s.label for s in spec.fields]
    assert headers[:len(ENTITIES[entity].fields)] == [s.label for s in ENTITIES[entity].fields]
    assert str(ws.cell(row=2, column=1).value).startswith(EXAMPLE_MARK)
    ranges = {str(dv.sqref).split(":")[0][:-1] for dv in ws.data_validations.dataValidation}
    choice_cols = {i for i, s in enumerate(spec.fields, start=1) if s.kind in ("choice", "bool")}
    assert len(ranges) == len(choice_cols) > 0
    assert "填写说明" in wb.sheetnames


def test_template_round_trip(as_user):
    client = as_user("dfh_staff")
    template = client.get(f"/t/{DFH}/imports/organizations/template.xlsx").content
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    labels = [c.value for c in ws[1]]
    names = [unique("模板企业"), unique("模板社团")]
    first = org_row(names[0])
    second = org_row(names[1], 类别="社会组织", 类型="社会团体", 行业="", 联系电话="", 建有工会="否")
    for d in (first, second):
        ws.append([d.get(h) for h in labels])
    buf = io.BytesIO()
    wb.save(buf)

    r = page_upload(client, DFH, "organizations", "两新组织.xlsx", buf.getvalue())
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    page = client.get(job_url)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "检查通过" in text and "确认导入" in text
    assert "已跳过 1 行模板示例" in text
    assert orgs_named(DFH, names) == []  # the check wrote nothing

    r = client.post(job_url + "/confirm", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    done = text_of(client.get(job_url).text)
    assert "导入完成" in done and "新增 2 条" in done
    saved = {o.name: o for o in orgs_named(DFH, names)}
    assert set(saved) == set(names)
    assert saved[names[0]].credit_code == first["统一社会信用代码"]
    assert saved[names[0]].kind == "enterprise" and saved[names[0]].sub_kind == "llc"
    assert saved[names[0]].industry == "C" and saved[names[0]].employees == 20 and saved[names[0]].has_union
    assert saved[names[0]].contact_phone_hash and saved[names[0]].contact_phone_enc != "13812345678"
    assert saved[names[1]].kind == "social" and not saved[names[1]].has_union
    assert orgs_named(DFH, [first["组织名称"].replace("模板", EXAMPLE_MARK)]) == []
    # a second confirm of the same job does nothing
    again = client.post(job_url + "/confirm", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    assert again.status_code == 409
    assert len(orgs_named(DFH, names)) == 2


# --- the dry-run report -----------------------------------------------------------------------


def test_dry_run_report_names_row_column_and_problem(as_user, api_token):
    client = as_user("dfh_staff")
    good = org_row()
    dup_code = code()
    rows = [
        good,                                                        # row 2
        org_row(统一社会信用代码="91430104MA4L0XXXX0"),               # row 3: bad check digit
        org_row(类别=""),                                             # row 4: missing required
        org_row(经营状态="倒闭了"),                                    # row 5: invalid choice
        org_row(credit=dup_code),                                    # row 6
        org_row(credit=dup_code),                                    # row 7: duplicate in the file
        org_row(从业人员数="很多", 联系电话="12345"),                   # row 8: two problems
    ]
    r = page_upload(client, DFH, "organizations", "bad.xlsx", org_file(rows))
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    text = text_of(page.text)
    assert "检查发现问题" in text
    assert "确认导入" not in text
    problems = {(int(row), col): msg for row, col, msg in
                __import__("re").findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                                         page.text)}
    assert "校验位" in problems[(3, "统一社会信用代码")]
    assert problems[(4, "类别")] == "必填"
    assert "倒闭了" in problems[(5, "经营状态")] and "在营" in problems[(5, "经营状态")]
    assert problems[(7, "统一社会信用代码")] == "与第 6 行重复"
    assert problems[(8, "从业人员数")] == "须为整数"
    assert "11位" in problems[(8, "联系电话")]
    assert (2, "组织名称") not in problems
    assert orgs_named(DFH, [good["组织名称"]]) == []

    # the same report from the API
    r = api_upload(client, api_token("dfh_staff"), DFH, "organizations", "bad.xlsx", org_file(rows))
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "checked" and not body["can_confirm"]
    assert body["errors"] == 5 and body["created"] == 2 and body["total_rows"] == 7
    assert {"row": 3, "column": "统一社会信用代码", "message": "统一社会信用代码校验位错误"} in body["problems"]
    assert orgs_named(DFH, [good["组织名称"]]) == []


def test_missing_required_column_and_header_below_a_title(as_user, api_token):
    headers = api_token("dfh_staff")
    client = as_user("dfh_staff")
    content = xlsx(["组织名称", "地址"], [[unique("缺列"), "x"]])
    body = api_upload(client, headers, DFH, "organizations", "a.xlsx", content).json()
    assert "没有找到必填的列：类别" in body["message"] and not body["can_confirm"]
    # a title row above the header is fine
    wb = Workbook()
    ws = wb.active
    ws.append(["东方红街道两新组织台账（2024 年）"])
    ws.append(ORG_HEADERS)
    name = unique("标题行企业")
    ws.append(as_rows(ORG_HEADERS, [org_row(name)])[0])
    buf = io.BytesIO()
    wb.save(buf)
    body = api_upload(client, headers, DFH, "organizations", "t.xlsx", buf.getvalue(), dry_run=False).json()
    assert body["state"] == "done" and body["created"] == 1
    assert len(orgs_named(DFH, [name])) == 1


# --- all or nothing, idempotence, updates -----------------------------------------------------


def test_one_bad_row_means_nothing_is_written(as_user, api_token):
    client = as_user("dfh_staff")
    rows = [org_row() for _ in range(5)] + [org_row(类别="外星组织")]
    before = audit_count(DFH)
    r = api_upload(client, api_token("dfh_staff"), DFH, "organizations", "mixed.xlsx", org_file(rows), dry_run=False)
    assert r.status_code == 422
    body = r.json()
    assert body["extra"]["report"]["state"] == "failed"
    assert body["extra"]["report"]["problems"][0]["row"] == 7
    assert body["extra"]["report"]["problems"][0]["column"] == "类别"
    assert orgs_named(DFH, [d["组织名称"] for d in rows]) == []
    assert audit_count(DFH) == before


def test_reimport_changes_nothing_and_a_changed_row_is_updated(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    rows = [org_row() for _ in range(4)]
    first = api_upload(client, headers, DFH, "organizations", "o.xlsx", org_file(rows), dry_run=False).json()
    assert (first["state"], first["created"], first["updated"], first["unchanged"]) == ("done", 4, 0, 0)
    audits = audit_count(DFH)

    again = api_upload(client, headers, DFH, "organizations", "o.xlsx", org_file(rows), dry_run=False).json()
    assert (again["state"], again["created"], again["updated"], again["unchanged"]) == ("done", 0, 0, 4)
    assert audit_count(DFH) == audits  # no audit noise
    # the same through the page: nothing to confirm
    r = page_upload(client, DFH, "organizations", "o.xlsx", org_file(rows))
    assert "与系统一致" in text_of(client.get(r.headers["location"]).text)

    rows[2]["从业人员数"] = 321
    rows[2]["组织名称"] = rows[2]["组织名称"] + "（更名）"
    changed = api_upload(client, headers, DFH, "organizations", "o.xlsx", org_file(rows), dry_run=False).json()
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 3)
    with scoped_session(tenant_id(DFH)) as s:
        org = s.scalar(select(Organization).where(Organization.credit_code == rows[2]["统一社会信用代码"]))
        assert org.employees == 321 and org.name.endswith("（更名）")
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "organizations",
                                                     AuditEntry.entity_id == str(org.id))).all()
        update = [e for e in entries if e.action == "organizations.update"]
        assert len(update) == 1 and update[0].after["employees"] == 321
        assert {"employees", "name"} <= set(update[0].after) <= {"employees", "name", "updated_at"}
        summary = s.scalars(select(AuditEntry).where(AuditEntry.action == "imports.commit")).all()
        assert summary
    # 3 unchanged rows, one updated: exactly two new audit entries (the row and the import)
    assert audit_count(DFH) == audits + 2


def test_organization_without_code_matches_on_name(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    name = unique("个体户")
    rows = [org_row(name, "", 类型="个体工商户")]
    rows[0]["统一社会信用代码"] = None
    assert api_upload(client, headers, DFH, "organizations", "n.csv",
                      org_file(rows, "csv"), dry_run=False, mime="text/csv").json()["created"] == 1
    again = api_upload(client, headers, DFH, "organizations", "n.csv", org_file(rows, "csv"), dry_run=False,
                       mime="text/csv").json()
    assert (again["created"], again["unchanged"]) == (0, 1)


# --- CSV encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(as_user, api_token, encoding):
    client = as_user("dfh_staff")
    rows = [org_row(unique("编码测试企业")), org_row(unique("编码测试协会"), 类别="社会组织", 类型="社会团体")]
    content = org_file(rows, "csv", encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    body = api_upload(client, api_token("dfh_staff"), DFH, "organizations", "orgs.csv", content,
                      dry_run=False, mime="text/csv").json()
    assert body["state"] == "done" and body["created"] == 2, body
    saved = {o.name for o in orgs_named(DFH, [r["组织名称"] for r in rows])}
    assert saved == {r["组织名称"] for r in rows}


# --- party orgs and members -------------------------------------------------------------------


def test_party_orgs_with_parent_in_the_same_file_coverage_and_cycles(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    org_a, org_b = org_row(), org_row()
    api_upload(client, headers, DFH, "organizations", "o.xlsx", org_file([org_a, org_b]), dry_run=False)
    root, branch, joint = unique("两新综合党委"), unique("党支部"), unique("联合党支部")
    rows = [
        {"党组织名称": root, "党组织类型": "党委", "组建方式": "兜底组建"},
        {"党组织名称": branch, "党组织类型": "党支部", "上级党组织": root, "组建方式": "单独组建",
         "成立日期": "2021-07-01", "阵地类别": "二类阵地", "覆盖组织": org_a["统一社会信用代码"]},
        {"党组织名称": joint, "党组织类型": "联合党支部", "上级党组织": root, "组建方式": "联合组建",
         "覆盖组织": f"{org_a['组织名称']}、{org_b['统一社会信用代码']}"},
    ]
    content = xlsx(PO_HEADERS, as_rows(PO_HEADERS, rows))
    check = api_upload(client, headers, DFH, "party_orgs", "p.xlsx", content).json()
    assert check["errors"] == 0 and check["created"] == 3 and check["can_confirm"], check
    job = client.post(f"/api/t/{DFH}/imports/jobs/{check['id']}/confirm", headers=headers)
    assert job.status_code == 200 and job.json()["state"] == "done"
    with scoped_session(tenant_id(DFH)) as s:
        by_name = {p.name: p for p in s.scalars(select(PartyOrg).where(PartyOrg.name.in_([root, branch, joint])))}
        assert by_name[branch].parent_id == by_name[root].id == by_name[joint].parent_id
        assert by_name[branch].venue_class == 2 and by_name[branch].founded_on == dt.date(2021, 7, 1)
        covered = s.execute(select(PartyOrgCoverage.party_org_id, func.count())
                            .where(PartyOrgCoverage.party_org_id.in_([p.id for p in by_name.values()]))
                            .group_by(PartyOrgCoverage.party_org_id)).all()
        assert dict(covered) == {by_name[branch].id: 1, by_name[joint].id: 2}
        joint_id, org_a_id = by_name[joint].id, s.scalar(select(Organization.id).where(
            Organization.credit_code == org_a["统一社会信用代码"]))
    # the links show as 新增覆盖 in the party org's history and in the organization's
    history = text_of(client.get(f"/t/{DFH}/party-orgs/{joint_id}").text)
    assert f"新增覆盖组织 新增覆盖组织：{org_a['组织名称']}（台账导入）" in history
    assert f"新增覆盖组织：{org_b['组织名称']}（台账导入）" in history
    assert f"纳入「{joint}」覆盖（台账导入）" in text_of(client.get(f"/t/{DFH}/organizations/{org_a_id}").text)
    again = api_upload(client, headers, DFH, "party_orgs", "p.xlsx", content, dry_run=False).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    # dropping an organization from the file removes the link, with its history entry
    rows[2]["覆盖组织"] = org_a["组织名称"]
    less = api_upload(client, headers, DFH, "party_orgs", "p2.xlsx", xlsx(PO_HEADERS, as_rows(PO_HEADERS, rows)),
                      dry_run=False).json()
    assert (less["created"], less["updated"], less["unchanged"]) == (0, 1, 2)
    assert f"移除覆盖组织 移除覆盖组织：{org_b['组织名称']}（台账导入）" in text_of(
        client.get(f"/t/{DFH}/party-orgs/{joint_id}").text)

    # a parent that only comes later, and a loop, are reported
    loop = [
        {"党组织名称": root, "党组织类型": "党委", "上级党组织": branch, "组建方式": "兜底组建"},
        {"党组织名称": unique("孤儿支部"), "党组织类型": "党支部", "上级党组织": unique("不存在的党委"),
         "组建方式": "单独组建"},
    ]
    body = api_upload(client, headers, DFH, "party_orgs", "loop.xlsx", xlsx(PO_HEADERS, as_rows(PO_HEADERS, loop)),
                      dry_run=False)
    assert body.status_code == 422
    problems = report_of(body)["problems"]
    assert any(p["row"] == 2 and p["column"] == "上级党组织" and "循环" in p["message"] for p in problems)
    assert any(p["row"] == 3 and "找不到党组织" in p["message"] for p in problems)
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(PartyOrg.parent_id).where(PartyOrg.name == root)) is None


def test_members_match_on_id_number_and_resolve_references(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    po = make_party_org(DFH)
    org = org_row()
    api_upload(client, headers, DFH, "organizations", "o.xlsx", org_file([org]), dry_run=False)
    people = [
        {"姓名": unique("党员"), "身份证号": idn(True), "政治面貌": "正式党员", "入党日期（预备）": "2010-07-01",
         "转正日期": "2011-07-01", "手机号": "13900139000", "所在党组织": po.name,
         "工作单位": org["统一社会信用代码"], "党内职务": "委员", "积分": 12},
        {"姓名": unique("积极分子"), "身份证号": idn(False), "政治面貌": "入党积极分子",
         "申请入党日期": "2022-03-01", "确定积极分子日期": "2022-09-01", "工作单位": org["组织名称"]},
    ]
    content = xlsx(MEMBER_HEADERS, as_rows(MEMBER_HEADERS, people))
    body = api_upload(client, headers, DFH, "members", "m.xlsx", content, dry_run=False).json()
    assert body["state"] == "done" and body["created"] == 2, body
    with scoped_session(tenant_id(DFH)) as s:
        saved = {m.name: m for m in s.scalars(select(Member).where(Member.name.in_([p["姓名"] for p in people])))}
        first, second = saved[people[0]["姓名"]], saved[people[1]["姓名"]]
        assert first.party_org_id == po.id and first.organization_id == second.organization_id is not None
        assert first.gender == "male" and second.gender == "female"  # taken from the ID number
        assert first.id_number_enc and people[0]["身份证号"] not in first.id_number_enc
        assert first.position == "committee" and first.points == 12 and first.status == "full"
    again = api_upload(client, headers, DFH, "members", "m.xlsx", content, dry_run=False).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)

    bad = [
        {"姓名": unique("无身份证"), "政治面貌": "正式党员", "入党日期（预备）": "2010-07-01", "转正日期": "2011-07-01"},
        {"姓名": unique("错号"), "身份证号": people[0]["身份证号"][:-1] + ("0" if people[0]["身份证号"][-1] != "0" else "1"),
         "政治面貌": "入党申请人"},
        {"姓名": unique("错支部"), "身份证号": idn(), "政治面貌": "入党申请人", "所在党组织": unique("没有的支部")},
    ]
    report = report_of(api_upload(client, headers, DFH, "members", "b.xlsx",
                                  xlsx(MEMBER_HEADERS, as_rows(MEMBER_HEADERS, bad))))
    cells = {(p["row"], p["column"]): p["message"] for p in report["problems"]}
    assert "导入时必填" in cells[(2, "身份证号")]
    assert "校验位" in cells[(3, "身份证号")]
    assert "找不到党组织" in cells[(4, "所在党组织")]


def test_excel_number_for_an_id_is_explained(as_user, api_token):
    client = as_user("dfh_staff")
    people = [{"姓名": unique("数字身份证"), "身份证号": 4.30104198605121e17, "政治面貌": "入党申请人"}]
    report = api_upload(client, api_token("dfh_staff"), DFH, "members", "m.xlsx",
                        xlsx(MEMBER_HEADERS, as_rows(MEMBER_HEADERS, people))).json()
    assert "文本" in report["problems"][0]["message"] and report["problems"][0]["column"] == "身份证号"


# --- hostile files ----------------------------------------------------------------------------


def test_hostile_files_are_rejected_before_parsing(as_user, api_token, monkeypatch):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    with scoped_session(tenant_id(DFH)) as s:
        jobs_before = s.scalar(select(func.count(ImportJob.id)))
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + secrets.token_bytes(2000)
    bomb = minimal_xlsx_zip({"xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)})
    macro = minimal_xlsx_zip({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"x" * 100})
    macro_type = minimal_xlsx_zip(content_types=b'<Types><Default ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>')
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + secrets.token_bytes(4000)
    dtd = minimal_xlsx_zip({"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>'})
    cases = [
        ("setup.xlsx", exe, "不是 Excel"),
        ("setup.csv", exe, "文件类型不正确"),
        ("bomb.xlsx", bomb, "压缩炸弹"),
        ("macro.xlsm", macro, "宏"),
        ("macro.xlsx", macro, "宏"),
        ("macro2.xlsx", macro_type, "宏"),
        ("secret.xlsx", ole, "加密"),
        ("dtd.xlsx", dtd, "DTD"),
        ("empty.csv", b"", "空"),
        ("utf16.csv", "组织名称\r\n".encode("utf-16"), "UTF-16"),
        ("binary.csv", b"\x00\x01\x02abc", "二进制"),
        ("notes.txt", b"hello", "不支持的文件类型"),
    ]
    for filename, content, expected in cases:
        r = page_upload(client, DFH, "organizations", filename, content)
        assert r.status_code == 422, (filename, r.status_code)
        assert expected in text_of(r.text), (filename, text_of(r.text)[:300])
        r = api_upload(client, headers, DFH, "organizations", filename, content)
        assert r.status_code == 422 and expected in r.json()["detail"], (filename, r.text[:300])

    monkeypatch.setenv("LIANDONG_IMPORT_MAX_BYTES", "4096")
    big = org_file([org_row() for _ in range(200)], "csv")
    assert len(big) > 4096
    r = page_upload(client, DFH, "organizations", "big.csv", big, mime="text/csv")
    assert r.status_code == 413 and "文件过大" in text_of(r.text)
    r = api_upload(client, headers, DFH, "organizations", "big.csv", big, mime="text/csv")
    assert r.status_code == 413 and "上限" in r.json()["detail"]
    with scoped_session(tenant_id(DFH)) as s:  # nothing was even stored
        assert s.scalar(select(func.count(ImportJob.id))) == jobs_before


def test_upload_safety_unit():
    assert inspect_upload("a.csv", "组织名称,类别\n甲,非公企业\n".encode("gbk")).encoding == "gb18030"
    assert inspect_upload("a.csv", b"\xef\xbb\xbfname\n").encoding == "utf-8-sig"
    assert inspect_upload("a.xlsx", xlsx(["组织名称"], [])).kind == "xlsx"
    with pytest.raises(UploadRejected, match="扩展名"):
        inspect_upload("a.csv", xlsx(["组织名称"], []))
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        for i in range(1001):
            z.writestr(f"xl/x{i}.bin", b"")
    with pytest.raises(UploadRejected, match="部件过多"):
        inspect_upload("many.xlsx", many.getvalue())
    with pytest.raises(UploadRejected, match="不是有效的 Excel"):
        inspect_upload("zip.xlsx", zipfile_bytes({"readme.txt": b"hi"}))
    with pytest.raises(UploadRejected, match="过大"):
        inspect_upload("a.csv", b"x" * 100, max_bytes=10)


def zipfile_bytes(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


# --- permissions and tenancy ------------------------------------------------------------------


def test_permissions(as_user, api_token):
    client = as_user("yuelu_viewer")
    assert client.get(f"/t/{YUELU}/imports").status_code == 403
    assert client.get(f"/t/{YUELU}/imports/organizations/template.xlsx").status_code == 403
    assert page_upload(client, YUELU, "organizations", "o.xlsx", org_file([org_row()])).status_code == 403
    name = unique("越权")
    r = api_upload(client, api_token("yuelu_viewer"), YUELU, "organizations", "o.xlsx",
                   org_file([org_row(name)]), dry_run=False)
    assert r.status_code == 403
    assert orgs_named(YUELU, [name]) == []
    # no role in the tenant at all: 404
    staff = api_token("dfh_staff")
    assert client.get(f"/api/t/{WYH}/imports/organizations/template.xlsx", headers=staff).status_code == 404
    assert client.get(f"/t/{DFH}/imports/nonsense/template.xlsx").status_code in (403, 404)


def test_import_writes_only_into_the_session_tenant(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    name = unique("跨辖区企业")
    row = org_row(name)
    heads = [*ORG_HEADERS, "所属辖区", "tenant_id"]
    content = xlsx(heads, [[*as_rows(ORG_HEADERS, [row])[0], WYH, tenant_id(WYH)]])
    body = api_upload(client, headers, DFH, "organizations", "x.xlsx", content, dry_run=False).json()
    assert body["state"] == "done" and body["created"] == 1
    assert body["ignored_columns"] == ["所属辖区", "tenant_id"]
    assert [o.tenant_id for o in orgs_named(DFH, [name])] == [tenant_id(DFH)]
    assert orgs_named(WYH, [name]) == []

    # another tenant's job answers 404, page and API alike
    other = as_user("yuelu_admin")
    r = page_upload(other, YUELU, "organizations", "y.xlsx", org_file([org_row()]))
    assert r.status_code == 303
    yuelu_job = int(r.headers["location"].rstrip("/").split("/")[-1])
    dfh = as_user("dfh_staff")
    assert dfh.get(f"/t/{DFH}/imports/jobs/{yuelu_job}").status_code == 404
    assert dfh.post(f"/t/{DFH}/imports/jobs/{yuelu_job}/confirm",
                    data={"_csrf_token": csrf(dfh)}).status_code == 404
    assert dfh.get(f"/api/t/{DFH}/imports/jobs/{yuelu_job}", headers=headers).status_code == 404


def test_upload_page_renders_and_needs_csrf(as_user):
    client = as_user("dfh_staff")
    r = client.get(f"/t/{DFH}/imports")
    assert r.status_code == 200
    text = text_of(r.text)
    assert "检查文件" in text and "下载模板" in text and "党员导入模板" in text
    assert 'enctype="multipart/form-data"' in r.text and "_csrf_token" in r.text
    r = client.post(f"/t/{DFH}/imports", data={"entity": "organizations"},
                    files={"file": ("o.xlsx", org_file([org_row()]), XLSX_MIME)})
    assert r.status_code == 403
    r = client.post(f"/t/{DFH}/imports", data={"entity": "organizations", "_csrf_token": csrf(client)},
                    files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 422 and "请选择要导入的文件" in text_of(r.text)


# --- size and background jobs -----------------------------------------------------------------


def test_two_thousand_rows_in_batches(as_user, api_token):
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    prefix = unique("批量")
    r = random.Random(secrets.randbits(64))
    codes = set()
    while len(codes) < 2000:
        codes.add(generate_credit_code(r))
    rows = [[f"{prefix}-{i:04d}", c, "非公企业", "", "", "", "", "", i % 300]
            for i, c in enumerate(sorted(codes))]
    content = xlsx(ORG_HEADERS[:9], rows)
    body = api_upload(client, headers, DFH, "organizations", "many.xlsx", content, dry_run=False).json()
    assert body["state"] == "done" and body["created"] == 2000 and body["total_rows"] == 2000, body
    again = api_upload(client, headers, DFH, "organizations", "many.xlsx", content).json()
    assert again["unchanged"] == 2000 and again["created"] == 0  # speed: bench P5, not a stopwatch here
    with scoped_session(tenant_id(DFH)) as s:
        assert s.scalar(select(func.count(Organization.id)).where(Organization.name.like(f"{prefix}-%"))) == 2000


def test_large_files_run_in_the_background_with_progress(as_user, api_token, monkeypatch):
    monkeypatch.setenv("LIANDONG_IMPORT_SYNC_BYTES", "0")
    client = as_user("dfh_staff")
    headers = api_token("dfh_staff")
    rows = [org_row() for _ in range(30)]
    r = page_upload(client, DFH, "organizations", "bg.xlsx", org_file(rows))
    assert r.status_code == 303
    job_id = int(r.headers["location"].rstrip("/").split("/")[-1])
    status = client.get(f"/t/{DFH}/imports/jobs/{job_id}/status").json()
    assert status["id"] == job_id and "processed" in status
    checked = wait_for(client, headers, DFH, job_id)
    assert checked["state"] == "checked" and checked["created"] == 30 and checked["can_confirm"]
    r = client.post(f"/t/{DFH}/imports/jobs/{job_id}/confirm", data={"_csrf_token": csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303
    done = wait_for(client, headers, DFH, job_id)
    assert done["state"] == "done" and done["processed_rows"] == 30
    assert len(orgs_named(DFH, [d["组织名称"] for d in rows])) == 30
    page = client.get(f"/t/{DFH}/imports/jobs/{job_id}")
    assert "导入完成" in text_of(page.text)

    # the API answers 202 while running, with a status URL
    r = api_upload(client, headers, DFH, "organizations", "bg.xlsx", org_file([org_row()]))
    assert r.status_code in (200, 202)
    assert r.json()["status_url"].endswith(f"/imports/jobs/{r.json()['id']}")
    assert wait_for(client, headers, DFH, r.json()["id"])["state"] == "checked"


def test_running_job_page_refreshes_without_js(as_user):
    client = as_user("dfh_staff")
    tid = tenant_id(DFH)
    with scoped_session(tid) as s:
        s.info["skip_audit"] = True
        job = ImportJob(entity="organizations", filename="running.xlsx", file_kind="xlsx", state="importing",
                        total_rows=1000, processed_rows=250)
        s.add(job)
    page = client.get(f"/t/{DFH}/imports/jobs/{job.id}")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text and "/static/registry/import.js" in page.text
    assert 'value="25"' in page.text and "刷新" in page.text
    status = client.get(f"/t/{DFH}/imports/jobs/{job.id}/status").json()
    assert status == {"id": job.id, "state": "importing", "running": True, "processed": 250, "total": 1000,
                      "percent": 25, "label": "正在导入"}


@pytest.mark.browser
def test_browser_upload_check_and_confirm(database, tmp_path):
    from tests.browser import browser_page, live_server

    names = [unique("浏览器导入企业"), unique("浏览器导入协会")]
    rows = [org_row(names[0]), org_row(names[1], 类别="社会组织", 类型="社会团体"), org_row(类别="不存在")]
    bad = tmp_path / "有错误.xlsx"
    bad.write_bytes(org_file(rows))
    good = tmp_path / "两新组织.xlsx"
    good.write_bytes(org_file(rows[:2]))
    with live_server() as base, browser_page() as page:
        page.goto(base + "/login")
        page.fill("input[name=username]", "dfh_staff")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/t/{DFH}/")  # one tenant: straight to it
        page.goto(f"{base}/t/{DFH}/imports")
        page.set_input_files("input[name=file]", str(bad))
        page.click("button:has-text('检查文件')")
        page.wait_for_selector("text=检查发现问题")
        assert page.is_visible("table.problems >> text=类别")
        assert not page.is_visible("button:has-text('确认导入')")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        page.goto(f"{base}/t/{DFH}/imports")
        page.set_input_files("input[name=file]", str(good))
        page.click("button:has-text('检查文件')")
        page.wait_for_selector("text=检查通过")
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("button:has-text('确认导入')")
        page.wait_for_selector("text=导入完成")
        page.screenshot(path=str(tmp_path / "done.png"), full_page=True)
    assert {o.name for o in orgs_named(DFH, names)} == set(names)
