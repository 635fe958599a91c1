"""Pure rules of 强基 (member structure), 阵地 (venue state and gaps) and 经费保障 (entitlements) on
fixed data — no database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from plugins.dongfanghong import Settings
from plugins.dongfanghong.guarantees import (
    EntitlementRow,
    GroupFact,
    LeaderFact,
    PartyOrgFact,
    entitlements,
    summarize,
)
from plugins.dongfanghong.projects import (
    MemberFacts,
    Structure,
    age_on,
    percent,
    structures,
    total_of,
)
from plugins.dongfanghong.venues import parse_items, venue_state

TODAY = dt.date(2026, 11, 22)


def test_age_counts_full_years():
    assert age_on(dt.date(1991, 11, 22), TODAY) == 35  # birthday today
    assert age_on(dt.date(1991, 11, 23), TODAY) == 34
    assert age_on(dt.date(1990, 11, 23), TODAY) == 35  # 36 tomorrow: still young
    assert age_on(dt.date(1990, 11, 22), TODAY) == 36


def test_percent_rounds_half_up_and_handles_zero():
    assert percent(1, 3) == "33.3%"
    assert percent(2, 3) == "66.7%"
    assert percent(1, 8) == "12.5%"
    assert percent(1, 16) == "6.3%"  # 6.25 → 6.3 (half up, not banker's)
    assert percent(0, 5) == "0.0%"
    assert percent(3, 0) == "—"


def test_structure_shares_on_fixed_members():
    F = MemberFacts
    facts = [
        F(1, "full", dt.date(1991, 11, 22), "bachelor", is_manager=True),  # 35: young, 本科
        F(1, "full", dt.date(1990, 11, 22), "college", is_backbone=True),  # 36, 大专
        F(1, "probationary", dt.date(2000, 1, 1), "master", is_manager=True, is_backbone=True),
        F(1, "full", None, "senior"),  # age unknown, 高中
        F(1, "full", dt.date(1970, 5, 5), ""),  # education unknown
        F(1, "activist", dt.date(1998, 1, 1), "bachelor", is_backbone=True),  # pipeline, a backbone
        F(1, "applicant", dt.date(1999, 1, 1), "college"),
        F(2, "candidate", None, "", is_backbone=True),  # an org with nobody in the party yet
    ]
    by_org = structures(facts, TODAY, young_age=35)
    s = by_org[1]
    assert (s.members, s.managers, s.backbones, s.young, s.college_plus, s.bachelor_plus) == (5, 2, 2, 2, 3, 2)
    assert (s.age_unknown, s.education_unknown, s.pipeline, s.pipeline_backbones) == (1, 1, 2, 1)
    assert (s.share("managers"), s.share("young"), s.share("college_plus"), s.share("bachelor_plus")) == \
        ("40.0%", "40.0%", "60.0%", "40.0%")
    assert s.hints == []
    empty = by_org[2]
    assert empty.members == 0 and empty.pipeline == 1 and empty.share("young") == "—"
    assert empty.hints == ["暂无党员"]
    total = total_of(by_org.values())
    assert (total.members, total.pipeline, total.pipeline_backbones) == (5, 3, 2)
    # a lower age limit moves the 35-year-old out of the young
    assert structures(facts, TODAY, young_age=30)[1].young == 1


def test_structure_hints_name_what_is_missing():
    s = Structure(members=4, managers=0, backbones=1, young=0, pipeline=0)
    assert s.hints == ["管理层无党员", "无青年党员", "无入党积极分子等发展梯队"]


def _check(status, applied, target=2):
    return SimpleNamespace(status=status, applied_on=applied, target_class=target)


def test_venue_state_and_gaps():
    d = dt.date
    assert venue_state(2, d(2025, 3, 1), None, d(2020, 1, 1), TODAY) == ("accepted", [])
    assert venue_state(2, None, None, d(2020, 1, 1), TODAY) == ("accepted", ["缺验收日期"])
    assert venue_state(None, None, None, d(2020, 1, 1), TODAY) == ("none", ["尚无验收阵地"])
    assert venue_state(None, None, None, d(2026, 3, 1), TODAY) == ("none", ["新建党组织尚无验收阵地"])
    # waiting: a gap only after 60 days
    assert venue_state(None, None, _check("applied", TODAY - dt.timedelta(days=60), 3), None, TODAY) == ("pending", [])
    assert venue_state(None, None, _check("applied", TODAY - dt.timedelta(days=61), 3), None, TODAY) == \
        ("pending", ["申报三类阵地已 61 天未验收"])
    assert venue_state(None, None, _check("failed", d(2026, 5, 1), 3), None, TODAY) == ("failed", ["验收未通过，待整改"])
    # an upgrade that failed after the accepted venue is a gap; an old failure before it is not
    assert venue_state(3, d(2025, 1, 1), _check("failed", d(2026, 5, 1)), None, TODAY) == \
        ("accepted", ["升级二类阵地未通过，待整改"])
    assert venue_state(3, d(2026, 6, 1), _check("failed", d(2026, 5, 1)), None, TODAY) == ("accepted", [])


SETTINGS = Settings(group_budget_fen=2_000_000, leader_stipend_fen=200_000, deputy_stipend_fen=100_000,
                    startup_fund_fen=500_000, venue_subsidy_fen=300_000, secretary_allowance_fen=120_000,
                    new_org_years=2, demo_venue_district_fen=50_000, demo_venue_city_fen=100_000)


def test_entitlements_follow_registry_facts_and_settings():
    d = dt.date
    orgs = [
        PartyOrgFact(1, "新建甲支部", founded_on=d(2026, 3, 1), secretary_name="张书记", venue_class=3,
                     venue_accepted_on=d(2026, 9, 1), enterprise=True),
        PartyOrgFact(2, "去年乙支部", founded_on=d(2025, 6, 1), secretary_name="李书记", enterprise=True),
        PartyOrgFact(3, "老丙支部", founded_on=d(2018, 1, 1), secretary_name="王书记", venue_class=2,
                     venue_accepted_on=d(2026, 5, 1), enterprise=True,
                     demo_levels=(("city", d(2026, 7, 1)), ("street", d(2026, 2, 1)))),
        PartyOrgFact(4, "无书记丁支部", founded_on=d(2026, 2, 1), enterprise=True),
        PartyOrgFact(5, "已撤销戊支部", founded_on=d(2026, 1, 10), dissolved_on=d(2025, 12, 1), enterprise=True),
        PartyOrgFact(6, "年内撤销己支部", founded_on=d(2019, 1, 1), dissolved_on=d(2026, 4, 1)),
        # a new social-organization party org: none of the enterprise support (000: 新建企业党组织)
        PartyOrgFact(8, "新建社会组织庚支部", founded_on=d(2026, 4, 1), secretary_name="赵书记", venue_class=3,
                     venue_accepted_on=d(2026, 10, 1), enterprise=False,
                     demo_levels=(("district", d(2026, 11, 1)),)),
    ]
    groups = [GroupFact(10, "第一联组", (LeaderFact(100, "leader", "组长甲"), LeaderFact(101, "deputy", "副组长乙"),
                                         LeaderFact(102, "deputy", "副组长丙"))),
              GroupFact(11, "第二联组", ())]
    dues = {3: 123_45, 6: 8_00, 5: 99_00}
    got = {(e.kind, e.target_id, e.sub): (e.amount_fen, e.payee) for e in entitlements(orgs, groups, dues, 2026, SETTINGS)}
    assert got == {
        ("group_budget", 10, 0): (2_000_000, "第一联组"),
        ("group_budget", 11, 0): (2_000_000, "第二联组"),
        ("stipend", 10, 100): (200_000, "组长甲"),
        ("stipend", 10, 101): (100_000, "副组长乙"),
        ("stipend", 10, 102): (100_000, "副组长丙"),
        ("startup", 1, 0): (500_000, "新建甲支部"),
        ("startup", 4, 0): (500_000, "无书记丁支部"),
        ("venue", 1, 0): (300_000, "新建甲支部"),  # new and its venue passed in 2026; 丙 is not new
        ("secretary", 1, 0): (120_000, "张书记"),
        ("secretary", 2, 0): (120_000, "李书记"),  # founded within new_org_years=2
        ("demo_venue", 3, 2): (100_000, "老丙支部"),  # 市级 title in 2026 (a 街道级 one earns nothing)
        ("demo_venue", 8, 1): (50_000, "新建社会组织庚支部"),  # 区级: any party org's venue
        ("dues_refund", 3, 0): (12_345, "老丙支部"),
        ("dues_refund", 6, 0): (800, "年内撤销己支部"),  # dissolved during the year: still refunded
    }
    # 2025: 乙 is new (start-up, secretary); 甲 did not exist yet
    kinds_2025 = {(e.kind, e.target_id) for e in entitlements(orgs, groups, {}, 2025, SETTINGS)
                  if e.target_kind == "party_org"}
    assert kinds_2025 == {("startup", 2), ("secretary", 2)}
    # the default window is the founding year only (no 3-year rule: the seed states none)
    default = Settings(**{**SETTINGS.model_dump(), "new_org_years": 1})
    assert Settings().new_org_years == 1
    assert ("secretary", 2, 0) not in {(e.kind, e.target_id, e.sub) for e in entitlements(orgs, groups, {}, 2026, default)}
    # an amount of 0 switches a kind off
    off = Settings(**{**SETTINGS.model_dump(), "startup_fund_fen": 0, "deputy_stipend_fen": 0})
    kinds = {(e.kind, e.sub) for e in entitlements(orgs, groups, {}, 2026, off)}
    assert ("startup", 0) not in kinds and ("stipend", 101) not in kinds and ("stipend", 100) in kinds


def test_venue_items_are_a_setting():
    assert parse_items("") == []
    assert parse_items(" 有活动室；*制度上墙;\n＊台账完整 ；；") == [("有活动室", False), ("制度上墙", True), ("台账完整", True)]
    assert Settings().venue_items_1 == "" and Settings().venue_top_class == 1
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError):
        Settings(venue_top_class=2)


def test_entitlement_keys_and_status():
    [e] = [x for x in entitlements([PartyOrgFact(7, "庚支部", founded_on=dt.date(2026, 1, 2), enterprise=True)], [], {}, 2026,
                                   SETTINGS) if x.kind == "startup"]
    assert e.key(2026) == "dongfanghong.startup:2026:7:0"
    assert EntitlementRow(e).status == "未申请"
    assert EntitlementRow(e, 200_000, ["requested"]).status == "部分申请"
    assert EntitlementRow(e, 500_000, ["requested"]).status == "待审批"
    assert EntitlementRow(e, 500_000, ["paid", "approved"]).status == "已批准"
    assert EntitlementRow(e, 500_000, ["paid"]).status == "已拨付"
    assert EntitlementRow(e, 500_000, ["rejected"]).status == "已驳回"
    assert EntitlementRow(e, 500_000, ["rejected"]).outstanding_fen == 0  # a rejection is not re-proposed
    [budget] = [x for x in entitlements([], [GroupFact(1, "组")], {}, 2026, SETTINGS) if x.kind == "group_budget"]
    assert [EntitlementRow(budget, n).status for n in (0, 1, 2_000_000)] == ["未列入预算", "部分列入预算", "已列入预算"]
    summary = {s.kind: s for s in summarize([EntitlementRow(e, 200_000, ["requested"]), EntitlementRow(budget)])}
    assert (summary["startup"].count, summary["startup"].outstanding_fen, summary["startup"].outstanding) == (1, 300_000, 1)
    assert summary["group_budget"].outstanding_fen == 2_000_000 and summary["venue"].count == 0


def test_phase_deadlines_are_settings():
    from plugins.dongfanghong.program import campaign_templates

    [t] = campaign_templates(Settings())
    assert [p.title[:4] for p in t.phases] == ["调查摸底", "会议动员", "持续推进", "总结提升"]
    assert {task.due for p in t.phases for task in p.tasks} == {""}  # the seed gives none: end of year
    [t] = campaign_templates(Settings(phase1_due="3月底", phase4_due="2026-12-20"))
    assert {task.due for task in t.phases[0].tasks} == {"3月底"} and {task.due for task in t.phases[3].tasks} == {"2026-12-20"}
    assert "参与市、区两新党建创新案例评选" in [task.title for task in t.phases[3].tasks]
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError):
        Settings(phase2_due="下个月吧")
