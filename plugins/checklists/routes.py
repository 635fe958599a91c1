"""Pages under /t/<slug>/checklists and the JSON API under /api/t/<slug>/checklists (thin: rules in
:mod:`plugins.checklists.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors
from core.tenancy import tree
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_list, form_value, redirect, render
from plugins.checklists import service as svc
from plugins.checklists.files import ALLOWED, FILES
from plugins.checklists.models import Checklist, ChecklistEvidence, ChecklistItem

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = FILES.max_bytes() + 1024 * 1024
READ = {"permission": "checklists:read"}
WRITE = {"permission": "checklists:write"}
REVIEW = {"permission": "checklists:review"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["checklists"]}


class View:
    statuses, item_statuses, actions, allowed = svc.STATUSES, svc.ITEM_STATUSES, svc.ACTIONS, ALLOWED


def _q(q: str = "", template_key: str = "", subject_kind: str = "", status: str = "") -> dict[str, str]:
    return {"q": q, "template_key": template_key, "subject_kind": subject_kind, "status": status}


def _subject_raw(data: dict[str, Any]) -> dict[str, str]:
    """The page's one select ``subject`` = ``kind:id`` → ``subject_kind`` + ``subject_id``."""
    raw = {k: form_value(data, k) for k in ("template_key", "title", "opened_on", "due_on", "note", "subject")}
    kind, _, sid = raw.get("subject", "").partition(":")
    raw.update(subject_kind=kind, subject_id=sid)
    return raw


def _home(ctx: Ctx, db: Session, query: dict[str, str], page: int = 1, form: dict | None = None,
          errors: dict | None = None, code: int = 200) -> Response:
    result = paginate(db, svc.checklist_select(**query), page)
    kinds = svc.subject_kinds(ctx.tenant)
    tpls = svc.templates(db, ctx.tenant, include_inactive=True)
    options = {k: kind.options(db) for k, kind in kinds.items()} if ctx.can("checklists:write") else {}
    return render("checklists:Home", status_code=code, ctx=ctx, v=View, result=result, query=query, kinds=kinds,
                  templates=tpls, active=svc.templates(db, ctx.tenant), options=options,
                  progress=svc.progress_by_id(db, [c.id for c in result.items]), form=form or {},
                  errors=errors or {})


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", template_key: str = "", subject_kind: str = "", status: str = "",
         page: int = 1) -> Response:
    return _home(ctx, db, _q(q, template_key, subject_kind, status), page)


@get("/export", opt=READ, **PAGE)
def home_export(ctx: Ctx, db: Session, q: str = "", template_key: str = "", subject_kind: str = "",
                status: str = "") -> Response:
    query = _q(q, template_key, subject_kind, status)
    items = list(db.scalars(svc.checklist_select(**query)))
    return xlsx_export(db, "评估清单", svc.EXPORT_HEADERS, svc.export_rows(db, ctx.tenant, items),
                       action="checklists.export", entity="checklists_checklists", query=query)


@post("/", opt=WRITE, **PAGE)
def checklist_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _subject_raw(data)
    c = save(db, lambda: svc.create_checklist(db, ctx.tenant, raw, clock.today()),
             rerender=lambda errors: _home(ctx, db, _q(), form=raw, errors=errors))
    flash(request, f"已新建「{c.title}」")
    return redirect(ctx.url(f"checklists/{c.id}"))


def _detail(ctx: Ctx, db: Session, checklist_id: int, errors: dict | None = None, form: dict | None = None,
            code: int = 200) -> Response:
    c = svc.get_checklist(db, checklist_id)
    kinds = svc.subject_kinds(ctx.tenant)
    kind = kinds.get(c.subject_kind)
    item_ids = [i.id for i in c.items]
    ev_ids = [e.id for i in c.items for e in i.evidence]
    rows = history.of(db, {"checklists_checklists": [c.id], "checklists_items": item_ids,
                           "checklists_evidence": ev_ids}, ctx.tenant.id)
    return render("checklists:Detail", status_code=code, ctx=ctx, v=View, c=c, chapters=svc.chapters(c),
                  progress=svc.progress_of(c), kind_label=kind.label if kind else c.subject_kind,
                  subject_href=ctx.url(kind.path.format(id=c.subject_id)) if kind and kind.path else "",
                  template=svc.template_label(db, ctx.tenant, c.template_key), errors=errors or {},
                  form=form or {}, history=rows, today=clock.today())


@get("/{checklist_id:int}", opt=READ, **PAGE)
def checklist_detail(ctx: Ctx, db: Session, checklist_id: int) -> Response:
    return _detail(ctx, db, checklist_id)


@get("/{checklist_id:int}/export", opt=READ, **PAGE)
def checklist_export(db: Session, checklist_id: int) -> Response:
    c = svc.get_checklist(db, checklist_id)
    return xlsx_export(db, f"评估清单-{c.subject_name}"[:60], svc.ITEM_HEADERS, svc.item_rows(c),
                       action="checklists.export", entity="checklists_checklists", query={"id": str(c.id)})


def _item(db: Session, checklist_id: int, item_id: int) -> tuple[Checklist, ChecklistItem]:
    c = svc.get_checklist(db, checklist_id)
    return c, svc.get_item(c, item_id)


@post("/{checklist_id:int}/items/{item_id:int}", opt=WRITE, **PAGE)
def item_check(ctx: Ctx, db: Session, request: Request, checklist_id: int, item_id: int, data: Form) -> Response:
    c, item = _item(db, checklist_id, item_id)
    raw = {k: form_value(data, k) for k in ("status", "note", "reviewed_on")}
    save(db, lambda: svc.check_item(db, c, item, raw, clock.today(), ctx.user.label),
         rerender=lambda errors: _detail(ctx, db, checklist_id, {f"item{item_id}": "；".join(errors.values())},
                                         {f"item{item_id}": raw}))
    flash(request, f"已记录「{item.label}」的检查结果")
    return redirect(ctx.url(f"checklists/{checklist_id}") + f"#item{item_id}")


def _upload(db: Session, ctx: Ctx, c: Checklist, item: ChecklistItem, data: dict[str, Any]) -> ChecklistEvidence:
    name, content = FILES.read_upload(data.get("file"))
    description = form_value(data, "description")
    return FILES.commit_new(db, lambda: svc.add_evidence(db, c, item, name, content, description, ctx.user.id))


@post("/{checklist_id:int}/items/{item_id:int}/evidence", opt=WRITE, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def evidence_upload(ctx: Ctx, db: Session, request: Request, checklist_id: int, item_id: int,
                    data: Multipart) -> Response:
    c, item = _item(db, checklist_id, item_id)
    ev = save(db, lambda: _upload(db, ctx, c, item, data),
              rerender=lambda errors: _detail(ctx, db, checklist_id,
                                              {f"item{item_id}": "；".join(errors.values())}))
    flash(request, f"已上传「{ev.filename}」")
    return redirect(ctx.url(f"checklists/{checklist_id}") + f"#item{item_id}")


@get("/{checklist_id:int}/items/{item_id:int}/evidence/{evidence_id:int}", opt=READ, **PAGE)
def evidence_download(db: Session, checklist_id: int, item_id: int, evidence_id: int) -> Response:
    _c, item = _item(db, checklist_id, item_id)
    return file_response(svc.get_evidence(item, evidence_id), FILES.read)


@post("/{checklist_id:int}/items/{item_id:int}/evidence/{evidence_id:int}/delete", opt=WRITE, **PAGE)
def evidence_delete(ctx: Ctx, db: Session, request: Request, checklist_id: int, item_id: int,
                    evidence_id: int) -> Response:
    c, item = _item(db, checklist_id, item_id)
    ev = save(db, lambda: svc.delete_evidence(db, c, item, evidence_id),
              rerender=lambda errors: _detail(ctx, db, checklist_id,
                                              {f"item{item_id}": "；".join(errors.values())}))
    FILES.discard(ev)
    flash(request, f"已删除「{ev.filename}」")
    return redirect(ctx.url(f"checklists/{checklist_id}") + f"#item{item_id}")


@post("/{checklist_id:int}/decide/{action:str}", opt=REVIEW, **PAGE)
def checklist_decide(ctx: Ctx, db: Session, request: Request, checklist_id: int, action: str,
                     data: Form) -> Response:
    c = svc.get_checklist(db, checklist_id)
    raw = {k: form_value(data, k) for k in ("note", "decided_on")}
    save(db, lambda: svc.decide(db, c, action, raw, clock.today(), ctx.user.label),
         rerender=lambda errors: _detail(ctx, db, checklist_id, errors, {"decision": raw}))
    flash(request, f"「{c.title}」{svc.STATUSES[c.status]}")
    return redirect(ctx.url(f"checklists/{checklist_id}"))


@post("/{checklist_id:int}/delete", opt=WRITE, **PAGE)
def checklist_delete(ctx: Ctx, db: Session, request: Request, checklist_id: int) -> Response:
    c = svc.get_checklist(db, checklist_id)
    title = c.title
    files = save(db, lambda: svc.delete_checklist(db, c),
                 rerender=lambda errors: _detail(ctx, db, checklist_id, errors))
    for ev in files:
        FILES.discard(ev)
    flash(request, f"已删除「{title}」")
    return redirect(ctx.url("checklists"))


# --- templates ---------------------------------------------------------------------------------


def _templates_page(ctx: Ctx, db: Session, form: dict | None = None, errors: dict | None = None,
                    code: int = 200) -> Response:
    from sqlalchemy import select

    from plugins.checklists.models import ChecklistTemplateRow

    own = list(db.scalars(select(ChecklistTemplateRow).order_by(ChecklistTemplateRow.label)))
    keys = {r.key for r in own}
    program = [t for k, t in svc.templates(db, ctx.tenant).items() if k not in keys]
    return render("checklists:Templates", status_code=code, ctx=ctx, v=View, program=program, own=own,
                  kinds=svc.subject_kinds(ctx.tenant), form=form or {}, errors=errors or {}, edit=None)


def _template_raw(data: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {k: form_value(data, k) for k in ("label", "description", "items")}
    raw["subject_kinds"] = form_list(data, "subject_kinds")
    if "active" in data:
        raw["active"] = form_value(data, "active")
    return raw


@get("/templates", opt=READ, **PAGE)
def templates_page(ctx: Ctx, db: Session) -> Response:
    return _templates_page(ctx, db)


@post("/templates", opt=WRITE, **PAGE)
def template_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _template_raw(data)
    row = save(db, lambda: svc.create_template(db, ctx.tenant, raw),
               rerender=lambda errors: _templates_page(ctx, db, raw, errors))
    flash(request, f"已新增模板「{row.label}」")
    return redirect(ctx.url("checklists/templates"))


def _template_edit(ctx: Ctx, db: Session, template_id: int, form: dict | None = None, errors: dict | None = None,
                   code: int = 200) -> Response:
    row = svc.get_template_row(db, template_id)
    form = form or {"label": row.label, "description": row.description, "items": svc.items_text(row),
                    "subject_kinds": [k for k in row.subject_kinds.split(",") if k], "active": "1" if row.active else "0"}
    return render("checklists:Templates", status_code=code, ctx=ctx, v=View, program=[], own=[],
                  kinds=svc.subject_kinds(ctx.tenant), form=form, errors=errors or {}, edit=row,
                  history=history.of(db, {"checklists_templates": [row.id],
                                          "checklists_template_items": [i.id for i in row.items]}, ctx.tenant.id))


@get("/templates/{template_id:int}", opt=READ, **PAGE)
def template_detail(ctx: Ctx, db: Session, template_id: int) -> Response:
    return _template_edit(ctx, db, template_id)


@post("/templates/{template_id:int}", opt=WRITE, **PAGE)
def template_update(ctx: Ctx, db: Session, request: Request, template_id: int, data: Form) -> Response:
    row = svc.get_template_row(db, template_id)
    raw = _template_raw(data)
    save(db, lambda: svc.update_template(db, ctx.tenant, row, raw),
         rerender=lambda errors: _template_edit(ctx, db, template_id, raw, errors))
    flash(request, f"已保存模板「{row.label}」")
    return redirect(ctx.url(f"checklists/templates/{template_id}"))


# --- roll-up -----------------------------------------------------------------------------------


def _rollup(ctx: Ctx, template_key: str, subject_kind: str):
    """The tenant's own row, one row per child tenant (its whole subtree) and the total, counted
    once on the permission-checked, read-only roll-up session over the subtree."""
    t = tree()
    children = [c for c in t.children.get(ctx.tenant.id, []) if not c.archived]
    with ctx.read_rollup_session("checklists:read") as rs:
        per_tenant, overall = svc.rollup(rs, ctx.subtree(), template_key, subject_kind)
    by_id = {r.tenant_id: r for r in per_tenant}
    rows = [(ctx.tenant, by_id[ctx.tenant.id])]
    for child in children:
        rows.append((child, svc.sum_rollups(by_id[i] for i in t.descendant_ids(child.id) if i in by_id)))
    return rows, overall


PROGRESS_HEADERS = ["辖区", "清单数", "验收通过", "验收未通过", "全部达标清单", "达标事项", "适用事项", "事项达标率"]


@get("/progress", opt=READ, **PAGE)
def progress_page(ctx: Ctx, db: Session, template_key: str = "", subject_kind: str = "") -> Response:
    rows, overall = _rollup(ctx, template_key, subject_kind)
    return render("checklists:Progress", ctx=ctx, rows=rows, overall=overall,
                  templates=svc.templates(db, ctx.tenant, include_inactive=True),
                  kinds=svc.subject_kinds(ctx.tenant), query={"template_key": template_key,
                                                             "subject_kind": subject_kind})


@get("/progress/export", opt=READ, **PAGE)
def progress_export(ctx: Ctx, db: Session, template_key: str = "", subject_kind: str = "") -> Response:
    rows, overall = _rollup(ctx, template_key, subject_kind)
    data = [[t.name + ("（本级）" if t.id == ctx.tenant.id and len(rows) > 1 else ""), r.checklists, r.passed, r.failed,
             r.complete, r.items_done, r.items_total, f"{r.percent}%"] for t, r in rows]
    data.append(["合计", overall.checklists, overall.passed, overall.failed, overall.complete, overall.items_done,
                 overall.items_total, f"{overall.percent}%"])
    return xlsx_export(db, "评估清单达标进度", PROGRESS_HEADERS, data, action="checklists.export",
                       entity="checklists_checklists", query={"template_key": template_key,
                                                              "subject_kind": subject_kind})


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class ItemSpecOut:
    key: str
    label: str
    chapter: str
    evidence_required: bool


@dataclass
class TemplateOut:
    key: str
    label: str
    description: str
    subject_kinds: list[str]
    chapters: list[str]
    items: list[ItemSpecOut]
    own: bool


@dataclass
class EvidenceOut:
    id: int
    filename: str
    content_type: str
    size: int
    description: str


@dataclass
class ItemOut:
    id: int
    key: str
    chapter: str
    label: str
    evidence_required: bool
    status: str
    note: str
    reviewed_by: str
    reviewed_on: dt.date | None
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, i: ChecklistItem) -> ItemOut:
        return cls(i.id, i.key, i.chapter, i.label, i.evidence_required, i.status, i.note, i.reviewed_by,
                   i.reviewed_on, [EvidenceOut(e.id, e.filename, e.content_type, e.size, e.description)
                                   for e in i.evidence])


@dataclass
class ProgressOut:
    total: int
    done: int
    failed: int
    pending: int
    na: int
    percent: int


@dataclass
class ChecklistOut:
    id: int
    template_key: str
    title: str
    subject_kind: str
    subject_id: int
    subject_name: str
    opened_on: dt.date
    due_on: dt.date | None
    status: str
    decided_on: dt.date | None
    decided_by: str
    decision_note: str
    note: str
    progress: ProgressOut
    items: list[ItemOut] | None = None


def _progress_out(p: svc.Progress) -> ProgressOut:
    return ProgressOut(p.total, p.done, p.failed, p.pending, p.na, p.percent)


def _out(c: Checklist, p: svc.Progress, items: bool = False) -> ChecklistOut:
    return ChecklistOut(c.id, c.template_key, c.title, c.subject_kind, c.subject_id, c.subject_name, c.opened_on,
                        c.due_on, c.status, c.decided_on, c.decided_by, c.decision_note, c.note, _progress_out(p),
                        [ItemOut.of(i) for i in c.items] if items else None)


@get("/templates", opt=READ, **API)
def api_templates(ctx: Ctx, db: Session) -> list[TemplateOut]:
    """The templates of the tenant: programs' (hook) and its own (key ``tenant.<id>``)."""
    return [TemplateOut(t.key, t.label, t.description, list(t.subject_kinds), t.chapters,
                        [ItemSpecOut(i.key, i.label, i.chapter, i.evidence_required) for i in t.items],
                        t.key.startswith("tenant."))
            for t in svc.templates(db, ctx.tenant).values()]


@post("/templates", opt=WRITE, **API)
def api_template_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> TemplateOut:
    """A tenant template: ``label``, ``description``, ``subject_kinds`` (list of keys), ``items``
    (text: one item per line, ``# 篇章`` starts a chapter, ``*`` before an item: evidence required)."""
    row = save(db, lambda: svc.create_template(db, ctx.tenant, data))
    t = svc.row_template(row)
    return TemplateOut(t.key, t.label, t.description, list(t.subject_kinds), t.chapters,
                       [ItemSpecOut(i.key, i.label, i.chapter, i.evidence_required) for i in t.items], True)


@get("/checklists", opt=READ, **API)
def api_checklists(db: Session, q: str = "", template_key: str = "", subject_kind: str = "", status: str = "",
                   subject_id: int | None = None) -> list[ChecklistOut]:
    items = list(db.scalars(svc.checklist_select(q, template_key, subject_kind, status, subject_id).limit(5000)))
    prog = svc.progress_by_id(db, [c.id for c in items])
    return [_out(c, prog[c.id]) for c in items]


@post("/checklists", opt=WRITE, **API)
def api_checklist_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> ChecklistOut:
    """Start a checklist: ``template_key``, ``subject_kind``, ``subject_id`` (required), ``title``,
    ``opened_on``, ``due_on``, ``note``."""
    c = save(db, lambda: svc.create_checklist(db, ctx.tenant, data, clock.today()))
    return _out(c, svc.progress_of(c), items=True)


@get("/checklists/{checklist_id:int}", opt=READ, **API)
def api_checklist(db: Session, checklist_id: int) -> ChecklistOut:
    c = svc.get_checklist(db, checklist_id)
    return _out(c, svc.progress_of(c), items=True)


@post("/checklists/{checklist_id:int}/items/{item_id:int}", opt=WRITE, **API)
def api_item_check(ctx: Ctx, db: Session, checklist_id: int, item_id: int, data: dict[str, Any]) -> ItemOut:
    """Record an item's check: ``status`` (pending | done | failed | na), ``note``, ``reviewed_on``.
    422 when ``done`` is asked of an item that requires evidence and has none."""
    c, item = _item(db, checklist_id, item_id)
    save(db, lambda: svc.check_item(db, c, item, data, clock.today(), ctx.user.label))
    return ItemOut.of(item)


@post("/checklists/{checklist_id:int}/items/{item_id:int}/evidence", opt=WRITE, request_max_body_size=UPLOAD_LIMIT,
      tags=["checklists"])
async def api_evidence_upload(ctx: Ctx, db: Session, request: Request, checklist_id: int, item_id: int) -> EvidenceOut:
    """Upload an evidence file (multipart/form-data: ``file``, ``description``). The checklist
    and item are looked up first, so another tenant's id answers 404 whatever was sent."""
    c, item = await anyio.to_thread.run_sync(lambda: _item(db, checklist_id, item_id))
    try:
        form = await request.form()
    except Exception as exc:
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    data = {k: form.get(k) for k in form}

    def run() -> EvidenceOut:
        ev = _upload(db, ctx, c, item, data)
        return EvidenceOut(ev.id, ev.filename, ev.content_type, ev.size, ev.description)

    return await anyio.to_thread.run_sync(run)


@get("/checklists/{checklist_id:int}/items/{item_id:int}/evidence/{evidence_id:int}", opt=READ, **API)
def api_evidence_download(db: Session, checklist_id: int, item_id: int, evidence_id: int) -> Response:
    _c, item = _item(db, checklist_id, item_id)
    return file_response(svc.get_evidence(item, evidence_id), FILES.read)


@post("/checklists/{checklist_id:int}/decide", opt=REVIEW, **API)
def api_decide(ctx: Ctx, db: Session, checklist_id: int, data: dict[str, Any]) -> ChecklistOut:
    """``action``: pass (every applicable item compliant) | fail (``note`` required) | reopen;
    ``decided_on`` (default today)."""
    c = svc.get_checklist(db, checklist_id)
    save(db, lambda: svc.decide(db, c, str(data.get("action") or ""), data, clock.today(), ctx.user.label))
    return _out(c, svc.progress_of(c), items=True)


@dataclass
class RollupOut:
    tenant_id: int | None
    tenant_name: str
    checklists: int
    passed: int
    failed: int
    complete: int
    items_done: int
    items_total: int
    percent: int


@get("/progress", opt=READ, **API)
def api_progress(ctx: Ctx, template_key: str = "", subject_kind: str = "") -> list[RollupOut]:
    """Progress per child tenant of the subtree (the tenant's own row first) and the total
    (``tenant_id`` null), read on a permission-checked roll-up session."""
    rows, overall = _rollup(ctx, template_key, subject_kind)
    out = [RollupOut(t.id, t.name, r.checklists, r.passed, r.failed, r.complete, r.items_done, r.items_total,
                     r.percent) for t, r in rows]
    out.append(RollupOut(None, "合计", overall.checklists, overall.passed, overall.failed, overall.complete,
                         overall.items_done, overall.items_total, overall.percent))
    return out



PAGE_ROUTES = [home, home_export, checklist_create, checklist_detail, checklist_export, item_check, evidence_upload,
               evidence_download, evidence_delete, checklist_decide, checklist_delete, templates_page,
               template_create, template_detail, template_update, progress_page, progress_export]
API_ROUTES = [api_templates, api_template_create, api_checklists, api_checklist_create, api_checklist,
              api_item_check, api_evidence_upload, api_evidence_download, api_decide, api_progress]
