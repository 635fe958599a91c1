"""How activities and their speakers, participants, files and follow-ups read in histories
(see :mod:`core.history`). Activity types are the tenant's."""

from __future__ import annotations

from core.history import Labels
from plugins.activities.models import (
    Activity,
    ActivityAttachment,
    ActivityCoOrganizer,
    ActivityFollowUp,
    ActivityParticipant,
    ActivitySpeaker,
)
from plugins.activities.service import ATTACHMENT_KINDS, ATTENDANCE, STATUSES, types_for
from plugins.activities.types import BUILTIN_TYPES, ORGANIZER_KINDS


def _types(tenant) -> dict[str, str]:
    found = types_for(tenant).types if tenant else BUILTIN_TYPES
    return {t.key: t.label for t in found}


LABELS = [
    Labels(Activity, "活动",
           {"activity_type": "活动类型", "title": "活动主题", "description": "活动内容", "organizer_kind": "组织单位类型",
            "party_org_id": "党组织", "cluster_id": "联建组织", "organizer_name": "组织单位", "starts_at": "开始时间",
            "ends_at": "结束时间", "place": "地点", "status": "状态", "cancel_reason": "取消原因",
            "minutes": "会议记录", "created_by_id": "登记人"},
           choices={"activity_type": _types, "organizer_kind": ORGANIZER_KINDS, "status": STATUSES},
           actions={"export": "导出活动"}),
    Labels(ActivityCoOrganizer, "共同组织单位",
           {"activity_id": "活动", "organizer_kind": "组织单位类型", "party_org_id": "党组织", "cluster_id": "联建组织",
            "organizer_name": "共同组织单位"},
           choices={"organizer_kind": ORGANIZER_KINDS}, title="organizer_name"),
    Labels(ActivitySpeaker, "主讲人", {"activity_id": "活动", "name": "姓名", "unit": "单位", "topic": "讲题",
                                    "position": "顺序"}),
    Labels(ActivityParticipant, "参加人员",
           {"activity_id": "活动", "member_id": "党员", "name": "姓名", "unit": "单位", "attendance": "出勤",
            "leave_reason": "请假事由", "leave_approved": "准假", "leave_decided_by_id": "准假人", "note": "备注"},
           choices={"attendance": ATTENDANCE}),
    Labels(ActivityAttachment, "附件",
           {"activity_id": "活动", "kind": "类别", "filename": "文件名称", "location": "存放位置",
            "size_bytes": "大小（字节）", "description": "说明", "content_type": "文件类型",
            "uploaded_by_id": "上传人"},
           hidden={"sha256", "stored_name"}, choices={"kind": ATTACHMENT_KINDS}, title="filename"),
    Labels(ActivityFollowUp, "落实事项", {"activity_id": "活动", "text": "落实事项", "due_on": "完成时限",
                                      "done": "已完成", "done_on": "完成日期"},
           title="text"),
]
