"""Ready-made ways to compute an actual from the core registry, for the block's own indicators
and for programs (through :mod:`plugins.indicators.api`). Each returns a ``compute(session,
tenant_ids, period)`` function (see :class:`plugins.indicators.types.Indicator`).

Coverage rates reuse the registry's own figures (:func:`core.registry.services.coverage.figures_by_tenant`:
the rows kept current per tenant for today, a live count of the same statement for another day,
summed with ``sum_figures``) — the same numbers as the 两个覆盖 page, read on the period's last day
(or today while the period runs); a subtree's rate is its organizations' rate, not a mean of rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import clock, periods
from core.registry.models import Cluster, PartyOrg
from core.registry.services import coverage as cov
from plugins.indicators.types import Compute, at


def coverage_rate(kind: str = "all", metric: str = "org_covered") -> Compute:
    """The share (%) of operating organizations of ``kind`` (``enterprise``, ``social`` or ``all``)
    counted under ``metric`` (``org_covered`` 组织覆盖, ``work_covered`` 工作覆盖, ``three_haves`` …)."""
    if kind not in cov.KINDS or metric not in cov.METRICS:
        raise ValueError(f"unknown coverage kind {kind!r} or metric {metric!r}")

    def compute(session: Session, tenant_ids: list[int], period: periods.Period) -> Decimal | None:
        per_tenant = cov.figures_by_tenant(session, tenant_ids, on=at(clock.today(), period))
        counts = cov.sum_figures(per_tenant.values())[kind]
        if not counts["total"]:
            return None
        return Decimal(counts[metric] * 100) / counts["total"]

    return compute


def new_party_orgs(org_types: Iterable[str] = ()) -> Compute:
    """Party orgs founded during the period (``founded_on`` in it), optionally of ``org_types``
    (``branch``, ``joint_branch`` …); dissolved ones still count for the period they were founded in."""
    types = tuple(org_types)

    def compute(session: Session, tenant_ids: list[int], period: periods.Period) -> int:
        stmt = select(func.count(PartyOrg.id)).where(
            PartyOrg.tenant_id.in_(tenant_ids), PartyOrg.founded_on >= period.start,
            PartyOrg.founded_on <= at(clock.today(), period))
        if types:
            stmt = stmt.where(PartyOrg.org_type.in_(types))
        return session.scalar(stmt) or 0

    return compute


def live_clusters(cluster_types: Iterable[str] = ()) -> Compute:
    """Clusters (of ``cluster_types``) that exist at the period's end (not archived by then) — e.g.
    004 JH-6 产业示范集群 ≥ 1 per county."""
    types = tuple(cluster_types)

    def compute(session: Session, tenant_ids: list[int], period: periods.Period) -> int:
        day = at(clock.today(), period)
        stmt = select(func.count(Cluster.id)).where(
            Cluster.tenant_id.in_(tenant_ids), or_(Cluster.archived_on.is_(None), Cluster.archived_on > day))
        if types:
            stmt = stmt.where(Cluster.cluster_type.in_(types))
        return session.scalar(stmt) or 0

    return compute


def new_designations(kinds: Iterable[str], levels: Iterable[str] = ()) -> Compute:
    """Designations of ``kinds`` (e.g. ``designations.demo_point`` 两新党建示范点) awarded during the
    period and in force or expired since — not revoked, not awaiting review — optionally of
    ``levels`` (``street``, ``district``, ``city``): 004's 新增示范点. Reads the designations block's
    table through its public API module (the tenant must run that block)."""
    kind_keys, level_keys = tuple(kinds), tuple(levels)

    def compute(session: Session, tenant_ids: list[int], period: periods.Period) -> int:
        from plugins.designations.api import Designation

        stmt = select(func.count(Designation.id)).where(
            Designation.tenant_id.in_(tenant_ids), Designation.kind.in_(kind_keys), Designation.status == "active",
            Designation.awarded_on >= period.start, Designation.awarded_on <= at(clock.today(), period))
        if level_keys:
            stmt = stmt.where(Designation.level.in_(level_keys))
        return session.scalar(stmt) or 0

    return compute
