"""Party organizations (党组织): the tree, list filters, writes, coverage and dissolution.

Rules kept here (not in handlers):

* the parent is resolved with :func:`resolve_party_org` and may not be the org itself, one of
  its descendants (no cycles) or a dissolved org;
* a joint branch (联合党支部) cannot be a single formation (单独组建); a single-formation org
  covers exactly one organization — adding a second is refused with a clear message;
* dissolving needs a date and a reason, no live child orgs, and ends the org's coverage;
* deleting is refused while children, members or cluster memberships refer to the org.

An org secretary sees only the party orgs that cover their own organizations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from core import clock, history, search
from core.audit import record
from core.forms import FormErrors
from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import ClusterMember, Member, Organization, PartyOrg, PartyOrgCoverage
from core.registry.schemas import (
    PARTY_ORG_FIELDS,
    clean,
    clean_party_org,
    resolve_organization,
    resolve_party_org,
)
from core.registry.services.organizations import Access, Refused
from core.web.listing import PAGE_SIZE, PageOf, paginate

NOT_FOUND = "党组织不存在"
YES_NO = {"yes": "是", "no": "否"}
DISSOLVED_FILTERS = {"no": "存续", "yes": "已撤销"}
VENUE_FILTERS = {"1": "一类阵地", "2": "二类阵地", "3": "三类阵地", "none": "未评定"}
#: a term (换届) ending within this many days is "due"; preparation starts about three months ahead
TERM_DUE_DAYS = 90
#: the 换届 filter; every value applies to live (not dissolved) party orgs only
TERM_FILTERS = {"overdue": "换届已逾期", "due": f"{TERM_DUE_DAYS} 天内到期", "none": "未登记换届日期"}
#: org types that are normally a single organization's own branch, not a joint one
SINGLE_MODE = "single"


# --- access -------------------------------------------------------------------------------------


def party_org_clause(access: Access) -> ColumnElement[bool]:
    """Party orgs this principal may see (an org secretary: those covering their organizations)."""
    if not access.own_only:
        return true()
    return PartyOrg.id.in_(
        select(PartyOrgCoverage.party_org_id).where(PartyOrgCoverage.organization_id.in_(access.own_ids()))
    )


def get_party_org(session: Session, access: Access, party_org_id: int) -> PartyOrg:
    po = session.get(PartyOrg, party_org_id)  # another tenant's id is filtered out
    if po is None:
        raise NotFoundException(NOT_FOUND)
    if access.own_only and not session.scalar(select(PartyOrg.id).where(PartyOrg.id == po.id,
                                                                        party_org_clause(access))):
        raise NotFoundException(NOT_FOUND)
    return po


# --- listing ------------------------------------------------------------------------------------


@dataclass
class PartyOrgFilter:
    q: str = ""
    org_type: str = ""
    formation_mode: str = ""
    weak: str = ""  # yes | no
    model: str = ""  # yes | no
    venue_class: str = ""  # 1 | 2 | 3 | none
    dissolved: str = ""  # yes | no
    term: str = ""  # a key of TERM_FILTERS

    KEYS = ("q", "org_type", "formation_mode", "weak", "model", "venue_class", "dissolved", "term")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PartyOrgFilter:
        def one(key: str) -> str:
            value = data.get(key)
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value or "").strip()

        return cls(**{k: one(k) for k in cls.KEYS})

    def query(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}

    @property
    def active(self) -> bool:
        return bool(self.query())


def party_org_select(access: Access, f: PartyOrgFilter) -> Select:
    stmt = select(PartyOrg).where(party_org_clause(access))
    if f.q:
        stmt = stmt.where(search.matches(f.q, PartyOrg.name, PartyOrg.secretary_name))
    if f.org_type:
        stmt = stmt.where(PartyOrg.org_type == f.org_type)
    if f.formation_mode:
        stmt = stmt.where(PartyOrg.formation_mode == f.formation_mode)
    for key, column in (("weak", PartyOrg.is_weak), ("model", PartyOrg.is_model)):
        value = getattr(f, key)
        if value in YES_NO:
            stmt = stmt.where(column.is_(value == "yes"))
    if f.venue_class == "none":
        stmt = stmt.where(PartyOrg.venue_class.is_(None))
    elif f.venue_class.isdigit():
        stmt = stmt.where(PartyOrg.venue_class == int(f.venue_class))
    if f.dissolved == "yes":
        stmt = stmt.where(PartyOrg.dissolved_on.is_not(None))
    elif f.dissolved == "no":
        stmt = stmt.where(PartyOrg.dissolved_on.is_(None))
    if f.term in TERM_FILTERS:
        stmt = stmt.where(PartyOrg.dissolved_on.is_(None), term_clause(f.term))
        if f.term != "none":  # the most urgent first
            return stmt.order_by(PartyOrg.term_ends_on, PartyOrg.name, PartyOrg.id)
    return stmt.order_by(PartyOrg.name, PartyOrg.id)


def term_clause(term: str, day: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition for a 换届 filter value (``overdue`` / ``due`` / ``none``) on ``day``."""
    day = day or clock.today()
    if term == "overdue":
        return PartyOrg.term_ends_on < day
    if term == "due":
        return PartyOrg.term_ends_on.between(day, day + dt.timedelta(days=TERM_DUE_DAYS))
    return PartyOrg.term_ends_on.is_(None)


def term_status(po: PartyOrg, day: dt.date | None = None) -> str:
    """``overdue`` / ``due`` for a live party org whose term has ended or ends soon, else ``""``."""
    if po.dissolved_on is not None or po.term_ends_on is None:
        return ""
    day = day or clock.today()
    if po.term_ends_on < day:
        return "overdue"
    if po.term_ends_on <= day + dt.timedelta(days=TERM_DUE_DAYS):
        return "due"
    return ""


def term_counts(session: Session, access: Access, day: dt.date | None = None) -> dict[str, int]:
    """How many visible live party orgs have an overdue term / a term ending soon."""
    day = day or clock.today()
    out = {}
    for key in ("overdue", "due"):
        out[key] = session.scalar(select(func.count(PartyOrg.id)).where(
            party_org_clause(access), PartyOrg.dissolved_on.is_(None), term_clause(key, day))) or 0
    return out


def list_party_orgs(session: Session, access: Access, f: PartyOrgFilter, page: int = 1,
                    page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, party_org_select(access, f), page, page_size)


def coverage_counts(session: Session, ids: list[int] | None = None) -> dict[int, int]:
    stmt = select(PartyOrgCoverage.party_org_id, func.count(PartyOrgCoverage.id)).group_by(
        PartyOrgCoverage.party_org_id)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(PartyOrgCoverage.party_org_id.in_(ids))
    return dict(session.execute(stmt).all())


def member_counts(session: Session, ids: list[int] | None = None) -> dict[int, int]:
    stmt = select(Member.party_org_id, func.count(Member.id)).where(Member.party_org_id.is_not(None)).group_by(
        Member.party_org_id)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(Member.party_org_id.in_(ids))
    return dict(session.execute(stmt).all())


def parent_names(session: Session, pos: list[PartyOrg]) -> dict[int, str]:
    ids = {p.parent_id for p in pos if p.parent_id}
    if not ids:
        return {}
    return dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(ids))).all())


@dataclass
class TreeRow:
    depth: int
    org: PartyOrg
    children: int
    covered: int
    members: int


def tree_rows(session: Session, access: Access, *, include_dissolved: bool = True) -> list[TreeRow]:
    """The visible party orgs in tree order (depth-first), roots first: the two-new committee."""
    stmt = select(PartyOrg).where(party_org_clause(access))
    if not include_dissolved:
        stmt = stmt.where(PartyOrg.dissolved_on.is_(None))
    nodes = {p.id: p for p in session.scalars(stmt)}
    kids: dict[int | None, list[PartyOrg]] = {}
    for p in nodes.values():
        parent = p.parent_id if p.parent_id in nodes else None
        kids.setdefault(parent, []).append(p)
    for group in kids.values():
        group.sort(key=lambda p: (p.dissolved_on is not None, p.org_type != "committee", p.name, p.id))
    covered, members = coverage_counts(session), member_counts(session)
    rows: list[TreeRow] = []
    stack = [(0, p) for p in reversed(kids.get(None, []))]
    while stack:
        depth, p = stack.pop()
        rows.append(TreeRow(depth, p, len(kids.get(p.id, [])), covered.get(p.id, 0), members.get(p.id, 0)))
        stack.extend((depth + 1, c) for c in reversed(kids.get(p.id, [])))
    return rows


def root_party_org(session: Session) -> PartyOrg | None:
    """The street two-new committee (两新综合党委): the first live committee without a parent."""
    return session.scalars(
        select(PartyOrg).where(PartyOrg.parent_id.is_(None), PartyOrg.dissolved_on.is_(None))
        .order_by((PartyOrg.org_type != "committee"), PartyOrg.id).limit(1)
    ).first()


def parent_choices(session: Session, exclude: PartyOrg | None = None) -> list[PartyOrg]:
    """Live party orgs that can be a parent (not ``exclude`` nor below it), plus ``exclude``'s
    current parent even when dissolved (a select without it would silently clear it on save)."""
    below = descendant_ids(session, exclude.id) if exclude else set()
    current = exclude.parent_id if exclude else None
    return [p for p in session.scalars(select(PartyOrg).where(or_(PartyOrg.dissolved_on.is_(None),
                                                                  PartyOrg.id == (current or -1)))
                                       .order_by(PartyOrg.name).limit(2000)) if p.id not in below]


def descendant_ids(session: Session, party_org_id: int) -> set[int]:
    """``party_org_id`` and every party org below it."""
    children: dict[int, list[int]] = {}
    for pid, parent in session.execute(select(PartyOrg.id, PartyOrg.parent_id)):
        if parent is not None:
            children.setdefault(parent, []).append(pid)
    out, stack = set(), [party_org_id]
    while stack:
        pid = stack.pop()
        if pid in out:
            continue
        out.add(pid)
        stack.extend(children.get(pid, []))
    return out


# --- presentation -------------------------------------------------------------------------------


def labels(po: PartyOrg) -> dict[str, str]:
    return {
        "org_type": choices.PARTY_ORG_TYPES.get(po.org_type, po.org_type),
        "formation_mode": ext.code_label(po.tenant_id, "formation_modes", po.formation_mode) if po.tenant_id
        else choices.FORMATION_MODES.get(po.formation_mode, po.formation_mode),
        "venue_class": choices.VENUE_CLASSES.get(po.venue_class, "") if po.venue_class else "",
    }


FORM_KEYS = [s.key for s in PARTY_ORG_FIELDS if s.key not in ("dissolved_on", "dissolved_reason")]


def form_values(session: Session, po: PartyOrg | None = None) -> dict[str, Any]:
    if po is None:
        root = root_party_org(session)
        return {"org_type": "branch", "formation_mode": "single", "parent": str(root.id) if root else ""}
    values: dict[str, Any] = {k: getattr(po, k) for k in FORM_KEYS if k != "parent"}
    values["parent"] = str(po.parent_id) if po.parent_id else ""
    return {k: ("" if v is None else v) for k, v in values.items()}


def raw_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The party-org fields of a submitted edit form (checkboxes absent → unchecked)."""
    out: dict[str, Any] = {}
    for key in FORM_KEYS:
        value = data.get(key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        out[key] = str(value).strip()
    return out


# --- writes -------------------------------------------------------------------------------------


def _checked(session: Session, po: PartyOrg | None, raw: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    values, errors = clean_party_org(raw, partial=partial, fields=ext.tenant_specs(session, PARTY_ORG_FIELDS))
    extra, extra_errors = ext.clean_extra(session, "party_org", raw, po.extra if po else None, partial=partial)
    errors.update(extra_errors)
    values["extra"] = extra
    if po is not None and "dissolved_on" not in raw:
        # the edit form does not carry dissolution; dissolving is its own action
        values.pop("dissolved_on", None)
        values.pop("dissolved_reason", None)
        errors.pop("dissolved_reason", None)
    if partial and "dissolved_on" in values and "dissolved_reason" not in raw and po is not None \
            and values["dissolved_on"] and po.dissolved_reason:
        errors.pop("dissolved_reason", None)
    if "parent" in values:
        ref = values.pop("parent")
        parent_id, problem = resolve_party_org(session, ref)
        if problem:
            errors["parent"] = f"上级党组织：{problem}"
        elif parent_id is not None:
            parent = session.get(PartyOrg, parent_id)
            if po is not None and parent_id in descendant_ids(session, po.id):
                errors["parent"] = "上级党组织：不能选择本组织或其下级党组织（会形成循环）"
            elif parent is not None and parent.dissolved_on is not None and (po is None or parent_id != po.parent_id):
                errors["parent"] = f"上级党组织：「{parent.name}」已撤销，不能作为上级"
        values["parent_id"] = parent_id
    org_type = values.get("org_type") or (po.org_type if po else None)
    mode = values.get("formation_mode") or (po.formation_mode if po else None)
    if org_type == "joint_branch" and mode == SINGLE_MODE and "formation_mode" not in errors:
        errors["formation_mode"] = "组建方式：联合党支部不能为「单独组建」，请选择联合组建等方式"
    if po is not None and mode == SINGLE_MODE and "formation_mode" not in errors:
        n = coverage_counts(session, [po.id]).get(po.id, 0)
        if n > 1:
            errors["formation_mode"] = (f"组建方式：「单独组建」的党组织只能覆盖一个组织，当前覆盖 {n} 个；"
                                        "请先移除多余的覆盖组织，或选择联合组建")
    if "venue_class" in values and values["venue_class"] is None and partial and po is not None \
            and po.venue_accepted_on and "venue_accepted_on" not in values:
        errors["venue_class"] = "阵地类别：已有验收日期，须选择阵地类别"
    if errors:
        raise FormErrors(errors)
    return values


def create_party_org(session: Session, access: Access, raw: Mapping[str, Any]) -> PartyOrg:
    access.require_write_all()
    values = _checked(session, None, raw, partial=False)
    po = PartyOrg(**values)
    session.add(po)
    session.flush()
    ext.changed(session, "party_org", po, None)
    return po


def update_party_org(session: Session, access: Access, po: PartyOrg, raw: Mapping[str, Any],
                     *, partial: bool = False) -> PartyOrg:
    access.require_write_all()
    values = _checked(session, po, raw, partial=partial)
    before = ext.snapshot(po)
    for key, value in values.items():
        if getattr(po, key) != value:
            setattr(po, key, value)
    session.flush()
    ext.changed(session, "party_org", po, before)
    return po


def covered_organizations(session: Session, po: PartyOrg) -> list[Organization]:
    return list(session.scalars(
        select(Organization).join(PartyOrgCoverage, PartyOrgCoverage.organization_id == Organization.id)
        .where(PartyOrgCoverage.party_org_id == po.id).order_by(Organization.name)
    ))


def covered_ids(session: Session, access: Access, ids: list[int]) -> dict[int, list[int]]:
    """party org id → ids of the covered organizations this principal may see."""
    if not ids:
        return {}
    stmt = (select(PartyOrgCoverage.party_org_id, PartyOrgCoverage.organization_id)
            .where(PartyOrgCoverage.party_org_id.in_(ids)).order_by(PartyOrgCoverage.organization_id))
    if access.own_only:
        stmt = stmt.where(PartyOrgCoverage.organization_id.in_(access.own_ids()))
    out: dict[int, list[int]] = {}
    for pid, oid in session.execute(stmt):
        out.setdefault(pid, []).append(oid)
    return out


def coverage_candidates(session: Session, limit: int = 300) -> list[Organization]:
    """Operating organizations no live party org covers yet (suggestions for the add form)."""
    from core.registry.services.organizations import covered_clause

    return list(session.scalars(select(Organization).where(Organization.status == "operating", ~covered_clause())
                                .order_by(Organization.name).limit(limit)))


def add_coverage(session: Session, access: Access, po: PartyOrg, org_ref: str | int | None
                 ) -> tuple[Organization, list[str]]:
    """Cover one more organization; returns it and warnings (e.g. covered elsewhere too)."""
    access.require_write_all()
    org_id, problem = resolve_organization(session, str(org_ref).strip() if org_ref is not None else "")
    if org_id is None:
        raise FormErrors({"organization": f"覆盖组织：{problem or '请填写组织名称、统一社会信用代码或编号'}"})
    org = session.get(Organization, org_id)
    if po.dissolved_on is not None:
        raise FormErrors({"organization": "覆盖组织：已撤销的党组织不能新增覆盖组织"})
    current = covered_organizations(session, po)
    if any(o.id == org_id for o in current):
        raise FormErrors({"organization": f"覆盖组织：「{org.name}」已在覆盖范围内"})
    if po.formation_mode == SINGLE_MODE and current:
        raise FormErrors({"organization": (
            f"覆盖组织：「{po.name}」为单独组建，只能覆盖一个组织（已覆盖「{current[0].name}」）。"
            "如需覆盖多个组织，请先将组建方式改为「联合组建」等方式")})
    warnings = []
    if org.status != "operating":
        warnings.append(f"「{org.name}」的经营状态为{choices.ORG_STATUSES.get(org.status, org.status)}")
    others = session.scalars(
        select(PartyOrg.name).join(PartyOrgCoverage, PartyOrgCoverage.party_org_id == PartyOrg.id)
        .where(PartyOrgCoverage.organization_id == org_id, PartyOrg.dissolved_on.is_(None))
    ).all()
    if others:
        warnings.append(f"「{org.name}」同时由「{'」「'.join(others)}」覆盖")
    session.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org_id))
    session.flush()
    record(session, "party_orgs.cover", entity="party_orgs", entity_id=po.id, summary=f"新增覆盖组织：{org.name}",
           after={"organization_id": org_id})
    record(session, "organizations.covered", entity="organizations", entity_id=org_id,
           summary=f"纳入「{po.name}」覆盖", after={"party_org_id": po.id})
    return org, warnings


def remove_coverage(session: Session, access: Access, po: PartyOrg, organization_id: int) -> Organization:
    access.require_write_all()
    link = session.scalar(select(PartyOrgCoverage).where(PartyOrgCoverage.party_org_id == po.id,
                                                         PartyOrgCoverage.organization_id == organization_id))
    if link is None:
        raise NotFoundException("该组织不在此党组织的覆盖范围内")
    org = session.get(Organization, organization_id)
    session.delete(link)
    session.flush()
    record(session, "party_orgs.uncover", entity="party_orgs", entity_id=po.id,
           summary=f"移除覆盖组织：{org.name}", before={"organization_id": organization_id})
    record(session, "organizations.uncovered", entity="organizations", entity_id=organization_id,
           summary=f"移出「{po.name}」覆盖", before={"party_org_id": po.id})
    return org


_DISSOLVE_FIELDS = [dataclasses.replace(s, required=True) for s in PARTY_ORG_FIELDS
                    if s.key in ("dissolved_on", "dissolved_reason")]


def dissolve(session: Session, access: Access, po: PartyOrg, raw: Mapping[str, Any]) -> PartyOrg:
    """Mark dissolved (date and reason required); ends its coverage of organizations."""
    access.require_write_all()
    values, errors = clean(_DISSOLVE_FIELDS, raw)
    if po.dissolved_on is not None:
        errors["dissolved_on"] = f"撤销日期：该党组织已于 {po.dissolved_on.isoformat()} 撤销"
    when = values.get("dissolved_on")
    if when and po.founded_on and when < po.founded_on:
        errors["dissolved_on"] = "撤销日期：不能早于成立日期"
    live_children = session.scalar(select(func.count(PartyOrg.id)).where(PartyOrg.parent_id == po.id,
                                                                         PartyOrg.dissolved_on.is_(None))) or 0
    if live_children:
        errors["__all__"] = f"该党组织下还有 {live_children} 个未撤销的下级党组织，请先撤销或调整其隶属关系"
    if errors:
        raise FormErrors(errors)
    ended = covered_organizations(session, po)
    before = ext.snapshot(po)
    for link in session.scalars(select(PartyOrgCoverage).where(PartyOrgCoverage.party_org_id == po.id)):
        session.delete(link)
    po.dissolved_on = values["dissolved_on"]
    po.dissolved_reason = values["dissolved_reason"]
    session.flush()
    if ended:
        record(session, "party_orgs.uncover", entity="party_orgs", entity_id=po.id,
               summary=f"撤销后不再覆盖：{'、'.join(o.name for o in ended)}",
               before={"organization_ids": [o.id for o in ended]})
    ext.changed(session, "party_org", po, before)
    return po


def delete_blockers(session: Session, po: PartyOrg) -> list[str]:
    reasons = []
    for column, text in ((PartyOrg.parent_id, "个下级党组织"), (Member.party_org_id, "名党员隶属此党组织"),
                         (ClusterMember.party_org_id, "个组团成员记录")):
        n = session.scalar(select(func.count()).where(column == po.id)) or 0
        if n:
            reasons.append(f"有 {n} {text}")
    from core.registry.services.clusters import upper_memberships

    if po.tenant_id and (n := upper_memberships(po.tenant_id, "party_org_id", po.id)):
        reasons.append(f"有 {n} 个上级辖区组团的成员记录")
    return reasons


def delete_party_org(session: Session, access: Access, po: PartyOrg) -> None:
    access.require_write_all()
    reasons = delete_blockers(session, po)
    if reasons:
        raise Refused(f"「{po.name}」不能删除：{'；'.join(reasons)}。如该党组织已不存在，请使用「撤销」并填写撤销日期和原因。")
    for link in session.scalars(select(PartyOrgCoverage).where(PartyOrgCoverage.party_org_id == po.id)):
        session.delete(link)
    before = ext.snapshot(po)
    session.delete(po)
    session.flush()
    ext.changed(session, "party_org", po, before, deleted=True)


# --- detail and export --------------------------------------------------------------------------


@dataclass
class PartyOrgDetail:
    org: PartyOrg
    parent: PartyOrg | None
    children: list[PartyOrg]
    covered: list[Organization]
    hidden_covered: int  # covered organizations an org secretary may not see
    member_count: int
    history: list[history.Change] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def detail(session: Session, access: Access, po: PartyOrg) -> PartyOrgDetail:
    covered = covered_organizations(session, po)
    visible = covered
    if access.own_only:
        own = set(session.scalars(access.own_ids()))
        visible = [o for o in covered if o.id in own]
    children = list(session.scalars(select(PartyOrg).where(PartyOrg.parent_id == po.id, party_org_clause(access))
                                    .order_by(PartyOrg.dissolved_on.is_not(None), PartyOrg.name)))
    parent = session.get(PartyOrg, po.parent_id) if po.parent_id else None
    if parent is not None and access.own_only and not session.scalar(
            select(PartyOrg.id).where(PartyOrg.id == parent.id, party_org_clause(access))):
        parent = None
    warnings = []
    if po.dissolved_on is None:
        if po.formation_mode != SINGLE_MODE and po.org_type == "joint_branch" and len(covered) < 2:
            warnings.append("联合党支部通常覆盖两个及以上组织，当前覆盖 %d 个" % len(covered))
        if po.formation_mode == SINGLE_MODE and po.parent_id is not None and not covered:
            warnings.append("单独组建的党组织尚未登记所覆盖的组织")
    return PartyOrgDetail(
        org=po, parent=parent, children=children, covered=visible,
        hidden_covered=len(covered) - len(visible),
        member_count=member_counts(session, [po.id]).get(po.id, 0),
        history=history.of(session, {"party_orgs": [po.id]}),
        blockers=delete_blockers(session, po),
        warnings=warnings,
    )


def export_headers(tenant) -> list[str]:
    """The export's headers: the core's, then the tenant's extra fields."""
    return EXPORT_HEADERS + ext.export_headers(ext.extra_fields(tenant, "party_org"))


EXPORT_HEADERS = ["党组织名称", "党组织类型", "上级党组织", "组建方式", "书记", "成立日期", "换届日期", "阵地类别",
                  "阵地验收日期", "软弱涣散", "示范党组织", "撤销日期", "撤销原因", "覆盖组织数", "覆盖组织", "党员人数"]


def export_rows(session: Session, access: Access, f: PartyOrgFilter) -> Iterator[list[Any]]:
    pos = list(session.scalars(party_org_select(access, f)))
    ids = [p.id for p in pos]
    parents = parent_names(session, pos)
    members = member_counts(session, ids)
    covered: dict[int, list[str]] = {}
    own = set(session.scalars(access.own_ids())) if access.own_only else None
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for pid, oid, name in session.execute(
                select(PartyOrgCoverage.party_org_id, Organization.id, Organization.name)
                .join(Organization, Organization.id == PartyOrgCoverage.organization_id)
                .where(PartyOrgCoverage.party_org_id.in_(part)).order_by(Organization.name)):
            if own is None or oid in own:
                covered.setdefault(pid, []).append(name)
    fields = ext.extra_fields(session, "party_org")
    extra = ext.export_cells(session, fields, pos)
    for p in pos:
        lab = labels(p)
        yield [*_core_cells(p, lab, parents, covered, members), *extra[p.id]]


def _core_cells(p: PartyOrg, lab: dict[str, str], parents: dict, covered: dict, members: dict) -> list[Any]:
    return [p.name, lab["org_type"], parents.get(p.parent_id, "") if p.parent_id else "", lab["formation_mode"],
            p.secretary_name, p.founded_on, p.term_ends_on, lab["venue_class"], p.venue_accepted_on,
            "是" if p.is_weak else "否", "是" if p.is_model else "否", p.dissolved_on, p.dissolved_reason,
            len(covered.get(p.id, [])), "、".join(covered.get(p.id, [])), members.get(p.id, 0)]
