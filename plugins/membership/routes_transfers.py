"""Pages and API of relation transfers (组织关系转接) and mobile members (流动党员)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors, row_id
from core.registry.models import Member
from core.registry.services.members import TRANSFER_LOCATIONS
from core.tenancy import tree
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, redirect, render
from plugins.membership import mobile as mob
from plugins.membership import transfers as svc
from plugins.membership.due import due_summary
from plugins.membership.models import Transfer
from plugins.membership.scope import Scope, party_org_options
from plugins.membership.web import API, PAGE, READ, Form, fields, require, scope, settings


class View:
    kinds, scopes, states, sides = svc.KINDS, svc.SCOPES, svc.STATES, svc.SIDES
    locations, step_labels, action_labels = TRANSFER_LOCATIONS, svc.STEP_LABELS, svc.ACTION_LABELS
    location_kinds = {k: svc.KINDS[svc.kind_for(k)] for k in TRANSFER_LOCATIONS}

    @staticmethod
    def other(t: Transfer) -> str:
        return svc.counterpart_name(t)


def _transfer(ctx: Ctx, db: Session, transfer_id: int) -> Transfer:
    t = svc.get_transfer(db, transfer_id, scope(ctx, db))
    if t is None:
        raise NotFoundException("转接记录不存在")
    return t


def _member(ctx: Ctx, db: Session, member_id: int | str | None) -> Member:
    m = db.get(Member, row_id(member_id)) if row_id(member_id) else None
    if m is None or not scope(ctx, db).sees_member(m):
        raise NotFoundException("党员不存在")
    return m


# --- pages: transfers ---------------------------------------------------------------------------


@get("/transfers", opt=READ, **PAGE)
def transfer_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    f = svc.transfer_filter(request.query_params)
    result = paginate(db, svc.transfer_query(f, scope(ctx, db)), page)
    return render("membership:TransferList", ctx=ctx, v=View, result=result, query=f.query(),
                  inbox=svc.inbox_count(db))


@get("/transfers/export", opt=READ, **PAGE)
def transfer_export(ctx: Ctx, db: Session, request: Request) -> Response:
    f = svc.transfer_filter(request.query_params)
    rows = svc.export_rows(list(db.scalars(svc.transfer_query(f, scope(ctx, db)))))
    return xlsx_export(db, "组织关系转接", svc.EXPORT_HEADERS, rows, action="membership.export",
                       entity="membership_transfers", query=f.query(), sheet="转接")


def _form(ctx: Ctx, db: Session, member: Member | None, form: dict, errors: dict, status: int = 200) -> Response:
    members = []
    if member is None:  # choose the member first
        stmt = select(Member.id, Member.name).where(Member.status.in_(("probationary", "full")),
                                                    Member.party_org_id.is_not(None))
        clause = scope(ctx, db).member_clause()
        if clause is not None:
            stmt = stmt.where(clause)
        members = [tuple(r) for r in db.execute(stmt.order_by(Member.name, Member.id).limit(2000))]
    return render("membership:TransferForm", status_code=status, ctx=ctx, v=View, member=member, form=form,
                  errors=errors, party_orgs=party_org_options(db, Scope(None)), members=members,
                  tenants=svc.receiving_tenants(ctx.tenant))


@get("/transfers/new", opt=READ, **PAGE)
def transfer_new(ctx: Ctx, db: Session, member: str = "") -> Response:
    require(ctx, "membership:transfer")
    m = _member(ctx, db, member) if member else None
    return _form(ctx, db, m, {"scope": "instance", "location": ""}, {})


@post("/transfers/new", opt=READ, **PAGE)
def transfer_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    require(ctx, "membership:transfer")
    raw = fields(data)
    if not raw.get("member"):
        return _form(ctx, db, None, raw, {"member": "党员：请选择"}, 422)
    m = _member(ctx, db, raw.get("member"))
    t = save(db, lambda: svc.apply(db, ctx.tenant, m, raw, ctx.user.username),
             rerender=lambda errors: _form(ctx, db, _member(ctx, db, raw.get("member")), raw, errors))
    flash(request, f"已提出{m.name}的组织关系转接申请")
    return redirect(ctx.url(f"membership/transfers/{t.id}"))


def _detail(ctx: Ctx, db: Session, t: Transfer, form: dict | None = None, errors: dict | None = None,
            status: int = 200) -> Response:
    return render("membership:TransferDetail", status_code=status, ctx=ctx, v=View, t=t, steps=svc.steps_of(db, t),
                  actions=svc.actions(t) if ctx.can("membership:transfer") else [], form=form or {},
                  errors=errors or {}, party_orgs=party_org_options(db, Scope(None)), today=clock.today(),
                  member=db.get(Member, t.member_id) if t.member_id else None)


@get("/transfers/{transfer_id:int}", opt=READ, **PAGE)
def transfer_detail(ctx: Ctx, db: Session, transfer_id: int) -> Response:
    return _detail(ctx, db, _transfer(ctx, db, transfer_id))


@get("/transfers/{transfer_id:int}/letter", opt=READ, **PAGE)
def transfer_letter(ctx: Ctx, db: Session, transfer_id: int) -> Response:
    """The introduction letter (介绍信), print-styled, in the usual two-part layout."""
    t = _transfer(ctx, db, transfer_id)
    if not t.letter_no:
        raise NotFoundException("尚未开具介绍信")
    member = db.get(Member, t.member_id) if t.member_id else None
    return render("membership:Letter", ctx=ctx, v=View, t=t, member=member, tenant_name=ctx.tenant.name,
                  from_name=t.from_party_org_name if t.side == "out" else t.from_party_org_name,
                  valid_days=(t.letter_expires_on - t.letter_issued_on).days if t.letter_expires_on else 0)


def perform(ctx: Ctx, db: Session, t: Transfer, action: str, raw: dict[str, Any]) -> Transfer:
    """Run ``action`` on ``t``; a transfer between two tenants in a session seeing exactly those
    two (the permission was checked in this tenant; the other one comes from the row). Commits."""
    require(ctx, "membership:transfer")
    if action not in svc.actions(t):
        if action not in svc.ACTION_LABELS:
            raise NotFoundException("没有这个操作")
        raise FormErrors({"__all__": f"当前状态为「{svc.STATES[t.state]}」，不能{svc.ACTION_LABELS[action]}"})
    months = settings(ctx).letter_valid_months
    other = t.counterpart_tenant_id if t.scope == "instance" else None
    if other is not None and other not in tree().by_id:
        raise FormErrors({"__all__": "对方辖区已不存在"})
    session = db
    if other is not None:
        db.rollback()  # the request's own transaction ends here: the pair session writes
        session = svc.pair_session(ctx.tenant, other, ctx.user.id, ctx.user.username)
    try:
        row = session.get(Transfer, t.id)
        user = ctx.user.username
        run = {
            "submit": lambda: svc.submit(session, ctx.tenant, row, user),
            "issue": lambda: svc.issue(session, ctx.tenant, row, user, months),
            "renew": lambda: svc.renew(session, ctx.tenant, row, user, months),
            "accept": lambda: svc.accept(session, ctx.tenant, row, raw, user),
            "return": lambda: svc.return_(session, ctx.tenant, row, raw, user),
            "report": lambda: svc.report(session, ctx.tenant, row, raw, user),
            "withdraw": lambda: svc.withdraw(session, ctx.tenant, row, raw, user),
        }[action]
        run()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        if session is not db:
            session.close()
    db.expire_all()
    return db.get(Transfer, t.id)


@post("/transfers/{transfer_id:int}/{action:str}", opt=READ, **PAGE)
def transfer_action(ctx: Ctx, db: Session, request: Request, transfer_id: int, action: str, data: Form) -> Response:
    t = _transfer(ctx, db, transfer_id)
    raw = fields(data)
    t = save(db, lambda: perform(ctx, db, t, action, raw),
             rerender=lambda errors: _detail(ctx, db, _transfer(ctx, db, transfer_id), raw, errors))
    flash(request, f"{svc.ACTION_LABELS[action]}：已完成")
    return redirect(ctx.url(f"membership/transfers/{t.id}"))


@get("/due", opt=READ, **PAGE)
def due_page(ctx: Ctx, db: Session) -> Response:
    """待办: letters running out, the inbox, mobile members not heard from, dues arrears."""
    sc, st = scope(ctx, db), settings(ctx)
    on = clock.today()
    return render("membership:DuePage", ctx=ctx, v=View, today=on, settings=st,
                  letters=svc.expiring(db, on, st.letter_warn_days, sc),
                  inbox=list(db.scalars(svc.transfer_query(svc.TransferFilter(side="in", state="issued"), sc))),
                  silent=mob.not_heard_from(db, sc, st.mobile_check_days, on),
                  summary=due_summary(db, ctx.tenant, st, sc))


# --- pages: mobile members ----------------------------------------------------------------------


@get("/mobile", opt=READ, **PAGE)
def mobile_list(ctx: Ctx, db: Session, q: str = "", overdue: str = "") -> Response:
    st = settings(ctx)
    rows = mob.mobile_rows(db, scope(ctx, db), q)
    on = clock.today()
    if overdue == "1":
        rows = [r for r in rows if r.overdue(on, st.mobile_check_days)]
    return render("membership:MobileList", ctx=ctx, rows=rows, query={"q": q, "overdue": overdue}, today=on,
                  days=st.mobile_check_days)


@get("/mobile/export", opt=READ, **PAGE)
def mobile_export(ctx: Ctx, db: Session, q: str = "") -> Response:
    st, on = settings(ctx), clock.today()
    rows = [[r.member.name, {"out": "流出", "in": "流入"}.get(r.member.mobile, ""), r.member.mobile_counterpart,
             r.party_org_name, r.card.card_no if r.card else "", r.card.attending_party_org_name if r.card else "",
             r.last_check, "是" if r.overdue(on, st.mobile_check_days) else "否"]
            for r in mob.mobile_rows(db, scope(ctx, db), q)]
    return xlsx_export(db, "流动党员", ["姓名", "流向", "流入/流出地", "所在党组织", "活动证编号",
                                    "流入地参加组织生活的党组织", "最近联系上", "超期未联系"], rows,
                       action="membership.export", entity="membership_mobile_cards", query={"q": q})


def _mobile_page(ctx: Ctx, db: Session, member: Member, form: dict | None = None, errors: dict | None = None,
                 status: int = 200) -> Response:
    from plugins.membership.models import MobileCard

    card = db.scalar(select(MobileCard).where(MobileCard.member_id == member.id))
    return render("membership:MobileDetail", status_code=status, ctx=ctx, member=member, card=card,
                  checks=mob.checks_of(db, member.id), form=form or {}, errors=errors or {},
                  party_orgs=party_org_options(db, Scope(None)), today=clock.today())


@get("/mobile/{member_id:int}", opt=READ, **PAGE)
def mobile_detail(ctx: Ctx, db: Session, member_id: int) -> Response:
    return _mobile_page(ctx, db, _member(ctx, db, member_id))


def _mobile_write(ctx: Ctx, db: Session, request: Request, member_id: int, data: dict, action, message: str):
    require(ctx, "membership:transfer")
    member = _member(ctx, db, member_id)
    raw = fields(data)
    save(db, lambda: action(member, raw),
         rerender=lambda errors: _mobile_page(ctx, db, _member(ctx, db, member_id), raw, errors))
    flash(request, message)
    return redirect(ctx.url(f"membership/mobile/{member_id}"))


@post("/mobile/{member_id:int}/card", opt=READ, **PAGE)
def mobile_card(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    return _mobile_write(ctx, db, request, member_id, data, lambda m, r: mob.save_card(db, m, r), "活动证信息已保存")


@post("/mobile/{member_id:int}/checks", opt=READ, **PAGE)
def mobile_check(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    return _mobile_write(ctx, db, request, member_id, data,
                         lambda m, r: mob.record_check(db, m, r, ctx.user.username), "排查记录已保存")


PAGE_ROUTES = [transfer_list, transfer_export, transfer_new, transfer_create, transfer_detail, transfer_letter,
               transfer_action, due_page, mobile_list, mobile_export, mobile_detail, mobile_card, mobile_check]


# --- API ----------------------------------------------------------------------------------------


@dataclass
class StepOut:
    at: dt.datetime
    state: str
    label: str
    actor: str
    actor_tenant: str
    note: str


@dataclass
class TransferOut:
    id: int
    side: str
    scope: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    member_id: int | None
    member_name: str
    from_party_org_name: str
    to_party_org_id: int | None
    to_party_org_name: str
    counterpart_tenant: str
    destination: str
    reason: str
    consent: bool
    letter_no: str
    letter_issued_on: dt.date | None
    letter_expires_on: dt.date | None
    accepted_on: dt.date | None
    returned_reason: str
    reported_on: dt.date | None
    actions: list[str]
    steps: list[StepOut] | None = None

    @classmethod
    def of(cls, t: Transfer, steps: list | None = None) -> TransferOut:
        return cls(t.id, t.side, t.scope, t.kind, svc.KINDS.get(t.kind, t.kind), t.state, svc.STATES[t.state],
                   t.member_id, t.member_name, t.from_party_org_name, t.to_party_org_id, t.to_party_org_name,
                   svc.counterpart_name(t) if t.scope == "instance" else "", t.destination, t.reason, t.consent,
                   t.letter_no, t.letter_issued_on, t.letter_expires_on, t.accepted_on, t.returned_reason,
                   t.reported_on, svc.actions(t),
                   None if steps is None else [
                       StepOut(clock.aware(s.at), s.state, svc.STEP_LABELS.get(s.state, s.state), s.actor, s.actor_tenant,
                               s.note) for s in steps])


@dataclass
class TransferPage:
    items: list[TransferOut]
    total: int
    page: int
    page_size: int


@get("/transfers", opt=READ, **API)
def api_transfers(ctx: Ctx, db: Session, request: Request, page: int = 1) -> TransferPage:
    """Filters: side (out/in), state (a state or ``open``), kind, q (name or letter number)."""
    f = svc.transfer_filter(request.query_params)
    result = paginate(db, svc.transfer_query(f, scope(ctx, db)), page)
    return TransferPage([TransferOut.of(t) for t in result.items], result.total, result.page, result.page_size)


@get("/transfers/expiring", opt=READ, **API)
def api_expiring(ctx: Ctx, db: Session) -> list[TransferOut]:
    """Letters issued and not yet accepted that run out within the tenant's warning period."""
    return [TransferOut.of(t) for t in svc.expiring(db, clock.today(), settings(ctx).letter_warn_days, scope(ctx, db))]


@get("/transfers/{transfer_id:int}", opt=READ, **API)
def api_transfer(ctx: Ctx, db: Session, transfer_id: int) -> TransferOut:
    t = _transfer(ctx, db, transfer_id)
    return TransferOut.of(t, svc.steps_of(db, t))


@post("/transfers", opt=READ, status_code=201, **API)
def api_transfer_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> TransferOut:
    """``member_id``, ``scope`` (internal/instance/external), ``location`` (003 §9: talent_center,
    university, outside_city, local_rural; decides the kind), ``to_party_org`` (internal),
    ``to_tenant`` (instance: a tenant id), ``destination`` (external), ``reason``, ``consent``."""
    require(ctx, "membership:transfer")
    if not str(data.get("member_id") or "").isdigit():
        raise FormErrors({"member_id": "党员：请指定党员编号"})
    m = _member(ctx, db, data.get("member_id"))
    raw = {k: "" if v is None else str(v) for k, v in data.items()}
    t = save(db, lambda: svc.apply(db, ctx.tenant, m, raw, ctx.user.username))
    return TransferOut.of(t, svc.steps_of(db, t))


@post("/transfers/{transfer_id:int}/{action:str}", opt=READ, status_code=200, **API)
def api_transfer_action(ctx: Ctx, db: Session, transfer_id: int, action: str,
                        data: dict[str, Any] | None = None) -> TransferOut:
    """``action``: submit, issue, renew, withdraw (``reason``), accept (``to_party_org`` for an
    inbox transfer), return (``reason``), report (``on``)."""
    t = _transfer(ctx, db, transfer_id)
    raw = {k: "" if v is None else str(v) for k, v in (data or {}).items()}
    t = save(db, lambda: perform(ctx, db, t, action, raw))
    return TransferOut.of(t, svc.steps_of(db, t))


@dataclass
class MobileOut:
    member_id: int
    name: str
    direction: str
    counterpart: str
    party_org_name: str
    card_no: str
    attending_party_org: str
    last_reached_on: dt.date | None
    overdue: bool


@get("/mobile", opt=READ, **API)
def api_mobile(ctx: Ctx, db: Session, q: str = "", overdue: bool = False) -> list[MobileOut]:
    """Mobile members; ``overdue=true``: those not reached within the tenant's check period."""
    days, on = settings(ctx).mobile_check_days, clock.today()
    out = []
    for r in mob.mobile_rows(db, scope(ctx, db), q):
        late = r.overdue(on, days)
        if overdue and not late:
            continue
        out.append(MobileOut(r.member.id, r.member.name, r.member.mobile, r.member.mobile_counterpart,
                             r.party_org_name, r.card.card_no if r.card else "",
                             r.card.attending_party_org_name if r.card else "", r.last_check, late))
    return out


@post("/mobile/{member_id:int}/checks", opt=READ, status_code=201, **API)
def api_mobile_check(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """One 排查: ``checked_on``, ``reached`` ("1"/"0"), ``note``."""
    require(ctx, "membership:transfer")
    member = _member(ctx, db, member_id)
    raw = {k: "" if v is None else str(v) for k, v in data.items()}
    check = save(db, lambda: mob.record_check(db, member, raw, ctx.user.username))
    return {"id": check.id, "member_id": member.id, "checked_on": check.checked_on.isoformat(),
            "reached": check.reached}


API_ROUTES = [api_transfers, api_expiring, api_transfer, api_transfer_create, api_transfer_action, api_mobile,
              api_mobile_check]
