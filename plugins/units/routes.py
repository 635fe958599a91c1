"""Pages under /t/<slug>/units and the JSON API under /api/t/<slug>/units (thin: rules in
:mod:`plugins.units.service`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock, history
from core import periods as periods_
from core.registry.schemas import parse_date
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import flash, form_value, redirect, render
from plugins.units import files
from plugins.units import service as svc
from plugins.units.models import Pairing, Unit, Visit
from plugins.units.types import HOLDER_TYPES, PERIODS, TARGET_TYPES

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
READ = {"permission": "units:read"}
WRITE = {"permission": "units:write"}
VISIT = {"permission": "units:visit"}
REVEAL = {"permission": "units:reveal"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["units"]}
UPLOAD_LIMIT = files.FILES.max_bytes() + 1024 * 1024
NO_STORE = {"Cache-Control": "no-store"}
UNIT_KEYS = ("name", "kind", "duties", "contact_name", "contact_member_id", "contact_user_id", "contact_phone",
             "party_org_id", "note")
PAIRING_KEYS = ("kind", "holder_type", "unit_id", "user_id", "member_id", "target_type", "organization_id",
                "party_org_id", "started_on", "ended_on", "content")


class View:
    holder_types, target_types, periods, statuses = HOLDER_TYPES, TARGET_TYPES, PERIODS, svc.STATUSES
    every = periods_.EVERY
    masked_phone = staticmethod(svc.masked_phone)


def _raw(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: form_value(data, k) for k in keys if k in data}


def _day(value: str) -> dt.date | None:
    day = parse_date(value) if value else None
    return day if day is not None and 1900 <= day.year <= 2200 else None


# --- units -------------------------------------------------------------------------------------


def _unit_query(q: str, kind: str, status: str) -> dict[str, str]:
    return {"q": q, "kind": kind, "status": status}


@get("/", opt=READ, **PAGE)
def unit_list(ctx: Ctx, db: Session, q: str = "", kind: str = "", status: str = "", page: int = 1) -> Response:
    result = paginate(db, svc.unit_select(q, kind, status), page)
    return render("units:UnitList", ctx=ctx, v=View, result=result, query=_unit_query(q, kind, status),
                  kinds=svc.unit_kinds(ctx.tenant),
                  party_orgs=svc.party_org_names(db, (u.party_org_id for u in result.items)))


UNIT_HEADERS = ["单位名称", "单位类别", "工作分工和职责", "联系人", "联系电话", "所属党组织", "进行中的结对", "备注", "状态"]


@get("/export", opt=READ, **PAGE)
def unit_export(ctx: Ctx, db: Session, q: str = "", kind: str = "", status: str = "") -> Response:
    units = list(db.scalars(svc.unit_select(q, kind, status)))
    kinds = svc.unit_kinds(ctx.tenant)
    pos = svc.party_org_names(db, (u.party_org_id for u in units))
    running = svc.running_counts(db, [u.id for u in units], clock.today())
    rows = ([u.name, svc.kind_label(kinds, u.kind), u.duties, u.contact_name, svc.masked_phone(u),
             pos.get(u.party_org_id or 0, ""), running.get(u.id, 0), u.note, "已停用" if u.archived_on else "在用"]
            for u in units)
    return xlsx_export(db, "单位台账", UNIT_HEADERS, rows, action="units.export", entity="units_units",
                       query=_unit_query(q, kind, status))


def _unit_form(ctx: Ctx, db: Session, form: dict, errors: dict, unit: Unit | None = None) -> Response:
    return render("units:UnitForm", ctx=ctx, v=View, unit=unit, form=form, errors=errors,
                  kinds=svc.unit_kinds(ctx.tenant), users=svc.user_options(db, ctx.tenant),
                  party_orgs=svc.options(db, svc.PartyOrg))


@get("/new", opt=WRITE, **PAGE)
def unit_new(ctx: Ctx, db: Session, kind: str = "") -> Response:
    return _unit_form(ctx, db, {"kind": kind}, {})


@post("/new", opt=WRITE, **PAGE)
def unit_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data, UNIT_KEYS)
    unit = save(db, lambda: svc.create_unit(db, ctx.tenant, raw),
                rerender=lambda errors: _unit_form(ctx, db, raw, errors))
    flash(request, f"已登记「{unit.name}」")
    return redirect(ctx.url(f"units/{unit.id}"))


def _unit_page(ctx: Ctx, db: Session, unit: Unit, revealed: str | None = None, headers: dict | None = None
               ) -> Response:
    today = clock.today()
    pairings = list(db.scalars(svc.pairing_select(unit_id=unit.id, today=today)))
    visits = svc.visits_of(db, [p.id for p in pairings])
    response = render("units:UnitDetail", ctx=ctx, v=View, unit=unit, kinds=svc.unit_kinds(ctx.tenant),
                  pairing_kinds=svc.pairing_kinds(ctx.tenant), pairings=pairings, names=svc.names_of(db, pairings),
                  counts=svc.visit_counts(db, [p.id for p in pairings]), visits=visits[:50], today=today,
                  party_org=svc.party_org_names(db, [unit.party_org_id]).get(unit.party_org_id or 0, ""),
                  contact=svc.contact_label(db, unit), revealed=revealed,
                  history=history.of(db, {"units_units": [unit.id]}, ctx.tenant.id,
                                     children={"units_pairings": ("unit_id", unit.id)}))
    response.headers.update(headers or {})
    return response


@get("/{unit_id:int}", opt=READ, **PAGE)
def unit_detail(ctx: Ctx, db: Session, unit_id: int) -> Response:
    return _unit_page(ctx, db, svc.get_unit(db, unit_id))


@post("/{unit_id:int}/reveal", opt=REVEAL, **PAGE)
def unit_reveal(ctx: Ctx, db: Session, unit_id: int) -> Response:
    unit = svc.get_unit(db, unit_id)
    phone = svc.reveal(db, unit)
    db.commit()
    return _unit_page(ctx, db, unit, revealed=phone, headers=NO_STORE)


@get("/{unit_id:int}/edit", opt=WRITE, **PAGE)
def unit_edit(ctx: Ctx, db: Session, unit_id: int) -> Response:
    unit = svc.get_unit(db, unit_id)
    form = {k: getattr(unit, k) for k in ("name", "kind", "duties", "contact_name", "note")}
    form.update(contact_member_id=unit.contact_member_id or "", contact_user_id=unit.contact_user_id or "",
                party_org_id=unit.party_org_id or "", contact_phone=svc.phone_of(unit))
    return _unit_form(ctx, db, {k: str(v) for k, v in form.items()}, {}, unit)


@post("/{unit_id:int}/edit", opt=WRITE, **PAGE)
def unit_update(ctx: Ctx, db: Session, request: Request, unit_id: int, data: Form) -> Response:
    unit = svc.get_unit(db, unit_id)
    raw = _raw(data, UNIT_KEYS)
    for key in UNIT_KEYS:  # a page form sends every field: a missing one is an empty one
        raw.setdefault(key, "")
    save(db, lambda: svc.update_unit(db, ctx.tenant, unit, raw),
         rerender=lambda errors: _unit_form(ctx, db, raw, errors, db.get(Unit, unit_id)))
    flash(request, "已保存")
    return redirect(ctx.url(f"units/{unit_id}"))


@post("/{unit_id:int}/archive", opt=WRITE, **PAGE)
def unit_archive(ctx: Ctx, db: Session, request: Request, unit_id: int, data: Form) -> Response:
    unit = svc.get_unit(db, unit_id)
    archived = form_value(data, "archived") != "0"
    save(db, lambda: svc.set_archived(db, unit, archived, clock.today()))
    flash(request, "已停用" if archived else "已恢复")
    return redirect(ctx.url(f"units/{unit_id}"))


# --- pairings ----------------------------------------------------------------------------------


def _pairing_query(q: str, kind: str, holder_type: str, target_type: str, status: str) -> dict[str, str]:
    return {"q": q, "kind": kind, "holder_type": holder_type, "target_type": target_type, "status": status}


@get("/pairings", opt=READ, **PAGE)
def pairing_list(ctx: Ctx, db: Session, q: str = "", kind: str = "", holder_type: str = "", target_type: str = "",
                 status: str = "", page: int = 1) -> Response:
    today = clock.today()
    result = paginate(db, svc.pairing_select(q, kind, holder_type, target_type, status, today=today), page)
    return render("units:PairingList", ctx=ctx, v=View, result=result, names=svc.names_of(db, result.items),
                  counts=svc.visit_counts(db, [p.id for p in result.items]), kinds=svc.pairing_kinds(ctx.tenant),
                  query=_pairing_query(q, kind, holder_type, target_type, status), today=today)


PAIRING_HEADERS = ["结对类型", "结对主体类型", "结对主体", "结对对象类型", "结对对象", "开始日期", "结束日期", "走访次数", "共建内容"]


@get("/pairings/export", opt=READ, **PAGE)
def pairing_export(ctx: Ctx, db: Session, q: str = "", kind: str = "", holder_type: str = "", target_type: str = "",
                   status: str = "") -> Response:
    pairings = list(db.scalars(svc.pairing_select(q, kind, holder_type, target_type, status)))
    names, kinds = svc.names_of(db, pairings), svc.pairing_kinds(ctx.tenant)
    counts = svc.visit_counts(db, [p.id for p in pairings])
    rows = ([svc.kind_label(kinds, p.kind), HOLDER_TYPES.get(p.holder_type, p.holder_type), names.holder(p),
             TARGET_TYPES.get(p.target_type, p.target_type), names.target(p), p.started_on, p.ended_on or "",
             counts.get(p.id, 0), p.content] for p in pairings)
    return xlsx_export(db, "结对联点", PAIRING_HEADERS, rows, action="units.export", entity="units_pairings",
                       query=_pairing_query(q, kind, holder_type, target_type, status))


def _pairing_form(ctx: Ctx, db: Session, form: dict, errors: dict) -> Response:
    return render("units:PairingForm", ctx=ctx, v=View, form=form, errors=errors,
                  kinds=svc.pairing_kinds(ctx.tenant), units=svc.options(db, Unit),
                  users=svc.user_options(db, ctx.tenant), organizations=svc.options(db, svc.Organization),
                  party_orgs=svc.options(db, svc.PartyOrg))


@get("/pairings/new", opt=WRITE, **PAGE)
def pairing_new(ctx: Ctx, db: Session, unit_id: str = "", kind: str = "") -> Response:
    form = {"kind": kind, "started_on": clock.today().isoformat()}
    if unit_id:
        form.update(holder_type="unit", unit_id=unit_id)
    return _pairing_form(ctx, db, form, {})


@post("/pairings/new", opt=WRITE, **PAGE)
def pairing_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    raw = _raw(data, PAIRING_KEYS)
    pairing = save(db, lambda: svc.create_pairing(db, ctx.tenant, raw, clock.today()),
                   rerender=lambda errors: _pairing_form(ctx, db, raw, errors))
    flash(request, "已登记结对")
    return redirect(ctx.url(f"units/pairings/{pairing.id}"))


def _pairing_page(ctx: Ctx, db: Session, pairing: Pairing, form: dict | None = None, errors: dict | None = None
                  ) -> Response:
    today = clock.today()
    visits = svc.visits_of(db, [pairing.id])
    rule = next((r for r in svc.rules(ctx.tenant) if r.kind.key == pairing.kind), None)
    period = None
    if rule is not None and rule.visits:
        start, end, label = svc.period_bounds(rule.period, today)
        period = {"label": label, "have": sum(1 for x in visits if start <= x.visited_on <= end), "need": rule.visits}
    return render("units:PairingDetail", ctx=ctx, v=View, p=pairing, names=svc.names_of(db, [pairing]),
                  kinds=svc.pairing_kinds(ctx.tenant), visits=visits, period=period, today=today,
                  files=svc.attachments_of(db, [x.id for x in visits]), allowed=files.ALLOWED,
                  form=form or {"visited_on": today.isoformat(), "visitor": ctx.user.display_name or ctx.user.username},
                  errors=errors or {},
                  history=history.of(db, {"units_pairings": [pairing.id]}, ctx.tenant.id,
                                     children={"units_visits": ("pairing_id", pairing.id)}))


@get("/pairings/{pairing_id:int}", opt=READ, **PAGE)
def pairing_detail(ctx: Ctx, db: Session, pairing_id: int) -> Response:
    return _pairing_page(ctx, db, svc.get_pairing(db, pairing_id))


def _store_visit(db: Session, ctx: Ctx, pairing: Pairing, raw: dict, upload: Any) -> Visit:
    name, content = files.FILES.read_upload(upload)
    stored: list = []

    def write() -> Visit:
        visit = svc.record_visit(db, pairing, raw, clock.today(), ctx.user.id,
                                 ctx.user.display_name or ctx.user.username)
        if name or content:
            stored.append(files.store(db, visit, name, content, ctx.user.id))
        return visit

    try:
        return save(db, write, rerender=lambda errors: _pairing_page(ctx, db, db.get(Pairing, pairing.id), raw,
                                                                     errors))
    except BaseException:
        for att in stored:
            files.discard(att)
        raise


@post("/pairings/{pairing_id:int}/visits", opt=VISIT, request_max_body_size=UPLOAD_LIMIT, **PAGE)
def visit_create(ctx: Ctx, db: Session, request: Request, pairing_id: int, data: Multipart) -> Response:
    pairing = svc.get_pairing(db, pairing_id)
    raw = {k: form_value(data, k) for k in ("visited_on", "visitor", "note") if k in data}
    _store_visit(db, ctx, pairing, raw, data.get("file"))
    flash(request, "已登记走访")
    return redirect(ctx.url(f"units/pairings/{pairing_id}"))


@post("/pairings/{pairing_id:int}/end", opt=WRITE, **PAGE)
def pairing_end(ctx: Ctx, db: Session, request: Request, pairing_id: int, data: Form) -> Response:
    pairing = svc.get_pairing(db, pairing_id)
    raw = _raw(data, ("ended_on",))
    save(db, lambda: svc.end_pairing(db, pairing, raw, clock.today()),
         rerender=lambda errors: _pairing_page(ctx, db, db.get(Pairing, pairing_id), None, errors))
    flash(request, "结对已结束")
    return redirect(ctx.url(f"units/pairings/{pairing_id}"))


@get("/visits/{visit_id:int}/files/{attachment_id:int}", opt=READ, **PAGE)
def visit_file(db: Session, visit_id: int, attachment_id: int) -> Response:
    visit = svc.get_visit(db, visit_id)
    att = next((a for a in svc.attachments_of(db, [visit.id]).get(visit.id, []) if a.id == attachment_id), None)
    if att is None:
        raise svc.NotFoundException("附件不存在")
    return file_response(att, files.read)


# --- gaps --------------------------------------------------------------------------------------


def _gaps(ctx: Ctx, db: Session, on: str, kind: str) -> svc.Gaps:
    return svc.gaps(db, ctx.tenant, _day(on) or clock.today(), kind)


@get("/gaps", opt=READ, **PAGE)
def gap_page(ctx: Ctx, db: Session, on: str = "", kind: str = "") -> Response:
    g = _gaps(ctx, db, on, kind)
    return render("units:Gaps", ctx=ctx, v=View, g=g, kinds=svc.pairing_kinds(ctx.tenant),
                  query={"on": on, "kind": kind})


@get("/gaps/export", opt=READ, **PAGE)
def gap_export(ctx: Ctx, db: Session, on: str = "", kind: str = "") -> Response:
    g = _gaps(ctx, db, on, kind)
    rows = [["结对数不足", h.kind_label, f"{HOLDER_TYPES[h.holder_type]}：{h.holder_name}", "", "", h.have, h.need]
            for h in g.holders]
    rows += [["走访次数不足", x.kind_label, x.holder_name, x.target_name, x.period_label, x.have, x.need]
             for x in g.visits]
    return xlsx_export(db, "结对缺口", ["缺口", "结对类型", "结对主体", "结对对象", "统计周期", "实有", "应有"], rows,
                       action="units.export", entity="units_pairings", query={"on": g.on.isoformat(), "kind": kind})


# --- JSON API ----------------------------------------------------------------------------------


@dataclass
class UnitOut:
    id: int
    kind: str
    kind_label: str
    name: str
    duties: str
    contact_name: str
    contact_member_id: int | None
    contact_user_id: int | None
    contact_phone: str  # masked: 138****5678
    party_org_id: int | None
    note: str
    archived_on: dt.date | None


def _unit_out(tenant, u: Unit, kinds: dict | None = None) -> UnitOut:
    kinds = kinds if kinds is not None else svc.unit_kinds(tenant)
    return UnitOut(u.id, u.kind, svc.kind_label(kinds, u.kind), u.name, u.duties, u.contact_name,
                   u.contact_member_id, u.contact_user_id, svc.masked_phone(u), u.party_org_id, u.note, u.archived_on)


@dataclass
class PairingOut:
    id: int
    kind: str
    kind_label: str
    holder_type: str
    unit_id: int | None
    user_id: int | None
    member_id: int | None
    holder_name: str
    target_type: str
    organization_id: int | None
    party_org_id: int | None
    target_name: str
    started_on: dt.date
    ended_on: dt.date | None
    content: str
    visits: int


def _pairings_out(ctx: Ctx, db: Session, pairings: list[Pairing]) -> list[PairingOut]:
    names, kinds = svc.names_of(db, pairings), svc.pairing_kinds(ctx.tenant)
    counts = svc.visit_counts(db, [p.id for p in pairings])
    return [PairingOut(p.id, p.kind, svc.kind_label(kinds, p.kind), p.holder_type, p.unit_id, p.user_id, p.member_id,
                       names.holder(p), p.target_type, p.organization_id, p.party_org_id, names.target(p),
                       p.started_on, p.ended_on, p.content, counts.get(p.id, 0)) for p in pairings]


@dataclass
class VisitOut:
    id: int
    pairing_id: int
    visited_on: dt.date
    visitor: str
    note: str
    files: list[str]


@dataclass
class HolderGapOut:
    kind: str
    kind_label: str
    holder_type: str
    holder_id: int
    holder_name: str
    have: int
    need: int


@dataclass
class VisitGapOut:
    kind: str
    kind_label: str
    pairing_id: int
    holder_name: str
    target_name: str
    period: str
    period_label: str
    have: int
    need: int


@dataclass
class RuleOut:
    kind: str
    label: str
    holder_types: list[str]
    target_types: list[str]
    holder_unit_kinds: list[str]
    holder_roles: list[str]
    min_pairings: int
    visits: int
    period: str
    from_settings: list[str]


@dataclass
class GapsOut:
    on: dt.date
    rules: list[RuleOut]
    holders: list[HolderGapOut]
    visits: list[VisitGapOut]


@dataclass
class KindsOut:
    unit_kinds: dict[str, str]
    pairing_kinds: dict[str, str]


def _rule_out(r) -> RuleOut:
    k = r.kind
    return RuleOut(k.key, k.label, list(k.holder_types), list(k.target_types), list(k.holder_unit_kinds),
                   list(k.holder_roles), r.min_pairings, r.visits, r.period, list(r.from_settings))


@get("/kinds", opt=READ, **API)
def api_kinds(ctx: Ctx) -> KindsOut:
    """The tenant's unit kinds and pairing kinds (key → label)."""
    return KindsOut({k: v.label for k, v in svc.unit_kinds(ctx.tenant).items()},
                    {k: v.label for k, v in svc.pairing_kinds(ctx.tenant).items()})


@get("/units", opt=READ, **API)
def api_units(ctx: Ctx, db: Session, q: str = "", kind: str = "", status: str = "", page: int = 1) -> list[UnitOut]:
    """Units (100 a page; ``status``: "" in use, ``archived``, ``all``); phones masked."""
    result = paginate(db, svc.unit_select(q, kind, status), page, 100)
    kinds = svc.unit_kinds(ctx.tenant)
    return [_unit_out(ctx.tenant, u, kinds) for u in result.items]


@post("/units", opt=WRITE, **API)
def api_unit_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> UnitOut:
    unit = save(db, lambda: svc.create_unit(db, ctx.tenant, data))
    return _unit_out(ctx.tenant, unit)


@get("/units/{unit_id:int}", opt=READ, **API)
def api_unit(ctx: Ctx, db: Session, unit_id: int) -> UnitOut:
    return _unit_out(ctx.tenant, svc.get_unit(db, unit_id))


@put("/units/{unit_id:int}", opt=WRITE, **API)
def api_unit_update(ctx: Ctx, db: Session, unit_id: int, data: dict[str, Any]) -> UnitOut:
    """Change the fields given; the others stay."""
    unit = svc.get_unit(db, unit_id)
    save(db, lambda: svc.update_unit(db, ctx.tenant, unit, data, partial=True))
    return _unit_out(ctx.tenant, unit)


@get("/pairings", opt=READ, **API)
def api_pairings(ctx: Ctx, db: Session, q: str = "", kind: str = "", holder_type: str = "", target_type: str = "",
                 status: str = "", unit_id: int | None = None, page: int = 1) -> list[PairingOut]:
    """Pairings (100 a page; ``status``: running, ended or all)."""
    result = paginate(db, svc.pairing_select(q, kind, holder_type, target_type, status, unit_id), page, 100)
    return _pairings_out(ctx, db, list(result.items))


@post("/pairings", opt=WRITE, **API)
def api_pairing_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> PairingOut:
    pairing = save(db, lambda: svc.create_pairing(db, ctx.tenant, data, clock.today()))
    return _pairings_out(ctx, db, [pairing])[0]


@get("/pairings/{pairing_id:int}", opt=READ, **API)
def api_pairing(ctx: Ctx, db: Session, pairing_id: int) -> PairingOut:
    return _pairings_out(ctx, db, [svc.get_pairing(db, pairing_id)])[0]


@post("/pairings/{pairing_id:int}/end", opt=WRITE, **API)
def api_pairing_end(ctx: Ctx, db: Session, pairing_id: int, data: dict[str, Any]) -> PairingOut:
    pairing = svc.get_pairing(db, pairing_id)
    save(db, lambda: svc.end_pairing(db, pairing, data, clock.today()))
    return _pairings_out(ctx, db, [pairing])[0]


def _visits_out(db: Session, visits: list[Visit]) -> list[VisitOut]:
    atts = svc.attachments_of(db, [x.id for x in visits])
    return [VisitOut(x.id, x.pairing_id, x.visited_on, x.visitor, x.note, [a.filename for a in atts.get(x.id, [])])
            for x in visits]


@get("/pairings/{pairing_id:int}/visits", opt=READ, **API)
def api_visits(db: Session, pairing_id: int) -> list[VisitOut]:
    return _visits_out(db, svc.visits_of(db, [svc.get_pairing(db, pairing_id).id]))


@post("/pairings/{pairing_id:int}/visits", opt=VISIT, **API)
def api_visit_create(ctx: Ctx, db: Session, pairing_id: int, data: dict[str, Any]) -> VisitOut:
    """Record a visit (``visited_on``, ``visitor`` — default the user —, ``note``); files go through the page."""
    pairing = svc.get_pairing(db, pairing_id)
    visit = save(db, lambda: svc.record_visit(db, pairing, data, clock.today(), ctx.user.id,
                                              ctx.user.display_name or ctx.user.username))
    return _visits_out(db, [visit])[0]


@get("/gaps", opt=READ, **API)
def api_gaps(ctx: Ctx, db: Session, on: dt.date | None = None, kind: str = "") -> GapsOut:
    """The rules of every pairing kind and what they find missing on ``on`` (default today):
    holders with fewer running pairings than required, pairings with fewer visits in the period."""
    g = svc.gaps(db, ctx.tenant, on or clock.today(), kind)
    return GapsOut(g.on, [_rule_out(r) for r in g.rules],
                   [HolderGapOut(h.kind, h.kind_label, h.holder_type, h.holder_id, h.holder_name, h.have, h.need)
                    for h in g.holders],
                   [VisitGapOut(x.kind, x.kind_label, x.pairing_id, x.holder_name, x.target_name, x.period,
                                x.period_label, x.have, x.need) for x in g.visits])


PAGE_ROUTES = [unit_list, unit_export, unit_new, unit_create, unit_detail, unit_reveal, unit_edit, unit_update,
               unit_archive, pairing_list, pairing_export, pairing_new, pairing_create, pairing_detail, visit_create,
               pairing_end, visit_file, gap_page, gap_export]
API_ROUTES = [api_kinds, api_units, api_unit_create, api_unit, api_unit_update, api_pairings, api_pairing_create,
              api_pairing, api_pairing_end, api_visits, api_visit_create, api_gaps]
