"""JSON API of the 金品牌 butler team under /api/t/<slug>/dongfanghong — the page's rules and
permissions: ``dongfanghong:read`` to read, ``dongfanghong:write`` to add or change. A butler is a
person of the system (``member_id``, or ``person`` = ``instructor:<id>`` / ``user:<id>``); field
errors answer 422 with Chinese messages; another tenant's butler answers 404."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.orm import Session

from core.web.context import Ctx
from core.web.forms import save
from plugins.dongfanghong import butlers as bsvc
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Butler

READ = {"permission": "dongfanghong:read"}
WRITE = {"permission": "dongfanghong:write"}
TAGS = ["dongfanghong"]


@dataclass
class ButlerOut:
    id: int
    name: str
    person_kind: str  # member | instructor | user | "" (not linked yet)
    person_id: int | None
    party_member: bool
    role: str
    role_label: str
    services: list[str]
    unit: str
    active: bool
    organization_ids: list[int]
    open_demands: int

    @classmethod
    def of(cls, r: bsvc.ButlerRow) -> ButlerOut:
        b = r.butler
        return cls(b.id, b.name, b.person_kind, b.person_id, r.party_member, b.role, svc.BUTLER_ROLES.get(b.role, ""),
                   [k for k in b.services.split(",") if k], b.unit, b.active, r.organization_ids, r.open_demands)


@dataclass
class ButlerIn:
    role: str
    member_id: str = ""
    person: str = ""
    unit: str = ""
    services: list[str] = field(default_factory=list)
    organizations: str = ""
    active: bool = True


def _row(db: Session, butler: Butler) -> ButlerOut:
    return ButlerOut.of(bsvc.team(db, [(butler, [o.name for o in bsvc.organizations_of(db, butler.id)])])[0])


@get("/butlers", opt=READ, sync_to_thread=True, tags=TAGS)
def api_butlers(db: Session, q: str = "", role: str = "", active: str = "") -> list[ButlerOut]:
    """The team: each butler's person, whether a party member (以党员为骨干), services, organizations
    served and their open demands."""
    return [ButlerOut.of(r) for r in bsvc.team(db, svc.butlers(db, q.strip(), role, active))]


@post("/butlers", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_butler_add(ctx: Ctx, db: Session, data: ButlerIn) -> ButlerOut:
    """Add a butler (422: no person of this tenant, two persons, a role or service not offered,
    an unknown organization, a person already in the team)."""
    row = save(db, lambda: bsvc.save_butler(db, ctx.tenant.id, asdict(data)))
    return _row(db, row)


@post("/butlers/{butler_id:int}", opt=WRITE, sync_to_thread=True, tags=TAGS)
def api_butler_edit(ctx: Ctx, db: Session, butler_id: int, data: ButlerIn) -> ButlerOut:
    """Change a butler (the organizations served are replaced as a whole)."""
    row = db.get(Butler, butler_id)
    if row is None:
        raise NotFoundException("服务管家不存在")
    save(db, lambda: bsvc.save_butler(db, ctx.tenant.id, asdict(data), row))
    return _row(db, row)


API_ROUTES: list[Any] = [api_butlers, api_butler_add, api_butler_edit]
