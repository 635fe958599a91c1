"""How notices read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.example.models import Notice

LABELS = [
    Labels(Notice, "公告", {"title": "标题", "body": "内容", "pinned": "置顶"}),
]
