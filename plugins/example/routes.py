"""Pages under /t/<slug>/example and the API under /api/t/<slug>/example."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy.orm import Session

from core.plugins import registry
from core.web.context import Ctx
from core.web.forms import save
from core.web.render import form_value, redirect, render
from plugins.example.models import Notice
from plugins.example.service import list_notices, post_notice

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "example:read"}
WRITE = {"permission": "example:write"}


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "example")


def _page(ctx: Ctx, db: Session, q: str = "", form=None, errors=None) -> Response:
    return render("example:Page", ctx=ctx, notices=list_notices(db, q), q=q,
                  form=form or {}, errors=errors or {}, settings=_settings(ctx))


@get("/", opt=READ, include_in_schema=False, sync_to_thread=True)
def board(ctx: Ctx, db: Session, q: str = "") -> Response:
    return _page(ctx, db, q)


@post("/", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def create(ctx: Ctx, db: Session, data: Form) -> Response:
    form = {"title": form_value(data, "title"), "body": form_value(data, "body")}
    pinned = form_value(data, "pinned") == "1"
    save(db, lambda: post_notice(db, form["title"], form["body"], pinned, _settings(ctx).max_notices),
         rerender=lambda errors: _page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("example"))


@post("/{notice_id:int}/delete", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def remove(ctx: Ctx, db: Session, notice_id: int) -> Response:
    notice = db.get(Notice, notice_id)
    if notice is None:  # another tenant's id is filtered out: 404
        raise NotFoundException("公告不存在")
    db.delete(notice)
    db.commit()
    return redirect(ctx.url("example"))


@dataclass
class NoticeIn:
    title: str
    body: str = ""
    pinned: bool = False


@dataclass
class NoticeOut:
    id: int
    title: str
    body: str
    pinned: bool

    @classmethod
    def of(cls, n: Notice) -> NoticeOut:
        return cls(n.id, n.title, n.body, n.pinned)


@get("/notices", opt=READ, sync_to_thread=True, tags=["example"])
def api_list(db: Session, q: str = "") -> list[NoticeOut]:
    return [NoticeOut.of(n) for n in list_notices(db, q)]


@get("/notices/{notice_id:int}", opt=READ, sync_to_thread=True, tags=["example"])
def api_get(db: Session, notice_id: int) -> NoticeOut:
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise NotFoundException("公告不存在")
    return NoticeOut.of(notice)


@post("/notices", opt=WRITE, sync_to_thread=True, tags=["example"])
def api_create(ctx: Ctx, db: Session, data: NoticeIn) -> NoticeOut:
    notice = save(db, lambda: post_notice(db, data.title, data.body, data.pinned, _settings(ctx).max_notices))
    return NoticeOut.of(notice)


@delete("/notices/{notice_id:int}", opt=WRITE, sync_to_thread=True, tags=["example"])
def api_delete(db: Session, notice_id: int) -> None:
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise NotFoundException("公告不存在")
    db.delete(notice)
    db.commit()


PAGE_ROUTES = [board, create, remove]
API_ROUTES = [api_list, api_get, api_create, api_delete]
