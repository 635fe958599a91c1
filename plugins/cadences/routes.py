"""Pages under /t/<slug>/cadences and the JSON API under /api/t/<slug>/cadences (thin: rules in
:mod:`plugins.cadences.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history, periods
from core.forms import FormErrors, text
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.render import flash, redirect, render
from plugins.cadences import service as svc
from plugins.cadences.models import Occurrence, Recurrence

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "cadences:read"}
WRITE = {"permission": "cadences:write"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["cadences"]}
#: the engine permission needed to set up a recurrence of a kind (it creates that engine's rows)
ENGINE_WRITE = {"assessment_round": "assessment:write", "campaign": "campaigns:write"}


class View:
    kinds, owners, every, period_kinds = svc.KINDS, svc.OWNERS, periods.EVERY, periods.KINDS
    label = staticmethod(periods.label)

    def __init__(self, today: dt.date):
        self.today = today

    def next_due(self, rec: Recurrence) -> str:
        p, day = svc.next_due(rec, self.today)
        return f"{p.label}（{day.isoformat()}）"


def _check_engine(ctx: Ctx, raw: dict[str, Any]) -> None:
    need = ENGINE_WRITE.get(text(raw, "kind"))
    if need and not ctx.can(need):
        raise FormErrors({"kind": f"您没有「{svc.KINDS[text(raw, 'kind')]}」的编辑权限，不能为其设置周期安排"})


def _list(ctx: Ctx, db: Session, q: str = "", kind: str = "", form: dict | None = None,
          errors: dict | None = None, code: int = 200) -> Response:
    stmt = select(Recurrence).order_by(Recurrence.active.desc(), Recurrence.id.desc())
    if kind in svc.KINDS:
        stmt = stmt.where(Recurrence.kind == kind)
    rows = [r for r in db.scalars(stmt) if not q or q in r.title or q in r.template_label]
    options = {k: svc.template_options(db, ctx.tenant, k) for k in svc.kinds_for(ctx.tenant)}
    return render("cadences:Home", status_code=code, ctx=ctx, v=View(clock.today()), rows=rows,
                  query={"q": q, "kind": kind}, options=options, form=form or {"offset_days": "0", "owners": "self"},
                  errors=errors or {}, has_children=bool(svc.children_of(ctx.tenant)))


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", kind: str = "") -> Response:
    return _list(ctx, db, q.strip()[:100], kind)


@get("/export", opt=READ, **PAGE)
def home_export(db: Session, kind: str = "") -> Response:
    view = View(clock.today())
    stmt = select(Recurrence).order_by(Recurrence.id)
    if kind in svc.KINDS:
        stmt = stmt.where(Recurrence.kind == kind)
    rows = [[r.title, svc.KINDS.get(r.kind, r.kind), r.template_label, periods.EVERY.get(r.period_kind, ""),
             periods.label(r.period_kind, r.start_period), r.offset_days, svc.OWNERS.get(r.owners, ""),
             "是" if r.active else "否", view.next_due(r) if r.active else ""] for r in db.scalars(stmt)]
    return xlsx_export(db, "周期安排", ["名称", "类型", "模板", "周期", "起始期间", "期间开始后第几天创建", "任务分配给",
                                    "启用", "下次创建"], rows, action="cadences.export", entity="cadences_recurrences",
                       query={"kind": kind})


@post("/", opt=WRITE, **PAGE)
def create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = {k: text(data, k) for k in data}

    def write() -> Recurrence:
        _check_engine(ctx, raw)
        return svc.create(db, ctx.tenant, raw, clock.today())

    rec = save(db, write, rerender=lambda errors: _list(ctx, db, form=raw, errors=errors, code=422))
    flash(request, f"已设置周期安排「{rec.title}」，到期时自动创建")
    return redirect(ctx.url(f"cadences/{rec.id}"))


@get("/{recurrence_id:int}", opt=READ, **PAGE)
def detail(ctx: Ctx, db: Session, recurrence_id: int) -> Response:
    rec = svc.get(db, recurrence_id)
    occ = svc.occurrences_of(db, rec)
    return render("cadences:Detail", ctx=ctx, v=View(clock.today()), rec=rec, occurrences=occ,
                  due=svc.due_periods(rec, clock.today()),
                  history=history.of(db, {"cadences_recurrences": [rec.id], "cadences_occurrences": [o.id for o in occ]},
                                     ctx.tenant.id))


@post("/{recurrence_id:int}/active", opt=WRITE, **PAGE)
def toggle(ctx: Ctx, db: Session, request: Request, recurrence_id: int, data: Form) -> Response:
    rec = svc.get(db, recurrence_id)
    active = text(data, "active") in ("1", "true", "on")
    save(db, lambda: svc.set_active(db, rec, active))
    flash(request, "已启用" if active else "已停用，不再自动创建")
    return redirect(ctx.url(f"cadences/{recurrence_id}"))


@post("/{recurrence_id:int}/run", opt=WRITE, **PAGE)
def run_now(ctx: Ctx, db: Session, request: Request, recurrence_id: int) -> Response:
    rec = svc.get(db, recurrence_id)
    _check_engine(ctx, {"kind": rec.kind})
    result = save(db, lambda: svc.run_due(db, ctx.tenant, clock.today(), rec.id))
    msg = f"新建 {len(result.created)} 项" if result.created else "没有到期未建的期间"
    if result.failed:
        msg += "；未能创建：" + "；".join(f"{k}（{v}）" for k, v in result.failed.items())
    flash(request, msg)
    return redirect(ctx.url(f"cadences/{recurrence_id}"))


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class RecurrenceOut:
    id: int
    kind: str
    title: str
    template_key: str
    template_label: str
    period_kind: str
    start_period: str
    offset_days: int
    owners: str
    auto_open: bool
    active: bool
    next_period: str
    next_on: dt.date

    @classmethod
    def of(cls, r: Recurrence) -> RecurrenceOut:
        p, day = svc.next_due(r, clock.today())
        return cls(r.id, r.kind, r.title, r.template_key, r.template_label, r.period_kind, r.start_period,
                   r.offset_days, r.owners, r.auto_open, r.active, p.key, day)


@dataclass
class OccurrenceOut:
    id: int
    period: str
    created_on: dt.date
    ref_kind: str
    ref_id: int | None
    ref_title: str


@dataclass
class RunOut:
    created: list[OccurrenceOut]
    failed: dict[str, str]


def _occ(o: Occurrence) -> OccurrenceOut:
    return OccurrenceOut(o.id, o.period, o.created_on, o.ref_kind, o.ref_id, o.ref_title)


@get("/recurrences", opt=READ, **API)
def api_list(db: Session) -> list[RecurrenceOut]:
    return [RecurrenceOut.of(r) for r in db.scalars(select(Recurrence).order_by(Recurrence.id))]


@post("/recurrences", opt=WRITE, **API)
def api_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> RecurrenceOut:
    """Set up a recurrence: ``kind`` (``assessment_round`` | ``campaign``), ``template_key``,
    ``title``, ``period_kind`` (campaigns; an assessment template fixes it), ``start_period``,
    ``offset_days`` (−31 … 92), ``owners`` (``self`` | ``children``, campaigns), ``auto_open``."""

    def write() -> Recurrence:
        _check_engine(ctx, data)
        return svc.create(db, ctx.tenant, data, clock.today())

    return RecurrenceOut.of(save(db, write))


@get("/recurrences/{recurrence_id:int}/occurrences", opt=READ, **API)
def api_occurrences(db: Session, recurrence_id: int) -> list[OccurrenceOut]:
    return [_occ(o) for o in svc.occurrences_of(db, svc.get(db, recurrence_id))]


@post("/recurrences/{recurrence_id:int}/run", opt=WRITE, **API)
def api_run(ctx: Ctx, db: Session, recurrence_id: int) -> RunOut:
    """Create what is due now (what the daily job does); nothing twice."""
    rec = svc.get(db, recurrence_id)
    _check_engine(ctx, {"kind": rec.kind})
    result = save(db, lambda: svc.run_due(db, ctx.tenant, clock.today(), rec.id))
    return RunOut([_occ(o) for o in result.created], result.failed)


PAGE_ROUTES = [home, home_export, create, detail, toggle, run_now]
API_ROUTES = [api_list, api_create, api_occurrences, api_run]
