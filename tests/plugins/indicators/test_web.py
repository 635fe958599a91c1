"""Indicators through the web: the table page (filters, 422 with Chinese messages, nothing saved),
the roll-up page of a district over its streets, permissions, another tenant's rows 404, history,
Excel export, the dashboard card and the JSON API."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from core.models import AuditEntry
from plugins.indicators.models import IndicatorActual, IndicatorTarget
from tests.helpers import login, post_form, text_of


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/indicators"


def api(t) -> str:
    return f"/api/t/{t.slug}/indicators"


def _table(html: str) -> str:
    return text_of(html.split('id="figures"')[1].split("</table>")[0])


def _count(tenant, model) -> int:
    with open_session(tenant.id) as s:
        return s.scalar(select(func.count(model.id)))


def test_table_page_targets_and_rollup(world, program, user):
    w = world
    c = user("dstaff")
    r = c.get(f"{base(w.d)}?period_kind=year&period=2025")
    page = text_of(r.text)
    assert r.status_code == 200 and "2025年度" in page and "社会组织党组织覆盖率" in page
    assert "80%" in page and "96.5%" in page and "方案默认" in page and "-16.5%" in page and "未达标" in page
    # a target of the district's own replaces the program's default
    before = _count(w.d, IndicatorTarget)
    r = post_form(c, f"{base(w.d)}/targets", {"indicator": "indicators.coverage_enterprise", "period_kind": "year",
                                              "period": "2025", "value": "高", "note": ""})
    assert r.status_code == 422 and "目标值应为不小于 0 的数字，如 96.5 或 38" in r.text
    r = post_form(c, f"{base(w.d)}/targets", {"indicator": "", "period_kind": "year", "period": "20x5", "value": ""})
    assert r.status_code == 422 and "请选择指标" in r.text and "请选择有效的年度期间" in r.text and "目标值请填写数值" in r.text
    assert _count(w.d, IndicatorTarget) == before
    r = post_form(c, f"{base(w.d)}/targets", {"indicator": "indicators.coverage_enterprise", "period_kind": "year",
                                              "period": "2025", "value": "25", "note": "区委确定"},
                  follow_redirects=False)
    assert r.status_code == 303
    page = text_of(c.get(r.headers["location"]).text)
    assert "本级设定" in page and "已达标" in page
    # the roll-up: each street's own figure, and the district's total
    r = c.get(f"{base(w.d)}/detail?indicator=indicators.coverage_social&period_kind=year&period=2025")
    page = text_of(r.text)
    assert r.status_code == 200 and w.s1.name in page and w.s2.name in page and "75%" in page and "100%" in page
    assert "（合计）" in page and "80%" in page
    r = c.get(f"{base(w.d)}/detail?indicator=indicators.coverage_enterprise&period_kind=year&period=2025")
    assert "新增指标目标" in text_of(r.text) and "区委确定" in r.text  # history
    r = c.get(f"{base(w.d)}/detail/export?indicator=indicators.coverage_social&period_kind=year&period=2025")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:4] == ("单位", "期间", "目标", "目标来源") and rows[-1][0].endswith("（合计）")
    assert {row[0] for row in rows[1:-1]} == {w.s1.name, w.s2.name}
    # export of the table, audited
    r = c.get(f"{base(w.d)}/export?period_kind=year&period=2025&q=覆盖率")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "指标" and {row[0] for row in rows[1:]} >= {"社会组织党组织覆盖率", "非公企业党组织覆盖率"}
    assert "新建党组织数" not in {row[0] for row in rows[1:]}
    with open_session(w.d.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "indicators.export")) >= 1
    # filter by status
    page = _table(c.get(f"{base(w.d)}?period_kind=year&period=2025&status=met").text)
    assert "非公企业党组织覆盖率" in page and "社会组织党组织覆盖率" not in page
    # hostile filters: a warning each, the defaults shown, never 500
    r = c.get(f"{base(w.d)}?period_kind=decade&period=<b>&status=x")
    assert r.status_code == 200 and "周期类型：请选择周、月度、季度、半年或年度，已按默认值显示" in r.text and "<b>" not in r.text
    r = c.get(f"{base(w.d)}/detail?indicator=indicators.coverage_social&period_kind=year&period=20x6")
    assert r.status_code == 200 and "期间：不是有效的年度期间" in r.text
    assert c.get(f"{base(w.d)}/detail?indicator=nope").status_code == 404


def test_entered_actual_through_the_page(world, program, user):
    w = world
    c = user("s1staff")
    before = _count(w.s1, IndicatorActual)
    r = post_form(c, f"{base(w.s1)}/actuals", {"indicator": "testind.model_points", "period_kind": "year",
                                               "period": "2025", "value": "2", "evidence": ""})
    assert r.status_code == 422 and "请填写说明与佐证" in r.text
    r = post_form(c, f"{base(w.s1)}/actuals", {"indicator": "indicators.new_party_orgs", "period_kind": "year",
                                               "period": "2025", "value": "2", "evidence": "x"})
    assert r.status_code == 422 and "由系统根据台账自动计算，不能手工填报" in r.text
    assert _count(w.s1, IndicatorActual) == before
    r = post_form(c, f"{base(w.s1)}/actuals", {"indicator": "testind.model_points", "period_kind": "quarter",
                                               "period": "2025-Q4", "value": "2", "evidence": "党员示范岗 2 个"},
                  follow_redirects=False)
    assert r.status_code == 303
    page = text_of(c.get(r.headers["location"]).text)
    assert "2025年第四季度" in page and "佐证：党员示范岗 2 个" in page and "删除填报" in page
    with open_session(w.s1.id) as s:
        aid = s.scalar(select(IndicatorActual.id).where(IndicatorActual.period == "2025-Q4"))
    # another district's staff: 404 on this street's row, through their own tenant
    c = user("ostaff")
    assert post_form(c, f"{base(w.o)}/actuals/{aid}/delete").status_code == 404
    c = user("s1staff")
    assert post_form(c, f"{base(w.s1)}/actuals/{aid}/delete", follow_redirects=False).status_code == 303
    assert _count(w.s1, IndicatorActual) == before


def test_permissions(world, program, user):
    w = world
    c = user("s1viewer")
    assert c.get(base(w.s1)).status_code == 200
    assert post_form(c, f"{base(w.s1)}/targets", {"indicator": "indicators.coverage_social", "period": "2025",
                                                  "value": "90"}).status_code == 403
    assert "设定目标" not in c.get(base(w.s1)).text
    c = user("s1sec")  # an org secretary has no indicators permission
    assert c.get(base(w.s1)).status_code == 403
    c = user("s1staff")  # a street cannot look at its district nor at a sibling
    assert c.get(base(w.d)).status_code == 404
    assert c.get(base(w.os)).status_code == 404


def test_dashboard_card(world, program, user):
    w = world
    c = user("dstaff")
    page = text_of(c.get(f"/t/{w.d.slug}/").text)
    assert "目标与实绩" in page and "社会组织党组织覆盖率" in page


def test_api(world, program, client, api_token):
    w = world
    h = api_token(w.users["dstaff"])
    r = client.get(f"{api(w.d)}/indicators", headers=h)
    assert r.status_code == 200
    found = {i["key"]: i for i in r.json()}
    assert found["indicators.coverage_social"]["default_target"] in ("96.5", 96.5)
    assert found["testind.model_points"]["computed"] is False
    r = client.get(f"{api(w.d)}/figures", headers=h, params={"period_kind": "year", "period": "2025"})
    figs = {f["indicator"]: f for f in r.json()}
    assert float(figs["indicators.coverage_social"]["actual"]) == 80.0
    assert figs["indicators.new_party_orgs"]["actual_source"] == "computed"
    r = client.get(f"{api(w.d)}/figures", headers=h, params={"period_kind": "year", "period": "2025-Q1"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["period"].startswith("期间：不是有效的年度期间")
    r = client.get(f"{api(w.d)}/rollup", headers=h, params={"indicator": "indicators.new_party_orgs",
                                                            "period_kind": "year", "period": "2025"})
    body = r.json()
    assert r.status_code == 200 and body["total"]["actual"] in ("3.00", "3", 3, 3.0)
    assert sorted(float(c["figure"]["actual"]) for c in body["children"]) == [1.0, 2.0]
    r = client.post(f"{api(w.d)}/targets", headers=h, json={"indicator": "indicators.new_party_orgs",
                                                            "period_kind": "half_year", "period": "2025-H2",
                                                            "value": "20"})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = client.post(f"{api(w.d)}/targets", headers=h, json={"indicator": "indicators.new_party_orgs", "value": "x"})
    assert r.status_code == 422 and set(r.json()["extra"]["errors"]) == {"period", "value"}
    # another district cannot delete it
    ho = api_token(w.users["ostaff"])
    assert client.delete(f"{api(w.o)}/targets/{tid}", headers=ho).status_code == 404
    assert client.delete(f"{api(w.d)}/targets/{tid}", headers=h).status_code == 200
    hs = api_token(w.users["s1viewer"])
    assert client.post(f"{api(w.s1)}/targets", headers=hs, json={}).status_code == 403
    r = client.post(f"{api(w.s1)}/actuals", headers=api_token(w.users["s1staff"]),
                    json={"indicator": "testind.model_points", "period": "2026", "value": "1", "evidence": "名单"})
    assert r.status_code == 201 and r.json()["value"] in ("1.00", "1", 1, 1.0)
    schema = client.get("/schema/openapi.json").json()
    assert any(p.endswith("/indicators/figures") for p in schema["paths"])
