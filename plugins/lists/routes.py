"""Pages under /t/<slug>/lists and the JSON API under /api/t/<slug>/lists.

Handlers are thin: rights, validation, state machines and queries live in
:mod:`plugins.lists.service`. Every handler needs ``lists:read``; finer rights (triage, submit,
offer, write) and object-level rules are checked by the service (403 / 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, history, search
from core.audit import record
from core.forms import FormErrors
from core.models import User
from core.plugins import registry
from core.registry.models import Organization
from core.tenancy import tree
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import PAGE_SIZE, paginate
from core.web.render import flash, redirect, render
from plugins.lists import files
from plugins.lists import service as svc
from plugins.lists.models import ListAttachment, ListDemand, ListResource, ListWork
from plugins.lists.service import Access
from plugins.lists.types import EffectiveScheme
from plugins.sites.api import Site

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
READ = {"permission": "lists:read"}
PAGE = {"opt": READ, "include_in_schema": False, "sync_to_thread": True}
API = {"opt": READ, "sync_to_thread": True, "tags": ["lists"]}
UPLOAD_LIMIT = files.max_bytes() + 1024 * 1024


class View:
    """Helpers the templates call: labels, SLA state, masked phones — with the scheme and ``today``."""

    def __init__(self, scheme: EffectiveScheme, today: dt.date):
        self.scheme, self.today = scheme, today
        self.statuses, self.work_statuses = svc.STATUSES, svc.WORK_STATUSES
        self.channels, self.sides = svc.CHANNELS, svc.CLAIM_SIDES
        self.resource_statuses, self.station_levels = svc.RESOURCE_STATUSES, svc.STATION_LEVELS
        self.escalation_statuses, self.sla_states = svc.ESCALATION_STATUSES, svc.SLA_STATES

    def label(self, vocabulary: str, key: str | None) -> str:
        return self.scheme.label(vocabulary, key)

    def options(self, vocabulary: str) -> dict[str, str]:
        return self.scheme.options(vocabulary)

    def sla(self, demand: ListDemand) -> str:
        return svc.sla_state(demand, self.today)

    def overdue_days(self, demand: ListDemand) -> int:
        return svc.overdue_days(demand, self.today)

    def work_overdue(self, work: ListWork) -> bool:
        return svc.work_overdue(work, self.today)

    def phone(self, res: ListResource) -> str:
        return svc.masked_phone(res)

    def expired(self, res: ListResource) -> bool:
        return res.valid_until is not None and res.valid_until < self.today

    def tenant_name(self, tenant_id: int | None) -> str:
        t = tree().by_id.get(tenant_id) if tenant_id else None
        return t.name if t else ""


def _env(ctx: Ctx) -> tuple[Access, EffectiveScheme, dt.date]:
    return Access.of(ctx), svc.scheme_for(ctx.tenant), clock.today()


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "lists")


def _query(request: Request) -> dict[str, Any]:
    return request.query_params.dict()


# --- dashboard --------------------------------------------------------------------------------------


def _subtree_rows(ctx: Ctx, today: dt.date, year: int) -> list[svc.TenantRow]:
    ids = [i for i in ctx.subtree() if i != ctx.tenant.id and registry().is_enabled(i, "lists")]
    if not ids:
        return []
    with ctx.rollup_session("lists:read") as rs:
        return svc.rollup(rs, ids, today, year, escalated_to=ctx.tenant.id)


def _escalations_waiting(ctx: Ctx) -> int:
    if not tree().children.get(ctx.tenant.id):
        return 0
    with ctx.rollup_session("lists:read") as rs:
        stmt = svc.escalation_select(ctx.tenant.id).where(ListDemand.escalation_status == "pending")
        return len(list(rs.scalars(stmt.limit(1000))))


def _dashboard(ctx: Ctx, db: Session, year: int | None) -> Response:
    access, scheme, today = _env(ctx)
    year = year if year and 2000 <= year <= 2100 else today.year
    counters = svc.counters(db, scheme, today, year)
    return render("lists:Home", ctx=ctx, v=View(scheme, today), scheme=scheme, c=counters, year=year,
                  years=list(range(today.year, today.year - 5, -1)), access=access,
                  children=_subtree_rows(ctx, today, year), waiting=_escalations_waiting(ctx),
                  settings=_settings(ctx))


@get("/", name="lists-home", **PAGE)
def home(ctx: Ctx, db: Session, year: int | None = None) -> Response:
    return _dashboard(ctx, db, year)


@get("/dashboard", **PAGE)
def dashboard(ctx: Ctx, db: Session, year: int | None = None) -> Response:
    return _dashboard(ctx, db, year)


# --- demands: pages ---------------------------------------------------------------------------------


def _demand_filter(db: Session, request: Request) -> tuple[svc.DemandFilter, dict[str, str]]:
    """The demand list's filter from the query; an unknown cluster is dropped and reported."""
    f = svc.DemandFilter.from_mapping(_query(request))
    try:
        f.check(db)
    except FormErrors as exc:
        f.cluster = ""
        return f, exc.errors
    return f, {}


@get("/demands", **PAGE)
def demand_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    access, scheme, today = _env(ctx)
    f, errors = _demand_filter(db, request)
    result = svc.list_demands(db, access, f, today, page)
    return render("lists:DemandList", ctx=ctx, v=View(scheme, today), scheme=scheme, result=result, f=f,
                  query=f.query(), access=access, stations=svc.stations(db), clusters=svc.clusters(db),
                  errors=errors)


@get("/demands/export", **PAGE)
def demand_export(ctx: Ctx, db: Session, request: Request) -> Response:
    access, scheme, today = _env(ctx)
    f, errors = _demand_filter(db, request)
    if errors:  # never export the unfiltered list for a cluster that does not exist: back to the list
        flash(request, errors["cluster"], "error")
        return redirect(ctx.url("lists/demands") + ("?" + urlencode(f.query()) if f.query() else ""))
    return xlsx_export(db, scheme.demand_list, svc.DEMAND_HEADERS, svc.demand_rows(db, access, scheme, f, today),
                       action="lists.export", entity="lists_demands", query=f.query())


def _demand_form(ctx: Ctx, db: Session, form: dict, errors: dict, demand: ListDemand | None = None,
                 status: int = 200) -> Response:
    access, scheme, today = _env(ctx)
    return render("lists:DemandForm", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
                  form=form, errors=errors, demand=demand, access=access,
                  orgs=svc.organization_options(db, access), stations=svc.stations(db, active_only=True))


DEMAND_FIELDS = ("organization_id", "title", "description", "category", "urgency", "action_tag", "contact_name",
                 "station_id")


def _form(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: svc.text(data, k) for k in keys}


@get("/demands/new", **PAGE)
def demand_new(ctx: Ctx, db: Session, organization_id: str = "", station_id: str = "") -> Response:
    access = Access.of(ctx)
    if not (access.can_write or access.can("submit")):
        raise PermissionDeniedException("没有权限提交需求")
    orgs = svc.organization_options(db, access)
    form = {"organization_id": organization_id or (str(next(iter(orgs))) if len(orgs) == 1 else ""),
            "station_id": station_id}
    return _demand_form(ctx, db, form, {})


@post("/demands/new", **PAGE)
def demand_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    access, scheme, today = _env(ctx)
    form = _form(data, DEMAND_FIELDS)
    demand = save(db, lambda: svc.submit_demand(db, access, scheme, form, today),
                  rerender=lambda errors: _demand_form(ctx, db, form, errors))
    flash(request, f"需求「{demand.title}」已提交，办理时限 {demand.due_on.isoformat()}")
    return redirect(ctx.url(f"lists/demands/{demand.id}"))


def _detail_page(ctx: Ctx, db: Session, demand: ListDemand, form: dict | None = None, errors: dict | None = None,
                 status: int = 200, work_errors: dict[int, dict[str, str]] | None = None) -> Response:
    access, scheme, today = _env(ctx)
    errors = errors or {}
    if errors.get("status"):
        ctx.flashes.append(["error", errors["status"]])
    requester = svc.is_requester(db, access, demand)
    allowed = svc.allowed_actions(demand)
    # offer an action only when it can succeed; otherwise say why it is not offered
    blocked: dict[str, str] = {}
    works = svc.works_of(db, demand.id)
    active = [w for w in works if w.status in svc.WORK_ACTIVE]
    if "resolve" in allowed and active:
        allowed = allowed - {"resolve"}
        blocked["resolve"] = (f"还有 {len(active)} 项清单事项未完成（" + "、".join(f"「{w.title}」" for w in active[:3])
                              + "），完成或取消后才能办结")
    mine = [w for w in works if w.status == "claimed" and access.user_id is not None
            and w.claimed_by_id == access.user_id]
    if "claim" in allowed and mine:
        allowed = allowed - {"claim"}
        blocked["claim"] = "您已认领该需求，待专干确认后再认领其他资源"
    return render(
        "lists:DemandDetail", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
        d=svc.demand_detail(db, scheme, demand), access=access, form=form or {}, errors=errors,
        work_errors=work_errors or {}, allowed=allowed, blocked=blocked,
        can={
            "act": bool(svc.allowed_actions(demand) & {"accept", "start", "resolve", "reject", "escalate"}),
            "edit": svc.can_edit(db, access, demand),
            "triage": access.can_triage,
            "rate": svc.can_rate(db, access, demand),
            "comment": svc.can_comment(db, access, demand),
            "attach": svc.can_attach(db, access, demand),
            "claim_requester": access.can("submit") and requester and not access.staff,
            "claim_provider": access.can("offer") and not access.staff and not requester,
        },
        available=svc.available_resources(db, access, today) if demand.status in svc.OPEN_STATUSES else [],
        own_resources=svc.available_resources(db, access, today, own_only=True)
        if access.can("offer") and demand.status in svc.OPEN_STATUSES else [],
        max_mb=max(1, files.max_bytes() // (1024 * 1024)), allowed_types=files.ALLOWED,
    )


@get("/demands/{demand_id:int}", **PAGE)
def demand_detail(ctx: Ctx, db: Session, demand_id: int) -> Response:
    return _detail_page(ctx, db, svc.get_demand(db, Access.of(ctx), demand_id))


@get("/demands/{demand_id:int}/edit", **PAGE)
def demand_edit(ctx: Ctx, db: Session, demand_id: int) -> Response:
    access = Access.of(ctx)
    demand = svc.get_demand(db, access, demand_id)
    if not svc.can_edit(db, access, demand):
        raise PermissionDeniedException("该需求不能再修改")
    form = {k: ("" if getattr(demand, k) is None else str(getattr(demand, k))) for k in DEMAND_FIELDS}
    return _demand_form(ctx, db, form, {}, demand)


@post("/demands/{demand_id:int}/edit", **PAGE)
def demand_update(ctx: Ctx, db: Session, request: Request, demand_id: int, data: Form) -> Response:
    access, scheme, today = _env(ctx)
    demand = svc.get_demand(db, access, demand_id)
    form = _form(data, DEMAND_FIELDS)

    def rerender(errors: dict[str, str]) -> Response:
        demand = svc.get_demand(db, access, demand_id)
        if "status" in errors:  # no longer editable: say so on the demand's page
            return _detail_page(ctx, db, demand, errors=errors)
        return _demand_form(ctx, db, form, errors, demand)

    save(db, lambda: svc.update_demand(db, access, scheme, demand, form), rerender=rerender)
    flash(request, "已保存")
    return redirect(ctx.url(f"lists/demands/{demand.id}"))


def _run_demand_action(db: Session, ctx: Ctx, demand: ListDemand, action: str, data: dict[str, Any]) -> str:
    """Apply ``action``; returns the flash message. Raises FormErrors / 403."""
    access, scheme, today = _env(ctx)
    if action == "accept":
        svc.accept(db, access, scheme, demand, data, today)
        return "已受理"
    if action == "start":
        svc.start(db, access, scheme, demand, data, today)
        return "已开始办理"
    if action == "resolve":
        svc.resolve(db, access, scheme, demand, data, today)
        return "已办结，等待需求方评价"
    if action == "reject":
        svc.reject(db, access, demand, data, today)
        return "已退回"
    if action == "rate":
        svc.rate(db, access, demand, data, today)
        return "感谢评价"
    if action == "triage":
        svc.set_triage(db, access, scheme, demand, data)
        return "解决方式已调整"
    if action == "escalate":
        svc.escalate(db, access, scheme, demand, data, today)
        return f"已上报{tree().by_id[demand.escalated_to_id].name}"
    if action == "comment":
        svc.add_comment(db, access, demand, data, ctx.user.label)
        return "留言已发布"
    if action == "match":
        work = svc.match(db, access, scheme, demand, data, today)
        return f"已建立{scheme.label('work_lists', work.kind)}事项「{work.title}」"
    if action == "claim":
        svc.claim(db, access, scheme, demand, data, today)
        return "已认领，等待专干确认"
    raise NotFoundException("没有这个操作")


PAGE_ACTIONS = ("accept", "start", "resolve", "reject", "rate", "triage", "escalate", "comment", "match", "claim")


def _demand_action_page(ctx: Ctx, db: Session, request: Request, demand_id: int, action: str,
                        data: dict[str, Any]) -> Response:
    demand = svc.get_demand(db, Access.of(ctx), demand_id)
    form = {k: v for k, v in data.items() if k != "_csrf_token"}
    message = save(db, lambda: _run_demand_action(db, ctx, demand, action, form),
                   rerender=lambda errors: _detail_page(ctx, db, svc.get_demand(db, Access.of(ctx), demand_id),
                                                        {**form, "_action": action}, errors))
    flash(request, message)
    return redirect(ctx.url(f"lists/demands/{demand_id}"))


def _page_action(action: str):
    @post(f"/demands/{{demand_id:int}}/{action}", name=f"lists-demand-{action}", **PAGE)
    def handler(ctx: Ctx, db: Session, request: Request, demand_id: int, data: Form) -> Response:
        return _demand_action_page(ctx, db, request, demand_id, action, data)

    return handler


@post("/demands/{demand_id:int}/attachments", request_max_body_size=UPLOAD_LIMIT, **PAGE)
def attachment_upload(ctx: Ctx, db: Session, request: Request, demand_id: int, data: Multipart) -> Response:
    access = Access.of(ctx)
    demand = svc.get_demand(db, access, demand_id)
    if not svc.can_attach(db, access, demand):
        raise PermissionDeniedException("没有权限上传附件")
    upload = data.get("file")

    def store() -> ListAttachment:
        if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
            raise FormErrors({"file": "请选择要上传的文件"})
        upload.file.seek(0)
        att = files.store(db, demand, upload.filename, upload.file.read(files.max_bytes() + 1), ctx.user.id)
        try:
            db.commit()
        except Exception:
            files.discard(att)
            raise
        return att

    att = save(db, store, rerender=lambda errors: _detail_page(ctx, db, svc.get_demand(db, access, demand_id),
                                                                {"_action": "attach"}, errors))
    flash(request, f"已上传附件「{att.filename}」")
    return redirect(ctx.url(f"lists/demands/{demand_id}"))


def _attachment(db: Session, access: Access, attachment_id: int) -> tuple[ListAttachment, ListDemand]:
    att = db.get(ListAttachment, attachment_id)
    if att is None:
        raise NotFoundException("附件不存在")
    return att, svc.get_demand(db, access, att.demand_id)  # 404 unless the demand is visible


@get("/attachments/{attachment_id:int}", **PAGE)
def attachment_download(ctx: Ctx, db: Session, attachment_id: int) -> Response:
    att, _demand = _attachment(db, Access.of(ctx), attachment_id)
    return file_response(att, files.read)


@post("/attachments/{attachment_id:int}/delete", **PAGE)
def attachment_delete(ctx: Ctx, db: Session, request: Request, attachment_id: int) -> Response:
    access = Access.of(ctx)
    att, demand = _attachment(db, access, attachment_id)
    if not (access.staff or att.uploaded_by_id == access.user_id) or demand.status not in svc.OPEN_STATUSES:
        raise PermissionDeniedException("没有权限删除该附件")
    db.delete(att)
    db.commit()
    files.discard(att)
    flash(request, f"已删除附件「{att.filename}」")
    return redirect(ctx.url(f"lists/demands/{demand.id}"))


# --- work items: pages ------------------------------------------------------------------------------


@get("/works", **PAGE)
def work_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    access, scheme, today = _env(ctx)
    f = svc.WorkFilter.from_mapping(_query(request))
    result = svc.list_works(db, access, f, today, page)
    ids = [w.id for w in result.items]
    return render("lists:WorkList", ctx=ctx, v=View(scheme, today), scheme=scheme, result=result, f=f,
                  query=f.query(), access=access, resources=svc.resources_of_works(db, ids),
                  demands=svc.demands_by_id(db, [w.demand_id for w in result.items]))


@get("/works/export", **PAGE)
def work_export(ctx: Ctx, db: Session, request: Request) -> Response:
    access, scheme, today = _env(ctx)
    f = svc.WorkFilter.from_mapping(_query(request))
    return xlsx_export(db, scheme.work_list_label.replace("、", "和"), svc.WORK_HEADERS,
                       svc.work_rows(db, access, scheme, f, today), action="lists.export", entity="lists_works",
                       query=f.query())


def _run_work_action(db: Session, ctx: Ctx, work: ListWork, action: str, data: dict[str, Any]) -> str:
    access, scheme, today = _env(ctx)
    if action == "confirm":
        svc.confirm_claim(db, access, scheme, work, data, today)
        return "已确认认领"
    if action == "complete":
        svc.complete_work(db, access, work, data, today)
        return "事项已完成"
    if action == "cancel":
        svc.cancel_work(db, access, work, data)
        return "事项已取消"
    raise NotFoundException("没有这个操作")


def _work_action(action: str):
    @post(f"/works/{{work_id:int}}/{action}", name=f"lists-work-{action}", **PAGE)
    def handler(ctx: Ctx, db: Session, request: Request, work_id: int, data: Form) -> Response:
        access = Access.of(ctx)
        work = svc.get_work(db, access, work_id)
        demand_id = work.demand_id
        form = {k: v for k, v in data.items() if k != "_csrf_token"}

        def rerender(errors: dict[str, str]) -> Response:
            status = {k: v for k, v in errors.items() if k == "status"}
            fields = {k: v for k, v in errors.items() if k != "status"}
            return _detail_page(ctx, db, svc.get_demand(db, access, demand_id),
                                {**form, "_action": f"work-{action}"}, status, work_errors={work_id: fields})

        message = save(db, lambda: _run_work_action(db, ctx, work, action, form), rerender=rerender)
        flash(request, message)
        return redirect(ctx.url(f"lists/demands/{demand_id}"))

    return handler


# --- resources: pages -------------------------------------------------------------------------------


@get("/resources", **PAGE)
def resource_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    access, scheme, today = _env(ctx)
    f = svc.ResourceFilter.from_mapping(_query(request))
    result = svc.list_resources(db, access, f, today, page)
    return render("lists:ResourceList", ctx=ctx, v=View(scheme, today), scheme=scheme, result=result, f=f,
                  query=f.query(), access=access, used=svc.used_capacity(db, [r.id for r in result.items]))


@get("/resources/export", **PAGE)
def resource_export(ctx: Ctx, db: Session, request: Request) -> Response:
    access, scheme, today = _env(ctx)
    f = svc.ResourceFilter.from_mapping(_query(request))
    return xlsx_export(db, scheme.resource_list, svc.RESOURCE_HEADERS,
                       svc.resource_rows(db, access, scheme, f, today), action="lists.export",
                       entity="lists_resources", query=f.query())


RESOURCE_FIELDS = ("title", "description", "category", "provider_kind", "provider_name", "organization_id",
                   "capacity", "contact_name", "contact_phone", "valid_until", "provider_username")


def _resource_form(ctx: Ctx, db: Session, form: dict, errors: dict, res: ListResource | None = None,
                   status: int = 200) -> Response:
    access, scheme, today = _env(ctx)
    orgs = dict(db.execute(select(Organization.id, Organization.name).order_by(Organization.name).limit(2000)).all())
    return render("lists:ResourceForm", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
                  form=form, errors=errors, res=res, access=access, orgs=orgs)


def _resource_raw(access: Access, data: dict[str, Any]) -> dict[str, str]:
    keys = RESOURCE_FIELDS if access.can_write else RESOURCE_FIELDS[:-1]
    return _form(data, keys)


@get("/resources/new", **PAGE)
def resource_new(ctx: Ctx, db: Session) -> Response:
    access = Access.of(ctx)
    if not (access.can_write or access.can("offer")):
        raise PermissionDeniedException("没有权限登记资源")
    return _resource_form(ctx, db, {"provider_kind": "department" if access.can_write else "organization"}, {})


@post("/resources/new", **PAGE)
def resource_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    access, scheme, today = _env(ctx)
    form = _resource_raw(access, data)
    res = save(db, lambda: svc.create_resource(db, access, scheme, form, today),
               rerender=lambda errors: _resource_form(ctx, db, form, errors))
    flash(request, f"资源「{res.title}」已登记")
    return redirect(ctx.url(f"lists/resources/{res.id}"))


def _resource_page(ctx: Ctx, db: Session, res: ListResource, status: int = 200, errors: dict | None = None,
                   phone: str | None = None) -> Response:
    access, scheme, today = _env(ctx)
    errors = errors or {}
    if errors.get("status"):
        ctx.flashes.append(["error", errors["status"]])
    works = svc.works_of_resource(db, res.id)
    visible = {d.id for d in db.scalars(select(ListDemand).where(
        ListDemand.id.in_([w.demand_id for w in works]), access.demand_clause()))} if works else set()
    used = svc.used_capacity(db, [res.id]).get(res.id, 0)
    provider = db.get(User, res.provider_user_id) if res.provider_user_id else None
    return render("lists:ResourceDetail", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
                  res=res, access=access, errors=errors, works=[w for w in works if w.demand_id in visible],
                  used=used, problem=svc.resource_problem(res, used, today), phone=phone or svc.masked_phone(res),
                  revealed=phone is not None, can_edit=svc.can_edit_resource(access, res), provider=provider,
                  own_demands=svc.own_open_demands(db, access) if not access.staff else [],
                  history=history.of(db, {"lists_resources": [res.id]}, ctx.tenant.id))


@get("/resources/{resource_id:int}", **PAGE)
def resource_detail(ctx: Ctx, db: Session, resource_id: int) -> Response:
    return _resource_page(ctx, db, svc.get_resource(db, Access.of(ctx), resource_id))


@post("/resources/{resource_id:int}/reveal", **PAGE)
def resource_reveal(ctx: Ctx, db: Session, resource_id: int) -> Response:
    access = Access.of(ctx)
    res = svc.get_resource(db, access, resource_id)
    if not (access.staff or svc.can_edit_resource(access, res)):
        raise PermissionDeniedException("没有权限查看完整号码")
    phone = svc.phone_of(res)
    record(db, "lists.reveal", entity="lists_resources", entity_id=res.id, summary=f"查看「{res.title}」联系电话")
    db.commit()
    return _resource_page(ctx, db, res, phone=phone)


@get("/resources/{resource_id:int}/edit", **PAGE)
def resource_edit(ctx: Ctx, db: Session, resource_id: int) -> Response:
    access = Access.of(ctx)
    res = svc.get_resource(db, access, resource_id)
    if not svc.can_edit_resource(access, res):
        raise PermissionDeniedException("没有权限修改该资源")
    form = {k: ("" if getattr(res, k, None) is None else str(getattr(res, k))) for k in RESOURCE_FIELDS
            if hasattr(res, k)}
    form["contact_phone"] = svc.phone_of(res)
    provider = db.get(User, res.provider_user_id) if res.provider_user_id else None
    form["provider_username"] = provider.username if provider else ""
    return _resource_form(ctx, db, form, {}, res)


@post("/resources/{resource_id:int}/edit", **PAGE)
def resource_update(ctx: Ctx, db: Session, request: Request, resource_id: int, data: Form) -> Response:
    access, scheme, today = _env(ctx)
    res = svc.get_resource(db, access, resource_id)
    form = _resource_raw(access, data)
    save(db, lambda: svc.update_resource(db, access, scheme, res, form, today),
         rerender=lambda errors: _resource_form(ctx, db, form, errors, svc.get_resource(db, access, resource_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"lists/resources/{resource_id}"))


@post("/resources/{resource_id:int}/status", **PAGE)
def resource_status(ctx: Ctx, db: Session, request: Request, resource_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    res = svc.get_resource(db, access, resource_id)
    save(db, lambda: svc.set_resource_status(db, access, res, svc.text(data, "status")),
         rerender=lambda errors: _resource_page(ctx, db, svc.get_resource(db, access, resource_id), errors=errors))
    flash(request, f"资源状态：{svc.RESOURCE_STATUSES[res.status]}")
    return redirect(ctx.url(f"lists/resources/{resource_id}"))


@post("/resources/{resource_id:int}/claim", **PAGE)
def resource_claim(ctx: Ctx, db: Session, request: Request, resource_id: int, data: Form) -> Response:
    """The requester's side of 双向认领, from the resource page: pick one of your open demands."""
    access, scheme, today = _env(ctx)
    res = svc.get_resource(db, access, resource_id)
    demand_id = svc.text(data, "demand_id")
    if not demand_id.isdigit():
        return _resource_page(ctx, db, res, 422, {"demand_id": "请选择要认领该资源的需求"})
    demand = svc.get_demand(db, access, int(demand_id))
    claim = {"resource_ids": [res.id], "note": svc.text(data, "note")}
    save(db, lambda: svc.claim(db, access, scheme, demand, claim, today),
         rerender=lambda errors: _resource_page(
             ctx, db, svc.get_resource(db, access, resource_id),
             errors={("demand_id" if k == "resource_ids" else k): v for k, v in errors.items()}))
    flash(request, "已认领，等待专干确认")
    return redirect(ctx.url(f"lists/demands/{demand.id}"))


# --- stations ---------------------------------------------------------------------------------------


class StationFilter(svc.Filter):
    KEYS = ("q", "level", "active")


def _station_stmt(f: StationFilter):
    stmt = svc.station_select()
    if f.q:
        stmt = stmt.where(search.matches(f.q, Site.name, Site.community, Site.address))
    if f.level in svc.STATION_LEVELS:
        stmt = stmt.where(Site.grade == f.level)
    if f.active in ("0", "1"):
        stmt = stmt.where(Site.active.is_(f.active == "1"))
    return stmt.order_by(Site.grade.desc(), Site.name, Site.id)


def _station_counts(db: Session) -> dict[int, int]:
    return {sid: n for sid, n in db.execute(
        select(ListDemand.station_id, func.count(ListDemand.id)).where(ListDemand.station_id.is_not(None))
        .group_by(ListDemand.station_id))}


def _stations_page(ctx: Ctx, db: Session, request: Request, page: int = 1, form: dict | None = None,
                   errors: dict | None = None, status: int = 200) -> Response:
    access, scheme, today = _env(ctx)
    f = StationFilter.from_mapping(_query(request))
    result = paginate(db, _station_stmt(f), page, PAGE_SIZE)
    return render("lists:StationList", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
                  result=result, f=f, query=f.query(), counts=_station_counts(db), access=access,
                  form=form or {"level": "street"}, errors=errors or {})


@get("/stations", **PAGE)
def station_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    return _stations_page(ctx, db, request, page)


@get("/stations/export", **PAGE)
def station_export(ctx: Ctx, db: Session, request: Request) -> Response:
    f = StationFilter.from_mapping(_query(request))
    counts = _station_counts(db)
    rows = [[s.id, s.name, svc.STATION_LEVELS.get(s.grade, s.grade), s.community, s.address,
             "启用" if s.active else "停用", counts.get(s.id, 0)] for s in db.scalars(_station_stmt(f))]
    return xlsx_export(db, svc.scheme_for(ctx.tenant).station_label,
                       ["编号", "名称", "层级", "社区（村）", "地址", "状态", "接单数"], rows,
                       action="lists.export", entity="sites_sites", query=f.query())


@post("/stations", **PAGE)
def station_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    access = Access.of(ctx)
    form = _form(data, ("name", "level", "community", "address"))
    station = save(db, lambda: svc.create_station(db, access, form),
                   rerender=lambda errors: _stations_page(ctx, db, request, 1, form, errors))
    flash(request, f"已设立「{station.name}」")
    return redirect(ctx.url("lists/stations"))


@post("/stations/{station_id:int}/active", **PAGE)
def station_active(ctx: Ctx, db: Session, request: Request, station_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    station = svc.get_station(db, station_id)
    svc.set_station_active(db, access, station, svc.text(data, "active") == "1")
    db.commit()
    flash(request, f"「{station.name}」已{'启用' if station.active else '停用'}")
    return redirect(ctx.url("lists/stations"))


# --- escalations (the parent tenant's queue, read over its subtree) ---------------------------------


def _rollup(ctx: Ctx, permission: str) -> Session:
    session = ctx.rollup_session(permission)
    session.info["username"] = ctx.user.username
    return session


class EscalationFilter(svc.Filter):
    KEYS = ("q", "state", "tenant")


def _escalation_stmt(ctx: Ctx, f: EscalationFilter):
    stmt = svc.escalation_select(ctx.tenant.id)
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListDemand.title, ListDemand.org_name))
    if f.state in svc.ESCALATION_STATUSES:
        stmt = stmt.where(ListDemand.escalation_status == f.state)
    if f.tenant.isdigit():
        stmt = stmt.where(ListDemand.tenant_id == int(f.tenant))
    return stmt.order_by(ListDemand.escalated_on.desc(), ListDemand.id.desc())


@get("/escalations", **PAGE)
def escalation_list(ctx: Ctx, request: Request, page: int = 1) -> Response:
    _access, scheme, today = _env(ctx)
    f = EscalationFilter.from_mapping(_query(request))
    with _rollup(ctx, "lists:read") as rs:
        result = paginate(rs, _escalation_stmt(ctx, f), page, PAGE_SIZE)
        return render("lists:EscalationList", ctx=ctx, v=View(scheme, today), scheme=scheme, result=result, f=f,
                      query=f.query(), children=[t for t in tree().children.get(ctx.tenant.id, [])])


@get("/escalations/export", **PAGE)
def escalation_export(ctx: Ctx, db: Session, request: Request) -> Response:
    _access, scheme, today = _env(ctx)
    f = EscalationFilter.from_mapping(_query(request))
    with _rollup(ctx, "lists:read") as rs:
        rows = [[d.id, View(scheme, today).tenant_name(d.tenant_id), d.title, d.org_name,
                 scheme.label("categories", d.category), d.escalated_on.isoformat() if d.escalated_on else "",
                 d.escalation_reason, svc.ESCALATION_STATUSES.get(d.escalation_status, ""), d.escalation_reply,
                 svc.STATUSES.get(d.status, d.status)] for d in rs.scalars(_escalation_stmt(ctx, f))]
    return xlsx_export(db, "上报事项", ["编号", "上报辖区", "需求标题", "提出组织", "类别", "上报日期", "上报说明",
                                    "答复状态", "答复意见", "办理状态"], rows,
                       action="lists.export", entity="lists_demands", query=f.query())


def _escalation_page(ctx: Ctx, rs: Session, demand: ListDemand, form: dict | None = None,
                     errors: dict | None = None, status: int = 200) -> Response:
    _access, scheme, today = _env(ctx)
    errors = errors or {}
    if errors.get("status"):
        ctx.flashes.append(["error", errors["status"]])
    parent = tree().by_id.get(ctx.tenant.parent_id) if ctx.tenant.parent_id else None
    return render("lists:EscalationDetail", status_code=status, ctx=ctx, v=View(scheme, today), scheme=scheme,
                  d=svc.demand_detail(rs, scheme, demand), form=form or {}, errors=errors,
                  can_answer=ctx.can("lists:triage") and demand.escalation_status == "pending",
                  parent=parent if parent and registry().is_enabled(parent.id, "lists") else None)


@get("/escalations/{demand_id:int}", **PAGE)
def escalation_detail(ctx: Ctx, demand_id: int) -> Response:
    with _rollup(ctx, "lists:read") as rs:
        return _escalation_page(ctx, rs, svc.get_escalation(rs, ctx.tenant.id, demand_id))


def _escalation_action(action: str):
    @post(f"/escalations/{{demand_id:int}}/{action}", name=f"lists-escalation-{action}", **PAGE)
    def handler(ctx: Ctx, request: Request, demand_id: int, data: Form) -> Response:
        access, _scheme, today = _env(ctx)
        form = {k: v for k, v in data.items() if k != "_csrf_token"}
        with _rollup(ctx, "lists:read") as rs:
            demand = svc.get_escalation(rs, ctx.tenant.id, demand_id)

            def act() -> str:
                if action == "answer":
                    svc.answer_escalation(rs, access, ctx.tenant, demand, form, ctx.user.label)
                    return "已答复"
                svc.forward_escalation(rs, access, ctx.tenant, demand, form, today, ctx.user.label)
                return "已转报上级"

            message = save(rs, act, rerender=lambda errors: _escalation_page(
                ctx, rs, svc.get_escalation(rs, ctx.tenant.id, demand_id), form, errors))
        flash(request, message)
        return redirect(ctx.url(f"lists/escalations/{demand_id}" if action == "answer" else "lists/escalations"))

    return handler


PAGE_ROUTES = [
    home, dashboard, demand_list, demand_export, demand_new, demand_create, demand_detail, demand_edit, demand_update,
    *(_page_action(a) for a in PAGE_ACTIONS), attachment_upload, attachment_download, attachment_delete,
    work_list, work_export, *(_work_action(a) for a in svc.WORK_TRANSITIONS),
    resource_list, resource_export, resource_new, resource_create, resource_detail, resource_reveal, resource_edit,
    resource_update, resource_status, resource_claim, station_list, station_export, station_create, station_active,
    escalation_list, escalation_export, escalation_detail, *(_escalation_action(a) for a in ("answer", "forward")),
]


# --- JSON API -----------------------------------------------------------------------------------------


@dataclass
class ChoiceOut:
    key: str
    label: str


@dataclass
class UrgencyOut:
    key: str
    label: str
    sla_days: int


@dataclass
class SchemeOut:
    schemes: list[ChoiceOut]
    demand_list: str
    resource_list: str
    work_lists: list[ChoiceOut]
    categories: list[ChoiceOut]
    urgencies: list[UrgencyOut]
    triage_levels: list[ChoiceOut]
    claimer_roles: list[ChoiceOut]
    special_actions: list[ChoiceOut]
    provider_kinds: list[ChoiceOut]
    station_label: str

    @classmethod
    def of(cls, s: EffectiveScheme) -> SchemeOut:
        def cs(items) -> list[ChoiceOut]:
            return [ChoiceOut(c.key, c.label) for c in items]

        return cls([ChoiceOut(x.key, x.label) for x in s.schemes], s.demand_list, s.resource_list, cs(s.work_lists),
                   cs(s.categories), [UrgencyOut(u.key, u.label, u.sla_days) for u in s.urgencies],
                   cs(s.triage_levels), cs(s.claimer_roles), cs(s.special_actions), cs(s.provider_kinds),
                   s.station_label)


@dataclass
class WorkOut:
    id: int
    demand_id: int
    kind: str
    kind_label: str
    title: str
    owner_name: str
    owner_role: str
    owner_role_label: str
    deadline: dt.date | None
    overdue: bool
    triage_level: str
    triage_label: str
    status: str
    status_label: str
    claim_side: str
    note: str
    result: str
    done_on: dt.date | None
    resource_ids: list[int]

    @classmethod
    def of(cls, w: ListWork, v: View, resource_ids: list[int]) -> WorkOut:
        return cls(w.id, w.demand_id, w.kind, v.label("work_lists", w.kind), w.title, w.owner_name, w.owner_role,
                   v.label("claimer_roles", w.owner_role), w.deadline, v.work_overdue(w), w.triage_level,
                   v.label("triage_levels", w.triage_level), w.status, svc.WORK_STATUSES.get(w.status, w.status),
                   w.claim_side, w.note, w.result, w.done_on, resource_ids)


@dataclass
class CommentOut:
    id: int
    author: str
    kind: str
    body: str
    created_at: dt.datetime | None


@dataclass
class DemandOut:
    id: int
    title: str
    description: str
    organization_id: int | None
    org_name: str
    category: str
    category_label: str
    urgency: str
    urgency_label: str
    action_tag: str
    action_label: str
    channel: str
    station_id: int | None
    contact_name: str
    status: str
    status_label: str
    triage_level: str
    triage_label: str
    submitted_on: dt.date
    due_on: dt.date
    sla: str
    overdue_days: int
    accepted_on: dt.date | None
    resolved_on: dt.date | None
    resolution: str
    reject_reason: str
    rating: int | None
    rating_comment: str
    rated_on: dt.date | None
    escalated_to: str
    escalation_status: str
    escalation_reason: str
    escalation_reply: str
    works: list[WorkOut] | None = None
    comments: list[CommentOut] | None = None

    @classmethod
    def of(cls, d: ListDemand, v: View) -> DemandOut:
        return cls(
            d.id, d.title, d.description, d.organization_id, d.org_name, d.category, v.label("categories", d.category),
            d.urgency, v.label("urgencies", d.urgency), d.action_tag, v.label("special_actions", d.action_tag),
            d.channel, d.station_id, d.contact_name, d.status, svc.STATUSES.get(d.status, d.status), d.triage_level,
            v.label("triage_levels", d.triage_level), d.submitted_on, d.due_on, v.sla(d), v.overdue_days(d),
            d.accepted_on, d.resolved_on, d.resolution, d.reject_reason, d.rating, d.rating_comment, d.rated_on,
            v.tenant_name(d.escalated_to_id), d.escalation_status, d.escalation_reason, d.escalation_reply)


def _demand_out(db: Session, d: ListDemand, v: View, full: bool = True) -> DemandOut:
    out = DemandOut.of(d, v)
    if full:
        detail = svc.demand_detail(db, v.scheme, d)
        out.works = [WorkOut.of(w, v, [r.id for r in detail.work_resources.get(w.id, [])]) for w in detail.works]
        out.comments = [CommentOut(c.id, c.author_name, c.kind, c.body, c.created_at) for c in detail.comments]
    return out


@dataclass
class DemandPage:
    items: list[DemandOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class ResourceOut:
    id: int
    title: str
    description: str
    category: str
    category_label: str
    provider_kind: str
    provider_kind_label: str
    provider_name: str
    organization_id: int | None
    capacity: int | None
    used: int
    contact_name: str
    contact_phone: str  # masked
    valid_until: dt.date | None
    status: str
    available: bool

    @classmethod
    def of(cls, r: ListResource, v: View, used: int) -> ResourceOut:
        return cls(r.id, r.title, r.description, r.category, v.label("categories", r.category), r.provider_kind,
                   v.label("provider_kinds", r.provider_kind), r.provider_name, r.organization_id, r.capacity, used,
                   r.contact_name, v.phone(r), r.valid_until, r.status,
                   svc.resource_problem(r, used, v.today) is None)


@dataclass
class ResourcePage:
    items: list[ResourceOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class WorkPage:
    items: list[WorkOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class StationOut:
    id: int
    name: str
    level: str
    community: str
    address: str
    active: bool


@dataclass
class RowOut:
    key: str
    label: str
    submitted: int
    solved: int
    open: int


@dataclass
class CountersOut:
    year: int
    submitted: int
    solved: int
    open: int
    overdue: int
    escalated_pending: int
    on_time: int
    avg_days_to_close: float | None
    avg_rating: float | None
    works_active: int
    works_overdue: int
    by_category: list[RowOut]
    by_triage: list[RowOut]


@get("/scheme", **API)
def api_scheme(ctx: Ctx) -> SchemeOut:
    """The tenant's effective list scheme (union of its programs' schemes, or the default)."""
    return SchemeOut.of(svc.scheme_for(ctx.tenant))


@get("/counters", **API)
def api_counters(ctx: Ctx, db: Session, year: int | None = None) -> CountersOut:
    _access, scheme, today = _env(ctx)
    c = svc.counters(db, scheme, today, year)
    rows = lambda items: [RowOut(r.key, r.label, r.submitted, r.solved, r.open) for r in items]  # noqa: E731
    return CountersOut(c.year, c.submitted, c.solved, c.open, c.overdue, c.escalated_pending, c.on_time, c.avg_days,
                       c.avg_rating, c.works_active, c.works_overdue, rows(c.by_category), rows(c.by_triage))


@get("/demands", **API)
def api_demands(ctx: Ctx, db: Session, request: Request, page: int = 1, page_size: int = PAGE_SIZE) -> DemandPage:
    """Demands with the list page's filters (``q``, ``status`` incl. ``open``/``solved``, ``category``,
    ``urgency``, ``triage``, ``action``, ``channel``, ``station``, ``org``, ``sla``=overdue|due_soon,
    ``escalated``, ``year``, ``cluster`` — organizations in that cluster now, directly or covered by
    a member party org; an unknown one is a 422 naming it)."""
    access, scheme, today = _env(ctx)
    f = svc.DemandFilter.from_mapping(_query(request))
    f.check(db)
    result = svc.list_demands(db, access, f, today, page, page_size)
    v = View(scheme, today)
    return DemandPage([_demand_out(db, d, v, full=False) for d in result.items], result.total, result.page,
                      result.page_size, result.pages)


@get("/demands/{demand_id:int}", **API)
def api_demand(ctx: Ctx, db: Session, demand_id: int) -> DemandOut:
    access, scheme, today = _env(ctx)
    return _demand_out(db, svc.get_demand(db, access, demand_id), View(scheme, today))


@post("/demands", **API)
def api_demand_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> DemandOut:
    """Submit a demand: ``organization_id``, ``title``, ``category``, ``urgency`` (+ ``description``,
    ``action_tag``, ``contact_name``, ``station_id``)."""
    access, scheme, today = _env(ctx)
    demand = save(db, lambda: svc.submit_demand(db, access, scheme, data, today))
    return _demand_out(db, demand, View(scheme, today))


@patch("/demands/{demand_id:int}", **API)
def api_demand_update(ctx: Ctx, db: Session, demand_id: int, data: dict[str, Any]) -> DemandOut:
    """Change a demand that is still 已提交 (missing fields keep their values)."""
    access, scheme, today = _env(ctx)
    demand = svc.get_demand(db, access, demand_id)
    merged = {k: getattr(demand, k) for k in DEMAND_FIELDS}
    merged.update(data)
    form = {k: ("" if v is None else v) for k, v in merged.items()}
    save(db, lambda: svc.update_demand(db, access, scheme, demand, form))
    return _demand_out(db, demand, View(scheme, today))


API_ACTIONS = ("accept", "start", "resolve", "reject", "rate", "triage", "escalate")


def _api_action(action: str):
    @post(f"/demands/{{demand_id:int}}/{action}", name=f"lists-api-demand-{action}", status_code=200, **API)
    def handler(ctx: Ctx, db: Session, demand_id: int, data: dict[str, Any]) -> DemandOut:
        demand = svc.get_demand(db, Access.of(ctx), demand_id)
        save(db, lambda: _run_demand_action(db, ctx, demand, action, data))
        _a, scheme, today = _env(ctx)
        return _demand_out(db, demand, View(scheme, today))

    handler.__doc__ = f"Demand action «{action}»; illegal in the current state → 422 with errors.status."
    return handler


@post("/demands/{demand_id:int}/comments", **API)
def api_comment(ctx: Ctx, db: Session, demand_id: int, data: dict[str, Any]) -> CommentOut:
    demand = svc.get_demand(db, Access.of(ctx), demand_id)
    c = save(db, lambda: svc.add_comment(db, Access.of(ctx), demand, data, ctx.user.label))
    return CommentOut(c.id, c.author_name, c.kind, c.body, c.created_at)


def _work_out(db: Session, work: ListWork, v: View) -> WorkOut:
    return WorkOut.of(work, v, [r.id for r in svc.resources_of_works(db, [work.id]).get(work.id, [])])


@post("/demands/{demand_id:int}/works", **API)
def api_match(ctx: Ctx, db: Session, demand_id: int, data: dict[str, Any]) -> WorkOut:
    """Staff match: ``resource_ids`` (list), ``owner_name``, ``triage_level`` (+ ``kind``, ``title``,
    ``owner_role``, ``deadline``, ``note``)."""
    access, scheme, today = _env(ctx)
    demand = svc.get_demand(db, access, demand_id)
    work = save(db, lambda: svc.match(db, access, scheme, demand, data, today))
    return _work_out(db, work, View(scheme, today))


@post("/demands/{demand_id:int}/claims", **API)
def api_claim(ctx: Ctx, db: Session, demand_id: int, data: dict[str, Any]) -> WorkOut:
    """双向认领: ``resource_ids`` (+ ``note``) — by the requester, or by a provider with own resources."""
    access, scheme, today = _env(ctx)
    demand = svc.get_demand(db, access, demand_id)
    work = save(db, lambda: svc.claim(db, access, scheme, demand, data, today))
    return _work_out(db, work, View(scheme, today))


@get("/works", **API)
def api_works(ctx: Ctx, db: Session, request: Request, page: int = 1, page_size: int = PAGE_SIZE) -> WorkPage:
    access, scheme, today = _env(ctx)
    f = svc.WorkFilter.from_mapping(_query(request))
    result = svc.list_works(db, access, f, today, page, page_size)
    res = svc.resources_of_works(db, [w.id for w in result.items])
    v = View(scheme, today)
    return WorkPage([WorkOut.of(w, v, [r.id for r in res.get(w.id, [])]) for w in result.items], result.total,
                    result.page, result.page_size, result.pages)


def _api_work_action(action: str):
    @post(f"/works/{{work_id:int}}/{action}", name=f"lists-api-work-{action}", status_code=200, **API)
    def handler(ctx: Ctx, db: Session, work_id: int, data: dict[str, Any]) -> WorkOut:
        work = svc.get_work(db, Access.of(ctx), work_id)
        save(db, lambda: _run_work_action(db, ctx, work, action, data))
        _a, scheme, today = _env(ctx)
        return _work_out(db, work, View(scheme, today))

    return handler


@get("/resources", **API)
def api_resources(ctx: Ctx, db: Session, request: Request, page: int = 1,
                  page_size: int = PAGE_SIZE) -> ResourcePage:
    access, scheme, today = _env(ctx)
    f = svc.ResourceFilter.from_mapping(_query(request))
    result = svc.list_resources(db, access, f, today, page, page_size)
    used = svc.used_capacity(db, [r.id for r in result.items])
    v = View(scheme, today)
    return ResourcePage([ResourceOut.of(r, v, used.get(r.id, 0)) for r in result.items], result.total, result.page,
                        result.page_size, result.pages)


@get("/resources/{resource_id:int}", **API)
def api_resource(ctx: Ctx, db: Session, resource_id: int) -> ResourceOut:
    access, scheme, today = _env(ctx)
    res = svc.get_resource(db, access, resource_id)
    return ResourceOut.of(res, View(scheme, today), svc.used_capacity(db, [res.id]).get(res.id, 0))


@post("/resources", **API)
def api_resource_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> ResourceOut:
    access, scheme, today = _env(ctx)
    res = save(db, lambda: svc.create_resource(db, access, scheme, data, today))
    return ResourceOut.of(res, View(scheme, today), 0)


@patch("/resources/{resource_id:int}", **API)
def api_resource_update(ctx: Ctx, db: Session, resource_id: int, data: dict[str, Any]) -> ResourceOut:
    """Change fields of a resource (missing fields keep their values); ``status`` active|withdrawn."""
    access, scheme, today = _env(ctx)
    res = svc.get_resource(db, access, resource_id)
    merged: dict[str, Any] = {k: getattr(res, k) for k in RESOURCE_FIELDS if hasattr(res, k)}
    merged["contact_phone"] = svc.phone_of(res)
    merged.update({k: v for k, v in data.items() if k != "status"})

    def update() -> None:
        svc.update_resource(db, access, scheme, res, {k: ("" if v is None else v) for k, v in merged.items()}, today)
        if "status" in data:
            svc.set_resource_status(db, access, res, str(data["status"]))

    save(db, update)
    return ResourceOut.of(res, View(scheme, today), svc.used_capacity(db, [res.id]).get(res.id, 0))


@get("/stations", **API)
def api_stations(db: Session) -> list[StationOut]:
    return [StationOut(s.id, s.name, s.grade, s.community, s.address, s.active) for s in svc.stations(db)]


@post("/stations", **API)
def api_station_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> StationOut:
    s = save(db, lambda: svc.create_station(db, Access.of(ctx), data))
    return StationOut(s.id, s.name, s.grade, s.community, s.address, s.active)


@dataclass
class EscalationOut:
    demand: DemandOut
    tenant: str
    tenant_slug: str


@get("/escalations", **API)
def api_escalations(ctx: Ctx, request: Request, page: int = 1, page_size: int = PAGE_SIZE) -> list[EscalationOut]:
    """Demands the tenant's sub-tenants escalated to it (``state``=pending|answered, ``tenant``, ``q``)."""
    _access, scheme, today = _env(ctx)
    f = EscalationFilter.from_mapping(_query(request))
    v = View(scheme, today)
    with _rollup(ctx, "lists:read") as rs:
        result = paginate(rs, _escalation_stmt(ctx, f), page, page_size)
        t = tree()
        return [EscalationOut(DemandOut.of(d, v), t.by_id[d.tenant_id].name, t.by_id[d.tenant_id].slug)
                for d in result.items]


def _api_escalation_action(action: str):
    @post(f"/escalations/{{demand_id:int}}/{action}", name=f"lists-api-escalation-{action}", status_code=200,
          **API)
    def handler(ctx: Ctx, demand_id: int, data: dict[str, Any]) -> DemandOut:
        access, scheme, today = _env(ctx)
        with _rollup(ctx, "lists:read") as rs:
            demand = svc.get_escalation(rs, ctx.tenant.id, demand_id)
            if action == "answer":
                save(rs, lambda: svc.answer_escalation(rs, access, ctx.tenant, demand, data, ctx.user.label))
            else:
                save(rs, lambda: svc.forward_escalation(rs, access, ctx.tenant, demand, data, today,
                                                        ctx.user.label))
            return DemandOut.of(demand, View(scheme, today))

    return handler


API_ROUTES = [
    api_scheme, api_counters, api_demands, api_demand, api_demand_create, api_demand_update,
    *(_api_action(a) for a in API_ACTIONS), api_comment, api_match, api_claim, api_works,
    *(_api_work_action(a) for a in svc.WORK_TRANSITIONS), api_resources, api_resource, api_resource_create,
    api_resource_update, api_stations, api_station_create, api_escalations,
    *(_api_escalation_action(a) for a in ("answer", "forward")),
]
