"""Totals, rounding, ranking ties and grade bands — pure functions, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from plugins.assessment import service as svc
from plugins.assessment.types import (
    DEFAULT_GRADE_BANDS,
    STAR_GRADE_BANDS,
    AssessmentTemplate,
    Criterion,
    Section,
    competition_ranks,
    grade_for,
)

D = Decimal


def points_template(**kw) -> AssessmentTemplate:
    return AssessmentTemplate(key="t.points", label="分值模板", target_kind="party_org", period_kind="quarter",
                              sections=(Section("s", "一", (Criterion("a", "甲", 33.33), Criterion("b", "乙", "66.67"))),),
                              **kw)


def test_points_total_is_an_exact_decimal_sum():
    t = points_template()
    assert t.full_marks == D("100.00")
    assert t.total({"a": D("0.1"), "b": D("0.2")}) == D("0.30")  # no float error (0.1 + 0.2)
    assert t.total({"a": D("33.33"), "b": D("66.67")}) == D("100.00")
    assert t.total({"a": D("10")}) is None  # incomplete: no total


def test_weighted_total_and_half_up_rounding():
    t = AssessmentTemplate(key="t.w", label="权重模板", target_kind="organization", period_kind="year",
                           scoring="weighted", rating_max=5, scale_max=100, precision=1,
                           sections=(Section("s", "", (Criterion("x", "甲", weight=1), Criterion("y", "乙", weight=2))),))
    assert t.full_marks == D(100)
    # (4/5·1 + 3/5·2) / 3 · 100 = 66.666… → 66.7
    assert t.total({"x": D(4), "y": D(3)}) == D("66.7")
    # (1/5·1 + 0) / 3 · 100 = 6.666… → 6.7; (0.25/5·1)/3·100 = 1.6666… → 1.7
    assert t.total({"x": D(1), "y": D(0)}) == D("6.7")
    assert t.total({"x": D("0.25"), "y": D(0)}) == D("1.7")
    # exact halves round up (四舍五入), not to even
    t2 = AssessmentTemplate(key="t.w2", label="权重", target_kind="organization", period_kind="year",
                            scoring="weighted", rating_max=100, scale_max=100, precision=1,
                            sections=(Section("s", "", (Criterion("x", "甲", weight=1),)),))
    assert t2.total({"x": D("2.25")}) == D("2.3")
    assert t2.total({"x": D("2.35")}) == D("2.4")


def test_precision_zero_rounds_half_up():
    t = points_template(precision=0)
    assert t.total({"a": D("10.5"), "b": D("0")}) == D("11")
    assert t.total({"a": D("10.49"), "b": D("0")}) == D("10")


@pytest.mark.parametrize("totals, ranks", [
    ([D(90), D(85), D(85), D(70)], [1, 2, 2, 4]),
    ([D(70), D(85), D(90), D(85)], [4, 2, 1, 2]),  # input order is kept
    ([D(80), D(80), D(80)], [1, 1, 1]),
    ([D("90.00"), D("90.0"), D(89)], [1, 1, 3]),  # equal values compare equal whatever their scale
    ([D(1), D(2), D(2), D(2), D(3)], [5, 2, 2, 2, 1]),
    ([], []),
])
def test_standard_competition_ranking(totals, ranks):
    assert competition_ranks(totals) == ranks


def test_grade_bands():
    assert [grade_for(D(x), DEFAULT_GRADE_BANDS) for x in ("100", "90", "89.99", "75", "74.99", "60", "59.99", "0")] \
        == ["优秀", "优秀", "良好", "良好", "一般", "一般", "较差", "较差"]
    assert grade_for(None, DEFAULT_GRADE_BANDS) == ""
    assert [grade_for(D(x), STAR_GRADE_BANDS) for x in ("95", "80", "79.9", "60", "10")] == [
        "五星", "四星", "三星", "二星", "一星"]
    t = points_template(grade_bands=(("合格", 60), ("优秀", 90)))  # given in any order
    assert [b.label for b in t.grade_bands] == ["优秀", "合格"]
    assert t.grade(D(59)) == ""  # no band fits: no grade


def test_template_problems_are_refused():
    with pytest.raises(ValueError, match="target_kind"):
        AssessmentTemplate(key="x", label="x", target_kind="street", period_kind="year",
                           sections=(Section("s", "", (Criterion("a", "甲", 1),)),))
    with pytest.raises(ValueError, match="max_points"):
        AssessmentTemplate(key="x", label="x", target_kind="member", period_kind="year",
                           sections=(Section("s", "", (Criterion("a", "甲", 0),)),))
    with pytest.raises(ValueError, match="unique"):
        AssessmentTemplate(key="x", label="x", target_kind="member", period_kind="year",
                           sections=(Section("s", "", (Criterion("a", "甲", 1), Criterion("a", "乙", 1))),))
    with pytest.raises(ValueError, match="cluster_type"):
        AssessmentTemplate(key="x", label="x", target_kind="member", period_kind="year", cluster_type="g",
                           sections=(Section("s", "", (Criterion("a", "甲", 1),)),))


def test_fingerprint_follows_the_definition():
    assert points_template().fingerprint() == points_template().fingerprint()
    assert points_template().fingerprint() != points_template(precision=1).fingerprint()


@pytest.mark.parametrize("kind, key, start, end, label", [
    ("month", "2026-07", dt.date(2026, 7, 1), dt.date(2026, 7, 31), "2026年7月"),
    ("month", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
    ("month", "2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31), "2026年12月"),
    ("quarter", "2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "2026年第三季度"),
    ("half_year", "2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "2026年上半年"),
    ("year", "2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年度"),
    ("week", "2026-W10", dt.date(2026, 3, 2), dt.date(2026, 3, 8), "2026年第10周（3月2日—3月8日）"),
])
def test_periods(kind, key, start, end, label):
    p = svc.period_of(kind, key)
    assert (p.start, p.end, p.label) == (start, end, label)


@pytest.mark.parametrize("kind, key", [("month", "2026-13"), ("quarter", "2026-Q5"), ("quarter", "2026"),
                                       ("half_year", "2026-H3"), ("year", "26"), ("decade", "2020")])
def test_bad_periods(kind, key):
    with pytest.raises(ValueError):
        svc.period_of(kind, key)


def test_previous_period_on_fixed_dates():
    assert svc.previous_period("quarter", dt.date(2026, 1, 15)).key == "2025-Q4"
    assert svc.previous_period("quarter", dt.date(2026, 8, 1)).key == "2026-Q2"
    assert svc.previous_period("month", dt.date(2026, 3, 31)).key == "2026-02"
    assert svc.previous_period("half_year", dt.date(2026, 7, 1)).key == "2026-H1"
    assert svc.previous_period("year", dt.date(2026, 7, 1)).key == "2025"
    assert svc.previous_period("week", dt.date(2026, 3, 2)).key == "2026-W09"


def test_custom_template_parsing():
    sections, err = svc.parse_criteria("【基础】\n阵地 | 40 | 照片\n台账｜60\n", "points")
    assert err is None
    assert [(c.key, c.label, c.max_points, c.evidence) for c in sections[0].criteria] == [
        ("c1", "阵地", D(40), "照片"), ("c2", "台账", D(60), "")]
    assert svc.parse_criteria("阵地 | abc", "points")[1] == "第 1 行：分值须为大于 0 的数字（最多两位小数）"
    assert svc.parse_criteria("\n阵地", "points")[1] == "第 2 行：请按「名称 | 分值 | 佐证材料要求」填写"
    assert svc.parse_criteria("【空】\n【基础】\n甲 | 1", "points")[1] == "一级指标「空」下没有考核指标"
    assert svc.parse_criteria("", "weighted")[1] == "请至少填写一项考核指标"
    bands, err = svc.parse_bands("良好 75\n优秀：90\n较差≥0")
    assert err is None and [(b.label, b.min_total) for b in bands] == [("优秀", 90), ("良好", 75), ("较差", 0)]
    assert svc.parse_bands("优秀")[1] == "第 1 行：请按「等次 最低分」填写，如「良好 75」"
    assert svc.parse_bands("优秀 90\n良好 90")[1] == "第 2 行：最低分 90 与其他等次相同"
