"""Demo rows for a tenant that enabled membership (idempotent): 活动证 and checks for a few mobile
members (one left unchecked, so the 未联系 list has someone), and one transfer inside the tenant
whose letter runs out soon (so the 待办 card shows it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import Member, PartyOrg
from core.tenancy import TenantInfo
from plugins.membership import dues, transfers
from plugins.membership.models import (
    DuesProfile,
    DuesRecord,
    MobileCard,
    MobileCheck,
    PointsEntry,
    Transfer,
)
from plugins.membership.scope import Scope

ACTOR = "demo"


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    mobile = list(session.scalars(select(Member).where(Member.mobile != "").order_by(Member.id).limit(4)))
    carded = set(session.scalars(select(MobileCard.member_id).where(MobileCard.member_id.in_([m.id for m in mobile]))))
    for i, m in enumerate(mobile):
        if m.id in carded:  # idempotent per row (never "any card": a program may have issued some)
            continue
        session.add(MobileCard(member_id=m.id, card_no=f"LD{today.year}{m.id:05d}", issued_on=today.replace(day=1),
                               attending_party_org_name=m.mobile_counterpart or "流入地党组织",
                               away_place=m.mobile_counterpart))
        if i < len(mobile) - 1:  # the last one has not been reached: it shows as 未联系
            session.add(MobileCheck(member_id=m.id, checked_on=today - dt.timedelta(days=10 * (i + 1)),
                                    reached=True, note="电话联系，思想稳定", checked_by=ACTOR))
    orgs = list(session.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None)).order_by(PartyOrg.id).limit(2)))
    _dues(session, orgs[0] if orgs else None, today)
    _points(session, tenant, orgs[0] if orgs else None, today)
    if len(orgs) < 2:
        session.flush()
        return
    member = session.scalar(select(Member).where(Member.party_org_id == orgs[0].id, Member.status == "full",
                                                 Member.mobile == "").order_by(Member.id).limit(1))
    if member is None or session.scalar(select(Transfer.id).where(Transfer.member_id == member.id).limit(1)):
        session.flush()
        return
    t = transfers.apply(session, tenant, member, {"scope": "internal", "to_party_org": str(orgs[1].id),
                                                  "reason": "工作单位调整"}, ACTOR)
    transfers.submit(session, tenant, t, ACTOR)
    # issued long enough ago that the letter runs out within the warning period
    transfers.issue(session, tenant, t, ACTOR, 3, on=transfers.add_months(today, -3) + dt.timedelta(days=7))
    session.flush()


def _dues(session: Session, po: PartyOrg | None, today: dt.date) -> None:
    """Profiles for the first party org's members and its last two months, mostly paid."""
    if po is None or session.scalar(select(func.count(DuesRecord.id))):
        return
    members = list(session.scalars(select(Member).where(Member.party_org_id == po.id,
                                                        Member.status.in_(("probationary", "full")))
                                   .order_by(Member.id).limit(30)))
    for i, m in enumerate(members):
        category = "retired" if i % 7 == 6 else ("student" if i % 11 == 10 else "employed")
        session.add(DuesProfile(member_id=m.id, category=category, base_fen=(2800 + 900 * (i % 9)) * 100))
    session.flush()
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    for month in (last, this):
        dues.generate_month(session, Scope(None), month, po.id)
    for i, rec in enumerate(session.scalars(select(DuesRecord).where(DuesRecord.month == last))):
        if i % 5 != 4:  # one in five still owes last month
            rec.paid_fen, rec.paid_on, rec.method = rec.due_fen, last + dt.timedelta(days=9), "wechat"
    session.flush()


def _points(session: Session, tenant: TenantInfo, po: PartyOrg | None, today: dt.date) -> None:
    """A few ledger entries under the tenant's rule set for the first party org's members."""
    from core.plugins import registry
    from plugins.membership import points

    if po is None or session.scalar(select(func.count(PointsEntry.id))):
        return
    rs = points.chosen_rule_set(tenant, registry().settings(tenant.id, "membership"))
    if rs is None:
        return
    members = list(session.scalars(select(Member).where(Member.party_org_id == po.id,
                                                        Member.status.in_(("probationary", "full")))
                                   .order_by(Member.id).limit(8)))
    on = today.replace(day=1)
    for i, m in enumerate(members):
        for rule in rs.rules_for(points.member_class(session, m))[i % 3:i % 3 + (i % 4)]:
            session.add(PointsEntry(member_id=m.id, rule_set=rs.key, rule_key=rule.key, rule_label=rule.label,
                                    points=rule.points, on=on, year=on.year, evidence="支部台账记载",
                                    recorded_by=ACTOR))
    session.flush()
