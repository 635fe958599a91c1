"""Pages under /t/<slug>/designations and the JSON API under /api/t/<slug>/designations (thin: the
rules are in :mod:`plugins.designations.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors, text
from core.plugins import registry
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, redirect, render
from plugins.designations import APPLY, BLACKLIST, READ, REVIEW, files
from plugins.designations import service as svc
from plugins.designations.models import BlacklistEntry, BlacklistFile, Designation, DesignationFile
from plugins.designations.subjects import subject_types
from plugins.designations.types import LEVELS

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["designations"]}
UPLOAD_LIMIT = files.max_bytes() + 1024 * 1024
REVIEW_ACTIONS = ("approve", "return", "confirm", "dismiss", "revoke")


class View:
    statuses, view_statuses, levels, sources = svc.STATUSES, svc.VIEW_STATUSES, LEVELS, svc.SOURCES
    blacklist_states = svc.BLACKLIST_STATES
    allowed_types = files.ALLOWED

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def status(self, d: Designation) -> str:
        return svc.view_status(d, self.today)


def _raw(data: dict[str, Any]) -> dict[str, str]:
    return {k: text(data, k) for k in data}


def _separate(ctx: Ctx) -> bool:
    return bool(registry().settings(ctx.tenant.id, "designations").separate_review)


def _query(q: str, kind: str, level: str, status: str, subject_kind: str) -> dict[str, str]:
    return {"q": q, "kind": kind, "level": level, "status": status, "subject_kind": subject_kind}


# --- designations ------------------------------------------------------------------------------


@get("/", opt={"permission": READ}, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", kind: str = "", level: str = "", status: str = "",
         subject_kind: str = "", page: int = 1) -> Response:
    today = clock.today()
    stmt = svc.designation_select(q, kind, level, status, subject_kind, today)
    result = paginate(db, stmt, page)
    return render("designations:Home", ctx=ctx, v=View(today), result=result,
                  query=_query(q, kind, level, status, subject_kind), kinds=svc.kinds_for(ctx.tenant),
                  types=subject_types(ctx.tenant), paths=svc.subject_paths(ctx.tenant, result.items),
                  pending=svc.pending_count(db))


@get("/export", opt={"permission": READ}, **PAGE)
def home_export(ctx: Ctx, db: Session, q: str = "", kind: str = "", level: str = "", status: str = "",
                subject_kind: str = "") -> Response:
    today = clock.today()
    rows = svc.export_rows(ctx.tenant, db.scalars(svc.designation_select(q, kind, level, status, subject_kind,
                                                                         today)), today)
    return xlsx_export(db, "称号台账", svc.HEADERS, rows, action="designations.export",
                       entity="designations_designations", query=_query(q, kind, level, status, subject_kind))


def _form_page(ctx: Ctx, db: Session, form: dict, errors: dict | None = None, code: int = 200) -> Response:
    return render("designations:Form", status_code=code, ctx=ctx, v=View(clock.today()), form=form,
                  errors=errors or {}, kinds=svc.kinds_for(ctx.tenant), subjects=svc.subject_options(db, ctx.tenant))


@get("/new", opt={"permission": APPLY}, **PAGE)
def new(ctx: Ctx, db: Session, subject: str = "", kind: str = "") -> Response:
    return _form_page(ctx, db, {"subject": subject, "kind": kind, "level": "street",
                                "awarded_on": clock.today().isoformat()})


@post("/", opt={"permission": APPLY}, **PAGE)
def create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data)
    d = save(db, lambda: svc.create(db, ctx.tenant, raw, clock.today(), ctx.user.username),
             rerender=lambda errors: _form_page(ctx, db, raw, errors))
    flash(request, f"已登记「{d.subject_name}」的「{d.kind_label}」（{svc.STATUSES[d.status]}）")
    return redirect(ctx.url(f"designations/{d.id}"))


def _detail(ctx: Ctx, db: Session, designation_id: int, form: dict | None = None, errors: dict | None = None,
            code: int = 200) -> Response:
    d = svc.get_designation(db, designation_id)
    today = clock.today()
    atts = files.files_of(db, d)
    return render("designations:Detail", status_code=code, ctx=ctx, v=View(today), d=d,
                  kind=svc.kinds_for(ctx.tenant).get(d.kind), subject_type=subject_types(ctx.tenant).get(d.subject_kind),
                  path=svc.subject_paths(ctx.tenant, [d]).get(d.id, ""), actions=svc.allowed_actions(d),
                  form=form or {}, errors=errors or {}, attachments=atts,
                  blocked=svc.blocked_message(db, e) if (e := svc.blocking_entries(db, ctx.tenant, d.subject_kind,
                                                                                   d.subject_id)) else "",
                  max_mb=max(1, files.max_bytes() // (1024 * 1024)),
                  history=history.of(db, {"designations_designations": [d.id]}, ctx.tenant.id,
                                     children={"designations_files": ("designation_id", d.id)}))


@get("/{designation_id:int}", opt={"permission": READ}, **PAGE)
def detail(ctx: Ctx, db: Session, designation_id: int) -> Response:
    return _detail(ctx, db, designation_id)


@post("/{designation_id:int}/edit", opt={"permission": APPLY}, **PAGE)
def edit(ctx: Ctx, db: Session, request: Request, designation_id: int, data: Form) -> Response:
    d = svc.get_designation(db, designation_id)
    raw = _raw(data)
    save(db, lambda: svc.update(db, ctx.tenant, d, raw, clock.today()),
         rerender=lambda errors: _detail(ctx, db, designation_id, raw, errors))
    flash(request, "已保存")
    return redirect(ctx.url(f"designations/{designation_id}"))


def _step(ctx: Ctx, db: Session, request: Request, designation_id: int, action: str, data: dict) -> Response:
    d = svc.get_designation(db, designation_id)
    raw = _raw(data)
    save(db, lambda: svc.transition(db, ctx.tenant, d, action, raw, clock.today(), ctx.user.username,
                                    separate_review=_separate(ctx)),
         rerender=lambda errors: _detail(ctx, db, designation_id, raw, errors))
    flash(request, f"已{svc.TRANSITIONS[action].verb}：{d.subject_name}「{d.kind_label}」")
    return redirect(ctx.url(f"designations/{designation_id}"))


@post("/{designation_id:int}/review/{action:str}", opt={"permission": REVIEW}, **PAGE)
def review(ctx: Ctx, db: Session, request: Request, designation_id: int, action: str, data: Form) -> Response:
    if action not in REVIEW_ACTIONS:
        svc.get_designation(db, designation_id)
        raise NotFoundException("不支持的操作")
    return _step(ctx, db, request, designation_id, action, data)


@post("/{designation_id:int}/resubmit", opt={"permission": APPLY}, **PAGE)
def resubmit(ctx: Ctx, db: Session, request: Request, designation_id: int, data: Form) -> Response:
    return _step(ctx, db, request, designation_id, "resubmit", data)


def _upload(db: Session, owner: Designation | BlacklistEntry, upload: Any, user_id: int | None
            ) -> DesignationFile | BlacklistFile:
    name, content = files.FILES.read_upload(upload)
    return files.FILES.commit_new(db, lambda: files.store(db, owner, name, content, user_id))


def _file(db: Session, owner: Designation | BlacklistEntry, file_id: int) -> DesignationFile | BlacklistFile:
    row = files.get(db, owner, file_id)
    if row is None:
        raise NotFoundException("附件不存在")
    return row


@post("/{designation_id:int}/files", opt={"permission": APPLY}, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def file_upload(ctx: Ctx, db: Session, request: Request, designation_id: int, data: Multipart) -> Response:
    d = svc.get_designation(db, designation_id)
    row = save(db, lambda: _upload(db, d, data.get("file"), ctx.user.id),
               rerender=lambda errors: _detail(ctx, db, designation_id, {}, errors))
    flash(request, f"已上传「{row.filename}」")
    return redirect(ctx.url(f"designations/{designation_id}") + "#files")


@get("/{designation_id:int}/files/{file_id:int}", opt={"permission": READ}, **PAGE)
def file_download(db: Session, designation_id: int, file_id: int) -> Response:
    return file_response(_file(db, svc.get_designation(db, designation_id), file_id), files.read)


@post("/{designation_id:int}/files/{file_id:int}/delete", opt={"permission": APPLY}, **PAGE)
def file_delete(ctx: Ctx, db: Session, request: Request, designation_id: int, file_id: int) -> Response:
    row = _file(db, svc.get_designation(db, designation_id), file_id)
    db.delete(row)
    db.commit()
    files.discard(row)
    flash(request, f"已删除「{row.filename}」")
    return redirect(ctx.url(f"designations/{designation_id}") + "#files")


# --- blacklist ---------------------------------------------------------------------------------


def _blacklist_page(ctx: Ctx, db: Session, query: dict[str, str], page: int = 1, form: dict | None = None,
                    errors: dict | None = None, code: int = 200) -> Response:
    result = paginate(db, svc.blacklist_select(query["q"], query["reason"], query["show"]), page)
    return render("designations:Blacklist", status_code=code, ctx=ctx, v=View(clock.today()), result=result,
                  names=svc.organization_names(db, result.items),
                  query=query, reasons=svc.reasons_for(ctx.tenant), form=form or {}, errors=errors or {},
                  organizations=svc.organization_options(db) if ctx.can(BLACKLIST) else [])


def _bq(q: str, reason: str, show: str) -> dict[str, str]:
    return {"q": q, "reason": reason, "show": show if show in svc.BLACKLIST_STATES else "current"}


@get("/blacklist", opt={"permission": READ}, **PAGE)
def blacklist(ctx: Ctx, db: Session, q: str = "", reason: str = "", show: str = "current", page: int = 1,
              organization: str = "") -> Response:
    return _blacklist_page(ctx, db, _bq(q, reason, show), page, form={"organization_id": organization})


@get("/blacklist/export", opt={"permission": READ}, **PAGE)
def blacklist_export(db: Session, q: str = "", reason: str = "", show: str = "current") -> Response:
    query = _bq(q, reason, show)
    rows = svc.blacklist_rows(db, db.scalars(svc.blacklist_select(query["q"], query["reason"], query["show"])))
    return xlsx_export(db, "监管黑名单", svc.BLACKLIST_HEADERS, rows, action="designations.export",
                       entity="designations_blacklist", query=query)


@post("/blacklist", opt={"permission": BLACKLIST}, **PAGE)
def blacklist_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data)
    entry, revoked = save(db, lambda: svc.list_organization(db, ctx.tenant, raw, clock.today(), ctx.user.username),
                          rerender=lambda errors: _blacklist_page(ctx, db, _bq("", "", "current"), form=raw,
                                                                  errors=errors))
    flash(request, "已列入监管黑名单" + (f"，同时撤销称号 {len(revoked)} 项" if revoked else ""))
    return redirect(ctx.url(f"designations/blacklist/{entry.id}"))


def _entry_page(ctx: Ctx, db: Session, entry_id: int, form: dict | None = None, errors: dict | None = None,
                code: int = 200) -> Response:
    entry = svc.get_entry(db, entry_id)
    ref = svc.subject_ref(db, ctx.tenant, "organization", entry.organization_id)
    revoked = svc.revoked_by(db, entry)
    return render("designations:BlacklistDetail", status_code=code, ctx=ctx, v=View(clock.today()), entry=entry,
                  org=ref, revoked=revoked, form=form or {}, errors=errors or {}, attachments=files.files_of(db, entry),
                  max_mb=max(1, files.max_bytes() // (1024 * 1024)),
                  history=history.of(db, {"designations_blacklist": [entry.id]}, ctx.tenant.id,
                                     children={"designations_blacklist_files": ("entry_id", entry.id)}))


@get("/blacklist/{entry_id:int}", opt={"permission": READ}, **PAGE)
def blacklist_detail(ctx: Ctx, db: Session, entry_id: int) -> Response:
    return _entry_page(ctx, db, entry_id)


@post("/blacklist/{entry_id:int}/lift", opt={"permission": BLACKLIST}, **PAGE)
def blacklist_lift(ctx: Ctx, db: Session, request: Request, entry_id: int, data: Form) -> Response:
    entry = svc.get_entry(db, entry_id)
    raw = _raw(data)
    save(db, lambda: svc.lift(db, entry, raw, clock.today(), ctx.user.username),
         rerender=lambda errors: _entry_page(ctx, db, entry_id, raw, errors))
    flash(request, "已移出监管黑名单")
    return redirect(ctx.url(f"designations/blacklist/{entry_id}"))


@post("/blacklist/{entry_id:int}/files", opt={"permission": BLACKLIST}, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def blacklist_file_upload(ctx: Ctx, db: Session, request: Request, entry_id: int, data: Multipart) -> Response:
    entry = svc.get_entry(db, entry_id)
    row = save(db, lambda: _upload(db, entry, data.get("file"), ctx.user.id),
               rerender=lambda errors: _entry_page(ctx, db, entry_id, {}, errors))
    flash(request, f"已上传「{row.filename}」")
    return redirect(ctx.url(f"designations/blacklist/{entry_id}") + "#files")


@get("/blacklist/{entry_id:int}/files/{evidence_id:int}", opt={"permission": READ}, **PAGE)
def blacklist_file_download(db: Session, entry_id: int, evidence_id: int) -> Response:
    return file_response(_file(db, svc.get_entry(db, entry_id), evidence_id), files.read)


@post("/blacklist/{entry_id:int}/files/{evidence_id:int}/delete", opt={"permission": BLACKLIST}, **PAGE)
def blacklist_file_delete(ctx: Ctx, db: Session, request: Request, entry_id: int, evidence_id: int) -> Response:
    row = _file(db, svc.get_entry(db, entry_id), evidence_id)
    db.delete(row)
    db.commit()
    files.discard(row)
    flash(request, f"已删除「{row.filename}」")
    return redirect(ctx.url(f"designations/blacklist/{entry_id}") + "#files")


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class KindOut:
    key: str
    label: str
    subjects: list[str]
    levels: list[str]
    needs_review: bool
    validity_months: int | None
    description: str


@dataclass
class DesignationOut:
    id: int
    kind: str
    kind_label: str
    subject_kind: str
    subject_id: int
    subject_name: str
    level: str
    title: str
    awarded_on: dt.date
    expires_on: dt.date | None
    plaque_on: dt.date | None
    awarded_by: str
    basis: str
    status: str  # proposed | applied | returned | active | revoked | dismissed
    in_force: bool
    expired: bool
    applied_by: str
    reviewed_by: str
    reviewed_on: dt.date | None
    review_note: str
    revoked_on: dt.date | None
    revoke_reason: str
    source: str

    @classmethod
    def of(cls, d: Designation, today: dt.date) -> DesignationOut:
        shown = svc.view_status(d, today)
        return cls(d.id, d.kind, d.kind_label, d.subject_kind, d.subject_id, d.subject_name, d.level, d.title,
                   d.awarded_on, d.expires_on, d.plaque_on, d.awarded_by, d.basis, d.status, shown == "active",
                   shown == "expired", d.applied_by, d.reviewed_by, d.reviewed_on, d.review_note, d.revoked_on,
                   d.revoke_reason, d.source)


@dataclass
class BlacklistOut:
    id: int
    organization_id: int
    organization_name: str
    reason: str
    detail: str
    listed_on: dt.date
    listed_by: str
    lifted_on: dt.date | None
    lifted_by: str
    lift_reason: str

    @classmethod
    def of(cls, e: BlacklistEntry, name: str) -> BlacklistOut:
        return cls(e.id, e.organization_id, name, e.reason, e.detail, e.listed_on, e.listed_by, e.lifted_on,
                   e.lifted_by, e.lift_reason)


@dataclass
class BlacklistResult:
    entry: BlacklistOut
    revoked: list[DesignationOut]


@dataclass
class FileOut:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime

    @classmethod
    def of(cls, f: DesignationFile | BlacklistFile) -> FileOut:
        return cls(f.id, f.filename, f.content_type, f.size, f.sha256, f.created_at)


@get("/kinds", opt={"permission": READ}, **API)
def api_kinds(ctx: Ctx) -> list[KindOut]:
    """The designation kinds of this tenant (registered by its plugins)."""
    types = subject_types(ctx.tenant)
    return [KindOut(k.key, k.label, svc.kind_subjects(k, types), list(k.levels), k.needs_review, k.validity_months,
                    k.description) for k in svc.kinds_for(ctx.tenant).values()]


@get("/", opt={"permission": READ}, **API)
def api_list(db: Session, q: str = "", kind: str = "", level: str = "", status: str = "", subject_kind: str = "",
             subject_id: int | None = None) -> list[DesignationOut]:
    """Designations; ``status`` = proposed | applied | returned | active (in force) | expired |
    revoked | dismissed."""
    today = clock.today()
    return [DesignationOut.of(d, today) for d in db.scalars(
        svc.designation_select(q, kind, level, status, subject_kind, today, subject_id))]


@post("/", opt={"permission": APPLY}, **API)
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> DesignationOut:
    """Record a designation: ``kind``, ``subject_kind``, ``subject_id``, ``level``, ``awarded_on``,
    ``expires_on``, ``plaque_on``, ``title``, ``awarded_by``, ``basis``. 422 (``extra.errors``)
    for bad input — a blacklisted subject is refused on ``subject``."""
    today = clock.today()
    return DesignationOut.of(save(db, lambda: svc.create(db, ctx.tenant, data, today, ctx.user.username)), today)


@get("/{designation_id:int}", opt={"permission": READ}, **API)
def api_get(db: Session, designation_id: int) -> DesignationOut:
    return DesignationOut.of(svc.get_designation(db, designation_id), clock.today())


@post("/{designation_id:int}", opt={"permission": APPLY}, **API)
def api_update(ctx: Ctx, db: Session, designation_id: int, data: dict[str, Any]) -> DesignationOut:
    """Change level, dates, title, awarding body or basis."""
    d = svc.get_designation(db, designation_id)
    today = clock.today()
    save(db, lambda: svc.update(db, ctx.tenant, d, data, today))
    return DesignationOut.of(d, today)


@post("/{designation_id:int}/review", opt={"permission": REVIEW}, **API)
def api_review(ctx: Ctx, db: Session, designation_id: int, data: dict[str, Any]) -> DesignationOut:
    """``{"action": "approve" | "return" | "confirm" | "dismiss" | "revoke", "note", "reason"}``;
    ``approve`` / ``confirm`` may give ``awarded_on`` (the day the title is given, e.g. 验收命名日期) and
    are refused while a kind that requires evidence has no evidence file."""
    d = svc.get_designation(db, designation_id)
    action = text(data, "action")
    today = clock.today()
    if action not in REVIEW_ACTIONS:
        raise FormErrors({"action": f"操作应为：{'、'.join(REVIEW_ACTIONS)}"})
    save(db, lambda: svc.transition(db, ctx.tenant, d, action, data, today, ctx.user.username,
                                    separate_review=_separate(ctx)))
    return DesignationOut.of(d, today)


@post("/{designation_id:int}/resubmit", opt={"permission": APPLY}, **API)
def api_resubmit(ctx: Ctx, db: Session, designation_id: int) -> DesignationOut:
    d = svc.get_designation(db, designation_id)
    today = clock.today()
    save(db, lambda: svc.transition(db, ctx.tenant, d, "resubmit", {}, today, ctx.user.username))
    return DesignationOut.of(d, today)


@get("/{designation_id:int}/files", opt={"permission": READ}, **API)
def api_files(db: Session, designation_id: int) -> list[FileOut]:
    return [FileOut.of(f) for f in files.files_of(db, svc.get_designation(db, designation_id))]


@post("/{designation_id:int}/files", opt={"permission": APPLY}, request_max_body_size=UPLOAD_LIMIT,
      tags=["designations"])
async def api_file_upload(ctx: Ctx, db: Session, request: Request, designation_id: int) -> FileOut:
    """Upload an evidence file (multipart/form-data: ``file``); 422 with ``extra.errors`` for a
    wrong type, size or content. The designation is looked up first (another tenant's id: 404)."""
    d = await anyio.to_thread.run_sync(lambda: svc.get_designation(db, designation_id))
    try:
        form = await request.form()
    except Exception as exc:
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    upload = form.get("file")
    return await anyio.to_thread.run_sync(lambda: FileOut.of(_upload(db, d, upload, ctx.user.id)))


@get("/{designation_id:int}/files/{file_id:int}", opt={"permission": READ}, **API)
def api_file_download(db: Session, designation_id: int, file_id: int) -> Response:
    return file_response(_file(db, svc.get_designation(db, designation_id), file_id), files.read)


@get("/blacklist", opt={"permission": READ}, **API)
def api_blacklist(db: Session, q: str = "", reason: str = "", show: str = "current") -> list[BlacklistOut]:
    """Blacklist entries; ``show`` = current (default) | lifted | all."""
    query = _bq(q, reason, show)
    entries = list(db.scalars(svc.blacklist_select(query["q"], query["reason"], query["show"])))
    names = svc.organization_names(db, entries)
    return [BlacklistOut.of(e, names.get(e.organization_id, "")) for e in entries]


@post("/blacklist", opt={"permission": BLACKLIST}, **API)
def api_blacklist_add(ctx: Ctx, db: Session, data: dict[str, Any]) -> BlacklistResult:
    """List an organization: ``organization_id``, ``reason`` (one of the tenant's reasons),
    ``detail``, ``listed_on``. Answers the entry and the designations it revoked."""
    today = clock.today()
    entry, revoked = save(db, lambda: svc.list_organization(db, ctx.tenant, data, today, ctx.user.username))
    ref = svc.subject_ref(db, ctx.tenant, "organization", entry.organization_id)
    return BlacklistResult(BlacklistOut.of(entry, ref.name if ref else ""), [DesignationOut.of(d, today)
                                                                             for d in revoked])


@get("/blacklist/{entry_id:int}", opt={"permission": READ}, **API)
def api_blacklist_get(ctx: Ctx, db: Session, entry_id: int) -> BlacklistOut:
    entry = svc.get_entry(db, entry_id)
    ref = svc.subject_ref(db, ctx.tenant, "organization", entry.organization_id)
    return BlacklistOut.of(entry, ref.name if ref else "")


@post("/blacklist/{entry_id:int}/lift", opt={"permission": BLACKLIST}, **API)
def api_blacklist_lift(ctx: Ctx, db: Session, entry_id: int, data: dict[str, Any]) -> BlacklistOut:
    """Lift an entry: ``lift_reason`` (required), ``lifted_on``."""
    entry = svc.get_entry(db, entry_id)
    save(db, lambda: svc.lift(db, entry, data, clock.today(), ctx.user.username))
    ref = svc.subject_ref(db, ctx.tenant, "organization", entry.organization_id)
    return BlacklistOut.of(entry, ref.name if ref else "")


PAGE_ROUTES = [home, home_export, new, create, detail, edit, review, resubmit, file_upload, file_download,
               file_delete, blacklist, blacklist_export, blacklist_add, blacklist_detail, blacklist_lift,
               blacklist_file_upload, blacklist_file_download, blacklist_file_delete]
API_ROUTES = [api_kinds, api_list, api_create, api_get, api_update, api_review, api_resubmit, api_files,
              api_file_upload, api_file_download, api_blacklist, api_blacklist_add, api_blacklist_get,
              api_blacklist_lift]
