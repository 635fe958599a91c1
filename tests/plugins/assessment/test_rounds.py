"""Rounds through the service: state machine, scoring rules, publication (totals, ties,
grades), immutability, the on_round_published hook, the results API, template history,
self-assessment rights, appeals, custom templates and demo data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.forms import FormErrors
from core.registry.models import PartyOrg as PartyOrgRow
from plugins.assessment import api
from plugins.assessment import service as svc
from plugins.assessment.demo import load_demo
from plugins.assessment.models import (
    AssessmentAppeal,
    AssessmentRound,
    AssessmentScore,
    AssessmentSheet,
    AssessmentTemplateVersion,
)
from plugins.assessment.types import Criterion, Section
from tests.helpers import unique
from tests.plugins.assessment.conftest import (
    Street,
    advance,
    make_round,
    score,
    sheet_ids,
    tenant_session,
)
from tests.plugins.assessment.conftest import (
    street as make_street,
)
from tests.worlds import user_id

D = Decimal
PO = "testprog.po_quarterly"


def state_of(street: Street, round_id: int) -> str:
    with tenant_session(street.info) as s:
        return s.get(AssessmentRound, round_id).state


def refused(street: Street, round_id: int, action: str) -> dict[str, str]:
    with tenant_session(street.info) as s:
        rnd = s.get(AssessmentRound, round_id)
        with pytest.raises(FormErrors) as exc:
            svc.transition(s, street.info, rnd, action)
        s.rollback()
    return exc.value.errors


# --- state machine -------------------------------------------------------------------------------


def test_state_machine_and_illegal_transitions(world):
    a = world.a
    rid = make_round(a, PO, "2026-Q3", a.party_orgs[:2])
    assert state_of(a, rid) == "draft"
    assert refused(a, rid, "start_scoring") == {"state": "当前状态为「草稿」，不能开始评分"}
    assert refused(a, rid, "publish") == {"state": "当前状态为「草稿」，不能发布结果"}
    assert refused(a, rid, "fly") == {"state": "未知的操作"}
    assert state_of(a, rid) == "draft"

    advance(a, rid, "open")
    assert state_of(a, rid) == "open"
    assert refused(a, rid, "open") == {"state": "当前状态为「已开启（自评中）」，不能开启考核"}
    assert refused(a, rid, "submit_review") == {"state": "当前状态为「已开启（自评中）」，不能提交审核"}
    advance(a, rid, "start_scoring")

    errors = refused(a, rid, "submit_review")  # nothing scored yet
    assert errors["state"].startswith("还有 2 个对象未评完分：")
    assert a.names[a.party_orgs[0]] in errors["state"]
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"]})
    assert refused(a, rid, "submit_review")["state"].startswith("还有 1 个对象未评完分：")
    score(a, rid, {a.party_orgs[1]: ["20", "20", "20"]})
    advance(a, rid, "submit_review")
    assert state_of(a, rid) == "review"
    advance(a, rid, "return_scoring")
    assert state_of(a, rid) == "scoring"
    advance(a, rid, "submit_review", "publish")
    assert state_of(a, rid) == "published"
    assert refused(a, rid, "publish") == {"state": "当前状态为「已发布」，不能发布结果"}
    assert refused(a, rid, "return_scoring") == {"state": "当前状态为「已发布」，不能退回评分"}
    assert state_of(a, rid) == "published"


def test_open_needs_targets_and_drafts_can_change(world):
    a = world.a
    rid = make_round(a, PO, "2026-Q2", [a.party_orgs[0]])
    with tenant_session(a.info) as s:
        rnd = s.get(AssessmentRound, rid)
        assert svc.add_targets(s, rnd, [a.party_orgs[1], a.party_orgs[0]]) == 1  # the known one is skipped
        with pytest.raises(FormErrors) as exc:
            svc.add_targets(s, rnd, [world.b.party_orgs[0]])  # another tenant's party org
        assert exc.value.errors == {"targets": f"考核对象 {world.b.party_orgs[0]} 不存在或不可考核"}
        for sheet in svc.sheets_of(s, rnd):
            svc.remove_sheet(s, rnd, sheet)
    assert refused(a, rid, "open") == {"state": "请先添加考核对象"}
    with tenant_session(a.info) as s:
        svc.delete_round(s, s.get(AssessmentRound, rid))
    with tenant_session(a.info) as s:
        assert s.get(AssessmentRound, rid) is None


def test_create_round_errors_in_chinese(world):
    a = world.a
    with tenant_session(a.info) as s:
        with pytest.raises(FormErrors) as exc:
            svc.create_round(s, a.info, {"template": "nope"})
        assert exc.value.errors == {"template": "请选择考核模板"}
        with pytest.raises(FormErrors) as exc:
            svc.create_round(s, a.info, {"template": PO, "period": "2026-13", "target_mode": "chosen", "targets": []})
        assert exc.value.errors == {"period": "请选择有效的季度考核期间", "targets": "请至少选择一个考核对象"}
        before = s.scalar(select(func.count()).select_from(AssessmentRound))
    with tenant_session(world.b.info) as s:  # B has party orgs but not A's
        with pytest.raises(FormErrors) as exc:
            svc.create_round(s, world.b.info, {"template": PO, "period": "2026-Q1", "target_mode": "chosen",
                                               "targets": [a.party_orgs[0]]})
        assert exc.value.errors == {"targets": f"考核对象 {a.party_orgs[0]} 不存在或不可考核"}
    with tenant_session(a.info) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentRound)) == before


# --- scoring ---------------------------------------------------------------------------------------


def test_scores_are_validated_all_or_nothing(world):
    a = world.a
    rid = make_round(a, PO, "2025-Q4", [a.party_orgs[0]])
    sid = sheet_ids(a, rid)[a.party_orgs[0]]
    access = svc.Access.system()

    def save(entries_by_key, kind="assessor"):
        """Errors keyed "score:<criterion key>" (the service keys them by criterion id)."""
        with tenant_session(a.info) as s:
            sheet = s.get(AssessmentSheet, sid)
            criteria = sheet.round.template.criteria
            ids = {c.key: c.id for c in criteria}
            try:
                svc.save_scores(s, access, sheet, {ids[k]: v for k, v in entries_by_key.items()}, kind)
            except FormErrors as exc:
                s.rollback()
                names = {str(c.id): c.key for c in criteria}
                out = {}
                for k, v in exc.errors.items():
                    field, _, cid = k.partition("_")
                    out[f"{field}:{names[cid]}" if cid in names else k] = v
                return out
        return None

    advance(a, rid, "open")
    assert save({"ledger": ("10", "")}) == {
        "state": "当前状态为「已开启（自评中）」，不能评分（评分须在「评分中」状态进行）"}
    advance(a, rid, "start_scoring")
    assert save({"venue": ("41", "照片"), "ledger": ("-1", ""), "service": ("abc", "")}) == {
        "score:venue": "不能超过 40 分", "score:ledger": "不能小于 0", "score:service": "须为数字"}
    assert save({"venue": ("12.345", "照片")}) == {"score:venue": "最多两位小数"}
    assert save({"venue": ("40", ""), "ledger": ("30", "")}) == {"evidence:venue": "请填写佐证材料（要求：阵地照片）"}
    with tenant_session(a.info) as s:  # nothing was saved, not even the valid ledger score
        assert s.scalar(select(func.count()).select_from(AssessmentScore).where(AssessmentScore.sheet_id == sid)) == 0
    assert save({"venue": ("39.5", "照片两张"), "ledger": ("30", "")}) is None
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, sid)
        st = svc.sheet_state(s, sheet.round, sheet)
        assert (st.scored, st.criteria, st.total) == (2, 3, None)
        assert sorted(x.value for x in st.scores.values()) == [D("30.00"), D("39.50")]
    assert save({"service": ("28.25", "")}) is None
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, sid)
        assert svc.sheet_state(s, sheet.round, sheet).total == D("97.75")
    assert save({"service": ("", "")}) is None  # a blank value clears the entry
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, sid)
        st = svc.sheet_state(s, sheet.round, sheet)
        assert (st.scored, st.total) == (2, None)


def test_self_assessment_rights(world):
    """The org secretary self-assesses only their own party org's sheet, only while the round
    is open; self-scores never change the total."""
    a = world.a
    rid = make_round(a, PO, "2025-Q3", a.party_orgs[:2])
    sheets = sheet_ids(a, rid)
    sec = svc.Access(user_id(world.users["secretary"]), world.users["secretary"], self_assess=True)
    assert sec.own_only

    def self_save(target, values):
        with tenant_session(a.info, sec.username) as s:
            sheet = s.get(AssessmentSheet, sheets[target])
            entries = {c.id: (v, "自查记录") for c, v in zip(sheet.round.template.criteria, values, strict=False)}
            try:
                svc.save_scores(s, sec, sheet, entries, "self", comment="自评说明")
            except FormErrors as exc:
                s.rollback()
                return exc.errors
        return None

    assert self_save(a.party_orgs[0], ["40", "30", "30"]) == {
        "state": "当前状态为「草稿」，不能填写自评（自评须在「已开启」状态进行）"}
    advance(a, rid, "open")
    assert self_save(a.party_orgs[1], ["40", "30", "30"]) == {"__all__": "只能填写本组织的自评"}
    assert self_save(a.party_orgs[0], ["40", "30", "30"]) is None
    with tenant_session(a.info) as s:
        access = svc.Access(sec.user_id, sec.username, self_assess=True)
        assert svc.get_sheet(s, access, sheets[a.party_orgs[0]]) is not None
        assert svc.get_sheet(s, access, sheets[a.party_orgs[1]]) is None  # not theirs: hidden
        sheet = s.get(AssessmentSheet, sheets[a.party_orgs[0]])
        assert sheet.self_comment == "自评说明" and sheet.self_submitted_at is not None
        with pytest.raises(FormErrors) as exc:  # an org secretary cannot score as an assessor
            svc.save_scores(s, sec, sheet, {}, "assessor")
        assert exc.value.errors == {"__all__": "没有评分权限"}
    advance(a, rid, "start_scoring")
    assert self_save(a.party_orgs[0], ["1", "1", "1"])["state"].startswith("当前状态为「评分中」")
    score(a, rid, {a.party_orgs[0]: ["20", "20", "20"], a.party_orgs[1]: ["10", "10", "10"]})
    advance(a, rid, "submit_review", "publish")
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, sheets[a.party_orgs[0]])
        assert (sheet.total, sheet.self_total) == (D("60.00"), D("100.00"))


def test_self_assessment_needs_a_template_that_has_it(world):
    a = world.a
    rid = make_round(a, "testprog.org_stars", "2025", [a.orgs[0]])
    advance(a, rid, "open")
    with tenant_session(a.info) as s:
        sheet = s.get(AssessmentSheet, sheet_ids(a, rid)[a.orgs[0]])
        with pytest.raises(FormErrors) as exc:
            svc.save_scores(s, svc.Access.system(), sheet, {}, "self")
        assert exc.value.errors == {"__all__": "该考核模板不设自评"}


# --- publication -----------------------------------------------------------------------------------


def test_publish_ranks_ties_grades_results_and_hook(world, program):
    a = world.a
    p1, p2, p3, p4 = a.party_orgs
    title = unique("季度考核")
    rid = make_round(a, PO, "2024-Q1", None, title=title)  # all four party orgs
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {p1: ["40", "30", "20"], p2: ["35", "25", "25"], p3: ["30", "30", "25"],
                   p4: ["20", "20", "19.5"]})
    advance(a, rid, "submit_review")
    with tenant_session(a.info) as s:  # the live preview already ranks
        preview = svc.ranking(s, s.get(AssessmentRound, rid))
        assert [(r.sheet.target_id, r.rank) for r in preview][:1] == [(p1, 1)]
        assert {r.sheet.target_id: r.rank for r in preview} == {p1: 1, p2: 2, p3: 2, p4: 4}
    assert program.PUBLISHED == []
    advance(a, rid, "publish")

    with tenant_session(a.info) as s:
        rnd = s.get(AssessmentRound, rid)
        assert rnd.published_at is not None and rnd.published_by == "test"
        got = {sh.target_id: (sh.total, sh.grade, sh.rank) for sh in svc.sheets_of(s, rnd)}
    assert got == {p1: (D("90.00"), "优秀", 1), p2: (D("85.00"), "良好", 2), p3: (D("85.00"), "良好", 2),
                   p4: (D("59.50"), "较差", 4)}

    # the hook fired once, in the tenant, with every result
    [(tenant_id, published)] = program.PUBLISHED
    assert tenant_id == a.info.id
    assert isinstance(published, api.PublishedRound)
    assert (published.id, published.title, published.template_key, published.period) == (rid, title, PO, "2024-Q1")
    assert published.grades == ("优秀", "良好", "一般", "较差") and published.full_marks == D(100)
    assert [(r.target_id, r.rank, r.total, r.grade, r.ranked) for r in published.results] == [
        (p1, 1, D("90.00"), "优秀", 4),
        *sorted([(p2, 2, D("85.00"), "良好", 4), (p3, 2, D("85.00"), "良好", 4)],
                key=lambda r: a.names[r[0]]),
        (p4, 4, D("59.50"), "较差", 4)]

    # the query API other plugins use
    with tenant_session(a.info) as s:
        results = api.published_results(s, template_key=PO, period="2024-Q1")
        assert [r.round_id for r in results] == [rid] * 4
        r1 = results[0]
        assert (r1.target_kind, r1.target_id, r1.target_name, r1.total, r1.grade, r1.rank) == (
            "party_org", p1, a.names[p1], D("90.00"), "优秀", 1)
        assert (r1.period_kind, r1.period_start, r1.period_end, r1.tenant_id) == (
            "quarter", dt.date(2024, 1, 1), dt.date(2024, 3, 31), a.info.id)
        assert api.published_results(s, template_key=PO, period="2024-Q2") == []
        assert {r.round_id for r in api.published_results(s, year=2024, target_kind="party_org")} >= {rid}
        assert api.published_results(s, target_kind="organization", period="2024-Q1") == []
        mine = api.published_results(s, round_id=rid, target_id=p4, target_kind="party_org")
        assert [(m.rank, m.ranked) for m in mine] == [(4, 4)]
        assert api.latest_result(s, "party_org", p3, PO).round_id >= rid
        assert api.published_round(s, rid).results == published.results
        assert rid in [x.id for x in api.published_rounds(s, template_key=PO, year=2024)]
    with tenant_session(world.b.info) as s:  # another tenant's session sees none of it
        assert api.published_results(s, template_key=PO, period="2024-Q1") == []
        assert api.published_round(s, rid) is None


def test_unpublished_rounds_are_not_results(world):
    a = world.a
    rid = make_round(a, PO, "2023-Q2", a.party_orgs[:1])
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"]})
    advance(a, rid, "submit_review")
    with tenant_session(a.info) as s:
        assert api.published_results(s, period="2023-Q2") == []
        assert api.published_round(s, rid) is None


def test_published_round_is_immutable(world):
    a = world.a
    rid = make_round(a, PO, "2023-Q1", a.party_orgs[:2])
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"], a.party_orgs[1]: ["10", "10", "10"]})
    advance(a, rid, "submit_review", "publish")
    sheets = sheet_ids(a, rid)
    final = "考核结果已发布，不能修改"

    with tenant_session(a.info) as s:
        rnd = s.get(AssessmentRound, rid)
        sheet = s.get(AssessmentSheet, sheets[a.party_orgs[0]])
        crit = rnd.template.criteria[0]
        with pytest.raises(FormErrors, match="不能评分"):
            svc.save_scores(s, svc.Access.system(), sheet, {crit.id: ("1", "x")})
        for call in (lambda: svc.add_targets(s, rnd, [a.party_orgs[2]]), lambda: svc.remove_sheet(s, rnd, sheet),
                     lambda: svc.delete_round(s, rnd)):
            with pytest.raises(FormErrors, match="当前状态为「已发布」"):
                call()
    # writes that bypass the service are refused at flush time
    for change in ("score", "sheet", "round", "delete_score", "new_score"):
        with tenant_session(a.info) as s:
            with pytest.raises(FormErrors) as exc:
                rnd = s.get(AssessmentRound, rid)
                sheet = s.get(AssessmentSheet, sheets[a.party_orgs[1]])
                sc = s.scalar(select(AssessmentScore).where(AssessmentScore.sheet_id == sheet.id).limit(1))
                if change == "score":
                    sc.value = D("30")
                elif change == "sheet":
                    sheet.total, sheet.rank = D("100"), 1
                elif change == "round":
                    rnd.state = "scoring"
                elif change == "delete_score":
                    s.delete(sc)
                else:
                    s.add(AssessmentScore(sheet_id=sheet.id, criterion_id=sc.criterion_id, kind="self",
                                          value=D(1), evidence=""))
                s.flush()
            assert exc.value.errors == {"state": final}
            s.rollback()
    with tenant_session(a.info) as s:
        rnd = s.get(AssessmentRound, rid)
        assert rnd.state == "published"
        got = {sh.target_id: (sh.total, sh.rank) for sh in svc.sheets_of(s, rnd)}
        assert got == {a.party_orgs[0]: (D("100.00"), 1), a.party_orgs[1]: (D("30.00"), 2)}
        assert s.scalar(select(func.count()).select_from(AssessmentScore).where(
            AssessmentScore.sheet_id.in_(list(sheets.values())))) == 6


def test_a_failing_hook_aborts_the_publication(world, program):
    a = world.a
    title = unique("失败的发布")
    program.FAIL_ON.add(title)
    rid = make_round(a, PO, "2022-Q4", a.party_orgs[:1], title=title)
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"]})
    advance(a, rid, "submit_review")
    with pytest.raises(RuntimeError):
        advance(a, rid, "publish")
    with tenant_session(a.info) as s:
        rnd = s.get(AssessmentRound, rid)
        assert rnd.state == "review" and rnd.published_at is None
        assert [sh.total for sh in svc.sheets_of(s, rnd)] == [None]
        assert api.published_results(s, round_id=rid) == []


def test_weighted_star_rating_of_organizations(world):
    a = world.a
    o1, o2, o3 = a.orgs
    rid = make_round(a, "testprog.org_stars", "2024", a.orgs)
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {o1: ["5", "5"], o2: ["4", "3"], o3: ["4.5", "4.25"]})  # weights 1 and 2, rated of 5
    advance(a, rid, "submit_review", "publish")
    with tenant_session(a.info) as s:
        got = {r.target_id: (r.total, r.grade, r.rank) for r in api.published_results(s, round_id=rid)}
    # o2: (4/5 + 2·3/5)/3·100 = 66.67 → 66.7 (precision 1); o3: (0.9 + 1.7)/3·100 = 86.67 → 86.7
    assert got == {o1: (D("100.00"), "五星", 1), o3: (D("86.70"), "四星", 2), o2: (D("66.70"), "二星", 3)}


def test_cluster_rounds_take_clusters_of_the_templates_type(world):
    a = world.a
    rid = make_round(a, "testprog.group_ranking", "2025-H1")
    assert sorted(sheet_ids(a, rid)) == sorted(a.groups)  # not the core.group cluster
    with tenant_session(a.info) as s:
        with pytest.raises(FormErrors) as exc:
            svc.add_targets(s, s.get(AssessmentRound, rid), [a.other_cluster])
        assert "不存在或不可考核" in exc.value.errors["targets"]
    with tenant_session(a.info) as s:  # the group's leader is its secretary for self-assessment
        sec = svc.Access(user_id(world.users["secretary"]), "", self_assess=True)
        assert svc.own_target_ids(s, sec.user_id, "cluster") == {a.groups[0]}
        assert svc.own_target_ids(s, sec.user_id, "party_org") == {a.party_orgs[0]}
        assert svc.own_target_ids(s, sec.user_id, "organization") == {a.orgs[0]}
        assert svc.own_target_ids(s, sec.user_id, "member") == set(a.members)


# --- templates and history -------------------------------------------------------------------------


def _changed(template, **changes):
    return dataclasses.replace(template, **changes)


def test_registered_template_is_frozen_when_a_round_opens(world, program):
    a = world.a
    original = program.PARTY_ORG_QUARTERLY
    opened = make_round(a, PO, "2021-Q1", a.party_orgs[:1])
    advance(a, opened, "open")
    draft = make_round(a, PO, "2021-Q2", a.party_orgs[:1])

    # the program changes its template: service is now worth 40 and ledger 20
    program.TEMPLATES[PO] = _changed(original, sections=(
        Section("base", "基础工作", (Criterion("venue", "阵地建设", 40, evidence="阵地照片"),
                                   Criterion("ledger", "台账规范", 20))),
        Section("role", "作用发挥", (Criterion("service", "服务发展", 40),)),
    ))
    advance(a, draft, "open")  # a draft follows the program until it is opened
    later = make_round(a, PO, "2021-Q3", a.party_orgs[:1])
    with tenant_session(a.info) as s:
        r_opened, r_draft, r_later = (s.get(AssessmentRound, i) for i in (opened, draft, later))
        assert r_draft.template_id == r_later.template_id != r_opened.template_id
        assert r_draft.template.version == r_opened.template.version + 1
        assert [c.max_points for c in r_opened.template.criteria] == [D(40), D(30), D(30)]
        assert [c.max_points for c in r_draft.template.criteria] == [D(40), D(20), D(40)]
        versions = s.scalar(select(func.count()).select_from(AssessmentTemplateVersion)
                            .where(AssessmentTemplateVersion.key == PO))
    program.TEMPLATES[PO] = original  # back to the first definition: a new version again, history intact
    again = make_round(a, PO, "2021-Q4", a.party_orgs[:1])
    with tenant_session(a.info) as s:
        assert s.get(AssessmentRound, again).template.version == versions + 1
        assert [c.max_points for c in s.get(AssessmentRound, opened).template.criteria] == [D(40), D(30), D(30)]


def test_custom_templates_versions_and_archive(world):
    a = world.a
    raw = {"label": unique("自定义考核"), "target_kind": "party_org", "period_kind": "month", "scoring": "points",
           "grade_bands": "合格 60\n不合格 0", "criteria": "【规范】\n制度 | 50 | 制度文件\n记录 | 50"}
    with tenant_session(a.info) as s:
        with pytest.raises(FormErrors) as exc:
            svc.create_custom_template(s, a.info, {**raw, "label": "", "criteria": "制度 | 0"})
        assert exc.value.errors == {"label": "请填写模板名称",
                                    "criteria": "第 1 行：分值须为大于 0 的数字（最多两位小数）"}
        row = svc.create_custom_template(s, a.info, raw)
        key = row.key
        assert (row.version, row.source, [c.label for c in row.criteria]) == (1, "custom", ["制度", "记录"])
        # unused: edited in place
        same = svc.update_custom_template(s, a.info, row, {**raw, "criteria": "制度 | 60\n记录 | 40"})
        assert same.id == row.id and [c.max_points for c in same.criteria] == [D(60), D(40)]
    rid = make_round(a, key, "2026-05", a.party_orgs[:1])
    with tenant_session(a.info) as s:
        row = svc.latest_version(s, key)
        newer = svc.update_custom_template(s, a.info, row, {**raw, "criteria": "制度 | 70\n记录 | 30"})
        assert newer.id != row.id and newer.version == 2
        assert [c.max_points for c in s.get(AssessmentRound, rid).template.criteria] == [D(60), D(40)]
        with pytest.raises(FormErrors, match="请修改最新的第 2 版"):
            svc.update_custom_template(s, a.info, row, raw)
        svc.set_template_archived(s, newer, True)
    with tenant_session(a.info) as s:
        assert svc.template_entry(s, a.info, key).archived
        with pytest.raises(FormErrors) as exc:
            svc.create_round(s, a.info, {"template": key, "period": "2026-06", "target_mode": "all"})
        assert exc.value.errors == {"template": "请选择考核模板"}
        # a program template cannot be edited here, only copied
        entry = svc.template_entry(s, a.info, PO)
        assert entry.source == "program"
        copy = svc.copy_template(s, a.info, entry)
        assert copy.source == "custom" and copy.label.endswith("（副本）")
        assert svc.template_value(copy).fingerprint() != entry.value.fingerprint()  # new key
        assert [c.max_points for c in copy.criteria] == [D(40), D(30), D(30)]


# --- appeals ---------------------------------------------------------------------------------------


def test_appeals_after_publication(world):
    a = world.a
    rid = make_round(a, PO, "2020-Q1", a.party_orgs[:2])
    sheets = sheet_ids(a, rid)
    sec = svc.Access(user_id(world.users["secretary"]), world.users["secretary"], self_assess=True)
    staff = svc.Access(user_id(world.users["staff"]), world.users["staff"], True, True, True)
    with tenant_session(a.info) as s:
        with pytest.raises(FormErrors) as exc:
            svc.submit_appeal(s, sec, s.get(AssessmentSheet, sheets[a.party_orgs[0]]), "不服")
        assert exc.value.errors == {"body": "考核结果发布后才能提出申诉"}
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["30", "20", "20"], a.party_orgs[1]: ["40", "30", "30"]})
    advance(a, rid, "submit_review", "publish")
    with tenant_session(a.info, sec.username) as s:
        own, other = (s.get(AssessmentSheet, sheets[p]) for p in a.party_orgs[:2])
        with pytest.raises(FormErrors) as exc:
            svc.submit_appeal(s, sec, other, "替别人申诉")
        assert exc.value.errors == {"body": "只能对本组织的考核结果提出申诉"}
        with pytest.raises(FormErrors) as exc:
            svc.submit_appeal(s, sec, own, "   ")
        assert exc.value.errors == {"body": "请填写申诉理由"}
        appeal = svc.submit_appeal(s, sec, own, "阵地建设得分偏低，已补充照片。")
        appeal_id = appeal.id
        with pytest.raises(FormErrors) as exc:
            svc.submit_appeal(s, sec, own, "再次申诉")
        assert exc.value.errors == {"body": "该对象已有待处理的申诉，请等待处理结果"}
    with tenant_session(a.info, staff.username) as s:
        appeal = s.get(AssessmentAppeal, appeal_id)
        with pytest.raises(FormErrors) as exc:
            svc.resolve_appeal(s, sec, appeal, "upheld", "x")
        assert exc.value.errors == {"resolution": "没有处理申诉的权限"}
        with pytest.raises(FormErrors) as exc:
            svc.resolve_appeal(s, staff, appeal, "", "")
        assert exc.value.errors == {"outcome": "请选择处理结果", "resolution": "请填写处理意见"}
        svc.resolve_appeal(s, staff, appeal, "upheld", "经复核，维持原评分。")
    with tenant_session(a.info, staff.username) as s:
        appeal = s.get(AssessmentAppeal, appeal_id)
        assert (appeal.status, appeal.outcome, appeal.resolved_by) == ("resolved", "upheld", staff.username)
        with pytest.raises(FormErrors) as exc:
            svc.resolve_appeal(s, staff, appeal, "accepted", "改判")
        assert exc.value.errors == {"resolution": "当前状态为「已处理」，不能再次处理"}
        assert s.get(AssessmentSheet, sheets[a.party_orgs[0]]).total == D("70.00")  # results unchanged
        svc.submit_appeal(s, sec, s.get(AssessmentSheet, sheets[a.party_orgs[0]]), "对处理意见仍有异议")


# --- demo data -------------------------------------------------------------------------------------


def test_demo_data_is_deterministic_and_idempotent(database):
    street = make_street("asm-demo")
    with tenant_session(street) as s:
        s.add_all([PartyOrgRow(name=f"演示党支部{i}", org_type="branch") for i in range(5)])
    with tenant_session(street, "demo") as s:
        load_demo(s, street, today=dt.date(2026, 5, 20))
    with tenant_session(street, "demo") as s:
        load_demo(s, street, today=dt.date(2026, 5, 20))  # idempotent
    with tenant_session(street) as s:
        [rnd] = s.scalars(select(AssessmentRound)).all()
        assert (rnd.state, rnd.period, rnd.template_key) == ("published", "2026-Q1", "demo-party-org-quarterly")
        results = api.published_results(s, round_id=rnd.id)
    assert [(r.rank, r.total, r.grade) for r in results] == [
        (1, D("92.00"), "优秀"), (2, D("84.00"), "良好"), (2, D("84.00"), "良好"), (4, D("68.00"), "一般")]

    empty = make_street("asm-demo0")  # no party orgs: the template only
    with tenant_session(empty, "demo") as s:
        load_demo(s, empty)
    with tenant_session(empty) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentTemplateVersion)) == 1
        assert s.scalar(select(func.count()).select_from(AssessmentRound)) == 0



def test_all_party_orgs_leaves_out_the_streets_committee(database):
    street = make_street("asm-root")
    with tenant_session(street) as s:
        root = PartyOrgRow(name="两新综合党委", org_type="committee")
        s.add(root)
        s.flush()
        s.add_all([PartyOrgRow(name=f"支部{i}", org_type="branch", parent_id=root.id) for i in (1, 2)])
        s.flush()
        root_id = root.id
        rnd = svc.create_round(s, street, {"template": PO, "period": "2026-Q1", "target_mode": "all"})
        assert sorted(sh.target_name for sh in svc.sheets_of(s, rnd)) == ["支部1", "支部2"]
        chosen = svc.create_round(s, street, {"template": PO, "period": "2026-Q1", "target_mode": "chosen",
                                              "targets": [root_id]})
        assert [sh.target_name for sh in svc.sheets_of(s, chosen)] == ["两新综合党委"]


def test_a_district_roll_up_session_sees_its_streets_results(world):
    from core.db import open_session

    a = world.a
    rid = make_round(a, PO, "2012-Q2", a.party_orgs[:1])
    advance(a, rid, "open", "start_scoring")
    score(a, rid, {a.party_orgs[0]: ["40", "30", "30"]})
    advance(a, rid, "submit_review", "publish")
    yuelu = a.info.parent_id
    with open_session(yuelu, scope=(yuelu, a.info.id, world.b.info.id)) as s:
        [r] = api.published_results(s, period="2012-Q2", template_key=PO)
        assert (r.tenant_id, r.round_id, r.total) == (a.info.id, rid, D("100.00"))
    with open_session(yuelu) as s:  # the district alone: none of its streets' rows
        assert api.published_results(s, period="2012-Q2") == []
