"""DFH-4 金品牌: the 服务管家 team, each butler a person of the system.

000: "以党员为骨干组建两新党组织联组“服务管家”队伍，为两新组织提供党建指导、科创信息、政策咨询、配套完善、
资源对接等多项服务 … 专职党务工作者 … 党建指导员 … 联企专员". So a butler is

* a **person** — a member (党员) of the registry, an instructor (党建指导员) or a user with a role in the
  tenant — picked, not typed (``person_kind`` + ``person_id``; the name is copied from the person);
* of a **role** (专职党务工作者 / 党建指导员 / 联企专员) offering **services** (the seed's five kinds);
* serving organizations (the existing ``dongfanghong_butler_orgs``).

以党员为骨干 is checked: a butler linked to a member who is a 预备 / 正式党员 counts as a party member;
the page shows the share and the butlers who are not (or not yet linked). A butler's workload is
joined from rows: the organizations served and their open demands in the lists engine.
``dongfanghong_0009`` linked the former free-text names to persons by exact name (a member, else an
instructor, else a user of the tenant, only when exactly one matches); rows it could not match keep
their name with ``person_kind = ""`` and are listed as 未关联 until someone picks the person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.registry.models import Member, Organization
from core.registry.schemas import FieldSpec, clean, resolve_organization
from plugins.dongfanghong.models import Butler, ButlerOrganization
from plugins.dongfanghong.people import (  # noqa: F401  (re-exported for the pages)
    PARTY_STATUSES,
    PERSON_KINDS,
    person_options,
    person_record,
    tenant_users,
)
from plugins.dongfanghong.service import BUTLER_ROLES

#: 000: 党建指导、科创信息、政策咨询、配套完善、资源对接
BUTLER_SERVICES = {"guidance": "党建指导", "tech": "科创信息", "policy": "政策咨询", "support": "配套完善",
                   "resources": "资源对接"}


def _services(raw: Mapping[str, Any], errors: dict[str, str]) -> list[str]:
    value = raw.get("services")
    items = value if isinstance(value, list | tuple) else [x for x in str(value or "").replace("，", ",").split(",")]
    out = []
    for x in (str(i).strip() for i in items):
        if not x:
            continue
        key = x if x in BUTLER_SERVICES else next((k for k, v in BUTLER_SERVICES.items() if v == x), "")
        if not key:
            errors["services"] = "服务内容：请从" + "、".join(BUTLER_SERVICES.values()) + "中选择"
            return []
        if key not in out:
            out.append(key)
    return out


FIELDS = [FieldSpec("unit", "所在单位", max_length=100)]


def save_butler(session: Session, tenant_id: int, raw: Mapping[str, Any], butler: Butler | None = None) -> Butler:
    """Add a butler, or update one: the person (``member_id`` or ``person``), ``role``, ``unit``,
    ``services`` (keys or labels, a list or comma separated), ``active`` (on update) and the
    organizations served (``organizations``: names or credit codes, comma separated; replaces the
    list). Nothing is written when a field is wrong."""
    values, errors = clean(FIELDS, raw)
    kind, person_id, name = person_record(session, tenant_id, raw, errors)
    role = str(raw.get("role") or "").strip()
    if role not in BUTLER_ROLES:
        errors["role"] = "类别：请选择专职党务工作者、党建指导员或联企专员"
    services = _services(raw, errors)
    orgs: list[int] = []
    for i, ref in enumerate(x.strip() for x in str(raw.get("organizations") or "").replace("，", ",").split(",")):
        if not ref:
            continue
        found, problem = resolve_organization(session, ref)
        if problem:
            errors["organizations"] = f"服务企业：第 {i + 1} 项「{ref}」{problem}"
            break
        if found not in orgs:
            orgs.append(found)
    if not errors:
        dup = session.scalar(select(Butler.id).where(Butler.person_kind == kind, Butler.person_id == person_id,
                                                     Butler.id != (butler.id if butler else 0)))
        if dup:
            errors["person"] = f"人员：「{name}」已在服务管家队伍中"
    if errors:
        raise FormErrors(errors)
    if butler is None:
        butler = Butler(active=True)
        session.add(butler)
    else:
        butler.active = bool(raw.get("active"))
    butler.person_kind, butler.person_id, butler.name = kind, person_id, name[:50]
    butler.unit, butler.role, butler.services = values.get("unit") or "", role, ",".join(services)
    session.flush()
    current = {bo.organization_id: bo for bo in session.scalars(
        select(ButlerOrganization).where(ButlerOrganization.butler_id == butler.id))}
    for oid, bo in current.items():
        if oid not in orgs:
            session.delete(bo)
    for oid in orgs:
        if oid not in current:
            session.add(ButlerOrganization(butler_id=butler.id, organization_id=oid))
    session.flush()
    return butler


@dataclass
class ButlerRow:
    butler: Butler
    organizations: list[str] = field(default_factory=list)
    organization_ids: list[int] = field(default_factory=list)
    party_member: bool = False
    open_demands: int = 0

    @property
    def linked(self) -> bool:
        return bool(self.butler.person_kind)

    @property
    def services(self) -> list[str]:
        return [BUTLER_SERVICES[k] for k in self.butler.services.split(",") if k in BUTLER_SERVICES]


def team(session: Session, rows: list[tuple[Butler, list[str]]], with_demands: bool = True) -> list[ButlerRow]:
    """The butler rows (from :func:`service.butlers`) with whether each is a party member and
    their workload: organizations served, open demands of those organizations (lists engine)."""
    butlers = [b for b, _ in rows]
    ids = [b.id for b in butlers]
    served: dict[int, list[int]] = defaultdict(list)
    for bid, oid in session.execute(select(ButlerOrganization.butler_id, ButlerOrganization.organization_id)
                                    .where(ButlerOrganization.butler_id.in_(ids or [0]))):
        served[bid].append(oid)
    member_ids = [b.person_id for b in butlers if b.person_kind == "member" and b.person_id]
    party = set(session.scalars(select(Member.id).where(Member.id.in_(member_ids or [0]),
                                                        Member.status.in_(PARTY_STATUSES))))
    demands: dict[int, int] = {}
    if with_demands:
        from core.plugins import registry

        if "lists" in registry().enabled(session.info.get("tenant_id") or 0):
            from plugins.lists import api as lists
            from plugins.lists.api import ListDemand

            all_orgs = {o for os in served.values() for o in os}
            demands = dict(session.execute(
                select(ListDemand.organization_id, func.count()).where(
                    ListDemand.organization_id.in_(all_orgs or {0}), ListDemand.status.in_(lists.OPEN_STATUSES))
                .group_by(ListDemand.organization_id)).all())
    return [ButlerRow(b, orgs, served[b.id], b.person_kind == "member" and b.person_id in party,
                      sum(int(demands.get(o, 0)) for o in served[b.id])) for b, orgs in rows]


@dataclass
class Backbone:
    active: int
    party_members: int
    unlinked: int

    @property
    def percent(self) -> int:
        return round(100 * self.party_members / self.active) if self.active else 0


def backbone(rows: list[ButlerRow]) -> Backbone:
    """以党员为骨干: active butlers, how many are party members, how many are not linked to a person."""
    active = [r for r in rows if r.butler.active]
    return Backbone(len(active), sum(r.party_member for r in active), sum(not r.linked for r in active))


def organizations_of(session: Session, butler_id: int) -> list[Organization]:
    return list(session.scalars(select(Organization).join(
        ButlerOrganization, ButlerOrganization.organization_id == Organization.id)
        .where(ButlerOrganization.butler_id == butler_id).order_by(Organization.name)))
