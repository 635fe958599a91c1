"""JSON API of 选树典型 nominations under /api/t/<slug>/dongfanghong — the page's rules and
permissions: ``dongfanghong:read`` to read, ``dongfanghong:write`` to nominate and review. A
nomination names a record (``member_id``; ``person`` = ``instructor:<id>`` / ``user:<id>``; for
支持党建工作优秀企业家 the ``organization``); field errors answer 422 in Chinese; another tenant's
nomination answers 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.orm import Session

from core.web.context import Ctx
from core.web.forms import save
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Nomination

READ = {"permission": "dongfanghong:read"}
WRITE = {"permission": "dongfanghong:write"}
TAGS = ["dongfanghong"]


@dataclass
class NominationOut:
    id: int
    category: str
    nominee: str
    nominee_kind: str  # member | instructor | user | organization | "" (an old row not linked)
    nominee_id: int | None
    organization_id: int | None
    cluster_id: int | None
    reason: str
    status: str
    review_note: str
    reviewed_on: dt.date | None

    @classmethod
    def of(cls, n: Nomination) -> NominationOut:
        return cls(n.id, n.category, n.nominee, n.nominee_kind, n.nominee_id, n.organization_id, n.cluster_id,
                   n.reason, n.status, n.review_note, n.reviewed_on)


@dataclass
class NominationIn:
    category: str
    reason: str
    member_id: str = ""
    person: str = ""
    organization: str = ""
    cluster_id: str = ""


@dataclass
class ReviewIn:
    action: str  # approve | reject
    review_note: str = ""


@get("/nominations", opt=READ, sync_to_thread=True, tags=TAGS)
def api_nominations(db: Session, q: str = "", category: str = "", status: str = "") -> list[NominationOut]:
    return [NominationOut.of(n) for n in db.scalars(svc.nominations_query(q, category, status).limit(5000))]


@post("/nominations", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_nomination_add(ctx: Ctx, db: Session, data: NominationIn) -> NominationOut:
    """Nominate a record (422: no record, a record the category does not take, free text)."""
    return NominationOut.of(save(db, lambda: svc.add_nomination(db, ctx.tenant.id, asdict(data))))


@post("/nominations/{nomination_id:int}/review", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_nomination_review(ctx: Ctx, db: Session, nomination_id: int, data: ReviewIn) -> NominationOut:
    """approve | reject (a rejection needs ``review_note``)."""
    row = db.get(Nomination, nomination_id)
    if row is None:
        raise NotFoundException("推荐不存在")
    save(db, lambda: svc.transition_nomination(db, row, data.action, ctx.user.id, data.review_note))
    return NominationOut.of(row)


API_ROUTES: list[Any] = [api_nominations, api_nomination_add, api_nomination_review]
