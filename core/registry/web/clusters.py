"""Registry pages and API: clusters (组团 — 联组, 党建联盟, 楼宇商圈党建点 … by type).

Reading needs ``registry:read``; every write ``clusters:write``. Leader rules of the
cluster's type are enforced by :mod:`core.registry.services.clusters` (maxima always,
minima when a cluster is marked complete or checked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Request, Response, delete, get, patch, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history, replica
from core.plugin_types import ClusterType
from core.registry.models import Cluster, ClusterLeader, ClusterMember
from core.registry.services import clusters as svc
from core.registry.web import paging
from core.tenancy import tree
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "registry:read"}
WRITE = {"permission": "clusters:write"}


def _types(ctx: Ctx) -> dict[str, ClusterType]:
    return svc.cluster_types(ctx.tenant)


@contextmanager
def _lookup(ctx: Ctx, db: Session) -> Iterator[Session]:
    """Where a cluster's member references are resolved and named: for a district or city (a
    tenant with descendants) a read-only session over its subtree — its clusters may group its
    streets' organizations; otherwise the request's session. Always closed."""
    if len(ctx.subtree()) <= 1:
        yield db
        return
    session = ctx.read_rollup_session("registry:read")
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _only_orgs(ctx: Ctx, db: Session) -> set[int] | None:
    """An org secretary (write_own without write) sees only clusters of their own organizations."""
    if ctx.can("registry:write_own") and not ctx.can("registry:write"):
        return svc.own_organizations(db, ctx.user.id)
    return None


def _get(db: Session, cluster_id: int, ctx: Ctx | None = None) -> Cluster:
    cluster = db.get(Cluster, cluster_id)
    if cluster is None:  # another tenant's id is filtered out by the session: 404
        raise NotFoundException("组团不存在")
    if ctx is not None and not svc.visible_to(cluster.id, db, _only_orgs(ctx, db)):
        raise NotFoundException("组团不存在")
    return cluster


def _shown_members(members: list[ClusterMember], only: set[int] | None) -> list[ClusterMember]:
    """The member rows a user may see (an org secretary: their own organizations only)."""
    return members if only is None else [m for m in members if m.organization_id in only]


def _form(data: dict[str, Any]) -> dict[str, str]:
    return {k: form_value(data, k) for k in data if k != "_csrf_token"}


# --- list and export -----------------------------------------------------------------------------

EXPORT_HEADERS = ["组团名称", "类型", "片区/范围", "牵头组织", "牵头党组织", "在册成员数", "负责人", "负责人配备", "状态"]


@get("/clusters", opt=READ, include_in_schema=False, sync_to_thread=True)
def cluster_list(ctx: Ctx, db: Session, request: Request, q: str = "", type: str = "", status: str = "active",
                 format: str = "") -> Response:
    types = _types(ctx)
    status = status if status in svc.STATUSES else "active"
    stmt = svc.list_query(q.strip(), type, status, _only_orgs(ctx, db))
    if format == "xlsx":
        rows = list(db.scalars(stmt))
        ids = [c.id for c in rows]
        counts = svc.member_counts(db, ids)
        leaders = svc.leader_summaries(db, ids, types, rows)
        problems = svc.problems_by_cluster(db, rows, types)
        orgs, parties = svc.names_of(db, [c.lead_organization_id for c in rows], [c.lead_party_org_id for c in rows])
        data = [[c.name, svc.type_label(types, c.cluster_type), c.area, orgs.get(c.lead_organization_id, ""),
                 parties.get(c.lead_party_org_id, ""), counts.get(c.id, 0), leaders.get(c.id, ""),
                 "；".join(problems.get(c.id, [])) or "符合要求", "已归档" if c.archived_on else "在用"]
                for c in rows]
        return xlsx_export(db, "组团名单", EXPORT_HEADERS, data, action="clusters.export", entity="clusters",
                           query={"q": q, "type": type, "status": status}, sheet="组团")
    result = paginate(db, stmt, *paging.page_of(ctx, request.query_params))
    ids = [c.id for c in result.items]
    orgs, parties = svc.names_of(db, [c.lead_organization_id for c in result.items],
                                 [c.lead_party_org_id for c in result.items])
    query = {"q": q, "type": type, "status": status}
    return render(
        "registry:ClusterList", ctx=ctx, result=result, query=query, types=types,
        counts=svc.member_counts(db, ids), leaders=svc.leader_summaries(db, ids, types, result.items),
        problems=svc.problems_by_cluster(db, result.items, types), orgs=orgs, parties=parties,
        statuses=svc.STATUSES, type_label=lambda k: svc.type_label(types, k),
    )


# --- create / edit -------------------------------------------------------------------------------


def _form_page(ctx: Ctx, types, form: dict, errors: dict, cluster: Cluster | None, status: int = 200) -> Response:
    key = cluster.cluster_type if cluster else form.get("cluster_type", "")
    return render("registry:ClusterForm", status_code=status, ctx=ctx, form=form, errors=errors, cluster=cluster,
                  types=types, current_type=types.get(key), type_label=svc.type_label(types, key))


@get("/clusters/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_new(ctx: Ctx, type: str = "") -> Response:
    types = _types(ctx)
    key = type if type in types else next(iter(types))
    return _form_page(ctx, types, {"cluster_type": key}, {}, None)


@post("/clusters/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_create(ctx: Ctx, db: Session, data: Form) -> Response:
    types = _types(ctx)
    form = _form(data)
    cluster = save(db, lambda: svc.create_cluster(db, form, types),
                   rerender=lambda errors: _form_page(ctx, types, form, errors, None))
    return redirect(ctx.url(f"clusters/{cluster.id}"))


def merged_attrs(cluster: Cluster) -> dict[str, Any]:
    return {k: v for k, v in (cluster.attributes or {}).items() if not k.startswith("_")}


def _as_form(db: Session, cluster: Cluster, *, ids: bool = False) -> dict[str, str]:
    """The cluster as form values; lead units by name (``ids``: by id, for the API)."""
    orgs, parties = svc.names_of(db, [cluster.lead_organization_id], [cluster.lead_party_org_id])
    if ids:
        orgs = {cluster.lead_organization_id: str(cluster.lead_organization_id or "")}
        parties = {cluster.lead_party_org_id: str(cluster.lead_party_org_id or "")}
    form = {"name": cluster.name, "area": cluster.area, "description": cluster.description,
            "cluster_type": cluster.cluster_type,
            "lead_organization": orgs.get(cluster.lead_organization_id, ""),
            "lead_party_org": parties.get(cluster.lead_party_org_id, "")}
    form.update({f"attr_{k}": v for k, v in (cluster.attributes or {}).items() if not k.startswith("_")})
    return form


@get("/clusters/{cluster_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_edit(ctx: Ctx, db: Session, cluster_id: int) -> Response:
    cluster = _get(db, cluster_id)
    return _form_page(ctx, _types(ctx), _as_form(db, cluster), {}, cluster)


@post("/clusters/{cluster_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_update(ctx: Ctx, db: Session, cluster_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    types = _types(ctx)
    form = _form(data)
    save(db, lambda: svc.update_cluster(db, cluster, form, types),
         rerender=lambda errors: _form_page(ctx, types, {**form, "cluster_type": cluster.cluster_type}, errors,
                                            cluster))
    return redirect(ctx.url(f"clusters/{cluster.id}"))


@post("/clusters/{cluster_id:int}/archive", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_archive(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    archive = form_value(data, "archived", "1") == "1"
    svc.set_archived(db, cluster, archive)
    db.commit()
    flash(request, "组团已归档" if archive else "组团已恢复")
    return redirect(ctx.url(f"clusters/{cluster.id}"))


# --- detail, members, leaders --------------------------------------------------------------------


def _history(db: Session, cluster: Cluster, members: list[ClusterMember], leaders: list[ClusterLeader]):
    return history.of(db, {"clusters": [cluster.id], "cluster_members": [m.id for m in members],
                           "cluster_leaders": [x.id for x in leaders]}, cluster.tenant_id, limit=100)


def _detail(ctx: Ctx, db: Session, cluster: Cluster, *, status: int = 200, member_form=None, member_errors=None,
            leader_form=None, leader_errors=None, errors=None) -> Response:
    types = _types(ctx)
    kinds = svc.member_kinds(ctx.tenant)
    ct = types.get(cluster.cluster_type)
    all_members = svc.members_of(db, cluster)
    members = _shown_members(all_members, _only_orgs(ctx, db))
    leaders = svc.leaders_of(db, cluster)
    active_leaders = [x for x in leaders if svc.is_active_leader(x)]
    with _lookup(ctx, db) as lookup:
        orgs, parties = svc.names_of(
            lookup,
            [m.organization_id for m in members] + [x.organization_id for x in leaders]
            + [cluster.lead_organization_id],
            [m.party_org_id for m in members] + [cluster.lead_party_org_id],
        )
        ext_names = svc.member_names(lookup, members, kinds)
    labels = svc.kind_labels(kinds)
    return render(
        "registry:ClusterDetail", status_code=status, ctx=ctx, cluster=cluster, ct=ct,
        type_label=svc.type_label(types, cluster.cluster_type), members=members, leaders=leaders,
        active_leaders=active_leaders, orgs=orgs, parties=parties,
        problems=svc.validate_leaders(ct, active_leaders) if ct else [],
        complete=svc.is_complete(cluster), titles=svc.title_labels(ct),
        rules=[(r, svc.rule_text(ct, r)) for r in ct.leaders] if ct else [],
        member_kinds={k: labels[k] for k in (ct.member_kinds if ct else svc.MEMBER_KINDS) if k in labels},
        ext_names=ext_names, kind_labels=labels,
        tenant_names={t.id: t.name for t in (tree().by_id.get(m.member_tenant_id) for m in members) if t},
        member_form=member_form or {}, member_errors=member_errors or {},
        leader_form=leader_form or {}, leader_errors=leader_errors or {}, errors=errors or {},
        history=_history(db, cluster, members, leaders), today=clock.today(),
        hidden_members=len(all_members) - len(members),
        attributes=[(label, (cluster.attributes or {}).get(key, "")) for key, label in (ct.attributes if ct else ())],
    )


@get("/clusters/{cluster_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def cluster_detail(ctx: Ctx, db: Session, cluster_id: int) -> Response:
    return _detail(ctx, db, _get(db, cluster_id, ctx))


def _add_member(ctx: Ctx, db: Session, cluster: Cluster, data: dict[str, Any], rerender=None) -> None:
    with _lookup(ctx, db) as lookup:
        save(db, lambda: svc.add_member(db, cluster, data, _types(ctx), lookup=lookup,
                                        kinds=svc.member_kinds(ctx.tenant)), rerender=rerender)


@post("/clusters/{cluster_id:int}/members", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def member_add(ctx: Ctx, db: Session, cluster_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    form = _form(data)
    _add_member(ctx, db, cluster, form,
                rerender=lambda errors: _detail(ctx, db, cluster, member_form=form, member_errors=errors))
    return redirect(ctx.url(f"clusters/{cluster.id}") + "#members")


@post("/clusters/{cluster_id:int}/members/{member_id:int}/end", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def member_end(ctx: Ctx, db: Session, cluster_id: int, member_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    try:
        save(db, lambda: svc.end_member(db, cluster, member_id, _form(data)),
             rerender=lambda errors: _detail(ctx, db, cluster, errors=errors))
    except LookupError as exc:
        raise NotFoundException("成员不存在") from exc
    return redirect(ctx.url(f"clusters/{cluster.id}") + "#members")


@post("/clusters/{cluster_id:int}/leaders", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def leader_add(ctx: Ctx, db: Session, cluster_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    form = _form(data)
    save(db, lambda: svc.add_leader(db, cluster, form, _types(ctx)),
         rerender=lambda errors: _detail(ctx, db, cluster, leader_form=form, leader_errors=errors))
    return redirect(ctx.url(f"clusters/{cluster.id}") + "#leaders")


@post("/clusters/{cluster_id:int}/leaders/{leader_id:int}/end", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def leader_end(ctx: Ctx, db: Session, cluster_id: int, leader_id: int, data: Form) -> Response:
    cluster = _get(db, cluster_id)
    try:
        save(db, lambda: svc.end_leader(db, cluster, leader_id, _form(data)),
             rerender=lambda errors: _detail(ctx, db, cluster, errors=errors))
    except LookupError as exc:
        raise NotFoundException("负责人不存在") from exc
    return redirect(ctx.url(f"clusters/{cluster.id}") + "#leaders")


@post("/clusters/{cluster_id:int}/complete", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def cluster_complete(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    """Mark the cluster complete (leader minima checked) or back to "being set up"."""
    cluster = _get(db, cluster_id)
    complete = form_value(data, "complete", "1") == "1"
    save(db, lambda: svc.mark_complete(db, cluster, _types(ctx), complete),
         rerender=lambda errors: _detail(ctx, db, cluster, errors=errors))
    flash(request, "已标记为组建完成" if complete else "已改回组建中")
    return redirect(ctx.url(f"clusters/{cluster.id}"))


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class LeaderRuleOut:
    title: str
    label: str
    min: int
    max: int | None
    rule: str


@dataclass
class ClusterTypeOut:
    key: str
    label: str
    description: str
    member_kinds: list[str]
    leaders: list[LeaderRuleOut]
    attributes: dict[str, str]
    #: a member belongs to at most one current cluster of this type
    exclusive_members: bool

    @classmethod
    def of(cls, ct: ClusterType) -> ClusterTypeOut:
        return cls(ct.key, ct.label, ct.description, list(ct.member_kinds),
                   [LeaderRuleOut(r.title, r.label, r.min, r.max, svc.rule_text(ct, r)) for r in ct.leaders],
                   dict(ct.attributes), ct.exclusive_members)


@dataclass
class ClusterMemberOut:
    id: int
    #: organization, party_org or a kind a plugin registers (units …)
    kind: str
    organization_id: int | None
    party_org_id: int | None
    name: str
    joined_on: dt.date | None
    left_on: dt.date | None
    #: the tenant the member belongs to (a district's cluster groups its streets' members)
    tenant_id: int | None = None
    #: the id of a member of a registered kind
    ref_id: int | None = None


@dataclass
class ClusterLeaderOut:
    id: int
    title: str
    title_label: str
    person_name: str
    organization_id: int | None
    organization: str
    appointed_on: dt.date | None
    letter_no: str
    ended_on: dt.date | None


@dataclass
class ClusterOut:
    id: int
    cluster_type: str
    type_label: str
    name: str
    area: str
    description: str
    lead_organization_id: int | None
    lead_organization: str
    lead_party_org_id: int | None
    lead_party_org: str
    attributes: dict[str, Any]
    archived_on: dt.date | None
    complete: bool
    problems: list[str]
    members: list[ClusterMemberOut] = field(default_factory=list)
    leaders: list[ClusterLeaderOut] = field(default_factory=list)


def _out(db: Session, cluster: Cluster, types, *, detail: bool = True, only: set[int] | None = None,
         lookup: Session | None = None, kinds=None) -> ClusterOut:
    lookup = lookup or db
    ct = types.get(cluster.cluster_type)
    members = _shown_members(svc.members_of(db, cluster), only) if detail else []
    leaders = svc.leaders_of(db, cluster)
    orgs, parties = svc.names_of(
        lookup,
        [m.organization_id for m in members] + [x.organization_id for x in leaders] + [cluster.lead_organization_id],
        [m.party_org_id for m in members] + [cluster.lead_party_org_id])
    ext_names = svc.member_names(lookup, members, kinds or {})
    labels = svc.title_labels(ct)
    active = [x for x in leaders if svc.is_active_leader(x)]
    return ClusterOut(
        cluster.id, cluster.cluster_type, svc.type_label(types, cluster.cluster_type), cluster.name, cluster.area,
        cluster.description, cluster.lead_organization_id, orgs.get(cluster.lead_organization_id, ""),
        cluster.lead_party_org_id, parties.get(cluster.lead_party_org_id, ""),
        {k: v for k, v in (cluster.attributes or {}).items() if not k.startswith("_")}, cluster.archived_on,
        svc.is_complete(cluster), svc.validate_leaders(ct, active) if ct else [],
        [ClusterMemberOut(m.id, svc.kind_of(m), m.organization_id, m.party_org_id,
                          ext_names.get(m.id) or orgs.get(m.organization_id) or parties.get(m.party_org_id) or "",
                          m.joined_on, m.left_on, m.member_tenant_id or cluster.tenant_id, m.ref_id)
         for m in members],
        [ClusterLeaderOut(x.id, x.title, labels.get(x.title, x.title), x.person_name, x.organization_id,
                          orgs.get(x.organization_id, ""), x.appointed_on, x.letter_no, x.ended_on)
         for x in (leaders if detail else active)],
    )


@dataclass
class ClusterPageOut:
    items: list[ClusterOut]
    total: int
    page: int
    page_size: int
    pages: int


@get("/cluster-types", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_types(ctx: Ctx) -> list[ClusterTypeOut]:
    """Cluster types this tenant may use, with their leader rules."""
    return [ClusterTypeOut.of(ct) for ct in _types(ctx).values()]


@get("/clusters", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_list(ctx: Ctx, db: Session, request: Request, q: str = "", type: str = "",
             status: str = "active") -> ClusterPageOut:
    """Clusters; ``status`` active/archived/all; ``page``, ``page_size`` (1–200) — a bad value
    answers 422 naming it."""
    types = _types(ctx)
    page, page_size = paging.api_page(request.query_params, choices={
        "status": ("状态", svc.STATUSES), "type": ("类型", types)})
    only = _only_orgs(ctx, db)
    result = paginate(db, svc.list_query(q.strip(), type, status if status in svc.STATUSES else "active", only),
                      page, page_size)
    return ClusterPageOut([_out(db, c, types, detail=False) for c in result.items], result.total, result.page,
                          result.page_size, result.pages)


def _full(ctx: Ctx, db: Session, cluster: Cluster, only: set[int] | None = None) -> ClusterOut:
    """The cluster with members named (through the subtree for a district's or city's)."""
    with _lookup(ctx, db) as lookup:
        return _out(db, cluster, _types(ctx), only=only, lookup=lookup, kinds=svc.member_kinds(ctx.tenant))


@get("/clusters/{cluster_id:int}", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_get(ctx: Ctx, db: Session, cluster_id: int) -> ClusterOut:
    return _full(ctx, db, _get(db, cluster_id, ctx), only=_only_orgs(ctx, db))


@post("/clusters", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> ClusterOut:
    """Body: name, cluster_type, area, description, lead_organization, lead_party_org, attributes{}."""
    types = _types(ctx)
    cluster = save(db, lambda: svc.create_cluster(db, data, types))
    return _out(db, cluster, types)


@patch("/clusters/{cluster_id:int}", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_update(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> ClusterOut:
    """Fields not sent keep their value; the type cannot change."""
    cluster = _get(db, cluster_id)
    types = _types(ctx)
    merged = {**_as_form(db, cluster, ids=True), "attributes": merged_attrs(cluster)}
    given = data.get("attributes")
    merged.update(data)
    if isinstance(given, dict):
        merged["attributes"] = {**merged_attrs(cluster), **given}
    save(db, lambda: svc.update_cluster(db, cluster, merged, types))
    return _out(db, cluster, types)


@delete("/clusters/{cluster_id:int}", opt=WRITE, sync_to_thread=True, tags=["clusters"], status_code=200)
def api_archive(ctx: Ctx, db: Session, cluster_id: int) -> ClusterOut:
    """Archive (the cluster, its members and leaders are kept)."""
    cluster = _get(db, cluster_id)
    svc.set_archived(db, cluster, True)
    db.commit()
    return _out(db, cluster, _types(ctx))


@post("/clusters/{cluster_id:int}/members", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_member_add(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> ClusterOut:
    """Body: kind ("organization" | "party_org" | a registered kind such as a unit), ref (name,
    credit code or id), joined_on. A district's or city's cluster takes members of its streets."""
    cluster = _get(db, cluster_id)
    _add_member(ctx, db, cluster, data)
    return _full(ctx, db, cluster)


@post("/clusters/{cluster_id:int}/members/{member_id:int}/end", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_member_end(ctx: Ctx, db: Session, cluster_id: int, member_id: int, data: dict[str, Any] | None = None
                   ) -> ClusterOut:
    """Body: left_on (default today)."""
    cluster = _get(db, cluster_id)
    try:
        save(db, lambda: svc.end_member(db, cluster, member_id, data or {}))
    except LookupError as exc:
        raise NotFoundException("成员不存在") from exc
    return _out(db, cluster, _types(ctx))


@post("/clusters/{cluster_id:int}/leaders", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_leader_add(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> ClusterOut:
    """Body: title (rule code), person_name, organization, appointed_on, letter_no, replaces (leader id)."""
    cluster = _get(db, cluster_id)
    types = _types(ctx)
    save(db, lambda: svc.add_leader(db, cluster, data, types))
    return _out(db, cluster, types)


@post("/clusters/{cluster_id:int}/leaders/{leader_id:int}/end", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_leader_end(ctx: Ctx, db: Session, cluster_id: int, leader_id: int, data: dict[str, Any] | None = None
                   ) -> ClusterOut:
    """Body: ended_on (default today)."""
    cluster = _get(db, cluster_id)
    try:
        save(db, lambda: svc.end_leader(db, cluster, leader_id, data or {}))
    except LookupError as exc:
        raise NotFoundException("负责人不存在") from exc
    return _out(db, cluster, _types(ctx))


@dataclass
class CheckOut:
    ok: bool
    complete: bool
    problems: list[str]


@get("/clusters/{cluster_id:int}/check", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_check(ctx: Ctx, db: Session, cluster_id: int) -> CheckOut:
    """Every leader rule (minima included) the cluster breaks now; ``ok`` when there is none."""
    cluster = _get(db, cluster_id, ctx)
    problems = svc.check_cluster(db, cluster, _types(ctx))
    return CheckOut(not problems, svc.is_complete(cluster), problems)


@post("/clusters/{cluster_id:int}/complete", opt=WRITE, sync_to_thread=True, tags=["clusters"])
def api_complete(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any] | None = None) -> ClusterOut:
    """Mark complete (422 with the unmet rules under ``leaders``); body ``{"complete": false}`` undoes it."""
    cluster = _get(db, cluster_id)
    types = _types(ctx)
    complete = (data or {}).get("complete", True) not in (False, 0, "0", "false")
    save(db, lambda: svc.mark_complete(db, cluster, types, complete))
    return _out(db, cluster, types)


ROUTES: list = [cluster_list, cluster_new, cluster_create, cluster_edit, cluster_update, cluster_archive,
                cluster_detail, member_add, member_end, leader_add, leader_end, cluster_complete]
API_ROUTES: list = [api_types, api_list, api_get, api_create, api_update, api_archive, api_member_add,
                    api_member_end, api_leader_add, api_leader_end, api_check, api_complete]


# --- clusters of ancestors, read-only (cross-tenant clusters) ----------------------------------


@contextmanager
def _shared(ctx: Ctx) -> Iterator[tuple[Session, tuple[int, ...], tuple[int, ...]]]:
    """A read-only session over the tenant's ancestors and subtree (registry:read checked),
    for the clusters of a district or city that include members here; always closed."""
    ctx.require("registry:read")
    ancestors, subtree = svc.shared_scope(ctx.tenant.id)
    session = replica.read_session(ctx.tenant.id, (*ancestors, *subtree), ctx.user.id,
                                   fresh_write_at=ctx.fresh_write_at)
    try:
        yield session, ancestors, subtree
    finally:
        session.rollback()
        session.close()


@dataclass
class SharedClusterOut:
    """A cluster of a district or city that includes members of this tenant (read-only)."""

    id: int
    owner: str  # the tenant that owns it
    owner_slug: str
    cluster_type: str
    type_label: str
    name: str
    area: str
    description: str
    leaders: list[ClusterLeaderOut]
    #: this tenant's (and its subtree's) current members
    members: list[ClusterMemberOut]
    #: current members elsewhere (other streets): counted, not named
    other_members: int


def _shared_out(db: Session, cluster: Cluster, subtree: tuple[int, ...]) -> SharedClusterOut:
    owner = tree().by_id.get(cluster.tenant_id)
    types = svc.cluster_types(owner) if owner else {}
    kinds = svc.member_kinds(owner)
    ct = types.get(cluster.cluster_type)
    labels = svc.title_labels(ct)
    current = [m for m in svc.members_of(db, cluster) if svc.is_active_member(m)]
    mine = [m for m in current if m.member_tenant_id in subtree]
    orgs, parties = svc.names_of(db, [m.organization_id for m in mine], [m.party_org_id for m in mine])
    extra = svc.member_names(db, mine, kinds)
    leaders = svc.leaders_of(db, cluster, active_only=True)
    return SharedClusterOut(
        cluster.id, owner.name if owner else "", owner.slug if owner else "", cluster.cluster_type,
        svc.type_label(types, cluster.cluster_type), cluster.name, cluster.area, cluster.description,
        [ClusterLeaderOut(x.id, x.title, labels.get(x.title, x.title), x.person_name, None, "", x.appointed_on,
                          x.letter_no, x.ended_on) for x in leaders],
        [ClusterMemberOut(m.id, svc.kind_of(m), m.organization_id, m.party_org_id,
                          extra.get(m.id) or orgs.get(m.organization_id) or parties.get(m.party_org_id) or "",
                          m.joined_on, m.left_on, m.member_tenant_id) for m in mine],
        len(current) - len(mine))


def _shared_get(db: Session, ancestors, subtree, cluster_id: int) -> Cluster:
    cluster = db.scalar(svc.shared_query(ancestors, subtree).where(Cluster.id == cluster_id))
    if cluster is None:  # not an ancestor's, or no member here: as if it did not exist
        raise NotFoundException("组团不存在")
    return cluster


@get("/clusters/shared", opt=READ, include_in_schema=False, sync_to_thread=True)
def shared_list(ctx: Ctx, q: str = "") -> Response:
    with _shared(ctx) as (db, ancestors, subtree):
        rows = [_shared_out(db, c, subtree) for c in db.scalars(svc.shared_query(ancestors, subtree, q.strip())
                                                                  .limit(500))]
    return render("registry:ClusterShared", ctx=ctx, rows=rows, q=q)


@get("/clusters/shared/{cluster_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def shared_detail(ctx: Ctx, cluster_id: int) -> Response:
    with _shared(ctx) as (db, ancestors, subtree):
        row = _shared_out(db, _shared_get(db, ancestors, subtree, cluster_id), subtree)
    return render("registry:ClusterSharedDetail", ctx=ctx, c=row)


@get("/clusters/shared", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_shared_list(ctx: Ctx, q: str = "") -> list[SharedClusterOut]:
    """Clusters of the districts / cities above that include organizations, party orgs (or
    units) of this tenant or below — read-only; members elsewhere are only counted."""
    with _shared(ctx) as (db, ancestors, subtree):
        return [_shared_out(db, c, subtree) for c in db.scalars(svc.shared_query(ancestors, subtree, q.strip())
                                                                  .limit(500))]


@get("/clusters/shared/{cluster_id:int}", opt=READ, sync_to_thread=True, tags=["clusters"])
def api_shared_get(ctx: Ctx, cluster_id: int) -> SharedClusterOut:
    with _shared(ctx) as (db, ancestors, subtree):
        return _shared_out(db, _shared_get(db, ancestors, subtree, cluster_id), subtree)


ROUTES += [shared_list, shared_detail]
API_ROUTES += [api_shared_list, api_shared_get]
