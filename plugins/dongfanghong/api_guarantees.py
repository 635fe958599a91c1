"""JSON API of 五大保障 (阵地, 经费) under /api/t/<slug>/dongfanghong — the same rules and permissions
as the pages (:mod:`plugins.dongfanghong.pages`): ``dongfanghong:read`` to read, the user's scope
of party orgs (a 组长 / 专干: their groups'), ``dongfanghong:write`` + ``checklists:write`` to apply
for a venue acceptance (items, evidence and the decision are the checklists API's:
``/api/t/<slug>/checklists/checklists/<id>``), ``funds:read`` for the entitlements and
``funds:write`` to propose them. Field errors answer 422 with Chinese messages per field."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from litestar import get, post
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.plugins import registry
from core.web.context import Ctx
from core.web.forms import save
from plugins.dongfanghong import guarantees as gsvc
from plugins.dongfanghong import projects as psvc
from plugins.dongfanghong import venues as vsvc

READ = {"permission": "dongfanghong:read"}
WRITE = {"permission": "dongfanghong:write"}
TAGS = ["dongfanghong"]


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "dongfanghong")


def _visible(ctx: Ctx, db: Session) -> set[int] | None:
    return psvc.visible_party_org_ids(db, ctx.user.id, ctx.perms)


@dataclass
class VenueCheckOut:
    """An application: ``id`` is its checklist (``/api/t/<slug>/checklists/checklists/<id>``)."""

    id: int
    party_org_id: int
    target_class: int
    applied_on: dt.date
    status: str  # applied | passed | failed
    decided_on: dt.date | None
    decided_by: str
    note: str
    items_done: int
    items_total: int

    @classmethod
    def of(cls, c: vsvc.VenueCheck) -> VenueCheckOut:
        return cls(c.id, c.party_org_id, c.target_class, c.applied_on, c.status, c.decided_on, c.decided_by, c.note,
                   c.done, c.total)


@dataclass
class VenueOut:
    party_org_id: int
    name: str
    group_id: int | None
    group: str
    venue_class: int | None
    accepted_on: dt.date | None
    state: str  # accepted | pending | failed | none
    gaps: list[str]
    latest: VenueCheckOut | None


@dataclass
class VenueCheckIn:
    party_org_id: str
    target_class: str
    applied_on: str
    note: str = ""


@get("/venues", opt=READ, sync_to_thread=True, tags=TAGS)
def api_venues(ctx: Ctx, db: Session, q: str = "", venue_class: str = "", status: str = "", group: int | None = None,
               gaps: bool = False) -> list[VenueOut]:
    """The venue register of the user's party orgs: class, acceptance date, state, gaps, latest
    application (filters as on the page)."""
    rows = vsvc.venue_rows(db, _visible(ctx, db), clock.today(), q.strip(), venue_class, status, group, gaps)
    return [VenueOut(r.party_org_id, r.name, r.group_id, r.group, r.venue_class, r.accepted_on, r.state, r.gaps,
                     VenueCheckOut.of(r.latest) if r.latest else None) for r in rows]


@get("/venues/checks", opt=READ, sync_to_thread=True, tags=TAGS)
def api_venue_checks(ctx: Ctx, db: Session, status: str = "", party_org_id: int | None = None) -> list[VenueCheckOut]:
    """Venue applications (``status``: applied | passed | failed), oldest first."""
    visible = _visible(ctx, db)
    return [VenueCheckOut.of(c) for c in vsvc.checks(db, party_org_id, status if status in vsvc.CHECK_STATUSES else "")
            if visible is None or c.party_org_id in visible]


@post("/venues/checks", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_venue_apply(ctx: Ctx, db: Session, data: VenueCheckIn) -> VenueCheckOut:
    """Apply for a venue's acceptance as class 1/2/3: starts the class's checklist (the tenant's
    items). 422: no such party org in scope, a class without items, one already waiting, not a
    higher class."""
    ctx.require("checklists:write")
    check = save(db, lambda: vsvc.apply(db, ctx.tenant, _settings(ctx), asdict(data), _visible(ctx, db)))
    return VenueCheckOut.of(check)


@dataclass
class EntitlementOut:
    kind: str
    kind_label: str
    target_kind: str
    target_id: int
    target_name: str
    basis: str
    payee: str
    amount_fen: int
    handled_fen: int
    outstanding_fen: int
    status: str
    source_key: str


@dataclass
class ProposeIn:
    year: int
    kind: str


@dataclass
class ProposeOut:
    year: int
    kind: str
    proposed: int


def _year(year: int | None) -> int:
    today = clock.today()
    y = year or today.year
    if not 2000 <= y <= today.year + 1:
        raise FormErrors({"year": f"年度：请填写 2000–{today.year + 1} 之间的年份"})
    return y


@get("/guarantees", opt=READ, sync_to_thread=True, tags=TAGS)
def api_guarantees(ctx: Ctx, db: Session, year: int | None = None, kind: str = "") -> list[EntitlementOut]:
    """The year's entitlements (经费保障) with what was proposed into the funds ledger (needs
    ``funds:read``)."""
    ctx.require("funds:read")
    y = _year(year)
    rows = [r for r in gsvc.fund_rows(db, y, _settings(ctx)) if not kind or r.entitlement.kind == kind]
    return [EntitlementOut(r.entitlement.kind, gsvc.FUND_KINDS[r.entitlement.kind].label, r.entitlement.target_kind,
                           r.entitlement.target_id, r.entitlement.target_name, r.entitlement.basis, r.entitlement.payee,
                           r.entitlement.amount_fen, min(r.handled_fen, r.entitlement.amount_fen), r.outstanding_fen,
                           r.status, r.entitlement.key(y)) for r in rows]


@post("/guarantees/propose", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_guarantees_propose(ctx: Ctx, db: Session, data: ProposeIn) -> ProposeOut:
    """Propose what is outstanding of one kind into the funds ledger (needs ``funds:write``);
    idempotent — ``proposed`` 0 when nothing is outstanding."""
    ctx.require("funds:write")

    def run() -> int:
        return gsvc.propose(db, ctx.tenant, _year(data.year), data.kind, _settings(ctx), clock.today(),
                            ctx.user.username)

    n = save(db, run)
    return ProposeOut(data.year, data.kind, n)


API_ROUTES: list[Any] = [api_venues, api_venue_checks, api_venue_apply, api_guarantees, api_guarantees_propose]
