"""Notifications — a part of the core written as a plugin of the core's own hooks.

Always enabled: the in-app inbox (its unread count sits in the shell's top bar), reminders of
what is due (plugins report through ``register_reminders``; the ``notify.reminders`` job turns
them into notifications and deliveries once), bulletins (通报) to the tenants below, and the
delivery channels a tenant configures (email over SMTP, 企业微信 and 钉钉 group robots), sent
on the task queue (:mod:`core.tasks`). See ``docs/capabilities.md``.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, Role

PERMISSIONS = [
    Permission("bulletins:read", "阅读通报"),
    Permission("bulletins:publish", "发布通报、查看阅读情况"),
    Permission("notify:manage", "管理消息推送渠道"),
]

ROLES = [
    Role("tenant_admin", permissions=("bulletins:read", "bulletins:publish", "notify:manage")),
    Role("staff", permissions=("bulletins:read", "bulletins:publish")),
    Role("instructor", permissions=("bulletins:read",)),
    Role("org_secretary", permissions=("bulletins:read",)),
    Role("viewer", permissions=("bulletins:read",)),
]


@hookimpl
def register_models():
    from core.notify.models import MODELS

    return MODELS


@hookimpl
def register_routes():
    from core.notify import web, web_bulletins, web_channels

    return [*web.ROUTES, *web_bulletins.ROUTES, *web_channels.ROUTES]


@hookimpl
def register_api_routes():
    from core.notify import web, web_bulletins, web_channels

    return [*web.API_ROUTES, *web_bulletins.API_ROUTES, *web_channels.API_ROUTES]


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("消息", "inbox", permission="tenant:view", order=1, section="home"),
        NavItem("通报", "bulletins", permission="bulletins:read", order=2, section="home"),
        NavItem("消息推送渠道", "notify/channels", permission="notify:manage", order=915, section="admin"),
    ]


@hookimpl
def register_periodic_tasks():
    from core.notify.reminders import run_reminders
    from core.tasks import PeriodicTask, crontab

    def reminders(session, tenant):
        r = run_reminders(session, tenant)
        return {"reminders": r.reminders, "notifications": r.notifications, "deliveries": r.deliveries}

    # daily at 08:00 Beijing time (00:00 UTC)
    return [PeriodicTask("notify.reminders", "到期与超期提醒", crontab(minute="0", hour="0"), reminders)]


@hookimpl
def register_demo_data(session, tenant):
    """A district's demo bulletin to its streets (once, by title), so that inboxes and the
    receipts page have something to show."""
    from sqlalchemy import select

    from core.db import extend_scope
    from core.models import User
    from core.notify.bulletins import publish, target_choices
    from core.notify.models import Bulletin
    from core.tenancy import tree

    if tenant.level != "district" or not target_choices(tenant):
        return
    title = "关于开展两新组织党组织覆盖攻坚行动的工作通报"
    if session.scalar(select(Bulletin.id).where(Bulletin.tenant_id == tenant.id, Bulletin.title == title)):
        return
    extend_scope(session, tree().descendant_ids(tenant.id))
    author = session.scalar(select(User.id).where(User.username == f"{tenant.slug}_admin"))
    publish(session, tenant, author, {
        "title": title, "category": "progress", "targets": ["all"],
        "body": "各街道：截至本月底，辖区两新组织党组织覆盖率较年初提高，但仍有部分楼宇、商圈存在应建未建。"
                "请各街道对照台账逐一排查，于下月10日前报送攻坚进展，并在本通报上确认已阅。"})
