"""Exports never fail on data: illegal XML characters in cells, forbidden characters in titles."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from core.db import scoped_session
from core.excel import sheet_title, workbook_bytes
from core.plugins import registry
from core.registry.models import Organization
from core.tenancy import operator_session
from tests.helpers import login
from tests.routes import make_tenant, make_user


def _sheet(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return wb.worksheets[0]


def test_sheet_titles_lose_the_characters_excel_refuses():
    assert sheet_title("2026年上/下半年推进计划") == "2026年上-下半年推进计划"
    assert sheet_title("组织活动/会议") == "组织活动-会议"
    assert sheet_title("a\\b?c*d:e[f]g") == "a-b-c-d-e-f-g"
    assert len(sheet_title("很" * 40)) == 31
    assert sheet_title("'") == "Sheet1" and sheet_title("") == "Sheet1"


def test_cells_with_control_characters_formulas_zones_and_objects_are_written():
    aware = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    data = workbook_bytes("2026年上/下半年推进计划", ["地址\u000b", "x"],
                          [["一楼\u000b二楼\x00", "=1+1"], [aware, {"a": 1}]])
    ws = _sheet(data)
    assert ws.title == "2026年上-下半年推进计划"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("地址\ufffd", "x")
    assert rows[1] == ("一楼\ufffd二楼\ufffd", "'=1+1")
    assert rows[2][0] == dt.datetime(2026, 1, 2, 11, 4) and rows[2][1] == "{'a': 1}"


def test_an_address_with_a_vertical_tab_and_a_title_with_a_slash_export(app, client):
    street = make_tenant("xls-", "导出测试街道", "yuelu")
    username, _ = make_user("xls_", "export-pass-2024", [("tenant_admin", street.id)])
    with scoped_session(street.id) as s:
        s.info["username"] = "test"
        s.add(Organization(name="垂直制表符公司", kind="enterprise", address="一号楼\u000b三单元"))
    with operator_session("test") as s:
        registry().save_settings(s, street.id, "activities", {"title": "组织活动/会议"})
    login(client, username, "export-pass-2024")
    r = client.get(f"/t/{street.slug}/organizations/export")
    assert r.status_code == 200, r.text[:300]
    rows = list(_sheet(r.content).iter_rows(values_only=True))
    assert any("一号楼\ufffd三单元" in row for row in rows)
    r = client.get(f"/t/{street.slug}/activities/export")
    assert r.status_code == 200, r.text[:300]
    assert _sheet(r.content).title == "组织活动-会议"
    assert "%2F" not in r.headers["content-disposition"] and "/" not in r.headers["content-disposition"]
