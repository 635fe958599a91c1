"""Mobile members (流动党员): the 流动党员活动证, the party org attended while away and the
periodic checks (排查); members not reached within the tenant's check period are listed as
"not heard from" (未联系)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, row_id, text
from core.registry.models import Member, PartyOrg
from plugins.membership.models import MobileCard, MobileCheck
from plugins.membership.scope import Scope


@dataclass
class MobileRow:
    member: Member
    card: MobileCard | None
    last_check: dt.date | None  # last check that reached the member
    party_org_name: str = ""

    def overdue(self, on: dt.date, days: int) -> bool:
        return self.last_check is None or self.last_check < on - dt.timedelta(days=days)


def mobile_rows(session: Session, scope: Scope, q: str = "") -> list[MobileRow]:
    stmt = select(Member).where(Member.mobile != "")
    clause = scope.member_clause()
    if clause is not None:
        stmt = stmt.where(clause)
    if q:
        stmt = stmt.where(search.matches(q, Member.name))
    members = list(session.scalars(stmt.order_by(Member.name, Member.id).limit(5000)))
    ids = [m.id for m in members] or [-1]
    cards = {c.member_id: c for c in session.scalars(select(MobileCard).where(MobileCard.member_id.in_(ids)))}
    last = dict(session.execute(select(MobileCheck.member_id, func.max(MobileCheck.checked_on))
                                .where(MobileCheck.member_id.in_(ids), MobileCheck.reached.is_(True))
                                .group_by(MobileCheck.member_id)).all())
    names = dict(session.execute(select(PartyOrg.id, PartyOrg.name)).all())
    return [MobileRow(m, cards.get(m.id), last.get(m.id), names.get(m.party_org_id, "")) for m in members]


def not_heard_from(session: Session, scope: Scope, days: int, on: dt.date | None = None) -> list[MobileRow]:
    on = on or clock.today()
    return [r for r in mobile_rows(session, scope) if r.overdue(on, days)]


def _date(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str], required: bool = False
          ) -> dt.date | None:
    value = text(raw, key)
    if not value:
        if required:
            errors[key] = f"{label}：必填"
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[key] = f"{label}：日期格式应为 2026-03-01"
        return None
    if day > clock.today():
        errors[key] = f"{label}：不能晚于今天"
    return day


def save_card(session: Session, member: Member, raw: Mapping[str, Any]) -> MobileCard:
    """流动党员活动证 number, issue date, the party org attended while away (one of this tenant's
    by id, or the name of one elsewhere), where the member is and how to reach them."""
    if not member.mobile:
        raise FormErrors({"__all__": "该党员不是流动党员：请先在党员信息中登记流出或流入"})
    errors: dict[str, str] = {}
    card_no = text(raw, "card_no")
    if not card_no:
        errors["card_no"] = "活动证编号：必填"
    elif len(card_no) > 50:
        errors["card_no"] = "活动证编号：最多 50 个字符"
    issued_on = _date(raw, "issued_on", "发证日期", errors)
    po_id = text(raw, "attending_party_org")
    po = None
    if po_id:
        po = session.get(PartyOrg, row_id(po_id)) if row_id(po_id) else None
        if po is None:
            errors["attending_party_org"] = "流入地参加组织生活的党组织：请选择本辖区的党组织，或填写外地党组织名称"
    other = text(raw, "attending_party_org_name")
    if po is None and not other and "attending_party_org" not in errors:
        errors["attending_party_org_name"] = "流入地参加组织生活的党组织：必填"
    for key, label, size in (("attending_party_org_name", "党组织名称", 200), ("away_place", "流入地", 200),
                             ("contact", "联系方式", 100)):
        if len(text(raw, key)) > size:
            errors[key] = f"{label}：最多 {size} 个字符"
    if errors:
        raise FormErrors(errors)
    card = session.scalar(select(MobileCard).where(MobileCard.member_id == member.id))
    if card is None:
        card = MobileCard(member_id=member.id)
        session.add(card)
    card.card_no, card.issued_on = card_no, issued_on
    card.attending_party_org_id = po.id if po else None
    card.attending_party_org_name = po.name if po else other
    card.away_place, card.contact = text(raw, "away_place"), text(raw, "contact")
    session.flush()
    return card


def record_check(session: Session, member: Member, raw: Mapping[str, Any], actor: str) -> MobileCheck:
    """One 排查: the date, whether the member was reached, what was learned."""
    if not member.mobile:
        raise FormErrors({"__all__": "该党员不是流动党员"})
    errors: dict[str, str] = {}
    on = _date(raw, "checked_on", "排查日期", errors, required=True)
    reached = text(raw, "reached")
    if reached not in ("1", "0"):
        errors["reached"] = "联系结果：请选择已联系上或未联系上"
    note = text(raw, "note")
    if len(note) > 1000:
        errors["note"] = "情况说明：最多 1000 个字符"
    if errors:
        raise FormErrors(errors)
    check = MobileCheck(member_id=member.id, checked_on=on, reached=reached == "1", note=note, checked_by=actor)
    session.add(check)  # one miss is not yet 失联: the registry's flag stays the staff's decision
    session.flush()
    return check


def checks_of(session: Session, member_id: int) -> list[MobileCheck]:
    return list(session.scalars(select(MobileCheck).where(MobileCheck.member_id == member_id)
                                .order_by(MobileCheck.checked_on.desc(), MobileCheck.id.desc())))
