"""Points ledgers (积分): entries per member under the tenant's rule set (chosen in the settings
from the sets plugins register through ``register_points_rule_sets``), appeals, yearly totals,
rankings per party org, and the grade fed into an assessment round (member targets) through the
assessment engine's public api."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors, text
from core.plugins import registry
from core.registry.models import Member, PartyOrg
from plugins.membership.models import DuesProfile, PointsEntry
from plugins.membership.scope import Scope
from plugins.membership.types import MEMBER_CLASSES, PointsRuleSet


def parse_grades(value: str) -> tuple[tuple[str, int], ...]:
    """``"五星:12,四星:10,一星:0"`` → ``(("五星", 12), ("四星", 10), ("一星", 0))``, best first.
    Empty → ``()`` (the rule set's own grades). Raises ``ValueError`` in Chinese."""
    value = (value or "").replace("，", ",").replace("：", ":").strip()
    if not value:
        return ()
    out: list[tuple[str, int]] = []
    for part in value.split(","):
        label, sep, number = part.strip().partition(":")
        label, number = label.strip(), number.strip()
        if not sep or not label or not number.lstrip("-").isdigit():
            raise ValueError(f"星级分档格式应为「五星:12,四星:10」，「{part.strip()}」无法识别")
        out.append((label, int(number)))
    minimums = [m for _l, m in out]
    if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
        raise ValueError("星级分档须从高到低排列，分数线各不相同")
    return tuple(out)


def rule_sets(tenant) -> dict[str, PointsRuleSet]:
    """Every rule set ``tenant``'s enabled plugins register (``register_points_rule_sets``)."""
    found: dict[str, PointsRuleSet] = {}
    for batch in registry().hooks_for(tenant.id).register_points_rule_sets(tenant=tenant):
        for rs in batch or ():
            found.setdefault(rs.key, rs)
    return found


def chosen_rule_set(tenant, settings) -> PointsRuleSet | None:
    """The tenant's rule set (setting ``points_rule_set``); ``None`` if no plugin registers it."""
    return rule_sets(tenant).get(settings.points_rule_set)


def grades_of(rs: PointsRuleSet, settings) -> tuple[tuple[str, int], ...]:
    """The tenant's grade limits (setting ``star_grades``) or the rule set's own."""
    return parse_grades(settings.star_grades) or rs.grades


def max_points(rs: PointsRuleSet) -> int:
    """The top of the scale an assessment round scores on: the yearly base of a deduction scheme
    (金华: 12), else 100."""
    return rs.base if rs.base and all(r.points <= 0 for r in rs.rules) else 100


# --- the ledger ---------------------------------------------------------------------------------


def member_class(session: Session, member: Member) -> str:
    """长沙's member class: as set on the member's dues profile, else 流动 for a mobile member,
    离退休 for a retired one, 在职 otherwise."""
    p = session.scalar(select(DuesProfile).where(DuesProfile.member_id == member.id))
    if p is not None and p.member_class in MEMBER_CLASSES:
        return p.member_class
    if member.mobile:
        return "mobile"
    return "retired" if p is not None and p.category == "retired" else "employed"


def set_member_class(session: Session, member: Member, value: str) -> None:
    if value and value not in MEMBER_CLASSES:
        raise FormErrors({"member_class": "党员类别：请选择"})
    p = session.scalar(select(DuesProfile).where(DuesProfile.member_id == member.id))
    if p is None:
        p = DuesProfile(member_id=member.id)
        session.add(p)
    p.member_class = value
    session.flush()


def add_entry(session: Session, rs: PointsRuleSet, member: Member, raw: Mapping[str, Any], actor: str
              ) -> PointsEntry:
    """One entry under ``rs``: ``rule`` (a key of the set that applies to the member's class),
    ``on`` (date, not in the future), ``evidence`` (required for a deduction)."""
    errors: dict[str, str] = {}
    rule = rs.rule(text(raw, "rule"))
    if rule is None:
        errors["rule"] = "积分规则：请选择"
    elif rule.classes and member_class(session, member) not in rule.classes:
        cls = MEMBER_CLASSES[member_class(session, member)]
        errors["rule"] = f"积分规则：「{rule.label}」不适用于{cls}"
    on_text = text(raw, "on")
    on = None
    try:
        on = dt.date.fromisoformat(on_text) if on_text else clock.today()
        if on > clock.today():
            errors["on"] = "日期：不能晚于今天"
    except ValueError:
        errors["on"] = "日期：格式应为 2026-03-01"
    evidence = text(raw, "evidence")
    if rule is not None and rule.points < 0 and not evidence:
        errors["evidence"] = "依据：扣分须写明事实依据"
    if len(evidence) > 2000:
        errors["evidence"] = "依据：最多 2000 个字符"
    if errors:
        raise FormErrors(errors)
    entry = PointsEntry(member_id=member.id, rule_set=rs.key, rule_key=rule.key, rule_label=rule.label,
                        points=rule.points, on=on, year=on.year, evidence=evidence, recorded_by=actor)
    session.add(entry)
    session.flush()
    return entry


def appeal(session: Session, entry: PointsEntry, raw: Mapping[str, Any]) -> PointsEntry:
    """申诉 an entry: the reason; while pending or after it is granted the entry does not count."""
    if entry.appeal_state:
        raise FormErrors({"appeal_text": "该积分记录已申诉过"})
    reason = text(raw, "appeal_text")
    if not reason:
        raise FormErrors({"appeal_text": "申诉理由：必填"})
    entry.appeal_state, entry.appeal_text = "pending", reason[:2000]
    session.flush()
    return entry


def resolve_appeal(session: Session, entry: PointsEntry, raw: Mapping[str, Any]) -> PointsEntry:
    """``outcome``: ``granted`` (申诉成立: the entry no longer counts) or ``upheld`` (维持)."""
    if entry.appeal_state != "pending":
        raise FormErrors({"outcome": "没有待处理的申诉"})
    outcome = text(raw, "outcome")
    if outcome not in ("granted", "upheld"):
        raise FormErrors({"outcome": "处理结果：请选择申诉成立或维持"})
    entry.appeal_state, entry.appeal_reply = outcome, text(raw, "appeal_reply")[:2000]
    session.flush()
    return entry


def counts(entry: PointsEntry) -> bool:
    return entry.appeal_state not in ("pending", "granted")


def entries(session: Session, member_id: int, year: int | None = None) -> list[PointsEntry]:
    stmt = select(PointsEntry).where(PointsEntry.member_id == member_id)
    if year:
        stmt = stmt.where(PointsEntry.year == year)
    return list(session.scalars(stmt.order_by(PointsEntry.on.desc(), PointsEntry.id.desc())))


@dataclass
class Total:
    member: Member
    party_org_name: str
    total: int
    deducted: int
    added: int
    grade: str
    rank: int = 0


def totals(session: Session, scope: Scope, rs: PointsRuleSet, year: int, settings, party_org_id: int | None = None
           ) -> list[Total]:
    """Every member's yearly total (base + counted entries of ``rs``), grade and rank within their
    party org (standard competition ranking: 1, 2, 2, 4), ordered by party org then rank."""
    stmt = select(Member).where(Member.status.in_(("probationary", "full")), Member.party_org_id.is_not(None))
    clause = scope.member_clause()
    if clause is not None:
        stmt = stmt.where(clause)
    if party_org_id:
        stmt = stmt.where(Member.party_org_id == party_org_id)
    members = list(session.scalars(stmt.limit(20000)))
    ids = [m.id for m in members] or [-1]
    sums: dict[int, list[int]] = {}
    for e in session.scalars(select(PointsEntry).where(PointsEntry.member_id.in_(ids), PointsEntry.year == year,
                                                       PointsEntry.rule_set == rs.key)):
        if counts(e):
            s = sums.setdefault(e.member_id, [0, 0])
            s[0 if e.points < 0 else 1] += e.points
    names = dict(session.execute(select(PartyOrg.id, PartyOrg.name)).all())
    grades = grades_of(rs, settings)
    out = []
    for m in members:
        minus, plus = sums.get(m.id, [0, 0])
        total = rs.base + minus + plus
        out.append(Total(m, names.get(m.party_org_id, ""), total, -minus, plus, rs.grade_for(max(total, 0), grades)))
    out.sort(key=lambda t: (t.party_org_name, -t.total, t.member.name))
    for _po, group in groupby(out, key=lambda t: t.party_org_name):
        group = list(group)
        for t in group:
            t.rank = 1 + sum(1 for o in group if o.total > t.total)
    return out


# --- the grade in an assessment round -------------------------------------------------------------

TEMPLATE_KEY = "membership.points_grade"


def assessment_template(rs: PointsRuleSet, settings):
    """The member-target yearly template whose one criterion is the year's points."""
    from plugins.assessment.api import AssessmentTemplate, Criterion, GradeBand, Section

    top = max_points(rs)
    return AssessmentTemplate(
        key=TEMPLATE_KEY, label=f"党员积分评定（{rs.label}）", target_kind="member", period_kind="year",
        sections=(Section("points", "党员积分", (Criterion("year_points", "年度积分", top,
                                                              description="由党员积分台账自动填入"),)),),
        grade_bands=tuple(GradeBand(label, minimum) for label, minimum in grades_of(rs, settings)),
        precision=0, description="年度积分由「党员积分」台账计算后填入，等级按积分规则的分档评定。", order=200)


def fill_round(session: Session, tenant, rs: PointsRuleSet, settings, year: int, actor: str) -> Any:
    """The year's round of :data:`TEMPLATE_KEY` (created for every member, or the existing one),
    moved to scoring and filled with each member's yearly total from the ledger (clamped to the
    scale). The round is then reviewed and published in the assessment pages."""
    from core.plugins import registry
    from plugins.assessment import api as assessment

    if not registry().is_enabled(tenant.id, "assessment"):
        raise FormErrors({"__all__": "本辖区未启用「考核评议」，无法把积分等级送入考核"})
    rnd = session.scalar(select(assessment.AssessmentRound).where(
        assessment.AssessmentRound.template_key == TEMPLATE_KEY, assessment.AssessmentRound.period == str(year),
        assessment.AssessmentRound.state != "published").order_by(assessment.AssessmentRound.id.desc()).limit(1))
    if rnd is None:
        rnd = assessment.create_round(session, tenant, {"template": TEMPLATE_KEY, "period": str(year),
                                                        "target_mode": "all",
                                                        "title": f"{year}年度党员积分评定"})
    if rnd.state == "draft":
        assessment.transition(session, tenant, rnd, "open")
    if rnd.state == "open":
        assessment.transition(session, tenant, rnd, "start_scoring")
    if rnd.state != "scoring":
        raise FormErrors({"__all__": f"{rnd.title}正在审核，不能再填入积分"})
    by_member = {t.member.id: t for t in totals(session, Scope(None), rs, year, settings)}
    top = max_points(rs)
    access = assessment.system_access(actor)
    for sheet in assessment.sheets_of(session, rnd):
        t = by_member.get(sheet.target_id)
        value = min(max(t.total if t else rs.base, 0), top)
        note = f"积分台账：扣 {t.deducted} 分，加 {t.added} 分" if t else "积分台账：无记录"
        assessment.save_scores(session, access, sheet, {"year_points": (str(value), note)})
    session.flush()
    return rnd
