"""Notice rules shared by the page and the API."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import search
from core.forms import FormErrors
from plugins.example.models import Notice


def clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 100:
        errors["title"] = "标题最多 100 个字符"
    if len(body) > 5000:
        errors["body"] = "正文最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    return title, body


def post_notice(session: Session, title: str, body: str, pinned: bool, max_notices: int) -> Notice:
    title, body = clean(title, body)
    if session.scalar(select(func.count()).select_from(Notice)) >= max_notices:
        raise FormErrors({"title": f"公告数量已达上限（{max_notices} 条），请先删除旧公告"})
    notice = Notice(title=title, body=body, pinned=pinned)
    session.add(notice)
    session.flush()
    return notice


def list_notices(session: Session, q: str = "") -> list[Notice]:
    stmt = select(Notice).order_by(Notice.pinned.desc(), Notice.created_at.desc(), Notice.id.desc())
    if q:
        stmt = stmt.where(search.matches(q, Notice.title))
    return list(session.scalars(stmt))
