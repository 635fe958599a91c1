"""Deliveries: one message per channel and key, sent at most once, on the task queue.

:func:`queue` records a :class:`Delivery` for every enabled channel of the tenant that carries
the event (unique per channel and key: a second run finds it and adds nothing) and enqueues the
send after the commit. :func:`send_delivery` (the task) claims the row with one conditional
UPDATE — pending or failed → sending — so that of two workers holding the same job only one
sends; a claim older than :data:`STALE_CLAIM` (a worker that died mid-send) may be taken again.
A refused send is kept as ``failed`` with its reason and retried by the queue with backoff.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.notify.channels import DeliveryError, send
from core.notify.models import Delivery, NotificationChannel
from core.tasks import enqueue_after_commit, tenant_task

STALE_CLAIM = dt.timedelta(minutes=10)


def channels_for(session: Session, event: str) -> list[NotificationChannel]:
    rows = session.scalars(select(NotificationChannel).where(NotificationChannel.enabled.is_(True))
                           .order_by(NotificationChannel.id)).all()
    return [c for c in rows if event in (c.events or [])]


def queue(session: Session, event: str, key: str, title: str, body: str = "", link: str = "") -> list[Delivery]:
    """Record (once per channel and key) and enqueue after commit the messages of ``event``."""
    created = []
    for channel in channels_for(session, event):
        exists = session.scalar(select(Delivery.id).where(Delivery.channel_id == channel.id, Delivery.key == key))
        if exists is not None:
            continue
        d = Delivery(tenant_id=channel.tenant_id, channel_id=channel.id, key=key[:200], title=title[:200],
                     body=body, link=link[:500])
        session.add(d)
        session.flush()
        enqueue_after_commit(session, deliver, channel.tenant_id, d.id)
        created.append(d)
    return created


def claim(session: Session, delivery_id: int) -> bool:
    """Take the delivery for this worker (committed at once); False if sent or claimed by another."""
    now = utcnow()
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id,
               or_(Delivery.state.in_(("pending", "failed")),
                   (Delivery.state == "sending") & (Delivery.claimed_at < now - STALE_CLAIM)))
        .values(state="sending", claimed_at=now, attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def send_delivery(session: Session, delivery_id: int) -> str:
    """Send one delivery if this worker can claim it: ``"sent"`` or ``"skipped"``; raises
    :class:`DeliveryError` (after recording it) so that the queue retries."""
    if not claim(session, delivery_id):
        return "skipped"
    d = session.get(Delivery, delivery_id, populate_existing=True)
    channel = session.get(NotificationChannel, d.channel_id)
    if channel is None or not channel.enabled:
        d.state, d.error = "failed", "渠道已停用或删除"
        session.commit()
        return "skipped"
    try:
        send(channel, d.title, d.body, d.link)
    except DeliveryError as exc:
        d.state, d.error = "failed", str(exc)[:1000]
        session.commit()
        raise
    d.state, d.error, d.sent_at = "sent", "", utcnow()
    session.commit()
    return "sent"


@tenant_task(retries=5, retry_delay=30, retry_backoff=2, name="deliver")
def deliver(session: Session, tenant, delivery_id: int) -> str:
    """The task: send one recorded delivery (email or group robot), at most once; a refusal is
    retried after 30 s, 60 s, 120 s … (five times)."""
    return send_delivery(session, delivery_id)
