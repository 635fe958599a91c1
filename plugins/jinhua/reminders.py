"""契约到期 reminders (``register_reminders``): each contract in force that ends within the tenant's
warning days, and once more after it ended unrenewed — to the program's staff (holders of
``jinhua:write`` in the tenant) and the accounts of the alliance's 书记 / 联络员."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.notify.types import Reminder
from core.registry.models import Cluster, ClusterLeader, ClusterMember
from plugins.jinhua import service as svc
from plugins.jinhua.models import Alliance


def contract_reminders(session, tenant, settings, today: dt.date) -> list[Reminder]:
    from core.permissions import authorizer

    rows = svc.expiring_contracts(session, today, settings.contract_warning_days)
    if not rows:
        return []
    staff = authorizer.holders(tenant.id, "jinhua:write")
    alliances = {a.id: (a, c) for a, c in session.execute(
        select(Alliance, Cluster).join(Cluster, Cluster.id == Alliance.cluster_id)
        .where(Alliance.id.in_({r.alliance_id for r in rows})))}
    members = {m.id: m for m in session.scalars(select(ClusterMember).where(
        ClusterMember.id.in_({r.member_id for r in rows})))}
    names = svc.member_labels(session, tenant, members.values())
    out = []
    for r in rows:
        alliance, cluster = alliances[r.alliance_id]
        leaders = session.scalars(select(ClusterLeader.user_id).where(
            ClusterLeader.cluster_id == cluster.id, ClusterLeader.user_id.is_not(None),
            ClusterLeader.ended_on.is_(None)))
        recipients = tuple(dict.fromkeys([*staff, *leaders]))
        overdue = r.ends_on < today
        occasion = "ended" if overdue else "expiring"
        who = names.get(r.member_id, "成员单位")
        out.append(Reminder(
            key=f"jinhua.contract:{r.id}:{occasion}",
            title=(f"{cluster.name}：{who}的契约已于 {r.ends_on.isoformat()} 到期，尚未续签" if overdue
                   else f"{cluster.name}：{who}的契约将于 {r.ends_on.isoformat()} 到期"),
            body="党建联盟单位实行契约化管理，请及时续签或解除契约。",
            link=f"jinhua/alliances/{cluster.id}#contracts", due=r.ends_on, overdue=overdue,
            permission="jinhua:write", recipients=recipients))
    return out
