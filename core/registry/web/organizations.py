"""Registry pages and API: two-new organizations (两新组织).

Pages under ``/t/<slug>/organizations``, JSON under ``/api/t/<slug>/organizations``.
Handlers are thin: access rules, validation and queries live in
:mod:`core.registry.services.organizations`. Every route needs ``registry:read``; writes are
checked object by object (staff: any organization of the tenant; org secretary: only their own).
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

from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import Organization
from core.registry.schemas import ORGANIZATION_FIELDS
from core.registry.services import organizations as svc
from core.registry.services.organizations import Access, OrgFilter, Refused
from core.registry.web import paging
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.panels import collect_panels
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "registry:read"}

OPTIONS = {
    "kinds": choices.ORG_KINDS,
    "sub_kinds": choices.ORG_SUB_KINDS,
    "industries": choices.INDUSTRIES,
    "statuses": choices.ORG_STATUSES,
    "coverage": svc.COVERAGE_FILTERS,
    "flags": svc.FLAG_FILTERS,
    "flag_labels": svc.FLAGS,
}
FIELDS = {spec.key: spec for spec in ORGANIZATION_FIELDS}


# --- pages --------------------------------------------------------------------------------------


def _filter(request: Request) -> OrgFilter:
    return OrgFilter.from_mapping(request.query_params.dict())


@get("/organizations", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_list(ctx: Ctx, db: Session, request: Request) -> Response:
    access = Access.of(ctx)
    f = _filter(request)
    page, page_size = paging.page_of(ctx, request.query_params)
    result = svc.list_organizations(db, access, f, page, page_size)
    ids = [o.id for o in result.items]
    return render("registry:OrganizationList", ctx=ctx, result=result, f=f, query=f.query(), access=access,
                  covering=svc.covering_party_orgs(db, ids), members=svc.member_counts(db, ids),
                  places=svc.filter_options(db, access), opts=OPTIONS, labels=svc.labels)


@get("/organizations/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_export(ctx: Ctx, db: Session, read_db: Session, request: Request) -> Response:
    """Rows from ``read_db`` (the replica when configured); the audit entry on the primary."""
    access = Access.of(ctx)
    f = _filter(request)
    return xlsx_export(db, "两新组织", svc.export_headers(ctx.tenant), svc.export_rows(read_db, access, f),
                       action="organizations.export", entity="organizations", query=f.query())


def _opts(ctx: Ctx) -> dict[str, Any]:
    return {**OPTIONS, "industries": ext.code_list(ctx.tenant, "industries")}


def _raw(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """The submitted form: the core's fields and the tenant's extra fields."""
    return {**svc.raw_form(data), **ext.raw_from_form(ext.extra_fields(ctx.tenant, "organization"), data)}


def _values(ctx: Ctx, org: Organization | None = None) -> dict[str, Any]:
    extra = ext.form_values(ext.extra_fields(ctx.tenant, "organization"), org.extra if org else None)
    return {**svc.form_values(org), **extra}


def _form_page(ctx: Ctx, db: Session, form: dict, errors: dict, org: Organization | None,
               status: int = 200) -> Response:
    fields = {**FIELDS, "industry": ext.tenant_specs(ctx.tenant, [FIELDS["industry"]])[0]}
    return render("registry:OrganizationForm", status_code=status, ctx=ctx, form=form, errors=errors, org=org,
                  opts=_opts(ctx), fields=fields, extra_specs=ext.specs(ctx.tenant, "organization"))


@get("/organizations/new", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_new(ctx: Ctx, db: Session) -> Response:
    Access.of(ctx).require_create()
    return _form_page(ctx, db, _values(ctx), {}, None)


@post("/organizations/new", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    access = Access.of(ctx)
    access.require_create()
    raw = _raw(ctx, data)
    org = save(db, lambda: svc.create_organization(db, access, raw),
               rerender=lambda errors: _form_page(ctx, db, raw, errors, None))
    flash(request, f"已登记「{org.name}」")
    return redirect(ctx.url(f"organizations/{org.id}"))


def _detail_page(ctx: Ctx, db: Session, org: Organization, status: int = 200, error: str = "") -> Response:
    access = Access.of(ctx)
    if error:
        ctx.flashes.append(["error", error])
    return render("registry:OrganizationDetail", status_code=status, ctx=ctx, d=svc.detail(db, org),
                  access=access, opts=_opts(ctx), fields=ORGANIZATION_FIELDS, labels=svc.labels(org),
                  phone=svc.masked_phone(org), extra=ext.display(db, "organization", org),
                  panels=collect_panels(ctx, db, "organization", org.id))


@get("/organizations/{org_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_detail(ctx: Ctx, db: Session, org_id: int) -> Response:
    return _detail_page(ctx, db, svc.get_organization(db, Access.of(ctx), org_id))


@get("/organizations/{org_id:int}/edit", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_edit(ctx: Ctx, db: Session, org_id: int) -> Response:
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    access.require_write()
    return _form_page(ctx, db, _values(ctx, org), {}, org)


@post("/organizations/{org_id:int}/edit", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_update(ctx: Ctx, db: Session, request: Request, org_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    raw = _raw(ctx, data)
    save(db, lambda: svc.update_organization(db, access, org, raw),
         rerender=lambda errors: _form_page(ctx, db, raw, errors, db.get(Organization, org_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"organizations/{org.id}"))


@post("/organizations/{org_id:int}/status", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_status(ctx: Ctx, db: Session, request: Request, org_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    save(db, lambda: svc.set_status(db, access, org, form_value(data, "status")),
         rerender=lambda errors: _detail_page(ctx, db, db.get(Organization, org_id), error=errors["status"]))
    flash(request, f"经营状态已改为「{choices.ORG_STATUSES[org.status]}」")
    return redirect(ctx.url(f"organizations/{org.id}"))


@post("/organizations/{org_id:int}/delete", opt=READ, include_in_schema=False, sync_to_thread=True)
def org_delete(ctx: Ctx, db: Session, request: Request, org_id: int) -> Response:
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    name = org.name
    try:
        save(db, lambda: svc.delete_organization(db, access, org))
    except Refused as exc:  # still referred to: 409, said on its page
        return _detail_page(ctx, db, db.get(Organization, org_id), 409, exc.message)
    flash(request, f"已删除「{name}」")
    return redirect(ctx.url("organizations"))


# --- API ----------------------------------------------------------------------------------------


@dataclass
class OrganizationOut:
    id: int
    name: str
    credit_code: str | None
    kind: str
    kind_label: str
    sub_kind: str
    sub_kind_label: str
    industry: str
    industry_label: str
    address: str
    community: str
    building: str
    employees: int
    investor: str
    legal_rep: str
    contact_name: str
    contact_phone: str  # masked
    status: str
    status_label: str
    has_union: bool
    has_youth_league: bool
    has_womens_federation: bool
    is_internet_platform: bool
    employs_new_groups: bool
    party_work_active: bool
    notes: str
    party_org_ids: list[int]
    member_count: int
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    #: the tenant's extra fields (``register_extra_fields``): key → value
    extra: dict[str, Any]

    @classmethod
    def of(cls, org: Organization, party_org_ids: list[int], member_count: int) -> OrganizationOut:
        lab = svc.labels(org)
        return cls(
            id=org.id, name=org.name, credit_code=org.credit_code, kind=org.kind, kind_label=lab["kind"],
            sub_kind=org.sub_kind, sub_kind_label=lab["sub_kind"], industry=org.industry,
            industry_label=lab["industry"], address=org.address, community=org.community,
            building=org.building, employees=org.employees, investor=org.investor, legal_rep=org.legal_rep,
            contact_name=org.contact_name, contact_phone=svc.masked_phone(org), status=org.status,
            status_label=lab["status"], has_union=org.has_union, has_youth_league=org.has_youth_league,
            has_womens_federation=org.has_womens_federation, is_internet_platform=org.is_internet_platform,
            employs_new_groups=org.employs_new_groups, party_work_active=org.party_work_active,
            notes=org.notes, party_org_ids=party_org_ids, member_count=member_count,
            created_at=org.created_at, updated_at=org.updated_at,
            extra=ext.api_values(org, ext.extra_fields(org.tenant_id, "organization")),
        )


@dataclass
class OrganizationPage:
    items: list[OrganizationOut]
    total: int
    page: int
    page_size: int
    pages: int


def _out(db: Session, orgs: list[Organization]) -> list[OrganizationOut]:
    ids = [o.id for o in orgs]
    covering, counts = svc.covering_party_orgs(db, ids), svc.member_counts(db, ids)
    return [OrganizationOut.of(o, [p.id for p in covering.get(o.id, [])], counts.get(o.id, 0)) for o in orgs]


#: list filters whose values the API checks (422 naming the field)
API_CHOICES = {
    "kind": ("类别", choices.ORG_KINDS),
    "sub_kind": ("细分类型", [k for sub in choices.ORG_SUB_KINDS.values() for k in sub]),
    "status": ("经营状态", choices.ORG_STATUSES),
    "coverage": ("党组织覆盖", svc.COVERAGE_FILTERS),
    "flag": ("标记", svc.FLAG_FILTERS),
}


@get("/organizations", opt=READ, sync_to_thread=True, tags=["registry"])
def api_list(ctx: Ctx, db: Session, request: Request, q: str = "", kind: str = "", sub_kind: str = "",
             industry: str = "", status: str = "", community: str = "", building: str = "", coverage: str = "",
             flag: str = "") -> OrganizationPage:
    """Organizations with the list page's filters; ``coverage`` is covered/uncovered, ``flag``
    e.g. ``has_union`` or ``not_has_union`` (several separated by commas); ``page``,
    ``page_size`` (1–200, default 25) — a bad value answers 422 naming it."""
    page, page_size = paging.api_page(request.query_params, choices={
        **API_CHOICES, "industry": ("行业", ext.code_list(ctx.tenant, "industries"))})
    f = OrgFilter(q=q, kind=kind, sub_kind=sub_kind, industry=industry, status=status, community=community,
                  building=building, coverage=coverage, flag=flag)
    result = svc.list_organizations(db, Access.of(ctx), f, page, page_size)
    return OrganizationPage(_out(db, result.items), result.total, result.page, result.page_size, result.pages)


@get("/organizations/{org_id:int}", opt=READ, sync_to_thread=True, tags=["registry"])
def api_get(ctx: Ctx, db: Session, org_id: int) -> OrganizationOut:
    return _out(db, [svc.get_organization(db, Access.of(ctx), org_id)])[0]


@post("/organizations", opt=READ, sync_to_thread=True, tags=["registry"])
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> OrganizationOut:
    org = save(db, lambda: svc.create_organization(db, Access.of(ctx), data))
    return _out(db, [org])[0]


def _update(ctx: Ctx, db: Session, org_id: int, data: dict[str, Any], partial: bool) -> OrganizationOut:
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    save(db, lambda: svc.update_organization(db, access, org, data, partial=partial))
    return _out(db, [org])[0]


@patch("/organizations/{org_id:int}", opt=READ, sync_to_thread=True, tags=["registry"])
def api_patch(ctx: Ctx, db: Session, org_id: int, data: dict[str, Any]) -> OrganizationOut:
    """Change only the fields given."""
    return _update(ctx, db, org_id, data, partial=True)


@put("/organizations/{org_id:int}", opt=READ, sync_to_thread=True, tags=["registry"])
def api_put(ctx: Ctx, db: Session, org_id: int, data: dict[str, Any]) -> OrganizationOut:
    """Replace every field (missing fields become empty)."""
    return _update(ctx, db, org_id, data, partial=False)


@delete("/organizations/{org_id:int}", opt=READ, sync_to_thread=True, tags=["registry"])
def api_delete(ctx: Ctx, db: Session, org_id: int) -> None:
    """Refused with 409 while members, party-org coverage or other records refer to it."""
    access = Access.of(ctx)
    org = svc.get_organization(db, access, org_id)
    try:
        save(db, lambda: svc.delete_organization(db, access, org))
    except Refused as exc:
        raise HTTPException(status_code=409, detail=exc.message) from exc


ROUTES: list = [org_list, org_export, org_new, org_create, org_detail, org_edit, org_update, org_status,
                org_delete]
API_ROUTES: list = [api_list, api_get, api_create, api_patch, api_put, api_delete]
