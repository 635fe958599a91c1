"""Registry pages and API: instructors (党建指导员, CORE-6) — people, assignments to
organizations, the visit log and the organizations that still need an instructor.

Staff (``registry:write``) manage instructors and assignments and may record visits for
anyone; an instructor (``instructors:visit`` only) records visits as the instructor linked
to their user, for organizations assigned to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from litestar import Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors, row_id
from core.registry import files
from core.registry.models import (
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    InstructorVisitAttachment,
    Organization,
)
from core.registry.schemas import parse_date, resolve_organization
from core.registry.services import instructors as svc
from core.registry.services.members import org_scope
from core.registry.web import paging
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
#: one request carries at most two full-size files (the proxy allows 21 MB, see deploy/nginx)
UPLOAD_LIMIT = 2 * files.max_bytes() + 1024 * 1024
READ = {"permission": "registry:read"}
WRITE = {"permission": "registry:write"}
VISIT = {"permission": "instructors:visit"}
ORG_SELECT_LIMIT = 2000


def _scope(ctx: Ctx, db: Session) -> frozenset[int] | None:
    return org_scope(db, ctx.user.id, ctx.perms)


def _instructor(db: Session, instructor_id: int) -> Instructor:
    row = db.get(Instructor, instructor_id)
    if row is None:
        raise NotFoundException("指导员不存在")
    return row


def _assignment(db: Session, assignment_id: int) -> InstructorAssignment:
    row = db.get(InstructorAssignment, assignment_id)
    if row is None:
        raise NotFoundException("分配记录不存在")
    return row


def _visit(ctx: Ctx, db: Session, visit_id: int) -> InstructorVisit:
    row = db.get(InstructorVisit, visit_id)
    scope = _scope(ctx, db)
    if row is None or (scope is not None and row.organization_id not in scope):
        raise NotFoundException("走访记录不存在")
    return row


def _org_options(db: Session, scope: frozenset[int] | None = None) -> list[tuple[int, str]] | None:
    stmt = select(Organization.id, Organization.name)
    if scope is not None:
        stmt = stmt.where(Organization.id.in_(scope or {-1}))
    rows = [tuple(r) for r in db.execute(stmt.order_by(Organization.name).limit(ORG_SELECT_LIMIT))]
    return rows if len(rows) < ORG_SELECT_LIMIT else None


def _q(request: Request, key: str) -> str:
    return (request.query_params.get(key) or "").strip()


def _export(db: Session, request: Request, entity: str, title: str, headers: list[str], rows) -> Response:
    """Exports are recorded like the other registry exports (who took which list, with what filter)."""
    return xlsx_export(db, title, headers, rows, action=f"{entity}.export", entity=entity,
                       query={k: v for k, v in request.query_params.items() if v})


# --- instructors: pages -------------------------------------------------------------------------


@get("/instructors", opt=READ, include_in_schema=False, sync_to_thread=True)
def instructor_list(ctx: Ctx, db: Session, request: Request) -> Response:
    q, active = _q(request, "q"), _q(request, "active")
    page = paginate(db, svc.instructor_query(q, active), *paging.page_of(ctx, request.query_params))
    rows = svc.instructor_rows(db, page.items, _scope(ctx, db))
    return render("registry:InstructorList", ctx=ctx, page=page, rows=rows, query={"q": q, "active": active},
                  year=clock.today().year)


@get("/instructors/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def instructor_export(ctx: Ctx, db: Session, request: Request) -> Response:
    items = list(db.scalars(svc.instructor_query(_q(request, "q"), _q(request, "active"))))
    rows = [[r.i.name, r.i.unit, r.phone_masked, r.username, "是" if r.i.active else "否", r.organizations,
             r.visits_this_year] for r in svc.instructor_rows(db, items, _scope(ctx, db))]
    return _export(db, request, "instructors", "党建指导员",
                   ["姓名", "派出单位", "手机号", "平台账号", "在岗", "负责组织数", f"{clock.today().year}年走访次数"], rows)


def _instructor_form(ctx: Ctx, form: dict, errors: dict, instructor: Instructor | None,
                     status: int = 200) -> Response:
    phone = svc.masked_phone(instructor) if instructor else ""
    return render("registry:InstructorForm", status_code=status, ctx=ctx, form=form, errors=errors,
                  instructor=instructor, phone_masked=phone, fields={s.key: s for s in svc.INSTRUCTOR_FIELDS})


def _instructor_raw(data: dict[str, Any]) -> dict[str, str]:
    return {s.key: form_value(data, s.key) for s in svc.INSTRUCTOR_FIELDS}


@get("/instructors/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def instructor_new(ctx: Ctx) -> Response:
    return _instructor_form(ctx, {"active": True}, {}, None)


@post("/instructors/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def instructor_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _instructor_raw(data)
    row = save(db, lambda: svc.create_instructor(db, raw, ctx.tenant.id),
               rerender=lambda errors: _instructor_form(ctx, raw, errors, None))
    flash(request, f"已添加指导员「{row.name}」")
    return redirect(ctx.url(f"instructors/{row.id}"))


def _detail(ctx: Ctx, db: Session, instructor: Instructor, form: dict | None = None,
            errors: dict | None = None, status: int = 200) -> Response:
    scope = _scope(ctx, db)
    row = svc.instructor_rows(db, [instructor], scope)[0]
    assignments = svc.assignment_rows(db, svc.assignments_of(db, instructor, scope))
    f = svc.VisitFilter(instructor=str(instructor.id), page_size=20)
    visits = svc.visit_rows(db, list(db.scalars(svc.visit_query(db, f, scope).limit(20))))
    return render("registry:InstructorDetail", status_code=status, ctx=ctx, row=row, assignments=assignments,
                  visits=visits, form=form or {}, errors=errors or {},
                  attachment_counts=svc.attachment_counts(db, [r.v.id for r in visits]),
                  organizations=_org_options(db) if ctx.can("registry:write") else [],
                  history=history.of(db, {"instructors": [instructor.id]}, ctx.tenant.id),
                  today=clock.today().isoformat())


@get("/instructors/{instructor_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def instructor_detail(ctx: Ctx, db: Session, instructor_id: int) -> Response:
    return _detail(ctx, db, _instructor(db, instructor_id))


@get("/instructors/{instructor_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def instructor_edit(ctx: Ctx, db: Session, instructor_id: int) -> Response:
    row = _instructor(db, instructor_id)
    return _instructor_form(ctx, svc.instructor_form(db, row), {}, row)


@post("/instructors/{instructor_id:int}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def instructor_update(ctx: Ctx, db: Session, request: Request, instructor_id: int, data: Form) -> Response:
    row = _instructor(db, instructor_id)
    raw = _instructor_raw(data)
    save(db, lambda: svc.update_instructor(db, row, raw, ctx.tenant.id),
         rerender=lambda errors: _instructor_form(ctx, raw, errors, _instructor(db, instructor_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"instructors/{instructor_id}"))


@post("/instructors/{instructor_id:int}/delete", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def instructor_delete(ctx: Ctx, db: Session, request: Request, instructor_id: int) -> Response:
    row = _instructor(db, instructor_id)
    try:
        save(db, lambda: svc.delete_instructor(db, row))
    except FormErrors as exc:  # refused while visits refer to it: said on the instructor's page
        flash(request, exc.errors["__all__"], "error")
        return redirect(ctx.url(f"instructors/{instructor_id}"))
    flash(request, f"已删除指导员「{row.name}」")
    return redirect(ctx.url("instructors"))


@post("/instructors/{instructor_id:int}/assignments", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def assignment_create(ctx: Ctx, db: Session, request: Request, instructor_id: int, data: Form) -> Response:
    instructor = _instructor(db, instructor_id)
    raw = {k: form_value(data, k) for k in ("organization", "start_on", "end_on")}
    save(db, lambda: svc.assign(db, instructor, raw),
         rerender=lambda errors: _detail(ctx, db, _instructor(db, instructor_id), raw, errors))
    flash(request, "已分配组织")
    return redirect(ctx.url(f"instructors/{instructor_id}"))


@post("/instructors/assignments/{assignment_id:int}/end", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def assignment_end(ctx: Ctx, db: Session, request: Request, assignment_id: int, data: Form) -> Response:
    row = _assignment(db, assignment_id)
    instructor_id = row.instructor_id
    save(db, lambda: svc.end_assignment(db, row, form_value(data, "end_on")),
         rerender=lambda errors: _detail(ctx, db, _instructor(db, instructor_id), {}, errors))
    flash(request, "已结束分配")
    return redirect(ctx.url(f"instructors/{instructor_id}"))


@post("/instructors/assignments/{assignment_id:int}/delete", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def assignment_delete(ctx: Ctx, db: Session, request: Request, assignment_id: int) -> Response:
    row = _assignment(db, assignment_id)
    instructor_id = row.instructor_id
    svc.delete_assignment(db, row)
    db.commit()
    flash(request, "已删除分配记录")
    return redirect(ctx.url(f"instructors/{instructor_id}"))


# --- visits: pages ------------------------------------------------------------------------------


def _actor(ctx: Ctx, db: Session) -> svc.VisitActor:
    return svc.visit_actor(db, ctx.user.id, ctx.perms)


@get("/instructors/visits", opt=READ, include_in_schema=False, sync_to_thread=True)
def visit_list(ctx: Ctx, db: Session, request: Request) -> Response:
    f = svc.visit_filter(request.query_params)
    f.page, f.page_size = paging.page_of(ctx, request.query_params)
    scope = _scope(ctx, db)
    page = paginate(db, svc.visit_query(db, f, scope), f.page, f.page_size)
    own = svc.instructor_of_user(db, ctx.user.id)
    return render("registry:InstructorVisits", ctx=ctx, page=page, rows=svc.visit_rows(db, page.items), f=f,
                  attachment_counts=svc.attachment_counts(db, [v.id for v in page.items]),
                  query=f.query(), instructors=svc.instructor_options(db, only_active=False),
                  organizations=_org_options(db, scope) or [], own=own,
                  actor=_actor(ctx, db) if ctx.can("instructors:visit") else None)


@get("/instructors/visits/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def visit_export(ctx: Ctx, db: Session, request: Request) -> Response:
    f = svc.visit_filter(request.query_params)
    rows = svc.visit_export_rows(db, svc.visit_query(db, f, _scope(ctx, db)))
    return _export(db, request, "instructor_visits", "指导员走访记录", svc.VISIT_EXPORT_HEADERS, rows)


def _visit_form(ctx: Ctx, db: Session, form: dict, errors: dict, visit: InstructorVisit | None,
                status: int = 200) -> Response:
    actor = _actor(ctx, db)
    own = db.get(Instructor, actor.instructor_id) if actor.instructor_id else None
    attachments = svc.visit_attachments(db, [visit.id]).get(visit.id, []) if visit else []
    return render("registry:InstructorVisitForm", status_code=status, ctx=ctx, form=form, errors=errors,
                  visit=visit, actor=actor, own=own, fields={s.key: s for s in svc.VISIT_FIELDS},
                  instructors=svc.instructor_options(db, only_active=False),
                  organizations=svc.visit_organization_options(db, actor, ORG_SELECT_LIMIT),
                  attachments=attachments, allowed=files.ALLOWED, max_mb=files.max_bytes() // (1024 * 1024) or 1)


def _visit_raw(data: dict[str, Any]) -> dict[str, str]:
    return {s.key: form_value(data, s.key) for s in svc.VISIT_FIELDS}


def _uploads(data: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The chosen files of a multipart form (``file``, possibly several); empty inputs are skipped."""
    value = data.get("file")
    out = []
    for upload in value if isinstance(value, list) else [value]:
        if isinstance(upload, UploadFile) and (upload.filename or "").strip():
            upload.file.seek(0)
            out.append((upload.filename, upload.file.read(files.max_bytes() + 1)))
    return out


def _save_visit(ctx: Ctx, db: Session, data: dict[str, Any], visit: InstructorVisit | None) -> InstructorVisit:
    """Create or update a visit with the files chosen on its form and commit — all or nothing:
    on any failure the transaction is rolled back and stored bytes removed, then re-raised."""
    actor = _actor(ctx, db)
    raw, uploads = _visit_raw(data), _uploads(data)
    if visit is None:
        visit = svc.record_visit(db, raw, actor)
    else:
        svc.update_visit(db, visit, raw, actor)
    _store(ctx, db, visit, actor, uploads)
    return visit


def _attach(ctx: Ctx, db: Session, visit: InstructorVisit, actor: svc.VisitActor,
            data: dict[str, Any]) -> list[InstructorVisitAttachment]:
    """Store the form's files on ``visit`` and commit; FormErrors when none was chosen."""
    uploads = _uploads(data)
    if not uploads:
        raise FormErrors({"file": "附件：请选择要上传的文件"})
    return _store(ctx, db, visit, actor, uploads)


def _store(ctx: Ctx, db: Session, visit: InstructorVisit, actor: svc.VisitActor,
           uploads: list[tuple[str, bytes]]) -> list[InstructorVisitAttachment]:
    """Attach ``uploads`` and commit; on any failure roll back and remove the bytes written."""
    stored = []
    try:
        stored = svc.attach_files(db, visit, uploads, actor, ctx.user.id)
        db.commit()
    except Exception:
        db.rollback()
        for att in stored:
            files.discard(att)
        raise
    return stored


@get("/instructors/visits/new", opt=VISIT, include_in_schema=False, sync_to_thread=True)
def visit_new(ctx: Ctx, db: Session, organization: str = "", instructor: str = "") -> Response:
    form = {"visited_on": clock.today().isoformat(), "organization": organization, "instructor": instructor}
    return _visit_form(ctx, db, form, {}, None)


@post("/instructors/visits/new", opt=VISIT, include_in_schema=False, sync_to_thread=True,
      request_max_body_size=UPLOAD_LIMIT)
def visit_create(ctx: Ctx, db: Session, request: Request, data: Multipart) -> Response:
    visit = save(db, lambda: _save_visit(ctx, db, data, None),
                 rerender=lambda errors: _visit_form(ctx, db, _visit_raw(data), errors, None))
    flash(request, "已记录走访")
    return redirect(ctx.url(f"instructors/visits/{visit.id}"))


@get("/instructors/visits/{visit_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def visit_detail(ctx: Ctx, db: Session, visit_id: int) -> Response:
    return _visit_detail(ctx, db, _visit(ctx, db, visit_id))


def _visit_detail(ctx: Ctx, db: Session, visit: InstructorVisit, errors: dict | None = None,
                  status: int = 200) -> Response:
    row = svc.visit_rows(db, [visit])[0]
    actor = _actor(ctx, db) if ctx.can("instructors:visit") else None
    return render("registry:InstructorVisitDetail", status_code=status, ctx=ctx, row=row,
                  attachments=svc.visit_attachments(db, [visit.id]).get(visit.id, []),
                  can_edit=actor is not None and svc.can_edit_visit(visit, actor), errors=errors or {},
                  allowed=files.ALLOWED, max_mb=files.max_bytes() // (1024 * 1024) or 1,
                  history=svc.visit_history(db, ctx.tenant.id, visit.id))


@get("/instructors/visits/{visit_id:int}/edit", opt=VISIT, include_in_schema=False, sync_to_thread=True)
def visit_edit(ctx: Ctx, db: Session, visit_id: int) -> Response:
    visit = _visit(ctx, db, visit_id)
    if not svc.can_edit_visit(visit, _actor(ctx, db)):
        raise NotFoundException("走访记录不存在")
    return _visit_form(ctx, db, svc.visit_form(visit), {}, visit)


def _editable_visit(ctx: Ctx, db: Session, visit_id: int) -> tuple[InstructorVisit, svc.VisitActor]:
    """The visit if the user may change it (their own as an instructor; any as staff), else 404."""
    visit = _visit(ctx, db, visit_id)
    actor = _actor(ctx, db)
    if not svc.can_edit_visit(visit, actor):
        raise NotFoundException("走访记录不存在")
    return visit, actor


@post("/instructors/visits/{visit_id:int}/edit", opt=VISIT, include_in_schema=False, sync_to_thread=True,
      request_max_body_size=UPLOAD_LIMIT)
def visit_update(ctx: Ctx, db: Session, request: Request, visit_id: int, data: Multipart) -> Response:
    visit, _ = _editable_visit(ctx, db, visit_id)
    save(db, lambda: _save_visit(ctx, db, data, visit),
         rerender=lambda errors: _visit_form(ctx, db, _visit_raw(data), errors, _visit(ctx, db, visit_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"instructors/visits/{visit_id}"))


@post("/instructors/visits/{visit_id:int}/delete", opt=VISIT, include_in_schema=False, sync_to_thread=True)
def visit_delete(ctx: Ctx, db: Session, request: Request, visit_id: int) -> Response:
    visit, actor = _editable_visit(ctx, db, visit_id)
    removed = svc.delete_visit(db, visit, actor)
    db.commit()
    for att in removed:
        files.discard(att)
    flash(request, "已删除走访记录")
    return redirect(ctx.url("instructors/visits"))


@post("/instructors/visits/{visit_id:int}/attachments", opt=VISIT, include_in_schema=False, sync_to_thread=True,
      request_max_body_size=UPLOAD_LIMIT)
def visit_attachment_upload(ctx: Ctx, db: Session, request: Request, visit_id: int, data: Multipart) -> Response:
    visit, actor = _editable_visit(ctx, db, visit_id)
    stored = save(db, lambda: _attach(ctx, db, visit, actor, data),
                  rerender=lambda errors: _visit_detail(ctx, db, _visit(ctx, db, visit_id), errors))
    flash(request, f"已上传附件 {len(stored)} 个")
    return redirect(ctx.url(f"instructors/visits/{visit_id}"))


def _file_response(att: InstructorVisitAttachment) -> Response:
    return file_response(att, files.read)


@get("/instructors/visits/{visit_id:int}/attachments/{attachment_id:int}", opt=READ, include_in_schema=False,
     sync_to_thread=True)
def visit_attachment_download(ctx: Ctx, db: Session, visit_id: int, attachment_id: int) -> Response:
    return _file_response(svc.get_visit_attachment(db, _visit(ctx, db, visit_id), attachment_id))


@post("/instructors/visits/{visit_id:int}/attachments/{attachment_id:int}/delete", opt=VISIT,
      include_in_schema=False, sync_to_thread=True)
def visit_attachment_delete(ctx: Ctx, db: Session, request: Request, visit_id: int, attachment_id: int) -> Response:
    visit, actor = _editable_visit(ctx, db, visit_id)
    att = svc.delete_visit_attachment(db, visit, svc.get_visit_attachment(db, visit, attachment_id), actor)
    db.commit()
    files.discard(att)
    flash(request, f"已删除附件「{att.filename}」")
    return redirect(ctx.url(f"instructors/visits/{visit_id}"))


# --- organizations that need an instructor ------------------------------------------------------


def _uncovered_page(ctx: Ctx, db: Session, request: Request, form: dict | None = None,
                    errors: dict | None = None, status: int = 200) -> Response:
    q = _q(request, "q")
    page = paginate(db, svc.uncovered_query(q=q, scope=_scope(ctx, db)), *paging.page_of(ctx, request.query_params))
    return render("registry:InstructorUncovered", status_code=status, ctx=ctx, page=page,
                  rows=svc.uncovered_rows(db, page.items), query={"q": q}, form=form or {}, errors=errors or {},
                  instructors=svc.instructor_options(db) if ctx.can("registry:write") else [],
                  today=clock.today().isoformat())


@get("/instructors/uncovered", opt=READ, include_in_schema=False, sync_to_thread=True)
def uncovered(ctx: Ctx, db: Session, request: Request) -> Response:
    return _uncovered_page(ctx, db, request)


@get("/instructors/uncovered/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def uncovered_export(ctx: Ctx, db: Session, request: Request) -> Response:
    orgs = list(db.scalars(svc.uncovered_query(q=_q(request, "q"), scope=_scope(ctx, db))))
    rows = [[r.o.name, r.o.credit_code or "", r.o.community, r.o.building, r.o.employees, r.reason]
            for r in svc.uncovered_rows(db, orgs)]
    return _export(db, request, "organizations", "待派指导员的组织",
                   ["组织名称", "统一社会信用代码", "所属社区/村", "所在楼宇/商圈", "从业人员数", "原因"], rows)


@post("/instructors/uncovered/assign", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def uncovered_assign(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = {k: form_value(data, k) for k in ("instructor", "organization", "start_on")}
    ref = raw["instructor"]
    instructor = db.get(Instructor, row_id(ref)) if row_id(ref) else None

    def assign() -> None:
        if instructor is None:
            raise FormErrors({"instructor": "指导员：请选择指导员"})
        svc.assign(db, instructor, raw)

    save(db, assign, rerender=lambda errors: _uncovered_page(ctx, db, request, raw, errors))
    flash(request, f"已分配给指导员「{instructor.name}」")
    return redirect(ctx.url("instructors/uncovered"))


ROUTES = [
    instructor_list, instructor_export, instructor_new, instructor_create, instructor_detail, instructor_edit,
    instructor_update, instructor_delete, assignment_create, assignment_end, assignment_delete,
    visit_list, visit_export, visit_new, visit_create, visit_detail, visit_edit, visit_update, visit_delete,
    visit_attachment_upload, visit_attachment_download, visit_attachment_delete,
    uncovered, uncovered_export, uncovered_assign,
]


# --- API ----------------------------------------------------------------------------------------


@dataclass
class AssignmentOut:
    id: int
    instructor_id: int
    instructor_name: str
    organization_id: int
    organization_name: str
    start_on: dt.date
    end_on: dt.date | None
    active: bool

    @classmethod
    def of(cls, r: svc.AssignmentRow) -> AssignmentOut:
        a = r.a
        return cls(a.id, a.instructor_id, r.instructor_name, a.organization_id, r.organization_name, a.start_on,
                   a.end_on, r.active)


@dataclass
class InstructorOut:
    id: int
    name: str
    unit: str
    phone_masked: str
    username: str
    active: bool
    organizations: int
    visits_this_year: int

    @classmethod
    def of(cls, r: svc.InstructorRow) -> InstructorOut:
        return cls(r.i.id, r.i.name, r.i.unit, r.phone_masked, r.username, r.i.active, r.organizations,
                   r.visits_this_year)


@dataclass
class InstructorDetailOut(InstructorOut):
    assignments: list[AssignmentOut] | None = None


@dataclass
class InstructorPage:
    items: list[InstructorOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class VisitAttachmentOut:
    """A photo or document of a visit, served at ``GET …/instructors/visits/<visit>/attachments/<id>``."""

    id: int
    visit_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, a: InstructorVisitAttachment) -> VisitAttachmentOut:
        return cls(a.id, a.visit_id, a.filename, a.content_type, a.size, a.sha256, a.created_at)


@dataclass
class VisitOut:
    id: int
    instructor_id: int
    instructor_name: str
    organization_id: int
    organization_name: str
    visited_on: dt.date
    findings: str
    follow_up: str
    follow_up_done: bool
    attachments: list[VisitAttachmentOut] = field(default_factory=list)

    @classmethod
    def of(cls, r: svc.VisitRow, attachments: list[InstructorVisitAttachment] | None = None) -> VisitOut:
        v = r.v
        return cls(v.id, v.instructor_id, r.instructor_name, v.organization_id, r.organization_name, v.visited_on,
                   v.findings, v.follow_up, v.follow_up_done, [VisitAttachmentOut.of(a) for a in attachments or []])


def _visits_out(db: Session, visits: list[InstructorVisit]) -> list[VisitOut]:
    attachments = svc.visit_attachments(db, [v.id for v in visits])
    return [VisitOut.of(r, attachments.get(r.v.id)) for r in svc.visit_rows(db, visits)]


@dataclass
class VisitPage:
    items: list[VisitOut]
    total: int
    page: int
    page_size: int
    pages: int


@dataclass
class UncoveredOut:
    id: int
    name: str
    credit_code: str | None
    reason: str


@dataclass
class UncoveredPage:
    items: list[UncoveredOut]
    total: int
    page: int
    page_size: int
    pages: int


def _instructor_out(ctx: Ctx, db: Session, row: Instructor) -> InstructorDetailOut:
    scope = _scope(ctx, db)
    base = InstructorOut.of(svc.instructor_rows(db, [row], scope)[0])
    assignments = [AssignmentOut.of(a) for a in svc.assignment_rows(db, svc.assignments_of(db, row, scope))]
    return InstructorDetailOut(**vars(base), assignments=assignments)


@get("/instructors", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_instructors(ctx: Ctx, db: Session, request: Request) -> InstructorPage:
    """Filters: q (name or unit), active (1/0); page, page_size (1–200) — a bad value answers 422."""
    page_no, size = paging.api_page(request.query_params, choices={"active": ("在岗", ("1", "0"))})
    page = paginate(db, svc.instructor_query(_q(request, "q"), _q(request, "active")), page_no, size)
    items = [InstructorOut.of(r) for r in svc.instructor_rows(db, page.items, _scope(ctx, db))]
    return InstructorPage(items, page.total, page.page, page.page_size, page.pages)


@get("/instructors/{instructor_id:int}", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_instructor(ctx: Ctx, db: Session, instructor_id: int) -> InstructorDetailOut:
    return _instructor_out(ctx, db, _instructor(db, instructor_id))


@post("/instructors", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_instructor_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> InstructorDetailOut:
    """Fields: name, unit, phone, active, username (optional link to a platform user)."""
    row = save(db, lambda: svc.create_instructor(db, data, ctx.tenant.id))
    return _instructor_out(ctx, db, row)


def _instructor_update(ctx: Ctx, db: Session, instructor_id: int, data: dict[str, Any]) -> InstructorDetailOut:
    row = _instructor(db, instructor_id)
    save(db, lambda: svc.update_instructor(db, row, data, ctx.tenant.id))
    return _instructor_out(ctx, db, row)


@patch("/instructors/{instructor_id:int}", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_instructor_patch(ctx: Ctx, db: Session, instructor_id: int, data: dict[str, Any]) -> InstructorDetailOut:
    return _instructor_update(ctx, db, instructor_id, data)


@put("/instructors/{instructor_id:int}", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_instructor_put(ctx: Ctx, db: Session, instructor_id: int, data: dict[str, Any]) -> InstructorDetailOut:
    return _instructor_update(ctx, db, instructor_id, data)


@delete("/instructors/{instructor_id:int}", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_instructor_delete(db: Session, instructor_id: int) -> None:
    try:
        save(db, lambda: svc.delete_instructor(db, _instructor(db, instructor_id)))
    except FormErrors as exc:
        raise HTTPException(status_code=409, detail=exc.errors["__all__"]) from exc


@post("/instructors/{instructor_id:int}/assignments", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_assign(db: Session, instructor_id: int, data: dict[str, Any]) -> AssignmentOut:
    """``organization`` (id, credit code or name), ``start_on`` (default today), ``end_on``."""
    instructor = _instructor(db, instructor_id)
    row = save(db, lambda: svc.assign(db, instructor, data))
    return AssignmentOut.of(svc.assignment_rows(db, [row])[0])


@patch("/instructors/assignments/{assignment_id:int}", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_assignment_end(db: Session, assignment_id: int, data: dict[str, Any]) -> AssignmentOut:
    """End an assignment: ``end_on`` (default today)."""
    row = _assignment(db, assignment_id)
    save(db, lambda: svc.end_assignment(db, row, data.get("end_on")))
    return AssignmentOut.of(svc.assignment_rows(db, [row])[0])


@delete("/instructors/assignments/{assignment_id:int}", opt=WRITE, sync_to_thread=True, tags=["instructors"])
def api_assignment_delete(db: Session, assignment_id: int) -> None:
    svc.delete_assignment(db, _assignment(db, assignment_id))
    db.commit()


@get("/instructors/visits", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_visits(ctx: Ctx, db: Session, request: Request) -> VisitPage:
    """Filters: instructor (id), organization (id, credit code or name), date_from, date_to,
    follow_up (open/done); page, page_size (1–200) — a bad value answers 422 naming it."""
    f = svc.visit_filter(request.query_params)
    errors: dict[str, str] = {}
    f.page, f.page_size = paging.page_values(request.query_params, errors)
    paging.integer(request.query_params, "instructor", "指导员编号", 1, 2**31 - 1, errors)
    for key, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
        if f.query()[key] and parse_date(f.query()[key]) is None:
            errors[key] = f"{label}：日期格式应为 2024-03-01"
    if f.follow_up not in ("", "open", "done"):
        errors["follow_up"] = "跟进：应为 open 或 done"
    paging.references(db, request.query_params, {"organization": ("组织", resolve_organization)}, errors)
    if errors:
        raise FormErrors(errors)
    page = paginate(db, svc.visit_query(db, f, _scope(ctx, db)), f.page, f.page_size)
    return VisitPage(_visits_out(db, page.items), page.total, page.page, page.page_size, page.pages)


@get("/instructors/visits/{visit_id:int}", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_visit(ctx: Ctx, db: Session, visit_id: int) -> VisitOut:
    return _visits_out(db, [_visit(ctx, db, visit_id)])[0]


@post("/instructors/visits", opt=VISIT, sync_to_thread=True, tags=["instructors"])
def api_visit_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> VisitOut:
    """Fields: instructor (id; ignored for an instructor, who records as themself), organization,
    visited_on, findings, follow_up, follow_up_done."""
    row = save(db, lambda: svc.record_visit(db, data, _actor(ctx, db)))
    return _visits_out(db, [row])[0]


@patch("/instructors/visits/{visit_id:int}", opt=VISIT, sync_to_thread=True, tags=["instructors"])
def api_visit_update(ctx: Ctx, db: Session, visit_id: int, data: dict[str, Any]) -> VisitOut:
    visit = _visit(ctx, db, visit_id)
    actor = _actor(ctx, db)
    if not svc.can_edit_visit(visit, actor):
        raise NotFoundException("走访记录不存在")
    save(db, lambda: svc.update_visit(db, visit, data, actor))
    return _visits_out(db, [visit])[0]


@delete("/instructors/visits/{visit_id:int}", opt=VISIT, sync_to_thread=True, tags=["instructors"])
def api_visit_delete(ctx: Ctx, db: Session, visit_id: int) -> None:
    visit, actor = _editable_visit(ctx, db, visit_id)
    removed = svc.delete_visit(db, visit, actor)
    db.commit()
    for att in removed:
        files.discard(att)


@get("/instructors/visits/{visit_id:int}/attachments", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_visit_attachments(ctx: Ctx, db: Session, visit_id: int) -> list[VisitAttachmentOut]:
    visit = _visit(ctx, db, visit_id)
    return [VisitAttachmentOut.of(a) for a in svc.visit_attachments(db, [visit.id]).get(visit.id, [])]


@post("/instructors/visits/{visit_id:int}/attachments", opt=VISIT, request_max_body_size=UPLOAD_LIMIT,
      tags=["instructors"])
async def api_visit_attachment_upload(ctx: Ctx, db: Session, request: Request,
                                      visit_id: int) -> list[VisitAttachmentOut]:
    """Upload photos or documents (multipart/form-data, one or more ``file`` parts: JPG, PNG, PDF,
    .docx, .xlsx); 422 with ``extra.errors.file`` for a wrong type, size or content — then
    nothing is stored. The visit is looked up before the body is read, so another tenant's id
    answers 404 whatever was sent."""
    visit, actor = await anyio.to_thread.run_sync(lambda: _editable_visit(ctx, db, visit_id))
    try:
        form = await request.form()
        data = {"file": form.getall("file") if "file" in form else []}
    except Exception as exc:  # not multipart / form data
        raise FormErrors({"file": "附件：请以 multipart/form-data 上传文件"}) from exc

    def run() -> list[VisitAttachmentOut]:
        return [VisitAttachmentOut.of(a) for a in save(db, lambda: _attach(ctx, db, visit, actor, data))]

    return await anyio.to_thread.run_sync(run)


@get("/instructors/visits/{visit_id:int}/attachments/{attachment_id:int}", opt=READ, sync_to_thread=True,
     tags=["instructors"])
def api_visit_attachment_download(ctx: Ctx, db: Session, visit_id: int, attachment_id: int) -> Response:
    return _file_response(svc.get_visit_attachment(db, _visit(ctx, db, visit_id), attachment_id))


@delete("/instructors/visits/{visit_id:int}/attachments/{attachment_id:int}", opt=VISIT, sync_to_thread=True,
        tags=["instructors"])
def api_visit_attachment_delete(ctx: Ctx, db: Session, visit_id: int, attachment_id: int) -> None:
    visit, actor = _editable_visit(ctx, db, visit_id)
    att = svc.delete_visit_attachment(db, visit, svc.get_visit_attachment(db, visit, attachment_id), actor)
    db.commit()
    files.discard(att)


@get("/instructors/uncovered", opt=READ, sync_to_thread=True, tags=["instructors"])
def api_uncovered(ctx: Ctx, db: Session, request: Request) -> UncoveredPage:
    """Operating organizations with no party org or only weak ones, and no active instructor."""
    page_no, size = paging.api_page(request.query_params)
    page = paginate(db, svc.uncovered_query(q=_q(request, "q"), scope=_scope(ctx, db)), page_no, size)
    items = [UncoveredOut(r.o.id, r.o.name, r.o.credit_code, r.reason) for r in svc.uncovered_rows(db, page.items)]
    return UncoveredPage(items, page.total, page.page, page.page_size, page.pages)


API_ROUTES = [
    api_instructors, api_instructor, api_instructor_create, api_instructor_patch, api_instructor_put,
    api_instructor_delete, api_assign, api_assignment_end, api_assignment_delete, api_visits, api_visit,
    api_visit_create, api_visit_update, api_visit_delete, api_visit_attachments, api_visit_attachment_upload,
    api_visit_attachment_download, api_visit_attachment_delete, api_uncovered,
]
