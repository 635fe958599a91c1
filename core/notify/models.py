"""Notifications (the in-app inbox), delivery channels and deliveries, bulletins and receipts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, TenantOwned

#: what a notification is about
NOTIFICATION_KINDS = {"reminder": "提醒", "bulletin": "通报", "system": "系统消息"}


class Notification(TenantOwned, Base):
    """One message in one user's inbox, in the tenant it concerns.

    ``key`` makes creation idempotent: a reminder for the same item and occasion is created once
    per recipient (unique per tenant, recipient and key)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "recipient_id", "key"),
        Index("ix_notifications_inbox", "recipient_id", "tenant_id", "read_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="system")
    key: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: a path below the tenant (``campaigns/tasks/3``) or empty
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


#: channel kinds a tenant can configure
CHANNEL_KINDS = {"email": "电子邮件（SMTP）", "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
#: what a channel carries
CHANNEL_EVENTS = {"reminders": "到期与超期提醒", "bulletins": "通报"}


class NotificationChannel(TenantOwned, Base):
    """Where a tenant's reminders and bulletins are also sent: a mailbox or a group robot.

    ``config`` holds what is not secret (SMTP host, port, sender, recipients); ``secret`` the
    SMTP password or the robot's webhook URL (which carries its key) and signing secret,
    encrypted with :mod:`core.crypto` as a JSON object."""

    __tablename__ = "notification_channels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


DELIVERY_STATES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}


class Delivery(TenantOwned, Base):
    """One message to one channel, at most once: unique per channel and message key.

    A worker claims the row (pending/failed → sending) in one UPDATE before sending, so a second
    worker running the same job finds it claimed or sent and sends nothing."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("channel_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


BULLETIN_CATEGORIES = {"work": "工作通报", "praise": "表扬通报", "criticism": "批评通报", "progress": "进度通报"}


class Bulletin(TenantOwned, Base):
    """A bulletin (通报, JH-4) a tenant publishes to tenants below it, with read receipts."""

    __tablename__ = "bulletins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="work")
    body: Mapped[str] = mapped_column(Text, default="")
    #: ids of the tenants it is addressed to (the publisher's subtree, or some of it)
    target_tenant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BulletinReceipt(TenantOwned, Base):
    """A user confirmed reading a bulletin; owned by the reader's tenant."""

    __tablename__ = "bulletin_receipts"
    __table_args__ = (UniqueConstraint("bulletin_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


MODELS = [Notification, NotificationChannel, Delivery, Bulletin, BulletinReceipt]
