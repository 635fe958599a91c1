"""The program dashboard of the city, a district or a street: the points over the viewer's subtree
by district (or street), by kind and by 提质升级 state with their 保障 gaps, the new-employment
census, the platform enterprises' HQ-rule gaps and the 红色之家."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.tenancy import TenantInfo, tree
from plugins.changsha import program
from plugins.changsha import service as svc
from plugins.changsha.models import Platform


@dataclass
class ChildRow:
    tenant: TenantInfo
    tally: svc.Tally
    own: bool = False  # the viewer's own (直属) points


@dataclass
class ProgramData:
    total: svc.Tally
    children: list[ChildRow] = field(default_factory=list)
    by_kind: dict[str, svc.Tally] = field(default_factory=dict)
    groups: dict[str, svc.GroupFigures] = field(default_factory=dict)
    census_tenants: int = 0
    platforms: int = 0
    platform_gaps: int = 0
    homes: dict[str, int] = field(default_factory=dict)
    year: int = 0
    qianqi: dict[str, int] = field(default_factory=dict)  # CS-5 step → demands; "overdue"; "assigned_late"
    cobuild: int = 0


def _child_of(tenant_id: int, child_ids: dict[int, int]) -> int | None:
    return child_ids.get(tenant_id)


def subtree_views(ctx, session: Session, today: dt.date, **filters: str) -> list[svc.PointView]:
    from core.plugins import registry

    clusters = svc.point_clusters(session, ctx.subtree(), kind=filters.get("kind", ""), q=filters.get("q", ""))
    return svc.point_views(session, clusters, today, lists_enabled="lists" in registry().enabled(ctx.tenant.id))


def child_map(ctx) -> tuple[list[TenantInfo], dict[int, int]]:
    """The viewer's children and, for every tenant of the subtree, the child it lies under (the
    viewer's own rows: the viewer)."""
    t = tree()
    children = list(t.children.get(ctx.tenant.id, []))
    where = {ctx.tenant.id: ctx.tenant.id}
    for child in children:
        for tid in t.descendant_ids(child.id):
            where[tid] = child.id
    return children, where


def program_data(ctx, settings, today: dt.date) -> ProgramData:
    from plugins.sites.api import Site

    session = ctx.read_rollup_session(program_permission())
    try:
        views = subtree_views(ctx, session, today)
        data = ProgramData(svc.Tally(), year=today.year)
        for v in views:
            data.total.add(v)
        children, where = child_map(ctx)
        per = svc.tally(views, lambda v: where.get(v.cluster.tenant_id, ctx.tenant.id))
        if children:
            data.children = [ChildRow(c, per.get(c.id, svc.Tally())) for c in children]
            if ctx.tenant.id in per:
                data.children.insert(0, ChildRow(ctx.tenant, per[ctx.tenant.id], own=True))
        kinds = svc.tally(views, lambda v: v.cluster.cluster_type)
        data.by_kind = {k: kinds.get(k, svc.Tally()) for k in program.POINT_TYPES}
        ids = list(ctx.subtree())
        data.groups = svc.group_figures(session, ids, today.year)
        from plugins.changsha.models import GroupCensus

        data.census_tenants = session.scalar(select(func.count(func.distinct(GroupCensus.tenant_id))).where(
            GroupCensus.tenant_id.in_(ids), GroupCensus.year == today.year)) or 0
        platforms = list(session.scalars(select(Platform).where(Platform.tenant_id.in_(ids))))
        data.platforms = len(platforms)
        data.platform_gaps = sum(len(g) for g in svc.platform_gaps(session, platforms).values())
        data.homes = dict(session.execute(select(Site.kind, func.count()).where(
            Site.tenant_id.in_(ids), Site.kind.in_((program.TRUCK_HOME, program.COURIER_HOME)), Site.active)
            .group_by(Site.kind)).all())
        data.qianqi = qianqi_counts(session, ids, today)
    finally:
        session.close()
    data.cobuild = cobuild_count(ctx, today)
    return data


def qianqi_counts(session: Session, tenant_ids: list[int], today: dt.date) -> dict[str, int]:
    """CS-5 收集 → 梳理 → 交办 → 办结 over ``tenant_ids``: the lists engine's demands tagged 助力千企,
    those past their due day, and 交办事项 past their deadline."""
    from plugins.lists import api as lists

    D, W = lists.ListDemand, lists.ListWork
    tagged = (D.tenant_id.in_(tenant_ids), D.action_tag == program.QIANQI)
    by = dict(session.execute(select(D.status, func.count()).where(*tagged).group_by(D.status)).all())
    out = {step: by.get(step, 0) for step, _label in program.QIANQI_STEPS}
    out["closed"] = by.get("resolved", 0) + by.get("rated", 0)
    out["overdue"] = session.scalar(select(func.count()).select_from(D).where(
        *tagged, D.status.in_(lists.OPEN_STATUSES), D.due_on < today)) or 0
    out["assigned_late"] = session.scalar(select(func.count()).select_from(W).join(D, D.id == W.demand_id).where(
        *tagged, W.status.in_(lists.WORK_ACTIVE), W.deadline < today)) or 0
    return out


def cobuild_count(ctx, today: dt.date) -> int:
    """CS-5 结对共建 pairs of the tenant itself (the units block)."""
    from core.db import open_session
    from plugins.units import api as units

    with open_session(ctx.tenant.id) as s:
        return len(units.pairings_of(s, kind=program.COBUILD, today=today))


def program_permission() -> str:
    return "changsha:read"


def widget_figures(session: Session) -> dict[str, Any]:
    """The dashboard card: the tenant's own points and their state, this year's census headcount."""
    from core import clock
    from plugins.changsha.models import GroupCensus

    today = clock.today()
    clusters = svc.point_clusters(session)
    views = svc.point_views(session, clusters, today, lists_enabled=False)
    t = svc.Tally()
    for v in views:
        t.add(v)
    people = session.scalar(select(func.coalesce(func.sum(GroupCensus.headcount), 0))
                            .where(GroupCensus.year == today.year)) or 0
    return {"points": t.points, "upgraded": t.upgraded, "complete": t.complete, "people": int(people)}
