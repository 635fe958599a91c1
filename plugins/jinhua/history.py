"""How the jinhua program's rows read in histories and the audit log (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.jinhua.models import (
    AgendaItem,
    Alliance,
    AllianceBulletin,
    Contract,
    Founder,
    RotaSlot,
    Team,
)
from plugins.jinhua.service import AGENDA_STATUSES, CONTRACT_STATUSES, ROTA_PERIODS

LABELS = [
    Labels(Alliance, "党建联盟组建", {"cluster_id": "联盟", "founded_on": "成立日期", "principles": "组建原则",
                                "rota_period": "轮值周期"}, choices={"rota_period": ROTA_PERIODS}, title="cluster_id"),
    Labels(Founder, "联盟发起单位", {"alliance_id": "联盟", "unit_id": "发起单位", "is_lead": "牵头单位"}, title="unit_id"),
    Labels(Contract, "联盟契约", {"alliance_id": "联盟", "member_id": "成员单位", "signed_on": "签订日期",
                              "starts_on": "履约起始日期", "ends_on": "履约截止日期", "obligations": "契约内容",
                              "status": "状态", "renewed_from_id": "续签自"},
           choices={"status": CONTRACT_STATUSES}, title="member_id"),
    Labels(Team, "联盟服务团队", {"alliance_id": "联盟", "name": "名称", "service": "服务内容", "member_ids": "成员单位"},
           title="name"),
    Labels(RotaSlot, "联盟轮值", {"alliance_id": "联盟", "period": "轮值期", "member_id": "轮值主席单位"}, title="period"),
    Labels(AgendaItem, "联盟议题", {"alliance_id": "联盟", "title": "议题", "raised_by_member_id": "提出单位",
                                "raised_on": "提出日期", "meeting_id": "例会", "discussion": "讨论情况",
                                "decision": "决议事项", "decided_on": "决议日期", "owner_member_id": "落实单位",
                                "follow_up_due": "落实期限", "follow_up": "落实情况", "done_on": "落实日期",
                                "status": "状态"}, choices={"status": AGENDA_STATUSES}, title="title"),
    Labels(AllianceBulletin, "联盟通报", {"alliance_id": "联盟", "bulletin_id": "通报"}),
]
