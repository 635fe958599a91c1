"""DFH-5 五大保障: party dues handed in (the membership block's 上缴 record), and the funds the
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

from core.forms import FormErrors
from core.registry import choices
from core.registry.models import Cluster, ClusterLeader, Organization, PartyOrg, PartyOrgCoverage
from plugins.dongfanghong import service as svc
from plugins.dongfanghong import venues

VENUE_CLASSES = choices.VENUE_CLASSES  # {1: 一类阵地, 2: 二类阵地, 3: 三类阵地}; the order is a setting
SOURCE = "dongfanghong"


# --- party dues (党费): the membership block's 上缴 record ------------------------------------------


def record_dues(session: Session, raw: Mapping[str, Any], today: dt.date | None = None):
    """The dues a party org handed in for a year (registering the same org and year again updates
    it), kept in the membership block's dues ledger (``membership_dues_remittances``)."""
    from plugins.membership import api as membership

    return membership.record_remittance(session, raw, today)


def dues_select(year: int | None = None, q: str = "") -> Select:
    from plugins.membership import api as membership

    return membership.remittance_select(year, q)


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
    "startup": FundKind("新建企业党组织启动经费", "startup", "party_org"),
    "venue": FundKind("新建企业党组织阵地建设补助经费", "venue", "party_org"),
    "secretary": FundKind("党组织书记岗位补贴", "subsidy", "party_org"),
    "demo_venue": FundKind("市、区示范性阵地配套补助及奖励", "venue", "party_org"),
    "dues_refund": FundKind("党费全额返还", "dues_refund", "party_org"),
}


@dataclass(frozen=True)
class PartyOrgFact:
    id: int
    name: str
    founded_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    secretary_name: str = ""
    venue_class: int | None = None  # of the venue acceptance passed in the year (checklists), else None
    venue_accepted_on: dt.date | None = None
    enterprise: bool = False  # covers a 非公企业 (not only social organizations)
    demo_levels: tuple[tuple[str, dt.date], ...] = ()  # 示范性阵地 titles awarded in the year: (level, date)


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


def is_new(founded_on: dt.date | None, year: int, settings: Any) -> bool:
    """Founded within the tenant's ``new_org_years`` ending with ``year`` (1: in ``year`` itself).
    The seed says 新建 without a period: the window is a setting."""
    return founded_on is not None and year - settings.new_org_years < founded_on.year <= year


def entitlements(party_orgs: Iterable[PartyOrgFact], groups: Iterable[GroupFact], dues: Mapping[int, int],
                 year: int, settings: Any) -> list[Entitlement]:
    """What the program grants for ``year`` (amounts from the plugin settings, fen):

    * every joint group: its yearly work budget (``group_budget_fen``), and a stipend per current
      组长 (``leader_stipend_fen``) and 副组长 (``deputy_stipend_fen``);
    * a **new enterprise** party org (000: 对新建企业党组织给予启动经费、阵地建设补助经费、党组织书记岗位补贴 —
      a party org covering a 非公企业; one covering only social organizations gets none of these;
      new: founded within ``new_org_years``, a setting, default the founding year): start-up
      funds (``startup_fund_fen``) in its founding year; the venue subsidy (``venue_subsidy_fen``)
      in the year its venue passed acceptance (the checklist); the secretary's post allowance
      (``secretary_allowance_fen``) while new, when it has a secretary;
    * a party org whose venue was titled 示范性党群活动阵地 at 区级 / 市级 in ``year``: the matching
      subsidy and reward (市、区示范性阵地配套补助及奖励; ``demo_venue_district_fen`` /
      ``demo_venue_city_fen``, settings — the amounts are the district's and city's);
    * a party org that handed in dues for ``year`` (the membership block's 上缴 record): all of it
      back (党费全额返还).

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
    demo_amounts = {"district": s.demo_venue_district_fen, "city": s.demo_venue_city_fen}
    for p in party_orgs:
        if p.dissolved_on is not None and p.dissolved_on < start:
            continue
        new = p.enterprise and is_new(p.founded_on, year, s)
        if new and p.founded_on.year == year and s.startup_fund_fen > 0:
            out.append(Entitlement("startup", "party_org", p.id, p.name, s.startup_fund_fen,
                                   f"新建企业党组织，{p.founded_on.isoformat()} 成立", p.name))
        if new and p.venue_class and p.venue_accepted_on is not None and p.venue_accepted_on.year == year \
                and s.venue_subsidy_fen > 0:
            out.append(Entitlement("venue", "party_org", p.id, p.name, s.venue_subsidy_fen,
                                   f"{VENUE_CLASSES.get(p.venue_class, '')}，{p.venue_accepted_on.isoformat()} 验收通过",
                                   p.name))
        if new and p.secretary_name and s.secretary_allowance_fen > 0:
            out.append(Entitlement("secretary", "party_org", p.id, p.name, s.secretary_allowance_fen,
                                   f"书记 {p.secretary_name}（{p.founded_on.year} 年成立）", p.secretary_name))
        for level, awarded in sorted(set(p.demo_levels), key=lambda x: (x[1], x[0])):
            amount = demo_amounts.get(level, 0)
            if amount > 0 and awarded.year == year:  # sub: 1 district, 2 city — one per level and year
                label = {"district": "区级", "city": "市级"}[level]
                out.append(Entitlement("demo_venue", "party_org", p.id, p.name, amount,
                                       f"{label}示范性党群活动阵地，{awarded.isoformat()} 挂牌", p.name,
                                       sub={"district": 1, "city": 2}[level]))
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
    ids = list(infos | dissolved)
    enterprise = set(session.scalars(
        select(PartyOrgCoverage.party_org_id).join(Organization, Organization.id == PartyOrgCoverage.organization_id)
        .where(PartyOrgCoverage.party_org_id.in_(ids or [0]), Organization.kind == "enterprise")))
    accepted = venues.accepted(session, year)
    demo = demo_titles(session, year)
    pos = [PartyOrgFact(p.id, p.name, p.founded_on, p.dissolved_on, p.secretary_name or "",
                        accepted[p.id].target_class if p.id in accepted else None,
                        accepted[p.id].decided_on if p.id in accepted else None, p.id in enterprise,
                        tuple(demo.get(p.id, ())))
           for p in session.scalars(select(PartyOrg).where(PartyOrg.id.in_(ids or [0]))
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
    from plugins.membership import api as membership

    return pos, gfacts, membership.remitted_by_party_org(session, year)


def demo_titles(session: Session, year: int) -> dict[int, list[tuple[str, dt.date]]]:
    """party org → (level, date) of its 区级 / 市级 示范性党群活动阵地 titles awarded in ``year`` and
    not revoked (the designations block)."""
    from core.plugins import registry
    from plugins.dongfanghong.program import DEMO_SITE

    out: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    if "designations" not in registry().enabled(session.info.get("tenant_id") or 0):
        return out
    from plugins.designations import api as designations

    for d in designations.designations(session, kind=DEMO_SITE, subject_kind="party_org"):
        if d.level in ("district", "city") and d.awarded_on.year == year and d.status in ("active", "expired"):
            out[d.subject_id].append((d.level, d.awarded_on))
    return out


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
