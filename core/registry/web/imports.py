"""Registry pages and API: Excel/CSV import of organizations, party orgs and members (CORE-8).

Pages (``/t/<slug>/…``) are open to anyone holding the permission of at least one import kind
of the tenant (each kind declares its own: ``registry:import`` for the registry's, ``membership:dues``,
``activities:write`` …); the page lists only the kinds the user may import, a kind's template,
upload and jobs answer 403 to others. A limited user (an org secretary) sees only the kinds that
keep rows to their scope (``ImportKind.scoped``) and only their own jobs (another's → 404).

* ``GET  imports`` — choose the kind of record and the file; recent jobs;
* ``POST imports`` — multipart upload: safety checks, then the check (dry run);
* ``GET  imports/<entity>/template.xlsx`` — the template;
* ``GET  imports/jobs/<id>`` — progress and the per-row report; ``…/status`` as JSON for polling;
* ``GET/POST imports/jobs/<id>/mapping`` — the mapping step: which field each column of the
  file is (a select per column); saving it remembers it for the tenant and checks again;
* ``POST imports/jobs/<id>/confirm`` — "确认导入": the all-or-nothing import; with
  ``valid_only=1`` "只导入正确的行": the valid rows, the others into an error workbook;
* ``GET  imports/jobs/<id>/errors.xlsx`` — that workbook (the file's columns + 错误说明).

API (``/api/t/<slug>/…``): ``POST imports/<entity>?dry_run=true|false`` (multipart ``file``),
``GET imports/jobs/<id>``, ``PUT imports/jobs/<id>/mapping``, ``POST imports/jobs/<id>/confirm
[?valid_only=true]``, ``GET imports/jobs/<id>/errors.xlsx``, ``GET imports/<entity>/template.xlsx``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.excel import XLSX
from core.forms import FormErrors
from core.registry import importer
from core.registry.importer import (
    ImportJob,
    ImportKind,
    get_entity,
    kinds_for_user,
    limited,
    usable,
)
from core.registry.upload_safety import (
    UploadRejected,
    inspect_upload,
    max_upload_bytes,
    too_large_message,
)
from core.web.context import Ctx
from core.web.errors import http_exception
from core.web.export import xlsx_file
from core.web.render import form_value, redirect, render

#: the guard lets every user of the tenant through; the handlers check the kinds' permissions
IMPORT = {"permission": "tenant:view"}
#: the request limit of upload handlers: the file limit plus room for the multipart envelope
BODY_LIMIT = max_upload_bytes() + 1024 * 1024
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
NOT_READY = "这个文件不能导入：检查有问题、没有需要写入的内容，或已经在导入/已导入"


def _kinds(ctx: Ctx) -> dict[str, ImportKind]:
    """The kinds this user may import in this tenant (its enabled plugins' kinds included)."""
    return kinds_for_user(ctx.tenant.id, ctx.perms)


def _require_some_kind(ctx: Ctx) -> dict[str, ImportKind]:
    kinds = _kinds(ctx)
    if not kinds:
        raise PermissionDeniedException("没有可以导入的台账")
    return kinds


def _entity_or_404(ctx: Ctx, slug: str) -> ImportKind:
    entity = get_entity(slug, ctx.tenant.id)
    if entity is None:
        raise NotFoundException("没有这种导入类型")
    if not usable(entity, ctx.perms):
        raise PermissionDeniedException("没有权限导入这种台账")
    return entity


def _kind_of(ctx: Ctx, job: ImportJob) -> ImportKind:
    """The job's kind (404 once its plugin is disabled), if the user may import it."""
    return _entity_or_404(ctx, job.entity)


def _job_or_404(ctx: Ctx, db: Session, job_id: int) -> ImportJob:
    """The tenant's job (another tenant's is filtered out: 404), a limited user's own only (404),
    of a kind the user may import (403)."""
    job = importer.get_job(db, job_id)
    if job is None or (limited(ctx.perms) and job.user_id != ctx.user.id):
        raise NotFoundException("导入任务不存在")
    _kind_of(ctx, job)
    return job


def _template_response(entity) -> Response:
    return xlsx_file(importer.template_bytes(entity), f"{entity.label}导入模板.xlsx")


def _errors_response(ctx: Ctx, db: Session, job_id: int) -> Response:
    job = _job_or_404(ctx, db, job_id)
    data = db.scalar(select(ImportJob.error_file).where(ImportJob.id == job.id))
    if not data:
        raise NotFoundException("这个导入没有未导入的行")
    stem = job.filename.rsplit(".", 1)[0] or job.entity_label
    return xlsx_file(data, f"{stem}（未导入的行）.xlsx")


def check_mapping(entity, headers: Sequence[Any], mapping: Sequence[str]) -> dict[str, str]:
    """Field-level problems of a mapping chosen by the user (``col_<i>`` → message)."""
    keys = {spec.key for spec in entity.fields}
    errors: dict[str, str] = {}
    first: dict[str, int] = {}
    for index, key in enumerate(mapping):
        if not key:
            continue
        if key not in keys:
            errors[f"col_{index}"] = "无效的选项"
        elif key in first:
            errors[f"col_{index}"] = (f"「{entity.label_of(key)}」已对应第 {first[key] + 1} 列"
                                      f"「{headers[first[key]]}」，一项只能对应一列")
        else:
            first[key] = index
    missing = [entity.label_of(k) for k in entity.required_columns if k not in first]
    if missing:
        errors["mapping"] = "必填项没有对应的列：" + "、".join(missing)
    return errors


def _read_upload(upload: Any) -> tuple[str, bytes]:
    if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
        raise UploadRejected("请选择要导入的文件（.xlsx 或 .csv）")
    limit = max_upload_bytes()
    upload.file.seek(0, 2)
    size = upload.file.tell()
    if size > limit:
        raise UploadRejected(too_large_message(size, limit), too_large=True)
    upload.file.seek(0)
    return upload.filename, upload.file.read(limit + 1)


def _body_too_large(request: Request, exc: Exception) -> Response:
    """A request over the body limit is refused before it is read: the message still says
    how big the file is (from Content-Length) and the limit."""
    length = request.headers.get("content-length", "")
    size = int(length) if length.isdigit() else None
    return http_exception(request, HTTPException(status_code=413, detail=too_large_message(size, max_upload_bytes())))


TOO_LARGE = {RequestEntityTooLarge: _body_too_large}


def _start(ctx: Ctx, entity, filename: str, data: bytes, *, commit: bool) -> int:
    """Check the bytes, store the job, run it (in the request when small). Raises UploadRejected."""
    info = inspect_upload(filename, data)
    job_id = importer.create_job(ctx.tenant.id, ctx.user.id, ctx.user.username, entity, filename, info, data,
                                 state="importing" if commit else "checking")
    background = len(data) > importer.sync_limit_bytes()
    importer.start_job(job_id, ctx.tenant.id, ctx.user.id, ctx.user.username, commit=commit,
                       background=background)
    return job_id


# --- pages -------------------------------------------------------------------------------------


def _upload_page(ctx: Ctx, db: Session, *, entity: str = "organizations", error: str = "",
                 status: int = 200) -> Response:
    kinds = _require_some_kind(ctx)  # once per page, not once per job
    if entity not in kinds:
        entity = next(iter(kinds))
    return render("registry:ImportPage", status_code=status, ctx=ctx,
                  labels={slug: k.label for slug, k in kinds.items()},
                  entities=[(e.slug, e.label) for e in kinds.values()], entity=entity,
                  error=error,
                  jobs=importer.recent_jobs(db, kinds=kinds, user_id=ctx.user.id if limited(ctx.perms) else None),
                  max_mb=max(1, max_upload_bytes() // (1024 * 1024)))


@get("/imports", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def upload_form(ctx: Ctx, db: Session, entity: str = "organizations") -> Response:
    return _upload_page(ctx, db, entity=entity)


@post("/imports", opt=IMPORT, include_in_schema=False, sync_to_thread=True, request_max_body_size=BODY_LIMIT,
      exception_handlers=TOO_LARGE)
def upload(ctx: Ctx, db: Session, data: Multipart) -> Response:
    slug = form_value(data, "entity") if not isinstance(data.get("entity"), UploadFile) else ""
    entity = _require_some_kind(ctx).get(slug)
    if entity is None:
        return _upload_page(ctx, db, error="请选择要导入的台账类型", status=422)
    try:
        filename, content = _read_upload(data.get("file"))
        job_id = _start(ctx, entity, filename, content, commit=False)
    except UploadRejected as exc:
        return _upload_page(ctx, db, entity=entity.slug, error=exc.message, status=413 if exc.too_large else 422)
    return redirect(ctx.url(f"imports/jobs/{job_id}"))


@get("/imports/{entity:str}/template.xlsx", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def template(ctx: Ctx, entity: str) -> Response:
    return _template_response(_entity_or_404(ctx, entity))


@get("/imports/jobs/{job_id:int}", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def job_page(ctx: Ctx, db: Session, job_id: int) -> Response:
    job = _job_or_404(ctx, db, job_id)
    entity = get_entity(job.entity, ctx.tenant.id)
    return render("registry:ImportJob", ctx=ctx, job=job,
                  list_url=ctx.url(entity.list_path) if entity else ctx.url("imports"),
                  max_problems=importer.MAX_PROBLEMS)


@get("/imports/jobs/{job_id:int}/status", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def job_status(ctx: Ctx, db: Session, job_id: int) -> dict[str, Any]:
    job = _job_or_404(ctx, db, job_id)
    return {"id": job.id, "state": job.state, "running": job.running, "processed": job.processed,
            "total": job.total_rows, "percent": job.percent, "label": job.state_label}


def _mapping_page(ctx: Ctx, job: ImportJob, mapping: Sequence[str], errors: dict[str, str],
                  status: int = 200) -> Response:
    entity = _kind_of(ctx, job)
    columns = job.columns or {}
    headers = columns.get("headers") or []
    samples = columns.get("samples") or [[] for _ in headers]
    required = set(entity.required_columns) | {s.key for s in entity.fields if s.required}
    return render("registry:ImportMapping", status_code=status, ctx=ctx, job=job,
                  rows=list(zip(range(len(headers)), headers, samples, list(mapping) + [""] * len(headers),
                                strict=False)),
                  fields=[(s.key, s.label, s.key in required) for s in entity.fields],
                  source=columns.get("source", ""), errors=errors)


@get("/imports/jobs/{job_id:int}/mapping", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def mapping_form(ctx: Ctx, db: Session, job_id: int) -> Response:
    job = _job_or_404(ctx, db, job_id)
    if not job.mapped:
        raise NotFoundException("这个文件还没有可对应的列")
    return _mapping_page(ctx, job, job.columns.get("mapping") or [], {})


@post("/imports/jobs/{job_id:int}/mapping", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def mapping_save(ctx: Ctx, db: Session, job_id: int, data: Form) -> Response:
    job = _job_or_404(ctx, db, job_id)
    entity = _kind_of(ctx, job)
    if not job.mapped:
        raise NotFoundException("这个文件还没有可对应的列")
    headers = job.columns.get("headers") or []
    mapping = [form_value(data, f"col_{i}") for i in range(len(headers))]
    errors = check_mapping(entity, headers, mapping)
    if job.state != "checked" or job.running:
        errors["mapping"] = "这个文件正在处理或已经导入，不能再修改列的对应"
    if errors:
        return _mapping_page(ctx, job, mapping, errors, status=409 if job.state != "checked" else 422)
    size = job.size
    db.rollback()
    importer.choose_mapping(ctx.tenant.id, job.id, mapping)
    importer.start_job(job.id, ctx.tenant.id, ctx.user.id, ctx.user.username, commit=False,
                       background=size > importer.sync_limit_bytes())
    return redirect(ctx.url(f"imports/jobs/{job_id}"))


@post("/imports/jobs/{job_id:int}/confirm", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def confirm(ctx: Ctx, db: Session, job_id: int, data: Form) -> Response:
    job = _job_or_404(ctx, db, job_id)
    entity = _kind_of(ctx, job)
    size = job.size
    valid_only = form_value(data, "valid_only") in ("1", "true", "on")
    if (valid_only and entity.all_or_nothing) or not importer.claim_for_import(ctx.tenant.id, job.id,
                                                                               valid_only=valid_only):
        db.rollback()
        job = _job_or_404(ctx, db, job_id)
        return render("registry:ImportJob", status_code=409, ctx=ctx, job=job,
                      list_url=ctx.url("imports"), max_problems=importer.MAX_PROBLEMS, notice=NOT_READY)
    importer.start_job(job.id, ctx.tenant.id, ctx.user.id, ctx.user.username, commit=True,
                       background=size > importer.sync_limit_bytes())
    return redirect(ctx.url(f"imports/jobs/{job_id}"))


@get("/imports/jobs/{job_id:int}/errors.xlsx", opt=IMPORT, include_in_schema=False, sync_to_thread=True)
def error_workbook(ctx: Ctx, db: Session, job_id: int) -> Response:
    return _errors_response(ctx, db, job_id)


# --- API ---------------------------------------------------------------------------------------


@dataclass
class ImportUpload:
    file: UploadFile


@dataclass
class ProblemOut:
    row: int
    column: str
    message: str


@dataclass
class ColumnOut:
    header: str
    field: str
    label: str


@dataclass
class MappingIn:
    """Field key per column of the file, in the file's order ("" = not imported)."""

    mapping: list[str]


@dataclass
class ImportJobOut:
    id: int
    entity: str
    filename: str
    state: str
    state_label: str
    running: bool
    total_rows: int | None
    processed_rows: int
    created: int
    updated: int
    unchanged: int
    errors: int
    skipped: int
    message: str
    more_problems: int
    can_confirm: bool
    can_import_valid: bool
    valid_only: bool
    status_url: str
    #: where the mapping came from: proposed | remembered | chosen
    mapping_source: str = ""
    columns: list[ColumnOut] = field(default_factory=list)
    error_file_url: str | None = None
    problems: list[ProblemOut] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, job: ImportJob, slug: str) -> ImportJobOut:
        entity = get_entity(job.entity, job.tenant_id)
        info = job.columns or {}
        columns = [ColumnOut(str(h), str(k), entity.label_of(k) if entity and k else "")
                   for h, k in zip(info.get("headers") or [], info.get("mapping") or [], strict=False)]
        return cls(
            id=job.id, entity=job.entity, filename=job.filename, state=job.state, state_label=job.state_label,
            running=job.running, total_rows=job.total_rows, processed_rows=job.processed,
            created=job.created_count, updated=job.updated_count, unchanged=job.unchanged_count,
            errors=job.error_count, skipped=job.skipped_count, message=job.message,
            more_problems=job.more_problems, can_confirm=job.can_confirm,
            can_import_valid=job.can_import_valid, valid_only=bool(job.valid_only),
            status_url=f"/api/t/{slug}/imports/jobs/{job.id}",
            mapping_source=str(info.get("source", "")), columns=columns,
            error_file_url=(f"/api/t/{slug}/imports/jobs/{job.id}/errors.xlsx"
                            if job.state == "done" and job.valid_only and job.error_count else None),
            problems=[ProblemOut(int(p[0]), str(p[1]), str(p[2])) for p in job.problems or []],
            ignored_columns=[str(c) for c in job.ignored_columns or []],
        )


def _api_job(ctx: Ctx, db: Session, job_id: int, *, commit: bool) -> Response:
    db.rollback()  # see the job as it is now
    job = _job_or_404(ctx, db, job_id)
    out = ImportJobOut.of(job, ctx.tenant.slug)
    if job.running:
        return Response(content=out, status_code=202)
    if commit and job.state == "failed":
        raise HTTPException(status_code=422, detail=job.message or "导入的文件有误，未写入任何数据",
                            extra={"errors": {"file": job.message or "文件中有错误的行"}, "report": out})
    return Response(content=out, status_code=200)


@post("/imports/{entity:str}", opt=IMPORT, sync_to_thread=True, tags=["imports"],
      request_max_body_size=BODY_LIMIT, status_code=200, exception_handlers=TOO_LARGE)
def api_import(ctx: Ctx, db: Session, entity: str,
               data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
               dry_run: bool = True) -> Response:
    """Check (``dry_run=true``) or import a file; 202 with a status URL while a large file runs."""
    kind = _entity_or_404(ctx, entity)
    try:
        filename, content = _read_upload(data.file)
        job_id = _start(ctx, kind, filename, content, commit=not dry_run)
    except UploadRejected as exc:
        raise HTTPException(status_code=413 if exc.too_large else 422, detail=exc.message,
                            extra={"errors": {"file": exc.message}}) from None
    return _api_job(ctx, db, job_id, commit=not dry_run)


@get("/imports/jobs/{job_id:int}", opt=IMPORT, sync_to_thread=True, tags=["imports"])
def api_job(ctx: Ctx, db: Session, job_id: int) -> ImportJobOut:
    """Progress and report of an import job."""
    return ImportJobOut.of(_job_or_404(ctx, db, job_id), ctx.tenant.slug)


@post("/imports/jobs/{job_id:int}/confirm", opt=IMPORT, sync_to_thread=True, tags=["imports"], status_code=200)
def api_confirm(ctx: Ctx, db: Session, job_id: int, valid_only: bool = False) -> Response:
    """Import a checked job: without errors, all or nothing; with ``valid_only=true``, only its
    valid rows (the others are in ``error_file_url``, to fix and import again)."""
    job = _job_or_404(ctx, db, job_id)
    entity = _kind_of(ctx, job)
    size = job.size
    if valid_only and entity.all_or_nothing:
        raise HTTPException(status_code=409, detail=f"{entity.label}只能整表导入：请改正有错误的行后重新检查")
    if not importer.claim_for_import(ctx.tenant.id, job.id, valid_only=valid_only):
        raise HTTPException(status_code=409, detail=NOT_READY)
    importer.start_job(job.id, ctx.tenant.id, ctx.user.id, ctx.user.username, commit=True,
                       background=size > importer.sync_limit_bytes())
    return _api_job(ctx, db, job_id, commit=True)


@put("/imports/jobs/{job_id:int}/mapping", opt=IMPORT, sync_to_thread=True, tags=["imports"], status_code=200)
def api_mapping(ctx: Ctx, db: Session, job_id: int, data: MappingIn) -> Response:
    """Choose which field each column is (remembered for the next file with the same headers)
    and check the file again; 422 with ``col_<i>`` errors for a wrong mapping."""
    job = _job_or_404(ctx, db, job_id)
    entity = _kind_of(ctx, job)
    if not job.mapped:
        raise HTTPException(status_code=409, detail="这个文件还没有可对应的列")
    if job.state != "checked" or job.running:
        raise HTTPException(status_code=409, detail="这个文件正在处理或已经导入，不能再修改列的对应")
    headers = job.columns.get("headers") or []
    mapping = [str(k or "") for k in data.mapping]
    errors = check_mapping(entity, headers, mapping) if len(mapping) == len(headers) else {
        "mapping": f"应为 {len(headers)} 列各给出一项（不导入的列为空）"}
    if errors:
        raise FormErrors(errors)
    size = job.size
    db.rollback()
    importer.choose_mapping(ctx.tenant.id, job.id, mapping)
    importer.start_job(job.id, ctx.tenant.id, ctx.user.id, ctx.user.username, commit=False,
                       background=size > importer.sync_limit_bytes())
    return _api_job(ctx, db, job_id, commit=False)


@get("/imports/jobs/{job_id:int}/errors.xlsx", opt=IMPORT, sync_to_thread=True, tags=["imports"],
     media_type=XLSX)
def api_error_workbook(ctx: Ctx, db: Session, job_id: int) -> Response:
    """The rows a valid-rows import left out: the file's columns plus 错误说明 (404 if none)."""
    return _errors_response(ctx, db, job_id)


@get("/imports/{entity:str}/template.xlsx", opt=IMPORT, sync_to_thread=True, tags=["imports"],
     media_type=XLSX)
def api_template(ctx: Ctx, entity: str) -> Response:
    """The import template of a kind (``organizations``, ``party_orgs``, ``members``,
    ``instructors``, ``coverage``, ``cluster_members`` and those of the tenant's plugins)."""
    return _template_response(_entity_or_404(ctx, entity))


ROUTES = [upload_form, upload, template, job_page, job_status, mapping_form, mapping_save, confirm, error_workbook]
API_ROUTES = [api_import, api_job, api_confirm, api_mapping, api_error_workbook, api_template]
