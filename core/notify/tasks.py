"""Tasks of the notifications part (imported by ``liandong worker``; declared where they work)."""

from __future__ import annotations

from core.notify.delivery import deliver

__all__ = ["deliver"]
