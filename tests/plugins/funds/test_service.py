"""Funds rules: yuan parsing into fen (Decimal, no float), the balance rule, the approval state
machine, the ledger and reward proposals from a published assessment round."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.db import open_session, scoped_session
from core.forms import FormErrors
from plugins.assessment import service as asvc
from plugins.funds import service as svc
from plugins.funds.models import BudgetLine, Disbursement
from plugins.funds.types import RewardRule

TODAY = dt.date(2026, 5, 10)


@pytest.mark.parametrize(("text", "fen"), [
    ("12.50", 1250), ("12.5", 1250), ("12", 1200), ("0.01", 1), ("1,234.56", 123456), ("¥ 99.99", 9999),
    ("100元", 10000), ("0.1", 10), ("19.99", 1999), ("1000000.07", 100000007),
])
def test_parse_yuan(text, fen):
    assert svc.parse_yuan(text) == fen


@pytest.mark.parametrize(("text", "msg"), [
    ("", "请填写金额"), ("abc", "金额格式不正确"), ("12.345", "最多保留两位小数"), ("-5", "金额必须大于 0"),
    ("0", "金额必须大于 0"), ("1e3", "金额格式不正确"), ("99999999999999", "金额过大"), ("NaN", "金额格式不正确"),
])
def test_parse_yuan_errors(text, msg):
    with pytest.raises(ValueError, match=msg):
        svc.parse_yuan(text)


def test_yuan_format_and_no_float_drift():
    assert svc.yuan(123456789) == "1,234,567.89"
    assert svc.yuan(5) == "0.05" and svc.yuan(-150) == "-1.50" and svc.yuan_plain(123456) == "1234.56"
    # 0.1 + 0.2 in fen is exact
    assert svc.parse_yuan("0.10") + svc.parse_yuan("0.20") == svc.parse_yuan("0.30")
    assert isinstance(svc.parse_yuan("0.10"), int)


def test_line_validation_and_target_tenancy(world):
    w = world
    with scoped_session(w.a.id) as s:
        with pytest.raises(FormErrors) as exc:
            svc.create_line(s, w.a, {"year": "20x", "target_kind": "party_org", "target_id": str(w.b_party_org),
                                     "category": "x", "amount": "1.001"})
        assert exc.value.errors == {"year": "请填写 2000–2100 之间的年度", "target_id": "请选择本辖区的党组织",
                                    "category": "请选择经费类别", "amount": "金额最多保留两位小数（精确到分）"}
        line = svc.create_line(s, w.a, {"year": "2026", "target_kind": "cluster", "target_id": str(w.cluster),
                                        "category": "work", "amount": "20000"})
        assert (line.title, line.amount_fen, line.target_name.startswith("经费测试联组")) == ("工作经费", 2000000, True)


def test_balance_and_approval_flow(world):
    w = world
    with scoped_session(w.a.id) as s:
        line = svc.create_line(s, w.a, {"year": "2026", "target_kind": "tenant", "category": "subsidy",
                                        "title": "书记岗位补贴", "amount": "100.00"})
        d1 = svc.request_disbursement(s, line, {"amount": "60.10", "purpose": "一季度补贴"}, TODAY, "u")
        assert svc.remaining_fen(s, line) == 3990
        with pytest.raises(FormErrors) as exc:
            svc.request_disbursement(s, line, {"amount": "39.91", "purpose": "二季度补贴"}, TODAY, "u")
        assert exc.value.errors == {"amount": "超出预算余额：“书记岗位补贴”剩余 39.90 元，本次申请 39.91 元"}
        assert len(svc.disbursements_of(s, line)) == 1
        d2 = svc.request_disbursement(s, line, {"amount": "39.90", "purpose": "二季度补贴"}, TODAY, "u")
        assert svc.remaining_fen(s, line) == 0
        # state machine
        with pytest.raises(FormErrors) as exc:
            svc.decide(s, d1, "pay", {}, TODAY)
        assert exc.value.errors == {"status": "当前状态为「待审批」，不能登记拨付"}
        with pytest.raises(FormErrors) as exc:
            svc.decide(s, d2, "reject", {"reason": ""}, TODAY)
        assert exc.value.errors == {"reason": "请填写驳回原因"} and d2.status == "requested"
        svc.decide(s, d2, "reject", {"reason": "材料不全"}, TODAY, "boss")
        assert (d2.status, d2.reject_reason, d2.decided_by) == ("rejected", "材料不全", "boss")
        assert svc.remaining_fen(s, line) == 3990  # a rejected request frees the money
        with pytest.raises(FormErrors) as exc:
            svc.decide(s, d2, "approve", {}, TODAY)
        assert exc.value.errors == {"status": "当前状态为「已驳回」，不能批准"}
        svc.decide(s, d1, "approve", {}, TODAY, "boss")
        with pytest.raises(FormErrors) as exc:
            svc.decide(s, d1, "pay", {"paid_on": "2026-06-01"}, TODAY)
        assert exc.value.errors == {"paid_on": "拨付日期不能晚于今天"}
        svc.decide(s, d1, "pay", {"paid_on": "2026-05-09"}, TODAY)
        assert (d1.status, d1.paid_on) == ("paid", dt.date(2026, 5, 9))
        # the budget cannot be cut below what is committed
        with pytest.raises(FormErrors) as exc:
            svc.update_line_amount(s, line, {"amount": "60.00"})
        assert exc.value.errors == {"amount": "预算金额不能低于已申请及拨付合计 60.10 元"}
        svc.update_line_amount(s, line, {"amount": "60.10"})
        assert svc.remaining_fen(s, line) == 0
        rows = [r for r in svc.ledger(s, 2026) if r.target_kind == "tenant"]
        assert rows and rows[0].paid_fen >= 6010


def test_ledger_per_target(world):
    w = world
    with scoped_session(w.a.id) as s:
        po = w.party_orgs[2]
        l1 = svc.create_line(s, w.a, {"year": "2025", "target_kind": "party_org", "target_id": str(po),
                                      "category": "startup", "amount": "5000"})
        l2 = svc.create_line(s, w.a, {"year": "2025", "target_kind": "party_org", "target_id": str(po),
                                      "category": "venue", "amount": "3000.50"})
        a = svc.request_disbursement(s, l1, {"amount": "1000.25", "purpose": "启动"}, TODAY)
        b = svc.request_disbursement(s, l2, {"amount": "500", "purpose": "阵地"}, TODAY)
        svc.request_disbursement(s, l2, {"amount": "0.25", "purpose": "其他"}, TODAY)
        svc.decide(s, a, "approve", {}, TODAY)
        svc.decide(s, a, "pay", {}, TODAY)
        svc.decide(s, b, "approve", {}, TODAY)
        row = next(r for r in svc.ledger(s, 2025, "party_org") if r.target_id == po)
        assert (row.budget_fen, row.requested_fen, row.approved_fen, row.paid_fen, row.remaining_fen) == (
            800050, 25, 50000, 100025, 800050 - 25 - 50000 - 100025)
    with open_session(w.b.id) as s:  # the other street sees none of it
        assert all(r.target_id != po for r in svc.ledger(s, 2025))


def _publish_round(w, scores: dict[int, str]) -> int:
    with scoped_session(w.a.id) as s:
        s.info["username"] = "test"
        rnd = asvc.create_round(s, w.a, {"template": "testfunds.po_year", "period": "2026", "target_mode": "chosen",
                                         "targets": list(scores), "title": "2026年度党组织考核"})
        asvc.transition(s, w.a, rnd, "open")
        asvc.transition(s, w.a, rnd, "start_scoring")
        crit = rnd.template.criteria[0]
        for sheet in asvc.sheets_of(s, rnd):
            asvc.save_scores(s, asvc.Access.system(), sheet, {crit.id: (scores[sheet.target_id], "已核实")})
        asvc.transition(s, w.a, rnd, "submit_review")
        asvc.transition(s, w.a, rnd, "publish")
        return rnd.id


def test_reward_proposals_from_published_round(world, program):
    w = world
    p1, p2, p3 = w.party_orgs
    round_id = _publish_round(w, {p1: "95", p2: "95", p3: "80"})  # ranks 1, 1, 3 (a tie)
    with open_session(w.a.id) as s:
        props = list(s.scalars(select(Disbursement).where(Disbursement.source == "reward",
                                                          Disbursement.source_key.like(f"%:{round_id}:%"))))
        assert sorted((d.amount_fen, d.status) for d in props) == [(500000, "requested"), (500000, "requested")]
        lines = {ln.target_id: ln for ln in s.scalars(select(BudgetLine).where(
            BudgetLine.id.in_([d.line_id for d in props])))}
        assert set(lines) == {p1, p2}
        assert all(ln.year == 2026 and ln.category == "reward" and ln.title == "优秀党组织奖励" for ln in lines.values())
        assert all(svc.remaining_fen(s, ln) == 0 for ln in lines.values())
        assert "第1名、优秀" in props[0].purpose
    # idempotent: proposing again for the same round adds nothing
    from plugins.assessment.api import published_round

    with scoped_session(w.a.id) as s:
        again = svc.propose_rewards(s, w.a, published_round(s, round_id), TODAY)
        assert again == []


def test_reward_rule_amounts():
    rule = RewardRule("k", "l", "t", rank_fen={1: 300, 2: 200}, grade_fen={"优秀": 250})
    assert rule.amount_for(1, "优秀") == 300 and rule.amount_for(2, "优秀") == 250
    assert rule.amount_for(3, "良好") == 0 and rule.amount_for(None, "优秀") == 250
    with pytest.raises(ValueError):
        RewardRule("k", "l", "t", rank_fen={1: 1.5})


def test_demo_data_is_idempotent(world):
    from plugins.funds.demo import make_demo

    for _ in range(2):
        with scoped_session(world.b.id) as s:
            make_demo(s, world.b, TODAY)
    with open_session(world.b.id) as s:
        lines = list(s.scalars(select(BudgetLine).order_by(BudgetLine.id)))
        assert [(ln.target_kind, ln.category) for ln in lines] == [
            ("tenant", "work"), ("tenant", "dues_refund"), ("party_org", "startup"), ("party_org", "subsidy")]
        assert {ln.target_id for ln in lines if ln.target_kind == "party_org"} == {world.b_party_org}
        work = next(r for r in svc.ledger(s, 2026) if r.target_kind == "tenant")
        assert (work.paid_fen, work.requested_fen) == (1200000, 350050)
        branch = svc.target_ledger(s, world.b, "party_org", world.b_party_org, 2026)
        assert (branch.totals.budget_fen, branch.totals.paid_fen, branch.totals.requested_fen) == (740000, 300000, 60000)
        paid = s.scalars(select(Disbursement).where(Disbursement.status == "paid")).all()
        assert {(d.requested_by, d.decided_by) for d in paid} == {("demo", "demo_finance")}


def test_separate_approval(world):
    w = world
    with scoped_session(w.a.id) as s:
        line = svc.create_line(s, w.a, {"year": "2023", "target_kind": "tenant", "category": "work", "amount": "10"})
        d = svc.request_disbursement(s, line, {"amount": "1", "purpose": "x"}, TODAY, "zhang")
        with pytest.raises(FormErrors) as exc:
            svc.decide(s, d, "approve", {}, TODAY, "zhang", separate_approval=True)
        assert exc.value.errors == {"status": "不能审批本人提出的拨付申请，请由其他有审批权限的人员审批"}
        assert d.status == "requested"
        svc.decide(s, d, "approve", {}, TODAY, "li", separate_approval=True)
        svc.decide(s, d, "pay", {}, TODAY, "zhang", separate_approval=True)  # paying one's own is fine
        assert (d.status, d.decided_by) == ("paid", "li")
        own = svc.request_disbursement(s, line, {"amount": "2", "purpose": "y"}, TODAY, "zhang")
        svc.decide(s, own, "approve", {}, TODAY, "zhang")  # the setting switched off
        assert own.status == "approved"


def test_target_ledger_in_date_order_with_running_balance(world):
    w = world
    with scoped_session(w.a.id) as s:
        work = svc.create_line(s, w.a, {"year": "2024", "target_kind": "cluster", "target_id": str(w.cluster),
                                        "category": "work", "title": "联组工作经费", "amount": "10000.00"})
        stipend = svc.create_line(s, w.a, {"year": "2024", "target_kind": "cluster", "target_id": str(w.cluster),
                                           "category": "subsidy", "title": "组长补贴", "amount": "1200.00"})
        a = svc.request_disbursement(s, work, {"amount": "3000.10", "purpose": "联组会商"}, dt.date(2024, 3, 1), "u")
        b = svc.request_disbursement(s, stipend, {"amount": "600", "purpose": "上半年补贴"}, dt.date(2024, 2, 1), "u")
        c = svc.request_disbursement(s, work, {"amount": "999.90", "purpose": "沙龙"}, dt.date(2024, 4, 1), "u")
        svc.decide(s, a, "approve", {}, TODAY, "boss")
        svc.decide(s, a, "pay", {}, TODAY, "boss")
        svc.decide(s, b, "approve", {}, TODAY, "boss")
        svc.decide(s, c, "reject", {"reason": "重复"}, TODAY, "boss")
        tl = svc.target_ledger(s, w.a, "cluster", w.cluster, 2024)
        assert tl.target_name.startswith("经费测试联组") and [ln.title for ln in tl.lines] == ["联组工作经费", "组长补贴"]
        assert tl.remaining == {work.id: 699990, stipend.id: 60000}
        t = tl.totals
        assert (t.budget_fen, t.requested_fen, t.approved_fen, t.paid_fen, t.remaining_fen) == (
            1120000, 0, 60000, 300010, 759990)
        # each budget is entered before the first money drawn on it; the rejected request changes nothing
        entries = [(e.on, e.kind, e.line.title if e.kind == "budget" else e.disbursement.purpose, e.amount_fen,
                    e.balance_fen) for e in tl.entries]
        assert entries == [(dt.date(2024, 2, 1), "budget", "组长补贴", 120000, 120000),
                           (dt.date(2024, 2, 1), "disbursement", "上半年补贴", 60000, 60000),
                           (dt.date(2024, 3, 1), "budget", "联组工作经费", 1000000, 1060000),
                           (dt.date(2024, 3, 1), "disbursement", "联组会商", 300010, 759990),
                           (dt.date(2024, 4, 1), "disbursement", "沙龙", 99990, 759990)]
        assert tl.entries[-1].balance_fen == t.remaining_fen
        rows = svc.target_ledger_rows(tl)
        assert rows[-1][1:] == ["沙龙", "联组工作经费", "工作经费", "经费测试联组" + tl.target_name[6:], "已驳回", None,
                                svc.Decimal("999.9"), svc.Decimal("7599.9")]
        # the year filter, another target, the tenant itself, an invisible target
        assert svc.target_ledger(s, w.a, "cluster", w.cluster, 2019).lines == []
        assert svc.target_ledger(s, w.a, "party_org", w.b_party_org) is None
        assert svc.target_ledger(s, w.a, "nonsense", 1) is None
        assert svc.target_ledger(s, w.a, "tenant", None, 2019).target_name == w.a.name
