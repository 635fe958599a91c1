"""Funds through the web: forms with yuan amounts (422 + Chinese messages, nothing saved), the
approval flow and its permissions, cross-tenant 404, ledger Excel export and the JSON API."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from plugins.funds.models import BudgetLine, Disbursement
from tests.helpers import login, post_form, text_of, unique


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/funds"


def _line(c, w, amount="1000.00", **over) -> int:
    r = post_form(c, base(w.a), {"year": "2026", "target_kind": "tenant", "category": "work",
                                 "title": unique("工作经费"), "amount": amount, **over}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def test_line_form_errors_and_flow(world, user):
    w = world
    c = user("staff")
    with open_session(w.a.id) as s:
        before = s.scalar(select(func.count(BudgetLine.id)))
    r = post_form(c, base(w.a), {"year": "2026", "target_kind": "tenant", "category": "work", "amount": "12.345"})
    assert r.status_code == 422 and "金额最多保留两位小数（精确到分）" in r.text and 'value="12.345"' in r.text
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(BudgetLine.id))) == before
    line_id = _line(c, w, "1000.00")
    r = post_form(c, f"{base(w.a)}/lines/{line_id}/disburse", {"amount": "1000.01", "purpose": "活动"})
    assert r.status_code == 422 and "超出预算余额" in r.text and "剩余 1,000.00 元" in r.text
    r = post_form(c, f"{base(w.a)}/lines/{line_id}/disburse", {"amount": "250.50", "purpose": "主题党日"},
                  follow_redirects=False)
    assert r.status_code == 303
    with open_session(w.a.id) as s:
        d = s.scalar(select(Disbursement).where(Disbursement.line_id == line_id))
        assert (d.amount_fen, d.status) == (25050, "requested")
    r = post_form(c, f"{base(w.a)}/disbursements/{d.id}/pay")
    assert r.status_code == 422 and "当前状态为「待审批」，不能登记拨付" in r.text
    # the requester may not approve their own request (the tenant's setting, on by default)
    r = post_form(c, f"{base(w.a)}/disbursements/{d.id}/approve")
    assert r.status_code == 422 and "不能审批本人提出的拨付申请" in r.text
    c = user("admin")
    assert post_form(c, f"{base(w.a)}/disbursements/{d.id}/approve", follow_redirects=False).status_code == 303
    assert post_form(c, f"{base(w.a)}/disbursements/{d.id}/pay", follow_redirects=False).status_code == 303
    with open_session(w.a.id) as s:
        assert (s.get(Disbursement, d.id).requested_by, s.get(Disbursement, d.id).decided_by) == (
            w.users["staff"], w.users["admin"])
    page = text_of(c.get(f"{base(w.a)}/lines/{line_id}").text)
    assert "749.50" in page and "已拨付" in page and "变更记录" in page
    # ledger + Excel export (amounts in yuan as numbers)
    r = c.get(f"{base(w.a)}/ledger", params={"year": "2026"})
    assert r.status_code == 200 and w.a.name in r.text
    r = c.get(f"{base(w.a)}/ledger/export", params={"year": "2026", "target_kind": "tenant"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:4] == ("年度", "对象类型", "对象", "预算（元）")
    row = next(x for x in rows[1:] if x[2] == w.a.name)
    assert Decimal(str(row[6])) >= Decimal("250.5")
    r = c.get(f"{base(w.a)}/disbursements", params={"status": "paid", "q": "主题党日"})
    assert r.status_code == 200 and "主题党日" in r.text and "250.50" in r.text
    r = c.get(base(w.a), params={"year": "2026", "category": "work"})
    assert r.status_code == 200 and "749.50" in r.text
    r = c.get(f"{base(w.a)}/disbursements/export", params={"status": "paid"})
    assert r.status_code == 200 and len(list(load_workbook(io.BytesIO(r.content)).active.values)) >= 2


def test_permissions_and_cross_tenant(world, user):
    w = world
    c = user("staff")
    line_id = _line(c, w)
    post_form(c, f"{base(w.a)}/lines/{line_id}/disburse", {"amount": "10", "purpose": "x"})
    with open_session(w.a.id) as s:
        d_id = s.scalar(select(Disbursement.id).where(Disbursement.line_id == line_id))
    c = user("viewer")
    assert c.get(f"{base(w.a)}/lines/{line_id}").status_code == 200
    assert post_form(c, f"{base(w.a)}/lines/{line_id}/disburse", {"amount": "1", "purpose": "x"}).status_code == 403
    assert post_form(c, f"{base(w.a)}/disbursements/{d_id}/approve").status_code == 403
    c = user("secretary")  # org secretaries have no funds rights
    assert c.get(base(w.a)).status_code == 403
    c = user("staff_b")
    assert c.get(base(w.a)).status_code == 404
    assert c.get(f"{base(w.b)}/lines/{line_id}").status_code == 404
    assert post_form(c, f"{base(w.b)}/disbursements/{d_id}/approve").status_code == 404
    with open_session(w.a.id) as s:
        assert s.get(Disbursement, d_id).status == "requested"


def test_api(world, client, api_token):
    w = world
    h = api_token(w.users["staff"])
    api = f"/api/t/{w.a.slug}/funds"
    r = client.post(f"{api}/lines", headers=h, json={"year": 2026, "target_kind": "party_org",
                                                     "target_id": w.party_orgs[0], "category": "startup",
                                                     "amount": "5000.00"})
    assert r.status_code == 201, r.text
    line = r.json()
    assert line["amount_fen"] == 500000 and line["remaining_fen"] == 500000
    r = client.post(f"{api}/lines/{line['id']}/disbursements", headers=h, json={"amount": "5000.01", "purpose": "x"})
    assert r.status_code == 422 and "超出预算余额" in r.json()["extra"]["errors"]["amount"]
    r = client.post(f"{api}/lines/{line['id']}/disbursements", headers=h, json={"amount": "4999.99", "purpose": "启动"})
    assert r.status_code == 201 and r.json()["amount_fen"] == 499999
    d = r.json()
    r = client.post(f"{api}/disbursements/{d['id']}/decide", headers=h, json={"action": "reject"})
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"reason": "请填写驳回原因"}
    r = client.post(f"{api}/disbursements/{d['id']}/decide", headers=h, json={"action": "reject", "reason": "重复"})
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    r = client.get(f"{api}/lines/{line['id']}", headers=h)
    assert r.json()["remaining_fen"] == 500000
    hb = api_token(w.users["staff_b"])
    assert client.get(f"/api/t/{w.b.slug}/funds/lines/{line['id']}", headers=hb).status_code == 404
    r = client.post(f"/api/t/{w.b.slug}/funds/lines", headers=hb,
                    json={"year": 2026, "target_kind": "party_org", "target_id": w.party_orgs[0], "category": "work",
                          "amount": "1"})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["target_id"] == "请选择本辖区的党组织"
    r = client.get(f"{api}/ledger", headers=h, params={"year": 2026, "target_kind": "party_org"})
    assert any(x["target_id"] == w.party_orgs[0] and x["budget_fen"] >= 500000 for x in r.json())


def test_ledger_of_one_target_page_export_and_api(world, user, client, api_token):
    w = world
    po = w.party_orgs[1]
    c = user("staff")
    line_id = _line(c, w, "800.00", target_kind="party_org", target_id=str(po), category="venue", year="2022",
                    title="阵地建设补助")
    assert post_form(c, f"{base(w.a)}/lines/{line_id}/disburse", {"amount": "300.25", "purpose": "活动室标识"},
                     follow_redirects=False).status_code == 303
    with open_session(w.a.id) as s:
        d_id = s.scalar(select(Disbursement.id).where(Disbursement.line_id == line_id))
    c = user("admin")
    post_form(c, f"{base(w.a)}/disbursements/{d_id}/approve")
    ledger = c.get(f"{base(w.a)}/ledger", params={"year": "2022", "target_kind": "party_org"}).text
    assert f"/ledger/target?kind=party_org&amp;id={po}&amp;year=2022" in ledger
    page = c.get(f"{base(w.a)}/ledger/target", params={"kind": "party_org", "id": po, "year": "2022"})
    assert page.status_code == 200
    text = text_of(page.text)
    assert "经费测试党支部2" in text and "阵地建设补助" in text and "活动室标识" in text
    assert "¥800.00" in text and "¥300.25" in text and "¥499.75" in text     # budget, approved, remaining
    x = c.get(f"{base(w.a)}/ledger/target/export", params={"kind": "party_org", "id": po, "year": "2022"})
    rows = list(load_workbook(io.BytesIO(x.content)).active.values)
    assert rows[0] == ("日期", "摘要", "预算项目", "类别", "收款方", "状态", "预算（元）", "支出（元）", "余额（元）")
    assert [(r[1], r[5], r[6], r[7], r[8]) for r in rows[1:]] == [
        ("预算", None, 800, None, 800), ("活动室标识", "已批准", None, 300.25, 499.75)]
    # the JSON API: entries in fen with the running balance
    h = api_token(w.users["staff"])
    r = client.get(f"/api/t/{w.a.slug}/funds/ledger/target", headers=h,
                   params={"target_kind": "party_org", "target_id": po, "year": 2022})
    assert r.status_code == 200
    out = r.json()
    assert (out["totals"]["budget_fen"], out["totals"]["approved_fen"], out["totals"]["remaining_fen"]) == (
        80000, 30025, 49975)
    assert [(e["kind"], e["amount_fen"], e["balance_fen"]) for e in out["entries"]] == [
        ("budget", 80000, 80000), ("disbursement", 30025, 49975)]
    # another street's party org, or an unknown one: 404 (page and API)
    assert c.get(f"{base(w.a)}/ledger/target", params={"kind": "party_org", "id": w.b_party_org}).status_code == 404
    assert client.get(f"/api/t/{w.a.slug}/funds/ledger/target", headers=h,
                      params={"target_kind": "party_org", "target_id": w.b_party_org}).status_code == 404
    assert user("staff_b").get(f"{base(w.b)}/ledger/target", params={"kind": "party_org", "id": po}).status_code == 404
