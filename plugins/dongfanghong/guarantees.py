"""DFH-5 五大保障: venue acceptance (阵地 一/二/三类), party dues handed in, and the funds the
program grants — group budgets, 组长/副组长 stipends, start-up funds and venue subsidies for new party
orgs, secretary post allowances and full dues refunds — computed from registry facts and the
plugin's settings and proposed into the funds ledger through the funds engine's service API.

The entitlement rules are pure (:func:`entitlements`); :func:`propose` writes budget lines and
``requested`` disbursements (source ``dongfanghong``, ``source_key`` per entitlement) so finance
approves and pays them in the funds plugin as usual. Proposing is idempotent: what was already
proposed (in any status, a rejection included) is subtracted, only a shortfall is proposed again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors
from core.registry import choices
from core.registry.models import Cluster, ClusterLeader, PartyOrg
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import DuesRecord, VenueCheck

VENUE_CLASSES = choices.VENUE_CLASSES  # {1: 一类阵地, 2: 二类阵地, 3: 三类阵地}; 一类 is the highest
CHECK_STATUSES = {"applied": "待验收", "passed": "已通过", "failed": "未通过"}
VENUE_STATES = {"accepted": "已验收", "pending": "待验收", "failed": "未通过待整改", "none": "未申报"}
#: an application waiting longer than this for its acceptance is a gap
PENDING_DAYS = 60
SOURCE = "dongfanghong"


# --- venues (阵地保障) -----------------------------------------------------------------------------


def venue_state(venue_class: int | None, accepted_on: dt.date | None, latest: VenueCheck | None,
                founded_on: dt.date | None, today: dt.date) -> tuple[str, list[str]]:
    """(state, gaps) of one party org's venue. Pure.

    pending: the latest application waits (a gap after :data:`PENDING_DAYS` days); accepted: the
    registry has a class (a gap when its acceptance date is missing, or when a later upgrade
    failed); failed: the latest application failed and no venue is accepted; none: nothing yet.
    """
    gaps: list[str] = []
    if latest is not None and latest.status == "applied":
        waited = (today - latest.applied_on).days
        if waited > PENDING_DAYS:
            gaps.append(f"申报{VENUE_CLASSES.get(latest.target_class, '')}已 {waited} 天未验收")
        return "pending", gaps
    if venue_class:
        if accepted_on is None:
            gaps.append("缺验收日期")
        if latest is not None and latest.status == "failed" and (accepted_on is None or latest.applied_on >= accepted_on):
            gaps.append(f"升级{VENUE_CLASSES.get(latest.target_class, '')}未通过，待整改")
        return "accepted", gaps
    if latest is not None and latest.status == "failed":
        return "failed", ["验收未通过，待整改"]
    if founded_on is not None and founded_on.year == today.year:
        return "none", ["新建党组织尚无验收阵地"]
    return "none", ["尚无验收阵地"]


@dataclass
class VenueRow:
    party_org_id: int
    name: str
    group: str
    venue_class: int | None
    accepted_on: dt.date | None
    founded_on: dt.date | None
    latest: VenueCheck | None
    state: str
    gaps: list[str]
    group_id: int | None = None


def latest_checks(session: Session, party_org_ids: Iterable[int]) -> dict[int, VenueCheck]:
    ids = list(party_org_ids)
    out: dict[int, VenueCheck] = {}
    if not ids:
        return out
    for c in session.scalars(select(VenueCheck).where(VenueCheck.party_org_id.in_(ids))
                             .order_by(VenueCheck.applied_on, VenueCheck.id)):
        out[c.party_org_id] = c
    return out


def venue_rows(session: Session, visible: set[int] | None, today: dt.date, q: str = "", venue_class: str = "",
               state: str = "", group_id: int | None = None, gaps_only: bool = False) -> list[VenueRow]:
    from plugins.dongfanghong.projects import group_of_party_orgs

    infos = svc.two_new_party_orgs(session)
    if visible is not None:
        infos = [p for p in infos if p.id in visible]
    ids = [p.id for p in infos]
    pos = {p.id: p for p in session.scalars(select(PartyOrg).where(PartyOrg.id.in_(ids or [0])))}
    groups = group_of_party_orgs(session)
    checks = latest_checks(session, ids)
    rows = []
    for info in infos:
        po = pos[info.id]
        st, gaps = venue_state(po.venue_class, po.venue_accepted_on, checks.get(po.id), po.founded_on, today)
        rows.append(VenueRow(po.id, po.name, groups[po.id].name if po.id in groups else "", po.venue_class,
                             po.venue_accepted_on, po.founded_on, checks.get(po.id), st, gaps,
                             groups[po.id].id if po.id in groups else None))
    if q:
        rows = [r for r in rows if q in r.name]
    if venue_class in ("1", "2", "3"):
        rows = [r for r in rows if r.venue_class == int(venue_class)]
    elif venue_class == "none":
        rows = [r for r in rows if not r.venue_class]
    if state in VENUE_STATES:
        rows = [r for r in rows if r.state == state]
    if group_id:
        rows = [r for r in rows if r.party_org_id in groups and groups[r.party_org_id].id == group_id]
    if gaps_only:
        rows = [r for r in rows if r.gaps]
    rows.sort(key=lambda r: (not r.gaps, r.venue_class or 9, r.group_id is None, r.group_id or 0, r.name,
                             r.party_org_id))
    return rows


def venue_summary(rows: Iterable[VenueRow]) -> dict[str, int]:
    out = {"1": 0, "2": 0, "3": 0, "none": 0, "pending": 0, "gaps": 0, "total": 0}
    for r in rows:
        out["total"] += 1
        out[str(r.venue_class) if r.venue_class in (1, 2, 3) else "none"] += 1
        out["pending"] += int(r.state == "pending")
        out["gaps"] += int(bool(r.gaps))
    return out


VENUE_HEADERS = ["党组织", "联组", "阵地类别", "验收日期", "最近申报", "申报日期", "申报状态", "状态", "缺口"]


def venue_export_rows(rows: Iterable[VenueRow]) -> list[list[Any]]:
    return [[r.name, r.group, VENUE_CLASSES.get(r.venue_class, "未评定") if r.venue_class else "未评定", r.accepted_on,
             VENUE_CLASSES.get(r.latest.target_class, "") if r.latest else "", r.latest.applied_on if r.latest else None,
             CHECK_STATUSES.get(r.latest.status, "") if r.latest else "", VENUE_STATES[r.state], "、".join(r.gaps)]
            for r in rows]


CHECK_FIELDS = [
    FieldSpec("applied_on", "申报日期", "date", required=True),
    FieldSpec("note", "说明", "text", max_length=500),
]


def apply_venue_check(session: Session, raw: Mapping[str, Any], visible: set[int] | None = None,
                      today: dt.date | None = None) -> VenueCheck:
    """Register an application for the acceptance of a party org's venue as class 1/2/3. One
    waiting application per party org; an org with an accepted venue may only apply for a higher
    class (一类 is the highest)."""
    from plugins.dongfanghong.projects import party_org_field

    today = today or clock.today()
    values, errors = clean(CHECK_FIELDS, raw)
    po = party_org_field(session, raw.get("party_org_id"), visible, errors)
    ref = str(raw.get("target_class") or "").strip()
    target = int(ref) if ref in ("1", "2", "3") else None
    if target is None:
        errors["target_class"] = "申报类别：请选择一类、二类或三类阵地"
    if values.get("applied_on") and values["applied_on"] > today:
        errors["applied_on"] = "申报日期：不能晚于今天"
    if po is not None:
        waiting = session.scalar(select(VenueCheck.id).where(VenueCheck.party_org_id == po.id,
                                                             VenueCheck.status == "applied"))
        if waiting:
            errors["party_org_id"] = f"党组织：「{po.name}」已有待验收的申报，请先登记验收结果"
        elif target is not None and po.venue_class and target >= po.venue_class:
            errors["target_class"] = (f"申报类别：「{po.name}」已是{VENUE_CLASSES[po.venue_class]}，"
                                      "只能申报更高类别（一类最高）")
    if errors:
        raise FormErrors(errors)
    row = VenueCheck(party_org_id=po.id, target_class=target, applied_on=values["applied_on"], status="applied",
                     note=values.get("note") or "")
    session.add(row)
    session.flush()
    return row


def decide_venue_check(session: Session, access: Any, check: VenueCheck, action: str, raw: Mapping[str, Any],
                       today: dt.date | None = None) -> VenueCheck:
    """pass / fail an application (验收日期 not before the application nor in the future, 验收人
    required; a failure needs a reason). Passing writes the class and date to the party org through
    the registry service (``access``: a registry Access with ``registry:write``)."""
    from core.registry.schemas import parse_date
    from core.registry.services import party_orgs as posvc

    today = today or clock.today()
    if check.status != "applied" or action not in ("pass", "fail"):
        raise FormErrors({"action": f"当前状态为「{CHECK_STATUSES.get(check.status, check.status)}」，不能执行此操作"})
    errors: dict[str, str] = {}
    text = str(raw.get("decided_on") or "").strip()
    decided = parse_date(text) if text else today
    if decided is None:
        errors["decided_on"] = "验收日期：日期格式应为 2024-03-01"
    elif decided > today:
        errors["decided_on"] = "验收日期：不能晚于今天"
    elif decided < check.applied_on:
        errors["decided_on"] = "验收日期：不能早于申报日期"
    inspector = str(raw.get("inspector") or "").strip()
    if not inspector:
        errors["inspector"] = "验收人：必填"
    elif len(inspector) > 50:
        errors["inspector"] = "验收人：最多 50 个字符"
    note = str(raw.get("note") or "").strip()
    if action == "fail" and not note:
        errors["note"] = "整改意见：验收未通过时必须填写"
    elif len(note) > 500:
        errors["note"] = "说明：最多 500 个字符"
    if errors:
        raise FormErrors(errors)
    check.status = "passed" if action == "pass" else "failed"
    check.decided_on, check.inspector = decided, inspector
    if note:
        check.note = note
    if action == "pass":
        po = session.get(PartyOrg, check.party_org_id)
        posvc.update_party_org(session, access, po, {"venue_class": str(check.target_class),
                                                     "venue_accepted_on": decided.isoformat()}, partial=True)
    session.flush()
    return check


def checks_of(session: Session, party_org_id: int) -> list[VenueCheck]:
    return list(session.scalars(select(VenueCheck).where(VenueCheck.party_org_id == party_org_id)
                                .order_by(VenueCheck.applied_on.desc(), VenueCheck.id.desc())))


def pending_checks(session: Session, visible: set[int] | None) -> list[VenueCheck]:
    stmt = select(VenueCheck).where(VenueCheck.status == "applied")
    if visible is not None:
        stmt = stmt.where(VenueCheck.party_org_id.in_(visible or [0]))
    return list(session.scalars(stmt.order_by(VenueCheck.applied_on, VenueCheck.id)))


# --- party dues (党费) -----------------------------------------------------------------------------


def record_dues(session: Session, raw: Mapping[str, Any], today: dt.date | None = None) -> DuesRecord:
    """The dues a party org handed in for a year (registering the same org and year again updates
    it). Amount in yuan, exact to the fen."""
    from plugins.dongfanghong.projects import party_org_field
    from plugins.funds.api import parse_yuan

    today = today or clock.today()
    errors: dict[str, str] = {}
    po = party_org_field(session, raw.get("party_org_id"), None, errors)
    year_text = str(raw.get("year") or "").strip()
    year = int(year_text) if year_text.isdigit() else 0
    if not 2000 <= year <= today.year:
        errors["year"] = f"年度：请填写 2000–{today.year} 之间的年份"
    amount = 0
    try:
        amount = parse_yuan(raw.get("amount"))
    except ValueError as exc:
        errors["amount"] = f"上缴党费（元）：{exc}"
    note = str(raw.get("note") or "").strip()
    if len(note) > 200:
        errors["note"] = "备注：最多 200 个字符"
    if errors:
        raise FormErrors(errors)
    row = session.scalar(select(DuesRecord).where(DuesRecord.party_org_id == po.id, DuesRecord.year == year))
    if row is None:
        row = DuesRecord(party_org_id=po.id, year=year, amount_fen=amount, note=note)
        session.add(row)
    else:
        row.amount_fen, row.note = amount, note
    session.flush()
    return row


def dues_select(year: int | None = None, q: str = "") -> Select:
    stmt = select(DuesRecord).join(PartyOrg, PartyOrg.id == DuesRecord.party_org_id)
    if year:
        stmt = stmt.where(DuesRecord.year == year)
    if q:
        stmt = stmt.where(search.matches(q, PartyOrg.name))
    return stmt.order_by(DuesRecord.year.desc(), PartyOrg.name, DuesRecord.id)


# --- funds: entitlements (pure) ------------------------------------------------------------------


@dataclass(frozen=True)
class FundKind:
    label: str  # also the title of the budget line the proposals go to
    category: str  # funds.api.CATEGORIES
    target_kind: str  # cluster | party_org
    line_only: bool = False  # a budget line, no disbursement (the group's yearly work budget)


FUND_KINDS = {
    "group_budget": FundKind("联组年度工作经费", "work", "cluster", line_only=True),
    "stipend": FundKind("正、副联组长工作补贴", "subsidy", "cluster"),
    "startup": FundKind("新建党组织启动经费", "startup", "party_org"),
    "venue": FundKind("阵地建设补助经费", "venue", "party_org"),
    "secretary": FundKind("党组织书记岗位补贴", "subsidy", "party_org"),
    "dues_refund": FundKind("党费全额返还", "dues_refund", "party_org"),
}


@dataclass(frozen=True)
class PartyOrgFact:
    id: int
    name: str
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    secretary_name: str = ""
    venue_class: int | None = None
    venue_accepted_on: dt.date | None = None


@dataclass(frozen=True)
class LeaderFact:
    id: int
    title: str  # leader | deputy
    person_name: str


@dataclass(frozen=True)
class GroupFact:
    id: int
    name: str
    leaders: tuple[LeaderFact, ...] = ()


@dataclass(frozen=True)
class Entitlement:
    kind: str
    target_kind: str
    target_id: int
    target_name: str
    amount_fen: int
    basis: str
    payee: str
    sub: int = 0  # the leader for a stipend, else 0

    def key(self, year: int) -> str:
        return f"{SOURCE}.{self.kind}:{year}:{self.target_id}:{self.sub}"


def entitlements(party_orgs: Iterable[PartyOrgFact], groups: Iterable[GroupFact], dues: Mapping[int, int],
                 year: int, settings: Any) -> list[Entitlement]:
    """What the program grants for ``year`` (amounts from the plugin settings, fen):

    * every joint group: its yearly work budget (``group_budget_fen``), and a stipend per current
      组长 (``leader_stipend_fen``) and 副组长 (``deputy_stipend_fen``);
    * a party org founded in ``year``: start-up funds (``startup_fund_fen``);
    * a party org whose venue passed its acceptance (一/二/三类) in ``year``: the venue subsidy
      (``venue_subsidy_fen``);
    * a new party org (founded in the last ``new_org_years`` years, ``year`` included) with a
      secretary: the secretary's post allowance (``secretary_allowance_fen``);
    * a party org that handed in dues for ``year``: all of it back (党费全额返还).

    Party orgs dissolved before ``year`` get nothing; amounts of 0 give no entitlement.
    """
    out: list[Entitlement] = []
    s = settings
    for g in groups:
        if s.group_budget_fen > 0:
            out.append(Entitlement("group_budget", "cluster", g.id, g.name, s.group_budget_fen,
                                   f"{year}年度工作经费", g.name))
        for ld in g.leaders:
            amount = s.leader_stipend_fen if ld.title == "leader" else s.deputy_stipend_fen
            label = "组长" if ld.title == "leader" else "副组长"
            if amount > 0 and ld.title in ("leader", "deputy"):
                out.append(Entitlement("stipend", "cluster", g.id, g.name, amount, f"{label} {ld.person_name}",
                                       ld.person_name, sub=ld.id))
    start = dt.date(year, 1, 1)
    for p in party_orgs:
        if p.dissolved_on is not None and p.dissolved_on < start:
            continue
        if p.founded_on is not None and p.founded_on.year == year and s.startup_fund_fen > 0:
            out.append(Entitlement("startup", "party_org", p.id, p.name, s.startup_fund_fen,
                                   f"{p.founded_on.isoformat()} 成立", p.name))
        if p.venue_class and p.venue_accepted_on is not None and p.venue_accepted_on.year == year \
                and s.venue_subsidy_fen > 0:
            out.append(Entitlement("venue", "party_org", p.id, p.name, s.venue_subsidy_fen,
                                   f"{VENUE_CLASSES.get(p.venue_class, '')}，{p.venue_accepted_on.isoformat()} 验收",
                                   p.name))
        if p.secretary_name and p.founded_on is not None and year - s.new_org_years < p.founded_on.year <= year \
                and s.secretary_allowance_fen > 0:
            out.append(Entitlement("secretary", "party_org", p.id, p.name, s.secretary_allowance_fen,
                                   f"书记 {p.secretary_name}（{p.founded_on.year} 年成立）", p.secretary_name))
        if dues.get(p.id, 0) > 0:
            out.append(Entitlement("dues_refund", "party_org", p.id, p.name, dues[p.id], f"{year}年上缴党费",
                                   p.name))
    return out


# --- funds: facts from the database, status, proposing --------------------------------------------


def facts(session: Session, year: int) -> tuple[list[PartyOrgFact], list[GroupFact], dict[int, int]]:
    infos = {p.id for p in svc.two_new_party_orgs(session)}
    # dissolved party orgs are not in two_new_party_orgs; those dissolved during the year still count
    dissolved = set(session.scalars(select(PartyOrg.id).where(PartyOrg.dissolved_on >= dt.date(year, 1, 1),
                                                              PartyOrg.parent_id.is_not(None))))
    pos = [PartyOrgFact(p.id, p.name, p.founded_on, p.dissolved_on, p.secretary_name or "", p.venue_class,
                        p.venue_accepted_on)
           for p in session.scalars(select(PartyOrg).where(PartyOrg.id.in_(list(infos | dissolved) or [0]))
                                    .order_by(PartyOrg.name, PartyOrg.id))]
    groups = svc.joint_groups(session)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    leaders: dict[int, list[LeaderFact]] = defaultdict(list)
    if groups:
        for ld in session.scalars(select(ClusterLeader).where(
                ClusterLeader.cluster_id.in_([g.id for g in groups]),
                or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > start),
                or_(ClusterLeader.appointed_on.is_(None), ClusterLeader.appointed_on <= end))
                .order_by(ClusterLeader.id)):
            leaders[ld.cluster_id].append(LeaderFact(ld.id, ld.title, ld.person_name))
    gfacts = [GroupFact(g.id, g.name, tuple(leaders[g.id])) for g in groups]
    dues = dict(session.execute(select(DuesRecord.party_org_id, DuesRecord.amount_fen)
                                .where(DuesRecord.year == year)).all())
    return pos, gfacts, {k: int(v) for k, v in dues.items()}


@dataclass
class EntitlementRow:
    entitlement: Entitlement
    handled_fen: int = 0  # proposed in any status (for a group budget: budgeted)
    statuses: list[str] = field(default_factory=list)

    @property
    def outstanding_fen(self) -> int:
        return max(self.entitlement.amount_fen - self.handled_fen, 0)

    @property
    def status(self) -> str:
        if FUND_KINDS[self.entitlement.kind].line_only:
            if not self.handled_fen:
                return "未列入预算"
            return "部分列入预算" if self.outstanding_fen else "已列入预算"
        if not self.statuses:
            return "未申请"
        if self.outstanding_fen:
            return "部分申请"
        for s, label in (("requested", "待审批"), ("approved", "已批准"), ("paid", "已拨付")):
            if s in self.statuses:
                return label
        return "已驳回"


def status_rows(session: Session, year: int, ents: list[Entitlement]) -> list[EntitlementRow]:
    from plugins.funds.api import BudgetLine, Disbursement

    rows = [EntitlementRow(e) for e in ents]
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, amount, status in session.execute(
            select(Disbursement.source_key, Disbursement.amount_fen, Disbursement.status)
            .where(Disbursement.source == SOURCE, Disbursement.source_key.like(f"{SOURCE}.%:{year}:%"))):  # a key pattern, not a search
        found[key.split("#", 1)[0]].append((int(amount), status))
    budgets: dict[int, int] = defaultdict(int)
    for target_id, amount in session.execute(
            select(BudgetLine.target_id, BudgetLine.amount_fen).where(
                BudgetLine.year == year, BudgetLine.target_kind == "cluster", BudgetLine.category == "work")):
        budgets[target_id] += int(amount)
    for r in rows:
        e = r.entitlement
        if FUND_KINDS[e.kind].line_only:
            r.handled_fen = budgets.get(e.target_id, 0)
        else:
            hits = found.get(e.key(year), [])
            r.handled_fen = sum(a for a, _ in hits)
            r.statuses = [s for _, s in hits]
    return rows


def fund_rows(session: Session, year: int, settings: Any) -> list[EntitlementRow]:
    pos, groups, dues = facts(session, year)
    return status_rows(session, year, entitlements(pos, groups, dues, year, settings))


@dataclass
class KindSummary:
    kind: str
    label: str
    count: int = 0
    amount_fen: int = 0
    handled_fen: int = 0
    outstanding: int = 0  # entitlements with something left to propose

    @property
    def outstanding_fen(self) -> int:
        return max(self.amount_fen - self.handled_fen, 0)


def summarize(rows: Iterable[EntitlementRow]) -> list[KindSummary]:
    out = {k: KindSummary(k, v.label) for k, v in FUND_KINDS.items()}
    for r in rows:
        s = out[r.entitlement.kind]
        s.count += 1
        s.amount_fen += r.entitlement.amount_fen
        s.handled_fen += min(r.handled_fen, r.entitlement.amount_fen)
        s.outstanding += int(r.outstanding_fen > 0)
    return list(out.values())


def _line_for(session: Session, tenant, year: int, e: Entitlement, need_fen: int):
    """The target's budget line for this kind and year: created with what is needed, or raised by the
    shortfall (the program's settings are the budget authority for its entitlements)."""
    from plugins.funds import api as funds

    BudgetLine = funds.BudgetLine
    kind = FUND_KINDS[e.kind]
    line = session.scalar(select(BudgetLine).where(
        BudgetLine.year == year, BudgetLine.target_kind == e.target_kind, BudgetLine.target_id == e.target_id,
        BudgetLine.category == kind.category, BudgetLine.title == kind.label).order_by(BudgetLine.id).limit(1))
    if line is None:
        return funds.create_line(session, tenant, {
            "year": str(year), "target_kind": e.target_kind, "target_id": str(e.target_id),
            "category": kind.category, "title": kind.label, "amount": funds.yuan_plain(need_fen),
            "note": "由红色“联”动力经费保障规则生成"})
    if kind.line_only:  # a budget: raise it by what is missing
        return funds.set_line_amount(session, line, {"amount": funds.yuan_plain(line.amount_fen + need_fen)})
    shortfall = need_fen - funds.remaining_fen(session, line)
    if shortfall > 0:
        funds.set_line_amount(session, line, {"amount": funds.yuan_plain(line.amount_fen + shortfall)})
    return line


def propose(session: Session, tenant, year: int, kind: str, settings: Any, today: dt.date,
            username: str = "") -> int:
    """Propose into the funds ledger what is outstanding for ``kind`` in ``year``: budget lines for
    group budgets, ``requested`` disbursements for the rest. Returns how many entitlements were
    proposed (0: nothing outstanding)."""
    from plugins.funds import api as funds

    Disbursement = funds.Disbursement
    if kind not in FUND_KINDS:
        raise FormErrors({"kind": "经费类别：请选择有效的类别"})
    if not 2000 <= year <= today.year + 1:
        raise FormErrors({"year": f"年度：请填写 2000–{today.year + 1} 之间的年份"})
    rows = [r for r in fund_rows(session, year, settings) if r.entitlement.kind == kind and r.outstanding_fen > 0]
    n = 0
    for r in rows:
        e, need = r.entitlement, r.outstanding_fen
        if FUND_KINDS[kind].line_only:
            _line_for(session, tenant, year, e, need)
            n += 1
            continue
        line = _line_for(session, tenant, year, e, need)
        base = e.key(year)
        count = len(list(session.scalars(select(Disbursement.id).where(
            Disbursement.source == SOURCE, or_(Disbursement.source_key == base,
                                               Disbursement.source_key.like(base + "#%"))))))
        funds.request_disbursement(
            session, line, {"amount": funds.yuan_plain(need), "purpose": f"{FUND_KINDS[kind].label}：{e.basis}"[:200],
                            "payee": e.payee[:200]}, today, username or "系统（经费保障规则）", source=SOURCE,
            source_key=base if count == 0 else f"{base}#{count + 1}")
        n += 1
    session.flush()
    return n


FUND_HEADERS = ["类别", "对象", "依据", "收款方", "应拨（元）", "已申请/已列入（元）", "待申请（元）", "状态"]


def fund_export_rows(rows: Iterable[EntitlementRow]) -> list[list[Any]]:
    from decimal import Decimal

    return [[FUND_KINDS[r.entitlement.kind].label, r.entitlement.target_name, r.entitlement.basis, r.entitlement.payee,
             Decimal(r.entitlement.amount_fen) / 100, Decimal(min(r.handled_fen, r.entitlement.amount_fen)) / 100,
             Decimal(r.outstanding_fen) / 100, r.status] for r in rows]


def group_names(session: Session) -> dict[int, str]:
    return {g.id: g.name for g in session.scalars(select(Cluster).where(Cluster.cluster_type == svc.JOINT_GROUP))}
