"""What plugins hand to the notifications part (``register_reminders``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    """Something due or overdue in a tenant, returned by ``register_reminders``.

    ``key`` names the item *and the occasion*, stable from one run to the next
    (``"campaigns.task:12:overdue"``): each recipient gets one notification per key, and each
    delivery channel one message, however often the job runs. A new occasion (due soon →
    overdue) is a new key. ``link`` is a path below the tenant (``campaigns/3``).
    Recipients: ``recipients`` (user ids) when given, else every user holding ``permission``
    through a role assigned in the tenant itself.
    """

    key: str
    title: str
    body: str = ""
    link: str = ""
    due: dt.date | None = None
    overdue: bool = False
    permission: str = "tenant:view"
    recipients: tuple[int, ...] = ()
