"""Reminders: what plugins report as due or overdue becomes notifications, once.

The periodic job ``notify.reminders`` (daily, 08:00 Beijing time; ``liandong tasks run
notify.reminders`` any time) asks every plugin the tenant enabled through
``register_reminders`` and, for each :class:`~core.notify.types.Reminder`, puts one notification
per recipient in their inbox (idempotent on the reminder's key) and records one delivery per
channel that carries reminders (idempotent on channel and key), sent by the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import clock
from core.notify import delivery
from core.notify.service import notify
from core.notify.types import Reminder
from core.permissions import authorizer
from core.plugins import registry
from core.tenancy import TenantInfo

log = logging.getLogger("liandong.notify")


@dataclass
class RunResult:
    reminders: int = 0
    notifications: int = 0
    deliveries: int = 0


def collect(session: Session, tenant: TenantInfo, today: dt.date) -> list[Reminder]:
    """Every reminder of the tenant's enabled plugins (a failing plugin is logged and skipped)."""
    out: list[Reminder] = []
    seen: set[str] = set()
    for plugin, batch in registry().each_for(tenant.id, "register_reminders", session=session,
                                             tenant=tenant, today=today):
        for r in batch or ():
            if not isinstance(r, Reminder) or r.key in seen:
                log.warning("plugin %s: reminder %r skipped (not a Reminder, or its key twice)", plugin, r)
                continue
            seen.add(r.key)
            out.append(r)
    return out


def recipients_of(tenant_id: int, reminder: Reminder) -> list[int]:
    return list(reminder.recipients) or authorizer.holders(tenant_id, reminder.permission)


def run_reminders(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> RunResult:
    """Turn the tenant's due items into notifications and deliveries (idempotent)."""
    today = today or clock.today()
    result = RunResult()
    for r in collect(session, tenant, today):
        result.reminders += 1
        created = notify(session, tenant.id, recipients_of(tenant.id, r), title=r.title, body=r.body,
                         link=r.link, kind="reminder", key=r.key)
        result.notifications += len(created)
        link = f"/t/{tenant.slug}/{r.link.lstrip('/')}" if r.link else ""
        result.deliveries += len(delivery.queue(session, "reminders", f"reminder:{r.key}",
                                                f"{tenant.name}：{r.title}", r.body, _absolute(link)))
    return result


def _absolute(path: str) -> str:
    from core.config import get_settings

    base = (get_settings().public_url or "").rstrip("/")
    return f"{base}{path}" if base and path else path
