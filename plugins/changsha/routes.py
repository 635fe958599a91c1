"""Pages under /t/<slug>/changsha and the API under /api/t/<slug>/changsha.

Every handler names its permission in ``opt``. The tenant's own rows are read through its
session (another tenant's id: 404); the city's and a district's views over their subtree go
through ``ctx.read_rollup_session`` (read-only). Writes go through :mod:`plugins.changsha.service`
(field errors in Chinese, nothing half-saved) and are audited by the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import Cluster, Organization
from core.tenancy import tree
from core.web.context import Ctx
from core.web.forms import save
from core.web.render import flash, form_value, redirect, render
from plugins.changsha import dashboard as board
from plugins.changsha import program
from plugins.changsha import service as svc
from plugins.changsha.models import Platform, PlatformUnit

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "changsha:read"}
WRITE = {"permission": "changsha:write"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["changsha"]}


def _settings(ctx: Ctx):
    from core.plugins import registry

    return registry().settings(ctx.tenant.id, "changsha")


def _form(data: dict[str, Any], keys: tuple[str, ...], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {k: form_value(data, k) for k in keys}
    for k in lists:
        value = data.get(k)
        out[k] = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])
    return out


def _json(data: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (data or {}).items():
        out[k] = v if isinstance(v, bool | list) else ("" if v is None else str(v))
    return out


def _org_options(db: Session) -> list[tuple[int, str]]:
    return [(i, n) for i, n in db.execute(select(Organization.id, Organization.name)
                                          .where(Organization.status == "operating")
                                          .order_by(Organization.name, Organization.id))]


def _names(db: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def _tenant_names() -> dict[int, str]:
    return {t.id: t.name for t in tree().by_id.values()}


# --- dashboard ----------------------------------------------------------------------------------


@get("/", opt=READ, **PAGE)
def dashboard(ctx: Ctx) -> Response:
    today = clock.today()
    settings = _settings(ctx)
    return render("changsha:Dashboard", ctx=ctx, settings=settings, d=board.program_data(ctx, settings, today),
                  kinds=program.POINT_TYPES, statuses=svc.POINT_STATUSES, groups=program.GROUPS,
                  guarantees=program.SANXIANG_ITEMS, today=today, qianqi_steps=program.QIANQI_STEPS)


# --- CS-1 楼宇商圈党建点 ---------------------------------------------------------------------------

POINT_FILTERS = ("kind", "status", "gap", "area", "q")


def _filtered(ctx: Ctx, views: list[svc.PointView], f: dict[str, str]) -> list[svc.PointView]:
    _children, where = board.child_map(ctx)
    area = int(f["area"]) if f.get("area", "").isdigit() else None
    out = []
    for v in views:
        if f.get("status") in svc.POINT_STATUSES and v.status != f["status"]:
            continue
        if area is not None and where.get(v.cluster.tenant_id) != area:
            continue
        gap = f.get("gap", "")
        if gap == "any" and not v.gaps:
            continue
        if gap == "none" and v.gaps:
            continue
        if gap in program.SANXIANG_ITEMS and program.SANXIANG_ITEMS[gap] not in v.missing_guarantees:
            continue
        if gap == "sides" and not v.missing_sides:
            continue
        if gap == "trinity" and not v.missing_trinity:
            continue
        out.append(v)
    return out


def _views(ctx: Ctx, f: dict[str, str]) -> list[svc.PointView]:
    session = ctx.read_rollup_session("changsha:read")
    try:
        views = board.subtree_views(ctx, session, clock.today(), kind=f.get("kind", ""), q=f.get("q", "")[:100])
        return _filtered(ctx, views, f)
    finally:
        session.close()


@get("/points", opt=READ, **PAGE)
def points(ctx: Ctx, kind: str = "", status: str = "", gap: str = "", area: str = "", q: str = "") -> Response:
    f = {"kind": kind, "status": status, "gap": gap, "area": area, "q": q.strip()}
    children, _where = board.child_map(ctx)
    return render("changsha:Points", ctx=ctx, views=_views(ctx, f), f=f, kinds=program.POINT_TYPES,
                  statuses=svc.POINT_STATUSES, guarantees=program.SANXIANG_ITEMS, children=children,
                  tenants=_tenant_names())


def _point(ctx: Ctx, db: Session, cluster_id: int) -> tuple[Cluster, bool]:
    """The point's cluster and whether it is the tenant's own (editable); one of the subtree's is
    shown read-only; anything else is not found."""
    cluster = db.get(Cluster, cluster_id)
    if cluster is not None and cluster.cluster_type in program.POINT_TYPES:
        return cluster, True
    raise NotFoundException("楼宇商圈党建点不存在")


def _point_page(ctx: Ctx, db: Session, cluster_id: int, form=None, errors=None, status_code: int = 200) -> Response:
    from plugins.sites import api as sites

    today = clock.today()
    own = db.get(Cluster, cluster_id)
    if own is not None and own.cluster_type in program.POINT_TYPES:
        view = svc.point_views(db, [own], today)[0]
        editable = ctx.can("changsha:write")
        centres = [(s.id, s.name) for s in sites.sites_of(db, program.CENTRE_KIND)] if editable else []
    else:
        session = ctx.read_rollup_session("changsha:read")
        try:
            found = session.get(Cluster, cluster_id)
            if found is None or found.cluster_type not in program.POINT_TYPES or found.tenant_id == ctx.tenant.id:
                raise NotFoundException("楼宇商圈党建点不存在")
            view = svc.point_views(session, [found], today)[0]
        finally:
            session.close()
        editable, centres = False, []
    p = view.point
    form = form if form is not None else {
        "existing": "1" if view.existing else "", "status": view.status,
        "centre_site_id": str(p.centre_site_id or "") if p else "", "target_year": str(p.target_year or "") if p else "",
        "note": p.note if p else ""}
    return render("changsha:Point", status_code=status_code, ctx=ctx, v=view, own=own is not None and editable,
                  owner=tree().by_id.get(view.cluster.tenant_id), centres=centres, statuses=svc.POINT_STATUSES,
                  sides=program.SIDES, trinity=program.TRINITY, guarantees=program.SANXIANG_ITEMS,
                  form=form, errors=errors or {})


@get("/points/{cluster_id:int}", opt=READ, **PAGE)
def point_detail(ctx: Ctx, db: Session, cluster_id: int) -> Response:
    return _point_page(ctx, db, cluster_id)


POINT_KEYS = ("existing", "status", "centre_site_id", "target_year", "note")


@post("/points/{cluster_id:int}", opt=WRITE, **PAGE)
def point_save(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    cluster, _own = _point(ctx, db, cluster_id)
    form = _form(data, POINT_KEYS)
    save(db, lambda: svc.save_point(db, cluster, form, clock.today()),
         rerender=lambda errors: _point_page(ctx, db, cluster_id, form=form, errors=errors, status_code=422))
    flash(request, "已保存党建点提质升级情况")
    return redirect(ctx.url(f"changsha/points/{cluster_id}"))


@post("/points/{cluster_id:int}/guarantees", opt=WRITE, **PAGE)
def point_guarantees(ctx: Ctx, db: Session, request: Request, cluster_id: int) -> Response:
    cluster, _own = _point(ctx, db, cluster_id)
    ctx.require("checklists:write")
    checklist = save(db, lambda: svc.start_guarantees(db, ctx.tenant, cluster, clock.today()))
    flash(request, "已开始“三项保障”检查，请逐项上传佐证")
    return redirect(ctx.url(f"checklists/{checklist.id}"))


# --- CS-2 新业态新就业群体 ---------------------------------------------------------------------------

CENSUS_KEYS = ("group_key", "year", "headcount", "party_members", "department_unit_id", "note")


def _year(value: str) -> int:
    today = clock.today()
    return int(value) if value.isdigit() and 2000 <= int(value) <= today.year else today.year


def _groups_page(ctx: Ctx, db: Session, year: int, form=None, errors=None, status_code: int = 200) -> Response:
    from plugins.units import api as units

    rows = svc.census_rows(db, year)
    platforms = list(db.scalars(select(Platform).order_by(Platform.name)))
    unit_names = {u.id: u.name for u in units.units(db)}
    children, where = board.child_map(ctx)
    per_child: list[tuple[Any, dict[str, svc.GroupFigures]]] = []
    totals: dict[str, svc.GroupFigures] = {}
    if children:
        session = ctx.read_rollup_session("changsha:read")
        try:
            totals = svc.group_figures(session, ctx.subtree(), year)
            t = tree()
            for c in children:
                per_child.append((c, svc.group_figures(session, t.descendant_ids(c.id), year)))
        finally:
            session.close()
    return render("changsha:Groups", status_code=status_code, ctx=ctx, year=year, rows=rows, groups=program.GROUPS,
                  group_labels=program.GROUP_LABELS,
                  platforms=platforms, platform_names={p.id: p.name for p in platforms}, unit_names=unit_names,
                  own=svc.group_figures(db, [ctx.tenant.id], year), totals=totals, per_child=per_child,
                  associations=svc.association_rows(db), association_kinds=svc.ASSOCIATION_KINDS,
                  orgs=_org_options(db) if ctx.can("changsha:write") else [], form=form or {}, errors=errors or {},
                  homes=_homes(db), this_year=clock.today().year)


def _homes(db: Session) -> dict[str, list]:
    from plugins.sites import api as sites

    return {k: sites.sites_of(db, k, active_only=True) for k in (program.TRUCK_HOME, program.COURIER_HOME)}


@get("/groups", opt=READ, **PAGE)
def groups(ctx: Ctx, db: Session, year: str = "") -> Response:
    return _groups_page(ctx, db, _year(year))


@post("/groups", opt=WRITE, **PAGE)
def census_save(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, CENSUS_KEYS, lists=("platform_ids",))
    year = _year(str(form.get("year", "")))
    save(db, lambda: svc.save_census(db, form, clock.today()),
         rerender=lambda errors: _groups_page(ctx, db, year, form=form, errors=errors, status_code=422))
    flash(request, f"已保存{program.GROUP_LABELS.get(form['group_key'], '')}底数")
    return redirect(ctx.url(f"changsha/groups?year={year}"))


@post("/associations", opt=WRITE, **PAGE)
def association_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, ("organization_id", "group_key", "kind"))
    save(db, lambda: svc.add_association(db, form),
         rerender=lambda errors: _groups_page(ctx, db, clock.today().year, form={"assoc": form}, errors=errors,
                                              status_code=422))
    flash(request, "已登记协会（联盟）")
    return redirect(ctx.url("changsha/groups") + "#associations")


# --- CS-2 platform enterprises --------------------------------------------------------------------

PLATFORM_KEYS = ("name", "hq", "organization_id", "hq_city", "note")


def _platforms_page(ctx: Ctx, db: Session, form=None, errors=None, unit_form=None, status_code: int = 200) -> Response:
    platforms = list(db.scalars(select(Platform).order_by(Platform.hq_local.desc(), Platform.name)))
    units = list(db.scalars(select(PlatformUnit).order_by(PlatformUnit.id)))
    names = _names(db, [u.organization_id for u in units] + [p.organization_id for p in platforms])
    covering = svc.covering_party_orgs(db, names)
    return render("changsha:Platforms", status_code=status_code, ctx=ctx, platforms=platforms,
                  units={p.id: [u for u in units if u.platform_id == p.id] for p in platforms}, names=names,
                  covering=covering, gaps=svc.platform_gaps(db, platforms), rule=svc.platform_rule,
                  groups=program.GROUP_LABELS, unit_kinds=svc.UNIT_KINDS, local_kinds=svc.UNIT_KINDS_LOCAL,
                  elsewhere_kinds=svc.UNIT_KINDS_ELSEWHERE,
                  orgs=_org_options(db) if ctx.can("changsha:write") else [], form=form or {}, errors=errors or {},
                  unit_form=unit_form or {})


@get("/platforms", opt=READ, **PAGE)
def platforms(ctx: Ctx, db: Session) -> Response:
    return _platforms_page(ctx, db)


@post("/platforms", opt=WRITE, **PAGE)
def platform_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, PLATFORM_KEYS, lists=("groups",))
    save(db, lambda: svc.save_platform(db, form),
         rerender=lambda errors: _platforms_page(ctx, db, form=form, errors=errors, status_code=422))
    flash(request, "已登记互联网平台企业")
    return redirect(ctx.url("changsha/platforms"))


def _platform(db: Session, platform_id: int) -> Platform:
    row = db.get(Platform, platform_id)
    if row is None:
        raise NotFoundException("平台企业不存在")
    return row


@post("/platforms/{platform_id:int}/units", opt=WRITE, **PAGE)
def platform_unit_add(ctx: Ctx, db: Session, request: Request, platform_id: int, data: Form) -> Response:
    platform = _platform(db, platform_id)
    form = _form(data, ("organization_id", "unit_kind"))
    form["platform_id"] = str(platform_id)
    save(db, lambda: svc.add_platform_unit(db, platform, form),
         rerender=lambda errors: _platforms_page(ctx, db, errors=errors, unit_form=form, status_code=422))
    flash(request, "已登记平台企业的在长机构")
    return redirect(ctx.url("changsha/platforms") + f"#platform-{platform_id}")


# --- CS-3 产业链党建 ------------------------------------------------------------------------------------


def _chains(ctx: Ctx) -> list[svc.ChainView]:
    """Chain committees owned in the tenant's subtree, and those of its ancestors with members here
    (read-only); members of the subtree are named. One explicit read-only session over exactly the
    ancestors and the subtree, after checking ``changsha:read``."""
    from core import replica
    from core.registry.services.clusters import shared_query, shared_scope

    ctx.require("changsha:read")
    ancestors, subtree = shared_scope(ctx.tenant.id)
    session = replica.read_session(ctx.tenant.id, (*ancestors, *subtree), ctx.user.id,
                                   fresh_write_at=ctx.fresh_write_at)
    try:
        own = list(session.scalars(select(Cluster).where(
            Cluster.cluster_type == program.CHAIN, Cluster.tenant_id.in_(subtree), Cluster.archived_on.is_(None))
            .order_by(Cluster.name, Cluster.id)))
        shared = [c for c in session.scalars(shared_query(ancestors, subtree)) if c.cluster_type == program.CHAIN]
        return svc.chain_views(session, own + shared, subtree, clock.today())
    finally:
        session.close()  # read-only: nothing to keep; the views' rows stay loaded


@get("/chains", opt=READ, **PAGE)
def chains(ctx: Ctx) -> Response:
    return render("changsha:Chains", ctx=ctx, views=_chains(ctx), sides=program.CHAIN_SIDES,
                  platforms=program.PLATFORMS, settings=_settings(ctx))


# --- API -------------------------------------------------------------------------------------------


@dataclass
class PointOut:
    id: int
    name: str
    kind: str
    tenant: str
    existing: bool
    status: str
    sides: dict[str, list[str]]
    centre: str
    centre_services: list[str]
    guarantees: dict[str, str]
    checklist_status: str
    demands: int
    demands_open: int
    resources: int
    projects: int
    gaps: list[str]

    @classmethod
    def of(cls, v: svc.PointView) -> PointOut:
        owner = tree().by_id.get(v.cluster.tenant_id)
        return cls(v.cluster.id, v.cluster.name, v.cluster.cluster_type, owner.slug if owner else "", v.existing,
                   v.status, v.sides, v.centre_name, v.centre_services, v.guarantees, v.checklist_status, v.demands,
                   v.demands_open, v.resources, v.projects, v.gaps)


@get("/points", opt=READ, **API)
def api_points(ctx: Ctx, kind: str = "", status: str = "", gap: str = "", area: str = "", q: str = "") -> list[PointOut]:
    """The 楼宇商圈党建点 of the tenant's subtree (the city sees every district's and street's), with
    their three sides, 党群服务中心, 三项保障 item states, 三张清单 counts and gaps. Filters: ``kind``
    (a cluster type), ``status``, ``gap`` (``any`` / ``none`` / ``staff`` / ``funds`` / ``venue`` /
    ``sides`` / ``trinity``), ``area`` (a child tenant's id), ``q``."""
    f = {"kind": kind, "status": status, "gap": gap, "area": area, "q": q.strip()}
    return [PointOut.of(v) for v in _views(ctx, f)]


@post("/points/{cluster_id:int}", opt=WRITE, status_code=200, **API)
def api_point_save(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> PointOut:
    """Set a point's ``existing`` (bool), ``status`` (pending/upgrading/upgraded for existing points,
    building/built for new ones), ``centre_site_id`` (a 党群服务中心 site), ``target_year``, ``note``.
    ``upgraded`` / ``built`` need the three sides, the 三位一体 services and a passed 三项保障 checklist."""
    cluster, _own = _point(ctx, db, cluster_id)
    save(db, lambda: svc.save_point(db, cluster, _json(data), clock.today()))
    return PointOut.of(svc.point_views(db, [cluster], clock.today())[0])


@dataclass
class CensusOut:
    group: str
    label: str
    year: int
    headcount: int | None
    party_members: int | None
    platforms: list[str]
    department: str
    department_is_default: bool


@get("/census", opt=READ, **API)
def api_census(db: Session, year: str = "") -> list[CensusOut]:
    """This tenant's census of the nine groups for ``year`` (default this year); ``null`` where a
    group is not counted yet. The department is the tenant's unit or else the seed's."""
    from plugins.units import api as units

    y = _year(year)
    rows = svc.census_rows(db, y)
    names = {p.id: p.name for p in db.scalars(select(Platform))}
    unit_names = {u.id: u.name for u in units.units(db, include_archived=True)}
    out = []
    for key, (label, seed_department) in program.GROUPS.items():
        r = rows.get(key)
        dep = unit_names.get(r.department_unit_id, "") if r and r.department_unit_id else ""
        out.append(CensusOut(key, label, y, r.headcount if r else None, r.party_members if r else None,
                             [names[i] for i in (r.platform_ids if r else []) if i in names], dep or seed_department,
                             not dep))
    return out


@post("/census", opt=WRITE, status_code=200, **API)
def api_census_save(db: Session, data: dict[str, Any]) -> CensusOut:
    """``group_key``, ``year``, ``headcount``, ``party_members``, ``platform_ids`` (list),
    ``department_unit_id`` (a unit; empty: the seed's department), ``note``."""
    row = save(db, lambda: svc.save_census(db, _json(data), clock.today()))
    label, seed_department = program.GROUPS[row.group_key]
    return CensusOut(row.group_key, label, row.year, row.headcount, row.party_members,
                     [p.name for p in db.scalars(select(Platform).where(Platform.id.in_(row.platform_ids or [0])))],
                     seed_department if not row.department_unit_id else "", not row.department_unit_id)


@dataclass
class GapOut:
    platform_id: int
    platform: str
    rule: str
    subject: str
    problem: str


@dataclass
class PlatformOut:
    id: int
    name: str
    hq_local: bool
    organization_id: int | None
    hq_city: str
    groups: list[str]
    units: list[dict[str, Any]]
    gaps: list[GapOut]


def _platform_out(db: Session, p: Platform, gaps: list[svc.PlatformGap]) -> PlatformOut:
    units = [{"organization_id": u.organization_id, "unit_kind": u.unit_kind}
             for u in db.scalars(select(PlatformUnit).where(PlatformUnit.platform_id == p.id).order_by(PlatformUnit.id))]
    return PlatformOut(p.id, p.name, p.hq_local, p.organization_id, p.hq_city, list(p.groups), units,
                       [GapOut(p.id, p.name, g.rule, g.subject, g.problem) for g in gaps])


@get("/platforms", opt=READ, **API)
def api_platforms(db: Session) -> list[PlatformOut]:
    """The tenant's platform enterprises, their units in 长沙 and the gaps of the seed's HQ rule
    (总部在长沙：总部建党委、分支机构等建党支部；总部在外地：在长机构建党组织) against the registry."""
    rows = list(db.scalars(select(Platform).order_by(Platform.name)))
    gaps = svc.platform_gaps(db, rows)
    return [_platform_out(db, p, gaps[p.id]) for p in rows]


@post("/platforms", opt=WRITE, status_code=201, **API)
def api_platform_add(db: Session, data: dict[str, Any]) -> PlatformOut:
    """``name``, ``hq`` (``local`` | ``elsewhere``), ``organization_id`` (the HQ, when local),
    ``hq_city`` (when elsewhere), ``groups`` (list of group keys), ``note``."""
    p = save(db, lambda: svc.save_platform(db, _json(data)))
    return _platform_out(db, p, svc.platform_gaps(db, [p])[p.id])


@post("/platforms/{platform_id:int}/units", opt=WRITE, status_code=201, **API)
def api_platform_unit_add(db: Session, platform_id: int, data: dict[str, Any]) -> PlatformOut:
    """``organization_id`` and ``unit_kind`` (HQ local: branch/team/outlet/partner; elsewhere:
    subsidiary/agent/dispatch)."""
    p = _platform(db, platform_id)
    save(db, lambda: svc.add_platform_unit(db, p, _json(data)))
    return _platform_out(db, p, svc.platform_gaps(db, [p])[p.id])


@dataclass
class AssociationOut:
    id: int
    organization_id: int
    name: str
    group: str
    kind: str
    party_orgs: list[str]


@get("/associations", opt=READ, **API)
def api_associations(db: Session) -> list[AssociationOut]:
    """The groups' 协会 / 联盟 and the party orgs built on them (empty: a gap)."""
    return [AssociationOut(a.id, o.id, o.name, a.group_key, a.kind, [po.name for po in pos])
            for a, o, pos in svc.association_rows(db)]


@post("/associations", opt=WRITE, status_code=201, **API)
def api_association_add(db: Session, data: dict[str, Any]) -> AssociationOut:
    """``organization_id`` (the association in the registry), ``group_key``, ``kind`` (association/alliance)."""
    a = save(db, lambda: svc.add_association(db, _json(data)))
    o = db.get(Organization, a.organization_id)
    pos = svc.covering_party_orgs(db, [o.id]).get(o.id, [])
    return AssociationOut(a.id, o.id, o.name, a.group_key, a.kind, [po.name for po in pos])


@dataclass
class ChainOut:
    id: int
    name: str
    owner: str
    chain: str
    party_committee: str
    leaders: dict[str, list[str]]
    members: list[dict[str, str]]
    members_elsewhere: int
    member_tenants: list[str]
    whistles_open: int
    whistles_closed: int
    whistles_escalated: int
    gaps: list[str]


@get("/chains", opt=READ, **API)
def api_chains(ctx: Ctx) -> list[ChainOut]:
    """产业链党委 (clusters of type ``changsha.chain``) owned in this tenant's subtree or by a
    district / city above with members here: leaders (书记 and the three sides), the chain's party
    committee, members of this subtree (others counted), 吹哨报到 demands by state, gaps."""
    return [ChainOut(v.cluster.id, v.cluster.name, v.owner, (v.cluster.attributes or {}).get("chain", ""),
                     v.lead_party_org, v.leaders, [{"tenant": t, "name": n} for t, n in v.members], v.elsewhere,
                     v.member_tenants, v.whistles_open, v.whistles_closed, v.whistles_escalated, v.gaps)
            for v in _chains(ctx)]


PAGE_ROUTES = [dashboard, points, point_detail, point_save, point_guarantees, groups, census_save, association_add,
               platforms, platform_add, platform_unit_add, chains]
API_ROUTES = [api_points, api_point_save, api_census, api_census_save, api_platforms, api_platform_add,
              api_platform_unit_add, api_associations, api_association_add, api_chains]
