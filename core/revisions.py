"""Shared-state revisions: bump on change, every worker notices within a second.

A counter row per kind of shared state (``tenants``, ``plugins``, ``policies``). A change
bumps its counter in the same transaction. Each worker checks the counters at most once
per ``revision_poll_seconds`` and drops the caches whose counter moved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import open_session
from core.models import Revision

KINDS = ("tenants", "plugins", "policies")

_listeners: dict[str, list[Callable[[], None]]] = {k: [] for k in KINDS}
_seen: dict[str, int] = {}
_last_check = 0.0
_lock = threading.Lock()


def on_change(kind: str, callback: Callable[[], None]) -> None:
    """Call ``callback`` (cache invalidation) when ``kind`` changes anywhere."""
    _listeners[kind].append(callback)


def bump(session: Session, kind: str) -> None:
    """Mark ``kind`` changed; visible to other workers when ``session`` commits."""
    row = session.get(Revision, kind)
    if row is None:
        session.add(Revision(key=kind, value=1))
    else:
        session.execute(update(Revision).where(Revision.key == kind).values(value=Revision.value + 1))
    session.info.setdefault("_bumped", set()).add(kind)


def invalidate(kind: str) -> None:
    for cb in _listeners[kind]:
        cb()


def poll(force: bool = False) -> None:
    """Reload caches whose revision moved since this worker last looked."""
    global _last_check
    now = time.monotonic()
    if not force and now - _last_check < get_settings().revision_poll_seconds:
        return
    with _lock:
        _last_check = now
        with open_session() as s:
            current = dict(s.execute(select(Revision.key, Revision.value)).all())
        for kind in KINDS:
            value = current.get(kind, 0)
            if _seen.get(kind) != value:
                if kind in _seen:
                    invalidate(kind)
                _seen[kind] = value


def reset() -> None:
    """Forget everything (tests that switch databases)."""
    global _last_check
    _seen.clear()
    _last_check = 0.0
    for kind in KINDS:
        invalidate(kind)
