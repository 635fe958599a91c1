"""DFH-5: the excellent-group reward proposed in the funds ledger from a published group ranking."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import open_session, scoped_session
from core.plugins import registry
from plugins.assessment import service as asvc
from plugins.dongfanghong.program import reward_rules
from plugins.funds.models import BudgetLine, Disbursement


def test_reward_rule_follows_settings():
    from plugins.dongfanghong import Settings

    rule = reward_rules(Settings(excellent_reward_fen=123456, excellent_top_n=2))[0]
    assert rule.template_key == "dongfanghong.group_ranking"
    assert (rule.amount_for(1, ""), rule.amount_for(2, "优秀"), rule.amount_for(3, "优秀")) == (123456, 123456, 0)


def test_published_group_ranking_proposes_the_excellent_group_reward(world, groups):
    a, b, c = groups
    minus = {a: Decimal(0), b: Decimal(3), c: Decimal(5)}  # per criterion, below full marks
    with scoped_session(world.street.id) as s:
        s.info["username"] = "test"
        rnd = asvc.create_round(s, world.street, {"template": "dongfanghong.group_ranking", "period": "2026",
                                                  "target_mode": "chosen", "targets": [a, b, c],
                                                  "title": "2026年度联组考核评优"})
        asvc.transition(s, world.street, rnd, "open")
        asvc.transition(s, world.street, rnd, "start_scoring")
        for sheet in asvc.sheets_of(s, rnd):
            asvc.save_scores(s, asvc.Access.system(), sheet, {
                cr.id: (str(cr.max_points - minus[sheet.target_id]), "联组工作台账") for cr in rnd.template.criteria})
        asvc.transition(s, world.street, rnd, "submit_review")
        asvc.transition(s, world.street, rnd, "publish")
        round_id = rnd.id
    expected = registry().settings(world.street.id, "dongfanghong").excellent_reward_fen
    with open_session(world.street.id) as s:
        props = list(s.scalars(select(Disbursement).where(Disbursement.source == "reward",
                                                          Disbursement.source_key.like(f"%:{round_id}:%"))))
        assert [(d.amount_fen, d.status) for d in props] == [(expected, "requested")]
        line = s.get(BudgetLine, props[0].line_id)
        assert (line.target_kind, line.target_id, line.title) == ("cluster", a, "优秀联组奖励工作经费")
