"""Pages and API of points ledgers (积分): yearly totals and rankings per party org, a member's
ledger with appeals, and the grade sent to an assessment round."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.registry.models import Member
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate_list
from core.web.render import flash, redirect, render
from plugins.membership import points as svc
from plugins.membership.models import PointsEntry
from plugins.membership.scope import party_org_options
from plugins.membership.types import MEMBER_CLASSES, PointsRuleSet
from plugins.membership.web import API, PAGE, READ, Form, fields, require, scope, settings


class View:
    classes = MEMBER_CLASSES
    appeal_states = {"": "", "pending": "申诉待处理", "upheld": "申诉未成立，维持", "granted": "申诉成立，不计分"}


def _year(value: str | int | None) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else clock.today().year


def _rule_set(ctx: Ctx) -> PointsRuleSet:
    rs = svc.chosen_rule_set(ctx.tenant, settings(ctx))
    if rs is None:
        raise NotFoundException(f"积分规则「{settings(ctx).points_rule_set}」不存在：请在插件设置中选择")
    return rs


def _member(ctx: Ctx, db: Session, member_id: int) -> Member:
    m = db.get(Member, member_id)
    if m is None or not scope(ctx, db).sees_member(m):
        raise NotFoundException("党员不存在")
    return m


def _entry(ctx: Ctx, db: Session, entry_id: int) -> PointsEntry:
    e = db.get(PointsEntry, entry_id)
    if e is None or not scope(ctx, db).sees_member(db.get(Member, e.member_id)):
        raise NotFoundException("积分记录不存在")
    return e


def _party_org(ctx: Ctx, db: Session, party_org: str) -> int | None:
    po_id = int(party_org) if party_org.isdigit() else None
    if po_id is not None and not scope(ctx, db).sees_party_org(db, po_id):
        raise NotFoundException("党组织不存在")
    return po_id


# --- pages --------------------------------------------------------------------------------------


def _ranking(ctx: Ctx, db: Session, year: str, party_org: str, errors: dict | None = None,
             status: int = 200, page: int = 1) -> Response:
    rs = _rule_set(ctx)
    y, po = _year(year), _party_org(ctx, db, party_org)
    result = paginate_list(svc.totals(db, scope(ctx, db), rs, y, settings(ctx), po), page)
    return render("membership:PointsRanking", status_code=status, ctx=ctx, v=View, rs=rs, year=y, result=result,
                  grades=svc.grades_of(rs, settings(ctx)), party_orgs=party_org_options(db, scope(ctx, db)),
                  query={"year": str(y), "party_org": party_org}, errors=errors or {},
                  can_grade=ctx.can("membership:points") and not scope(ctx, db).limited)


@get("/points", opt=READ, **PAGE)
def points_ranking(ctx: Ctx, db: Session, year: str = "", party_org: str = "", page: int = 1) -> Response:
    return _ranking(ctx, db, year, party_org, page=page)


@get("/points/export", opt=READ, **PAGE)
def points_export(ctx: Ctx, db: Session, year: str = "", party_org: str = "") -> Response:
    rs, y = _rule_set(ctx), _year(year)
    rows = [[t.party_org_name, t.rank, t.member.name, t.total, t.deducted, t.added, t.grade]
            for t in svc.totals(db, scope(ctx, db), rs, y, settings(ctx), _party_org(ctx, db, party_org))]
    return xlsx_export(db, f"党员积分_{y}", ["党组织", "排名", "姓名", "年度积分", "扣分", "加分", "等级"], rows,
                       action="membership.export", entity="membership_points", sheet="积分",
                       query={"year": year, "party_org": party_org})


def _member_page(ctx: Ctx, db: Session, member: Member, year: int, form: dict | None = None,
                 errors: dict | None = None, status: int = 200) -> Response:
    rs = _rule_set(ctx)
    cls = svc.member_class(db, member)
    total = next((t for t in svc.totals(db, scope(ctx, db), rs, year, settings(ctx), member.party_org_id)
                  if t.member.id == member.id), None)
    return render("membership:PointsMember", status_code=status, ctx=ctx, v=View, rs=rs, member=member, year=year,
                  entries=svc.entries(db, member.id, year), rules=rs.rules_for(cls), member_class=cls, total=total,
                  form=form or {"on": clock.today().isoformat()}, errors=errors or {},
                  can_resolve=ctx.can("membership:points") and not scope(ctx, db).limited)


@get("/points/members/{member_id:int}", opt=READ, **PAGE)
def points_member(ctx: Ctx, db: Session, member_id: int, year: str = "") -> Response:
    return _member_page(ctx, db, _member(ctx, db, member_id), _year(year))


def _write(ctx: Ctx, db: Session, request: Request, member: Member, year: int, raw: dict, action, message: str):
    try:
        action()
        db.commit()
    except FormErrors as exc:
        db.rollback()
        return _member_page(ctx, db, _member(ctx, db, member.id), year, raw, exc.errors, 422)
    flash(request, message)
    return redirect(ctx.url(f"membership/points/members/{member.id}?year={year}"))


@post("/points/members/{member_id:int}/entries", opt=READ, **PAGE)
def points_add(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    require(ctx, "membership:points")
    member, raw = _member(ctx, db, member_id), fields(data)
    rs = _rule_set(ctx)
    year = _year((raw.get("on") or "")[:4])
    return _write(ctx, db, request, member, year, raw,
                  lambda: svc.add_entry(db, rs, member, raw, ctx.user.username), "积分已记录")


@post("/points/members/{member_id:int}/class", opt=READ, **PAGE)
def points_class(ctx: Ctx, db: Session, request: Request, member_id: int, data: Form) -> Response:
    require(ctx, "membership:points")
    member, raw = _member(ctx, db, member_id), fields(data)
    return _write(ctx, db, request, member, clock.today().year, raw,
                  lambda: svc.set_member_class(db, member, raw.get("member_class", "")), "党员类别已保存")


@post("/points/entries/{entry_id:int}/appeal", opt=READ, **PAGE)
def points_appeal(ctx: Ctx, db: Session, request: Request, entry_id: int, data: Form) -> Response:
    require(ctx, "membership:points")
    e, raw = _entry(ctx, db, entry_id), fields(data)
    member = _member(ctx, db, e.member_id)
    return _write(ctx, db, request, member, e.year, raw, lambda: svc.appeal(db, e, raw), "申诉已提交")


@post("/points/entries/{entry_id:int}/resolve", opt=READ, **PAGE)
def points_resolve(ctx: Ctx, db: Session, request: Request, entry_id: int, data: Form) -> Response:
    require(ctx, "membership:points")
    if scope(ctx, db).limited:
        raise PermissionDeniedException("申诉由街道（辖区）工作人员处理")
    e, raw = _entry(ctx, db, entry_id), fields(data)
    member = _member(ctx, db, e.member_id)
    return _write(ctx, db, request, member, e.year, raw, lambda: svc.resolve_appeal(db, e, raw), "申诉已处理")


@post("/points/grade", opt=READ, **PAGE)
def points_grade(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    """Fill the year's 党员积分评定 round with every member's total; review and publish it there."""
    require(ctx, "membership:points")
    if scope(ctx, db).limited:
        raise PermissionDeniedException("星级评定由街道（辖区）工作人员发起")
    raw = fields(data)
    year = _year(raw.get("year"))
    try:
        rnd = svc.fill_round(db, ctx.tenant, _rule_set(ctx), settings(ctx), year, ctx.user.username)
        db.commit()
    except FormErrors as exc:
        db.rollback()
        return _ranking(ctx, db, str(year), "", {"grade": "；".join(exc.errors.values())}, 422)
    flash(request, f"已把 {year} 年度积分填入考核「{rnd.title}」，请在考核评议中审核发布")
    return redirect(ctx.url(f"assessment/rounds/{rnd.id}"))


PAGE_ROUTES = [points_ranking, points_export, points_member, points_add, points_class, points_appeal,
               points_resolve, points_grade]


# --- API ----------------------------------------------------------------------------------------


@dataclass
class TotalOut:
    member_id: int
    name: str
    party_org_name: str
    total: int
    deducted: int
    added: int
    grade: str
    rank: int


@dataclass
class EntryOut:
    id: int
    member_id: int
    rule_set: str
    rule_key: str
    rule_label: str
    points: int
    on: dt.date
    evidence: str
    recorded_by: str
    appeal_state: str
    counts: bool

    @classmethod
    def of(cls, e: PointsEntry) -> EntryOut:
        return cls(e.id, e.member_id, e.rule_set, e.rule_key, e.rule_label, e.points, e.on, e.evidence, e.recorded_by,
                   e.appeal_state, svc.counts(e))


@get("/points", opt=READ, **API)
def api_points(ctx: Ctx, db: Session, year: int | None = None, party_org: str = "") -> list[TotalOut]:
    """Yearly totals under the tenant's rule set, with grade and rank within the party org."""
    rs = _rule_set(ctx)
    return [TotalOut(t.member.id, t.member.name, t.party_org_name, t.total, t.deducted, t.added, t.grade, t.rank)
            for t in svc.totals(db, scope(ctx, db), rs, _year(year), settings(ctx), _party_org(ctx, db, party_org))]


@get("/points/members/{member_id:int}/entries", opt=READ, **API)
def api_points_entries(ctx: Ctx, db: Session, member_id: int, year: int | None = None) -> list[EntryOut]:
    return [EntryOut.of(e) for e in svc.entries(db, _member(ctx, db, member_id).id, year)]


@post("/points/members/{member_id:int}/entries", opt=READ, status_code=201, **API)
def api_points_add(ctx: Ctx, db: Session, member_id: int, data: dict[str, Any]) -> EntryOut:
    """``rule`` (a key of the tenant's rule set), ``on`` (date), ``evidence`` (required for a deduction)."""
    require(ctx, "membership:points")
    member, rs = _member(ctx, db, member_id), _rule_set(ctx)
    raw = {k: "" if v is None else str(v) for k, v in data.items()}
    return EntryOut.of(save(db, lambda: svc.add_entry(db, rs, member, raw, ctx.user.username)))


API_ROUTES = [api_points, api_points_entries, api_points_add]
