"""Two coverages (两个覆盖, CORE-5): organizational and work coverage, "三有", "应建未建".

Definitions (over *operating* organizations, ``status == "operating"``):

* organizational coverage (组织覆盖 / 有组织): covered by at least one party org that is
  not dissolved (``PartyOrgCoverage``; a joint branch covering several organizations
  covers each of them);
* work coverage (工作覆盖): organizationally covered, or ``party_work_active``, or an active
  instructor assignment (an active instructor, started, not ended);
* 有党员: at least one party member (正式 or 预备党员) working there (``Member.organization_id``);
* 有作用: ``party_work_active``; 三有齐全: all three;
* 应建未建: at least 3 formal members (``status == "full"``) working there and no *own*
  party org — a live party org covering this organization alone (单独组建);
* 有党员无组织: members but not organizationally covered;
* 未覆盖且无指导员: not organizationally covered and no active instructor.

Every figure is one ``SUM(CASE …)`` over a single set-based statement: organizations
LEFT JOINed to three pre-aggregated derived tables (coverage per organization, members per
organization, instructors per organization) and grouped by ``tenant_id, kind``. There is no
per-organization Python; the same conditions drive the drill-down lists, so a list always
has exactly as many rows as the number that links to it. The session's scope decides what
is counted: a tenant's session counts the tenant, ``ctx.rollup_session`` the subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, event, false, func, not_, or_, select
from sqlalchemy.orm import Session

from core import clock, search
from core.registry.choices import ORG_KINDS
from core.registry.models import (
    CoverageSnapshot,
    CoverageSummary,
    Instructor,
    InstructorAssignment,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)

#: metric key → label; the counts a snapshot stores, in display order
METRICS: dict[str, str] = {
    "total": "在营组织",
    "org_covered": "党组织已覆盖",
    "org_uncovered": "党组织未覆盖",
    "work_covered": "党的工作已覆盖",
    "work_uncovered": "党的工作未覆盖",
    "has_members": "有党员",
    "has_effect": "有作用",
    "three_haves": "三有齐全",
    "should_build": "应建未建",
    "members_no_org": "有党员无组织",
    "uncovered_no_instructor": "未覆盖且无指导员",
    "has_instructor": "有党建指导员",
}
#: kinds shown as columns; "all" is their total (and any other kind)
KINDS: dict[str, str] = {**ORG_KINDS, "all": "合计"}
MEMBER_STATUSES = ("full", "probationary")  # party members (正式党员、预备党员)
SHOULD_BUILD_MIN_FULL = 3


def month_start(day: dt.date | None = None) -> dt.date:
    day = day or clock.today()
    return day.replace(day=1)


# --- the statement -----------------------------------------------------------------------------


@dataclass
class Joined:
    """Organizations LEFT JOINed to the per-organization aggregates, and the metric conditions.

    ``conditions`` are for ``SUM(CASE …)`` (NULL-safe); ``filters`` are the same conditions
    written for ``WHERE``, where a row whose aggregate is missing is simply not selected:
    comparing the aggregate itself (not ``COALESCE(…, 0)``) lets PostgreSQL turn the outer
    join into an inner one and filter inside the aggregate (``HAVING``).
    """

    stmt: Select
    conditions: dict[str, Any]
    columns: dict[str, Any]
    filters: dict[str, Any] = field(default_factory=dict)


def _aggregates(on: dt.date) -> tuple[Any, Any, Any]:
    """The three per-organization derived tables (coverage, members, instructors), by ``oid``.

    Each is ordered by organization id, so that joining them to organizations in id order
    streams (merge joins, no hash tables of a million rows spilling to disk); a party org's
    width (how many organizations it covers: 1 → it is that organization's own) is a window
    over the coverage rows, not a second aggregate joined back.
    """
    live = or_(PartyOrg.dissolved_on.is_(None), PartyOrg.dissolved_on > on)
    rows = select(
        PartyOrgCoverage.organization_id.label("oid"),
        PartyOrgCoverage.party_org_id.label("pid"),
        func.count().over(partition_by=PartyOrgCoverage.party_org_id).label("width"),
    ).subquery("pw")
    cov = (
        select(rows.c.oid, func.max(case((rows.c.width == 1, 1), else_=0)).label("own"))
        .join(PartyOrg, PartyOrg.id == rows.c.pid)
        .where(live)
        .group_by(rows.c.oid)
        .order_by(rows.c.oid)
        .subquery("cov")
    )
    mem = (
        select(
            Member.organization_id.label("oid"),
            func.count().label("n_members"),
            func.sum(case((Member.status == "full", 1), else_=0)).label("n_full"),
        )
        .where(Member.organization_id.is_not(None), Member.status.in_(MEMBER_STATUSES))
        .group_by(Member.organization_id)
        .order_by(Member.organization_id)
        .subquery("mem")
    )
    ins = (
        select(InstructorAssignment.organization_id.label("oid"), func.count().label("n"))
        .join(Instructor, Instructor.id == InstructorAssignment.instructor_id)
        .where(
            Instructor.active.is_(True),
            InstructorAssignment.start_on <= on,
            or_(InstructorAssignment.end_on.is_(None), InstructorAssignment.end_on >= on),
        )
        .group_by(InstructorAssignment.organization_id)
        .order_by(InstructorAssignment.organization_id)
        .subquery("ins")
    )
    return cov, mem, ins


def _conditions(org, cov, mem, ins) -> tuple[dict[str, Any], dict[str, Any]]:
    """(NULL-safe conditions for counting, the same for WHERE) over ``org``'s columns."""
    covered = cov.c.oid.is_not(None)
    uncovered = cov.c.oid.is_(None)
    instructed = ins.c.oid.is_not(None)
    uninstructed = ins.c.oid.is_(None)
    active = org.party_work_active.is_(True)
    has_members = func.coalesce(mem.c.n_members, 0) >= 1
    not_own = func.coalesce(cov.c.own, 0) == 0
    conditions = {
        "total": None,
        "org_covered": covered,
        "org_uncovered": uncovered,
        "work_covered": or_(covered, active, instructed),
        "work_uncovered": and_(uncovered, not_(active), uninstructed),
        "has_members": has_members,
        "has_effect": active,
        "three_haves": and_(has_members, covered, active),
        "should_build": and_(func.coalesce(mem.c.n_full, 0) >= SHOULD_BUILD_MIN_FULL, not_own),
        "members_no_org": and_(has_members, uncovered),
        "uncovered_no_instructor": and_(uncovered, uninstructed),
        "has_instructor": instructed,
    }
    # where a missing aggregate can only mean "no": the same test on the bare column
    # (NULL >= 1 is not true), which PostgreSQL can use to drop the outer join
    with_members = mem.c.n_members >= 1
    filters = {
        **conditions,
        "has_members": with_members,
        "three_haves": and_(with_members, covered, active),
        "should_build": and_(mem.c.n_full >= SHOULD_BUILD_MIN_FULL, not_own),
        "members_no_org": and_(with_members, uncovered),
    }
    return conditions, filters


def _joined(on: dt.date | None = None) -> Joined:
    on = on or clock.today()
    cov, mem, ins = _aggregates(on)
    conditions, filters = _conditions(Organization, cov, mem, ins)
    stmt = (
        select(Organization)
        .outerjoin(cov, cov.c.oid == Organization.id)
        .outerjoin(mem, mem.c.oid == Organization.id)
        .outerjoin(ins, ins.c.oid == Organization.id)
        .where(Organization.status == "operating")
    )
    columns = {
        "n_members": func.coalesce(mem.c.n_members, 0),
        "n_full": func.coalesce(mem.c.n_full, 0),
        "covered": cov.c.oid.is_not(None),
        "instructed": ins.c.oid.is_not(None),
    }
    return Joined(stmt, conditions, columns, filters)


def _count(cond) -> Any:
    return func.count() if cond is None else func.sum(case((cond, 1), else_=0))


# --- figures -----------------------------------------------------------------------------------


@dataclass
class Counts:
    """Counts of one metric set; ``rate(metric)`` as a percentage of the operating total."""

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def __getitem__(self, key: str) -> int:
        return self.values.get(key, 0)

    def add(self, other: Counts | Mapping[str, Any]) -> Counts:
        src = other.values if isinstance(other, Counts) else other
        for k in METRICS:
            self.values[k] = self.values.get(k, 0) + int(src.get(k, 0) or 0)
        return self

    def rate(self, key: str) -> float | None:
        total = self.values.get("total", 0)
        return round(self.values.get(key, 0) * 100.0 / total, 1) if total else None

    @property
    def org_rate(self) -> float | None:
        return self.rate("org_covered")

    @property
    def work_rate(self) -> float | None:
        return self.rate("work_covered")

    def as_dict(self) -> dict[str, Any]:
        return {**self.values, "org_rate": self.org_rate, "work_rate": self.work_rate}


def by_kind(figures: Mapping[str, Counts]) -> dict[str, dict[str, Any]]:
    return {k: figures[k].as_dict() for k in KINDS}


def empty_figures() -> dict[str, Counts]:
    return {k: Counts() for k in KINDS}


def counts_by_tenant(session: Session, tenant_ids: Iterable[int] | None = None,
                     on: dt.date | None = None, organization_ids: Iterable[int] | None = None
                     ) -> dict[int, dict[str, Counts]]:
    """tenant id → kind ("enterprise", "social", "all") → counts, for the session's scope.

    One GROUP BY tenant_id, kind statement over the organizations in id order joined to the
    per-organization aggregates; ``tenant_ids`` narrows it further, ``organization_ids`` to
    some organizations (a 联组 组长's group: not remembered as the session's count).
    """
    on = on or clock.today()
    orgs = (
        select(Organization.id, Organization.tenant_id, Organization.kind, Organization.party_work_active)
        .where(Organization.status == "operating")
        .order_by(Organization.id)
    )
    if tenant_ids is not None:
        ids = list(tenant_ids)
        orgs = orgs.where(Organization.tenant_id.in_(ids) if ids else false())
    if organization_ids is not None:
        chosen = list(organization_ids)
        orgs = orgs.where(Organization.id.in_(chosen) if chosen else false())
    org = orgs.subquery("o")
    cov, mem, ins = _aggregates(on)
    conditions, _filters = _conditions(org.c, cov, mem, ins)
    stmt = (
        select(org.c.tenant_id, org.c.kind, *[_count(c).label(k) for k, c in conditions.items()])
        .select_from(org)
        .outerjoin(cov, cov.c.oid == org.c.id)
        .outerjoin(mem, mem.c.oid == org.c.id)
        .outerjoin(ins, ins.c.oid == org.c.id)
        .group_by(org.c.tenant_id, org.c.kind)
    )
    out: dict[int, dict[str, Counts]] = {}
    for row in session.execute(stmt).mappings():
        figs = out.setdefault(row["tenant_id"], empty_figures())
        values = {k: int(row[k] or 0) for k in METRICS}
        if row["kind"] in figs and row["kind"] != "all":
            figs[row["kind"]].add(values)
        figs["all"].add(values)
    if organization_ids is None:  # some organizations only: not the session's count
        counted = set(ids) if tenant_ids is not None else set(session.info.get("tenant_ids") or ())
        remember_counts(session, on, counted, out)
    return out


def remember_counts(session: Session, on: dt.date, tenant_ids: Iterable[int],
                    figures: dict[int, dict[str, Counts]]) -> None:
    """Keep what was counted for :func:`counted_total` until the next write or transaction."""
    session.info[_COUNTED] = (on, set(tenant_ids), figures)


def _figures(data: Mapping[str, Mapping[str, int]]) -> dict[str, Counts]:
    figs = empty_figures()
    for kind in KINDS:
        figs[kind].add(data.get(kind) or {})
    return figs


def figures_by_tenant(session: Session, tenant_ids: Iterable[int], on: dt.date | None = None
                      ) -> dict[int, dict[str, Counts]]:
    """Like :func:`counts_by_tenant` (tenants with operating organizations, by kind), from the
    rows kept current by :mod:`coverage_summary`; a tenant whose row is missing or not of
    ``on`` is counted live."""
    on = on or clock.today()
    ids = list(dict.fromkeys(tenant_ids))
    out: dict[int, dict[str, Counts]] = {}
    fresh: set[int] = set()
    if ids:
        for tid, as_of, data in session.execute(
                select(CoverageSummary.tenant_id, CoverageSummary.as_of, CoverageSummary.figures)
                .where(CoverageSummary.tenant_id.in_(ids))):
            if as_of == on:
                fresh.add(tid)
                if (data.get("all") or {}).get("total"):
                    out[tid] = _figures(data)
    stale = [t for t in ids if t not in fresh]
    if stale:
        out.update(counts_by_tenant(session, stale, on))
    remember_counts(session, on, ids, out)
    return out


# --- figures a session has counted -------------------------------------------------------------

#: ``session.info`` key: (date, tenant ids counted, tenant id → figures) of the last count
_COUNTED = "coverage_counted"


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_counts(session: Session, *_args) -> None:
    """A write or a new transaction may change the figures: count again next time."""
    session.info.pop(_COUNTED, None)


def counted_total(session: Session, metric: str, kind: str, tenant_ids: Iterable[int] | None,
                  on: dt.date) -> int | None:
    """The figure behind a drill-down if this session's transaction has already counted it.

    The coverage page counts every tenant of the subtree (:func:`dashboard`) and then lists
    the first organizations of "应建未建": the number of rows is that figure, and when it is 0
    there is nothing to list. ``None`` when those tenants were not counted (on that date).
    """
    memo = session.info.get(_COUNTED)
    if memo is None or memo[0] != on:
        return None
    _on, counted, figures = memo
    ids = set(tenant_ids) if tenant_ids is not None else set(session.info.get("tenant_ids") or ())
    if not ids <= counted:
        return None
    return sum(figures[t][kind or "all"][metric] for t in ids if t in figures)


def sum_figures(parts: Iterable[Mapping[str, Counts]]) -> dict[str, Counts]:
    total = empty_figures()
    for figs in parts:
        for k in KINDS:
            total[k].add(figs[k])
    return total


@dataclass
class ChildRow:
    tenant: Any  # TenantInfo
    figures: dict[str, Counts]
    own: bool = False  # the tenant's own (直属) organizations, not a child's subtree


@dataclass
class Dashboard:
    figures: dict[str, Counts]
    by_child: list[ChildRow]


def dashboard(session: Session, tenant, tenant_tree) -> Dashboard:
    """Figures of ``tenant``'s whole subtree and one row per child (its own subtree summed),
    from the figures kept per tenant (:mod:`coverage_summary`).

    ``session`` must see the subtree (``ctx.rollup_session("coverage:read")``).
    """
    per_tenant = figures_by_tenant(session, tenant_tree.descendant_ids(tenant.id))
    total = sum_figures(per_tenant.values())
    rows: list[ChildRow] = []
    children = tenant_tree.children.get(tenant.id, [])
    if children:
        for child in children:
            ids = tenant_tree.descendant_ids(child.id)
            present = [per_tenant[i] for i in ids if i in per_tenant]
            if child.archived and not present:
                continue  # an archived child still shows while it holds organizations: rows add up to the total
            rows.append(ChildRow(child, sum_figures(present)))
        if tenant.id in per_tenant:
            rows.append(ChildRow(tenant, per_tenant[tenant.id], own=True))
    return Dashboard(total, rows)


# --- drill-down --------------------------------------------------------------------------------


def drilldown_query(metric: str, kind: str = "", tenant_ids: Iterable[int] | None = None,
                    q: str = "", on: dt.date | None = None) -> Select:
    """Organizations behind a figure, with member counts and flags; ordered by name."""
    if metric not in METRICS:
        raise KeyError(metric)
    on = on or clock.today()
    j = _joined(on)
    cond = j.filters[metric]  # the same condition as the figure's, written for WHERE
    stmt = j.stmt.add_columns(
        j.columns["n_members"].label("n_members"),
        j.columns["n_full"].label("n_full"),
        case((j.columns["covered"], True), else_=False).label("covered"),
        case((j.columns["instructed"], True), else_=False).label("instructed"),
    )
    if cond is not None:
        stmt = stmt.where(cond)
    if kind and kind != "all":
        stmt = stmt.where(Organization.kind == kind)
    if tenant_ids is not None:
        stmt = stmt.where(Organization.tenant_id.in_(list(tenant_ids)))
    if q:
        stmt = stmt.where(search.matches(q, Organization.name, Organization.credit_code))
    elif not kind or kind in KINDS:  # exactly the organizations of a figure: see counted_total()
        ids = tuple(tenant_ids) if tenant_ids is not None else None
        stmt = stmt.execution_options(coverage_figure=(metric, kind or "all", ids, on))
    return stmt.order_by(Organization.name, Organization.id)


@dataclass
class DrillRow:
    org: Organization
    n_members: int
    n_full: int
    covered: bool
    instructed: bool


def drilldown_page(session: Session, stmt: Select, page: int = 1, page_size: int = 25,
                   total: int | None = None):
    """(rows, total) of one page of a drill-down statement.

    One pass over the join: the matching organizations' ids and flags are selected narrow,
    with the number of all of them (``count(*) OVER ()``), the page is the top of those in
    name order, and only that page's organizations are loaded. The matches are a sub-query
    fenced with ``OFFSET 0``, so PostgreSQL plans the whole join (hash or merge joins of the
    aggregates) instead of one for the first few rows: that plan walks the name index and
    re-scans the materialized aggregates for every organization (quadratic — an uncovered
    drill-down of a district took minutes). When ``total`` is known — passed by the caller,
    or the figure this session has just counted (:func:`counted_total`) — the count is
    saved, and a page past the end (every page of a 0) is not queried at all; otherwise past
    the last page the total is counted separately.
    """
    from core.web.listing import MAX_PAGE_SIZE

    page = max(1, page)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    figure = stmt.get_execution_options().get("coverage_figure")
    if total is None and figure is not None:
        total = counted_total(session, *figure)
    if total is not None and (page - 1) * page_size >= total:
        return [], total  # nothing on this page: no need to ask
    sc = stmt.selected_columns
    counted = [func.count().over().label("total")] if total is None else []
    matching = (
        stmt.with_only_columns(Organization.id.label("id"), Organization.name.label("name"), sc.n_members,
                               sc.n_full, sc.covered, sc.instructed, *counted)
        .order_by(None)
        .offset(0)
        .subquery("m")
    )
    narrow = (
        select(matching)
        .order_by(matching.c.name, matching.c.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
        .subquery("pg")
    )
    result = session.execute(
        select(Organization, narrow.c.n_members, narrow.c.n_full, narrow.c.covered, narrow.c.instructed,
               *([narrow.c.total] if total is None else []))
        .join(narrow, narrow.c.id == Organization.id)
        .order_by(Organization.name, Organization.id)
    ).all()
    rows = [DrillRow(r[0], int(r[1] or 0), int(r[2] or 0), bool(r[3]), bool(r[4])) for r in result]
    if total is None:
        if result:
            total = int(result[0][5])
        elif page == 1:
            total = 0
        else:  # past the last page: nothing to read the total from
            total = session.scalar(
                select(func.count()).select_from(stmt.with_only_columns(Organization.id).order_by(None).subquery())
            ) or 0
    return rows, total


def iter_drilldown(session: Session, stmt: Select, chunk: int = 1000):
    """Every row of a drill-down, streamed (exports)."""
    for r in session.execute(stmt.execution_options(yield_per=chunk)):
        yield DrillRow(r[0], int(r[1] or 0), int(r[2] or 0), bool(r[3]), bool(r[4]))


def covering_party_orgs(session: Session, org_ids: list[int], on: dt.date | None = None) -> dict[int, list[str]]:
    """Names of the live party orgs covering each organization (one query for a page)."""
    if not org_ids:
        return {}
    on = on or clock.today()
    rows = session.execute(
        select(PartyOrgCoverage.organization_id, PartyOrg.name)
        .join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
        .where(PartyOrgCoverage.organization_id.in_(org_ids),
               or_(PartyOrg.dissolved_on.is_(None), PartyOrg.dissolved_on > on))
        .order_by(PartyOrg.name)
    ).all()
    out: dict[int, list[str]] = {}
    for oid, name in rows:
        out.setdefault(oid, []).append(name)
    return out


# --- monthly snapshots -------------------------------------------------------------------------


def figures_json(figs: Mapping[str, Counts]) -> dict[str, dict[str, int]]:
    """Figures by kind as plain JSON (snapshots and the figures kept per tenant)."""
    return {k: dict(figs[k].values) for k in KINDS}


def take_snapshots(session: Session, tenant_ids: Iterable[int], month: dt.date) -> int:
    """Store the figures of each tenant's *own* organizations for ``month`` (update if present).

    Roll-ups sum the snapshots of a subtree, so a snapshot never includes descendants.
    Tenants without organizations get a snapshot of zeros. Returns the number written.
    """
    ids = list(dict.fromkeys(tenant_ids))
    month = month_start(month)
    figures = counts_by_tenant(session, ids)
    existing = {
        s.tenant_id: s
        for s in session.scalars(
            select(CoverageSnapshot).where(CoverageSnapshot.month == month, CoverageSnapshot.tenant_id.in_(ids))
        )
    }
    for tid in ids:
        data = figures_json(figures.get(tid) or empty_figures())
        row = existing.get(tid)
        if row is None:
            session.add(CoverageSnapshot(tenant_id=tid, month=month, figures=data))
        elif row.figures != data:
            row.figures = data
    session.flush()
    return len(ids)


def take_snapshot(session: Session, tenant_id: int, month: dt.date) -> CoverageSnapshot:
    """Idempotent monthly snapshot of one tenant's own organizations."""
    take_snapshots(session, [tenant_id], month)
    return session.scalars(
        select(CoverageSnapshot).where(CoverageSnapshot.tenant_id == tenant_id,
                                       CoverageSnapshot.month == month_start(month))
    ).one()


def last_months(n: int = 12, until: dt.date | None = None) -> list[dt.date]:
    end = month_start(until)
    out = []
    y, m = end.year, end.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out[::-1]


@dataclass
class TrendPoint:
    month: dt.date
    figures: dict[str, Counts] | None  # None: no snapshot that month
    tenants: int = 0  # how many tenants' snapshots were summed

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


def trend(session: Session, tenant_ids: Iterable[int], months: int = 12,
          until: dt.date | None = None) -> list[TrendPoint]:
    """Monthly figures summed over the snapshots of ``tenant_ids`` (numerators and denominators)."""
    wanted = last_months(months, until)
    ids = list(tenant_ids)
    rows = session.execute(
        select(CoverageSnapshot.month, CoverageSnapshot.figures)
        .where(CoverageSnapshot.tenant_id.in_(ids), CoverageSnapshot.month >= wanted[0],
               CoverageSnapshot.month <= wanted[-1])
    ).all()
    sums: dict[dt.date, dict[str, Counts]] = {}
    counts: dict[dt.date, int] = {}
    for month, figs in rows:
        target = sums.setdefault(month, empty_figures())
        counts[month] = counts.get(month, 0) + 1
        for k in KINDS:
            target[k].add((figs or {}).get(k, {}))
    return [TrendPoint(m, sums.get(m), counts.get(m, 0)) for m in wanted]


# --- chart data ----------------------------------------------------------------------------------


def bar_series(rows: list[ChildRow]) -> dict[str, Any]:
    """Props for ``charts.BarChart``: organizational and work coverage % by child tenant."""
    return {
        "categories": [("本级直属" if r.own else r.tenant.name) for r in rows],
        "series": [
            {"label": "组织覆盖率", "values": [r.figures["all"].org_rate for r in rows]},
            {"label": "工作覆盖率", "values": [r.figures["all"].work_rate for r in rows]},
        ],
    }


def trend_series(points: list[TrendPoint]) -> dict[str, Any]:
    """Props for ``charts.TrendChart``: the two rates per month (None where no snapshot)."""
    return {
        "labels": [p.label for p in points],
        "series": [
            {"label": "组织覆盖率", "values": [p.figures["all"].org_rate if p.figures else None for p in points]},
            {"label": "工作覆盖率", "values": [p.figures["all"].work_rate if p.figures else None for p in points]},
        ],
    }

