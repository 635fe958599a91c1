"""Assessment targets of kind ``tenant`` (a district's round scoring its streets — JH-5 一年一述职)
and ``unit`` (resolved through ``register_assessment_target_kinds``, which the units block
implements — NH-3 assesses member units and departments)."""

from __future__ import annotations

import types

import pytest

from core.db import scoped_session
from core.forms import FormErrors
from core.hookspecs import hookimpl
from core.plugins import registry
from plugins.assessment import api
from tests.helpers import login
from tests.worlds import make_tenants, make_users

REPORT = api.AssessmentTemplate(
    key="hkassess.report", label="街道一年一述职", target_kind="tenant", period_kind="year",
    grade_bands=(("好", 80), ("一般", 0)),
    sections=(api.Section("duty", "履职", (api.Criterion("work", "党建工作", 100),)),))
UNITS = api.AssessmentTemplate(
    key="hkassess.units", label="成员单位考核", target_kind="unit", period_kind="year",
    sections=(api.Section("duty", "履职", (api.Criterion("visits", "走访联系", 100),)),))
UNIT_ROWS = {501: "区发改委", 502: "区市场监管局"}


def program(with_units: bool = True) -> types.ModuleType:
    module = types.ModuleType("hkassess")
    module.register_assessment_templates = hookimpl(lambda tenant: [REPORT, UNITS])
    if with_units:
        module.register_assessment_target_kinds = hookimpl(lambda tenant: [api.TargetKind(
            "unit", "成员单位", options=lambda session, t: sorted(UNIT_ROWS.items()),
            href=lambda unit_id: f"units/{unit_id}")])
    return module


@pytest.fixture(scope="module")
def world(database):
    return make_tenants("asx", [("d", "述职测试区", "district", "changsha"),
                                ("s1", "述职测试一街道", "street", "d"),
                                ("s2", "述职测试二街道", "street", "d"),
                                ("o", "述职测试邻区", "district", "changsha"),
                                ("os", "述职测试邻区街道", "street", "o")], plugins=("assessment",))


def test_a_district_round_scores_its_streets(world):
    d, s1, s2, other = world["d"], world["s1"], world["s2"], world["os"]
    with registry().installed(program(), "hkassess"), scoped_session(d.id) as s:
        with pytest.raises(FormErrors) as refused:  # a street of another district is not a target here
            api.create_round(s, d, {"template": REPORT.key, "period": "2026", "target_mode": "chosen",
                                    "targets": [other.id]})
        assert "targets" in refused.value.errors
        rnd = api.create_round(s, d, {"template": REPORT.key, "period": "2026", "target_mode": "all"})
        sheets = api.sheets_of(s, rnd)
        assert {(x.target_kind, x.target_id, x.target_name) for x in sheets} == {
            ("tenant", s1.id, s1.name), ("tenant", s2.id, s2.name)}
        for action in ("open", "start_scoring"):
            api.transition(s, d, rnd, action)
        for x in sheets:
            api.save_scores(s, api.system_access(), x, {"work": "92" if x.target_id == s1.id else "70"})
        for action in ("submit_review", "publish"):
            api.transition(s, d, rnd, action)
        results = {r.target_id: (r.rank, r.grade) for r in api.published_results(s, target_kind="tenant",
                                                                                 round_id=rnd.id)}
        assert results == {s1.id: (1, "好"), s2.id: (2, "一般")}
    assert api.TARGET_KINDS["tenant"] == "下级辖区"


def test_unit_targets_come_from_the_registered_target_kind(world):
    d = world["d"]
    with registry().installed(program(), "hkassess"), scoped_session(d.id) as s:
        rnd = api.create_round(s, d, {"template": UNITS.key, "period": "2026", "target_mode": "chosen",
                                      "targets": ["502"]})
        assert [(x.target_kind, x.target_id, x.target_name) for x in api.sheets_of(s, rnd)] == [
            ("unit", 502, "区市场监管局")]
        with pytest.raises(FormErrors):
            api.create_round(s, d, {"template": UNITS.key, "period": "2026", "target_mode": "chosen",
                                    "targets": ["999"]})
    # no units block in the tenant: no unit can be assessed, and the message says what is missing
    with registry().installed(program(with_units=False), "hkassess"), scoped_session(d.id) as s:
        with pytest.raises(FormErrors) as none:
            api.create_round(s, d, {"template": UNITS.key, "period": "2026", "target_mode": "all"})
        assert none.value.errors["targets"] == "本辖区没有可考核的单位"
    with pytest.raises(ValueError):
        api.TargetKind("units", "单位", options=lambda s, t: [])  # neither "unit" nor "<plugin>.<name>"


def test_the_district_pages_offer_its_streets_and_show_their_sheets(world, client):
    d, s1 = world["d"], world["s1"]
    users, _ = make_users("asxu", [("admin", "tenant_admin", d)])
    with registry().installed(program(), "hkassess"):
        login(client, users["admin"])
        form = client.get(f"/t/{d.slug}/assessment/rounds/new", params={"template": REPORT.key})
        assert form.status_code == 200 and s1.name in form.text and "下级辖区" in form.text
        assert world["os"].name not in form.text  # not a street of another district
        with scoped_session(d.id) as s:
            rnd = api.create_round(s, d, {"template": REPORT.key, "period": "2025", "target_mode": "all"})
            sheet = next(x for x in api.sheets_of(s, rnd) if x.target_id == s1.id)
        page = client.get(f"/t/{d.slug}/assessment/sheets/{sheet.id}")
        assert page.status_code == 200 and s1.name in page.text and "下级辖区" in page.text
        assert f"/t/{d.slug}/None" not in page.text and f'href="/t/{d.slug}/"' not in page.text.split(s1.name)[0][-80:]
