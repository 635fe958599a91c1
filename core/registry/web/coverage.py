"""Registry pages and API: the two coverages (两个覆盖, CORE-5).

``/t/<slug>/coverage``: figures of the tenant's subtree by kind, "三有", 应建未建 …; for a
district or city a row and a bar per child; a trend line from monthly snapshots.
``/t/<slug>/coverage/orgs?metric=…&kind=…&tenant=<id>``: the organizations behind any
number (paginated, ``format=xlsx`` exports). Pages, API reads and exports run on
``ctx.read_rollup_session("coverage:read")`` — a permission-checked, read-only session over
the subtree, on the read replica when one is configured; taking a snapshot writes through
``ctx.rollup_session``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.registry import choices
from core.registry.models import CoverageSnapshot
from core.registry.services import coverage as cov
from core.registry.web import paging
from core.tenancy import tree
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.render import flash, redirect, render

READ = {"permission": "coverage:read"}
SNAPSHOT = {"permission": "registry:write"}

#: metrics shown in the dashboard table, with the row label
TABLE_ROWS = [
    ("total", "在营两新组织"),
    ("org_covered", "党的组织覆盖"),
    ("work_covered", "党的工作覆盖"),
    ("has_members", "三有 · 有党员"),
    ("org_covered", "三有 · 有组织"),
    ("has_effect", "三有 · 有作用"),
    ("three_haves", "三有齐全"),
    ("should_build", "应建未建（≥3 名正式党员、无单独党组织）"),
    ("members_no_org", "有党员无组织"),
    ("uncovered_no_instructor", "未覆盖且无党建指导员"),
]
CHILD_COLUMNS = ["total", "org_covered", "work_covered", "has_members", "has_effect", "should_build",
                 "members_no_org", "uncovered_no_instructor"]


def _filter_errors(params: Any) -> dict[str, str]:
    """Problems of a drill-down's query values, by field (Chinese)."""
    errors: dict[str, str] = {}
    metric, kind = (params.get("metric") or "total").strip(), (params.get("kind") or "").strip()
    if metric not in cov.METRICS:
        errors["metric"] = f"统计指标：未知的指标「{metric[:30]}」，可选 {'、'.join(cov.METRICS)}"
    if kind and kind not in cov.KINDS:
        errors["kind"] = f"组织类别：未知的类别「{kind[:30]}」，可选 {'、'.join(cov.KINDS)}"
    paging.integer(params, "tenant", "辖区编号", 1, 2**31 - 1, errors)
    if (params.get("own") or "").strip().lower() not in ("", "0", "1", "true", "false"):
        errors["own"] = "仅本级：应为 1 或 0"
    return errors


def _drill_args(params: Any) -> tuple[str, str, int | None, bool, str]:
    """(metric, kind, tenant, own, q) of a checked drill-down query."""
    tenant = params.get("tenant")
    return ((params.get("metric") or "total").strip(), (params.get("kind") or "").strip(),
            int(tenant) if tenant and tenant.strip() else None,
            (params.get("own") or "").strip().lower() in ("1", "true"), (params.get("q") or "").strip())


def _target(ctx: Ctx, tenant: int | None, own: bool) -> tuple[Any, tuple[int, ...]]:
    """The tenant a drill-down is about (in the subtree, else 404) and the tenant ids it counts."""
    t = tree()
    tid = tenant or ctx.tenant.id
    if tid not in ctx.subtree():
        raise NotFoundException("辖区不存在")
    return t.by_id[tid], ((tid,) if own else t.descendant_ids(tid))


def drill_url(ctx: Ctx, metric: str, kind: str = "all", tenant: int | None = None, own: bool = False) -> str:
    params: dict[str, Any] = {"metric": metric}
    if kind and kind != "all":
        params["kind"] = kind
    if tenant and tenant != ctx.tenant.id:
        params["tenant"] = tenant
    elif tenant and own:
        params["tenant"] = tenant
    if own:
        params["own"] = 1
    return ctx.url("coverage/orgs") + "?" + urlencode(params)


def _latest_snapshot(session: Session, ids: tuple[int, ...]):
    return session.scalar(select(func.max(CoverageSnapshot.month)).where(CoverageSnapshot.tenant_id.in_(ids)))


@dataclass
class DashboardData:
    board: cov.Dashboard
    trend: list[cov.TrendPoint]
    latest: Any


def _rollup(ctx: Ctx) -> Session:
    """The permission-checked session over the subtree, attributed to the user in the audit log."""
    rs = ctx.rollup_session("coverage:read")
    rs.info["username"] = ctx.user.username
    return rs


def read_session(ctx: Ctx) -> Session:
    """The same scope, read-only: on the replica when one is configured and fresh enough."""
    return ctx.read_rollup_session("coverage:read")


def _dashboard(ctx: Ctx, rs: Session) -> DashboardData:
    board = cov.dashboard(rs, ctx.tenant, tree())
    points = cov.trend(rs, ctx.subtree())
    latest = _latest_snapshot(rs, ctx.subtree())
    return DashboardData(board, points, latest)


@get("/coverage", opt=READ, include_in_schema=False, sync_to_thread=True)
def coverage_page(ctx: Ctx) -> Response:
    with read_session(ctx) as rs:
        data = _dashboard(ctx, rs)
        stmt = cov.drilldown_query("should_build", tenant_ids=ctx.subtree())
        should_build, should_total = cov.drilldown_page(rs, stmt, 1, 10)
        covering = cov.covering_party_orgs(rs, [r.org.id for r in should_build])
    return render(
        "registry:CoveragePage", ctx=ctx, figures=data.board.figures, rows=data.board.by_child,
        bar=cov.bar_series(data.board.by_child), trend=cov.trend_series(data.trend),
        trend_points=data.trend, latest=data.latest, table_rows=TABLE_ROWS, child_columns=CHILD_COLUMNS,
        metrics=cov.METRICS, kinds=cov.KINDS, link=lambda *a, **k: drill_url(ctx, *a, **k),
        should_build=should_build, should_total=should_total, covering=covering, names=_tenant_names(),
    )


def _tenant_names() -> dict[int, str]:
    return {t.id: t.name for t in tree().by_id.values()}


def _slugs() -> dict[int, str]:
    return {t.id: t.slug for t in tree().by_id.values()}


EXPORT_HEADERS = ["组织名称", "统一社会信用代码", "类别", "所属辖区", "所属社区/村", "从业人员数",
                  "党员数", "正式党员数", "党组织覆盖", "党建工作活跃", "有党建指导员"]


def _yes(value: bool) -> str:
    return "是" if value else "否"


@get("/coverage/orgs", opt=READ, include_in_schema=False, sync_to_thread=True)
def coverage_orgs(ctx: Ctx, db: Session, request: Request, format: str = "") -> Response:
    params = dict(request.query_params.items())
    errors = _filter_errors(params)
    paging.warn(ctx, errors)
    page, page_size = paging.page_of(ctx, {k: v for k, v in params.items() if k not in errors})
    metric, kind, tenant, own, q = _drill_args({k: v for k, v in params.items() if k not in errors})
    target, ids = _target(ctx, tenant, own)
    names = _tenant_names()
    stmt = cov.drilldown_query(metric, kind, ids, q.strip())
    kind_label = cov.KINDS.get(kind or "all")
    title = f"{cov.METRICS[metric]} · {kind_label} · {target.name}{'（本级直属）' if own else ''}"
    with read_session(ctx) as rs:
        if format == "xlsx":
            rows = (
                [r.org.name, r.org.credit_code or "", choices.ORG_KINDS.get(r.org.kind, r.org.kind),
                 names.get(r.org.tenant_id, ""), r.org.community, r.org.employees, r.n_members, r.n_full,
                 _yes(r.covered), _yes(r.org.party_work_active), _yes(r.instructed)]
                for r in cov.iter_drilldown(rs, stmt)
            )
            return xlsx_export(db, title.replace(" · ", "-"), EXPORT_HEADERS, rows, action="coverage.export",
                               entity="organizations", sheet=cov.METRICS[metric],
                               query={k: v for k, v in params.items() if v})  # the entry on the primary
        items, total = cov.drilldown_page(rs, stmt, page, page_size)
        covering = cov.covering_party_orgs(rs, [r.org.id for r in items])
    query = {"metric": metric, "kind": kind, "tenant": tenant or "", "own": "1" if own else "", "q": q}
    export = ctx.url("coverage/orgs") + "?" + urlencode({k: v for k, v in {**query, "format": "xlsx"}.items() if v})
    return render(
        "registry:CoverageOrgs", ctx=ctx, title=title, items=items, total=total, page=page, page_size=page_size,
        query=query, export_url=export, metrics=cov.METRICS, kinds=cov.KINDS, covering=covering,
        names=names, slugs=_slugs(), kind_labels=choices.ORG_KINDS, show_tenant=len(ids) > 1,
        target=target,
    )


@post("/coverage/snapshot", opt=SNAPSHOT, include_in_schema=False, sync_to_thread=True)
def snapshot_page(ctx: Ctx, request: Request) -> Response:
    month = cov.month_start()
    with _rollup(ctx) as rs:
        n = cov.take_snapshots(rs, ctx.subtree(), month)
        rs.commit()
    flash(request, f"已生成 {month:%Y年%m月} 的覆盖率快照（{n} 个辖区）")
    return redirect(ctx.url("coverage"))


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class FiguresOut:
    total: int
    org_covered: int
    org_uncovered: int
    work_covered: int
    work_uncovered: int
    has_members: int
    has_effect: int
    three_haves: int
    should_build: int
    members_no_org: int
    uncovered_no_instructor: int
    has_instructor: int
    org_rate: float | None
    work_rate: float | None

    @classmethod
    def of(cls, c: cov.Counts) -> FiguresOut:
        return cls(**c.as_dict())


@dataclass
class ByKindOut:
    enterprise: FiguresOut
    social: FiguresOut
    all: FiguresOut

    @classmethod
    def of(cls, figs: dict[str, cov.Counts]) -> ByKindOut:
        return cls(**{k: FiguresOut.of(figs[k]) for k in cov.KINDS})


@dataclass
class ChildOut:
    tenant_id: int
    slug: str
    name: str
    own: bool
    figures: ByKindOut


@dataclass
class TrendOut:
    month: str
    tenants: int
    figures: ByKindOut | None


@dataclass
class CoverageOut:
    tenant_id: int
    slug: str
    name: str
    figures: ByKindOut
    by_child: list[ChildOut]
    trend: list[TrendOut]


@get("/coverage", opt=READ, sync_to_thread=True, tags=["coverage"])
def api_coverage(ctx: Ctx) -> CoverageOut:
    """Figures of the tenant's subtree by kind, one entry per child tenant, the 12-month trend."""
    with read_session(ctx) as rs:
        data = _dashboard(ctx, rs)
    return CoverageOut(
        ctx.tenant.id, ctx.tenant.slug, ctx.tenant.name, ByKindOut.of(data.board.figures),
        [ChildOut(r.tenant.id, r.tenant.slug, r.tenant.name, r.own, ByKindOut.of(r.figures))
         for r in data.board.by_child],
        [TrendOut(p.label, p.tenants, ByKindOut.of(p.figures) if p.figures else None) for p in data.trend],
    )


@dataclass
class DrillItemOut:
    id: int
    tenant_id: int
    name: str
    credit_code: str | None
    kind: str
    community: str
    employees: int
    members: int
    full_members: int
    org_covered: bool
    party_work_active: bool
    has_instructor: bool


@dataclass
class DrillOut:
    metric: str
    kind: str
    tenant_id: int
    total: int
    page: int
    page_size: int
    items: list[DrillItemOut]


@get("/coverage/orgs", opt=READ, sync_to_thread=True, tags=["coverage"])
def api_coverage_orgs(ctx: Ctx, request: Request) -> DrillOut:
    """The organizations behind one figure (same definitions as the counts). Query: ``metric``
    (default total), ``kind``, ``tenant`` (an id in the subtree), ``own`` (1: that tenant only,
    not its subtree), ``q``, ``page``, ``page_size`` (1–200); a bad value answers 422 naming it."""
    params = dict(request.query_params.items())
    errors = _filter_errors(params)
    page, page_size = paging.page_values(params, errors)
    if errors:
        raise FormErrors(errors)
    metric, kind, tenant, own, q = _drill_args(params)
    target, ids = _target(ctx, tenant, own)
    with read_session(ctx) as rs:
        items, total = cov.drilldown_page(rs, cov.drilldown_query(metric, kind, ids, q.strip()), page, page_size)
    return DrillOut(
        metric, kind or "all", target.id, total, max(page, 1), page_size,
        [DrillItemOut(r.org.id, r.org.tenant_id, r.org.name, r.org.credit_code, r.org.kind, r.org.community,
                      r.org.employees, r.n_members, r.n_full, r.covered, bool(r.org.party_work_active),
                      r.instructed) for r in items],
    )


@dataclass
class SnapshotOut:
    month: str
    tenants: int


@post("/coverage/snapshots", opt=SNAPSHOT, sync_to_thread=True, tags=["coverage"])
def api_snapshot(ctx: Ctx) -> SnapshotOut:
    """Store this month's figures for every tenant of the subtree (updates an existing snapshot)."""
    month = cov.month_start()
    with _rollup(ctx) as rs:
        n = cov.take_snapshots(rs, ctx.subtree(), month)
        rs.commit()
    return SnapshotOut(month.strftime("%Y-%m"), n)


ROUTES: list = [coverage_page, coverage_orgs, snapshot_page]
API_ROUTES: list = [api_coverage, api_coverage_orgs, api_snapshot]
