"""Pages under /t/<slug>/campaigns and the JSON API under /api/t/<slug>/campaigns (thin: the rules
live in :mod:`plugins.campaigns.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors
from core.tenancy import tree
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_list, redirect, render
from plugins.campaigns import files
from plugins.campaigns import service as svc
from plugins.campaigns.models import (
    Campaign,
    CampaignAttachment,
    CampaignReport,
    CampaignTask,
    ReportObligation,
)

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = files.max_bytes() + 1024 * 1024
READ = {"permission": "campaigns:read"}
WRITE = {"permission": "campaigns:write"}
REPORT = {"permission": "campaigns:report"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["campaigns"]}


def _raw(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: svc.text(data, k) for k in data}
    out["owners"] = form_list(data, "owners")
    return out


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class View:
    def __init__(self, today: dt.date):
        self.today = today
        self.task_statuses, self.campaign_statuses, self.cadences = (
            svc.TASK_STATUSES, svc.CAMPAIGN_STATUSES, svc.CADENCES)
        self.deadline_help = svc.DEADLINE_HELP

    def overdue(self, task: CampaignTask) -> bool:
        return svc.is_overdue(task, self.today)

    def overdue_days(self, task: CampaignTask) -> int:
        return svc.overdue_days(task, self.today)

    def tenant_name(self, tenant_id: int) -> str:
        return svc.tenant_name(tenant_id)

    def task_url(self, task: CampaignTask) -> str:
        t = tree().by_id.get(task.tenant_id)
        return f"/t/{t.slug}/campaigns/tasks/{task.id}" if t else "#"

    def period_label(self, ob: ReportObligation, period: str) -> str:
        return svc.period_label(ob.cadence, period)

    def due_text(self, ob: ReportObligation) -> str:
        return svc.due_text(ob)

    def due(self, ob: ReportObligation, period: str) -> dt.date:
        return svc.due_date(ob, period)

    def current(self, ob: ReportObligation) -> str:
        return svc.current_period(ob.cadence, self.today)

    def labels(self, ob: ReportObligation) -> list[str]:
        return svc.figure_labels(ob)


# --- campaigns ---------------------------------------------------------------------------------


def _home(ctx: Ctx, db: Session, q: str = "", year: str = "", status: str = "", page: int = 1,
          form: dict | None = None, errors: dict | None = None, code: int = 200) -> Response:
    today = clock.today()
    result = paginate(db, svc.campaign_select(q, _int(year), status), page)
    query = {"q": q, "year": year, "status": status}
    return render("campaigns:Home", status_code=code, ctx=ctx, v=View(today), result=result, query=query,
                  templates=svc.templates_for(ctx.tenant), owners=svc.owner_options(ctx.tenant),
                  form=form or {"year": str(today.year)}, errors=errors or {})


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", year: str = "", status: str = "", page: int = 1) -> Response:
    return _home(ctx, db, q, year, status, page)


@get("/export", opt=READ, **PAGE)
def home_export(db: Session, q: str = "", year: str = "", status: str = "") -> Response:
    rows = [[c.title, c.year, c.start_on, svc.CAMPAIGN_STATUSES.get(c.status, c.status), c.template_key, c.description]
            for c in db.scalars(svc.campaign_select(q, _int(year), status))]
    return xlsx_export(db, "推进计划", ["计划", "年度", "开始日期", "状态", "模板", "说明"], rows, action="campaigns.export",
                       entity="campaigns_campaigns")


@post("/", opt=WRITE, **PAGE)
def create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data)
    with ctx.rollup_session("campaigns:write") as rs:
        campaign = save(rs, lambda: svc.create_campaign(rs, ctx.tenant, raw),
                        rerender=lambda errors: _home(ctx, db, form=raw, errors=errors))
        cid = campaign.id
    flash(request, "推进计划已创建")
    return redirect(ctx.url(f"campaigns/{cid}"))


def _detail(ctx: Ctx, db: Session, campaign_id: int, form: dict | None = None, errors: dict | None = None,
            code: int = 200) -> Response:
    campaign = svc.get_campaign(db, campaign_id)
    today = clock.today()
    with ctx.rollup_session("campaigns:read") as rs:
        tasks = svc.campaign_tasks(rs, campaign)
        changes = history.of(db, {"campaigns_campaigns": [campaign.id],
                                  "campaigns_phases": [p.id for p in svc.phases_of(db, campaign)]}, ctx.tenant.id)
        return render("campaigns:CampaignDetail", status_code=code, ctx=ctx, v=View(today), campaign=campaign,
                      phases=svc.phases_of(db, campaign), tasks=tasks, owners=svc.owner_options(ctx.tenant),
                      form=form or {}, errors=errors or {}, history=changes)


@get("/{campaign_id:int}", opt=READ, **PAGE)
def detail(ctx: Ctx, db: Session, campaign_id: int) -> Response:
    return _detail(ctx, db, campaign_id)


@get("/{campaign_id:int}/export", opt=READ, **PAGE)
def detail_export(ctx: Ctx, db: Session, campaign_id: int) -> Response:
    campaign = svc.get_campaign(db, campaign_id)
    with ctx.rollup_session("campaigns:read") as rs:
        rows = svc.task_rows(svc.campaign_tasks(rs, campaign), clock.today())
    return xlsx_export(db, campaign.title, svc.TASK_HEADERS, rows, action="campaigns.export",
                       entity="campaigns_tasks")


@post("/{campaign_id:int}/phases", opt=WRITE, **PAGE)
def phase_create(ctx: Ctx, db: Session, campaign_id: int, data: Form) -> Response:
    campaign = svc.get_campaign(db, campaign_id)
    raw = _raw(data)
    save(db, lambda: svc.add_phase(db, campaign, raw),
         rerender=lambda errors: _detail(ctx, db, campaign_id, raw, errors))
    return redirect(ctx.url(f"campaigns/{campaign_id}"))


@post("/{campaign_id:int}/tasks", opt=WRITE, **PAGE)
def task_create(ctx: Ctx, db: Session, campaign_id: int, data: Form) -> Response:
    svc.get_campaign(db, campaign_id)
    raw = _raw(data)
    with ctx.rollup_session("campaigns:write") as rs:
        save(rs, lambda: svc.add_task(rs, ctx.tenant, svc.get_campaign(rs, campaign_id), raw),
             rerender=lambda errors: _detail(ctx, db, campaign_id, raw, errors))
    return redirect(ctx.url(f"campaigns/{campaign_id}"))


@post("/{campaign_id:int}/close", opt=WRITE, **PAGE)
def close(ctx: Ctx, db: Session, campaign_id: int) -> Response:
    save(db, lambda: svc.close_campaign(db, svc.get_campaign(db, campaign_id)),
         rerender=lambda errors: _detail(ctx, db, campaign_id, {}, errors))
    return redirect(ctx.url(f"campaigns/{campaign_id}"))


# --- tasks -------------------------------------------------------------------------------------


@get("/tasks", opt=READ, **PAGE)
def tasks(ctx: Ctx, db: Session, q: str = "", status: str = "", overdue: str = "", page: int = 1) -> Response:
    today = clock.today()
    stmt = svc.task_select(q, status, overdue_on=today if overdue else None)
    return render("campaigns:TaskList", ctx=ctx, v=View(today), result=paginate(db, stmt, page),
                  query={"q": q, "status": status, "overdue": overdue})


@get("/tasks/export", opt=READ, **PAGE)
def tasks_export(db: Session, q: str = "", status: str = "", overdue: str = "") -> Response:
    today = clock.today()
    rows = svc.task_rows(db.scalars(svc.task_select(q, status, overdue_on=today if overdue else None)), today)
    return xlsx_export(db, "我的任务", svc.TASK_HEADERS, rows, action="campaigns.export", entity="campaigns_tasks")


def _task_page(ctx: Ctx, db: Session, task_id: int, form: dict | None = None, errors: dict | None = None,
               code: int = 200) -> Response:
    task = svc.get_task(db, task_id)
    atts = files.attachments_of(db, task)
    return render("campaigns:TaskDetail", status_code=code, ctx=ctx, v=View(clock.today()), task=task,
                  actions=svc.allowed_actions(task), form=form or {}, errors=errors or {},
                  attachments=atts, can_attach=ctx.can("campaigns:write") and task.status != "cancelled",
                  max_mb=max(1, files.max_bytes() // (1024 * 1024)), allowed_types=files.ALLOWED,
                  history=history.of(db, {"campaigns_tasks": [task.id]}, ctx.tenant.id,
                                     children={"campaigns_attachments": ("task_id", task.id)}))


@get("/tasks/{task_id:int}", opt=READ, **PAGE)
def task_detail(ctx: Ctx, db: Session, task_id: int) -> Response:
    return _task_page(ctx, db, task_id)


@post("/tasks/{task_id:int}/{action:str}", opt=WRITE, **PAGE)
def task_action(ctx: Ctx, db: Session, task_id: int, action: str, data: Form) -> Response:
    task = svc.get_task(db, task_id)
    raw = _raw(data)
    save(db, lambda: svc.transition(db, task, action, raw, clock.today()),
         rerender=lambda errors: _task_page(ctx, db, task_id, raw, errors))
    return redirect(ctx.url(f"campaigns/tasks/{task_id}"))


def _attachable(db: Session, task_id: int) -> CampaignTask:
    task = svc.get_task(db, task_id)  # 404 unless the task is this tenant's
    if task.status == "cancelled":
        raise PermissionDeniedException("已取消的任务不能再修改佐证材料")
    return task


def _attachment(db: Session, task_id: int, attachment_id: int) -> tuple[CampaignTask, CampaignAttachment]:
    task = svc.get_task(db, task_id)
    att = files.get(db, task, attachment_id)
    if att is None:
        raise NotFoundException("附件不存在")
    return task, att


def _upload(db: Session, task: CampaignTask, upload: Any, user_id: int | None) -> CampaignAttachment:
    """Store one uploaded file and commit; FormErrors (nothing saved) on a missing or refused file."""
    name, content = files.FILES.read_upload(upload)
    return files.FILES.commit_new(db, lambda: files.store(db, task, name, content, user_id))


@post("/tasks/{task_id:int}/attachments", opt=WRITE, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def attachment_upload(ctx: Ctx, db: Session, request: Request, task_id: int, data: Multipart) -> Response:
    task = _attachable(db, task_id)
    att = save(db, lambda: _upload(db, task, data.get("file"), ctx.user.id),
               rerender=lambda errors: _task_page(ctx, db, task_id, {}, errors))
    flash(request, f"已上传「{att.filename}」")
    return redirect(ctx.url(f"campaigns/tasks/{task_id}") + "#attachments")


def _file_response(db: Session, task_id: int, attachment_id: int) -> Response:
    _task, att = _attachment(db, task_id, attachment_id)
    return file_response(att, files.read)


@get("/tasks/{task_id:int}/attachments/{attachment_id:int}", opt=READ, **PAGE)
def attachment_download(db: Session, task_id: int, attachment_id: int) -> Response:
    return _file_response(db, task_id, attachment_id)


@post("/tasks/{task_id:int}/attachments/{attachment_id:int}/delete", opt=WRITE, **PAGE)
def attachment_delete(ctx: Ctx, db: Session, request: Request, task_id: int, attachment_id: int) -> Response:
    _attachable(db, task_id)
    _task, att = _attachment(db, task_id, attachment_id)
    db.delete(att)
    db.commit()
    files.discard(att)
    flash(request, f"已删除「{att.filename}」")
    return redirect(ctx.url(f"campaigns/tasks/{task_id}") + "#attachments")


@get("/overdue", opt=READ, **PAGE)
def overdue(ctx: Ctx, q: str = "", owner: str = "", page: int = 1) -> Response:
    today = clock.today()
    with ctx.rollup_session("campaigns:read") as rs:
        stmt = svc.task_select(q, overdue_on=today, owner_id=_int(owner))
        return render("campaigns:Overdue", ctx=ctx, v=View(today), result=paginate(rs, stmt, page),
                      owners=svc.owner_options(ctx.tenant), query={"q": q, "owner": owner})


@get("/overdue/export", opt=READ, **PAGE)
def overdue_export(ctx: Ctx, db: Session, q: str = "", owner: str = "") -> Response:
    today = clock.today()
    with ctx.rollup_session("campaigns:read") as rs:
        rows = svc.task_rows(rs.scalars(svc.task_select(q, overdue_on=today, owner_id=_int(owner))), today)
    return xlsx_export(db, "超期任务", svc.TASK_HEADERS, rows, action="campaigns.export", entity="campaigns_tasks")


# --- reports -----------------------------------------------------------------------------------


def _reports(ctx: Ctx, db: Session, form: dict | None = None, errors: dict | None = None, code: int = 200) -> Response:
    today = clock.today()
    own = list(db.scalars(select(ReportObligation).order_by(ReportObligation.id.desc())))
    inherited = svc.inherited_obligations(ctx.tenant, ctx.user.id)
    mine = svc.own_reports(db, [o.id for o in inherited])
    return render("campaigns:Reports", status_code=code, ctx=ctx, v=View(today), own=own, inherited=inherited,
                  mine=mine, form=form or {"cadence": "monthly", "due_day": "5"}, errors=errors or {})


@get("/reports", opt=READ, **PAGE)
def reports(ctx: Ctx, db: Session) -> Response:
    return _reports(ctx, db)


@post("/reports", opt=WRITE, **PAGE)
def obligation_create(ctx: Ctx, db: Session, data: Form) -> Response:
    raw = _raw(data)
    save(db, lambda: svc.create_obligation(db, raw),
         rerender=lambda errors: _reports(ctx, db, raw, errors))
    return redirect(ctx.url("campaigns/reports"))


def _status(ctx: Ctx, db: Session, obligation_id: int, period: str) -> tuple[ReportObligation, str, list]:
    ob = svc.get_obligation(db, obligation_id)
    today = clock.today()
    period = period or svc.current_period(ob.cadence, today)
    try:
        svc.period_bounds(ob.cadence, period)
    except ValueError:
        raise NotFoundException("期次不存在") from None
    with ctx.rollup_session("campaigns:read") as rs:
        rows = svc.submission_status(rs, ob, period, today)
        rs.expunge_all()
    return ob, period, rows


@get("/reports/{obligation_id:int}", opt=READ, **PAGE)
def obligation_detail(ctx: Ctx, db: Session, obligation_id: int, period: str = "") -> Response:
    ob, period, rows = _status(ctx, db, obligation_id, period)
    today = clock.today()
    return render("campaigns:ReportStatus", ctx=ctx, v=View(today), ob=ob, period=period, rows=rows,
                  periods=svc.recent_periods(ob.cadence, today, 12),
                  history=history.of(db, {"campaigns_obligations": [ob.id]}, ctx.tenant.id))


@get("/reports/{obligation_id:int}/export", opt=READ, **PAGE)
def obligation_export(ctx: Ctx, db: Session, obligation_id: int, period: str = "") -> Response:
    ob, period, rows = _status(ctx, db, obligation_id, period)
    labels = svc.figure_labels(ob)
    out = [[r.tenant.name, svc.period_label(ob.cadence, period), r.state_label,
            r.report.submitted_on if r.report else "", r.report.body if r.report else "",
            *[(r.report.figures or {}).get(lb, "") if r.report else "" for lb in labels]] for r in rows]
    return xlsx_export(db, f"{ob.title}报送情况", ["单位", "期次", "状态", "报送日期", "内容", *labels], out,
                       action="campaigns.export", entity="campaigns_reports")


@post("/reports/{obligation_id:int}/toggle", opt=WRITE, **PAGE)
def obligation_toggle(ctx: Ctx, db: Session, obligation_id: int) -> Response:
    ob = svc.get_obligation(db, obligation_id)
    svc.set_obligation_active(db, ob, not ob.active)
    db.commit()
    return redirect(ctx.url(f"campaigns/reports/{obligation_id}"))


def _submit_page(ctx: Ctx, db: Session, obligation_id: int, form: dict, errors: dict, code: int = 200) -> Response:
    ob = svc.get_inherited_obligation(ctx.tenant, obligation_id, ctx.user.id)
    today = clock.today()
    period = form.get("period") or svc.current_period(ob.cadence, today)
    existing = svc.own_reports(db, [ob.id]).get((ob.id, period))
    if existing is not None and not errors:
        form = {"period": period, "body": existing.body,
                **{f"figure_{i}": str((existing.figures or {}).get(lb, "")) for i, lb in enumerate(svc.figure_labels(ob))}}
    return render("campaigns:ReportForm", status_code=code, ctx=ctx, v=View(today), ob=ob, period=period,
                  periods=svc.recent_periods(ob.cadence, today, 12), existing=existing, form=form, errors=errors)


@get("/reports/{obligation_id:int}/submit", opt=REPORT, **PAGE)
def report_form(ctx: Ctx, db: Session, obligation_id: int, period: str = "") -> Response:
    return _submit_page(ctx, db, obligation_id, {"period": period}, {})


@post("/reports/{obligation_id:int}/submit", opt=REPORT, **PAGE)
def report_submit(ctx: Ctx, db: Session, request: Request, obligation_id: int, data: Form) -> Response:
    ob = svc.get_inherited_obligation(ctx.tenant, obligation_id, ctx.user.id)
    raw = _raw(data)
    save(db, lambda: svc.submit_report(db, ctx.tenant, ob, raw, clock.today(), ctx.user.id),
         rerender=lambda errors: _submit_page(ctx, db, obligation_id, raw, errors))
    flash(request, "已报送")
    return redirect(ctx.url("campaigns/reports"))


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class TaskOut:
    id: int
    campaign_id: int
    campaign_title: str
    phase_title: str
    title: str
    owner_tenant_id: int
    owner_tenant: str
    deadline: dt.date
    status: str
    status_label: str
    overdue: bool
    overdue_days: int
    evidence: str
    completed_on: dt.date | None

    @classmethod
    def of(cls, t: CampaignTask, today: dt.date) -> TaskOut:
        return cls(t.id, t.campaign_id, t.campaign_title, t.phase_title, t.title, t.tenant_id,
                   svc.tenant_name(t.tenant_id), t.deadline, t.status, svc.TASK_STATUSES[t.status],
                   svc.is_overdue(t, today), svc.overdue_days(t, today), t.evidence, t.completed_on)


@dataclass
class PhaseOut:
    id: int
    position: int
    title: str


@dataclass
class CampaignOut:
    id: int
    title: str
    year: int
    start_on: dt.date
    status: str
    template_key: str
    description: str
    phases: list[PhaseOut] = field(default_factory=list)
    tasks: list[TaskOut] = field(default_factory=list)

    @classmethod
    def of(cls, c: Campaign) -> CampaignOut:
        return cls(c.id, c.title, c.year, c.start_on, c.status, c.template_key, c.description)


@dataclass
class TemplateOut:
    key: str
    label: str
    description: str
    phases: list[dict[str, Any]]


@dataclass
class ObligationOut:
    id: int
    tenant_id: int
    title: str
    cadence: str
    due_day: int
    figure_labels: list[str]
    active: bool
    current_period: str
    current_due: dt.date
    mine: bool

    @classmethod
    def of(cls, o: ReportObligation, today: dt.date, mine: bool) -> ObligationOut:
        p = svc.current_period(o.cadence, today)
        return cls(o.id, o.tenant_id, o.title, o.cadence, o.due_day, svc.figure_labels(o), o.active, p,
                   svc.due_date(o, p), mine)


@dataclass
class SubmissionOut:
    tenant_id: int
    tenant: str
    state: str
    state_label: str
    submitted_on: dt.date | None
    figures: dict[str, Any]


@dataclass
class ReportOut:
    id: int
    obligation_id: int
    period: str
    body: str
    figures: dict[str, Any]
    submitted_on: dt.date
    late: bool

    @classmethod
    def of(cls, r: CampaignReport) -> ReportOut:
        return cls(r.id, r.obligation_id, r.period, r.body, dict(r.figures or {}), r.submitted_on, r.late)


@get("/templates", opt=READ, **API)
def api_templates(ctx: Ctx) -> list[TemplateOut]:
    return [TemplateOut(t.key, t.label, t.description,
                        [{"title": p.title, "tasks": [{"title": k.title, "due": k.due, "offset_days": k.offset_days}
                                                      for k in p.tasks]} for p in t.phases])
            for t in svc.templates_for(ctx.tenant)]


@get("/campaigns", opt=READ, **API)
def api_campaigns(db: Session, q: str = "", year: int | None = None, status: str = "") -> list[CampaignOut]:
    return [CampaignOut.of(c) for c in db.scalars(svc.campaign_select(q, year, status))]


@post("/campaigns", opt=WRITE, **API)
def api_campaign_create(ctx: Ctx, data: dict[str, Any]) -> CampaignOut:
    with ctx.rollup_session("campaigns:write") as rs:
        c = save(rs, lambda: svc.create_campaign(rs, ctx.tenant, data))
        return _campaign_out(ctx, rs, c)


def _campaign_out(ctx: Ctx, rs: Session, c: Campaign) -> CampaignOut:
    today = clock.today()
    out = CampaignOut.of(c)
    out.phases = [PhaseOut(p.id, p.position, p.title) for p in svc.phases_of(rs, c)]
    out.tasks = [TaskOut.of(t, today) for t in svc.campaign_tasks(rs, c)]
    return out


@get("/campaigns/{campaign_id:int}", opt=READ, **API)
def api_campaign(ctx: Ctx, db: Session, campaign_id: int) -> CampaignOut:
    svc.get_campaign(db, campaign_id)
    with ctx.rollup_session("campaigns:read") as rs:
        return _campaign_out(ctx, rs, svc.get_campaign(rs, campaign_id))


@post("/campaigns/{campaign_id:int}/tasks", opt=WRITE, **API)
def api_task_create(ctx: Ctx, db: Session, campaign_id: int, data: dict[str, Any]) -> list[TaskOut]:
    svc.get_campaign(db, campaign_id)
    with ctx.rollup_session("campaigns:write") as rs:
        created = save(rs, lambda: svc.add_task(rs, ctx.tenant, svc.get_campaign(rs, campaign_id), data))
        today = clock.today()
        return [TaskOut.of(t, today) for t in created]


@get("/tasks", opt=READ, **API)
def api_tasks(db: Session, q: str = "", status: str = "", overdue: bool = False) -> list[TaskOut]:
    today = clock.today()
    return [TaskOut.of(t, today) for t in db.scalars(svc.task_select(q, status, overdue_on=today if overdue else None))]


@get("/tasks/{task_id:int}", opt=READ, **API)
def api_task(db: Session, task_id: int) -> TaskOut:
    return TaskOut.of(svc.get_task(db, task_id), clock.today())


@post("/tasks/{task_id:int}/transition", opt=WRITE, **API)
def api_task_transition(db: Session, task_id: int, data: dict[str, Any]) -> TaskOut:
    task = svc.get_task(db, task_id)
    today = clock.today()
    save(db, lambda: svc.transition(db, task, svc.text(data, "action"), data, today))
    return TaskOut.of(task, today)


@dataclass
class AttachmentOut:
    """An evidence file of a task, served at ``GET …/campaigns/tasks/<task>/attachments/<id>``."""

    id: int
    task_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime

    @classmethod
    def of(cls, a: CampaignAttachment) -> AttachmentOut:
        return cls(a.id, a.task_id, a.filename, a.content_type, a.size, a.sha256, a.created_at)


@get("/tasks/{task_id:int}/attachments", opt=READ, **API)
def api_attachments(db: Session, task_id: int) -> list[AttachmentOut]:
    return [AttachmentOut.of(a) for a in files.attachments_of(db, svc.get_task(db, task_id))]


@post("/tasks/{task_id:int}/attachments", opt=WRITE, request_max_body_size=UPLOAD_LIMIT, tags=["campaigns"])
async def api_attachment_upload(ctx: Ctx, db: Session, request: Request, task_id: int) -> AttachmentOut:
    """Upload an evidence file (multipart/form-data: ``file``); 422 with ``extra.errors`` for a
    wrong type, size or content. The task is looked up before the body is read, so another
    tenant's id answers 404 whatever was sent. Database work runs in a worker thread."""
    task = await anyio.to_thread.run_sync(lambda: _attachable(db, task_id))
    try:
        form = await request.form()
    except Exception as exc:  # not multipart / form data
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    upload = form.get("file")

    def run() -> AttachmentOut:
        return AttachmentOut.of(_upload(db, task, upload, ctx.user.id))

    return await anyio.to_thread.run_sync(run)


@get("/tasks/{task_id:int}/attachments/{attachment_id:int}", opt=READ, **API)
def api_attachment_download(db: Session, task_id: int, attachment_id: int) -> Response:
    return _file_response(db, task_id, attachment_id)


@get("/overdue", opt=READ, **API)
def api_overdue(ctx: Ctx) -> list[TaskOut]:
    today = clock.today()
    with ctx.rollup_session("campaigns:read") as rs:
        return [TaskOut.of(t, today) for t in svc.overdue_tasks(rs, today)]


@get("/obligations", opt=READ, **API)
def api_obligations(ctx: Ctx, db: Session) -> list[ObligationOut]:
    today = clock.today()
    own = [ObligationOut.of(o, today, False) for o in db.scalars(select(ReportObligation))]
    return own + [ObligationOut.of(o, today, True) for o in svc.inherited_obligations(ctx.tenant, ctx.user.id)
                  if o.tenant_id != ctx.tenant.id]


@post("/obligations", opt=WRITE, **API)
def api_obligation_create(db: Session, data: dict[str, Any]) -> ObligationOut:
    ob = save(db, lambda: svc.create_obligation(db, data))
    return ObligationOut.of(ob, clock.today(), False)


@get("/obligations/{obligation_id:int}/status", opt=READ, **API)
def api_obligation_status(ctx: Ctx, db: Session, obligation_id: int, period: str = "") -> list[SubmissionOut]:
    _ob, _period, rows = _status(ctx, db, obligation_id, period)
    return [SubmissionOut(r.tenant.id, r.tenant.name, r.state, r.state_label,
                          r.report.submitted_on if r.report else None, dict(r.report.figures or {}) if r.report else {})
            for r in rows]


@post("/obligations/{obligation_id:int}/reports", opt=REPORT, **API)
def api_report_submit(ctx: Ctx, db: Session, obligation_id: int, data: dict[str, Any]) -> ReportOut:
    ob = svc.get_inherited_obligation(ctx.tenant, obligation_id, ctx.user.id)
    report = save(db, lambda: svc.submit_report(db, ctx.tenant, ob, data, clock.today(), ctx.user.id))
    return ReportOut.of(report)


PAGE_ROUTES = [home, home_export, create, detail, detail_export, phase_create, task_create, close, tasks,
               tasks_export, task_detail, task_action, overdue, overdue_export, reports, obligation_create,
               obligation_detail, obligation_export, obligation_toggle, report_form, report_submit,
               attachment_upload, attachment_download, attachment_delete]
API_ROUTES = [api_templates, api_campaigns, api_campaign_create, api_campaign, api_task_create, api_tasks, api_task,
              api_task_transition, api_overdue, api_obligations, api_obligation_create, api_obligation_status,
              api_report_submit, api_attachments, api_attachment_upload, api_attachment_download]
