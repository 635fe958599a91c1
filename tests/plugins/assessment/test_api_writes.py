"""The assessment engine's public writes (``plugins.assessment.api``): a round from creation to
publication through the program-facing functions, with errors keyed by public field names."""

from __future__ import annotations

import pytest

from core.forms import FormErrors
from plugins.assessment import api as assessment
from tests.helpers import unique
from tests.worlds import tenant_session

PO = "testprog.po_quarterly"


def test_a_round_through_the_api_module(world, program):
    a = world.a
    with tenant_session(a.info) as s:
        with pytest.raises(FormErrors) as exc:
            assessment.create_round(s, a.info, {"template": PO, "period": "2013-Q5"})
        assert exc.value.errors["period"] == "请选择有效的季度考核期间"
        title = unique("模块考核")
        rnd = assessment.create_round(s, a.info, {"template": PO, "period": "2013-Q4", "target_mode": "chosen",
                                                  "targets": a.party_orgs[:2], "title": title})
        for action in ("open", "start_scoring"):
            assessment.transition(s, a.info, rnd, action)
        with pytest.raises(FormErrors) as exc:
            assessment.transition(s, a.info, rnd, "publish")
        assert set(exc.value.errors) == {"state"}
        first, second = sorted(assessment.sheets_of(s, rnd), key=lambda sh: sh.target_id)
        with pytest.raises(FormErrors) as exc:  # venue needs its evidence; 99 is above ledger's 30
            assessment.save_scores(s, assessment.system_access(), first, {"venue": "35", "ledger": "99"})
        assert set(exc.value.errors) == {"evidence.venue", "scores.ledger"}
        with pytest.raises(FormErrors) as exc:
            assessment.save_scores(s, assessment.system_access(), first, {"nope": "1"})
        assert set(exc.value.errors) == {"scores.nope"}
        assessment.save_scores(s, assessment.system_access(), first,
                               {"venue": ("38", "照片 3 张"), "ledger": "28", "service": "27"})
        assessment.save_scores(s, assessment.system_access(), second,
                               {"venue": ("30", "照片 1 张"), "ledger": "20", "service": "20"})
        for action in ("submit_review", "publish"):
            assessment.transition(s, a.info, rnd, action)
        round_id = rnd.id
    with tenant_session(a.info) as s:
        results = assessment.published_results(s, round_id=round_id)
        assert [(r.target_id, r.rank, str(r.total)) for r in results] == [
            (first.target_id, 1, "93.00"), (second.target_id, 2, "70.00")]
