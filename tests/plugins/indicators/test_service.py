"""Indicators against fixed registry data: computed actuals (coverage rates, new party orgs), targets
(program default vs the tenant's own), the district's roll-up over its streets, entered actuals with
evidence summed up the tree, Chinese validation errors and nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import clock, periods
from core.db import open_session, scoped_session
from core.forms import FormErrors
from core.tenancy import tree
from plugins.indicators import api
from plugins.indicators import service as svc
from plugins.indicators.models import IndicatorActual, IndicatorTarget
from plugins.indicators.types import Figure, Indicator

Y2025 = periods.parse("year", "2025")


def _rollup_session(tenant):
    return open_session(tenant.id, tree().descendant_ids(tenant.id))


def _figures(tenant, kind="year", key="2025") -> dict[str, Figure]:
    with _rollup_session(tenant) as rs:
        return {f.indicator.key: f for f in api.figures(rs, tenant, tree().descendant_ids(tenant.id), kind, key)}


def test_computed_actuals_from_the_registry(world, program):
    w = world
    d = _figures(w.d)
    assert d["indicators.coverage_social"].actual == Decimal("80.0")
    assert d["indicators.coverage_enterprise"].actual == Decimal("25.0")
    assert d["indicators.new_party_orgs"].actual == 3
    s1 = _figures(w.s1)
    assert (s1["indicators.coverage_social"].actual, s1["indicators.new_party_orgs"].actual) == (Decimal("75.0"), 2)
    assert _figures(w.s2)["indicators.coverage_enterprise"].actual == Decimal("0.0")
    # 2024: only the branch founded in 2024
    assert _figures(w.d, "year", "2024")["indicators.new_party_orgs"].actual == 1
    assert _figures(w.d, "quarter", "2025-Q1")["indicators.new_party_orgs"].actual == 1
    # the current period reads the figures the registry keeps per tenant: the same numbers
    now = _figures(w.d, "year", str(periods.containing("year", clock.today()).key))
    assert (now["indicators.coverage_social"].actual, now["indicators.coverage_enterprise"].actual) == (
        Decimal("80.0"), Decimal("25.0"))


def test_program_default_targets_gap_and_attainment(world, program):
    w = world
    d = _figures(w.d)
    f = d["indicators.coverage_social"]
    assert (f.target, f.target_source, f.actual_source) == (Decimal("96.5"), "default", "computed")
    assert (f.gap, f.attainment, f.met) == (Decimal("-16.5"), Decimal("82.9"), False)
    new = d["indicators.new_party_orgs"]
    assert (new.target, new.gap, new.attainment) == (Decimal(38), Decimal(-35), Decimal("7.9"))
    # the default is the district's (001 states it for 南湖新区): a street has none
    s1 = _figures(w.s1)["indicators.coverage_social"]
    assert (s1.target, s1.target_source, s1.met) == (None, "", None)
    assert svc.fmt(f.gap, f.indicator, True) == "-16.5%" and svc.fmt(new.target, new.indicator) == "38 个"


def test_tenant_target_replaces_the_default_and_rolls_up(world, program):
    w = world
    with scoped_session(w.d.id) as s:
        t = api.set_target(s, w.d, {"indicator": "indicators.coverage_social", "period_kind": "year",
                                    "period": "2025", "value": "７８", "note": "区委确定"})
        again = api.set_target(s, w.d, {"indicator": "indicators.coverage_social", "period": "2025", "value": "79.5%"})
        assert again.id == t.id and again.value == Decimal("79.50")
    with scoped_session(w.s1.id) as s:
        api.set_target(s, w.s1, {"indicator": "indicators.coverage_social", "period": "2025", "value": "75"})
    d = _figures(w.d)["indicators.coverage_social"]
    assert (d.target, d.target_source, d.met) == (Decimal("79.5"), "tenant", True)
    with _rollup_session(w.d) as rs:
        total, rows = api.rollup(rs, w.d, tree().descendant_ids(w.d.id), "indicators.coverage_social", "year", "2025")
    by = {t.id: f for t, f in rows}
    assert sorted(t.id for t, _f in rows) == sorted([w.s1.id, w.s2.id])
    assert (by[w.s1.id].actual, by[w.s1.id].target, by[w.s1.id].met) == (Decimal("75.0"), Decimal("75"), True)
    assert (by[w.s2.id].actual, by[w.s2.id].target) == (Decimal("100.0"), None)
    assert total.actual == Decimal("80.0")  # the subtree's organizations, not the mean of the streets' rates


def test_a_street_session_sees_only_its_own(world, program):
    """The roll-up is explicit: the same call through a street's own session counts the street only."""
    w = world
    with open_session(w.d.id) as own:  # scope: the district itself, no streets
        f = {x.indicator.key: x for x in api.figures(own, w.d, [w.d.id], "year", "2025")}
    assert f["indicators.coverage_social"].actual is None and f["indicators.new_party_orgs"].actual == 0


def test_entered_actual_with_evidence_sums_up(world, program):
    w = world
    key = "testind.model_points"
    with scoped_session(w.s1.id) as s:
        a = api.enter_actual(s, w.s1, {"indicator": key, "period": "2025", "value": "4",
                                       "evidence": "红色车间 3 个、党员示范岗 1 个（街道文件〔2025〕12号）"},
                             dt.date(2026, 1, 5), "s1staff")
        assert (a.value, a.entered_by, a.period_kind) == (Decimal("4.00"), "s1staff", "year")
    with scoped_session(w.s2.id) as s:
        api.enter_actual(s, w.s2, {"indicator": key, "period": "2025", "value": "3", "evidence": "认定名单"},
                         dt.date(2026, 1, 5))
    d = _figures(w.d)[key]
    assert (d.actual, d.actual_source, d.target, d.attainment) == (Decimal(7), "rollup", Decimal(10), Decimal("70.0"))
    s1 = _figures(w.s1)[key]
    assert (s1.actual, s1.actual_source, s1.evidence.startswith("红色车间")) == (Decimal(4), "entered", True)
    # the district's own entry wins over the sum of its streets
    with scoped_session(w.d.id) as s:
        api.enter_actual(s, w.d, {"indicator": key, "period": "2025", "value": "12", "evidence": "区级认定 5 个"},
                         dt.date(2026, 1, 5))
    d = _figures(w.d)[key]
    assert (d.actual, d.actual_source, d.met) == (Decimal(12), "entered", True)
    # rollup="own": nothing from below
    with scoped_session(w.s1.id) as s:
        api.enter_actual(s, w.s1, {"indicator": "testind.own_only", "period": "2025", "value": "2", "evidence": "x"},
                         dt.date(2026, 1, 5))
    assert _figures(w.d)["testind.own_only"].actual is None


def test_chinese_errors_and_nothing_saved(world, program):
    w = world

    def count():
        with open_session(w.s1.id) as s:
            return (s.scalar(select(func.count(IndicatorTarget.id))), s.scalar(select(func.count(IndicatorActual.id))))

    before = count()
    with scoped_session(w.s1.id) as s:
        with pytest.raises(FormErrors) as exc:
            api.set_target(s, w.s1, {"indicator": "nope", "period_kind": "decade", "value": "abc", "note": "\x00"})
        assert exc.value.errors == {"indicator": "请选择指标", "period_kind": "请选择周期类型（周、月度、季度、半年、年度）",
                                    "value": "目标值应为不小于 0 的数字，如 96.5 或 38", "note": "备注含有不允许的控制字符"}
        with pytest.raises(FormErrors) as exc:
            api.set_target(s, w.s1, {"indicator": "indicators.coverage_social", "period_kind": "quarter",
                                     "period": "2025-Q5", "value": "101"})
        assert exc.value.errors == {"period": "请选择有效的季度期间（如 2026-Q1）", "value": "目标值：百分比不能超过 100"}
        with pytest.raises(FormErrors) as exc:
            api.set_target(s, w.s1, {"indicator": "indicators.new_party_orgs", "period": "2025", "value": "1.255"})
        assert exc.value.errors == {"value": "目标值最多保留两位小数"}
        with pytest.raises(FormErrors) as exc:
            api.enter_actual(s, w.s1, {"indicator": "indicators.new_party_orgs", "period": "2027", "value": "",
                                       "evidence": ""}, dt.date(2026, 1, 5))
        assert exc.value.errors == {"indicator": "「新建党组织数」由系统根据台账自动计算，不能手工填报",
                                    "period": "该期间尚未开始，不能填报实绩", "value": "实绩请填写数值",
                                    "evidence": "请填写说明与佐证"}
        with pytest.raises(FormErrors) as exc:
            api.enter_actual(s, w.s1, {"indicator": "testind.model_points", "period_kind": "week",
                                       "period": "2026-W54", "value": "-1", "evidence": "  "}, dt.date(2026, 1, 5))
        assert exc.value.errors == {"period": "请选择有效的周期间（如 2026-W10）",
                                    "value": "实绩应为不小于 0 的数字，如 96.5 或 38", "evidence": "请填写说明与佐证"}
    assert count() == before


def test_week_targets_and_other_periods(world, program):
    """Targets are per period of any kind, the week too (004: 一周一调研)."""
    w = world
    with scoped_session(w.s2.id) as s:
        t = api.set_target(s, w.s2, {"indicator": "testind.model_points", "period_kind": "week", "period": "2025-W10",
                                     "value": "1"})
        assert (t.period_kind, t.period) == ("week", "2025-W10")
        api.enter_actual(s, w.s2, {"indicator": "testind.model_points", "period_kind": "week", "period": "2025-W10",
                                   "value": "1", "evidence": "走访调研 1 家"}, dt.date(2026, 1, 5))
    f = _figures(w.s2, "week", "2025-W10")["testind.model_points"]
    assert (f.target, f.actual, f.met, f.period.label) == (Decimal(1), Decimal(1), True, "2025年第10周（3月3日—3月9日）")


def test_indicator_definitions_are_checked():
    with pytest.raises(ValueError, match="key must look like"):
        Indicator("Bad Key", "x", "个")
    with pytest.raises(ValueError, match="period_kind"):
        Indicator("x.y", "x", "个", period_kind="decade")
    with pytest.raises(ValueError, match="default_target"):
        Indicator("x.y", "x", "个", default_target="-1")
    ind = Indicator("x.y", "x", "%", default_target=96.5, default_levels=("district",))
    assert ind.default_for("district") == Decimal("96.5") and ind.default_for("street") is None
    low = Figure(Indicator("x.z", "问题数", "个", direction="at_most"), 1, Y2025, Decimal(5), "tenant", 1,
                 Decimal(4), "entered")
    assert (low.met, low.attainment, low.gap) == (True, Decimal("125.0"), Decimal(-1))
