"""Pages under /t/<slug>/assessment and the JSON API under /api/t/<slug>/assessment.

Thin: every rule lives in :mod:`plugins.assessment.service`. Reading needs
``assessment:read``; templates, rounds, transitions and appeal resolutions
``assessment:write``; assessor scores ``assessment:score``; self-assessments and appeals
``assessment:self`` (object-level: an org secretary only reaches their own targets' sheets —
anything else answers 404, like another tenant's id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, history, search
from core.forms import FormErrors
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import PAGE_SIZE, paginate, paginate_list
from core.web.render import flash, form_list, form_value, redirect, render
from core.web.templating import localtime
from plugins.assessment import files
from plugins.assessment import service as svc
from plugins.assessment.api import Result, published_results
from plugins.assessment.models import (
    AssessmentAppeal,
    AssessmentAttachment,
    AssessmentRound,
    AssessmentScore,
    AssessmentSheet,
    AssessmentTemplateVersion,
)
from plugins.assessment.types import PERIOD_KINDS, SCORING_MODES, TARGET_KINDS

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = files.max_bytes() + 1024 * 1024
#: ``?state=…`` (``state`` itself is a reserved handler argument in litestar)
StateQuery = Annotated[str, QueryParameter(name="state", required=False)]
READ = {"permission": "assessment:read"}
WRITE = {"permission": "assessment:write"}
SCORE = {"permission": "assessment:score"}
SELF = {"permission": "assessment:self"}

SHEET_FILTERS = {"": "全部", "incomplete": "未评完", "complete": "已评完", "self_missing": "未自评"}


def _num(value: Decimal | None) -> str:
    """A decimal without trailing zeros beyond what it has: 92.50 → "92.5", 90.00 → "90"."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: Decimal | None) -> Decimal | str:
    """A number cell in Excel (Decimal without trailing zeros), "" when there is none."""
    return "" if value is None else Decimal(_num(value))


def _labels() -> dict[str, Any]:
    return {"states": svc.STATES, "target_kinds": TARGET_KINDS, "period_kinds": PERIOD_KINDS,
            "scoring_modes": SCORING_MODES, "num": _num, "period_label": svc.period_label}


def _round(db: Session, access: svc.Access, round_id: int) -> AssessmentRound:
    rnd = svc.get_round(db, access, round_id)
    if rnd is None:  # another tenant's round, or not one of an org secretary's: 404
        raise NotFoundException("考核轮次不存在")
    return rnd


def _sheet(db: Session, access: svc.Access, sheet_id: int) -> AssessmentSheet:
    sheet = svc.get_sheet(db, access, sheet_id)
    if sheet is None:
        raise NotFoundException("考核表不存在")
    return sheet


def _entry(db: Session, ctx: Ctx, key: str) -> svc.TemplateEntry:
    entry = svc.template_entry(db, ctx.tenant, key)
    if entry is None:
        raise NotFoundException("考核模板不存在")
    return entry


# --- rounds list ---------------------------------------------------------------------------------

ROUND_HEADERS = ["考核名称", "模板", "考核对象", "期间", "状态", "对象数", "待处理申诉", "发布时间"]


@get("/", opt=READ, include_in_schema=False, sync_to_thread=True)
def round_list(ctx: Ctx, db: Session, q: str = "", round_state: StateQuery = "", template: str = "",
               period_kind: str = "", year: str = "", page: int = 1, format: str = "") -> Response:
    access = svc.Access.of(ctx)
    f = svc.RoundFilter(q.strip(), round_state, template, period_kind, year.strip())
    stmt = svc.round_select(db, access, f)
    if format == "xlsx":
        rounds = list(db.scalars(stmt))
        counts = _sheet_counts(db, [r.id for r in rounds])
        appeals = svc.pending_appeals(db, [r.id for r in rounds])
        rows = [[r.title, r.template.label, TARGET_KINDS[r.target_kind], svc.period_label(r.period_kind, r.period),
                 svc.STATES[r.state], counts.get(r.id, 0), appeals.get(r.id, 0), localtime(r.published_at)]
                for r in rounds]
        return xlsx_export(db, "考核轮次", ROUND_HEADERS, rows, action="assessment.export",
                           entity="assessment_rounds", query=f.query())
    result = paginate(db, stmt, page, PAGE_SIZE)
    ids = [r.id for r in result.items]
    entries = svc.template_entries(db, ctx.tenant)
    return render("assessment:RoundList", ctx=ctx, result=result, query=f.query(), counts=_sheet_counts(db, ids),
                  appeals=svc.pending_appeals(db, ids), templates=entries, **_labels())


def _sheet_counts(db: Session, round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    return dict(db.execute(select(AssessmentSheet.round_id, func.count(AssessmentSheet.id))
                           .where(AssessmentSheet.round_id.in_(round_ids)).group_by(AssessmentSheet.round_id)).all())


# --- templates -----------------------------------------------------------------------------------

TEMPLATE_HEADERS = ["模板名称", "标识", "来源", "考核对象", "组团类型", "周期", "计分方式", "满分", "指标数", "自评",
                    "等次", "已用轮次", "状态"]
SOURCES = {"program": "项目注册", "custom": "自定义"}


def _template_rows(entries: list[svc.TemplateEntry], ct_labels: dict[str, str]) -> list[list[Any]]:
    return [[e.value.label, e.key, SOURCES[e.source], TARGET_KINDS[e.value.target_kind],
             ct_labels.get(e.value.cluster_type, e.value.cluster_type), PERIOD_KINDS[e.value.period_kind],
             SCORING_MODES[e.value.scoring], _num(e.value.full_marks), len(e.value.criteria),
             "是" if e.value.self_assessment else "否",
             "、".join(f"{b.label}≥{_num(b.min_total)}" for b in e.value.grade_bands), e.rounds,
             "已停用" if e.archived else "在用"] for e in entries]


@get("/templates", opt=READ, include_in_schema=False, sync_to_thread=True)
def template_list(ctx: Ctx, db: Session, q: str = "", source: str = "", target_kind: str = "",
                  status: str = "active", page: int = 1, format: str = "") -> Response:
    entries = list(svc.template_entries(db, ctx.tenant).values())
    if q.strip():
        entries = [e for e in entries if q.strip() in e.value.label or q.strip() in e.value.description]
    if source in SOURCES:
        entries = [e for e in entries if e.source == source]
    if target_kind in TARGET_KINDS:
        entries = [e for e in entries if e.value.target_kind == target_kind]
    if status != "all":
        entries = [e for e in entries if e.archived == (status == "archived")]
    ct_labels = svc.cluster_type_labels(ctx.tenant)
    if format == "xlsx":
        return xlsx_export(db, "考核模板", TEMPLATE_HEADERS, _template_rows(entries, ct_labels),
                           action="assessment.export", entity="assessment_templates",
                           query={"q": q, "source": source, "target_kind": target_kind, "status": status})
    result = paginate_list(entries, page, PAGE_SIZE)
    query = {"q": q, "source": source, "target_kind": target_kind, "status": status}
    return render("assessment:TemplateList", ctx=ctx, result=result, query=query, sources=SOURCES,
                  ct_labels=ct_labels, **_labels())


def _template_form(ctx: Ctx, form: dict, errors: dict, entry: svc.TemplateEntry | None, status: int = 200) -> Response:
    return render("assessment:TemplateForm", status_code=status, ctx=ctx, form=form, errors=errors, entry=entry,
                  ct_labels=svc.cluster_type_labels(ctx.tenant), **_labels())


def _template_raw(data: dict[str, Any]) -> dict[str, str]:
    return {k: form_value(data, k) for k in svc.TEMPLATE_FIELDS}


@get("/templates/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_new(ctx: Ctx) -> Response:
    return _template_form(ctx, svc.template_form(), {}, None)


@post("/templates/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _template_raw(data)
    row = save(db, lambda: svc.create_custom_template(db, ctx.tenant, form),
               rerender=lambda errors: _template_form(ctx, form, errors, None))
    flash(request, "考核模板已保存")
    return redirect(ctx.url(f"assessment/templates/{row.key}"))


@get("/templates/{key:str}", opt=READ, include_in_schema=False, sync_to_thread=True)
def template_detail(ctx: Ctx, db: Session, key: str, version: int = 0) -> Response:
    entry = _entry(db, ctx, key)
    versions = list(db.scalars(select(AssessmentTemplateVersion).where(AssessmentTemplateVersion.key == key)
                               .order_by(AssessmentTemplateVersion.version.desc())))
    shown, value = None, entry.value
    if version:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise NotFoundException("模板版本不存在")
        value = svc.template_value(shown)
    used = svc.rounds_using(db, [v.id for v in versions])
    rounds = list(db.scalars(select(AssessmentRound).where(AssessmentRound.template_key == key)
                             .order_by(AssessmentRound.period_start.desc(), AssessmentRound.id.desc()).limit(50)))
    changes = history.of(db, {"assessment_templates": [v.id for v in versions]}, ctx.tenant.id)
    return render("assessment:TemplateDetail", ctx=ctx, entry=entry, value=value, shown=shown, versions=versions,
                  used=used, rounds=rounds, history=changes, sources=SOURCES,
                  ct_labels=svc.cluster_type_labels(ctx.tenant), **_labels())


def _custom_latest(db: Session, ctx: Ctx, key: str) -> tuple[svc.TemplateEntry, AssessmentTemplateVersion]:
    entry = _entry(db, ctx, key)
    if entry.source != "custom" or entry.latest is None:
        raise NotFoundException("只有自定义模板可以在此修改")
    return entry, entry.latest


@get("/templates/{key:str}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_edit(ctx: Ctx, db: Session, key: str) -> Response:
    entry, _row = _custom_latest(db, ctx, key)
    return _template_form(ctx, svc.template_form(entry.value), {}, entry)


@post("/templates/{key:str}/edit", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_update(ctx: Ctx, db: Session, request: Request, key: str, data: Form) -> Response:
    entry, row = _custom_latest(db, ctx, key)
    form = _template_raw(data)
    saved = save(db, lambda: svc.update_custom_template(db, ctx.tenant, row, form),
                 rerender=lambda errors: _template_form(ctx, form, errors, entry))
    flash(request, f"已保存为第 {saved.version} 版（原版本已被考核轮次使用，予以保留）" if saved.id != row.id
           else "考核模板已保存")
    return redirect(ctx.url(f"assessment/templates/{key}"))


@post("/templates/{key:str}/copy", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_copy(ctx: Ctx, db: Session, request: Request, key: str) -> Response:
    entry = _entry(db, ctx, key)
    row = svc.copy_template(db, ctx.tenant, entry)
    db.commit()
    flash(request, "已复制为自定义模板，可按需修改")
    return redirect(ctx.url(f"assessment/templates/{row.key}/edit"))


@post("/templates/{key:str}/archive", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def template_archive(ctx: Ctx, db: Session, request: Request, key: str, data: Form) -> Response:
    _entry_, row = _custom_latest(db, ctx, key)
    archived = form_value(data, "archived", "1") == "1"
    svc.set_template_archived(db, row, archived)
    db.commit()
    flash(request, "模板已停用" if archived else "模板已恢复")
    return redirect(ctx.url(f"assessment/templates/{key}"))


# --- new round -----------------------------------------------------------------------------------


def _round_form(ctx: Ctx, db: Session, form: dict, errors: dict, status: int = 200) -> Response:
    entries = {k: e for k, e in svc.template_entries(db, ctx.tenant).items() if not e.archived}
    entry = entries.get(form.get("template", ""))
    ct_labels = svc.cluster_type_labels(ctx.tenant)
    options: list[tuple[int, str]] = []
    cluster_type = ""
    all_count = 0
    if entry is not None:
        cluster_type = entry.value.cluster_type or form.get("cluster_type", "")
        options = svc.target_options(db, entry.value.target_kind, cluster_type)
        all_count = len(svc.all_targets(db, entry.value.target_kind, cluster_type))
    today = clock.today()
    years = list(range(today.year + 1, today.year - 6, -1))
    return render("assessment:RoundForm", status_code=status, ctx=ctx, form=form, errors=errors, entries=entries,
                  entry=entry, options=options, all_count=all_count, chosen=set(form.get("targets", [])),
                  ct_labels=ct_labels,
                  cluster_type=cluster_type, years=years,
                  parts=svc.period_parts(entry.value.period_kind) if entry else [], modes=svc.TARGET_MODES,
                  **_labels())


@get("/rounds/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def round_new(ctx: Ctx, db: Session, template: str = "", cluster_type: str = "") -> Response:
    form: dict[str, Any] = {"template": template, "cluster_type": cluster_type, "target_mode": "all", "targets": []}
    entry = svc.template_entry(db, ctx.tenant, template) if template else None
    if entry is not None:
        current = svc.previous_period(entry.value.period_kind, clock.today())
        form["period_year"] = str(current.start.year)
        form["period_part"] = current.key.split("-", 1)[1] if "-" in current.key else ""
    return _round_form(ctx, db, form, {})


@post("/rounds/new", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def round_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form: dict[str, Any] = {k: form_value(data, k) for k in ("template", "title", "period_year", "period_part",
                                                             "target_mode", "cluster_type", "note")}
    form["targets"] = form_list(data, "targets")
    rnd = save(db, lambda: svc.create_round(db, ctx.tenant, form),
               rerender=lambda errors: _round_form(ctx, db, form, errors))
    flash(request, "考核轮次已建立（草稿），确认考核对象后请开启考核")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}"))


# --- round detail --------------------------------------------------------------------------------


def _round_page(ctx: Ctx, db: Session, rnd: AssessmentRound, *, q: str = "", show: str = "", page: int = 1,
                errors: dict | None = None, appeal_errors: dict | None = None, appeal_form: dict | None = None,
                status: int = 200) -> Response:
    access = svc.Access.of(ctx)
    everything = svc.sheets_of(db, rnd)
    states = svc.sheet_states(db, rnd, everything)
    stmt = select(AssessmentSheet).where(AssessmentSheet.round_id == rnd.id, svc.own_sheet_clause(db, access))
    if q.strip():
        stmt = stmt.where(search.matches(q, AssessmentSheet.target_name))
    shown = list(db.scalars(stmt.order_by(AssessmentSheet.target_name, AssessmentSheet.id)))
    if show == "incomplete":
        shown = [s for s in shown if not states[s.id].complete]
    elif show == "complete":
        shown = [s for s in shown if states[s.id].complete]
    elif show == "self_missing":
        shown = [s for s in shown if s.self_submitted_at is None]
    result = paginate_list(shown, page, PAGE_SIZE)
    own = list(db.scalars(select(AssessmentSheet.id).where(AssessmentSheet.round_id == rnd.id,
                                                           svc.own_sheet_clause(db, access))))
    appeals = svc.appeals_of(db, rnd, own if access.own_only else None)
    names = {s.id: s.target_name for s in everything}
    complete = sum(1 for st in states.values() if st.complete)
    changes = [] if access.own_only else history.of(db, {
        "assessment_rounds": [rnd.id], "assessment_sheets": [s.id for s in everything]}, ctx.tenant.id, limit=50)
    addable = []
    if rnd.state == "draft" and access.manage:
        have = {s.target_id for s in everything}
        addable = [(i, n) for i, n in svc.target_options(db, rnd.target_kind, rnd.cluster_type) if i not in have]
    return render("assessment:RoundDetail", status_code=status, ctx=ctx, rnd=rnd, tmpl=svc.template_value(rnd.template),
                  result=result, sheet_states=states, query={"q": q, "show": show}, filters=SHEET_FILTERS,
                  actions=svc.actions_for(rnd.state) if access.manage else [], errors=errors or {},
                  appeals=appeals, appeal_names=names, appeal_statuses=svc.APPEAL_STATUSES,
                  outcomes=svc.APPEAL_OUTCOMES, appeal_errors=appeal_errors or {}, appeal_form=appeal_form or {},
                  total_sheets=len(everything), complete=complete, history=changes, access=access, addable=addable,
                  ct_labels=svc.cluster_type_labels(ctx.tenant), **_labels())


@get("/rounds/{round_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def round_detail(ctx: Ctx, db: Session, round_id: int, q: str = "", show: str = "", page: int = 1) -> Response:
    rnd = _round(db, svc.Access.of(ctx), round_id)
    return _round_page(ctx, db, rnd, q=q, show=show, page=page)


@post("/rounds/{round_id:int}/transition", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def round_transition(ctx: Ctx, db: Session, request: Request, round_id: int, data: Form) -> Response:
    rnd = _round(db, svc.Access.of(ctx), round_id)
    action = form_value(data, "action")
    save(db, lambda: svc.transition(db, ctx.tenant, rnd, action),
         rerender=lambda errors: _round_page(ctx, db, rnd, errors=errors))
    flash(request, f"{svc.TRANSITIONS[action].label}：当前状态为「{svc.STATES[rnd.state]}」")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}"))


@post("/rounds/{round_id:int}/targets", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def round_add_targets(ctx: Ctx, db: Session, request: Request, round_id: int, data: Form) -> Response:
    rnd = _round(db, svc.Access.of(ctx), round_id)
    added = save(db, lambda: svc.add_targets(db, rnd, form_list(data, "targets")),
                 rerender=lambda errors: _round_page(ctx, db, rnd, errors=errors))
    flash(request, f"已添加 {added} 个考核对象")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}"))


@post("/rounds/{round_id:int}/sheets/{sheet_id:int}/remove", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def round_remove_sheet(ctx: Ctx, db: Session, request: Request, round_id: int, sheet_id: int) -> Response:
    access = svc.Access.of(ctx)
    rnd = _round(db, access, round_id)
    sheet = _sheet(db, access, sheet_id)
    if sheet.round_id != rnd.id:
        raise NotFoundException("考核表不存在")
    save(db, lambda: svc.remove_sheet(db, rnd, sheet),
         rerender=lambda errors: _round_page(ctx, db, rnd, errors=errors))
    flash(request, "已移除考核对象")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}"))


@post("/rounds/{round_id:int}/delete", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def round_delete(ctx: Ctx, db: Session, request: Request, round_id: int) -> Response:
    rnd = _round(db, svc.Access.of(ctx), round_id)
    save(db, lambda: svc.delete_round(db, rnd),
         rerender=lambda errors: _round_page(ctx, db, rnd, errors=errors))
    flash(request, "考核轮次草稿已删除")
    return redirect(ctx.url("assessment"))


# --- ranking -------------------------------------------------------------------------------------

RANKING_HEADERS = ["名次", "考核对象", "总分", "等次", "自评分", "评分进度"]


@get("/rounds/{round_id:int}/ranking", opt=READ, include_in_schema=False, sync_to_thread=True)
def round_ranking(ctx: Ctx, db: Session, round_id: int, q: str = "", grade: str = "", page: int = 1,
                  format: str = "") -> Response:
    access = svc.Access.of(ctx)
    rnd = _round(db, access, round_id)
    tmpl = svc.template_value(rnd.template)
    rows = svc.ranking(db, rnd)
    if access.own_only:
        own = set(db.scalars(select(AssessmentSheet.id).where(AssessmentSheet.round_id == rnd.id,
                                                              svc.own_sheet_clause(db, access))))
        rows = [r for r in rows if r.sheet.id in own]
    if q.strip():
        rows = [r for r in rows if q.strip() in r.sheet.target_name]
    if grade:
        rows = [r for r in rows if r.grade == grade]
    if format == "xlsx":
        data = [[r.rank if r.rank is not None else "", r.sheet.target_name, _cell(r.total), r.grade,
                 _cell(r.self_total), f"{r.scored}/{r.criteria}"] for r in rows]
        return xlsx_export(db, f"{rnd.title}排名", RANKING_HEADERS, data, action="assessment.export",
                           entity="assessment_rounds", query={"round": rnd.id, "q": q, "grade": grade}, sheet="排名")
    result = paginate_list(rows, page, PAGE_SIZE)
    ranked = sum(1 for r in svc.ranking(db, rnd) if r.rank is not None) if access.own_only else sum(
        1 for r in rows if r.rank is not None)
    return render("assessment:Ranking", ctx=ctx, rnd=rnd, tmpl=tmpl, result=result, query={"q": q, "grade": grade},
                  ranked=ranked, **_labels())


# --- score sheet ---------------------------------------------------------------------------------


def _sheet_page(ctx: Ctx, db: Session, sheet: AssessmentSheet, *, errors: dict | None = None,
                form: dict | None = None, which: str = "", status: int = 200) -> Response:
    access = svc.Access.of(ctx)
    rnd = sheet.round
    tmpl = svc.template_value(rnd.template)
    state = svc.sheet_state(db, rnd, sheet)
    own = svc.is_own_sheet(db, access, sheet)
    can_score = rnd.state == "scoring" and (access.score or access.manage)
    can_self = (rnd.state == "open" and tmpl.self_assessment
                and (access.manage or (access.self_assess and own)))
    can_appeal = rnd.state == "published" and (access.manage or (access.self_assess and own))
    appeals = list(db.scalars(select(AssessmentAppeal).where(AssessmentAppeal.sheet_id == sheet.id)
                              .order_by(AssessmentAppeal.created_at.desc(), AssessmentAppeal.id.desc())))
    attachments = files.attachments_of(db, sheet)
    by_sheet = ("sheet_id", sheet.id)
    changes = [] if access.own_only else history.of(db, {"assessment_sheets": [sheet.id]}, ctx.tenant.id, limit=100,
                                                    children={"assessment_attachments": by_sheet,
                                                              "assessment_scores": by_sheet,
                                                              "assessment_appeals": by_sheet})
    sections: list[tuple[str, list[Any]]] = []
    for c in rnd.template.criteria:
        if not sections or sections[-1][0] != c.section_label:
            sections.append((c.section_label, []))
        sections[-1][1].append(c)
    return render("assessment:Sheet", status_code=status, ctx=ctx, sheet=sheet, rnd=rnd, tmpl=tmpl, state=state,
                  sections=sections, can_score=can_score, can_self=can_self, can_appeal=can_appeal,
                  attachments=attachments, file_kinds=files.editable_kinds(db, access, sheet),
                  max_mb=max(1, files.max_bytes() // (1024 * 1024)), allowed_types=files.ALLOWED,
                  appeals=appeals, appeal_statuses=svc.APPEAL_STATUSES, outcomes=svc.APPEAL_OUTCOMES,
                  errors=errors or {}, form=form or {}, which=which, history=changes, access=access,
                  target_href=svc.target_href(sheet.target_kind, sheet.target_id, ctx.tenant),
                  **{**_labels(), "target_kinds": svc.kind_labels(ctx.tenant)})


@get("/sheets/{sheet_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def sheet_detail(ctx: Ctx, db: Session, sheet_id: int) -> Response:
    return _sheet_page(ctx, db, _sheet(db, svc.Access.of(ctx), sheet_id))


def _entries_from_form(sheet: AssessmentSheet, data: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {c.id: (form_value(data, f"score_{c.id}"), form_value(data, f"evidence_{c.id}"))
            for c in sheet.round.template.criteria}


def _save(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: dict[str, Any], kind: str) -> Response:
    access = svc.Access.of(ctx)
    sheet = _sheet(db, access, sheet_id)
    form = {k: form_value(data, k) for k in data if k != "_csrf_token"}
    entries = _entries_from_form(sheet, data)
    state = save(db, lambda: svc.save_scores(db, access, sheet, entries, kind, comment=form_value(data, "comment")),
                 rerender=lambda errors: _sheet_page(ctx, db, sheet, errors=errors, form=form, which=kind))
    if kind == "self":
        flash(request, "自评已保存")
    else:
        flash(request, f"评分已保存（{state.scored}/{state.criteria} 项）"
               + (f"，总分 {_num(state.total)}" if state.total is not None else ""))
    return redirect(ctx.url(f"assessment/sheets/{sheet.id}"))


@post("/sheets/{sheet_id:int}/scores", opt=SCORE, include_in_schema=False, sync_to_thread=True)
def sheet_scores(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: Form) -> Response:
    return _save(ctx, db, request, sheet_id, data, "assessor")


@post("/sheets/{sheet_id:int}/self", opt=SELF, include_in_schema=False, sync_to_thread=True)
def sheet_self(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: Form) -> Response:
    return _save(ctx, db, request, sheet_id, data, "self")


# --- evidence files of a sheet ------------------------------------------------------------------


def _attachable(db: Session, access: svc.Access, sheet_id: int, kind: str) -> AssessmentSheet:
    sheet = _sheet(db, access, sheet_id)  # 404 unless visible
    if kind not in files.editable_kinds(db, access, sheet):
        raise PermissionDeniedException(f"现在不能修改{files.KINDS[kind]}")
    return sheet


def _upload(db: Session, access: svc.Access, sheet: AssessmentSheet, kind: str, upload: Any) -> AssessmentAttachment:
    """Store one uploaded file and commit; FormErrors (nothing saved) on a missing or refused file."""
    name, content = files.FILES.read_upload(upload)
    return files.FILES.commit_new(db, lambda: files.store(db, sheet, kind, name, content, access))


def _upload_page(ctx: Ctx, db: Session, request: Request, sheet_id: int, kind: str, data: dict[str, Any]) -> Response:
    access = svc.Access.of(ctx)
    sheet = _attachable(db, access, sheet_id, kind)
    att = save(db, lambda: _upload(db, access, sheet, kind, data.get("file")),
               rerender=lambda errors: _sheet_page(ctx, db, sheet, errors=errors, which=f"files_{kind}"))
    flash(request, f"已上传「{att.filename}」")
    return redirect(ctx.url(f"assessment/sheets/{sheet.id}") + f"#files-{kind}")


@post("/sheets/{sheet_id:int}/scores/attachments", opt=SCORE, request_max_body_size=UPLOAD_LIMIT,
      include_in_schema=False, sync_to_thread=True)
def sheet_score_upload(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: Multipart) -> Response:
    return _upload_page(ctx, db, request, sheet_id, "assessor", data)


@post("/sheets/{sheet_id:int}/self/attachments", opt=SELF, request_max_body_size=UPLOAD_LIMIT,
      include_in_schema=False, sync_to_thread=True)
def sheet_self_upload(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: Multipart) -> Response:
    return _upload_page(ctx, db, request, sheet_id, "self", data)


def _attachment(db: Session, access: svc.Access, sheet_id: int, attachment_id: int
                ) -> tuple[AssessmentSheet, AssessmentAttachment]:
    sheet = _sheet(db, access, sheet_id)
    att = files.get(db, sheet, attachment_id)
    if att is None:
        raise NotFoundException("附件不存在")
    return sheet, att


def _file_response(db: Session, ctx: Ctx, sheet_id: int, attachment_id: int) -> Response:
    _s, att = _attachment(db, svc.Access.of(ctx), sheet_id, attachment_id)
    return file_response(att, files.read)


@get("/sheets/{sheet_id:int}/attachments/{attachment_id:int}", opt=READ, include_in_schema=False,
     sync_to_thread=True)
def sheet_attachment(ctx: Ctx, db: Session, sheet_id: int, attachment_id: int) -> Response:
    return _file_response(db, ctx, sheet_id, attachment_id)


@post("/sheets/{sheet_id:int}/attachments/{attachment_id:int}/delete", opt=READ, include_in_schema=False,
      sync_to_thread=True)
def sheet_attachment_delete(ctx: Ctx, db: Session, request: Request, sheet_id: int, attachment_id: int) -> Response:
    """Guarded by the file's kind: assessors' files by assessors in scoring, self files by the
    target's secretary while open (staff both) — else 403."""
    access = svc.Access.of(ctx)
    sheet, att = _attachment(db, access, sheet_id, attachment_id)
    _attachable(db, access, sheet_id, att.kind)
    db.delete(att)
    db.commit()
    files.discard(att)
    flash(request, f"已删除「{att.filename}」")
    return redirect(ctx.url(f"assessment/sheets/{sheet.id}") + f"#files-{att.kind}")


@post("/sheets/{sheet_id:int}/appeals", opt=SELF, include_in_schema=False, sync_to_thread=True)
def sheet_appeal(ctx: Ctx, db: Session, request: Request, sheet_id: int, data: Form) -> Response:
    access = svc.Access.of(ctx)
    sheet = _sheet(db, access, sheet_id)
    body = form_value(data, "body")
    save(db, lambda: svc.submit_appeal(db, access, sheet, body),
         rerender=lambda errors: _sheet_page(ctx, db, sheet, errors=errors, form={"body": body}, which="appeal"))
    flash(request, "申诉已提交，请等待处理")
    return redirect(ctx.url(f"assessment/sheets/{sheet.id}") + "#appeals")


@post("/appeals/{appeal_id:int}/resolve", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def appeal_resolve(ctx: Ctx, db: Session, request: Request, appeal_id: int, data: Form) -> Response:
    access = svc.Access.of(ctx)
    appeal = svc.get_appeal(db, access, appeal_id)
    if appeal is None:
        raise NotFoundException("申诉不存在")
    form = {"outcome": form_value(data, "outcome"), "resolution": form_value(data, "resolution"),
            "appeal_id": str(appeal.id)}
    save(db, lambda: svc.resolve_appeal(db, access, appeal, form["outcome"], form["resolution"]),
         rerender=lambda errors: _round_page(ctx, db, _round(db, access, appeal.round_id), appeal_errors=errors,
                                             appeal_form=form))
    flash(request, "申诉已处理")
    return redirect(ctx.url(f"assessment/rounds/{appeal.round_id}") + "#appeals")


PAGE_ROUTES = [round_list, template_list, template_new, template_create, template_detail, template_edit,
               template_update, template_copy, template_archive, round_new, round_create, round_detail,
               round_transition, round_add_targets, round_remove_sheet, round_delete, round_ranking, sheet_detail,
               sheet_scores, sheet_self, sheet_appeal, appeal_resolve, sheet_score_upload, sheet_self_upload,
               sheet_attachment, sheet_attachment_delete]


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class CriterionOut:
    key: str
    label: str
    section: str
    max_points: str
    weight: str
    evidence: str
    id: int | None = None


@dataclass
class BandOut:
    label: str
    min_total: str


@dataclass
class TemplateOut:
    key: str
    label: str
    source: str
    target_kind: str
    cluster_type: str
    period_kind: str
    scoring: str
    full_marks: str
    rating_max: str
    precision: int
    self_assessment: bool
    archived: bool
    version: int | None
    rounds: int
    grade_bands: list[BandOut]
    criteria: list[CriterionOut]
    description: str = ""

    @classmethod
    def of(cls, e: svc.TemplateEntry) -> TemplateOut:
        v = e.value
        return cls(
            key=e.key, label=v.label, source=e.source, target_kind=v.target_kind, cluster_type=v.cluster_type,
            period_kind=v.period_kind, scoring=v.scoring, full_marks=_num(v.full_marks), rating_max=_num(v.rating_max),
            precision=v.precision, self_assessment=v.self_assessment, archived=e.archived,
            version=e.latest.version if e.latest else None, rounds=e.rounds,
            grade_bands=[BandOut(b.label, _num(b.min_total)) for b in v.grade_bands],
            criteria=[CriterionOut(c.key, c.label, s.label, _num(c.max_points), _num(c.weight), c.evidence)
                      for s in v.sections for c in s.criteria],
            description=v.description)


@get("/templates", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_templates(ctx: Ctx, db: Session) -> list[TemplateOut]:
    return [TemplateOut.of(e) for e in svc.template_entries(db, ctx.tenant).values()]


@get("/templates/{key:str}", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_template(ctx: Ctx, db: Session, key: str) -> TemplateOut:
    return TemplateOut.of(_entry(db, ctx, key))


@post("/templates", opt=WRITE, sync_to_thread=True, tags=["assessment"])
def api_template_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> TemplateOut:
    """Create a custom template: the form's fields (``criteria`` and ``grade_bands`` as text lines)."""
    form = {k: data.get(k) for k in svc.TEMPLATE_FIELDS}
    row = save(db, lambda: svc.create_custom_template(db, ctx.tenant, form))
    return TemplateOut.of(_entry(db, ctx, row.key))


@dataclass
class SheetSummaryOut:
    id: int
    target_kind: str
    target_id: int
    target_name: str
    scored: int
    criteria: int
    total: str | None
    self_total: str | None
    grade: str
    rank: int | None
    self_submitted: bool


@dataclass
class RoundOut:
    id: int
    title: str
    template_key: str
    template_version: int
    target_kind: str
    cluster_type: str
    period_kind: str
    period: str
    period_label: str
    period_start: str
    period_end: str
    state: str
    state_label: str
    published_at: str | None
    sheets: list[SheetSummaryOut] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def _round_out(db: Session, access: svc.Access, rnd: AssessmentRound, *, detail: bool = False) -> RoundOut:
    out = RoundOut(
        id=rnd.id, title=rnd.title, template_key=rnd.template_key, template_version=rnd.template.version,
        target_kind=rnd.target_kind, cluster_type=rnd.cluster_type, period_kind=rnd.period_kind, period=rnd.period,
        period_label=svc.period_label(rnd.period_kind, rnd.period), period_start=rnd.period_start.isoformat(),
        period_end=rnd.period_end.isoformat(), state=rnd.state, state_label=svc.STATES[rnd.state],
        published_at=rnd.published_at.isoformat() if rnd.published_at else None,
        actions=[name for name, _t in svc.actions_for(rnd.state)] if access.manage else [])
    if detail:
        sheets = list(db.scalars(select(AssessmentSheet).where(AssessmentSheet.round_id == rnd.id,
                                                               svc.own_sheet_clause(db, access))))
        by_id = {s.id: s for s in sheets}
        for r in svc.ranking(db, rnd, sheets):
            s = by_id[r.sheet.id]
            out.sheets.append(SheetSummaryOut(
                s.id, s.target_kind, s.target_id, s.target_name, r.scored, r.criteria,
                _num(r.total) if r.total is not None else None,
                _num(r.self_total) if r.self_total is not None else None, r.grade, r.rank,
                s.self_submitted_at is not None))
    return out


@get("/rounds", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_rounds(ctx: Ctx, db: Session, q: str = "", round_state: StateQuery = "", template: str = "",
               period_kind: str = "", year: str = "", page: int = 1) -> list[RoundOut]:
    access = svc.Access.of(ctx)
    f = svc.RoundFilter(q.strip(), round_state, template, period_kind, year.strip())
    result = paginate(db, svc.round_select(db, access, f), page, PAGE_SIZE)
    return [_round_out(db, access, r) for r in result.items]


@get("/rounds/{round_id:int}", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_round(ctx: Ctx, db: Session, round_id: int) -> RoundOut:
    access = svc.Access.of(ctx)
    return _round_out(db, access, _round(db, access, round_id), detail=True)


@post("/rounds", opt=WRITE, sync_to_thread=True, tags=["assessment"])
def api_round_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> RoundOut:
    """Body: template (key), period ("2026-Q3"), target_mode ("all" | "chosen"), targets (ids), title, note,
    cluster_type."""
    access = svc.Access.of(ctx)
    rnd = save(db, lambda: svc.create_round(db, ctx.tenant, data))
    return _round_out(db, access, rnd, detail=True)


@dataclass
class TransitionIn:
    action: str


@post("/rounds/{round_id:int}/transition", opt=WRITE, sync_to_thread=True, tags=["assessment"])
def api_round_transition(ctx: Ctx, db: Session, round_id: int, data: TransitionIn) -> RoundOut:
    access = svc.Access.of(ctx)
    rnd = _round(db, access, round_id)
    save(db, lambda: svc.transition(db, ctx.tenant, rnd, data.action))
    return _round_out(db, access, rnd, detail=True)


@dataclass
class EntryOut:
    criterion_id: int
    criterion_key: str
    label: str
    section: str
    max: str
    evidence_required: str
    value: str | None
    evidence: str
    scored_by: str
    self_value: str | None
    self_evidence: str


@dataclass
class AppealOut:
    id: int
    body: str
    submitted_by: str
    status: str
    outcome: str
    resolution: str
    resolved_by: str
    created_at: str


@dataclass
class SheetOut:
    id: int
    round_id: int
    round_state: str
    target_kind: str
    target_id: int
    target_name: str
    total: str | None
    self_total: str | None
    grade: str
    rank: int | None
    comment: str
    self_comment: str
    entries: list[EntryOut]
    appeals: list[AppealOut]


def _sheet_out(db: Session, sheet: AssessmentSheet) -> SheetOut:
    rnd = sheet.round
    tmpl = svc.template_value(rnd.template)
    state = svc.sheet_state(db, rnd, sheet)
    published = rnd.state == "published"
    entries = []
    for c in rnd.template.criteria:
        a: AssessmentScore | None = state.scores.get(c.id)
        s: AssessmentScore | None = state.self_scores.get(c.id)
        entries.append(EntryOut(
            c.id, c.key, c.label, c.section_label, _num(c.max_points if tmpl.scoring == "points" else tmpl.rating_max),
            c.evidence, _num(a.value) if a else None, a.evidence if a else "", a.scored_by if a else "",
            _num(s.value) if s else None, s.evidence if s else ""))
    appeals = db.scalars(select(AssessmentAppeal).where(AssessmentAppeal.sheet_id == sheet.id)
                         .order_by(AssessmentAppeal.id))
    total = sheet.total if published else state.total
    return SheetOut(
        sheet.id, rnd.id, rnd.state, sheet.target_kind, sheet.target_id, sheet.target_name,
        _num(total) if total is not None else None,
        _num(state.self_total) if state.self_total is not None else None,
        sheet.grade if published else tmpl.grade(state.total), sheet.rank if published else None,
        sheet.comment, sheet.self_comment, entries,
        [AppealOut(a.id, a.body, a.submitted_by, a.status, a.outcome, a.resolution, a.resolved_by,
                   a.created_at.isoformat()) for a in appeals])


@get("/sheets/{sheet_id:int}", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_sheet(ctx: Ctx, db: Session, sheet_id: int) -> SheetOut:
    return _sheet_out(db, _sheet(db, svc.Access.of(ctx), sheet_id))


@dataclass
class AttachmentOut:
    """An evidence file of a sheet (``kind`` assessor | self), served at
    ``GET …/assessment/sheets/<sheet>/attachments/<id>``."""

    id: int
    sheet_id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: str

    @classmethod
    def of(cls, a: AssessmentAttachment) -> AttachmentOut:
        return cls(a.id, a.sheet_id, a.kind, a.filename, a.content_type, a.size, a.sha256, a.uploaded_by,
                   a.created_at.isoformat())


@get("/sheets/{sheet_id:int}/attachments", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_sheet_attachments(ctx: Ctx, db: Session, sheet_id: int) -> list[AttachmentOut]:
    sheet = _sheet(db, svc.Access.of(ctx), sheet_id)
    return [AttachmentOut.of(a) for atts in files.attachments_of(db, sheet).values() for a in atts]


@get("/sheets/{sheet_id:int}/attachments/{attachment_id:int}", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_sheet_attachment(ctx: Ctx, db: Session, sheet_id: int, attachment_id: int) -> Response:
    return _file_response(db, ctx, sheet_id, attachment_id)


async def _api_upload(ctx: Ctx, db: Session, request: Request, sheet_id: int, kind: str) -> AttachmentOut:
    """The sheet and the rights are checked before the body is read (another tenant's id → 404)."""
    access = svc.Access.of(ctx)
    sheet = await anyio.to_thread.run_sync(lambda: _attachable(db, access, sheet_id, kind))
    try:
        form = await request.form()
    except Exception as exc:  # not multipart / form data
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    upload = form.get("file")

    def run() -> AttachmentOut:
        return AttachmentOut.of(_upload(db, access, sheet, kind, upload))

    return await anyio.to_thread.run_sync(run)


@post("/sheets/{sheet_id:int}/scores/attachments", opt=SCORE, request_max_body_size=UPLOAD_LIMIT,
      tags=["assessment"])
async def api_sheet_score_upload(ctx: Ctx, db: Session, request: Request, sheet_id: int) -> AttachmentOut:
    """Upload an assessors' evidence file (multipart/form-data: ``file``) while the round is in scoring."""
    return await _api_upload(ctx, db, request, sheet_id, "assessor")


@post("/sheets/{sheet_id:int}/self/attachments", opt=SELF, request_max_body_size=UPLOAD_LIMIT, tags=["assessment"])
async def api_sheet_self_upload(ctx: Ctx, db: Session, request: Request, sheet_id: int) -> AttachmentOut:
    """Upload a self-assessment evidence file (multipart/form-data: ``file``) while the round is open."""
    return await _api_upload(ctx, db, request, sheet_id, "self")


@dataclass
class ScoreIn:
    value: str | None = None
    evidence: str = ""


@dataclass
class ScoresIn:
    """``scores``: criterion key → {value, evidence}; a null/blank value clears the entry."""

    scores: dict[str, ScoreIn]
    comment: str | None = None


def _api_save(ctx: Ctx, db: Session, sheet_id: int, data: ScoresIn, kind: str) -> SheetOut:
    access = svc.Access.of(ctx)
    sheet = _sheet(db, access, sheet_id)
    values = {k: (v.value, v.evidence) for k, v in data.scores.items()}
    save(db, lambda: svc.save_scores_by_key(db, access, sheet, values, kind, comment=data.comment))
    return _sheet_out(db, sheet)


@post("/sheets/{sheet_id:int}/scores", opt=SCORE, sync_to_thread=True, tags=["assessment"])
def api_sheet_scores(ctx: Ctx, db: Session, sheet_id: int, data: ScoresIn) -> SheetOut:
    return _api_save(ctx, db, sheet_id, data, "assessor")


@post("/sheets/{sheet_id:int}/self", opt=SELF, sync_to_thread=True, tags=["assessment"])
def api_sheet_self(ctx: Ctx, db: Session, sheet_id: int, data: ScoresIn) -> SheetOut:
    return _api_save(ctx, db, sheet_id, data, "self")


@dataclass
class AppealIn:
    body: str


@post("/sheets/{sheet_id:int}/appeals", opt=SELF, sync_to_thread=True, tags=["assessment"])
def api_sheet_appeal(ctx: Ctx, db: Session, sheet_id: int, data: AppealIn) -> SheetOut:
    access = svc.Access.of(ctx)
    sheet = _sheet(db, access, sheet_id)
    save(db, lambda: svc.submit_appeal(db, access, sheet, data.body))
    return _sheet_out(db, sheet)


@dataclass
class ResolveIn:
    outcome: str
    resolution: str


@post("/appeals/{appeal_id:int}/resolve", opt=WRITE, sync_to_thread=True, tags=["assessment"])
def api_appeal_resolve(ctx: Ctx, db: Session, appeal_id: int, data: ResolveIn) -> AppealOut:
    access = svc.Access.of(ctx)
    appeal = svc.get_appeal(db, access, appeal_id)
    if appeal is None:
        raise NotFoundException("申诉不存在")
    save(db, lambda: svc.resolve_appeal(db, access, appeal, data.outcome, data.resolution))
    return AppealOut(appeal.id, appeal.body, appeal.submitted_by, appeal.status, appeal.outcome, appeal.resolution,
                     appeal.resolved_by, appeal.created_at.isoformat())


@dataclass
class ResultOut:
    round_id: int
    round_title: str
    template_key: str
    target_kind: str
    target_id: int
    target_name: str
    total: str
    grade: str
    rank: int
    ranked: int
    period_kind: str
    period: str
    published_at: str

    @classmethod
    def of(cls, r: Result) -> ResultOut:
        return cls(r.round_id, r.round_title, r.template_key, r.target_kind, r.target_id, r.target_name,
                   _num(r.total), r.grade, r.rank, r.ranked, r.period_kind, r.period, r.published_at.isoformat())


@get("/results", opt=READ, sync_to_thread=True, tags=["assessment"])
def api_results(ctx: Ctx, db: Session, template_key: str | None = None, target_kind: str | None = None,
                period: str | None = None, year: int | None = None) -> list[ResultOut]:
    """Published results (the same as :func:`plugins.assessment.api.published_results`); an org
    secretary sees only their own targets' rows."""
    access = svc.Access.of(ctx)
    results = published_results(db, template_key or None, target_kind or None, period or None, year=year)
    if access.own_only:
        own = {kind: svc.own_target_ids(db, access.user_id, kind) for kind in TARGET_KINDS}
        results = [r for r in results if r.target_id in own[r.target_kind]]
    return [ResultOut.of(r) for r in results]


API_ROUTES = [api_templates, api_template, api_template_create, api_rounds, api_round, api_round_create,
              api_round_transition, api_sheet, api_sheet_scores, api_sheet_self, api_sheet_appeal,
              api_appeal_resolve, api_results, api_sheet_attachments, api_sheet_attachment, api_sheet_score_upload,
              api_sheet_self_upload]
