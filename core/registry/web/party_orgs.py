"""Registry pages and API: party organizations (党组织), their tree and coverage.

Pages under ``/t/<slug>/party-orgs`` (tree view by default, ``?view=list`` for the filtered
list), JSON under ``/api/t/<slug>/party-orgs``. Reading needs ``registry:read`` (an org
secretary sees only the party orgs covering their organizations), writing ``registry:write``.
Rules live in :mod:`core.registry.services.party_orgs`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, delete, get, patch, post, put
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock
from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import PartyOrg
from core.registry.schemas import PARTY_ORG_FIELDS
from core.registry.services import party_orgs as svc
from core.registry.services.organizations import Access, Refused
from core.registry.services.party_orgs import PartyOrgFilter
from core.registry.web import paging
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.panels import collect_panels
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "registry:read"}
WRITE = {"permission": "registry:write"}

OPTIONS = {
    "types": choices.PARTY_ORG_TYPES,
    "modes": choices.FORMATION_MODES,
    "venues": choices.VENUE_CLASSES,
    "venue_filters": svc.VENUE_FILTERS,
    "yes_no": svc.YES_NO,
    "dissolved": svc.DISSOLVED_FILTERS,
    "terms": svc.TERM_FILTERS,
    "term_due_days": svc.TERM_DUE_DAYS,
}
FIELDS = {spec.key: spec for spec in PARTY_ORG_FIELDS}


# --- pages --------------------------------------------------------------------------------------


@get("/party-orgs", opt=READ, include_in_schema=False, sync_to_thread=True)
def po_index(ctx: Ctx, db: Session, request: Request, view: str = "") -> Response:
    access = Access.of(ctx)
    f = PartyOrgFilter.from_mapping(request.query_params.dict())
    day = clock.today()
    common = {"ctx": ctx, "f": f, "access": access, "opts": _opts(ctx), "labels": svc.labels,
              "term_counts": svc.term_counts(db, access, day), "term_of": lambda p: svc.term_status(p, day)}
    if view != "tree" and (view == "list" or f.active):
        page, page_size = paging.page_of(ctx, request.query_params)
        result = svc.list_party_orgs(db, access, f, page, page_size)
        ids = [p.id for p in result.items]
        return render("registry:PartyOrgList", view="list", result=result,
                      query={**f.query(), "view": "list"}, export_query=f.query(),
                      parents=svc.parent_names(db, result.items), covered=svc.coverage_counts(db, ids),
                      members=svc.member_counts(db, ids), rows=[], **common)
    return render("registry:PartyOrgList", view="tree", result=None, query={}, export_query={},
                  parents={}, covered={}, members={}, rows=svc.tree_rows(db, access), **common)


@get("/party-orgs/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def po_export(ctx: Ctx, db: Session, read_db: Session, request: Request) -> Response:
    """Rows from ``read_db`` (the replica when configured); the audit entry on the primary."""
    access = Access.of(ctx)
    f = PartyOrgFilter.from_mapping(request.query_params.dict())
    return xlsx_export(db, "党组织", svc.export_headers(ctx.tenant), svc.export_rows(read_db, access, f),
                       action="party_orgs.export", entity="party_orgs", query=f.query())


def _opts(ctx: Ctx) -> dict[str, Any]:
    return {**OPTIONS, "modes": ext.code_list(ctx.tenant, "formation_modes")}


def _raw(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """The submitted form: the core's fields and the tenant's extra fields."""
    return {**svc.raw_form(data), **ext.raw_from_form(ext.extra_fields(ctx.tenant, "party_org"), data)}


def _values(ctx: Ctx, db: Session, po: PartyOrg | None = None) -> dict[str, Any]:
    extra = ext.form_values(ext.extra_fields(ctx.tenant, "party_org"), po.extra if po else None)
    return {**svc.form_values(db, po), **extra}


def _form_page(ctx: Ctx, db: Session, form: dict, errors: dict, po: PartyOrg | None, status: int = 200
               ) -> Response:
    fields = {**FIELDS, "formation_mode": ext.tenant_specs(ctx.tenant, [FIELDS["formation_mode"]])[0]}
    return render("registry:PartyOrgForm", status_code=status, ctx=ctx, form=form, errors=errors, po=po,
                  opts=_opts(ctx), fields=fields, parents=svc.parent_choices(db, po),
                  extra_specs=ext.specs(ctx.tenant, "party_org"))


@get("/party-orgs/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_new(ctx: Ctx, db: Session, parent: str = "") -> Response:
    form = _values(ctx, db)
    if parent:
        form["parent"] = parent
    return _form_page(ctx, db, form, {}, None)


@post("/party-orgs/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(ctx, data)
    po = save(db, lambda: svc.create_party_org(db, Access.of(ctx), raw),
              rerender=lambda errors: _form_page(ctx, db, raw, errors, None))
    flash(request, f"已新建「{po.name}」")
    return redirect(ctx.url(f"party-orgs/{po.id}"))


def _detail_page(ctx: Ctx, db: Session, po: PartyOrg, status: int = 200, errors: dict | None = None,
                 form: dict | None = None) -> Response:
    access = Access.of(ctx)
    errors = errors or {}
    if errors.get("__all__"):
        ctx.flashes.append(["error", errors["__all__"]])
    return render("registry:PartyOrgDetail", status_code=status, ctx=ctx, d=svc.detail(db, access, po),
                  access=access, labels=svc.labels(po), errors=errors, form=form or {},
                  extra=ext.display(db, "party_org", po),
                  today=clock.today().isoformat(), term=svc.term_status(po),
                  candidates=svc.coverage_candidates(db) if access.write_all and po.dissolved_on is None else [],
                  panels=collect_panels(ctx, db, "party_org", po.id))


@get("/party-orgs/{po_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def po_detail(ctx: Ctx, db: Session, po_id: int) -> Response:
    return _detail_page(ctx, db, svc.get_party_org(db, Access.of(ctx), po_id))


@get("/party-orgs/{po_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_edit(ctx: Ctx, db: Session, po_id: int) -> Response:
    po = svc.get_party_org(db, Access.of(ctx), po_id)
    return _form_page(ctx, db, _values(ctx, db, po), {}, po)


@post("/party-orgs/{po_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_update(ctx: Ctx, db: Session, request: Request, po_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    raw = _raw(ctx, data)
    save(db, lambda: svc.update_party_org(db, access, po, raw),
         rerender=lambda errors: _form_page(ctx, db, raw, errors, db.get(PartyOrg, po_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"party-orgs/{po.id}"))


@post("/party-orgs/{po_id:int}/coverage", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_cover(ctx: Ctx, db: Session, request: Request, po_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    ref = form_value(data, "organization")
    org, warnings = save(db, lambda: svc.add_coverage(db, access, po, ref),
                         rerender=lambda errors: _detail_page(ctx, db, db.get(PartyOrg, po_id),
                                                              errors=errors, form={"organization": ref}))
    flash(request, f"已将「{org.name}」纳入覆盖")
    for w in warnings:
        flash(request, f"注意：{w}", "warning")
    return redirect(ctx.url(f"party-orgs/{po.id}"))


@post("/party-orgs/{po_id:int}/coverage/{org_id:int}/remove", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def po_uncover(ctx: Ctx, db: Session, request: Request, po_id: int, org_id: int) -> Response:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    org = svc.remove_coverage(db, access, po, org_id)
    db.commit()
    flash(request, f"已将「{org.name}」移出覆盖范围")
    return redirect(ctx.url(f"party-orgs/{po.id}"))


@post("/party-orgs/{po_id:int}/dissolve", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_dissolve(ctx: Ctx, db: Session, request: Request, po_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    raw = {k: form_value(data, k) for k in ("dissolved_on", "dissolved_reason")}
    save(db, lambda: svc.dissolve(db, access, po, raw),
         rerender=lambda errors: _detail_page(ctx, db, db.get(PartyOrg, po_id), errors=errors, form=raw))
    flash(request, f"「{po.name}」已撤销")
    return redirect(ctx.url(f"party-orgs/{po.id}"))


@post("/party-orgs/{po_id:int}/delete", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def po_delete(ctx: Ctx, db: Session, request: Request, po_id: int) -> Response:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    name = po.name
    try:
        save(db, lambda: svc.delete_party_org(db, access, po))
    except Refused as exc:  # still referred to: 409, said on its page
        return _detail_page(ctx, db, db.get(PartyOrg, po_id), 409, {"__all__": exc.message})
    flash(request, f"已删除「{name}」")
    return redirect(ctx.url("party-orgs"))


# --- API ----------------------------------------------------------------------------------------


@dataclass
class PartyOrgOut:
    id: int
    name: str
    org_type: str
    org_type_label: str
    parent_id: int | None
    formation_mode: str
    formation_mode_label: str
    secretary_name: str
    founded_on: dt.date | None
    term_ends_on: dt.date | None
    venue_class: int | None
    venue_accepted_on: dt.date | None
    is_weak: bool
    is_model: bool
    dissolved_on: dt.date | None
    dissolved_reason: str
    term_status: str  # "overdue" | "due" (换届 within 90 days) | ""
    organization_ids: list[int]
    member_count: int
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    #: the tenant's extra fields (``register_extra_fields``): key → value
    extra: dict[str, Any]


@dataclass
class PartyOrgPage:
    items: list[PartyOrgOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class TreeNodeOut:
    id: int
    name: str
    org_type: str
    parent_id: int | None
    depth: int
    children: int
    covered: int
    members: int
    dissolved: bool


@dataclass
class CoverageOut:
    party_org_id: int
    organization_id: int
    organization_ids: list[int]
    warnings: list[str]


def _out(db: Session, access: Access, pos: list[PartyOrg]) -> list[PartyOrgOut]:
    ids = [p.id for p in pos]
    members, covered_ids = svc.member_counts(db, ids), svc.covered_ids(db, access, ids)
    day = clock.today()
    out = []
    fields = ext.extra_fields(db, "party_org")
    for p in pos:
        covered = covered_ids.get(p.id, [])
        lab = svc.labels(p)
        out.append(PartyOrgOut(
            id=p.id, name=p.name, org_type=p.org_type, org_type_label=lab["org_type"], parent_id=p.parent_id,
            formation_mode=p.formation_mode, formation_mode_label=lab["formation_mode"],
            secretary_name=p.secretary_name, founded_on=p.founded_on, term_ends_on=p.term_ends_on,
            venue_class=p.venue_class, venue_accepted_on=p.venue_accepted_on, is_weak=p.is_weak,
            is_model=p.is_model, dissolved_on=p.dissolved_on, dissolved_reason=p.dissolved_reason,
            term_status=svc.term_status(p, day), organization_ids=covered, member_count=members.get(p.id, 0),
            created_at=p.created_at, updated_at=p.updated_at, extra=ext.api_values(p, fields)))
    return out


@get("/party-orgs", opt=READ, sync_to_thread=True, tags=["registry"])
def api_list(ctx: Ctx, db: Session, request: Request, q: str = "", org_type: str = "", formation_mode: str = "",
             weak: str = "", model: str = "", venue_class: str = "", dissolved: str = "",
             term: str = "") -> PartyOrgPage:
    """Party orgs; ``weak``/``model``/``dissolved`` take yes/no, ``venue_class`` 1/2/3/none,
    ``term`` (换届) overdue / due (ends within 90 days) / none (no term end recorded) — live orgs
    only, the most urgent first; ``page``, ``page_size`` (1–200) — a bad value answers 422."""
    page, page_size = paging.api_page(request.query_params, choices={
        "org_type": ("党组织类型", choices.PARTY_ORG_TYPES), "formation_mode": ("组建方式", ext.code_list(ctx.tenant, "formation_modes")),
        "weak": ("软弱涣散", ("yes", "no")), "model": ("示范", ("yes", "no")),
        "dissolved": ("已撤销", ("yes", "no")), "venue_class": ("阵地类别", (*choices.VENUE_CLASSES, "none")),
        "term": ("换届", svc.TERM_FILTERS)})
    access = Access.of(ctx)
    f = PartyOrgFilter(q=q, org_type=org_type, formation_mode=formation_mode, weak=weak, model=model,
                       venue_class=venue_class, dissolved=dissolved, term=term)
    result = svc.list_party_orgs(db, access, f, page, page_size)
    return PartyOrgPage(_out(db, access, result.items), result.total, result.page, result.page_size,
                        result.pages)


@get("/party-orgs/tree", opt=READ, sync_to_thread=True, tags=["registry"])
def api_tree(ctx: Ctx, db: Session) -> list[TreeNodeOut]:
    """The tree in depth-first order (``depth`` 0 = root, the street two-new committee)."""
    return [TreeNodeOut(r.org.id, r.org.name, r.org.org_type, r.org.parent_id, r.depth, r.children, r.covered,
                        r.members, r.org.dissolved_on is not None) for r in svc.tree_rows(db, Access.of(ctx))]


@get("/party-orgs/{po_id:int}", opt=READ, sync_to_thread=True, tags=["registry"])
def api_get(ctx: Ctx, db: Session, po_id: int) -> PartyOrgOut:
    access = Access.of(ctx)
    return _out(db, access, [svc.get_party_org(db, access, po_id)])[0]


@post("/party-orgs", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> PartyOrgOut:
    """``parent`` is the parent's id or exact name."""
    access = Access.of(ctx)
    po = save(db, lambda: svc.create_party_org(db, access, data))
    return _out(db, access, [po])[0]


def _update(ctx: Ctx, db: Session, po_id: int, data: dict[str, Any], partial: bool) -> PartyOrgOut:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    save(db, lambda: svc.update_party_org(db, access, po, data, partial=partial))
    return _out(db, access, [po])[0]


@patch("/party-orgs/{po_id:int}", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_patch(ctx: Ctx, db: Session, po_id: int, data: dict[str, Any]) -> PartyOrgOut:
    return _update(ctx, db, po_id, data, partial=True)


@put("/party-orgs/{po_id:int}", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_put(ctx: Ctx, db: Session, po_id: int, data: dict[str, Any]) -> PartyOrgOut:
    return _update(ctx, db, po_id, data, partial=False)


@delete("/party-orgs/{po_id:int}", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_delete(ctx: Ctx, db: Session, po_id: int) -> None:
    """Refused with 409 while child orgs, members or cluster memberships refer to it."""
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    try:
        save(db, lambda: svc.delete_party_org(db, access, po))
    except Refused as exc:
        raise HTTPException(status_code=409, detail=exc.message) from exc


@post("/party-orgs/{po_id:int}/coverage", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_cover(ctx: Ctx, db: Session, po_id: int, data: dict[str, Any]) -> CoverageOut:
    """Body ``{"organization": <id, credit code or exact name>}``; 422 when the rules refuse."""
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    org, warnings = save(db, lambda: svc.add_coverage(db, access, po, data.get("organization")))
    return CoverageOut(po.id, org.id, [o.id for o in svc.covered_organizations(db, po)], warnings)


@delete("/party-orgs/{po_id:int}/coverage/{org_id:int}", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_uncover(ctx: Ctx, db: Session, po_id: int, org_id: int) -> None:
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    svc.remove_coverage(db, access, po, org_id)
    db.commit()


@post("/party-orgs/{po_id:int}/dissolve", opt=WRITE, sync_to_thread=True, tags=["registry"])
def api_dissolve(ctx: Ctx, db: Session, po_id: int, data: dict[str, Any]) -> PartyOrgOut:
    """Body ``{"dissolved_on": "2024-03-01", "dissolved_reason": "…"}``; ends the org's coverage."""
    access = Access.of(ctx)
    po = svc.get_party_org(db, access, po_id)
    save(db, lambda: svc.dissolve(db, access, po, data))
    return _out(db, access, [po])[0]


ROUTES: list = [po_index, po_export, po_new, po_create, po_detail, po_edit, po_update, po_cover, po_uncover,
                po_dissolve, po_delete]
API_ROUTES: list = [api_list, api_tree, api_get, api_create, api_patch, api_put, api_delete, api_cover,
                    api_uncover, api_dissolve]
