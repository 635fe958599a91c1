"""Rules of the assessment engine, shared by the pages, the JSON API and the demo data.

* Templates: registered by programs (``register_assessment_templates``) or built in the UI;
  stored as versions (:class:`~plugins.assessment.models.AssessmentTemplateVersion`).
* Rounds: ``draft → open → scoring → review → published`` (:data:`TRANSITIONS`); the
  template of a program is frozen into a stored version when the round is opened; a
  published round is immutable (service checks plus a flush guard in ``models``).
* Scores: assessors (``assessment:score``) while the round is in scoring; the target's
  secretary (``assessment:self``) enters the self-assessment while it is open — only on
  their own targets (:func:`own_target_ids`).
* Publication computes totals, grades and standard competition ranks, stores them on the
  sheets and calls ``on_round_published``.
* Appeals (申诉) on published sheets, resolved by staff.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from core import clock, periods, search
from core.db import utcnow
from core.forms import FormErrors
from core.plugins import registry
from core.registry.models import (
    Cluster,
    ClusterLeader,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from plugins.assessment.models import (
    AssessmentAppeal,
    AssessmentCriterion,
    AssessmentRound,
    AssessmentScore,
    AssessmentSheet,
    AssessmentTemplateVersion,
)
from plugins.assessment.results import published_round
from plugins.assessment.types import (
    BUILTIN_TARGET_KINDS,
    PERIOD_KINDS,
    SCORING_MODES,
    TARGET_KINDS,
    AssessmentTemplate,
    Criterion,
    GradeBand,
    Section,
    TargetKind,
    competition_ranks,
    quantize,
    template_value,
)

STATES = {"draft": "草稿", "open": "已开启（自评中）", "scoring": "评分中", "review": "待审核", "published": "已发布"}
APPEAL_STATUSES = {"pending": "待处理", "resolved": "已处理"}
APPEAL_OUTCOMES = {"upheld": "维持原结果", "accepted": "申诉成立，另行处理"}
SCORE_KINDS = {"assessor": "评分", "self": "自评"}
TARGET_MODES = {"all": "全部", "chosen": "指定对象"}


# --- state machine ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "open": Transition("开启考核", ("draft",), "open"),
    "start_scoring": Transition("开始评分", ("open",), "scoring"),
    "submit_review": Transition("提交审核", ("scoring",), "review"),
    "return_scoring": Transition("退回评分", ("review",), "scoring"),
    "publish": Transition("发布结果", ("review",), "published"),
}


def actions_for(state: str) -> list[tuple[str, Transition]]:
    return [(name, t) for name, t in TRANSITIONS.items() if state in t.sources]


def _refuse_state(rnd: AssessmentRound, what: str) -> FormErrors:
    return FormErrors({"state": f"当前状态为「{STATES.get(rnd.state, rnd.state)}」，不能{what}"})


# --- periods (core.periods: week, month, quarter, half_year, year) -----------------------------

Period = periods.Period


def period_of(kind: str, key: str) -> Period:
    """The period ``key`` of ``kind``; ``ValueError`` if it is not one (years 2000–2100)."""
    p = periods.parse(kind, key)
    if not 2000 <= p.year <= 2100:
        raise ValueError(key)
    return p


def period_label(kind: str, key: str) -> str:
    return periods.label(kind, key)


def period_parts(kind: str) -> list[tuple[str, str]]:
    """The choices after the year on the round form."""
    return periods.parts(kind)


def period_key(kind: str, year: str, part: str) -> str:
    return periods.join_key(kind, year, part)


def current_period(kind: str, on: dt.date) -> Period:
    return periods.containing(kind, on)


def previous_period(kind: str, on: dt.date) -> Period:
    """The last period of ``kind`` that ended before ``on``."""
    return periods.previous(kind, on)


# --- who may do what ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The principal: ``manage`` = assessment:write (staff), ``score`` = assessment:score
    (assessors), ``self_assess`` = assessment:self (org secretaries: own targets only)."""

    user_id: int | None
    username: str = ""
    manage: bool = False
    score: bool = False
    self_assess: bool = False

    @classmethod
    def of(cls, ctx) -> Access:
        return cls(ctx.user.id, ctx.user.username, ctx.can("assessment:write"), ctx.can("assessment:score"),
                   ctx.can("assessment:self"))

    @classmethod
    def system(cls, username: str = "system") -> Access:
        return cls(None, username, True, True, True)

    @property
    def own_only(self) -> bool:
        """Sees only the rounds and sheets of their own targets (an org secretary)."""
        return self.self_assess and not (self.manage or self.score)


def own_target_ids(session: Session, user_id: int | None, kind: str, on: dt.date | None = None) -> set[int]:
    """Targets of ``kind`` the user is the secretary of.

    organization: linked by ``UserOrganization``; party_org: party orgs covering those
    organizations; member: members working in them; cluster: clusters the user leads
    (an active ``ClusterLeader`` with their account) or whose lead organization is theirs.
    """
    if user_id is None:
        return set()
    orgs = select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id)
    if kind == "organization":
        return set(session.scalars(orgs))
    if kind == "party_org":
        return set(session.scalars(select(PartyOrgCoverage.party_org_id).where(
            PartyOrgCoverage.organization_id.in_(orgs))))
    if kind == "member":
        return set(session.scalars(select(Member.id).where(Member.organization_id.in_(orgs))))
    if kind == "cluster":
        on = on or clock.today()
        led = select(ClusterLeader.cluster_id).where(
            ClusterLeader.user_id == user_id, or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > on))
        return set(session.scalars(select(Cluster.id).where(
            or_(Cluster.id.in_(led), Cluster.lead_organization_id.in_(orgs)))))
    if kind not in BUILTIN_TARGET_KINDS:
        registered = registered_target_kinds(_home(session)).get(kind)
        if registered is not None and registered.own_ids is not None:
            return set(registered.own_ids(session, user_id))
    return set()


def is_own_sheet(session: Session, access: Access, sheet: AssessmentSheet) -> bool:
    return sheet.target_id in own_target_ids(session, access.user_id, sheet.target_kind)


def own_sheet_clause(session: Session, access: Access) -> Any:
    """SQL condition on :class:`AssessmentSheet`: the sheets this principal may see."""
    if not access.own_only:
        return true()
    parts = []
    for kind in TARGET_KINDS:
        ids = own_target_ids(session, access.user_id, kind)
        if ids:
            parts.append(and_(AssessmentSheet.target_kind == kind, AssessmentSheet.target_id.in_(ids)))
    return or_(*parts) if parts else false()


def get_round(session: Session, access: Access, round_id: int) -> AssessmentRound | None:
    """The round if it is the session's tenant's and this principal may see it (else ``None`` → 404)."""
    rnd = session.get(AssessmentRound, round_id)
    if rnd is None:
        return None
    if access.own_only:
        if rnd.state == "draft" or not session.scalar(select(AssessmentSheet.id).where(
                AssessmentSheet.round_id == rnd.id, own_sheet_clause(session, access)).limit(1)):
            return None
    return rnd


def get_sheet(session: Session, access: Access, sheet_id: int) -> AssessmentSheet | None:
    sheet = session.get(AssessmentSheet, sheet_id)
    if sheet is None:
        return None
    if access.own_only and (sheet.round.state == "draft" or not is_own_sheet(session, access, sheet)):
        return None
    return sheet


def get_appeal(session: Session, access: Access, appeal_id: int) -> AssessmentAppeal | None:
    appeal = session.get(AssessmentAppeal, appeal_id)
    if appeal is None or get_sheet(session, access, appeal.sheet_id) is None:
        return None
    return appeal


# --- targets -----------------------------------------------------------------------------------


def target_select(kind: str, cluster_type: str = "") -> Select:
    """(id, name) of the active targets of ``kind`` in the session's tenant."""
    if kind == "organization":
        return select(Organization.id, Organization.name).where(Organization.status == "operating").order_by(
            Organization.name, Organization.id)
    if kind == "party_org":
        return select(PartyOrg.id, PartyOrg.name).where(PartyOrg.dissolved_on.is_(None)).order_by(
            PartyOrg.name, PartyOrg.id)
    if kind == "cluster":
        stmt = select(Cluster.id, Cluster.name).where(Cluster.archived_on.is_(None))
        if cluster_type:
            stmt = stmt.where(Cluster.cluster_type == cluster_type)
        return stmt.order_by(Cluster.name, Cluster.id)
    if kind == "member":
        return select(Member.id, Member.name).where(Member.status.in_(("full", "probationary"))).order_by(
            Member.name, Member.id)
    raise ValueError(kind)


def registered_target_kinds(tenant) -> dict[str, TargetKind]:
    """Key → kind for the target kinds ``tenant``'s plugins register (``unit`` from the units block)."""
    out: dict[str, TargetKind] = {}
    if tenant is None:
        return out
    for batch in registry().hooks_for(tenant.id).register_assessment_target_kinds(tenant=tenant):
        for kind in batch or ():
            if kind.key not in BUILTIN_TARGET_KINDS:
                out.setdefault(kind.key, kind)
    return out


def kind_labels(tenant) -> dict[str, str]:
    """Target kind → label for ``tenant`` (the engine's and its plugins')."""
    labels = dict(TARGET_KINDS)
    labels.update({k: v.label for k, v in registered_target_kinds(tenant).items()})
    return type(TARGET_KINDS)(labels)


def _home(session: Session):
    from core.tenancy import tree

    return tree().by_id.get(session.info.get("tenant_id"))


def target_options(session: Session, kind: str, cluster_type: str = "") -> list[tuple[int, str]]:
    """(id, name) of the targets a round of the session's tenant may take.

    ``tenant``: the live tenants right below it (a district's streets); a registered kind
    (``unit`` …): its ``options``; none registered: nothing (a template for units in a tenant that
    runs no units block has no targets)."""
    if kind == "tenant":
        from core.tenancy import tree

        home = session.info.get("tenant_id")
        return [(t.id, t.name) for t in sorted(tree().children.get(home, []), key=lambda t: (t.name, t.id))
                if not t.archived]
    if kind not in BUILTIN_TARGET_KINDS:
        tenant = _home(session)
        registered = registered_target_kinds(tenant).get(kind)
        return [(int(i), str(n)) for i, n in registered.options(session, tenant)] if registered else []
    return [(i, n) for i, n in session.execute(target_select(kind, cluster_type))]


def all_targets(session: Session, kind: str, cluster_type: str = "") -> list[tuple[int, str]]:
    """What "all" means: every active target, except the street's two-new committee (a root
    committee heading other party orgs) — it coordinates the assessment rather than taking it.
    It can still be chosen explicitly."""
    options = target_options(session, kind, cluster_type)
    if kind != "party_org":
        return options
    from core.registry.services.party_orgs import root_party_org

    root = root_party_org(session)
    if root is None or root.org_type != "committee" or not session.scalar(
            select(PartyOrg.id).where(PartyOrg.parent_id == root.id).limit(1)):
        return options
    return [(i, n) for i, n in options if i != root.id]


def cluster_type_labels(tenant) -> dict[str, str]:
    from core.registry.services.clusters import cluster_types

    return {k: ct.label for k, ct in cluster_types(tenant).items()}


def target_href(kind: str, target_id: int, tenant=None) -> str:
    """Tenant-relative path of the page of a target ("" when it has none here: a tenant below is
    not a page of the round's tenant; a registered kind answers through its ``href``)."""
    pages = {"organization": "organizations", "party_org": "party-orgs", "cluster": "clusters", "member": "members"}
    if kind in pages:
        return f"{pages[kind]}/{target_id}"
    registered = registered_target_kinds(tenant).get(kind) if kind not in BUILTIN_TARGET_KINDS else None
    return (registered.href(target_id) or "") if registered is not None and registered.href else ""


# --- templates ---------------------------------------------------------------------------------


def registered_templates(tenant) -> dict[str, AssessmentTemplate]:
    """Key → template for every template ``tenant``'s enabled programs register (first wins)."""
    out: dict[str, AssessmentTemplate] = {}
    for batch in registry().hooks_for(tenant.id).register_assessment_templates(tenant=tenant):
        for t in batch or ():
            out.setdefault(t.key, t)
    return dict(sorted(out.items(), key=lambda kv: (kv[1].order, kv[1].label)))


def latest_version(session: Session, key: str) -> AssessmentTemplateVersion | None:
    return session.scalar(select(AssessmentTemplateVersion).where(AssessmentTemplateVersion.key == key)
                          .order_by(AssessmentTemplateVersion.version.desc()).limit(1))


def _fill(row: AssessmentTemplateVersion, tmpl: AssessmentTemplate) -> None:
    row.label, row.description = tmpl.label, tmpl.description
    row.target_kind, row.cluster_type, row.period_kind = tmpl.target_kind, tmpl.cluster_type, tmpl.period_kind
    row.scoring, row.scale_max, row.rating_max = tmpl.scoring, tmpl.scale_max, tmpl.rating_max
    row.precision, row.self_assessment = tmpl.precision, tmpl.self_assessment
    row.grade_bands = [[b.label, str(b.min_total)] for b in tmpl.grade_bands]
    row.fingerprint = tmpl.fingerprint()
    position = 0
    criteria = []
    for s in tmpl.sections:
        for c in s.criteria:
            position += 1
            criteria.append(AssessmentCriterion(
                position=position, section_key=s.key, section_label=s.label, key=c.key, label=c.label,
                max_points=quantize(c.max_points, 2), weight=quantize(c.weight, 4), evidence=c.evidence,
                description=c.description))
    row.criteria = criteria


def store_template(session: Session, tmpl: AssessmentTemplate, source: str = "program") -> AssessmentTemplateVersion:
    """The stored version of ``tmpl``: the latest one if its definition is unchanged, else a new one."""
    latest = latest_version(session, tmpl.key)
    if latest is not None and latest.fingerprint == tmpl.fingerprint():
        return latest
    row = AssessmentTemplateVersion(key=tmpl.key, version=(latest.version + 1) if latest else 1, source=source,
                                    archived=False)
    _fill(row, tmpl)
    session.add(row)
    session.flush()
    return row


def rounds_using(session: Session, template_ids: Iterable[int]) -> dict[int, int]:
    ids = list(template_ids)
    if not ids:
        return {}
    rows = session.execute(select(AssessmentRound.template_id, func.count(AssessmentRound.id))
                           .where(AssessmentRound.template_id.in_(ids)).group_by(AssessmentRound.template_id))
    return dict(rows.all())


@dataclass
class TemplateEntry:
    """A template as the list and the round form show it: registered, custom, or both stored."""

    key: str
    value: AssessmentTemplate
    source: str  # "program" | "custom"
    latest: AssessmentTemplateVersion | None
    rounds: int = 0

    @property
    def archived(self) -> bool:
        return self.source == "custom" and self.latest is not None and self.latest.archived


def template_entries(session: Session, tenant) -> dict[str, TemplateEntry]:
    """Every template of the tenant: its programs' registered ones, then custom ones (latest version)."""
    out: dict[str, TemplateEntry] = {}
    registered = registered_templates(tenant)
    latest_ids = select(AssessmentTemplateVersion.key, func.max(AssessmentTemplateVersion.version)).group_by(
        AssessmentTemplateVersion.key)
    latest = {k: v for k, v in session.execute(latest_ids)}
    rows = {r.key: r for r in session.scalars(select(AssessmentTemplateVersion)) if latest.get(r.key) == r.version}
    counts = dict(session.execute(
        select(AssessmentRound.template_key, func.count(AssessmentRound.id)).group_by(AssessmentRound.template_key)
    ).all())
    for key, tmpl in registered.items():
        out[key] = TemplateEntry(key, tmpl, "program", rows.get(key), counts.get(key, 0))
    for key, row in sorted(rows.items(), key=lambda kv: (kv[1].label, kv[0])):
        if key not in out and row.source == "custom":
            out[key] = TemplateEntry(key, template_value(row), "custom", row, counts.get(key, 0))
    return out


def template_entry(session: Session, tenant, key: str) -> TemplateEntry | None:
    return template_entries(session, tenant).get(key)


# --- custom templates (built in the UI) ----------------------------------------------------------

BAND_LINE = re.compile(r"^(?P<label>.+?)\s*(?:[:：≥>=＞]+|\s)\s*(?P<min>-?\d+(?:\.\d+)?)$")


def _number(text: str, *, places: int = 2) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != quantize(value, places):
        return None
    return value


def parse_bands(text: str) -> tuple[list[GradeBand], str | None]:
    """``优秀 90`` per line (or ``优秀：90``, ``优秀≥90``) → bands; or the first error (Chinese)."""
    out: list[GradeBand] = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        m = BAND_LINE.match(line)
        value = _number(m.group("min")) if m else None
        if not m or value is None or value < 0:
            return [], f"第 {n} 行：请按「等次 最低分」填写，如「良好 75」"
        label = m.group("label").strip()
        if len(label) > 20:
            return [], f"第 {n} 行：等次名称最多 20 个字符"
        if any(b.label == label for b in out):
            return [], f"第 {n} 行：等次「{label}」重复"
        if any(b.min_total == value for b in out):
            return [], f"第 {n} 行：最低分 {value} 与其他等次相同"
        out.append(GradeBand(label, value))
    if not out:
        return [], "请至少填写一个等次"
    return sorted(out, key=lambda b: b.min_total, reverse=True), None


def bands_text(bands: Iterable[GradeBand]) -> str:
    return "\n".join(f"{b.label} {b.min_total}" for b in bands)


def parse_criteria(text: str, scoring: str) -> tuple[list[Section], str | None]:
    """The criteria textarea → sections, or the first error (Chinese).

    ``【一级指标】`` (or ``# 一级指标``) starts a section; ``名称 | 分值 | 佐证材料要求`` is a
    criterion (the number is the weight under weighted scoring; the evidence is optional).
    """
    what = "权重" if scoring == "weighted" else "分值"
    sections: list[tuple[str, list[Criterion]]] = []
    count = 0
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#") or (line.startswith("【") and line.endswith("】")):
            label = line.lstrip("#").strip().strip("【】").strip()
            if not label:
                return [], f"第 {n} 行：请填写一级指标名称"
            if len(label) > 200:
                return [], f"第 {n} 行：一级指标名称最多 200 个字符"
            sections.append((label, []))
            continue
        parts = [p.strip() for p in re.split(r"[|｜]", line)]
        if len(parts) < 2 or len(parts) > 3 or not parts[0]:
            return [], f"第 {n} 行：请按「名称 | {what} | 佐证材料要求」填写"
        if len(parts[0]) > 300:
            return [], f"第 {n} 行：指标名称最多 300 个字符"
        value = _number(parts[1], places=2 if scoring == "points" else 4)
        if value is None or value <= 0:
            return [], f"第 {n} 行：{what}须为大于 0 的数字（{'最多两位小数' if scoring == 'points' else '最多四位小数'}）"
        if value > 10000:
            return [], f"第 {n} 行：{what}不能大于 10000"
        if not sections:
            sections.append(("考核内容", []))
        count += 1
        evidence = parts[2] if len(parts) == 3 else ""
        sections[-1][1].append(Criterion(
            f"c{count}", parts[0], value if scoring == "points" else Decimal(0),
            value if scoring == "weighted" else Decimal(0), evidence))
    if count == 0:
        return [], "请至少填写一项考核指标"
    if count > 200:
        return [], "考核指标最多 200 项"
    empty = [label for label, items in sections if not items]
    if empty:
        return [], f"一级指标「{empty[0]}」下没有考核指标"
    return [Section(f"s{i}", label, tuple(items)) for i, (label, items) in enumerate(sections, start=1)], None


def criteria_text(tmpl: AssessmentTemplate) -> str:
    lines = []
    for s in tmpl.sections:
        lines.append(f"【{s.label}】")
        for c in s.criteria:
            number = c.max_points if tmpl.scoring == "points" else c.weight.normalize()
            lines.append(" | ".join([c.label, str(number)] + ([c.evidence] if c.evidence else [])))
    return "\n".join(lines)


TEMPLATE_FIELDS = ("label", "description", "target_kind", "cluster_type", "period_kind", "scoring", "scale_max",
                   "rating_max", "precision", "self_assessment", "grade_bands", "criteria")


def template_form(tmpl: AssessmentTemplate | None = None) -> dict[str, str]:
    if tmpl is None:
        from plugins.assessment.types import DEFAULT_GRADE_BANDS

        return {"label": "", "description": "", "target_kind": "party_org", "cluster_type": "",
                "period_kind": "quarter", "scoring": "points", "scale_max": "100", "rating_max": "100",
                "precision": "2", "self_assessment": "", "grade_bands": bands_text(DEFAULT_GRADE_BANDS),
                "criteria": ""}
    return {"label": tmpl.label, "description": tmpl.description, "target_kind": tmpl.target_kind,
            "cluster_type": tmpl.cluster_type, "period_kind": tmpl.period_kind, "scoring": tmpl.scoring,
            "scale_max": str(tmpl.scale_max.normalize()), "rating_max": str(tmpl.rating_max.normalize()),
            "precision": str(tmpl.precision), "self_assessment": "1" if tmpl.self_assessment else "",
            "grade_bands": bands_text(tmpl.grade_bands), "criteria": criteria_text(tmpl)}


def clean_template(raw: Mapping[str, Any], key: str, cluster_types: Mapping[str, str]) -> AssessmentTemplate:
    """A custom template from form/API input; ``FormErrors`` (field → Chinese message) if invalid."""
    def text(name: str) -> str:
        value = raw.get(name)
        return "" if value is None else str(value).strip()

    errors: dict[str, str] = {}
    label = text("label")
    if not label:
        errors["label"] = "请填写模板名称"
    elif len(label) > 200:
        errors["label"] = "模板名称最多 200 个字符"
    description = text("description")
    if len(description) > 5000:
        errors["description"] = "说明最多 5000 个字符"
    target_kind = text("target_kind")
    if target_kind not in TARGET_KINDS:
        errors["target_kind"] = "请选择考核对象类型"
    cluster_type = text("cluster_type") if target_kind == "cluster" else ""
    if cluster_type and cluster_type not in cluster_types:
        errors["cluster_type"] = "组团类型不存在或未启用"
    period_kind = text("period_kind")
    if period_kind not in PERIOD_KINDS:
        errors["period_kind"] = "请选择考核周期"
    scoring = text("scoring") or "points"
    if scoring not in SCORING_MODES:
        errors["scoring"] = "请选择计分方式"
    scale_max = rating_max = Decimal(100)
    if scoring == "weighted":
        for name, what in (("scale_max", "满分"), ("rating_max", "单项评分上限")):
            value = _number(text(name) or "100")
            if value is None or value <= 0 or value > 10000:
                errors[name] = f"{what}须为 0–10000 之间的数字（最多两位小数）"
            elif name == "scale_max":
                scale_max = value
            else:
                rating_max = value
    precision_text = text("precision") or "2"
    precision = int(precision_text) if precision_text in ("0", "1", "2") else None
    if precision is None:
        errors["precision"] = "总分保留小数位须为 0、1 或 2"
    self_assessment = text("self_assessment") in ("1", "true", "on", "True")
    grade_bands, err = parse_bands(text("grade_bands"))
    if err:
        errors["grade_bands"] = err
    sections, err = parse_criteria(text("criteria"), scoring if scoring in SCORING_MODES else "points")
    if err:
        errors["criteria"] = err
    if errors:
        raise FormErrors(errors)
    return AssessmentTemplate(
        key=key, label=label, description=description, target_kind=target_kind, cluster_type=cluster_type,
        period_kind=period_kind, scoring=scoring, scale_max=scale_max, rating_max=rating_max,
        precision=precision, self_assessment=self_assessment, grade_bands=tuple(grade_bands),
        sections=tuple(sections))


def create_custom_template(session: Session, tenant, raw: Mapping[str, Any]) -> AssessmentTemplateVersion:
    key = f"custom-{secrets.token_hex(4)}"
    tmpl = clean_template(raw, key, cluster_type_labels(tenant))
    return store_template(session, tmpl, source="custom")


def update_custom_template(session: Session, tenant, row: AssessmentTemplateVersion,
                           raw: Mapping[str, Any]) -> AssessmentTemplateVersion:
    """Save changes; a version already used by a round is kept and the change becomes a new version."""
    if row.source != "custom":
        raise FormErrors({"__all__": "项目注册的模板由项目插件维护，不能在此修改；可复制为自定义模板"})
    latest = latest_version(session, row.key)
    if latest is not None and latest.id != row.id:
        raise FormErrors({"__all__": f"这是第 {row.version} 版，请修改最新的第 {latest.version} 版"})
    tmpl = clean_template(raw, row.key, cluster_type_labels(tenant))
    if tmpl.fingerprint() == row.fingerprint:
        return row
    if rounds_using(session, [row.id]).get(row.id):
        return store_template(session, tmpl, source="custom")
    row.criteria.clear()  # delete the old criteria before inserting the new (unique keys)
    session.flush()
    _fill(row, tmpl)
    session.flush()
    return row


def copy_template(session: Session, tenant, entry: TemplateEntry) -> AssessmentTemplateVersion:
    """A new custom template with the same definition (to adapt a program's template)."""
    form = template_form(entry.value)
    form["label"] = f"{entry.value.label}（副本）"[:200]
    return create_custom_template(session, tenant, form)


def set_template_archived(session: Session, row: AssessmentTemplateVersion, archived: bool) -> None:
    if row.source != "custom":
        raise FormErrors({"__all__": "项目注册的模板不能停用；停用相应项目插件即可"})
    for version in session.scalars(select(AssessmentTemplateVersion).where(AssessmentTemplateVersion.key == row.key)):
        version.archived = archived
    session.flush()


# --- rounds ----------------------------------------------------------------------------------


@dataclass
class RoundFilter:
    q: str = ""
    state: str = ""
    template: str = ""
    period_kind: str = ""
    year: str = ""

    def query(self) -> dict[str, str]:
        return {"q": self.q, "state": self.state, "template": self.template, "period_kind": self.period_kind,
                "year": self.year}


def round_select(session: Session, access: Access, f: RoundFilter) -> Select:
    stmt = select(AssessmentRound)
    if f.q:
        stmt = stmt.where(search.matches(f.q, AssessmentRound.title))
    if f.state in STATES:
        stmt = stmt.where(AssessmentRound.state == f.state)
    if f.template:
        stmt = stmt.where(AssessmentRound.template_key == f.template)
    if f.period_kind in PERIOD_KINDS:
        stmt = stmt.where(AssessmentRound.period_kind == f.period_kind)
    if f.year.isdigit() and len(f.year) == 4:
        year = int(f.year)
        stmt = stmt.where(AssessmentRound.period_start <= dt.date(year, 12, 31),
                          AssessmentRound.period_end >= dt.date(year, 1, 1))
    if access.own_only:
        stmt = stmt.where(AssessmentRound.state != "draft", exists(
            select(AssessmentSheet.id).where(AssessmentSheet.round_id == AssessmentRound.id,
                                             own_sheet_clause(session, access))))
    return stmt.order_by(AssessmentRound.period_start.desc(), AssessmentRound.id.desc())


def _clean_targets(session: Session, kind: str, cluster_type: str, mode: str, ids: Iterable[Any],
                   errors: dict[str, str]) -> list[tuple[int, str]]:
    if mode == "all":
        options = all_targets(session, kind, cluster_type)
        if not options:
            errors["targets"] = f"本辖区没有可考核的{kind_labels(_home(session))[kind]}"
        return options
    options = target_options(session, kind, cluster_type)
    if mode != "chosen":
        errors["target_mode"] = "请选择考核对象范围"
        return []
    names = dict(options)
    chosen: list[int] = []
    for raw in ids:
        try:
            value = int(str(raw).strip())
        except ValueError:
            errors["targets"] = "考核对象编号无效"
            return []
        if value not in names:
            errors["targets"] = f"考核对象 {value} 不存在或不可考核"
            return []
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        errors["targets"] = "请至少选择一个考核对象"
    return [(i, names[i]) for i in chosen]


def create_round(session: Session, tenant, raw: Mapping[str, Any]) -> AssessmentRound:
    """A draft round with a sheet per target. ``raw``: template (key), title, period
    ("2026-Q3", or period_year + period_part), target_mode (all/chosen), targets (ids),
    cluster_type (clusters, when the template does not fix one), note."""
    def text(name: str) -> str:
        value = raw.get(name)
        if isinstance(value, list):
            value = value[-1] if value else ""
        return "" if value is None else str(value).strip()

    errors: dict[str, str] = {}
    entry = template_entry(session, tenant, text("template"))
    if entry is None or entry.archived:
        raise FormErrors({"template": "请选择考核模板"})
    tmpl = entry.value
    key = text("period") or period_key(tmpl.period_kind, text("period_year"), text("period_part"))
    try:
        period = period_of(tmpl.period_kind, key)
    except ValueError:
        period = None
        errors["period"] = f"请选择有效的{PERIOD_KINDS[tmpl.period_kind]}考核期间"
    title = text("title") or (f"{period.label}{tmpl.label}" if period else "")
    if len(title) > 200:
        errors["title"] = "名称最多 200 个字符"
    note = text("note")
    if len(note) > 5000:
        errors["note"] = "说明最多 5000 个字符"
    cluster_type = tmpl.cluster_type
    if tmpl.target_kind == "cluster" and not cluster_type:
        cluster_type = text("cluster_type")
        if cluster_type and cluster_type not in cluster_type_labels(tenant):
            errors["cluster_type"] = "组团类型不存在或未启用"
    ids = raw.get("targets") or []
    if not isinstance(ids, (list, tuple)):
        ids = [ids]
    targets = _clean_targets(session, tmpl.target_kind, cluster_type, text("target_mode") or "chosen", ids, errors)
    if errors:
        raise FormErrors(errors)
    version = store_template(session, tmpl) if entry.source == "program" else entry.latest
    rnd = AssessmentRound(
        template_id=version.id, template_key=tmpl.key, title=title, target_kind=tmpl.target_kind,
        cluster_type=cluster_type, period_kind=tmpl.period_kind, period=period.key, period_start=period.start,
        period_end=period.end, state="draft", note=note, published_by="")
    session.add(rnd)
    session.flush()
    for target_id, name in targets:
        session.add(_sheet(rnd, target_id, name))
    session.flush()
    return rnd


def _sheet(rnd: AssessmentRound, target_id: int, name: str) -> AssessmentSheet:
    return AssessmentSheet(round_id=rnd.id, target_kind=rnd.target_kind, target_id=target_id,
                           target_name=name[:200], comment="", self_comment="", grade="")


def add_targets(session: Session, rnd: AssessmentRound, ids: Iterable[Any]) -> int:
    """Add targets to a draft round; returns how many were new."""
    if rnd.state != "draft":
        raise _refuse_state(rnd, "调整考核对象")
    errors: dict[str, str] = {}
    targets = _clean_targets(session, rnd.target_kind, rnd.cluster_type, "chosen", ids, errors)
    if errors:
        raise FormErrors(errors)
    have = set(session.scalars(select(AssessmentSheet.target_id).where(AssessmentSheet.round_id == rnd.id)))
    added = 0
    for target_id, name in targets:
        if target_id not in have:
            session.add(_sheet(rnd, target_id, name))
            added += 1
    session.flush()
    return added


def remove_sheet(session: Session, rnd: AssessmentRound, sheet: AssessmentSheet) -> None:
    if rnd.state != "draft":
        raise _refuse_state(rnd, "调整考核对象")
    session.delete(sheet)
    session.flush()


def delete_round(session: Session, rnd: AssessmentRound) -> None:
    if rnd.state != "draft":
        raise _refuse_state(rnd, "删除（只能删除草稿）")
    for sheet in session.scalars(select(AssessmentSheet).where(AssessmentSheet.round_id == rnd.id)):
        session.delete(sheet)
    session.delete(rnd)
    session.flush()


def sheets_of(session: Session, rnd: AssessmentRound) -> list[AssessmentSheet]:
    return list(session.scalars(select(AssessmentSheet).where(AssessmentSheet.round_id == rnd.id)
                                .order_by(AssessmentSheet.target_name, AssessmentSheet.id)))


def _refresh_program_template(session: Session, tenant, rnd: AssessmentRound) -> None:
    """On opening: freeze the program's current definition into the round (a draft follows it)."""
    if rnd.template.source != "program":
        return
    tmpl = registered_templates(tenant).get(rnd.template_key)
    if tmpl is None or tmpl.fingerprint() == rnd.template.fingerprint:
        return
    if tmpl.target_kind != rnd.target_kind or tmpl.period_kind != rnd.period_kind:
        raise FormErrors({"state": "项目已修改该模板的考核对象类型或周期，请删除本草稿后重新建立"})
    rnd.template_id = store_template(session, tmpl).id
    session.flush()
    session.expire(rnd, ["template"])


def transition(session: Session, tenant, rnd: AssessmentRound, action: str) -> AssessmentRound:
    """Apply ``action`` (a key of :data:`TRANSITIONS`); refused with a Chinese message, changing nothing."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise FormErrors({"state": "未知的操作"})
    if rnd.state not in t.sources:
        raise _refuse_state(rnd, t.label)
    sheets = sheets_of(session, rnd)
    if action == "open":
        if not sheets:
            raise FormErrors({"state": "请先添加考核对象"})
        _refresh_program_template(session, tenant, rnd)
        rnd.opened_at = utcnow()
    if action in ("submit_review", "publish"):
        incomplete = [s.target_name for s in sheets if sheet_state(session, rnd, s).total is None]
        if incomplete:
            names = "、".join(incomplete[:5]) + ("等" if len(incomplete) > 5 else "")
            raise FormErrors({"state": f"还有 {len(incomplete)} 个对象未评完分：{names}"})
    if action == "publish":
        return _publish(session, tenant, rnd, sheets)
    rnd.state = t.target
    session.flush()
    return rnd


# --- scores ----------------------------------------------------------------------------------


@dataclass
class SheetState:
    """A sheet's live figures: entries by criterion id, totals (``None`` while incomplete)."""

    scores: dict[int, AssessmentScore] = field(default_factory=dict)
    self_scores: dict[int, AssessmentScore] = field(default_factory=dict)
    total: Decimal | None = None
    self_total: Decimal | None = None
    scored: int = 0
    criteria: int = 0

    @property
    def complete(self) -> bool:
        return self.total is not None


def _state_from(tmpl: AssessmentTemplate, criteria: list[AssessmentCriterion], scores: Iterable[AssessmentScore]
                ) -> SheetState:
    out = SheetState(criteria=len(criteria))
    for s in scores:
        (out.scores if s.kind == "assessor" else out.self_scores)[s.criterion_id] = s
    keys = {c.id: c.key for c in criteria}
    out.scored = sum(1 for cid in out.scores if cid in keys)
    out.total = tmpl.total({keys[cid]: s.value for cid, s in out.scores.items() if cid in keys})
    out.self_total = tmpl.total({keys[cid]: s.value for cid, s in out.self_scores.items() if cid in keys})
    return out


def sheet_state(session: Session, rnd: AssessmentRound, sheet: AssessmentSheet) -> SheetState:
    scores = session.scalars(select(AssessmentScore).where(AssessmentScore.sheet_id == sheet.id))
    return _state_from(template_value(rnd.template), rnd.template.criteria, scores)


def sheet_states(session: Session, rnd: AssessmentRound, sheets: list[AssessmentSheet]) -> dict[int, SheetState]:
    """Live figures of several sheets of one round in one query."""
    tmpl, criteria = template_value(rnd.template), rnd.template.criteria
    by_sheet: dict[int, list[AssessmentScore]] = {s.id: [] for s in sheets}
    if by_sheet:
        for score in session.scalars(select(AssessmentScore).where(AssessmentScore.sheet_id.in_(list(by_sheet)))):
            by_sheet[score.sheet_id].append(score)
    return {sid: _state_from(tmpl, criteria, scores) for sid, scores in by_sheet.items()}


def _value(text: str, maximum: Decimal) -> tuple[Decimal | None, str | None]:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, "须为数字"
    if not value.is_finite():
        return None, "须为数字"
    if value != quantize(value, 2):
        return None, "最多两位小数"
    if value < 0:
        return None, "不能小于 0"
    if value > maximum:
        return None, f"不能超过 {maximum.normalize():f} 分"
    return value, None


def save_scores(session: Session, access: Access, sheet: AssessmentSheet, entries: Mapping[int, tuple[Any, Any]],
                kind: str = "assessor", comment: str | None = None) -> SheetState:
    """Enter values for ``sheet``: criterion id → (value text, evidence text); a blank value
    clears the entry. All-or-nothing: any error (field ``score_<id>`` / ``evidence_<id>``)
    and nothing is written. ``kind`` "assessor" needs the round in scoring and
    ``assessment:score``; "self" needs the round open, a template with self-assessment and
    the principal to be the target's secretary (or staff)."""
    rnd = sheet.round
    if kind == "assessor":
        if not (access.score or access.manage):
            raise FormErrors({"__all__": "没有评分权限"})
        if rnd.state != "scoring":
            raise _refuse_state(rnd, "评分（评分须在「评分中」状态进行）")
    elif kind == "self":
        if not rnd.template.self_assessment:
            raise FormErrors({"__all__": "该考核模板不设自评"})
        if not (access.manage or (access.self_assess and is_own_sheet(session, access, sheet))):
            raise FormErrors({"__all__": "只能填写本组织的自评"})
        if rnd.state != "open":
            raise _refuse_state(rnd, "填写自评（自评须在「已开启」状态进行）")
    else:
        raise ValueError(kind)
    tmpl = template_value(rnd.template)
    criteria = {c.id: c for c in rnd.template.criteria}
    errors: dict[str, str] = {}
    clean: dict[int, tuple[Decimal | None, str]] = {}
    for cid, (value_text, evidence_text) in entries.items():
        c = criteria.get(cid)
        if c is None:
            errors[f"score_{cid}"] = "考核指标不存在"
            continue
        value_text = "" if value_text is None else str(value_text).strip()
        evidence = "" if evidence_text is None else str(evidence_text).strip()
        if len(evidence) > 2000:
            errors[f"evidence_{cid}"] = "佐证材料说明最多 2000 个字符"
        if not value_text:
            clean[cid] = (None, evidence)
            continue
        value, err = _value(value_text, c.max_points if tmpl.scoring == "points" else tmpl.rating_max)
        if err:
            errors[f"score_{cid}"] = err
        elif c.evidence and not evidence:
            errors[f"evidence_{cid}"] = f"请填写佐证材料（要求：{c.evidence}）"
        clean[cid] = (value, evidence)
    comment = None if comment is None else comment.strip()
    if comment is not None and len(comment) > 5000:
        errors["comment"] = "评语最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    existing = {s.criterion_id: s for s in session.scalars(
        select(AssessmentScore).where(AssessmentScore.sheet_id == sheet.id, AssessmentScore.kind == kind))}
    for cid, (value, evidence) in clean.items():
        row = existing.get(cid)
        if value is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            session.add(AssessmentScore(sheet_id=sheet.id, criterion_id=cid, kind=kind, value=value,
                                        evidence=evidence, scored_by_id=access.user_id, scored_by=access.username))
        elif row.value != value or row.evidence != evidence:
            row.value, row.evidence = value, evidence
            row.scored_by_id, row.scored_by = access.user_id, access.username
    if kind == "self":
        sheet.self_submitted_at = utcnow()
        if comment is not None:
            sheet.self_comment = comment
    elif comment is not None and comment != sheet.comment:
        sheet.comment = comment
    session.flush()
    return sheet_state(session, rnd, sheet)


def save_scores_by_key(session: Session, access: Access, sheet: AssessmentSheet, values: Mapping[str, Any],
                       kind: str = "assessor", comment: str | None = None) -> SheetState:
    """:func:`save_scores` with criteria named by key: ``{"venue": "18.5"}`` or
    ``{"venue": ("18.5", "阵地照片 3 张")}``. Unknown keys → ``FormErrors`` (``scores.<key>``)."""
    ids = {c.key: c.id for c in sheet.round.template.criteria}
    unknown = [k for k in values if k not in ids]
    if unknown:
        raise FormErrors({f"scores.{k}": "考核指标不存在" for k in unknown})
    entries = {ids[k]: (v if isinstance(v, tuple) else (v, "")) for k, v in values.items()}
    return save_scores(session, access, sheet, entries, kind, comment)


# --- ranking and publication -------------------------------------------------------------------


@dataclass
class RankRow:
    sheet: AssessmentSheet
    total: Decimal | None
    self_total: Decimal | None
    grade: str
    rank: int | None
    scored: int
    criteria: int


def ranking(session: Session, rnd: AssessmentRound, sheets: list[AssessmentSheet] | None = None) -> list[RankRow]:
    """The ranking of a round: stored results once published, else computed live (complete
    sheets ranked; incomplete ones last, without rank). Ordered by rank, then name."""
    sheets = sheets_of(session, rnd) if sheets is None else sheets
    states = sheet_states(session, rnd, sheets)
    if rnd.state == "published":
        rows = [RankRow(s, s.total, s.self_total, s.grade, s.rank, states[s.id].scored, states[s.id].criteria)
                for s in sheets]
    else:
        tmpl = template_value(rnd.template)
        complete = [s for s in sheets if states[s.id].total is not None]
        ranks = dict(zip((s.id for s in complete), competition_ranks([states[s.id].total for s in complete]), strict=False))
        rows = [RankRow(s, states[s.id].total, states[s.id].self_total, tmpl.grade(states[s.id].total),
                        ranks.get(s.id), states[s.id].scored, states[s.id].criteria) for s in sheets]
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.sheet.target_name, r.sheet.id))


def _publish(session: Session, tenant, rnd: AssessmentRound, sheets: list[AssessmentSheet]) -> AssessmentRound:
    tmpl = template_value(rnd.template)
    states = sheet_states(session, rnd, sheets)
    ranks = competition_ranks([states[s.id].total for s in sheets])
    for sheet, rank in zip(sheets, ranks, strict=False):
        st = states[sheet.id]
        sheet.total, sheet.self_total = st.total, st.self_total
        sheet.grade, sheet.rank = tmpl.grade(st.total), rank
    rnd.state = "published"
    rnd.published_at = utcnow()
    rnd.published_by = session.info.get("username", "") or ""
    session.flush()  # one flush: the guard lets sheets change only with the round's own publication
    registry().hooks_for(tenant.id).on_round_published(session=session, tenant=tenant,
                                                       round=published_round(session, rnd.id))
    return rnd


# --- appeals -----------------------------------------------------------------------------------


def appeals_of(session: Session, rnd: AssessmentRound, sheet_ids: Iterable[int] | None = None
               ) -> list[AssessmentAppeal]:
    stmt = select(AssessmentAppeal).where(AssessmentAppeal.round_id == rnd.id)
    if sheet_ids is not None:
        stmt = stmt.where(AssessmentAppeal.sheet_id.in_(list(sheet_ids)))
    return list(session.scalars(stmt.order_by(AssessmentAppeal.status.desc(), AssessmentAppeal.created_at.desc(),
                                              AssessmentAppeal.id.desc())))


def pending_appeals(session: Session, round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    return dict(session.execute(
        select(AssessmentAppeal.round_id, func.count(AssessmentAppeal.id))
        .where(AssessmentAppeal.round_id.in_(round_ids), AssessmentAppeal.status == "pending")
        .group_by(AssessmentAppeal.round_id)).all())


def submit_appeal(session: Session, access: Access, sheet: AssessmentSheet, body: str) -> AssessmentAppeal:
    """The target's secretary (or staff on its behalf) objects to a published result."""
    rnd = sheet.round
    if rnd.state != "published":
        raise FormErrors({"body": "考核结果发布后才能提出申诉"})
    if not (access.manage or (access.self_assess and is_own_sheet(session, access, sheet))):
        raise FormErrors({"body": "只能对本组织的考核结果提出申诉"})
    body = (body or "").strip()
    if not body:
        raise FormErrors({"body": "请填写申诉理由"})
    if len(body) > 2000:
        raise FormErrors({"body": "申诉理由最多 2000 个字符"})
    if session.scalar(select(AssessmentAppeal.id).where(AssessmentAppeal.sheet_id == sheet.id,
                                                        AssessmentAppeal.status == "pending")):
        raise FormErrors({"body": "该对象已有待处理的申诉，请等待处理结果"})
    appeal = AssessmentAppeal(round_id=rnd.id, sheet_id=sheet.id, body=body, submitted_by_id=access.user_id,
                              submitted_by=access.username, status="pending", outcome="", resolution="",
                              resolved_by="")
    session.add(appeal)
    session.flush()
    return appeal


def resolve_appeal(session: Session, access: Access, appeal: AssessmentAppeal, outcome: str,
                   resolution: str) -> AssessmentAppeal:
    """Staff record how an appeal was handled; the published result itself never changes."""
    if not access.manage:
        raise FormErrors({"resolution": "没有处理申诉的权限"})
    if appeal.status != "pending":
        raise FormErrors({"resolution": f"当前状态为「{APPEAL_STATUSES[appeal.status]}」，不能再次处理"})
    errors = {}
    outcome = (outcome or "").strip()
    resolution = (resolution or "").strip()
    if outcome not in APPEAL_OUTCOMES:
        errors["outcome"] = "请选择处理结果"
    if not resolution:
        errors["resolution"] = "请填写处理意见"
    elif len(resolution) > 2000:
        errors["resolution"] = "处理意见最多 2000 个字符"
    if errors:
        raise FormErrors(errors)
    appeal.status, appeal.outcome, appeal.resolution = "resolved", outcome, resolution
    appeal.resolved_by, appeal.resolved_at = access.username, utcnow()
    session.flush()
    return appeal
