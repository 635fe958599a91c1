"""Pages and API of bulletins (``/t/<slug>/bulletins``, ``/api/t/<slug>/bulletins``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy.orm import Session

from core.clock import local_minute
from core.notify import bulletins as svc
from core.notify.models import BULLETIN_CATEGORIES, Bulletin
from core.tenancy import tree
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.render import flash, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "bulletins:read"}
PUBLISH = {"permission": "bulletins:publish"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["bulletins"]}


def _load(ctx: Ctx, s: Session, bulletin_id: int) -> tuple[Bulletin, str]:
    found = svc.get_for(s, ctx.tenant, bulletin_id)
    if found is None:
        raise NotFoundException("通报不存在")
    if found[1] == "sent" and not ctx.can("bulletins:publish"):
        raise NotFoundException("通报不存在")
    return found


def _publisher_session(ctx: Ctx) -> Session:
    return ctx.rollup_session("bulletins:publish")


def _form_page(ctx: Ctx, form: dict, errors: dict) -> Response:
    return render("notify:BulletinForm", ctx=ctx, form=form, errors=errors, categories=BULLETIN_CATEGORIES,
                  targets=svc.target_choices(ctx.tenant))


# --- pages -------------------------------------------------------------------------------------


@get("/bulletins", opt=READ, **PAGE)
def list_page(ctx: Ctx) -> Response:
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        got = svc.received(s, ctx.tenant)
        mine = {b.id for b in got if svc.my_receipt(s, b.id, ctx.user.id) is not None}
    sent, counts = [], {}
    if ctx.can("bulletins:publish"):
        with _publisher_session(ctx) as s:
            sent = svc.sent(s, ctx.tenant)
            counts = svc.read_counts(s, sent)
    return render("notify:BulletinList", ctx=ctx, received=got, confirmed=mine, sent=sent, counts=counts,
                  categories=BULLETIN_CATEGORIES, tenants=tree().by_id)


@get("/bulletins/new", opt=PUBLISH, **PAGE)
def new_page(ctx: Ctx) -> Response:
    return _form_page(ctx, {"category": "work", "targets": ["all"]}, {})


@post("/bulletins", opt=PUBLISH, **PAGE)
def publish_page(ctx: Ctx, request: Request, data: Form) -> Response:
    targets = data.get("targets", [])
    form = {**data, "targets": [targets] if isinstance(targets, str) else list(targets or [])}
    with _publisher_session(ctx) as s:
        b = save(s, lambda: svc.publish(s, ctx.tenant, ctx.user.id, form),
                 rerender=lambda errors: _form_page(ctx, form, errors))
    flash(request, f"已发布通报「{b.title}」")
    return redirect(ctx.url(f"bulletins/{b.id}"))


@get("/bulletins/{bulletin_id:int}", opt=READ, **PAGE)
def detail_page(ctx: Ctx, bulletin_id: int) -> Response:
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        b, relation = _load(ctx, s, bulletin_id)
        receipt = svc.my_receipt(s, b.id, ctx.user.id) if relation == "received" else None
    summary = None
    if relation == "sent":
        with _publisher_session(ctx) as s:
            summary = svc.receipts(s, b)
    return render("notify:BulletinDetail", ctx=ctx, b=b, relation=relation, receipt=receipt, summary=summary,
                  categories=BULLETIN_CATEGORIES, publisher=tree().by_id.get(b.tenant_id), tenants=tree().by_id)


@post("/bulletins/{bulletin_id:int}/read", opt=READ, **PAGE)
def read_page(ctx: Ctx, request: Request, bulletin_id: int) -> Response:
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        b, relation = _load(ctx, s, bulletin_id)
        if relation != "received":
            raise NotFoundException("通报不存在")
        save(s, lambda: svc.confirm_read(s, ctx.tenant, b, ctx.user.id))
    flash(request, "已确认阅读")
    return redirect(ctx.url(f"bulletins/{bulletin_id}"))


@post("/bulletins/{bulletin_id:int}/withdraw", opt=PUBLISH, **PAGE)
def withdraw_page(ctx: Ctx, request: Request, bulletin_id: int) -> Response:
    with _publisher_session(ctx) as s:
        b, relation = _load(ctx, s, bulletin_id)
        if relation != "sent":
            raise PermissionDeniedException("只能撤回本辖区发布的通报")
        save(s, lambda: svc.withdraw(s, b))
    flash(request, "通报已撤回")
    return redirect(ctx.url(f"bulletins/{bulletin_id}"))


EXPORT_HEADERS = ["辖区", "姓名", "是否已读", "阅读时间"]


@get("/bulletins/{bulletin_id:int}/receipts/export", opt=PUBLISH, **PAGE)
def receipts_export(ctx: Ctx, bulletin_id: int) -> Response:
    with _publisher_session(ctx) as s:
        b, relation = _load(ctx, s, bulletin_id)
        if relation != "sent":
            raise NotFoundException("通报不存在")
        rows = [[tr.tenant.name, r.name, "已读" if r.read_at else "未读", local_minute(r.read_at) if r.read_at else ""]
                for tr in svc.receipts(s, b) for r in tr.readers]
        response = xlsx_export(s, f"通报阅读情况：{b.title}", EXPORT_HEADERS, rows, action="bulletins.export",
                               entity="bulletins", sheet="阅读情况", filename=f"通报阅读情况-{b.id}")
        return response


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class BulletinIn:
    title: str
    body: str
    category: str = "work"
    #: tenant slugs below this tenant; empty = all of them
    targets: list[str] | None = None


@dataclass
class BulletinOut:
    id: int
    title: str
    category: str
    category_label: str
    body: str
    publisher: str
    targets: list[str]
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None
    relation: str
    read_at: dt.datetime | None = None

    @classmethod
    def of(cls, b: Bulletin, relation: str, read_at: dt.datetime | None = None) -> BulletinOut:
        t = tree().by_id
        return cls(b.id, b.title, b.category, BULLETIN_CATEGORIES.get(b.category, b.category), b.body,
                   t[b.tenant_id].slug if b.tenant_id in t else "",
                   [t[i].slug for i in b.target_tenant_ids or [] if i in t], b.published_at, b.withdrawn_at,
                   relation, read_at)


@dataclass
class ReaderOut:
    tenant: str
    user: str
    read_at: dt.datetime | None


@dataclass
class ReceiptsOut:
    bulletin_id: int
    read: int
    total: int
    readers: list[ReaderOut]


@get("/bulletins", opt=READ, **API)
def api_list(ctx: Ctx) -> list[BulletinOut]:
    """Bulletins addressed to this tenant (``relation = received``, with the caller's
    ``read_at``) and, for publishers, those this tenant published (``sent``)."""
    out = []
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        for b in svc.received(s, ctx.tenant):
            r = svc.my_receipt(s, b.id, ctx.user.id)
            out.append(BulletinOut.of(b, "received", r.read_at if r else None))
    if ctx.can("bulletins:publish"):
        with _publisher_session(ctx) as s:
            out += [BulletinOut.of(b, "sent") for b in svc.sent(s, ctx.tenant)]
    return out


@post("/bulletins", opt=PUBLISH, status_code=201, **API)
def api_publish(ctx: Ctx, data: BulletinIn) -> BulletinOut:
    """Publish a bulletin to tenants below this one (``targets``: their slugs; none = all)."""
    by_slug = tree().by_slug
    targets = ["all"] if not data.targets else [str(by_slug[x].id) if x in by_slug else "x" for x in data.targets]
    raw = {"title": data.title, "body": data.body, "category": data.category, "targets": targets}
    with _publisher_session(ctx) as s:
        b = save(s, lambda: svc.publish(s, ctx.tenant, ctx.user.id, raw))
        return BulletinOut.of(b, "sent")


@get("/bulletins/{bulletin_id:int}", opt=READ, **API)
def api_get(ctx: Ctx, bulletin_id: int) -> BulletinOut:
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        b, relation = _load(ctx, s, bulletin_id)
        r = svc.my_receipt(s, b.id, ctx.user.id) if relation == "received" else None
        return BulletinOut.of(b, relation, r.read_at if r else None)


@post("/bulletins/{bulletin_id:int}/read", opt=READ, status_code=200, **API)
def api_read(ctx: Ctx, bulletin_id: int) -> BulletinOut:
    """Confirm reading a bulletin addressed to this tenant (idempotent)."""
    with svc.reader_session(ctx.tenant, ctx.user.id) as s:
        b, relation = _load(ctx, s, bulletin_id)
        if relation != "received":
            raise NotFoundException("通报不存在")
        receipt = save(s, lambda: svc.confirm_read(s, ctx.tenant, b, ctx.user.id))
        return BulletinOut.of(b, relation, receipt.read_at)


@get("/bulletins/{bulletin_id:int}/receipts", opt=PUBLISH, **API)
def api_receipts(ctx: Ctx, bulletin_id: int) -> ReceiptsOut:
    """Who of each target tenant has confirmed reading, and who has not (``read_at`` null)."""
    with _publisher_session(ctx) as s:
        b, relation = _load(ctx, s, bulletin_id)
        if relation != "sent":
            raise NotFoundException("通报不存在")
        rs = svc.receipts(s, b)
    readers = [ReaderOut(tr.tenant.slug, r.name, r.read_at) for tr in rs for r in tr.readers]
    return ReceiptsOut(b.id, sum(1 for r in readers if r.read_at), len(readers), readers)


ROUTES = [list_page, new_page, publish_page, detail_page, read_page, withdraw_page, receipts_export]
API_ROUTES = [api_list, api_publish, api_get, api_read, api_receipts]
