"""Rules of the units plugin (单位与结对): units, pairings, visits, and the gaps (缺口) the pairing
kinds' rules show. Shared by the pages, the JSON API, the import and :mod:`plugins.units.api`.

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything
is written; functions flush, the caller commits. References are row ids, looked up in the
caller's tenant-scoped session: another tenant's id is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from core import audit, clock, crypto, periods, search
from core.forms import FormErrors, row_id, text, text_problem
from core.models import CasbinRule, User
from core.plugins import registry
from core.registry.models import Member, Organization, PartyOrg
from core.registry.schemas import FieldSpec, clean, parse_date
from core.tenancy import TenantInfo, tree
from plugins.units.models import Pairing, Unit, Visit, VisitAttachment
from plugins.units.types import HOLDER_TYPES, PERIODS, TARGET_TYPES, PairingKind, Rule, UnitKind

BUILTIN_UNIT_KINDS = (
    UnitKind("member_unit", "成员单位", "两新工委（非公有制经济组织和社会组织工作委员会）成员单位"),
    UnitKind("department", "行业部门", "行业主管部门、责任部门、区直部门"),
    UnitKind("organ", "机关单位", "机关、事业单位党组织"),
    UnitKind("community", "社区（村）党组织", "社区（村）党组织"),
    UnitKind("resident", "驻街单位", "驻街单位、驻街部门"),
    UnitKind("chamber", "商会", "商会、行业协会"),
    UnitKind("other", "其他单位"),
)
#: the built-in pairing kind; its numbers are the tenant's settings
BUILTIN_PAIRING = PairingKind("pairing", "结对共建", holder_unit_kinds=("member_unit", "department"),
                              description="单位或个人与两新组织、党组织结对共建")
STATUSES = {"running": "进行中", "ended": "已结束"}
MAX_OPTIONS = 2000


# --- kinds and rules ---------------------------------------------------------------------------


def unit_kinds(tenant: TenantInfo) -> dict[str, UnitKind]:
    """Built-in kinds, then those of ``tenant``'s enabled programs (first registration wins)."""
    found = {k.key: k for k in BUILTIN_UNIT_KINDS}
    for batch in registry().hooks_for(tenant.id).register_unit_kinds(tenant=tenant):
        for kind in batch or ():
            found.setdefault(kind.key, kind)
    return found


def pairing_kinds(tenant: TenantInfo) -> dict[str, PairingKind]:
    found = {BUILTIN_PAIRING.key: BUILTIN_PAIRING}
    for batch in registry().hooks_for(tenant.id).register_pairing_kinds(tenant=tenant):
        for kind in batch or ():
            found.setdefault(kind.key, kind)
    return found


def rules(tenant: TenantInfo) -> list[Rule]:
    """Every pairing kind's rules, the numbers a kind leaves open taken from the tenant's settings."""
    settings = registry().settings(tenant.id, "units")
    out = []
    for kind in pairing_kinds(tenant).values():
        from_settings = tuple(n for n in ("min_pairings", "visits", "period") if getattr(kind, n) is None)
        out.append(Rule(kind, kind.min_pairings if kind.min_pairings is not None else settings.min_pairings,
                        kind.visits if kind.visits is not None else settings.visits,
                        kind.period or settings.visit_period, from_settings))
    return out


def kind_label(kinds: Mapping[str, Any], key: str) -> str:
    kind = kinds.get(key)
    return kind.label if kind is not None else key


# --- references --------------------------------------------------------------------------------


def tenant_user_ids(session: Session, tenant: TenantInfo, roles: Iterable[str] | None = None) -> set[int]:
    """Users holding a role (one of ``roles``, or any) in ``tenant`` or a tenant above it."""
    domains = [str(t.id) for t in tree().ancestors(tenant.id)] + [str(tenant.id)]
    stmt = select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v2.in_(domains))
    if roles is not None:
        stmt = stmt.where(CasbinRule.v1.in_(list(roles)))
    return {int(v) for v in session.scalars(stmt) if v.isdigit()}


def user_options(session: Session, tenant: TenantInfo) -> list[tuple[int, str]]:
    ids = tenant_user_ids(session, tenant)
    if not ids:
        return []
    return [(u.id, user_label(u)) for u in session.scalars(
        select(User).where(User.id.in_(ids), User.is_active.is_(True)).order_by(User.username))]


def user_label(user: User) -> str:
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


def options(session: Session, model: type) -> list[tuple[int, str]]:
    stmt = select(model.id, model.name).order_by(model.name, model.id).limit(MAX_OPTIONS)
    if model is PartyOrg:
        stmt = stmt.where(PartyOrg.dissolved_on.is_(None))
    if model is Unit:
        stmt = stmt.where(Unit.archived_on.is_(None))
    return [(i, n) for i, n in session.execute(stmt)]


def _ref(session: Session, model: type, raw: Mapping[str, Any], key: str, label: str,
         errors: dict[str, str]) -> int | None:
    value = text(raw, key)
    if not value:
        return None
    rid = row_id(value)
    if rid is None or session.get(model, rid) is None:
        errors[key] = f"{label}：找不到所选的{label}"
        return None
    return rid


# --- units -------------------------------------------------------------------------------------


def unit_fields(tenant: TenantInfo) -> list[FieldSpec]:
    return [
        FieldSpec("name", "单位名称", required=True, max_length=200),
        FieldSpec("kind", "单位类别", "choice", required=True,
                  choices={k: v.label for k, v in unit_kinds(tenant).items()}),
        FieldSpec("duties", "工作分工和职责", "text", max_length=5000),
        FieldSpec("contact_name", "联系人", max_length=50),
        FieldSpec("contact_phone", "联系电话", "mobile"),
        FieldSpec("note", "备注", "text", max_length=5000),
    ]


def clean_unit(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], unit: Unit | None = None,
               partial: bool = False) -> dict[str, Any]:
    """Typed column values of a unit (``partial``: only the keys present, for the API's PATCH)."""
    values, errors = clean(unit_fields(tenant), raw, partial=partial)
    for key, model, label in (("contact_member_id", Member, "联系人（党员）"),
                              ("contact_user_id", User, "联系人（平台用户）"),
                              ("party_org_id", PartyOrg, "所属党组织")):
        if partial and key not in raw:
            continue
        values[key] = _ref(session, model, raw, key, label, errors)
    if values.get("contact_user_id") and values["contact_user_id"] not in tenant_user_ids(session, tenant):
        errors["contact_user_id"] = "联系人（平台用户）：该用户在本辖区没有角色"
    if "contact_phone" in values:
        phone = values.pop("contact_phone")
        values["contact_phone_enc"] = crypto.encrypt(phone) if phone else None
        values["contact_phone_hash"] = crypto.blind_index(phone, "phone") if phone else None
    if not errors and not values.get("contact_name") and (not partial or "contact_name" in raw):
        if values.get("contact_member_id"):
            values["contact_name"] = session.get(Member, values["contact_member_id"]).name
        elif values.get("contact_user_id"):
            user = session.get(User, values["contact_user_id"])
            values["contact_name"] = (user.display_name or user.username)[:50]
    name = values.get("name", unit.name if unit else None)
    kind = values.get("kind", unit.kind if unit else None)
    if not errors and name and kind:
        stmt = select(Unit.id).where(Unit.kind == kind, Unit.name == name)
        if unit is not None:
            stmt = stmt.where(Unit.id != unit.id)
        if session.scalar(stmt.limit(1)):
            errors["name"] = f"单位名称：已有同类单位「{name}」"
    if errors:
        raise FormErrors(errors)
    return values


def create_unit(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> Unit:
    unit = Unit(**clean_unit(session, tenant, raw))
    session.add(unit)
    session.flush()
    return unit


def update_unit(session: Session, tenant: TenantInfo, unit: Unit, raw: Mapping[str, Any],
                partial: bool = False) -> Unit:
    for key, value in clean_unit(session, tenant, raw, unit, partial).items():
        setattr(unit, key, value)
    session.flush()
    return unit


def set_archived(session: Session, unit: Unit, archived: bool, today: dt.date) -> Unit:
    """停用 (kept with its pairings and visits, no longer checked by the rules) or 恢复."""
    unit.archived_on = today if archived else None
    session.flush()
    return unit


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundException("单位不存在")
    return unit


def find_unit(session: Session, kind: str, name: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.kind == kind, Unit.name == name).limit(1))


def unit_select(q: str = "", kind: str = "", status: str = "") -> Select:
    stmt = select(Unit)
    if q.strip():
        stmt = stmt.where(search.matches(q, Unit.name, Unit.duties, Unit.contact_name))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if status == "archived":
        stmt = stmt.where(Unit.archived_on.is_not(None))
    elif status != "all":
        stmt = stmt.where(Unit.archived_on.is_(None))
    return stmt.order_by(Unit.name, Unit.id)


def phone_of(unit: Unit) -> str:
    try:
        return crypto.decrypt(unit.contact_phone_enc) or ""
    except crypto.DecryptionError:
        return ""


def masked_phone(unit: Unit) -> str:
    return crypto.mask_phone(phone_of(unit)) or ""


def reveal(session: Session, unit: Unit) -> str:
    """The full contact phone, with an audit entry (the caller checks ``units:reveal``)."""
    audit.record(session, "units.reveal", entity="units_units", entity_id=unit.id,
                 summary=f"查看{unit.name}联系人的完整电话")
    session.flush()
    return phone_of(unit)


def party_org_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(wanted))).all())


# --- pairings ----------------------------------------------------------------------------------

HOLDER_COLUMNS = {"unit": "unit_id", "user": "user_id", "member": "member_id"}
TARGET_COLUMNS = {"organization": "organization_id", "party_org": "party_org_id"}
HOLDER_MODELS = {"unit": Unit, "user": User, "member": Member}
TARGET_MODELS = {"organization": Organization, "party_org": PartyOrg}


def _date(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str], default: dt.date | None = None,
          required: bool = False) -> dt.date | None:
    value = text(raw, key)
    if not value:
        if required and default is None:
            errors[key] = f"{label}：必填"
        return default
    day = parse_date(value)
    if day is None or not 1900 <= day.year <= 2200:
        errors[key] = f"{label}：日期格式应为 2024-03-01"
        return None
    return day


def clean_pairing(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kinds = pairing_kinds(tenant)
    kind_key = text(raw, "kind") or BUILTIN_PAIRING.key
    kind = kinds.get(kind_key)
    if kind is None:
        errors["kind"] = f"结对类型：无效的选项「{kind_key}」，可选：{'、'.join(k.label for k in kinds.values())}"
    values: dict[str, Any] = {"kind": kind_key}
    holder_type = text(raw, "holder_type")
    if holder_type not in HOLDER_TYPES:
        errors["holder_type"] = "结对主体：请选择单位、平台用户或党员"
    elif kind is not None and holder_type not in kind.holder_types:
        errors["holder_type"] = (f"结对主体：「{kind.label}」的主体只能是"
                                 f"{'、'.join(HOLDER_TYPES[t] for t in kind.holder_types)}")
    else:
        column = HOLDER_COLUMNS[holder_type]
        rid = _ref(session, HOLDER_MODELS[holder_type], raw, column, HOLDER_TYPES[holder_type], errors)
        if rid is None and column not in errors:
            errors[column] = f"{HOLDER_TYPES[holder_type]}：必填"
        if holder_type == "user" and rid is not None and rid not in tenant_user_ids(session, tenant):
            errors[column] = "平台用户：该用户在本辖区没有角色"
        if holder_type == "unit" and rid is not None and session.get(Unit, rid).archived_on is not None:
            errors[column] = "单位：该单位已停用"
        values.update(holder_type=holder_type, **{column: rid})
    target_type = text(raw, "target_type")
    if target_type not in TARGET_TYPES:
        errors["target_type"] = "结对对象：请选择两新组织或党组织"
    elif kind is not None and target_type not in kind.target_types:
        errors["target_type"] = (f"结对对象：「{kind.label}」的对象只能是"
                                 f"{'、'.join(TARGET_TYPES[t] for t in kind.target_types)}")
    else:
        column = TARGET_COLUMNS[target_type]
        rid = _ref(session, TARGET_MODELS[target_type], raw, column, TARGET_TYPES[target_type], errors)
        if rid is None and column not in errors:
            errors[column] = f"{TARGET_TYPES[target_type]}：必填"
        values.update(target_type=target_type, **{column: rid})
    values["started_on"] = _date(raw, "started_on", "开始日期", errors, today)
    values["ended_on"] = _date(raw, "ended_on", "结束日期", errors)
    if values["started_on"] and values["ended_on"] and values["ended_on"] < values["started_on"]:
        errors["ended_on"] = "结束日期：不能早于开始日期"
    content = text(raw, "content")
    if len(content) > 5000:
        errors["content"] = "共建内容：最多 5000 个字符"
    values["content"] = content
    if not errors:
        hc, tc = HOLDER_COLUMNS[holder_type], TARGET_COLUMNS[target_type]
        dup = session.scalar(select(Pairing.id).where(
            Pairing.kind == kind_key, getattr(Pairing, hc) == values[hc], getattr(Pairing, tc) == values[tc],
            Pairing.ended_on.is_(None)).limit(1))
        if dup and values["ended_on"] is None:
            errors[tc] = "结对对象：该主体与该对象已有进行中的同类结对"
    if errors:
        raise FormErrors(errors)
    return values


def create_pairing(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date) -> Pairing:
    pairing = Pairing(**clean_pairing(session, tenant, raw, today))
    session.add(pairing)
    session.flush()
    return pairing


def end_pairing(session: Session, pairing: Pairing, raw: Mapping[str, Any], today: dt.date) -> Pairing:
    errors: dict[str, str] = {}
    if pairing.ended_on is not None:
        raise FormErrors({"ended_on": f"结束日期：该结对已于 {pairing.ended_on} 结束"})
    ended = _date(raw, "ended_on", "结束日期", errors, today)
    if ended and ended < pairing.started_on:
        errors["ended_on"] = "结束日期：不能早于开始日期"
    if errors:
        raise FormErrors(errors)
    pairing.ended_on = ended
    session.flush()
    return pairing


def get_pairing(session: Session, pairing_id: int) -> Pairing:
    pairing = session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFoundException("结对不存在")
    return pairing


def running_on(day: dt.date):
    return and_(Pairing.started_on <= day, or_(Pairing.ended_on.is_(None), Pairing.ended_on >= day))


def pairing_select(q: str = "", kind: str = "", holder_type: str = "", target_type: str = "", status: str = "",
                   unit_id: int | None = None, today: dt.date | None = None) -> Select:
    stmt = select(Pairing)
    if q.strip():
        stmt = (stmt.outerjoin(Unit, Unit.id == Pairing.unit_id).outerjoin(Member, Member.id == Pairing.member_id)
                .outerjoin(User, User.id == Pairing.user_id)
                .outerjoin(Organization, Organization.id == Pairing.organization_id)
                .outerjoin(PartyOrg, PartyOrg.id == Pairing.party_org_id)
                .where(search.matches(q, Unit.name, Member.name, User.username, User.display_name,
                                      Organization.name, PartyOrg.name, Pairing.content)))
    if kind:
        stmt = stmt.where(Pairing.kind == kind)
    if holder_type in HOLDER_TYPES:
        stmt = stmt.where(Pairing.holder_type == holder_type)
    if target_type in TARGET_TYPES:
        stmt = stmt.where(Pairing.target_type == target_type)
    if unit_id is not None:
        stmt = stmt.where(Pairing.unit_id == unit_id)
    day = today or clock.today()
    if status == "running":
        stmt = stmt.where(running_on(day))
    elif status == "ended":
        stmt = stmt.where(Pairing.ended_on.is_not(None), Pairing.ended_on < day)
    return stmt.order_by(Pairing.started_on.desc(), Pairing.id.desc())


@dataclass
class Names:
    """Names of the holders and targets of some pairings, loaded in one query per table."""

    units: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)
    party_orgs: dict[int, str] = field(default_factory=dict)

    def holder(self, p: Pairing) -> str:
        return {"unit": self.units.get(p.unit_id or 0), "user": self.users.get(p.user_id or 0),
                "member": self.members.get(p.member_id or 0)}.get(p.holder_type) or "—"

    def target(self, p: Pairing) -> str:
        return {"organization": self.organizations.get(p.organization_id or 0),
                "party_org": self.party_orgs.get(p.party_org_id or 0)}.get(p.target_type) or "—"


def names_of(session: Session, pairings: Iterable[Pairing]) -> Names:
    ps = list(pairings)
    out = Names()

    def load(model, ids, label=lambda r: r.name):
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        return {r.id: label(r) for r in session.scalars(select(model).where(model.id.in_(wanted)))}

    out.units = load(Unit, (p.unit_id for p in ps))
    out.users = load(User, (p.user_id for p in ps), user_label)
    out.members = load(Member, (p.member_id for p in ps))
    out.organizations = load(Organization, (p.organization_id for p in ps))
    out.party_orgs = load(PartyOrg, (p.party_org_id for p in ps))
    return out


def visit_counts(session: Session, pairing_ids: Iterable[int], start: dt.date | None = None,
                 end: dt.date | None = None) -> dict[int, int]:
    ids = list(pairing_ids)
    if not ids:
        return {}
    stmt = select(Visit.pairing_id, func.count(Visit.id)).where(Visit.pairing_id.in_(ids))
    if start is not None:
        stmt = stmt.where(Visit.visited_on >= start)
    if end is not None:
        stmt = stmt.where(Visit.visited_on <= end)
    return dict(session.execute(stmt.group_by(Visit.pairing_id)).all())


# --- visits ------------------------------------------------------------------------------------


def clean_visit(pairing: Pairing, raw: Mapping[str, Any], today: dt.date, default_visitor: str = "") -> dict:
    errors: dict[str, str] = {}
    visited_on = _date(raw, "visited_on", "走访日期", errors, required=True)
    if visited_on is not None:
        if visited_on > today:
            errors["visited_on"] = "走访日期：不能晚于今天"
        elif visited_on < pairing.started_on:
            errors["visited_on"] = f"走访日期：不能早于结对开始日期 {pairing.started_on}"
        elif pairing.ended_on is not None and visited_on > pairing.ended_on:
            errors["visited_on"] = f"走访日期：结对已于 {pairing.ended_on} 结束"
    visitor = text(raw, "visitor") or default_visitor
    if not visitor:
        errors["visitor"] = "走访人：必填"
    elif len(visitor) > 100:
        errors["visitor"] = "走访人：最多 100 个字符"
    note = text(raw, "note")
    if len(note) > 5000:
        errors["note"] = "走访情况：最多 5000 个字符"
    for key, value in (("visitor", visitor), ("note", note)):
        if key not in errors and (problem := text_problem(value)) and value:
            errors[key] = f"{'走访人' if key == 'visitor' else '走访情况'}：{problem}"
    if errors:
        raise FormErrors(errors)
    return {"visited_on": visited_on, "visitor": visitor, "note": note}


def record_visit(session: Session, pairing: Pairing, raw: Mapping[str, Any], today: dt.date,
                 user_id: int | None = None, default_visitor: str = "") -> Visit:
    visit = Visit(pairing_id=pairing.id, visitor_user_id=user_id,
                  **clean_visit(pairing, raw, today, default_visitor))
    session.add(visit)
    session.flush()
    return visit


def visits_of(session: Session, pairing_ids: Iterable[int]) -> list[Visit]:
    ids = list(pairing_ids)
    if not ids:
        return []
    return list(session.scalars(select(Visit).where(Visit.pairing_id.in_(ids))
                                .order_by(Visit.visited_on.desc(), Visit.id.desc())))


def attachments_of(session: Session, visit_ids: Iterable[int]) -> dict[int, list[VisitAttachment]]:
    ids = list(visit_ids)
    out: dict[int, list[VisitAttachment]] = {}
    if ids:
        for att in session.scalars(select(VisitAttachment).where(VisitAttachment.visit_id.in_(ids))
                                   .order_by(VisitAttachment.id)):
            out.setdefault(att.visit_id, []).append(att)
    return out


def get_visit(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFoundException("走访记录不存在")
    return visit


# --- periods and gaps --------------------------------------------------------------------------


def period_bounds(period: str, on: dt.date) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, label) of the period of kind ``period`` containing ``on``."""
    p = periods.containing(period, on)
    return p.start, p.end, p.label


@dataclass(frozen=True)
class HolderGap:
    kind: str
    kind_label: str
    holder_type: str
    holder_id: int
    holder_name: str
    have: int
    need: int


@dataclass(frozen=True)
class VisitGap:
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
class Gaps:
    on: dt.date
    rules: list[Rule]
    holders: list[HolderGap]
    visits: list[VisitGap]


def gaps(session: Session, tenant: TenantInfo, on: dt.date | None = None, kind: str = "") -> Gaps:
    """What the rules of ``tenant``'s pairing kinds find missing on ``on`` (default today):
    holders with fewer running pairings than required, and running pairings with fewer visits
    in the period containing ``on`` than required. ``kind`` limits it to one pairing kind."""
    on = on or clock.today()
    found = Gaps(on, [r for r in rules(tenant) if not kind or r.kind.key == kind], [], [])
    for rule in found.rules:
        k = rule.kind
        if rule.min_pairings > 0 and (k.holder_unit_kinds or k.holder_roles):
            counts = dict(session.execute(
                select(Pairing.unit_id, func.count(Pairing.id)).where(
                    Pairing.kind == k.key, Pairing.holder_type == "unit", running_on(on))
                .group_by(Pairing.unit_id)).all())
            if k.holder_unit_kinds and "unit" in k.holder_types:
                for unit in session.scalars(select(Unit).where(Unit.kind.in_(k.holder_unit_kinds),
                                                               Unit.archived_on.is_(None))
                                            .order_by(Unit.name, Unit.id)):
                    have = counts.get(unit.id, 0)
                    if have < rule.min_pairings:
                        found.holders.append(HolderGap(k.key, k.label, "unit", unit.id, unit.name, have,
                                                       rule.min_pairings))
            if k.holder_roles and "user" in k.holder_types:
                ids = tenant_user_ids(session, tenant, k.holder_roles)
                user_counts = dict(session.execute(
                    select(Pairing.user_id, func.count(Pairing.id)).where(
                        Pairing.kind == k.key, Pairing.holder_type == "user", running_on(on))
                    .group_by(Pairing.user_id)).all())
                if ids:
                    for user in session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))
                                                .order_by(User.username)):
                        have = user_counts.get(user.id, 0)
                        if have < rule.min_pairings:
                            found.holders.append(HolderGap(k.key, k.label, "user", user.id, user_label(user), have,
                                                           rule.min_pairings))
        if rule.visits > 0:
            start, end, label = period_bounds(rule.period, on)
            pairings = list(session.scalars(select(Pairing).where(Pairing.kind == k.key, running_on(on))
                                            .order_by(Pairing.started_on, Pairing.id)))
            counts = visit_counts(session, [p.id for p in pairings], start, end)
            short = [p for p in pairings if counts.get(p.id, 0) < rule.visits]
            names = names_of(session, short)
            for p in short:
                found.visits.append(VisitGap(k.key, k.label, p.id, names.holder(p), names.target(p), rule.period,
                                             label, counts.get(p.id, 0), rule.visits))
    return found


def gap_counts(session: Session, tenant: TenantInfo) -> tuple[int, int]:
    g = gaps(session, tenant)
    return len(g.holders), len(g.visits)


def period_label(period: str) -> str:
    return PERIODS.get(period, period)


def running_counts(session: Session, unit_ids: Iterable[int], on: dt.date) -> dict[int, int]:
    """Running pairings held by each of ``unit_ids`` on ``on``."""
    ids = list(unit_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Pairing.unit_id, func.count(Pairing.id)).where(
        Pairing.unit_id.in_(ids), running_on(on)).group_by(Pairing.unit_id)).all())


def contact_label(session: Session, unit: Unit) -> str:
    """The contact person, naming the member or user it refers to."""
    parts = [unit.contact_name] if unit.contact_name else []
    if unit.contact_member_id and (m := session.get(Member, unit.contact_member_id)) is not None:
        if m.name != unit.contact_name:
            parts.append(m.name)
        parts.append("（党员）")
    elif unit.contact_user_id and (u := session.get(User, unit.contact_user_id)) is not None:
        parts.append(f"（平台用户 {u.username}）")
    return "".join(parts)
