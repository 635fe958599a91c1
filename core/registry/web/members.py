"""Registry pages and API: members (党员, CORE-7).

ID-card and phone numbers are masked everywhere (list, detail, export, API); the full values
are shown only after a POST by a user with ``members:reveal``, and every reveal is audited.
An org secretary (``registry:write_own`` without ``registry:write``) sees and edits only the
members of their own organizations: any other member answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, delete, get, patch, post, put
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors
from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import Member
from core.registry.schemas import MEMBER_FIELDS, resolve_organization, resolve_party_org
from core.registry.services import members as svc
from core.registry.web import paging
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.panels import collect_panels
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "registry:read"}
REVEAL = {"permission": "members:reveal"}
NO_STORE = {"Cache-Control": "no-store"}
ORG_SELECT_LIMIT = 2000


def _scope(ctx: Ctx, db: Session) -> frozenset[int] | None:
    return svc.org_scope(db, ctx.user.id, ctx.perms)


def _require_write(ctx: Ctx) -> None:
    if not svc.can_write(ctx.perms):
        raise PermissionDeniedException("没有权限编辑党员信息")


def _member(ctx: Ctx, db: Session, member_id: int) -> Member:
    member = svc.get_member(db, member_id, _scope(ctx, db))
    if member is None:
        raise NotFoundException("党员不存在")
    return member


def _raw_from_form(data: dict[str, Any], ctx: Ctx | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {spec.key: form_value(data, spec.key) for spec in MEMBER_FIELDS}
    if ctx is not None:
        raw.update(ext.raw_from_form(ext.extra_fields(ctx.tenant, "member"), data))
    return raw


def _options(ctx: Ctx, db: Session, member: Member | None = None, include_party_org: int | None = None
             ) -> dict[str, Any]:
    scope = _scope(ctx, db)
    organizations = svc.organization_options(db, scope, limit=ORG_SELECT_LIMIT)
    include = member.party_org_id if member else include_party_org
    return {
        "party_orgs": svc.party_org_options(db, scope, include),
        # beyond the limit a select is useless: a text field takes a name or credit code
        "organizations": organizations if len(organizations) < ORG_SELECT_LIMIT else None,
        "scoped": scope is not None,
    }


# --- pages --------------------------------------------------------------------------------------


def _list_page(ctx: Ctx, db: Session, request: Request) -> Response:
    f = svc.member_filter(request.query_params)
    f.page, f.page_size = paging.page_of(ctx, request.query_params)
    scope = _scope(ctx, db)
    page = paginate(db, svc.member_query(db, f, scope), f.page, f.page_size)
    rows = svc.rows_for(db, page.items)
    # a list reached from a (possibly dissolved) party org's page keeps that org in the select
    include = int(f.party_org) if f.party_org.isdigit() and scope is None else None
    return render("registry:MemberList", ctx=ctx, page=page, rows=rows, f=f, query=f.query(),
                  C=choices, can_write=svc.can_write(ctx.perms), filtered=svc.filter_names(db, f, scope),
                  **_options(ctx, db, include_party_org=include))


@get("/members", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_list(ctx: Ctx, db: Session, request: Request) -> Response:
    return _list_page(ctx, db, request)


@get("/members/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_export(ctx: Ctx, db: Session, read_db: Session, request: Request, full: bool = False) -> Response:
    """Rows from ``read_db`` (the replica when configured); the audit entry on the primary.

    ``?full=1`` writes ID-card and phone numbers in clear text: only with ``members:reveal``
    (403 otherwise), and the audit entry says so, with the number of rows.
    """
    if full:
        ctx.require("members:reveal")
    f = svc.member_filter(request.query_params)
    rows = svc.export_rows(read_db, svc.member_query(read_db, f, _scope(ctx, read_db)), full=full)
    response = xlsx_export(db, "党员台账", svc.export_headers(ctx.tenant), rows, entity="members", query=f.query(), sheet="党员",
                           action="members.export_full" if full else "members.export", details={"full": full},
                           note="（含完整身份证号、手机号）" if full else "（身份证号、手机号已脱敏）")
    if full:
        response.headers.update(NO_STORE)
    return response


def _form_page(ctx: Ctx, db: Session, form: dict, errors: dict, member: Member | None,
               status: int = 200) -> Response:
    row = svc.row_for(db, member) if member else None
    return render("registry:MemberForm", status_code=status, ctx=ctx, form=form, errors=errors, row=row,
                  fields={spec.key: spec for spec in MEMBER_FIELDS}, C=choices, **_options(ctx, db, member),
                  extra_specs=ext.specs(ctx.tenant, "member"))


@get("/members/new", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_new(ctx: Ctx, db: Session, organization: str = "", party_org: str = "") -> Response:
    _require_write(ctx)
    form = {"status": "full", "ethnicity": "汉族", "organization": organization, "party_org": party_org,
            **ext.form_values(ext.extra_fields(ctx.tenant, "member"), None)}
    return _form_page(ctx, db, form, {}, None)


@post("/members/new", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    _require_write(ctx)
    raw = _raw_from_form(data, ctx)
    member = save(db, lambda: svc.create_member(db, raw, scope=_scope(ctx, db)),
                  rerender=lambda errors: _form_page(ctx, db, raw, errors, None))
    flash(request, f"已登记党员「{member.name}」")
    return redirect(ctx.url(f"members/{member.id}"))


def _detail_page(ctx: Ctx, db: Session, member: Member, *, revealed: dict | None = None,
                 form: dict | None = None, errors: dict | None = None, status: int = 200,
                 headers: dict | None = None) -> Response:
    row = svc.row_for(db, member)
    response = render(
        "registry:MemberDetail", status_code=status, ctx=ctx, row=row, C=choices, revealed=revealed,
        form=form or {}, errors=errors or {},
        history=history.of(db, {"members": [member.id]}, ctx.tenant.id),
        locations=svc.TRANSFER_LOCATIONS, can_write=svc.can_write(ctx.perms), today=clock.today().isoformat(),
        extra=ext.display(db, "member", member),
        panels=collect_panels(ctx, db, "member", member.id),
    )
    if headers:
        response.headers.update(headers)
    return response


@get("/members/{member_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_detail(ctx: Ctx, db: Session, member_id: int) -> Response:
    return _detail_page(ctx, db, _member(ctx, db, member_id))


@post("/members/{member_id:int}/reveal", opt=REVEAL, include_in_schema=False, sync_to_thread=True)
def member_reveal(ctx: Ctx, db: Session, member_id: int) -> Response:
    member = _member(ctx, db, member_id)
    shown = svc.reveal(db, member)
    db.commit()
    return _detail_page(ctx, db, member, revealed=shown, headers=NO_STORE)


@get("/members/{member_id:int}/edit", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_edit(ctx: Ctx, db: Session, member_id: int) -> Response:
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    form = {**svc.form_values(member), **ext.form_values(ext.extra_fields(ctx.tenant, "member"), member.extra)}
    return _form_page(ctx, db, form, {}, member)


@post("/members/{member_id:int}/edit", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_update(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    raw = _raw_from_form(data, ctx)
    save(db, lambda: svc.update_member(db, member, raw, scope=_scope(ctx, db)),
         rerender=lambda errors: _form_page(ctx, db, raw, errors, _member(ctx, db, member_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"members/{member.id}"))


def _detail_action(ctx: Ctx, db: Session, request: Request, member_id: int, data: dict, action, message: str):
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    form = {k: form_value(data, k) for k in data if k != "_csrf_token"}
    save(db, lambda: action(member, form),
         rerender=lambda errors: _detail_page(ctx, db, _member(ctx, db, member_id), form=form, errors=errors))
    flash(request, message)
    return redirect(ctx.url(f"members/{member.id}"))


@post("/members/{member_id:int}/advance", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_advance(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    return _detail_action(ctx, db, request, member_id, data,
                          lambda m, f: svc.advance(db, m, f.get("date"), f.get("to") or None), "已推进到下一阶段")


@post("/members/{member_id:int}/mobile", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_mobile(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    return _detail_action(ctx, db, request, member_id, data, lambda m, f: svc.set_mobile(db, m, f),
                          "流动党员信息已保存")


@post("/members/{member_id:int}/transfer", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_transfer(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    return _detail_action(ctx, db, request, member_id, data, lambda m, f: svc.set_transfer(db, m, f),
                          "组织关系转接信息已保存")


@post("/members/{member_id:int}/delete", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_delete(ctx: Ctx, db: Session, request: Request, member_id: int) -> Response:
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    name = member.name
    svc.delete_member(db, member)
    db.commit()
    flash(request, f"已删除党员「{name}」")
    return redirect(ctx.url("members"))


ROUTES = [member_list, member_export, member_new, member_create, member_detail, member_reveal, member_edit,
          member_update, member_advance, member_mobile, member_transfer, member_delete]


# --- API ----------------------------------------------------------------------------------------


@dataclass
class MemberOut:
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    ethnicity: str
    education: str
    id_number_masked: str
    phone_masked: str
    status: str
    status_label: str
    applied_on: dt.date | None
    activist_on: dt.date | None
    candidate_on: dt.date | None
    probationary_on: dt.date | None
    full_on: dt.date | None
    party_org_id: int | None
    party_org_name: str
    organization_id: int | None
    organization_name: str
    position: str
    mobile: str
    mobile_counterpart: str
    transfer_rule: str
    transfer_state: str
    lost_contact: bool
    points: int
    #: the tenant's extra fields (``register_extra_fields``): key → value
    extra: dict[str, Any]

    @classmethod
    def of(cls, r: svc.MemberRow) -> MemberOut:
        m = r.m
        return cls(
            id=m.id, name=m.name, gender=m.gender, birth_date=m.birth_date, ethnicity=m.ethnicity,
            education=m.education, id_number_masked=r.id_masked, phone_masked=r.phone_masked,
            status=m.status, status_label=r.status_label, applied_on=m.applied_on, activist_on=m.activist_on,
            candidate_on=m.candidate_on, probationary_on=m.probationary_on, full_on=m.full_on,
            party_org_id=m.party_org_id, party_org_name=r.party_org_name, organization_id=m.organization_id,
            organization_name=r.organization_name, position=m.position, mobile=m.mobile,
            mobile_counterpart=m.mobile_counterpart, transfer_rule=m.transfer_rule,
            transfer_state=m.transfer_state, lost_contact=m.lost_contact, points=m.points,
            extra=ext.api_values(m, ext.extra_fields(m.tenant_id, "member")),
        )


@dataclass
class MemberPage:
    items: list[MemberOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class RevealOut:
    id: int
    id_number: str | None
    phone: str | None


@dataclass
class AdvanceIn:
    date: str
    to: str | None = None


def _out(db: Session, member: Member) -> MemberOut:
    return MemberOut.of(svc.row_for(db, member))


@get("/members", opt=READ, sync_to_thread=True, tags=["members"])
def api_list(ctx: Ctx, db: Session, request: Request) -> MemberPage:
    """Filters: q (name part, or an exact ID-card / phone number), status, party_org, organization,
    mobile (out/in/any/no), transfer_rule (code or none), transfer_state, lost_contact (1/0),
    position (code or none); page, page_size (1–200) — a bad value answers 422 naming it."""
    f = svc.member_filter(request.query_params)
    f.page, f.page_size = paging.api_page(request.query_params, choices={
        "status": ("政治面貌", choices.MEMBER_STATUSES), "mobile": ("流动党员", ("out", "in", "any", "no")),
        "transfer_rule": ("转接规则", (*choices.TRANSFER_RULES, "none")),
        "transfer_state": ("转接状态", choices.TRANSFER_STATES), "lost_contact": ("失联", ("1", "0")),
        "position": ("职务", (*choices.POSITIONS, "none"))})
    errors: dict[str, str] = {}
    paging.references(db, request.query_params, {"party_org": ("所在党组织", resolve_party_org),
                                                 "organization": ("工作单位", resolve_organization)}, errors)
    if errors:
        raise FormErrors(errors)
    page = paginate(db, svc.member_query(db, f, _scope(ctx, db)), f.page, f.page_size)
    return MemberPage([MemberOut.of(r) for r in svc.rows_for(db, page.items)], page.total, page.page,
                      page.page_size, page.pages)


@get("/members/{member_id:int}", opt=READ, sync_to_thread=True, tags=["members"])
def api_get(ctx: Ctx, db: Session, member_id: int) -> MemberOut:
    return _out(db, _member(ctx, db, member_id))


@post("/members", opt=READ, sync_to_thread=True, tags=["members"])
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> MemberOut:
    """Fields as in the form (``party_org`` / ``organization``: id, name or credit code)."""
    _require_write(ctx)
    member = save(db, lambda: svc.create_member(db, data, scope=_scope(ctx, db)))
    return _out(db, member)


def _api_update(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> MemberOut:
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    save(db, lambda: svc.update_member(db, member, data, scope=_scope(ctx, db)))
    return _out(db, member)


@patch("/members/{member_id:int}", opt=READ, sync_to_thread=True, tags=["members"])
def api_patch(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> MemberOut:
    """Change the given fields; an empty id_number / phone keeps the stored value."""
    return _api_update(ctx, db, member_id, data)


@put("/members/{member_id:int}", opt=READ, sync_to_thread=True, tags=["members"])
def api_put(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> MemberOut:
    return _api_update(ctx, db, member_id, data)


@delete("/members/{member_id:int}", opt=READ, sync_to_thread=True, tags=["members"])
def api_delete(ctx: Ctx, db: Session, member_id: int) -> None:
    _require_write(ctx)
    svc.delete_member(db, _member(ctx, db, member_id))
    db.commit()


@post("/members/{member_id:int}/reveal", opt=REVEAL, sync_to_thread=True, tags=["members"], status_code=200)
def api_reveal(ctx: Ctx, db: Session, member_id: int) -> Response[RevealOut]:
    """Full ID-card and phone numbers; needs members:reveal and is written to the audit log."""
    member = _member(ctx, db, member_id)
    shown = svc.reveal(db, member)
    db.commit()
    return Response(RevealOut(member.id, shown["id_number"], shown["phone"]), headers=NO_STORE)


@post("/members/{member_id:int}/advance", opt=READ, sync_to_thread=True, tags=["members"], status_code=200)
def api_advance(ctx: Ctx, db: Session, member_id: int, data: AdvanceIn) -> MemberOut:
    """Next pipeline stage on ``date``; ``to`` (optional) must be that next stage."""
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    save(db, lambda: svc.advance(db, member, data.date, data.to))
    return _out(db, member)


@post("/members/{member_id:int}/transfer", opt=READ, sync_to_thread=True, tags=["members"], status_code=200)
def api_transfer(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> MemberOut:
    """``transfer_rule``, ``transfer_state`` and optionally ``location`` (talent_center, university,
    outside_city, local_rural) from which the rule follows (003 §9)."""
    _require_write(ctx)
    member = _member(ctx, db, member_id)
    save(db, lambda: svc.set_transfer(db, member, data))
    return _out(db, member)


API_ROUTES = [api_list, api_get, api_create, api_patch, api_put, api_delete, api_reveal, api_advance, api_transfer]
