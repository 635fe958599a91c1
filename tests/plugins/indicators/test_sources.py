"""Indicators fed by other data: new demonstration points counted from the designations block
where the tenant runs it (revoked and unreviewed ones left out), and targets imported from Excel
through the registry's import pages (idempotent re-import, Chinese row errors)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import select

from core.db import open_session, scoped_session
from core.registry.models import PartyOrg
from core.tenancy import tree
from plugins.indicators import api
from plugins.indicators.models import IndicatorTarget
from tests.helpers import login, unique
from tests.registry.test_import import api_upload
from tests.worlds import make_tenants, make_users

KEY = "indicators.new_demonstration_points"


def _figure(tenant, key=KEY, period="2025"):
    ids = tree().descendant_ids(tenant.id)
    with open_session(tenant.id, ids) as rs:
        return {f.indicator.key: f for f in api.figures(rs, tenant, ids, "year", period)}[key]


def test_demonstration_points_counted_from_designations(database):
    from plugins.designations import api as designations

    tag = unique("")
    t = make_tenants("insrc", [("d", "示范点测试区", "district", "changsha"), ("s", "示范点测试街道", "street", "d")],
                     plugins=("indicators", "designations"), tag=tag)
    d, s = t["d"], t["s"]
    assert api.indicators_for(s)[KEY].computed
    with scoped_session(s.id) as session:
        pos = [PartyOrg(name=f"示范点测试支部{i}{tag}", org_type="branch") for i in range(4)]
        session.add_all(pos)
        session.flush()
        made = [designations.create(session, s, {"kind": "designations.demo_point", "subject_kind": "party_org",
                                                 "subject_id": po.id, "level": "street", "awarded_on": on},
                                    dt.date(2026, 1, 10), "test", status=status)
                for po, on, status in zip(pos, ("2025-04-01", "2025-09-30", "2025-10-01", "2024-12-31"),
                                          ("active", "active", "applied", "active"), strict=True)]
        designations.transition(session, s, made[1], "revoke", {"reason": "违法经营", "revoked_on": "2026-01-05"},
                                dt.date(2026, 1, 10), "test")
    f = _figure(s)
    assert (f.actual, f.actual_source) == (Decimal(1), "computed")  # the revoked and the unreviewed do not count
    assert _figure(s, period="2024").actual == 1
    assert _figure(d).actual == 1  # the district counts its street's
    with scoped_session(d.id) as session:
        api.set_target(session, d, {"indicator": KEY, "period": "2025", "value": "10"})
    f = _figure(d)
    assert (f.target, f.gap, f.attainment, f.met) == (Decimal(10), Decimal(-9), Decimal("10.0"), False)


def _xlsx(headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_targets_import(database, client, api_token):
    tag = unique("")
    t = make_tenants("inimp", [("s", "目标导入测试街道", "street", "yuelu")], plugins=("indicators",), tag=tag)
    s = t["s"]
    users, _ = make_users("inimp", [("staff", "staff", s)], tag=tag)
    login(client, users["staff"])
    headers = api_token(users["staff"])
    rows = [["社会组织党组织覆盖率", "年度", "2026", "96.5", "区委下达"],
            ["新建党组织数", "季度", "2026-Q1", "３", ""],
            ["新建党组织数", "季度", "2026-Q5", "3", ""],
            ["不存在的指标", "年度", "2026", "1", ""],
            ["非公企业党组织覆盖率", "", "2026", "101", ""]]
    content = _xlsx(["指标", "周期类型", "期间", "目标值", "备注"], rows)
    body = api_upload(client, headers, s.slug, "indicators_targets", "目标.xlsx", content).json()
    assert body["created"] == 2 and body["errors"] == 3, body
    assert {p["column"] for p in body["problems"]} == {"期间", "指标", "目标值"}
    done = client.post(f"/api/t/{s.slug}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=headers).json()
    assert done["created"] == 2
    with open_session(s.id) as session:
        got = {(r.indicator, r.period_kind, r.period): (r.value, r.note, r.indicator_label)
               for r in session.scalars(select(IndicatorTarget))}
    assert got == {("indicators.coverage_social", "year", "2026"): (Decimal("96.50"), "区委下达", "社会组织党组织覆盖率"),
                   ("indicators.new_party_orgs", "quarter", "2026-Q1"): (Decimal("3.00"), "", "新建党组织数")}
    rows[0][3] = "97"
    again = api_upload(client, headers, s.slug, "indicators_targets", "目标.xlsx",
                       _xlsx(["指标", "周期类型", "期间", "目标值", "备注"], rows[:2]), dry_run=False).json()
    assert again["updated"] == 1 and again["unchanged"] == 1, again
