"""Pages under /t/<slug>/funds and the JSON API under /api/t/<slug>/funds (thin: rules in
:mod:`plugins.funds.service`). Amounts go in as yuan text ("12.50") and come out as fen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history
from core.plugins import registry
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import redirect, render
from plugins.funds import service as svc
from plugins.funds.models import BudgetLine, Disbursement

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "funds:read"}
WRITE = {"permission": "funds:write"}
APPROVE = {"permission": "funds:approve"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["funds"]}


class View:
    categories, target_kinds, statuses = svc.CATEGORIES, svc.TARGET_KINDS, svc.STATUSES

    @staticmethod
    def yuan(fen: int | None) -> str:
        return svc.yuan(fen)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _raw(data: dict[str, Any]) -> dict[str, str]:
    return {k: svc.text(data, k) for k in data}


def _separate(ctx: Ctx) -> bool:
    return bool(registry().settings(ctx.tenant.id, "funds").separate_approval)


# --- budget lines ------------------------------------------------------------------------------


def _home(ctx: Ctx, db: Session, query: dict[str, str], page: int = 1, form: dict | None = None,
          errors: dict | None = None, code: int = 200) -> Response:
    stmt = svc.line_select(query["q"], _int(query["year"]), query["category"], query["target_kind"])
    result = paginate(db, stmt, page)
    remaining = {ln.id: svc.remaining_fen(db, ln) for ln in result.items}
    return render("funds:Home", status_code=code, ctx=ctx, v=View, result=result, remaining=remaining, query=query,
                  form=form or {"year": str(clock.today().year), "target_kind": "tenant"}, errors=errors or {},
                  clusters=svc.target_options(db, "cluster"), party_orgs=svc.target_options(db, "party_org"))


def _q(q: str, year: str, category: str, target_kind: str) -> dict[str, str]:
    return {"q": q, "year": year, "category": category, "target_kind": target_kind}


@get("/", opt=READ, **PAGE)
def home(ctx: Ctx, db: Session, q: str = "", year: str = "", category: str = "", target_kind: str = "",
         page: int = 1) -> Response:
    return _home(ctx, db, _q(q, year, category, target_kind), page)


@get("/export", opt=READ, **PAGE)
def home_export(db: Session, q: str = "", year: str = "", category: str = "", target_kind: str = "") -> Response:
    rows = [[ln.year, svc.TARGET_KINDS.get(ln.target_kind), ln.target_name, svc.CATEGORIES.get(ln.category),
             ln.title, svc.Decimal(ln.amount_fen) / 100, svc.Decimal(svc.remaining_fen(db, ln)) / 100, ln.note]
            for ln in db.scalars(svc.line_select(q, _int(year), category, target_kind))]
    return xlsx_export(db, "经费预算", ["年度", "对象类型", "对象", "类别", "名称", "预算（元）", "余额（元）", "备注"],
                       rows, action="funds.export", entity="funds_lines")


@post("/", opt=WRITE, **PAGE)
def line_create(ctx: Ctx, db: Session, data: Form) -> Response:
    raw = _raw(data)
    line = save(db, lambda: svc.create_line(db, ctx.tenant, raw),
                rerender=lambda errors: _home(ctx, db, _q("", "", "", ""), form=raw, errors=errors))
    return redirect(ctx.url(f"funds/lines/{line.id}"))


def _line_page(ctx: Ctx, db: Session, line_id: int, form: dict | None = None, errors: dict | None = None,
               code: int = 200) -> Response:
    line = svc.get_line(db, line_id)
    items = svc.disbursements_of(db, line)
    return render("funds:LineDetail", status_code=code, ctx=ctx, v=View, line=line, items=items,
                  remaining=svc.remaining_fen(db, line), form=form or {}, errors=errors or {},
                  actions={d.id: svc.allowed_actions(d) for d in items},
                  history=history.of(db, {"funds_lines": [line.id], "funds_disbursements": [d.id for d in items]},
                                     ctx.tenant.id))


@get("/lines/{line_id:int}", opt=READ, **PAGE)
def line_detail(ctx: Ctx, db: Session, line_id: int) -> Response:
    return _line_page(ctx, db, line_id)


@post("/lines/{line_id:int}/amount", opt=WRITE, **PAGE)
def line_amount(ctx: Ctx, db: Session, line_id: int, data: Form) -> Response:
    raw = _raw(data)
    save(db, lambda: svc.update_line_amount(db, svc.get_line(db, line_id), raw),
         rerender=lambda errors: _line_page(ctx, db, line_id, raw, errors))
    return redirect(ctx.url(f"funds/lines/{line_id}"))


@post("/lines/{line_id:int}/disburse", opt=WRITE, **PAGE)
def disburse(ctx: Ctx, db: Session, line_id: int, data: Form) -> Response:
    raw = _raw(data)
    save(db, lambda: svc.request_disbursement(db, svc.get_line(db, line_id), raw, clock.today(),
                                              ctx.user.username),
         rerender=lambda errors: _line_page(ctx, db, line_id, raw, errors))
    return redirect(ctx.url(f"funds/lines/{line_id}"))


@post("/disbursements/{disbursement_id:int}/{action:str}", opt=APPROVE, **PAGE)
def decide(ctx: Ctx, db: Session, disbursement_id: int, action: str, data: Form) -> Response:
    d = svc.get_disbursement(db, disbursement_id)
    raw = _raw(data)
    save(db, lambda: svc.decide(db, d, action, raw, clock.today(), ctx.user.username,
                                separate_approval=_separate(ctx)),
         rerender=lambda errors: _line_page(ctx, db, d.line_id, raw, errors))
    return redirect(ctx.url(f"funds/lines/{d.line_id}"))


@get("/disbursements", opt=READ, **PAGE)
def disbursements(ctx: Ctx, db: Session, q: str = "", status: str = "", year: str = "", page: int = 1) -> Response:
    result = paginate(db, svc.disbursement_select(q, status, _int(year)), page)
    return render("funds:DisbursementList", ctx=ctx, v=View, result=result,
                  lines=svc.lines_by_id(db, [d.line_id for d in result.items]),
                  query={"q": q, "status": status, "year": year})


@get("/disbursements/export", opt=READ, **PAGE)
def disbursements_export(db: Session, q: str = "", status: str = "", year: str = "") -> Response:
    items = list(db.scalars(svc.disbursement_select(q, status, _int(year))))
    lines = svc.lines_by_id(db, [d.line_id for d in items])
    rows = [[lines[d.line_id].year, lines[d.line_id].target_name, svc.CATEGORIES.get(lines[d.line_id].category),
             lines[d.line_id].title, d.purpose, d.payee, svc.Decimal(d.amount_fen) / 100, svc.STATUSES[d.status],
             d.requested_on, d.requested_by, d.decided_on or "", d.decided_by, d.paid_on or "", d.reject_reason]
            for d in items]
    return xlsx_export(db, "经费拨付", ["年度", "对象", "类别", "预算", "用途", "收款方", "金额（元）", "状态", "申请日期",
                                     "申请人", "审批日期", "审批人", "拨付日期", "驳回原因"], rows,
                       action="funds.export", entity="funds_disbursements")


@get("/ledger", opt=READ, **PAGE)
def ledger(ctx: Ctx, db: Session, year: str = "", target_kind: str = "", q: str = "") -> Response:
    rows = svc.ledger(db, _int(year), target_kind, q)
    return render("funds:Ledger", ctx=ctx, v=View, rows=rows, query={"year": year, "target_kind": target_kind, "q": q},
                  rules=svc.rules_for(ctx.tenant))


def _target_ledger(ctx: Ctx, db: Session, kind: str, id: str, year: str) -> svc.TargetLedger:
    target_id = _int(id)
    tl = svc.target_ledger(db, ctx.tenant, kind, target_id if kind != "tenant" else None, _int(year))
    if tl is None:
        raise NotFoundException("经费对象不存在")
    return tl


@get("/ledger/target", opt=READ, **PAGE)
def target_ledger(ctx: Ctx, db: Session, kind: str = "tenant", id: str = "", year: str = "") -> Response:
    tl = _target_ledger(ctx, db, kind, id, year)
    return render("funds:TargetLedger", ctx=ctx, v=View, tl=tl, query={"kind": kind, "id": id, "year": year})


@get("/ledger/target/export", opt=READ, **PAGE)
def target_ledger_export(ctx: Ctx, db: Session, kind: str = "tenant", id: str = "", year: str = "") -> Response:
    tl = _target_ledger(ctx, db, kind, id, year)
    name = f"经费台账-{tl.target_name}" + (f"-{tl.year}年" if tl.year else "")
    return xlsx_export(db, name[:60], svc.TARGET_LEDGER_HEADERS, svc.target_ledger_rows(tl),
                       action="funds.export", entity="funds_lines")


@get("/ledger/export", opt=READ, **PAGE)
def ledger_export(db: Session, year: str = "", target_kind: str = "", q: str = "") -> Response:
    return xlsx_export(db, "经费台账", svc.LEDGER_HEADERS,
                       svc.ledger_rows(svc.ledger(db, _int(year), target_kind, q)), action="funds.export",
                       entity="funds_lines")


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class LineOut:
    id: int
    year: int
    target_kind: str
    target_id: int | None
    target_name: str
    category: str
    title: str
    amount_fen: int
    remaining_fen: int
    note: str


def _line_out(db: Session, ln: BudgetLine) -> LineOut:
    return LineOut(ln.id, ln.year, ln.target_kind, ln.target_id, ln.target_name, ln.category, ln.title,
                   ln.amount_fen, svc.remaining_fen(db, ln), ln.note)


@dataclass
class DisbursementOut:
    id: int
    line_id: int
    amount_fen: int
    purpose: str
    payee: str
    status: str
    requested_on: dt.date
    requested_by: str
    decided_on: dt.date | None
    decided_by: str
    paid_on: dt.date | None
    reject_reason: str
    source: str

    @classmethod
    def of(cls, d: Disbursement) -> DisbursementOut:
        return cls(d.id, d.line_id, d.amount_fen, d.purpose, d.payee, d.status, d.requested_on, d.requested_by,
                   d.decided_on, d.decided_by, d.paid_on, d.reject_reason, d.source)


@dataclass
class LedgerOut:
    year: int
    target_kind: str
    target_id: int | None
    target_name: str
    budget_fen: int
    requested_fen: int
    approved_fen: int
    paid_fen: int
    remaining_fen: int


@dataclass
class LedgerEntryOut:
    on: dt.date
    kind: str  # budget | disbursement
    line_id: int
    line_title: str
    disbursement_id: int | None
    purpose: str
    payee: str
    status: str
    amount_fen: int
    balance_fen: int


@dataclass
class TargetLedgerOut:
    target_kind: str
    target_id: int | None
    target_name: str
    year: int | None
    totals: LedgerOut
    entries: list[LedgerEntryOut]


@get("/ledger/target", opt=READ, **API)
def api_target_ledger(ctx: Ctx, db: Session, target_kind: str = "tenant", target_id: int | None = None,
                      year: int | None = None) -> TargetLedgerOut:
    """One target's ledger: every budget line and disbursement in date order with the running
    balance (fen). 404 when the target is not found in this tenant."""
    tl = svc.target_ledger(db, ctx.tenant, target_kind, target_id if target_kind != "tenant" else None, year)
    if tl is None:
        raise NotFoundException("经费对象不存在")
    t = tl.totals
    return TargetLedgerOut(tl.target_kind, tl.target_id, tl.target_name, tl.year,
                           LedgerOut(t.year, t.target_kind, t.target_id, t.target_name, t.budget_fen, t.requested_fen,
                                     t.approved_fen, t.paid_fen, t.remaining_fen),
                           [LedgerEntryOut(e.on, e.kind, e.line.id, e.line.title,
                                           e.disbursement.id if e.disbursement else None,
                                           e.disbursement.purpose if e.disbursement else "",
                                           e.disbursement.payee if e.disbursement else "",
                                           e.disbursement.status if e.disbursement else "", e.amount_fen, e.balance_fen)
                            for e in tl.entries])


@get("/lines", opt=READ, **API)
def api_lines(db: Session, q: str = "", year: int | None = None, category: str = "", target_kind: str = ""
              ) -> list[LineOut]:
    return [_line_out(db, ln) for ln in db.scalars(svc.line_select(q, year, category, target_kind))]


@post("/lines", opt=WRITE, **API)
def api_line_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> LineOut:
    line = save(db, lambda: svc.create_line(db, ctx.tenant, data))
    return _line_out(db, line)


@get("/lines/{line_id:int}", opt=READ, **API)
def api_line(db: Session, line_id: int) -> LineOut:
    return _line_out(db, svc.get_line(db, line_id))


@get("/lines/{line_id:int}/disbursements", opt=READ, **API)
def api_line_disbursements(db: Session, line_id: int) -> list[DisbursementOut]:
    return [DisbursementOut.of(d) for d in svc.disbursements_of(db, svc.get_line(db, line_id))]


@post("/lines/{line_id:int}/disbursements", opt=WRITE, **API)
def api_disburse(ctx: Ctx, db: Session, line_id: int, data: dict[str, Any]) -> DisbursementOut:
    line = svc.get_line(db, line_id)
    d = save(db, lambda: svc.request_disbursement(db, line, data, clock.today(), ctx.user.username))
    return DisbursementOut.of(d)


@post("/disbursements/{disbursement_id:int}/decide", opt=APPROVE, **API)
def api_decide(ctx: Ctx, db: Session, disbursement_id: int, data: dict[str, Any]) -> DisbursementOut:
    d = svc.get_disbursement(db, disbursement_id)
    save(db, lambda: svc.decide(db, d, svc.text(data, "action"), data, clock.today(), ctx.user.username,
                                separate_approval=_separate(ctx)))
    return DisbursementOut.of(d)


@get("/disbursements", opt=READ, **API)
def api_disbursements(db: Session, q: str = "", status: str = "", year: int | None = None) -> list[DisbursementOut]:
    return [DisbursementOut.of(d) for d in db.scalars(svc.disbursement_select(q, status, year))]


@get("/ledger", opt=READ, **API)
def api_ledger(db: Session, year: int | None = None, target_kind: str = "") -> list[LedgerOut]:
    return [LedgerOut(r.year, r.target_kind, r.target_id, r.target_name, r.budget_fen, r.requested_fen,
                      r.approved_fen, r.paid_fen, r.remaining_fen) for r in svc.ledger(db, year, target_kind)]


PAGE_ROUTES = [home, home_export, line_create, line_detail, line_amount, disburse, decide, disbursements,
               disbursements_export, ledger, ledger_export, target_ledger, target_ledger_export]
API_ROUTES = [api_lines, api_line_create, api_line, api_line_disbursements, api_disburse, api_decide,
              api_disbursements, api_ledger, api_target_ledger]
