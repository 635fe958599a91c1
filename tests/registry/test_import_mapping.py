"""Ledgers as offices keep them (issue 13): headers in their own words and order, a title row
and a total row; the proposed, confirmed and remembered column mapping; "import only the
valid rows" with an error workbook that imports the rest once fixed."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from core.registry.importer import ERROR_COLUMN
from tests.helpers import csrf, unique
from tests.registry.test_import import DFH, api_upload, code, orgs_named, page_upload

#: the office's own headers, in its own order: 序号 and 备注说明 are not fields; the credit
#: code column has a header that says nothing (recognised by its values)
HEADERS = ["序号", "单位全称", "性质", "代码", "联系方式", "职工人数", "是否建立工会", "成立时间", "备注说明"]
MAPPED = {"单位全称": "name", "性质": "kind", "代码": "credit_code", "联系方式": "contact_phone",
          "职工人数": "employees", "是否建立工会": "has_union"}


def ledger(rows: list[list], *, title: str = "东方红街道两新组织台账（2026年）", total: bool = True,
           headers: list[str] = HEADERS) -> bytes:
    """The office's workbook; tests that save a mapping pass their own ``headers`` (a mapping
    is remembered per layout, and tests run in any order)."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(headers)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    if total:
        ws.append(["合计", f"{len(rows)}家", None, None, None, sum(int(r[4] or 0) for r in rows if str(r[4]).isdigit())])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good(name: str, credit: str | None = None, **over) -> list:
    row = {"name": name, "kind": "民营企业", "code": credit or code(), "phone": "１３８ ０００ １２３４５"[:16],
           "staff": "25", "union": "√", "founded": "2019年3月5日", "notes": "x"}
    row.update(over)
    return [row["name"], row["kind"], row["code"], row["phone"], row["staff"], row["union"], row["founded"],
            row["notes"]]


def test_synonym_headers_title_and_total_rows_are_mapped_and_checked(as_user, api_token):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    tag = unique("映射")
    dup = code()
    valid = code()
    bad = valid[:17] + ("1" if valid.endswith("0") else "0")  # the wrong check character
    rows = [good(tag + "甲"), good(tag + "乙", kind="社团"), good(tag + "丙", credit=dup),
            good(tag + "丁", credit=dup), good(tag + "戊", credit=bad), good(tag + "己", kind="国有企业")]
    r = api_upload(client, headers, DFH, "organizations", "台账.xlsx", ledger(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    mapping = {c["header"]: c["field"] for c in body["columns"]}
    assert {h: f for h, f in mapping.items() if f} == MAPPED
    assert body["mapping_source"] in ("proposed", "remembered")  # nobody saves this layout's mapping
    assert set(body["ignored_columns"]) >= {"序号", "成立时间", "备注说明"}
    assert body["total_rows"] == 6 and body["skipped"] == 1  # the 合计 row is not data
    assert body["created"] == 3 and body["errors"] == 3
    problems = {(p["row"], p["column"]) for p in body["problems"]}
    # rows count from the title row; every problem names the file's own column header
    assert problems == {(6, "代码"), (7, "代码"), (8, "性质")}
    assert all("credit_code" not in p["message"] and "kind" not in p["message"] for p in body["problems"])
    assert body["can_import_valid"] and not body["can_confirm"]


def test_a_confirmed_mapping_is_remembered_for_the_same_headers(as_user, api_token):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    tag = unique("记住")
    layout = [*HEADERS[:-1], tag + "备注"]
    first = api_upload(client, headers, DFH, "organizations", "a.xlsx", ledger([good(tag + "甲")], headers=layout)).json()
    assert first["mapping_source"] == "proposed"
    columns = [c["field"] for c in first["columns"]]
    columns[-1] = "notes"  # the user maps one more column
    wrong = list(columns)
    wrong[HEADERS.index("序号")] = "name"
    r = client.put(f"/api/t/{DFH}/imports/jobs/{first['id']}/mapping", json={"mapping": wrong}, headers=headers)
    assert r.status_code == 422 and "col_1" in r.json()["extra"]["errors"]
    r = client.put(f"/api/t/{DFH}/imports/jobs/{first['id']}/mapping", json={"mapping": columns}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["mapping_source"] == "chosen" and r.json()["created"] == 1
    # the next file with the same headers (other rows) gets the remembered mapping
    second = api_upload(client, headers, DFH, "organizations", "b.xlsx", ledger([good(tag + "乙")], headers=layout)).json()
    assert second["mapping_source"] == "remembered"
    assert [c["field"] for c in second["columns"]] == columns
    done = client.post(f"/api/t/{DFH}/imports/jobs/{second['id']}/confirm", headers=headers).json()
    assert done["state"] == "done"
    assert orgs_named(DFH, [tag + "乙"])[0].notes == "x"


def test_import_valid_rows_then_the_fixed_error_workbook(as_user, api_token):
    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    tag = unique("部分")
    good_codes = [code() for _ in range(3)]
    rows = [good(tag + "甲", good_codes[0]), good(tag + "乙", "12345"), good(tag + "丙", good_codes[1]),
            good(tag + "丁", good_codes[2], kind="外星组织", staff="很多")]
    check = api_upload(client, headers, DFH, "organizations", "部分.xlsx", ledger(rows)).json()
    assert check["created"] == 2 and check["errors"] == 2
    assert client.post(f"/api/t/{DFH}/imports/jobs/{check['id']}/confirm", headers=headers).status_code == 409
    r = client.post(f"/api/t/{DFH}/imports/jobs/{check['id']}/confirm?valid_only=true", headers=headers)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "done" and done["created"] == 2 and done["errors"] == 2
    assert sorted(o.name for o in orgs_named(DFH, [tag + s for s in "甲乙丙丁"])) == [tag + "丙", tag + "甲"]

    errors = client.get(done["error_file_url"], headers=headers)
    assert errors.status_code == 200
    wb = load_workbook(io.BytesIO(errors.content))
    ws = wb.active
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    assert table[0] == [*HEADERS, ERROR_COLUMN]
    assert [r[1] for r in table[1:]] == [tag + "乙", tag + "丁"]
    assert table[1][-1].startswith("代码：")
    assert "性质：" in table[2][-1] and "职工人数：" in table[2][-1]
    red = {c.column_letter for c in ws[3] if c.fill is not None and c.fill.fgColor.rgb.endswith("FFC7CE")}
    assert red == {"C", "F"}  # 性质 and 职工人数 of 丁
    # fix the marked cells and import the workbook: the rest comes in
    ws["D2"] = code()
    ws["C3"], ws["F3"] = "非公企业", 30
    buf = io.BytesIO()
    wb.save(buf)
    fixed = api_upload(client, headers, DFH, "organizations", "改好.xlsx", buf.getvalue(), dry_run=False).json()
    assert fixed["state"] == "done" and fixed["created"] == 2 and fixed["errors"] == 0
    # the original file again: the valid rows are unchanged, nothing is duplicated
    again = api_upload(client, headers, DFH, "organizations", "部分.xlsx", ledger(rows)).json()
    assert again["created"] == 0 and again["unchanged"] == 2
    assert len(orgs_named(DFH, [tag + s for s in "甲乙丙丁"])) == 4


def test_mapping_step_and_valid_rows_through_the_pages(as_user):
    client = as_user("dfh_staff")
    tag = unique("页面")
    layout = [*HEADERS[:-1], tag + "备注说明"]
    r = page_upload(client, DFH, "organizations", "页面.xlsx",
                    ledger([good(tag + "甲"), good(tag + "乙", "1")], headers=layout))
    assert r.status_code == 303
    job_url = r.headers["location"]
    page = client.get(job_url).text
    # half the 代码 column is not a credit code: not recognised from its values, left out
    assert "核对列的对应" in page and "单位全称 → 组织名称" in page and "代码 →" not in page
    mapping_url = job_url + "/mapping"
    form = client.get(mapping_url)
    assert form.status_code == 200 and 'name="col_8"' in form.text and "不导入" in form.text
    assert 'name="_csrf_token"' in form.text
    # a field chosen twice, and a required field left out: field-level messages, nothing saved
    data = {"_csrf_token": csrf(client), **{f"col_{i}": "" for i in range(len(HEADERS))}}
    data.update(col_1="name", col_2="name")
    bad = client.post(mapping_url, data=data)
    assert bad.status_code == 422 and "一项只能对应一列" in bad.text and "必填项没有对应的列：类别" in bad.text
    data.update(col_2="kind", col_3="credit_code", col_8="notes")
    saved = client.post(mapping_url, data=data, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(job_url).text
    assert "按您的选择" in page and f"{tag}备注说明 → 备注" in page and "代码 → 统一社会信用代码" in page
    assert "只导入正确的行" in page  # the bad code of 乙 is found now
    done = client.post(job_url + "/confirm", data={"_csrf_token": csrf(client), "valid_only": "1"},
                       follow_redirects=True)
    assert done.status_code == 200 and "下载未导入的行" in done.text
    assert [o.name for o in orgs_named(DFH, [tag + "甲", tag + "乙"])] == [tag + "甲"]
    assert client.get(job_url + "/errors.xlsx").status_code == 200


def test_messages_name_sizes_and_the_files_chinese_headers(as_user, api_token, monkeypatch):
    from tests.registry.test_import import MEMBER_HEADERS, idn, text_of, xlsx

    client, headers = as_user("dfh_staff"), api_token("dfh_staff")
    # a file over the limit: its size and the limit, in the page and the API
    monkeypatch.setenv("LIANDONG_IMPORT_MAX_BYTES", str(2 * 1024 * 1024))
    big = b"a,b\n" + b"x,y\n" * (3 * 1024 * 1024 // 4)
    r = page_upload(client, DFH, "organizations", "big.csv", big, mime="text/csv")
    assert r.status_code == 413 and "文件过大（3.0 MB），上限为 2.0 MB" in text_of(r.text)
    r = api_upload(client, headers, DFH, "organizations", "big.csv", big, mime="text/csv")
    assert r.status_code == 413 and r.json()["detail"].startswith("文件过大（3.0 MB），上限为 2.0 MB")
    # members: every problem names a Chinese column, never a key like activist_on
    renamed = {"确定积极分子日期": "积极分子时间", "申请入党日期": "申请时间"}
    cols = [renamed.get(h, h) for h in MEMBER_HEADERS[:13]]
    rows = [["张三", idn(), "", "", "", "", "", "入党积极分子", "2020-01-01", "2019-01-01", "2021-01-01", "", ""]]
    body = api_upload(client, headers, DFH, "members", "m.xlsx", xlsx(cols, rows)).json()
    assert {p["column"] for p in body["problems"]} == {"积极分子时间", "确定发展对象日期"}
    for p in body["problems"]:
        assert not any(c.isascii() and c.isalpha() for c in p["column"] + p["message"]), p
