"""How the notifications part's tables read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from core.notify.channels import SECURITY
from core.notify.models import (
    BULLETIN_CATEGORIES,
    CHANNEL_EVENTS,
    CHANNEL_KINDS,
    DELIVERY_STATES,
    NOTIFICATION_KINDS,
    Bulletin,
    BulletinReceipt,
    Delivery,
    Notification,
    NotificationChannel,
)


def _tenant_names(ids) -> str:
    from core.tenancy import tree

    t = tree().by_id
    return "、".join(t[i].name if i in t else str(i) for i in ids or [])


LABELS = [
    Labels(Notification, "消息", {"recipient_id": "收件人", "kind": "类别", "key": "提醒标识", "title": "标题",
                                "body": "内容", "link": "链接", "read_at": "阅读时间"},
           choices={"kind": NOTIFICATION_KINDS}, refs={"recipient_id": "users"}),
    Labels(NotificationChannel, "推送渠道", {"name": "名称", "kind": "类型", "enabled": "启用", "events": "发送内容",
                                         "config": "设置"},
           choices={"kind": CHANNEL_KINDS, "events": CHANNEL_EVENTS}, hidden={"secret"},
           keys={"config": {"host": "服务器", "port": "端口", "security": "加密方式", "sender": "发件人",
                            "to": "收件人", "username": "用户名"}}),
    Labels(Delivery, "消息推送", {"channel_id": "渠道", "key": "消息标识", "title": "标题", "body": "内容",
                              "link": "链接", "state": "状态", "attempts": "尝试次数", "error": "失败原因",
                              "claimed_at": "开始发送时间", "sent_at": "发送时间"},
           choices={"state": DELIVERY_STATES}),
    Labels(Bulletin, "通报", {"title": "标题", "category": "类别", "body": "正文", "target_tenant_ids": "通报范围",
                            "published_by_id": "发布人", "published_at": "发布时间", "withdrawn_at": "撤回时间"},
           choices={"category": BULLETIN_CATEGORIES}, refs={"published_by_id": "users"},
           formats={"target_tenant_ids": _tenant_names}),
    Labels(BulletinReceipt, "通报阅读回执", {"bulletin_id": "通报", "user_id": "阅读人", "read_at": "阅读时间"},
           refs={"user_id": "users"}),
]

__all__ = ["LABELS", "SECURITY"]
