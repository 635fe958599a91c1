"""The membership panel on the core member page (``register_detail_panels``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_types import Widget
from core.registry.models import Member
from core.tenancy import TenantInfo
from plugins.membership.models import Transfer
from plugins.membership.transfers import OPEN_STATES, STATES


def member_panel(session: Session, tenant: TenantInfo, member_id: int, may_transfer: bool) -> list[Widget]:
    """The member's transfers and "发起转接" — offered only when it can succeed (the user may
    transfer, the member is not 已转出 and has no transfer under way), otherwise saying why."""
    member = session.get(Member, member_id)
    if member is None:
        return []
    transfers = list(session.scalars(select(Transfer).where(Transfer.member_id == member_id, Transfer.side == "out")
                                     .order_by(Transfer.id.desc()).limit(5)))
    why = ""
    if member.transfer_state == "out":
        why = "该党员已转出"
    elif any(t.state in OPEN_STATES for t in transfers):
        why = "已有进行中的转接，办结后才能再发起"
    new_href = f"/t/{tenant.slug}/membership/transfers/new?member={member.id}" if may_transfer and not why else None
    return [Widget("组织关系转接", "membership:MemberPanel", {
        "transfers": transfers, "states": STATES, "new_href": new_href, "why": why if may_transfer else "",
        "href": f"/t/{tenant.slug}/membership/transfers",
    }, permission="membership:read", order=30)]
