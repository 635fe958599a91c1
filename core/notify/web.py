"""Pages and API of the inbox (``/t/<slug>/inbox``, ``/api/t/<slug>/notifications``).

Every user with a role in the tenant has an inbox there: only their own notifications, read
with ``tenant:view``; marking read is a POST with the CSRF token (pages) or a bearer token (API).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.orm import Session

from core.notify import service as svc
from core.notify.models import NOTIFICATION_KINDS, Notification
from core.registry.web import paging
from core.web.context import Ctx
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, redirect, render

VIEW = {"permission": "tenant:view"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["notifications"]}


def _safe_link(ctx: Ctx, link: str) -> str:
    """A notification's link as a URL of this tenant (never another site)."""
    link = (link or "").strip()
    if not link or link.startswith(("//", "\\")) or "://" in link:
        return ctx.url("inbox")
    return ctx.url(link.lstrip("/"))


# --- pages -------------------------------------------------------------------------------------


@get("/inbox", opt=VIEW, **PAGE)
def inbox_page(ctx: Ctx, db: Session, request: Request, unread: str = "") -> Response:
    only = unread == "1"
    result = paginate(db, svc.inbox(ctx.user.id, unread_only=only), *paging.page_of(ctx, request.query_params))
    return render("notify:InboxPage", ctx=ctx, result=result, unread=only, kinds=NOTIFICATION_KINDS,
                  unread_total=svc.count_unread(db, ctx.user.id, ctx.tenant.id),
                  links={n.id: _safe_link(ctx, n.link) for n in result.items if n.link})


@post("/inbox/{notification_id:int}/read", opt=VIEW, **PAGE)
def read_page(ctx: Ctx, db: Session, notification_id: int, request: Request) -> Response:
    row = save(db, lambda: svc.mark_read(db, ctx.user.id, notification_id))
    if row is None:
        raise NotFoundException("消息不存在")
    if request.query_params.get("open") == "1" and row.link:
        return redirect(_safe_link(ctx, row.link))
    return redirect(ctx.url("inbox"))


@post("/inbox/read-all", opt=VIEW, **PAGE)
def read_all_page(ctx: Ctx, db: Session, request: Request) -> Response:
    n = save(db, lambda: svc.mark_all_read(db, ctx.user.id))
    flash(request, f"已将 {n} 条消息标为已读")
    return redirect(ctx.url("inbox"))


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class NotificationOut:
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(n.id, n.kind, NOTIFICATION_KINDS.get(n.kind, n.kind), n.title, n.body, n.link,
                   n.created_at, n.read_at)


@dataclass
class NotificationPage:
    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    page_size: int
    pages: int


@dataclass
class UnreadOut:
    unread: int


@dataclass
class MarkedOut:
    marked: int


@get("/notifications", opt=VIEW, **API)
def api_list(ctx: Ctx, db: Session, request: Request, unread: bool = False) -> NotificationPage:
    """The signed-in user's notifications in this tenant, newest first (``unread=true``: unread
    only); ``page``, ``page_size`` (1–200, default 25)."""
    page, page_size = paging.api_page(request.query_params)
    result = paginate(db, svc.inbox(ctx.user.id, unread_only=unread), page, page_size)
    return NotificationPage([NotificationOut.of(n) for n in result.items], result.total,
                            svc.count_unread(db, ctx.user.id, ctx.tenant.id), result.page, result.page_size,
                            result.pages)


@get("/notifications/unread-count", opt=VIEW, **API)
def api_unread(ctx: Ctx, db: Session) -> UnreadOut:
    """How many of the user's notifications in this tenant are unread."""
    return UnreadOut(svc.count_unread(db, ctx.user.id, ctx.tenant.id))


@post("/notifications/{notification_id:int}/read", opt=VIEW, status_code=200, **API)
def api_read(ctx: Ctx, db: Session, notification_id: int) -> NotificationOut:
    """Mark one of the user's notifications read (404 if it is not theirs)."""
    row = save(db, lambda: svc.mark_read(db, ctx.user.id, notification_id))
    if row is None:
        raise NotFoundException("消息不存在")
    return NotificationOut.of(row)


@post("/notifications/read-all", opt=VIEW, status_code=200, **API)
def api_read_all(ctx: Ctx, db: Session) -> MarkedOut:
    """Mark all of the user's notifications in this tenant read."""
    return MarkedOut(save(db, lambda: svc.mark_all_read(db, ctx.user.id)))


ROUTES = [inbox_page, read_page, read_all_page]
API_ROUTES = [api_list, api_unread, api_read, api_read_all]
