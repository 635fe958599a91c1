"""The in-app inbox: creating notifications (idempotent on a key), the unread count, marking read.

Every user has an inbox per tenant: the notifications about that tenant's work addressed to them.
The top bar shows the count of the tenant being viewed (:func:`unread_count`, one indexed query,
kept per worker for ``revision_poll_seconds`` like the signed-in user).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.config import get_settings
from core.db import open_session
from core.models import User
from core.notify.models import NOTIFICATION_KINDS, Notification

#: (user id, tenant id) → (expires at, unread count)
_UNREAD: dict[tuple[int, int], tuple[float, int]] = {}
_lock = threading.Lock()


def active_users(session: Session, user_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return list(session.scalars(select(User.id).where(User.id.in_(ids), User.is_active.is_(True)).order_by(User.id)))


def notify(session: Session, tenant_id: int, recipients: Iterable[int], *, title: str, body: str = "",
           link: str = "", kind: str = "system", key: str | None = None) -> list[Notification]:
    """Put a notification in each recipient's inbox of ``tenant_id``; with a ``key``, only for
    recipients who do not have that key yet (idempotent). Returns the rows created."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = active_users(session, recipients)
    if key is not None and users:
        have = set(session.scalars(select(Notification.recipient_id).where(
            Notification.tenant_id == tenant_id, Notification.key == key, Notification.recipient_id.in_(users))))
        users = [u for u in users if u not in have]
    rows = [Notification(tenant_id=tenant_id, recipient_id=u, kind=kind, key=key, title=title[:200],
                         body=body, link=link[:500]) for u in users]
    session.add_all(rows)
    session.flush()
    for u in users:
        forget(u, tenant_id)
    return rows


def inbox(user_id: int, *, unread_only: bool = False):
    """The select of a user's notifications in the session's tenant, newest first."""
    stmt = select(Notification).where(Notification.recipient_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def count_unread(session: Session, user_id: int, tenant_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.tenant_id == tenant_id,
        Notification.read_at.is_(None))) or 0


def unread_count(user_id: int, tenant_id: int) -> int:
    """The top bar's number: one indexed count, kept per worker for ``revision_poll_seconds``."""
    now = time.monotonic()
    hit = _UNREAD.get((user_id, tenant_id))
    if hit is not None and now < hit[0]:
        return hit[1]
    with open_session(tenant_id) as s:
        n = count_unread(s, user_id, tenant_id)
    ttl = get_settings().revision_poll_seconds
    if ttl > 0:
        with _lock:
            if len(_UNREAD) >= 10_000:
                _UNREAD.clear()
            _UNREAD[(user_id, tenant_id)] = (now + ttl, n)
    return n


def forget(user_id: int, tenant_id: int) -> None:
    _UNREAD.pop((user_id, tenant_id), None)


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read (None if it is not theirs or not here)."""
    row = session.get(Notification, notification_id)
    if row is None or row.recipient_id != user_id:
        return None
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()
    forget(user_id, row.tenant_id)
    return row


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user in the session's tenant read; how many."""
    rows = session.scalars(select(Notification).where(Notification.recipient_id == user_id,
                                                      Notification.read_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.read_at = now
        forget(user_id, row.tenant_id)
    session.flush()
    return len(rows)


__all__ = ["notify", "inbox", "unread_count", "count_unread", "mark_read", "mark_all_read", "forget", "update"]
