"""Pages under /t/<slug>/indicators and the JSON API under /api/t/<slug>/indicators (thin: rules in
:mod:`plugins.indicators.service`).

Figures are read through ``ctx.read_rollup_session("indicators:read")`` over ``ctx.subtree()``: a
district's actuals cover its streets, explicitly and permission-checked. Writes (targets, entered
actuals) go to the tenant's own session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history, periods
from core.forms import FormErrors, text
from core.registry.web import paging
from core.tenancy import tree
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.render import flash, redirect, render
from plugins.indicators import service as svc
from plugins.indicators.models import IndicatorActual, IndicatorTarget
from plugins.indicators.types import DIRECTIONS, ROLLUPS, Figure

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "indicators:read"}
WRITE = {"permission": "indicators:write"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["indicators"]}


class View:
    kinds, target_sources, actual_sources, statuses = periods.KINDS, svc.TARGET_SOURCES, svc.ACTUAL_SOURCES, svc.STATUS
    directions, rollups = DIRECTIONS, ROLLUPS
    fmt = staticmethod(svc.fmt)
    status_of = staticmethod(svc.status_of)


def _period(period_kind: str, period: str, errors: dict[str, str]) -> periods.Period:
    """The period of a query (the current one of the kind when none or a bad one is given)."""
    kind = period_kind if period_kind in periods.KINDS else "year"
    if period_kind and period_kind not in periods.KINDS:
        errors["period_kind"] = "周期类型：请选择周、月度、季度、半年或年度"
    if period:
        try:
            return periods.parse(kind, period)
        except ValueError:
            errors["period"] = f"期间：不是有效的{periods.KINDS[kind]}期间（如 {periods.key_of(kind, clock.today())}）"
    return periods.containing(kind, clock.today())


def _status(status: str, errors: dict[str, str]) -> str:
    if status and status not in svc.STATUS:
        errors["status"] = "状态：请选择已达标、未达标或无目标或无实绩"
        return ""
    return status


def _figures(ctx: Ctx, period: periods.Period, q: str, status: str) -> list[Figure]:
    with ctx.read_rollup_session("indicators:read") as rs:
        return svc.table(rs, ctx.tenant, ctx.subtree(), period.kind, period.key, q, status)[1]


# --- pages ---------------------------------------------------------------------------------------


def _home(ctx: Ctx, query: dict[str, str], form: dict | None = None, errors: dict | None = None,
          code: int = 200) -> Response:
    bad: dict[str, str] = {}  # filters that are not one: shown as warnings, the defaults used
    period = _period(query["period_kind"], query["period"], bad)
    status = _status(query["status"], bad)
    paging.warn(ctx, bad)
    figures = _figures(ctx, period, query["q"], status)
    inds = svc.indicators_for(ctx.tenant)
    has_children = any(not c.archived for c in tree().children.get(ctx.tenant.id, []))
    default = {"period_kind": period.kind, "period": period.key}
    return render("indicators:Home", status_code=code, ctx=ctx, v=View,
                  figures=figures, period=period, query=query, errors=errors or {},
                  form=form or default, indicators=inds, entered={k: i for k, i in inds.items() if not i.computed},
                  has_children=has_children)


def _query(period_kind: str, period: str, q: str, status: str) -> dict[str, str]:
    return {"period_kind": period_kind, "period": period, "q": q, "status": status}


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, period_kind: str = "", period: str = "", q: str = "", status: str = "") -> Response:
    return _home(ctx, _query(period_kind, period, q, status))


@get("/export", opt=READ, **PAGE)
def home_export(ctx: Ctx, db: Session, period_kind: str = "", period: str = "", q: str = "",
                status: str = "") -> Response:
    errors: dict[str, str] = {}
    p = _period(period_kind, period, errors)
    st = _status(status, errors)
    if errors:
        raise FormErrors(errors)
    rows = svc.export_rows(_figures(ctx, p, q, st))
    return xlsx_export(db, f"目标与实绩-{p.key}", svc.EXPORT_HEADERS, rows, action="indicators.export",
                       entity="indicators_targets", query={"period_kind": p.kind, "period": p.key, "q": q,
                                                           "status": st})


def _raw(data: dict[str, Any]) -> dict[str, str]:
    return {k: text(data, k) for k in data}


@post("/targets", opt=WRITE, **PAGE)
def target_set(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data)
    row = save(db, lambda: svc.set_target(db, ctx.tenant, raw),
               rerender=lambda errors: _home(ctx, _query(raw.get("period_kind", ""), "", "", ""),
                                             form={**raw, "which": "target"}, errors=errors, code=422))
    flash(request, f"已设定「{row.indicator_label}」{periods.label(row.period_kind, row.period)}目标")
    return redirect(ctx.url(f"indicators?period_kind={row.period_kind}&period={row.period}"))


@post("/targets/{target_id:int}/delete", opt=WRITE, **PAGE)
def target_delete(ctx: Ctx, db: Session, request: Request, target_id: int) -> Response:
    row = svc.get_target(db, target_id)
    kind, key = row.period_kind, row.period
    save(db, lambda: svc.delete_target(db, row))
    flash(request, "已删除本级目标，方案有默认目标时按默认目标计算")
    return redirect(ctx.url(f"indicators?period_kind={kind}&period={key}"))


@post("/actuals", opt=WRITE, **PAGE)
def actual_enter(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data)
    row = save(db, lambda: svc.enter_actual(db, ctx.tenant, raw, clock.today(), ctx.user.username),
               rerender=lambda errors: _home(ctx, _query(raw.get("period_kind", ""), "", "", ""),
                                             form={**raw, "which": "actual"}, errors=errors, code=422))
    flash(request, f"已填报「{row.indicator_label}」{periods.label(row.period_kind, row.period)}实绩")
    return redirect(ctx.url(f"indicators?period_kind={row.period_kind}&period={row.period}"))


@post("/actuals/{actual_id:int}/delete", opt=WRITE, **PAGE)
def actual_delete(ctx: Ctx, db: Session, request: Request, actual_id: int) -> Response:
    row = svc.get_actual(db, actual_id)
    kind, key = row.period_kind, row.period
    save(db, lambda: svc.delete_actual(db, row))
    flash(request, "已删除填报的实绩")
    return redirect(ctx.url(f"indicators?period_kind={kind}&period={key}"))


def _detail_data(ctx: Ctx, indicator: str, period_kind: str, period: str):
    ind = svc.get_indicator(ctx.tenant, indicator)
    errors: dict[str, str] = {}
    p = _period(period_kind or ind.period_kind, period, errors)
    with ctx.read_rollup_session("indicators:read") as rs:
        total, rows = svc.rollup(rs, ctx.tenant, ctx.subtree(), ind, p)
    return ind, p, total, rows, errors


@get("/detail", opt=READ, **PAGE)
def detail(ctx: Ctx, db: Session, indicator: str = "", period_kind: str = "", period: str = "") -> Response:
    if not indicator:
        return redirect(ctx.url("indicators"))
    ind, p, total, rows, bad = _detail_data(ctx, indicator, period_kind, period)
    paging.warn(ctx, bad)
    ids = {"indicators_targets": list(db.scalars(select(IndicatorTarget.id).where(IndicatorTarget.indicator == ind.key))),
           "indicators_actuals": list(db.scalars(select(IndicatorActual.id).where(IndicatorActual.indicator == ind.key)))}
    return render("indicators:Detail", ctx=ctx, v=View, ind=ind, period=p, total=total, rows=rows,
                  history=history.of(db, ids, ctx.tenant.id))


@get("/detail/export", opt=READ, **PAGE)
def detail_export(ctx: Ctx, db: Session, indicator: str = "", period_kind: str = "", period: str = "") -> Response:
    if not indicator:
        return redirect(ctx.url("indicators"))
    ind, p, total, rows, errors = _detail_data(ctx, indicator, period_kind, period)
    if errors:
        raise FormErrors(errors)
    out = [[r.tenant.name, *svc.export_rows([r.figure])[0][2:]] for r in rows]
    out.append([f"{ctx.tenant.name}（合计）", *svc.export_rows([total])[0][2:]])
    return xlsx_export(db, f"{ind.label}-{p.key}"[:60], ["单位", *svc.EXPORT_HEADERS[2:]], out,
                       action="indicators.export", entity="indicators_targets",
                       query={"indicator": ind.key, "period_kind": p.kind, "period": p.key})


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class IndicatorOut:
    key: str
    label: str
    unit: str
    computed: bool
    period_kind: str
    default_target: Decimal | None
    default_levels: list[str]
    direction: str
    rollup: str
    group: str
    description: str


@dataclass
class FigureOut:
    indicator: str
    label: str
    unit: str
    tenant_id: int
    period_kind: str
    period: str
    period_label: str
    target: Decimal | None
    target_source: str
    actual: Decimal | None
    actual_source: str
    evidence: str
    gap: Decimal | None
    attainment: Decimal | None
    met: bool | None

    @classmethod
    def of(cls, f: Figure) -> FigureOut:
        i = f.indicator
        return cls(i.key, i.label, i.unit, f.tenant_id, f.period.kind, f.period.key, f.period.label, f.target,
                   f.target_source, f.actual, f.actual_source, f.evidence, f.gap, f.attainment, f.met)


@dataclass
class RollupRowOut:
    tenant_id: int
    tenant: str
    figure: FigureOut


@dataclass
class RollupOut:
    total: FigureOut
    children: list[RollupRowOut]


@dataclass
class TargetOut:
    id: int
    indicator: str
    period_kind: str
    period: str
    value: Decimal
    note: str


@dataclass
class ActualOut:
    id: int
    indicator: str
    period_kind: str
    period: str
    value: Decimal
    evidence: str
    entered_on: dt.date
    entered_by: str


@get("/indicators", opt=READ, **API)
def api_indicators(ctx: Ctx) -> list[IndicatorOut]:
    """The tenant's indicators: how each actual is obtained and the program's default target."""
    return [IndicatorOut(i.key, i.label, i.unit, i.computed, i.period_kind, i.default_for(ctx.tenant.level),
                         list(i.default_levels), i.direction, i.rollup, i.group, i.description)
            for i in svc.indicators_for(ctx.tenant).values()]


@get("/figures", opt=READ, **API)
def api_figures(ctx: Ctx, period_kind: str = "year", period: str = "", q: str = "", status: str = ""
                ) -> list[FigureOut]:
    """Target, actual, gap and attainment of every indicator for the tenant's subtree in one period
    (default: the current one of ``period_kind``); ``status``: ``met`` | ``short`` | ``none``."""
    errors: dict[str, str] = {}
    p = _period(period_kind, period, errors)
    st = _status(status, errors)
    if errors:
        raise FormErrors(errors)
    return [FigureOut.of(f) for f in _figures(ctx, p, q, st)]


@get("/rollup", opt=READ, **API)
def api_rollup(ctx: Ctx, indicator: str, period_kind: str = "", period: str = "") -> RollupOut:
    """One indicator for the tenant's subtree and for each child (its own subtree)."""
    _ind, _p, total, rows, errors = _detail_data(ctx, indicator, period_kind, period)
    if errors:
        raise FormErrors(errors)
    return RollupOut(FigureOut.of(total), [RollupRowOut(r.tenant.id, r.tenant.name, FigureOut.of(r.figure))
                                           for r in rows])


@post("/targets", opt=WRITE, **API)
def api_target_set(ctx: Ctx, db: Session, data: dict[str, Any]) -> TargetOut:
    """Set (or replace) a target: ``indicator``, ``period_kind``, ``period``, ``value``, ``note``."""
    row = save(db, lambda: svc.set_target(db, ctx.tenant, data))
    return TargetOut(row.id, row.indicator, row.period_kind, row.period, row.value, row.note)


@delete("/targets/{target_id:int}", opt=WRITE, status_code=200, **API)
def api_target_delete(db: Session, target_id: int) -> dict[str, bool]:
    row = svc.get_target(db, target_id)
    save(db, lambda: svc.delete_target(db, row))
    return {"deleted": True}


@post("/actuals", opt=WRITE, **API)
def api_actual_enter(ctx: Ctx, db: Session, data: dict[str, Any]) -> ActualOut:
    """Enter (or replace) an actual of an entered indicator: ``indicator``, ``period_kind``,
    ``period``, ``value``, ``evidence`` (required)."""
    row = save(db, lambda: svc.enter_actual(db, ctx.tenant, data, clock.today(), ctx.user.username))
    return ActualOut(row.id, row.indicator, row.period_kind, row.period, row.value, row.evidence, row.entered_on,
                     row.entered_by)


@delete("/actuals/{actual_id:int}", opt=WRITE, status_code=200, **API)
def api_actual_delete(db: Session, actual_id: int) -> dict[str, bool]:
    row = svc.get_actual(db, actual_id)
    save(db, lambda: svc.delete_actual(db, row))
    return {"deleted": True}


PAGE_ROUTES = [home, home_export, target_set, target_delete, actual_enter, actual_delete, detail, detail_export]
API_ROUTES = [api_indicators, api_figures, api_rollup, api_target_set, api_target_delete, api_actual_enter,
              api_actual_delete]
