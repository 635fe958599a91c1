"""Searchable pickers (issue 19): one JSON search per kind of row a form picks.

A form picks an organization, a party org or a member through ``<Picker>``
(``core/components/Picker.jinja``): a plain ``<select>`` that works without JavaScript and,
for a long list, ``app.js`` turns into a type-to-search box asking these endpoints for one
page of matches at a time. They see what the list pages show the user (an org secretary: their
own organizations, the party orgs covering them and their members) in the session's tenant,
and answer the same row ids a form posts.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, get
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.registry.models import Member, Organization, PartyOrg
from core.registry.services import members as member_svc
from core.registry.services.organizations import Access, OrgFilter, org_select
from core.registry.services.party_orgs import PartyOrgFilter, party_org_select
from core.registry.web import paging
from core.web.context import Ctx
from core.web.listing import paginate

READ = {"permission": "registry:read"}
#: matches per answer; the picker asks for the next page when the user scrolls to "更多"
PAGE_SIZE = 20


@dataclass
class PickItem:
    id: int
    label: str
    hint: str = ""  # a second line: credit code, formation mode, party org …


@dataclass
class PickPage:
    items: list[PickItem]
    page: int
    total: int
    more: bool


def _page(request: Request) -> int:
    errors: dict[str, str] = {}
    page = paging.integer(request.query_params, "page", "页码", 1, 10_000, errors)
    if errors:
        raise FormErrors(errors)
    return page or 1


def _query(request: Request) -> str:
    q = str(request.query_params.get("q") or "").strip()
    if len(q) > 100:
        raise FormErrors({"q": "搜索词最多 100 个字符"})
    return q


def _answer(db: Session, stmt, page: int, make) -> PickPage:
    result = paginate(db, stmt, page, PAGE_SIZE)
    return PickPage([make(row) for row in result.items], result.page, result.total,
                    result.page * PAGE_SIZE < result.total)


def organizations(ctx: Ctx, db: Session, request: Request) -> PickPage:
    f = OrgFilter(q=_query(request))
    if request.query_params.get("status") == "operating":
        f.status = "operating"
    stmt = org_select(Access.of(ctx), f).order_by(None).order_by(Organization.name, Organization.id)
    return _answer(db, stmt, _page(request), lambda o: PickItem(o.id, o.name, o.credit_code or ""))


def party_orgs(ctx: Ctx, db: Session, request: Request) -> PickPage:
    f = PartyOrgFilter(q=_query(request), dissolved="" if request.query_params.get("dissolved") == "1" else "no")
    stmt = party_org_select(Access.of(ctx), f).order_by(None).order_by(PartyOrg.name, PartyOrg.id)
    return _answer(db, stmt, _page(request), lambda p: PickItem(p.id, p.name, p.secretary_name or ""))


def members(ctx: Ctx, db: Session, request: Request) -> PickPage:
    f = member_svc.MemberFilter(q=_query(request))
    scope = member_svc.org_scope(db, ctx.user.id, ctx.perms)
    stmt = member_svc.member_query(db, f, scope).order_by(None).order_by(Member.name, Member.id)
    result = paginate(db, stmt, _page(request), PAGE_SIZE)
    po_ids = {m.party_org_id for m in result.items if m.party_org_id}
    names = dict(db.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(po_ids))).all()) if po_ids else {}
    return PickPage([PickItem(m.id, m.name, names.get(m.party_org_id, "")) for m in result.items], result.page,
                    result.total, result.page * PAGE_SIZE < result.total)


# The same three searches as JSON under /api/t/<slug>/pick/… (bearer token, in the OpenAPI
# document) and under /t/<slug>/pick/… (the signed-in page's session cookie, for app.js).
@get("/pick/organizations", opt=READ, sync_to_thread=True, tags=["registry"])
def api_pick_organizations(ctx: Ctx, db: Session, request: Request) -> PickPage:
    """Organizations whose name, credit code or address contains ``q`` (all when empty), by
    name, 20 a page (``page``); ``status=operating``: only those in business."""
    return organizations(ctx, db, request)


@get("/pick/party-orgs", opt=READ, sync_to_thread=True, tags=["registry"])
def api_pick_party_orgs(ctx: Ctx, db: Session, request: Request) -> PickPage:
    """Party orgs whose name or secretary contains ``q``, by name, 20 a page; dissolved ones
    only with ``dissolved=1``."""
    return party_orgs(ctx, db, request)


@get("/pick/members", opt=READ, sync_to_thread=True, tags=["members"])
def api_pick_members(ctx: Ctx, db: Session, request: Request) -> PickPage:
    """Members whose name contains ``q`` (or with exactly that ID-card / phone number), by
    name, 20 a page, with their party org as the hint."""
    return members(ctx, db, request)


@get("/pick/organizations", opt=READ, include_in_schema=False, sync_to_thread=True)
def page_pick_organizations(ctx: Ctx, db: Session, request: Request) -> PickPage:
    return organizations(ctx, db, request)


@get("/pick/party-orgs", opt=READ, include_in_schema=False, sync_to_thread=True)
def page_pick_party_orgs(ctx: Ctx, db: Session, request: Request) -> PickPage:
    return party_orgs(ctx, db, request)


@get("/pick/members", opt=READ, include_in_schema=False, sync_to_thread=True)
def page_pick_members(ctx: Ctx, db: Session, request: Request) -> PickPage:
    return members(ctx, db, request)


ROUTES: list = [page_pick_organizations, page_pick_party_orgs, page_pick_members]
API_ROUTES: list = [api_pick_organizations, api_pick_party_orgs, api_pick_members]
