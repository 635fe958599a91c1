"""The tenant's delivery channels (``/t/<slug>/notify/channels``, tenant admins): email over SMTP
and 企业微信 / 钉钉 group robots, with the recent deliveries and a test message (on the queue)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.notify import channels as ch
from core.notify import delivery
from core.notify.models import (
    CHANNEL_EVENTS,
    CHANNEL_KINDS,
    DELIVERY_STATES,
    Delivery,
    NotificationChannel,
)
from core.tasks import enqueue_after_commit
from core.web.context import Ctx
from core.web.forms import save
from core.web.render import flash, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MANAGE = {"permission": "notify:manage"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["notifications"]}


def _get(db: Session, channel_id: int) -> NotificationChannel:
    row = db.get(NotificationChannel, channel_id)
    if row is None:
        raise NotFoundException("推送渠道不存在")
    return row


def _form(raw: dict[str, Any]) -> dict[str, Any]:
    events = raw.get("events", [])
    return {**raw, "events": [events] if isinstance(events, str) else list(events or [])}


def _page(ctx: Ctx, db: Session, form: dict | None = None, errors: dict | None = None,
          editing: NotificationChannel | None = None, status: int = 200) -> Response:
    rows = db.scalars(select(NotificationChannel).order_by(NotificationChannel.id)).all()
    recent = db.scalars(select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(50)).all()
    return render("notify:ChannelsPage", status_code=status, ctx=ctx, channels=rows, recent=recent,
                  names={c.id: c.name for c in rows}, form=form or {"kind": "email", "events": list(CHANNEL_EVENTS),
                                                                    "port": "25", "security": "none", "enabled": "1"},
                  errors=errors or {}, editing=editing, kinds=CHANNEL_KINDS, events=CHANNEL_EVENTS,
                  states=DELIVERY_STATES, security=ch.SECURITY)


def _form_of(c: NotificationChannel) -> dict[str, Any]:
    cfg = c.config or {}
    return {"name": c.name, "kind": c.kind, "enabled": "1" if c.enabled else "", "events": list(c.events or []),
            "host": cfg.get("host", ""), "port": str(cfg.get("port", "")), "security": cfg.get("security", "none"),
            "sender": cfg.get("sender", ""), "to": ", ".join(cfg.get("to", [])), "username": cfg.get("username", "")}


@get("/notify/channels", opt=MANAGE, **PAGE)
def channels_page(ctx: Ctx, db: Session) -> Response:
    return _page(ctx, db)


@post("/notify/channels", opt=MANAGE, **PAGE)
def create_channel(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data)

    def write() -> NotificationChannel:
        fields, secret = ch.clean_channel(form)
        row = NotificationChannel()
        ch.apply_channel(row, fields, secret)
        db.add(row)
        db.flush()
        return row

    row = save(db, write, rerender=lambda errors: _page(ctx, db, form, errors))
    flash(request, f"已添加推送渠道「{row.name}」")
    return redirect(ctx.url("notify/channels"))


@get("/notify/channels/{channel_id:int}", opt=MANAGE, **PAGE)
def edit_page(ctx: Ctx, db: Session, channel_id: int) -> Response:
    row = _get(db, channel_id)
    return _page(ctx, db, _form_of(row), editing=row)


@post("/notify/channels/{channel_id:int}", opt=MANAGE, **PAGE)
def update_channel(ctx: Ctx, db: Session, request: Request, channel_id: int, data: Form) -> Response:
    row = _get(db, channel_id)
    form = {**_form(data), "kind": row.kind}

    def write() -> NotificationChannel:
        fields, secret = ch.clean_channel(form, existing=row)
        ch.apply_channel(row, fields, secret)
        db.flush()
        return row

    save(db, write, rerender=lambda errors: _page(ctx, db, form, errors, editing=row))
    flash(request, f"已保存推送渠道「{row.name}」")
    return redirect(ctx.url("notify/channels"))


@post("/notify/channels/{channel_id:int}/delete", opt=MANAGE, **PAGE)
def delete_channel(ctx: Ctx, db: Session, request: Request, channel_id: int) -> Response:
    row = _get(db, channel_id)
    name = row.name
    save(db, lambda: db.delete(row))
    flash(request, f"已删除推送渠道「{name}」")
    return redirect(ctx.url("notify/channels"))


@post("/notify/channels/{channel_id:int}/test", opt=MANAGE, **PAGE)
def test_channel(ctx: Ctx, db: Session, request: Request, channel_id: int) -> Response:
    row = _get(db, channel_id)

    def write() -> None:
        d = Delivery(channel_id=row.id, key=f"test:{secrets.token_hex(8)}", title="测试消息",
                     body=f"这是{ctx.tenant.name}在联动平台发出的测试消息（{ctx.user.label}）。")
        db.add(d)
        db.flush()
        enqueue_after_commit(db, delivery.deliver, ctx.tenant.id, d.id)

    save(db, write)
    flash(request, f"测试消息已排入发送队列，稍后在下方查看「{row.name}」的发送结果")
    return redirect(ctx.url("notify/channels"))


# --- JSON API ------------------------------------------------------------------------------------


@dataclass
class ChannelOut:
    id: int
    name: str
    kind: str
    kind_label: str
    enabled: bool
    events: list[str]
    #: what is not secret (SMTP host, port, sender, recipients; a robot's host)
    config: dict[str, Any]


@dataclass
class DeliveryOut:
    id: int
    channel_id: int
    title: str
    state: str
    attempts: int
    error: str


@get("/notify/channels", opt=MANAGE, **API)
def api_channels(db: Session) -> list[ChannelOut]:
    """The tenant's delivery channels (secrets never leave the server)."""
    return [ChannelOut(c.id, c.name, c.kind, CHANNEL_KINDS.get(c.kind, c.kind), c.enabled, list(c.events or []),
                       dict(c.config or {}))
            for c in db.scalars(select(NotificationChannel).order_by(NotificationChannel.id))]


@get("/notify/deliveries", opt=MANAGE, **API)
def api_deliveries(db: Session) -> list[DeliveryOut]:
    """The latest 100 deliveries and their state (待发送 / 发送中 / 已发送 / 发送失败)."""
    rows = db.scalars(select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(100))
    return [DeliveryOut(d.id, d.channel_id, d.title, d.state, d.attempts, d.error) for d in rows]


ROUTES = [channels_page, create_channel, edit_page, update_channel, delete_channel, test_channel]
API_ROUTES = [api_channels, api_deliveries]
__all__ = ["ROUTES", "API_ROUTES", "delivery"]
