"""The program dashboard of a district (its subtree rolled up, one row per street) or a street:
the four projects side by side — targets against actuals, gaps, and what is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.registry.models import Cluster, ClusterMember, PartyOrg
from core.tenancy import TenantInfo, tree
from plugins.nanhu import program
from plugins.nanhu import service as svc
from plugins.nanhu.models import Disclosure, ResultUse


@dataclass
class StreetRow:
    tenant: TenantInfo
    figures: list[svc.Figure]
    own: bool = False  # the district's own (直属) organizations


HREFS = {"indicators.coverage_social": "coverage/orgs?metric=org_covered&kind=social",
         "indicators.coverage_enterprise": "coverage/orgs?metric=org_covered&kind=enterprise",
         program.MEMBER_ORG_RATE: "coverage/orgs?metric=members_no_org",
         "indicators.work_coverage": "coverage/orgs?metric=work_uncovered",
         program.NEW_BRANCHES: "party-orgs", program.TALENTS: "nanhu/talents",
         program.SOLVED: "lists/demands?status=solved"}


def targets(ctx, today: dt.date, keys: tuple[str, ...] = program.STRENGTHEN_KEYS + program.EMPOWER_KEYS
            ) -> tuple[dict[str, svc.Figure], list[StreetRow]]:
    """This year's figures of ``keys`` (the indicators block: the program's seed targets as defaults,
    the tenant's own where set) over the tenant's subtree, and per child (street) for NH-1."""
    from core import periods
    from plugins.indicators import api as indicators

    scope = ctx.subtree()
    session = ctx.read_rollup_session("nanhu:read")
    try:
        period = periods.key_of("year", today)
        figures = {f.indicator.key: f for f in indicators.figures(session, ctx.tenant, scope, "year", period, today=today)}
        total = {k: svc.figure_of(figures[k], HREFS.get(k, "")) for k in keys if k in figures}
        rows: dict[int, StreetRow] = {}
        if tree().children.get(ctx.tenant.id):
            for key in program.STRENGTHEN_KEYS:
                if key not in figures:
                    continue
                _total, children = indicators.rollup(session, ctx.tenant, scope, key, "year", period)
                for child, f in children:
                    row = rows.setdefault(child.id, StreetRow(child, [], own=child.id == ctx.tenant.id))
                    row.figures.append(svc.figure_of(f))
    finally:
        session.close()
    return total, list(rows.values())


def handbook(ctx, today: dt.date) -> dict[str, Any]:
    """NH-1 标准化手册: party branches whose handbook checklist is complete, per child and in total."""
    from plugins.checklists import api as checklists

    session = ctx.read_rollup_session("nanhu:read")
    try:
        ids = list(ctx.subtree())
        per, total = checklists.rollup(session, ids, template_key=program.HANDBOOK, subject_kind="party_org")
        branches = dict(session.execute(select(PartyOrg.tenant_id, func.count()).where(
            PartyOrg.tenant_id.in_(ids), PartyOrg.org_type.in_(svc.BRANCH_TYPES), PartyOrg.dissolved_on.is_(None))
            .group_by(PartyOrg.tenant_id)).all())
    finally:
        session.close()
    t = tree()

    def share(n: int, d: int) -> float | None:
        return round(n * 100.0 / d, 1) if d else None

    rows = []
    for child in t.children.get(ctx.tenant.id, []):
        sub = set(t.descendant_ids(child.id))
        done = sum(r.complete for r in per if r.tenant_id in sub)
        owed = sum(n for tid, n in branches.items() if tid in sub)
        rows.append({"tenant": child, "complete": done, "branches": owed, "share": share(done, owed),
                     "checklists": sum(r.checklists for r in per if r.tenant_id in sub)})
    owed = sum(branches.values())
    return {"complete": total.complete, "checklists": total.checklists, "branches": owed,
            "share": share(total.complete, owed), "rows": rows}


@dataclass
class Due:
    label: str
    count: int
    href: str


@dataclass
class ProgramData:
    strengthen: list[svc.Figure]
    streets: list[StreetRow]
    empower: list[svc.Figure] = field(default_factory=list)
    alliances: list[dict[str, Any]] = field(default_factory=list)
    cobuild: dict[str, Any] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)
    due: list[Due] = field(default_factory=list)
    handbook: dict[str, Any] = field(default_factory=dict)
    designations: dict[str, Any] = field(default_factory=dict)
    gaps: dict[str, Any] = field(default_factory=dict)


def liaison_of(ctx) -> int | None:
    """The user id whose alliances alone a liaison (``lists:triage_own`` without the tenant-wide
    ``lists:triage``/``lists:write``) sees; ``None``: every alliance."""
    if ctx.can("lists:triage") or ctx.can("lists:write") or not ctx.can("lists:triage_own"):
        return None
    return ctx.user.id


def _enabled(ctx, plugin: str) -> bool:
    from core.plugins import registry

    return plugin in registry().enabled(ctx.tenant.id)


def program_dashboard(ctx, db: Session, settings, today: dt.date) -> ProgramData:
    total, streets = targets(ctx, today)
    data = ProgramData([total[k] for k in program.STRENGTHEN_KEYS if k in total], streets)
    data.handbook = handbook(ctx, today)
    # NH-2 赋能
    data.empower = [total[k] for k in program.EMPOWER_KEYS if k in total]
    data.designations = designation_counts(db, today)
    if _enabled(ctx, "lists"):
        from plugins.lists import api as lists

        c = lists.counters(db, ctx.tenant, today)
        if c.open:
            data.due.append(Due("企业点单待办结", c.open, "lists/demands?status=open"))
        if c.overdue:
            data.due.append(Due("企业点单已超期", c.overdue, "lists/demands?sla=overdue"))
        data.alliances = alliance_rows(db, today, lists, led_by=liaison_of(ctx))
    # NH-3 共建
    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if _enabled(ctx, "activities"):
        from plugins.activities import api as activities

        joint = {}
        for key, label in (*program.JOINT_TYPES, *program.WORK_TYPES):
            joint[label] = sum(activities.count_by_organizer(db, key, year_start, year_end).values())
        data.cobuild["activities"] = joint
        for row in activities.due(db, ctx.tenant, today, type_key=program.MONTHLY_LESSON):
            if row.missing:
                data.due.append(Due("本月廉政文化主题党日未开展", len(row.missing), "activities/due"))
    data.gaps = pairing_gaps(ctx, db, today)
    for label, n in data.gaps.get("holders", {}).items():
        data.due.append(Due(f"{label}未达到最少结对数", n, "units/gaps"))
    if _enabled(ctx, "assessment"):
        data.cobuild["annual"] = cobuild_annual(db, today.year)
    data.cobuild["results"] = db.scalar(select(func.count()).select_from(ResultUse).where(ResultUse.year == today.year)) or 0
    # NH-4 清朗
    theme = svc.theme_month(db, today.replace(day=1))
    counts = svc.clean_counts(db, today)
    data.clean = {
        "theme": theme,
        "clean": counts,
        "clause": counts["evidence"],
        "disclosures": db.scalar(select(func.count()).select_from(Disclosure)
                                 .where(Disclosure.disclosed_on.between(year_start, year_end))) or 0,
    }
    if _enabled(ctx, "activities"):
        summary = svc.integrity_summary(svc.integrity_rows(db, today.year))
        data.clean["integrity"] = {svc.INTEGRITY_GROUPS[g]: v for g, v in summary.items()}
        missing = sum(owed - done for done, owed in summary.values())
        if missing:
            data.due.append(Due("本年尚未完成党风廉政必修课的书记、积极分子", missing, "nanhu/integrity?missing=1"))
    if theme.owed - theme.complete:
        data.due.append(Due("本月“一课一片一实践”未全部完成的党支部", theme.owed - theme.complete,
                            f"nanhu/theme-days?month={today:%Y-%m}"))
    return data


def cobuild_annual(db: Session, year: int) -> dict[str, Any]:
    """NH-3: the year's published 共建 results of the helping units and the annual round they feed."""
    from plugins.assessment import api as assessment

    parts = {label: len(assessment.published_results(db, template, "unit", year=year))
             for template, _key, label, _w in program.ANNUAL_PARTS}
    R = assessment.AssessmentRound
    rnd = db.scalar(select(R).where(R.template_key == program.COBUILD_ANNUAL, R.period == str(year))
                    .order_by(R.id.desc()).limit(1))
    return {"year": year, "parts": parts, "round": rnd,
            "state": assessment.STATES.get(rnd.state, rnd.state) if rnd else ""}


def alliance_rows(db: Session, today: dt.date, lists, led_by: int | None = None) -> list[dict[str, Any]]:
    """Each "1+4" alliance: members, and the orders of its organizations (open / solved); with
    ``led_by`` (a liaison's user id) only the alliances that user leads."""
    from core.registry.models import ClusterLeader

    out = []
    stmt = select(Cluster).where(Cluster.cluster_type == program.ALLIANCE, Cluster.archived_on.is_(None))
    if led_by is not None:
        stmt = stmt.where(Cluster.id.in_(select(ClusterLeader.cluster_id).where(
            ClusterLeader.user_id == led_by, ClusterLeader.ended_on.is_(None))))
    for c in db.scalars(stmt.order_by(Cluster.name, Cluster.id)):
        members = db.scalar(select(func.count()).select_from(ClusterMember).where(
            ClusterMember.cluster_id == c.id, ClusterMember.left_on.is_(None))) or 0
        org_ids = lists.cluster_org_ids(c.id, today)
        demand = lists.ListDemand
        rows = dict(db.execute(select(demand.status, func.count()).where(demand.organization_id.in_(org_ids))
                               .group_by(demand.status)).all())
        out.append({"cluster": c, "members": members, "chain": (c.attributes or {}).get("chain", ""),
                    "open": sum(rows.get(s, 0) for s in lists.OPEN_STATUSES),
                    "solved": rows.get("resolved", 0) + rows.get("rated", 0)})
    return out


def designation_counts(db: Session, today: dt.date) -> dict[str, Any]:
    """Titles of the program in force by kind, and those revoked because of the supervision blacklist."""
    from plugins.designations import api as designations

    labels = {k.key: k.label for k in program.designation_kinds()}
    in_force: dict[str, int] = {}
    for d in designations.in_force(db, today):
        if d.kind in labels:
            in_force[d.kind] = in_force.get(d.kind, 0) + 1
    revoked = [d for d in designations.designations(db, status="revoked") if d.kind in labels
               and d.revoked_by_entry_id is not None]
    return {"labels": labels, "in_force": in_force, "revoked_by_blacklist": revoked,
            "listed": db.scalar(select(func.count()).select_from(designations.BlacklistEntry)
                                .where(designations.BlacklistEntry.lifted_on.is_(None))) or 0}


def pairing_gaps(ctx, db: Session, today: dt.date) -> dict[str, Any]:
    """The units block's gaps for the program's two pairing kinds (联点, 帮扶): holders short of pairings."""
    from plugins.units import api as units

    labels = {k.key: k.label for k in program.pairing_kinds()}
    holders: dict[str, int] = {}
    gaps = units.gaps(db, ctx.tenant, today)
    for g in gaps.holders:
        if g.kind in labels:
            holders[labels[g.kind]] = holders.get(labels[g.kind], 0) + 1
    pairings = {labels[k]: len(units.pairings_of(db, kind=k)) for k in labels}
    return {"holders": holders, "pairings": pairings,
            "member_units": len(units.units(db, kind="member_unit"))}
