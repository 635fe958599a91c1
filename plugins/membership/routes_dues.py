"""Pages and API of dues (党费): the month's records, payments, profiles, the rate table, the
Excel import (a redirect to the registry's import pages), ledgers with refunds to the funds engine, and the arrears list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.registry.models import Member, PartyOrg
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, redirect, render
from plugins.membership import dues as svc
from plugins.membership.models import DuesRecord
from plugins.membership.scope import party_org_options
from plugins.membership.web import API, PAGE, READ, Form, fields, require, scope, settings


class View:
    categories, methods = svc.CATEGORIES, svc.METHODS
    yuan = staticmethod(svc.yuan)
    brackets = staticmethod(svc.bracket_text)

    @staticmethod
    def rate(bp: int) -> str:
        return f"{bp / 100:g}%" if bp else "—"


def _month(value: str) -> dt.date:
    return svc.month_of(value) or clock.today().replace(day=1)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _record(ctx: Ctx, db: Session, record_id: int) -> DuesRecord:
    rec = db.get(DuesRecord, record_id)
    if rec is None or not scope(ctx, db).sees_member(db.get(Member, rec.member_id)):
        raise NotFoundException("党费记录不存在")
    return rec


def _member(ctx: Ctx, db: Session, member_id: int) -> Member:
    m = db.get(Member, member_id)
    if m is None or not scope(ctx, db).sees_member(m):
        raise NotFoundException("党员不存在")
    return m


def _names(db: Session, ids: list[int]) -> dict[int, str]:
    return dict(db.execute(select(Member.id, Member.name).where(Member.id.in_(ids or [-1]))).all())


def _party_org_filter(ctx: Ctx, db: Session, party_org: str) -> int | None:
    po_id = _int(party_org)
    if po_id is not None and not scope(ctx, db).sees_party_org(db, po_id):
        raise NotFoundException("党组织不存在")
    return po_id


# --- the month ----------------------------------------------------------------------------------


def _month_page(ctx: Ctx, db: Session, month: dt.date, party_org: str, page: int = 1, form: dict | None = None,
                errors: dict | None = None, status: int = 200) -> Response:
    po_id = _party_org_filter(ctx, db, party_org)
    sc = scope(ctx, db)
    result = paginate(db, svc.records(db, sc, month, po_id), page)
    names = _names(db, [r.member_id for r in result.items])
    rows, total = svc.ledger(db, sc, month.year, month, settings(ctx).retained_percent)
    return render("membership:DuesMonth", status_code=status, ctx=ctx, v=View, month=month, result=result,
                  names=names, total=total, party_orgs=party_org_options(db, sc), party_org=po_id,
                  query={"month": f"{month:%Y-%m}", "party_org": party_org}, form=form or {}, errors=errors or {})


@get("/dues", opt=READ, **PAGE)
def dues_month(ctx: Ctx, db: Session, month: str = "", party_org: str = "", page: int = 1) -> Response:
    return _month_page(ctx, db, _month(month), party_org, page)


@get("/dues/export", opt=READ, **PAGE)
def dues_export(ctx: Ctx, db: Session, month: str = "", party_org: str = "") -> Response:
    m = _month(month)
    recs = list(db.scalars(svc.records(db, scope(ctx, db), m, _party_org_filter(ctx, db, party_org))))
    members = _names(db, [r.member_id for r in recs])
    pos = dict(db.execute(select(PartyOrg.id, PartyOrg.name)).all())
    rows = [[f"{r.month:%Y-%m}", members.get(r.member_id, ""), pos.get(r.party_org_id, ""),
             svc.CATEGORIES.get(r.category, r.category), r.base_fen / 100, View.rate(r.rate_bp), r.due_fen / 100,
             r.paid_fen / 100, r.paid_on or "", svc.METHODS.get(r.method, r.method), r.arrears_fen / 100,
             "是" if r.back_payment else "否"] for r in recs]
    return xlsx_export(db, f"党费收缴_{m:%Y%m}", ["月份", "姓名", "党组织", "类别", "缴费基数（元）", "比例", "应缴（元）",
                                               "实缴（元）", "缴费日期", "缴费方式", "欠缴（元）", "补缴"], rows,
                       action="membership.export", entity="membership_dues", sheet="党费",
                       query={"month": month, "party_org": party_org})


@post("/dues/generate", opt=READ, **PAGE)
def dues_generate(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    require(ctx, "membership:dues")
    raw = fields(data)
    month = svc.month_of(raw.get("month"))
    if month is None:
        return _month_page(ctx, db, clock.today().replace(day=1), "", errors={"month": "月份：格式应为 2026-03"},
                           status=422)
    po_id = _party_org_filter(ctx, db, raw.get("party_org", ""))
    added = svc.generate_month(db, scope(ctx, db), month, po_id)
    db.commit()
    flash(request, f"已生成 {month:%Y年%m月} 应缴记录 {added} 条")
    return redirect(ctx.url(f"membership/dues?month={month:%Y-%m}"))


@post("/dues/records/{record_id:int}/pay", opt=READ, **PAGE)
def dues_pay(ctx: Ctx, db: Session, request: Request, record_id: int, data: Form) -> Response:
    require(ctx, "membership:dues")
    rec = _record(ctx, db, record_id)
    raw = fields(data)
    save(db, lambda: svc.record_payment(db, rec, raw),
         rerender=lambda errors: _month_page(ctx, db, _record(ctx, db, record_id).month, "",
                                             form={**raw, "record": record_id},
                                             errors={f"{k}_{record_id}": v for k, v in errors.items()}))
    flash(request, "缴费已登记")
    return redirect(ctx.url(f"membership/dues?month={rec.month:%Y-%m}"))


def _member_page(ctx: Ctx, db: Session, member: Member, form: dict | None = None, errors: dict | None = None,
                 status: int = 200) -> Response:
    p = svc.profile(db, member.id)
    recs = list(db.scalars(svc.records(db, scope(ctx, db), member_id=member.id)))
    if form is None:
        form = {"category": p.category if p else "employed", "base": svc.yuan(p.base_fen).replace(",", "") if p else "",
                "fixed": svc.yuan(p.fixed_fen) if p and p.fixed_fen else ""}
    return render("membership:DuesMember", status_code=status, ctx=ctx, v=View, member=member, profile=p,
                  records=recs, form=form, errors=errors or {})


@get("/dues/members/{member_id:int}", opt=READ, **PAGE)
def dues_member(ctx: Ctx, db: Session, member_id: int) -> Response:
    return _member_page(ctx, db, _member(ctx, db, member_id))


@post("/dues/members/{member_id:int}/profile", opt=READ, **PAGE)
def dues_profile(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    require(ctx, "membership:dues")
    member = _member(ctx, db, member_id)
    raw = fields(data)
    save(db, lambda: svc.save_profile(db, member, raw),
         rerender=lambda errors: _member_page(ctx, db, _member(ctx, db, member_id), raw, errors))
    flash(request, "党费类别和缴费基数已保存（从下次生成的月份起生效）")
    return redirect(ctx.url(f"membership/dues/members/{member_id}"))


# --- rates --------------------------------------------------------------------------------------


def _rates_page(ctx: Ctx, db: Session, form: dict | None = None, errors: dict | None = None,
                status: int = 200) -> Response:
    current = svc.rate_table(db, clock.today().replace(day=1))
    if form is None:
        form = {"effective_from": f"{clock.today():%Y-%m}", "employed": svc.bracket_text(current["employed"]),
                "retired": svc.bracket_text(current["retired"]),
                **{k.removesuffix("_fen"): svc.yuan(v) for k, v in current["fixed"].items()}}
    return render("membership:DuesRates", status_code=status, ctx=ctx, v=View, current=current,
                  versions=svc.versions(db), standard=svc.STANDARD_TABLE, form=form, errors=errors or {})


@get("/dues/rates", opt=READ, **PAGE)
def dues_rates(ctx: Ctx, db: Session) -> Response:
    return _rates_page(ctx, db)


def _require_tenant_wide(ctx: Ctx, db: Session) -> None:
    """Rates, refunds: the street's work — not an org secretary's (object-limited) right."""
    require(ctx, "membership:dues")
    if scope(ctx, db).limited:
        raise PermissionDeniedException("只有街道（辖区）工作人员可以办理")


@post("/dues/rates", opt=READ, **PAGE)
def dues_rates_save(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    _require_tenant_wide(ctx, db)
    raw = fields(data)
    row = save(db, lambda: svc.save_rate_table(db, raw),
               rerender=lambda errors: _rates_page(ctx, db, raw, errors))
    flash(request, f"党费标准已保存，自 {row.effective_from:%Y年%m月} 起生效")
    return redirect(ctx.url("membership/dues/rates"))


# --- import: the registry's import pages -----------------------------------------------------------


@get("/dues/import", opt=READ, **PAGE)
def dues_import_form(ctx: Ctx) -> Response:
    """A month of payments is imported through the registry's import pages (kind
    ``membership_dues``: dry run, column mapping, per-row report, all or nothing)."""
    require(ctx, "membership:dues")
    return redirect(ctx.url("imports?entity=membership_dues"))


@get("/dues/import/template", opt=READ, **PAGE)
def dues_import_template(ctx: Ctx) -> Response:
    require(ctx, "membership:dues")
    return redirect(ctx.url("imports/membership_dues/template.xlsx"))


# --- ledgers, refunds, arrears -------------------------------------------------------------------


def _ledger_args(ctx: Ctx, db: Session, year: str, month: str):
    y = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else clock.today().year
    m = svc.month_of(month) if month else None
    if m is not None:
        y = m.year
    refunds = svc.refunds_by_party_org(db, y) if m is None and _funds_enabled(ctx) else {}
    rows, total = svc.ledger(db, scope(ctx, db), y, m, settings(ctx).retained_percent, refunds)
    return y, m, rows, total


def _funds_enabled(ctx: Ctx) -> bool:
    from core.plugins import registry

    return registry().is_enabled(ctx.tenant.id, "funds")


def _ledger_page(ctx: Ctx, db: Session, year: str, month: str, form: dict | None = None,
                 errors: dict | None = None, status: int = 200) -> Response:
    y, m, rows, total = _ledger_args(ctx, db, year, month)
    st = settings(ctx)
    return render("membership:DuesLedger", status_code=status, ctx=ctx, v=View, year=y, month=m, rows=rows,
                  total=total, settings=st, min_refund=total.retained_fen * st.refund_min_percent // 100,
                  party_orgs=party_org_options(db, scope(ctx, db)), funds=_funds_enabled(ctx),
                  can_refund=ctx.can("membership:dues") and not scope(ctx, db).limited,
                  query={"year": str(y), "month": f"{m:%Y-%m}" if m else ""}, form=form or {}, errors=errors or {})


@get("/dues/ledger", opt=READ, **PAGE)
def dues_ledger(ctx: Ctx, db: Session, year: str = "", month: str = "") -> Response:
    return _ledger_page(ctx, db, year, month)


@get("/dues/ledger/export", opt=READ, **PAGE)
def dues_ledger_export(ctx: Ctx, db: Session, year: str = "", month: str = "") -> Response:
    y, m, rows, total = _ledger_args(ctx, db, year, month)
    return xlsx_export(db, f"党费台账_{y}" + (f"{m:%m}" if m else ""), svc.LEDGER_HEADERS,
                       svc.ledger_rows([*rows, total]), action="membership.export", entity="membership_dues",
                       sheet="党费台账", query={"year": year, "month": month})


@post("/dues/refunds", opt=READ, **PAGE)
def dues_refund(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    _require_tenant_wide(ctx, db)
    raw = fields(data)
    save(db, lambda: svc.refund(db, ctx.tenant, raw, ctx.user.username),
         rerender=lambda errors: _ledger_page(ctx, db, raw.get("year", ""), "", raw, errors))
    flash(request, "返还已记入经费台账")
    return redirect(ctx.url(f"membership/dues/ledger?year={raw.get('year') or clock.today().year}"))


@get("/dues/arrears", opt=READ, **PAGE)
def dues_arrears(ctx: Ctx, db: Session, flagged: str = "") -> Response:
    st = settings(ctx)
    rows = svc.arrears(db, scope(ctx, db), clock.today(), st.arrears_flag_months, flagged_only=flagged == "1")
    return render("membership:DuesArrears", ctx=ctx, v=View, rows=rows, limit=st.arrears_flag_months,
                  query={"flagged": flagged})


@get("/dues/arrears/export", opt=READ, **PAGE)
def dues_arrears_export(ctx: Ctx, db: Session, flagged: str = "") -> Response:
    st = settings(ctx)
    rows = [[r.member.name, len(r.months), r.consecutive, r.arrears_fen / 100, "是" if r.flagged(st.arrears_flag_months)
             else "否", "、".join(f"{m:%Y-%m}" for m in r.months)]
            for r in svc.arrears(db, scope(ctx, db), clock.today(), st.arrears_flag_months, flagged_only=flagged == "1")]
    return xlsx_export(db, "党费欠缴名单", ["姓名", "欠缴月数", "连续未交月数", "欠缴金额（元）", "标记", "欠缴月份"], rows,
                       action="membership.export", entity="membership_dues", sheet="欠缴", query={"flagged": flagged})


PAGE_ROUTES = [dues_month, dues_export, dues_generate, dues_pay, dues_member, dues_profile, dues_rates,
               dues_rates_save, dues_import_form, dues_import_template, dues_ledger, dues_ledger_export,
               dues_refund, dues_arrears, dues_arrears_export]


# --- API ----------------------------------------------------------------------------------------


@dataclass
class DuesOut:
    id: int
    member_id: int
    party_org_id: int | None
    month: str
    category: str
    base_fen: int
    rate_bp: int
    due_fen: int
    paid_fen: int
    arrears_fen: int
    paid_on: dt.date | None
    method: str
    back_payment: bool

    @classmethod
    def of(cls, r: DuesRecord) -> DuesOut:
        return cls(r.id, r.member_id, r.party_org_id, f"{r.month:%Y-%m}", r.category, r.base_fen, r.rate_bp, r.due_fen,
                   r.paid_fen, r.arrears_fen, r.paid_on, r.method, r.back_payment)


@dataclass
class LedgerOut:
    party_org_id: int | None
    party_org_name: str
    members: int
    due_fen: int
    collected_fen: int
    arrears_fen: int
    back_payment_fen: int
    retained_fen: int
    remitted_fen: int
    refunded_fen: int

    @classmethod
    def of(cls, r: svc.LedgerRow) -> LedgerOut:
        return cls(r.party_org_id, r.party_org_name, r.members, r.due_fen, r.paid_fen, r.arrears_fen, r.back_fen,
                   r.retained_fen, r.remitted_fen, r.refunded_fen)


@get("/dues/records", opt=READ, **API)
def api_dues(ctx: Ctx, db: Session, month: str = "", party_org: str = "", member_id: int | None = None
             ) -> list[DuesOut]:
    """Monthly records (fen): ``month`` (2026-03), ``party_org`` (id), ``member_id``."""
    m = svc.month_of(month) if month else None
    if month and m is None:
        raise FormErrors({"month": "月份：格式应为 2026-03"})
    return [DuesOut.of(r) for r in db.scalars(svc.records(db, scope(ctx, db), m, _party_org_filter(ctx, db, party_org),
                                                          member_id).limit(5000))]


@post("/dues/records/{record_id:int}/payment", opt=READ, status_code=200, **API)
def api_dues_pay(ctx: Ctx, db: Session, record_id: int, data: dict[str, Any]) -> DuesOut:
    """``paid`` (yuan, ≤ due), ``paid_on`` (default today), ``method``, ``note``."""
    require(ctx, "membership:dues")
    rec = _record(ctx, db, record_id)
    raw = {k: "" if v is None else str(v) for k, v in data.items()}
    save(db, lambda: svc.record_payment(db, rec, raw))
    return DuesOut.of(rec)


@get("/dues/ledger", opt=READ, **API)
def api_dues_ledger(ctx: Ctx, db: Session, year: str = "", month: str = "") -> list[LedgerOut]:
    """Per party org and the total (last row, ``party_org_id`` null): due = collected + arrears;
    retained + remitted = collected; refunded read from the funds ledger (whole years)."""
    _y, _m, rows, total = _ledger_args(ctx, db, year, month)
    return [LedgerOut.of(r) for r in [*rows, total]]


@get("/dues/arrears", opt=READ, **API)
def api_dues_arrears(ctx: Ctx, db: Session, flagged: bool = False) -> list[dict[str, Any]]:
    """Members with arrears; ``flagged=true``: only those unpaid for the tenant's limit in a row."""
    limit = settings(ctx).arrears_flag_months
    return [{"member_id": r.member.id, "name": r.member.name, "months": [f"{m:%Y-%m}" for m in r.months],
             "arrears_fen": r.arrears_fen, "consecutive": r.consecutive, "flagged": r.flagged(limit)}
            for r in svc.arrears(db, scope(ctx, db), clock.today(), limit, flagged_only=flagged)]


API_ROUTES = [api_dues, api_dues_pay, api_dues_ledger, api_dues_arrears]
