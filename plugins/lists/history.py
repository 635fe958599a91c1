"""How demands, works, resources, comments and files read in histories
(see :mod:`core.history`). Categories, urgencies and the other vocabularies are the tenant's
scheme's."""

from __future__ import annotations

from core.history import FILE_FIELDS, FILE_HIDDEN, Labels
from plugins.lists.models import (
    ListAttachment,
    ListComment,
    ListDemand,
    ListResource,
    ListWork,
    ListWorkResource,
)
from plugins.lists.states import (
    CHANNELS,
    CLAIM_SIDES,
    ESCALATION_STATUSES,
    RESOURCE_STATUSES,
    STATUSES,
    WORK_STATUSES,
)

COMMENT_KINDS = {"comment": "留言", "reply": "上级答复"}


def _vocabulary(name: str):
    """The tenant's labels of one scheme vocabulary (``"categories"`` …)."""

    def labels(tenant) -> dict[str, str]:
        from plugins.lists.schemes import scheme_for

        return dict(scheme_for(tenant).labels[name]) if tenant else {}

    return labels


LABELS = [
    Labels(ListDemand, "需求",
           {"organization_id": "提出组织", "org_name": "组织", "title": "标题", "description": "描述",
            "category": "类别", "urgency": "紧急程度", "action_tag": "专项行动", "channel": "来源",
            "station_id": "服务站", "contact_name": "联系人", "submitted_by_id": "提交人", "status": "状态",
            "triage_level": "解决方式", "submitted_on": "提交日期", "due_on": "办理时限", "accepted_on": "受理日期",
            "resolved_on": "办结日期", "resolution": "办理结果", "reject_reason": "退回原因", "rating": "评分",
            "rating_comment": "评价意见", "rated_by_id": "评价人", "rated_on": "评价日期", "escalated_to_id": "上报至",
            "escalated_on": "上报日期", "escalation_reason": "上报说明", "escalation_status": "上报状态",
            "escalation_reply": "上级答复"},
           choices={"category": _vocabulary("categories"), "urgency": _vocabulary("urgencies"),
                    "action_tag": _vocabulary("special_actions"), "triage_level": _vocabulary("triage_levels"),
                    "status": STATUSES, "channel": CHANNELS, "escalation_status": ESCALATION_STATUSES},
           actions={"export": "导出需求"}),
    Labels(ListWork, "清单事项",
           {"demand_id": "需求", "kind": "清单", "title": "标题", "owner_name": "责任人", "owner_role": "认领角色",
            "owner_user_id": "责任人账号", "deadline": "完成时限", "triage_level": "解决方式", "status": "状态",
            "claim_side": "认领方", "claimed_by_id": "认领人", "note": "工作安排", "result": "完成情况",
            "done_on": "完成日期"},
           choices={"kind": _vocabulary("work_lists"), "owner_role": _vocabulary("claimer_roles"),
                    "triage_level": _vocabulary("triage_levels"), "status": WORK_STATUSES,
                    "claim_side": CLAIM_SIDES}),
    Labels(ListResource, "资源",
           {"title": "名称", "description": "描述", "category": "类别", "provider_kind": "提供方类型",
            "provider_name": "提供方", "organization_id": "提供组织", "provider_user_id": "提供方账号",
            "capacity": "可服务次数", "contact_name": "联系人", "contact_phone_enc": "联系电话",
            "valid_until": "有效期至", "status": "状态"},
           choices={"category": _vocabulary("categories"), "provider_kind": _vocabulary("provider_kinds"),
                    "status": RESOURCE_STATUSES},
           actions={"reveal": "查看资源联系电话"}),
    Labels(ListWorkResource, "资源对接", {"work_id": "清单事项", "resource_id": "资源"}, title="resource_id"),
    Labels(ListComment, "留言", {"demand_id": "需求", "author_id": "留言账号", "author_name": "留言人",
                               "author_tenant_id": "留言辖区", "kind": "类别", "body": "内容"},
           choices={"kind": COMMENT_KINDS}, title="author_name"),
    Labels(ListAttachment, "附件", {"demand_id": "需求", **FILE_FIELDS}, hidden=FILE_HIDDEN),
]
