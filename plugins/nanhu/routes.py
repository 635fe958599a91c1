"""Pages under /t/<slug>/nanhu and the API under /api/t/<slug>/nanhu.

Every handler names its permission in ``opt``; rows are read through the tenant's session, so
another tenant's id is simply not found (404). Writes go through :mod:`plugins.nanhu.service`
(field errors in Chinese, nothing half-saved) and are audited by the core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, search
from core.registry.models import Organization, PartyOrg
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_value, redirect, render
from plugins.nanhu import dashboard as board
from plugins.nanhu import service as svc
from plugins.nanhu.models import Disclosure, ResultUse, Talent

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "nanhu:read"}
WRITE = {"permission": "nanhu:write"}
RESULTS = {"permission": "nanhu:results"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["nanhu"]}


def _settings(ctx: Ctx):
    from core.plugins import registry

    return registry().settings(ctx.tenant.id, "nanhu")


def _form(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: form_value(data, k) for k in keys}


def _json(data: dict[str, Any] | None) -> dict[str, Any]:
    return {k: ("" if v is None else v if isinstance(v, bool) else str(v)) for k, v in (data or {}).items()}


def _org_options(db: Session, kind: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Organization.id, Organization.name).where(Organization.status == "operating")
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    return [(i, n) for i, n in db.execute(stmt.order_by(Organization.name, Organization.id))]


def _names(db: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


# --- program dashboard ---------------------------------------------------------------------------


@get("/", opt=READ, **PAGE)
def dashboard(ctx: Ctx, db: Session) -> Response:
    today = clock.today()
    data = board.program_dashboard(ctx, db, _settings(ctx), today)
    return render("nanhu:Dashboard", ctx=ctx, settings=_settings(ctx), d=data, today=today)


@post("/cobuild-annual", opt=WRITE, **PAGE)
def cobuild_annual(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    """NH-3: the year's published 一季一考核 / 半年一讲评 results of the helping units into their annual
    party-building assessment (a round of the assessment engine, scored by the program, reviewed and
    published by staff on the assessment pages)."""
    from core.forms import FormErrors
    from plugins.nanhu import program

    year = form_value(data, "year")
    try:
        if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= clock.today().year):
            raise FormErrors({"year": f"考核年度应为 2000–{clock.today().year} 的年份"})
        rnd = save(db, lambda: program.feed_annual(db, ctx.tenant, int(year), ctx.user.username))
    except FormErrors as exc:
        flash(request, "；".join(exc.errors.values()), "error")
        return redirect(ctx.url("nanhu"))
    flash(request, f"已将共建考核结果计入「{rnd.title}」，请在考核评议中审核后发布")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}") if ctx.can("assessment:read") else ctx.url("nanhu"))


# --- NH-2 人才招引 ---------------------------------------------------------------------------------

TALENT_KEYS = ("organization_id", "person_name", "headcount", "category", "method", "position", "recruited_on", "note")


def _talent_filter(q: str, category: str, method: str, year: str, org: str) -> svc.TalentFilter:
    return svc.TalentFilter(q.strip()[:100], category, method, year, org)


def _talents_page(ctx: Ctx, db: Session, f: svc.TalentFilter, page: int = 1, form=None, errors=None) -> Response:
    stmt = svc.talent_select(f)
    result = paginate(db, stmt, page)
    return render("nanhu:Talents", ctx=ctx, result=result, f=f, totals=svc.talent_totals(db, stmt),
                  all_totals=svc.talent_totals(db), names=_names(db, [t.organization_id for t in result.items]),
                  categories=svc.TALENT_CATEGORIES, methods=svc.TALENT_METHODS, settings=_settings(ctx),
                  orgs=_org_options(db) if ctx.can("nanhu:write") else [], form=form or {}, errors=errors or {})


@get("/talents", opt=READ, **PAGE)
def talents(ctx: Ctx, db: Session, q: str = "", category: str = "", method: str = "", year: str = "",
            org: str = "", page: int = 1, format: str = "") -> Response:
    f = _talent_filter(q, category, method, year, org)
    if format == "xlsx":
        rows = db.scalars(svc.talent_select(f)).all()
        names = _names(db, [t.organization_id for t in rows])
        return xlsx_export(
            db, "人才招引台账", ("两新组织", "姓名", "人数", "人才类别", "招引方式", "岗位", "招引日期", "备注"),
            ((names.get(t.organization_id, ""), t.person_name, t.headcount, svc.TALENT_CATEGORIES.get(t.category, t.category),
              svc.TALENT_METHODS.get(t.method, t.method), t.position, t.recruited_on, t.note) for t in rows),
            action="nanhu.export", entity="nanhu_talents", query=vars(f))
    return _talents_page(ctx, db, f, page)


@post("/talents", opt=WRITE, **PAGE)
def talent_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, TALENT_KEYS)
    f = svc.TalentFilter()
    t = save(db, lambda: svc.add_talent(db, form, clock.today()),
             rerender=lambda errors: _talents_page(ctx, db, f, form=form, errors=errors))
    flash(request, f"已登记人才招引 {t.headcount} 人")
    return redirect(ctx.url("nanhu/talents"))


# --- NH-4 一月一课一片一实践 -------------------------------------------------------------------------

THEME_KEYS = ("party_org_id", "month", "lesson_done", "lesson_topic", "film_done", "film_title", "practice_done",
              "practice_note")


def _theme_page(ctx: Ctx, db: Session, month: dt.date, form=None, errors=None) -> Response:
    rows = svc.theme_rows(db, month)
    return render("nanhu:ThemeDays", ctx=ctx, month=month, rows=rows, summary=svc.theme_month(db, month),
                  parts=svc.THEME_PARTS, complete=svc.is_complete, form=form or {}, errors=errors or {},
                  this_month=clock.today().replace(day=1))


@get("/theme-days", opt=READ, **PAGE)
def theme_days(ctx: Ctx, db: Session, month: str = "", format: str = "") -> Response:
    m = svc.month_of(month)
    if format == "xlsx":
        rows = svc.theme_rows(db, m)
        yes = lambda b: "是" if b else "否"  # noqa: E731
        return xlsx_export(
            db, f"一月一课一片一实践-{m:%Y-%m}", ("党组织", "一课", "党课题目", "一片", "警示教育片", "一实践", "实践内容", "三项齐全"),
            ((po.name, yes(c and c.lesson_done), c.lesson_topic if c else "", yes(c and c.film_done),
              c.film_title if c else "", yes(c and c.practice_done), c.practice_note if c else "", yes(svc.is_complete(c)))
             for po, c in rows),
            action="nanhu.export", entity="nanhu_theme_days", query={"month": f"{m:%Y-%m}"})
    return _theme_page(ctx, db, m)


@post("/theme-days", opt=WRITE, **PAGE)
def theme_day_save(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, THEME_KEYS)
    m = svc.month_of(form["month"])
    save(db, lambda: svc.save_theme_day(db, form, ctx.user.id, clock.today()),
         rerender=lambda errors: _theme_page(ctx, db, m, form=form, errors=errors))
    flash(request, "已保存本月主题党日检查")
    return redirect(ctx.url(f"nanhu/theme-days?month={m:%Y-%m}"))


# --- NH-4 党风廉政必修课 ------------------------------------------------------------------------------


def _names_shown(ctx: Ctx) -> bool:
    """Who sees the people by name: those who manage the program or read its results (staff,
    admins, viewers, the committee's leaders); others see the figures only."""
    return ctx.can("nanhu:write") or ctx.can("nanhu:results")


@get("/integrity", opt=READ, **PAGE)
def integrity(ctx: Ctx, db: Session, year: str = "", group: str = "", missing: str = "", page: int = 1,
              format: str = "") -> Response:
    """NH-4: the 党风廉政 required course — who owes it this year, who completed it and where."""
    today = clock.today()
    y = int(year) if year.isascii() and year.isdigit() and 2000 <= int(year) <= today.year else today.year
    rows = svc.integrity_rows(db, y)
    summary = svc.integrity_summary(rows)
    shown = [r for r in rows if (group not in svc.INTEGRITY_GROUPS or r.group == group)
             and not (missing == "1" and r.done is not None)]
    if format == "xlsx" and _names_shown(ctx):
        return xlsx_export(
            db, f"党风廉政必修课-{y}", ("姓名", "类别", "党组织", "是否完成", "完成日期", "课程"),
            ((r.name, svc.INTEGRITY_GROUPS[r.group], r.party_org, "是" if r.done else "否",
              r.done.day if r.done else None, r.done.title if r.done else "") for r in shown),
            action="nanhu.export", entity="members", query={"year": str(y), "group": group, "missing": missing})
    from core.web.listing import paginate_list

    result = paginate_list(shown if _names_shown(ctx) else [], page)
    return render("nanhu:Integrity", ctx=ctx, year=y, group=group, missing=missing, summary=summary,
                  groups=svc.INTEGRITY_GROUPS, result=result, names=_names_shown(ctx))


# --- NH-4 党务公开 / 企务公开 ----------------------------------------------------------------------------

DISCLOSURE_KEYS = ("organization_id", "kind", "channel", "disclosed_on", "title", "content")


def _disclosures_page(ctx: Ctx, db: Session, kind: str = "", channel: str = "", q: str = "", page: int = 1,
                      form=None, errors=None) -> Response:
    stmt = _disclosure_select(kind, channel, q)
    result = paginate(db, stmt, page)
    return render("nanhu:Disclosures", ctx=ctx, result=result, kind=kind, channel=channel, q=q,
                  kinds=svc.DISCLOSURE_KINDS, channels=svc.DISCLOSURE_CHANNELS,
                  names=_names(db, [r.organization_id for r in result.items]),
                  orgs=_org_options(db) if ctx.can("nanhu:write") else [], form=form or {}, errors=errors or {})


def _disclosure_select(kind: str, channel: str, q: str):
    stmt = select(Disclosure).join(Organization, Organization.id == Disclosure.organization_id)
    if kind in svc.DISCLOSURE_KINDS:
        stmt = stmt.where(Disclosure.kind == kind)
    if channel in svc.DISCLOSURE_CHANNELS:
        stmt = stmt.where(Disclosure.channel == channel)
    if q.strip():
        stmt = stmt.where(search.matches(q.strip()[:100], Organization.name, Disclosure.title))
    return stmt.order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc())


@get("/disclosures", opt=READ, **PAGE)
def disclosures(ctx: Ctx, db: Session, kind: str = "", channel: str = "", q: str = "", page: int = 1,
                format: str = "") -> Response:
    if format == "xlsx":
        rows = db.scalars(_disclosure_select(kind, channel, q)).all()
        names = _names(db, [r.organization_id for r in rows])
        return xlsx_export(
            db, "党务企务公开", ("两新组织", "类别", "载体", "公开日期", "公开事项", "内容"),
            ((names.get(r.organization_id, ""), svc.DISCLOSURE_KINDS.get(r.kind, r.kind),
              svc.DISCLOSURE_CHANNELS.get(r.channel, r.channel), r.disclosed_on, r.title, r.content) for r in rows),
            action="nanhu.export", entity="nanhu_disclosures", query={"kind": kind, "channel": channel, "q": q})
    return _disclosures_page(ctx, db, kind, channel, q, page)


@post("/disclosures", opt=WRITE, **PAGE)
def disclosure_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, DISCLOSURE_KEYS)
    save(db, lambda: svc.add_disclosure(db, form, clock.today()),
         rerender=lambda errors: _disclosures_page(ctx, db, form=form, errors=errors))
    flash(request, "已登记公开记录")
    return redirect(ctx.url("nanhu/disclosures"))


# --- NH-3 结果运用 -----------------------------------------------------------------------------------

RESULT_KEYS = ("organization_id", "year", "use_kind", "grade", "outcome", "department", "note")


def _results_select(year: str, use_kind: str):
    stmt = select(ResultUse).order_by(ResultUse.year.desc(), ResultUse.id.desc())
    if year.isdigit() and 1900 <= int(year) <= 2200:
        stmt = stmt.where(ResultUse.year == int(year))
    if use_kind in svc.USE_KINDS:
        stmt = stmt.where(ResultUse.use_kind == use_kind)
    return stmt


def _results_page(ctx: Ctx, db: Session, year: str = "", use_kind: str = "", page: int = 1, form=None,
                  errors=None) -> Response:
    result = paginate(db, _results_select(year, use_kind), page)
    return render("nanhu:Results", ctx=ctx, result=result, year=year, use_kind=use_kind, uses=svc.USE_KINDS,
                  outcomes=svc.USE_OUTCOMES, names=_names(db, [r.organization_id for r in result.items]),
                  orgs=_org_options(db) if ctx.can("nanhu:write") else [], form=form or {}, errors=errors or {},
                  this_year=clock.today().year)


@get("/results", opt=RESULTS, **PAGE)
def results(ctx: Ctx, db: Session, year: str = "", use_kind: str = "", page: int = 1, format: str = "") -> Response:
    if format == "xlsx":
        rows = db.scalars(_results_select(year, use_kind)).all()
        names = _names(db, [r.organization_id for r in rows])
        return xlsx_export(
            db, "党建考核结果运用", ("两新组织", "考核年度", "运用事项", "考核等次", "运用结果", "办理部门", "说明"),
            ((names.get(r.organization_id, ""), r.year, svc.USE_KINDS.get(r.use_kind, r.use_kind), r.grade,
              svc.USE_OUTCOMES.get(r.outcome, r.outcome), r.department, r.note) for r in rows),
            action="nanhu.export", entity="nanhu_result_uses", query={"year": year, "use_kind": use_kind})
    return _results_page(ctx, db, year, use_kind, page)


@post("/results", opt=WRITE, **PAGE)
def result_add(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data, RESULT_KEYS)
    save(db, lambda: svc.save_result_use(db, form, clock.today()),
         rerender=lambda errors: _results_page(ctx, db, form=form, errors=errors))
    flash(request, "已记录考核结果运用")
    return redirect(ctx.url("nanhu/results"))


# --- API -------------------------------------------------------------------------------------------


@dataclass
class FigureOut:
    key: str
    label: str
    actual: float | None
    target: float | None
    unit: str
    met: bool | None
    gap: float | None


@dataclass
class TargetsOut:
    tenant: str
    figures: list[FigureOut]
    streets: dict[str, list[FigureOut]]


def _figure_out(f: svc.Figure) -> FigureOut:
    return FigureOut(f.key, f.label, None if f.actual is None else float(f.actual),
                     None if f.target is None else float(f.target), f.unit, f.met, None if f.gap is None else float(f.gap))


@get("/targets", opt=READ, **API)
def api_targets(ctx: Ctx) -> TargetsOut:
    """This year's 强基 and 赋能 targets against actuals (the indicators block: the seed figures as the
    district's default targets) over the tenant's subtree, and the 强基 figures of each street."""
    total, rows = board.targets(ctx, clock.today())
    return TargetsOut(ctx.tenant.slug, [_figure_out(f) for f in total.values()],
                      {r.tenant.slug: [_figure_out(f) for f in r.figures] for r in rows})


@dataclass
class TalentOut:
    id: int
    organization_id: int
    person_name: str
    headcount: int
    category: str
    method: str
    position: str
    recruited_on: dt.date
    note: str

    @classmethod
    def of(cls, t: Talent) -> TalentOut:
        return cls(t.id, t.organization_id, t.person_name, t.headcount, t.category, t.method, t.position,
                   t.recruited_on, t.note)


@dataclass
class TalentsOut:
    total_people: int
    items: list[TalentOut]
    total: int
    page: int


@get("/talents", opt=READ, **API)
def api_talents(db: Session, q: str = "", category: str = "", method: str = "", year: str = "", org: str = "",
                page: int = 1) -> TalentsOut:
    """The talent ledger (filters as on the page; 50 a page) and the people it counts."""
    f = _talent_filter(q, category, method, year, org)
    stmt = svc.talent_select(f)
    result = paginate(db, stmt, page, 50)
    return TalentsOut(svc.talent_totals(db, stmt).people, [TalentOut.of(t) for t in result.items], result.total,
                      result.page)


@post("/talents", opt=WRITE, status_code=201, **API)
def api_talent_add(db: Session, data: dict[str, Any]) -> TalentOut:
    """``organization_id``, ``person_name`` (or none and ``headcount``), ``category``
    (scarce/tight/needed), ``method`` (market/campus/nationwide/affection/enclave), ``position``,
    ``recruited_on`` (ISO date), ``note``."""
    t = save(db, lambda: svc.add_talent(db, _json(data), clock.today()))
    return TalentOut.of(t)


@dataclass
class ThemeDayOut:
    party_org_id: int
    party_org: str
    month: str
    lesson_done: bool
    film_done: bool
    practice_done: bool
    complete: bool


@get("/theme-days", opt=READ, **API)
def api_theme_days(db: Session, month: str = "") -> list[ThemeDayOut]:
    """The 一月一课一片一实践 check of every party branch for ``month`` (``2026-03``; default this month)."""
    m = svc.month_of(month)
    return [ThemeDayOut(po.id, po.name, f"{m:%Y-%m}", bool(c and c.lesson_done), bool(c and c.film_done),
                        bool(c and c.practice_done), svc.is_complete(c)) for po, c in svc.theme_rows(db, m)]


@post("/theme-days", opt=WRITE, status_code=200, **API)
def api_theme_day_save(ctx: Ctx, db: Session, data: dict[str, Any]) -> ThemeDayOut:
    """``party_org_id``, ``month`` (``2026-03``), ``lesson_done``/``film_done``/``practice_done``
    (booleans) with ``lesson_topic``/``film_title``/``practice_note`` for each part done."""
    row = save(db, lambda: svc.save_theme_day(db, _json(data), ctx.user.id, clock.today()))
    po = db.get(PartyOrg, row.party_org_id)
    return ThemeDayOut(po.id, po.name, f"{row.month:%Y-%m}", row.lesson_done, row.film_done, row.practice_done,
                       svc.is_complete(row))


@dataclass
class ResultUseOut:
    id: int
    organization_id: int
    year: int
    use_kind: str
    grade: str
    outcome: str
    department: str
    note: str


@get("/results", opt=RESULTS, **API)
def api_results(db: Session, year: str = "", use_kind: str = "", page: int = 1) -> list[ResultUseOut]:
    """Results of the party-building assessment linked to 证照年审 / 争资争项 / 行业评优 (50 a page)."""
    result = paginate(db, _results_select(year, use_kind), page, 50)
    return [ResultUseOut(r.id, r.organization_id, r.year, r.use_kind, r.grade, r.outcome, r.department, r.note)
            for r in result.items]


@dataclass
class AllianceOut:
    id: int
    name: str
    chain: str
    members: int
    open: int
    solved: int


@get("/alliances", opt=READ, **API)
def api_alliances(ctx: Ctx, db: Session) -> list[AllianceOut]:
    """联盟汇总: each "1+4" industry-chain alliance with its members and its organizations' orders
    (企业点单) still being handled and solved — for an alliance's liaison only the alliances they
    lead; empty when the tenant does not run the lists."""
    from core.plugins import registry

    if "lists" not in registry().enabled(ctx.tenant.id):
        return []
    from plugins.lists import api as lists

    return [AllianceOut(a["cluster"].id, a["cluster"].name, a["chain"], a["members"], a["open"], a["solved"])
            for a in board.alliance_rows(db, clock.today(), lists, led_by=board.liaison_of(ctx))]


PAGE_ROUTES = [dashboard, cobuild_annual, integrity, talents, talent_add, theme_days, theme_day_save, disclosures, disclosure_add, results, result_add]
API_ROUTES = [api_targets, api_alliances, api_talents, api_talent_add, api_theme_days, api_theme_day_save, api_results]
