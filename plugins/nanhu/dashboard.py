"""The program dashboard of a district (its subtree rolled up, one row per street) or a street:
the four projects side by side — targets against actuals, gaps, and what is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.registry.models import Cluster, ClusterMember
from core.registry.services import coverage as cov
from core.tenancy import TenantInfo, tree
from plugins.nanhu import program
from plugins.nanhu import service as svc
from plugins.nanhu.models import CleanEnterprise, Disclosure, ResultUse


@dataclass
class StreetRow:
    tenant: TenantInfo
    figures: list[svc.Figure]
    own: bool = False  # the district's own (直属) organizations


def strengthen(ctx, db: Session, settings, today: dt.date) -> tuple[list[svc.Figure], list[StreetRow]]:
    """NH-1 figures of the tenant's whole subtree and of each child (street) subtree."""
    t = tree()
    ids = t.descendant_ids(ctx.tenant.id)
    session = ctx.read_rollup_session("nanhu:read") if len(ids) > 1 else None
    try:
        s = session or db
        per_tenant = cov.counts_by_tenant(s, ids)
        new = svc.new_branch_counts(s, ids, today)
    finally:
        if session is not None:
            session.close()
    total = svc.strengthen_figures(cov.sum_figures(per_tenant.values()), sum(new.values()), settings)
    rows: list[StreetRow] = []
    for child in t.children.get(ctx.tenant.id, []):
        sub = t.descendant_ids(child.id)
        present = [per_tenant[i] for i in sub if i in per_tenant]
        if child.archived and not present:
            continue
        rows.append(StreetRow(child, svc.strengthen_figures(cov.sum_figures(present), sum(new.get(i, 0) for i in sub),
                                                            settings)))
    if rows and ctx.tenant.id in per_tenant:
        rows.append(StreetRow(ctx.tenant, svc.strengthen_figures(per_tenant[ctx.tenant.id], new.get(ctx.tenant.id, 0),
                                                                 settings), own=True))
    return total, rows


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


def _enabled(ctx, plugin: str) -> bool:
    from core.plugins import registry

    return plugin in registry().enabled(ctx.tenant.id)


def program_dashboard(ctx, db: Session, settings, today: dt.date) -> ProgramData:
    total, streets = strengthen(ctx, db, settings, today)
    data = ProgramData(total, streets)
    # NH-2 赋能
    talents = svc.talent_totals(db)
    data.empower.append(svc.Figure("talents", "累计招引人才", talents.people, settings.target_talents, unit="人",
                                   href="nanhu/talents"))
    if _enabled(ctx, "lists"):
        from plugins.lists import api as lists

        c = lists.counters(db, ctx.tenant, today)
        solved = db.scalar(select(func.count()).select_from(lists.ListDemand)
                           .where(lists.ListDemand.status.in_(("resolved", "rated")))) or 0
        data.empower.append(svc.Figure("solved", "累计解决企业点单问题", solved, settings.target_solved, unit="个",
                                       href="lists/demands?status=solved"))
        if c.open:
            data.due.append(Due("企业点单待办结", c.open, "lists/demands?status=open"))
        if c.overdue:
            data.due.append(Due("企业点单已超期", c.overdue, "lists/demands?sla=overdue"))
        data.alliances = alliance_rows(db, today, lists)
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
    data.cobuild["results"] = db.scalar(select(func.count()).select_from(ResultUse).where(ResultUse.year == today.year)) or 0
    # NH-4 清朗
    theme = svc.theme_month(db, today.replace(day=1))
    counts = dict(db.execute(select(CleanEnterprise.status, func.count()).group_by(CleanEnterprise.status)).all())
    data.clean = {
        "theme": theme,
        "clean": counts,
        "clause": db.scalar(select(func.count()).select_from(CleanEnterprise).where(CleanEnterprise.charter_clause)) or 0,
        "disclosures": db.scalar(select(func.count()).select_from(Disclosure)
                                 .where(Disclosure.disclosed_on.between(year_start, year_end))) or 0,
    }
    if theme.owed - theme.complete:
        data.due.append(Due("本月“一课一片一实践”未全部完成的党支部", theme.owed - theme.complete,
                            f"nanhu/theme-days?month={today:%Y-%m}"))
    return data


def alliance_rows(db: Session, today: dt.date, lists) -> list[dict[str, Any]]:
    """Each "1+4" alliance: members, and the orders of its organizations (open / solved)."""
    out = []
    for c in db.scalars(select(Cluster).where(Cluster.cluster_type == program.ALLIANCE, Cluster.archived_on.is_(None))
                        .order_by(Cluster.name, Cluster.id)):
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
