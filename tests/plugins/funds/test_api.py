"""The funds engine's public writes (``plugins.funds.api``): fields in yuan, errors keyed by the
public field names, nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.db import scoped_session
from core.forms import FormErrors
from plugins.funds import api as funds

TODAY = dt.date(2026, 6, 1)


def test_line_request_and_payment_through_the_api(world):
    with scoped_session(world.a.id) as s:
        line = funds.create_line(s, world.a, {"year": "2026", "target_kind": "party_org",
                                              "target_id": str(world.party_orgs[0]), "category": "startup",
                                              "amount": "5,000"})
        assert (line.amount_fen, line.title) == (500000, "启动经费")
        d = funds.request_disbursement(s, line, {"amount": "1200.50", "purpose": "启动经费", "payee": "支部"},
                                       TODAY, "test", source="testprog", source_key="po:1")
        assert funds.remaining_fen(s, line) == 500000 - 120050
        funds.decide(s, d, "approve", {}, TODAY, "boss")
        funds.decide(s, d, "pay", {}, TODAY, "boss")
        assert d.status == "paid"
        with pytest.raises(FormErrors) as exc:
            funds.set_line_amount(s, line, {"amount": "100"})
        assert set(exc.value.errors) == {"amount"}
        s.rollback()


def test_bad_fields_are_refused_by_their_public_names(world):
    with scoped_session(world.a.id) as s:
        before = s.scalar(select(func.count()).select_from(funds.BudgetLine))
        with pytest.raises(FormErrors) as exc:
            funds.create_line(s, world.a, {"year": "1999", "target_kind": "party_org", "target_id": "0",
                                           "category": "nope", "amount": "-1"})
        assert set(exc.value.errors) == {"year", "target_id", "category", "amount"}
        assert s.scalar(select(func.count()).select_from(funds.BudgetLine)) == before
        line = funds.create_line(s, world.a, {"year": "2026", "category": "work", "amount": "10"})
        with pytest.raises(FormErrors) as exc:
            funds.request_disbursement(s, line, {"amount": "abc", "purpose": ""}, TODAY)
        assert {"amount", "purpose"} <= set(exc.value.errors)
        with pytest.raises(FormErrors) as exc:  # above the line's remaining balance
            funds.request_disbursement(s, line, {"amount": "11", "purpose": "超支"}, TODAY)
        assert set(exc.value.errors) == {"amount"}
        s.rollback()
