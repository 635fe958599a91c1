"""Rules of the changsha program (validation → FormErrors with Chinese field messages, writes that
flush) and the figures of its pages. Pages and the API both go through here.

Reads that span a subtree take a session that sees it (``ctx.read_rollup_session``); everything
else takes the tenant's own session, so another tenant's row is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.forms import FormErrors, checked_text, row_id
from core.forms import text as _text
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from plugins.changsha import program
from plugins.changsha.models import Association, GroupCensus, Platform, PlatformUnit, Point

POINT_STATUSES = {"pending": "待提质升级", "upgrading": "提质升级中", "upgraded": "已提质升级",
                  "building": "新建中", "built": "已建成"}
EXISTING_STATUSES = ("pending", "upgrading", "upgraded")
NEW_STATUSES = ("building", "built")
DONE_STATUSES = ("upgraded", "built")
ASSOCIATION_KINDS = {"association": "协会", "alliance": "联盟"}
#: HQ in 长沙: 总部建党委, these build 党支部
UNIT_KINDS_LOCAL = {"branch": "分支机构", "team": "项目团队", "outlet": "基层网点", "partner": "合作企业"}
#: HQ elsewhere: these build party organizations
UNIT_KINDS_ELSEWHERE = {"subsidiary": "在长分（子）公司", "agent": "配送代理商", "dispatch": "劳务派遣公司"}
UNIT_KINDS = {**UNIT_KINDS_LOCAL, **UNIT_KINDS_ELSEWHERE}
MAX_PEOPLE = 10_000_000


# --- input helpers ---------------------------------------------------------------------------------


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    return _text(raw, key).lower() in ("1", "on", "true", "yes", "是")


def _int(raw: Mapping[str, Any], key: str, label: str, lo: int, hi: int, errors: dict[str, str],
         default: int | None = None) -> int | None:
    value = _text(raw, key)
    if not value:
        if default is None:
            errors[key] = f"{label}：必填"
        return default
    if not (value.isascii() and value.isdigit()) or not lo <= int(value) <= hi:
        errors[key] = f"{label}：应为 {lo}–{hi} 的整数"
        return default
    return int(value)


def _ids(raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace("，", ",").split(",") if v.strip()]


def _organization(session: Session, raw: Mapping[str, Any], key: str, errors: dict[str, str],
                  label: str = "两新组织") -> Organization | None:
    oid = row_id(_text(raw, key))
    org = session.get(Organization, oid) if oid else None
    if org is None:
        errors[key] = f"{label}：请选择本辖区台账中的两新组织"
    return org


# --- CS-1 楼宇商圈党建点 -----------------------------------------------------------------------------


def point_clusters(session: Session, tenant_ids: Iterable[int] | None = None, *, kind: str = "",
                   q: str = "") -> list[Cluster]:
    stmt = select(Cluster).where(Cluster.cluster_type.in_(tuple(program.POINT_TYPES)), Cluster.archived_on.is_(None))
    if tenant_ids is not None:
        stmt = stmt.where(Cluster.tenant_id.in_(list(tenant_ids)))
    if kind in program.POINT_TYPES:
        stmt = stmt.where(Cluster.cluster_type == kind)
    if q:
        from core import search

        stmt = stmt.where(search.matches(q[:100], Cluster.name))
    return list(session.scalars(stmt.order_by(Cluster.tenant_id, Cluster.name, Cluster.id)))


@dataclass
class PointView:
    """One point as the program's pages show it, with what it still lacks (缺口)."""

    cluster: Cluster
    point: Point | None
    sides: dict[str, list[str]] = field(default_factory=dict)  # side → named people
    centre_name: str = ""
    centre_services: list[str] = field(default_factory=list)
    checklist_id: int | None = None
    checklist_status: str = ""
    guarantees: dict[str, str] = field(default_factory=dict)  # item key → item status
    members: int = 0
    demands: int = 0
    demands_open: int = 0
    resources: int = 0
    projects: int = 0

    @property
    def kind_label(self) -> str:
        return program.POINT_TYPES.get(self.cluster.cluster_type, "")

    @property
    def existing(self) -> bool:
        return self.point.existing if self.point else True

    @property
    def status(self) -> str:
        return self.point.status if self.point else "pending"

    @property
    def missing_sides(self) -> list[str]:
        return [label for key, label in program.SIDES.items() if not self.sides.get(key)]

    @property
    def missing_trinity(self) -> list[str]:
        return [s for s in program.TRINITY if s not in self.centre_services] if self.centre_name else list(program.TRINITY)

    @property
    def missing_guarantees(self) -> list[str]:
        """三项保障 not yet 达标 (no checklist: all three)."""
        return [label for key, label in program.SANXIANG_ITEMS.items() if self.guarantees.get(key) != "done"]

    @property
    def gaps(self) -> list[str]:
        out = []
        if self.missing_sides:
            out.append("三方进入缺" + "、".join(self.missing_sides))
        if not self.centre_name:
            out.append("未明确党群服务中心")
        elif self.missing_trinity:
            out.append("党群服务中心缺" + "、".join(self.missing_trinity))
        if self.checklist_id is None:
            out.append("未开展三项保障检查")
        elif self.missing_guarantees:
            out.append("三项保障未落实：" + "、".join(self.missing_guarantees))
        return out


def point_views(session: Session, clusters: list[Cluster], today: dt.date, *, lists_enabled: bool = True
                ) -> list[PointView]:
    """Views of ``clusters`` (a session that sees them: the tenant's or a roll-up over its subtree)."""
    from plugins.checklists.api import Checklist, ChecklistItem
    from plugins.sites.api import Site

    ids = [c.id for c in clusters]
    if not ids:
        return []
    points = {p.cluster_id: p for p in session.scalars(select(Point).where(Point.cluster_id.in_(ids)))}
    views = {c.id: PointView(c, points.get(c.id)) for c in clusters}
    for cid, title, name in session.execute(
            select(ClusterLeader.cluster_id, ClusterLeader.title, ClusterLeader.person_name).where(
                ClusterLeader.cluster_id.in_(ids), ClusterLeader.title.in_(tuple(program.SIDES)),
                or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > today))
            .order_by(ClusterLeader.id)):
        views[cid].sides.setdefault(title, []).append(name)
    for cid, n in session.execute(select(ClusterMember.cluster_id, func.count()).where(
            ClusterMember.cluster_id.in_(ids), or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > today))
            .group_by(ClusterMember.cluster_id)):
        views[cid].members = n
    site_ids = {p.centre_site_id for p in points.values() if p.centre_site_id}
    if site_ids:
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        for v in views.values():
            site = sites.get(v.point.centre_site_id) if v.point and v.point.centre_site_id else None
            if site is not None and site.active:
                v.centre_name, v.centre_services = site.name, site.service_list
    # the latest 三项保障 checklist of each point
    for cl in session.scalars(select(Checklist).where(
            Checklist.subject_kind == "cluster", Checklist.subject_id.in_(ids),
            Checklist.template_key == program.SANXIANG_KEY).order_by(Checklist.opened_on, Checklist.id)):
        v = views.get(cl.subject_id)
        if v is not None and v.cluster.tenant_id == cl.tenant_id:
            v.checklist_id, v.checklist_status = cl.id, cl.status
    by_checklist = {v.checklist_id: v for v in views.values() if v.checklist_id}
    if by_checklist:
        for cid, key, status in session.execute(select(ChecklistItem.checklist_id, ChecklistItem.key, ChecklistItem.status)
                                                .where(ChecklistItem.checklist_id.in_(list(by_checklist)))):
            by_checklist[cid].guarantees[key] = status
    if lists_enabled:
        _list_counts(session, views, today)
    return [views[c.id] for c in clusters]


def _list_counts(session: Session, views: dict[int, PointView], today: dt.date) -> None:
    """三张清单 per point: demands of its organizations (open ones), resources they provide, and the
    project items the demands became."""
    from plugins.lists import api as lists

    for cid, v in views.items():
        orgs = lists.cluster_org_ids(cid, today)
        D, R, W = lists.ListDemand, lists.ListResource, lists.ListWork
        rows = dict(session.execute(select(D.status, func.count()).where(
            D.organization_id.in_(orgs), D.tenant_id == v.cluster.tenant_id).group_by(D.status)).all())
        v.demands = sum(rows.values())
        v.demands_open = sum(rows.get(s, 0) for s in lists.OPEN_STATUSES)
        v.resources = session.scalar(select(func.count()).select_from(R).where(
            R.organization_id.in_(orgs), R.tenant_id == v.cluster.tenant_id, R.status == "active")) or 0
        v.projects = session.scalar(select(func.count()).select_from(W).join(D, D.id == W.demand_id).where(
            D.organization_id.in_(orgs), D.tenant_id == v.cluster.tenant_id)) or 0


def save_point(session: Session, cluster: Cluster, raw: Mapping[str, Any], today: dt.date) -> Point:
    """Record a point's 提质升级 state and its 党群服务中心. 已提质升级 / 已建成 needs the three sides
    named, a 党群服务中心 offering 党建、企业、群众服务 and the 三项保障 checklist 验收通过."""
    from plugins.sites import api as sites

    errors: dict[str, str] = {}
    existing = _flag(raw, "existing")
    status = _text(raw, "status")
    if status not in POINT_STATUSES:
        errors["status"] = "状态：请选择"
    elif existing and status not in EXISTING_STATUSES:
        errors["status"] = "状态：已建成的党建点应为待提质升级、提质升级中或已提质升级"
    elif not existing and status not in NEW_STATUSES:
        errors["status"] = "状态：新建的党建点应为新建中或已建成"
    site = None
    site_text = _text(raw, "centre_site_id")
    if site_text:
        sid = row_id(site_text)
        site = sites.get_site(session, sid) if sid else None
        if site is None or site.kind != program.CENTRE_KIND:
            errors["centre_site_id"] = "党群服务中心：请选择本辖区登记的党群服务中心"
            site = None
    year = _int(raw, "target_year", "计划完成年度", 2000, 2100, errors, default=0) or None
    note = checked_text(raw, "note", "备注", 2000, errors)
    if status in DONE_STATUSES and "status" not in errors:
        probe = point_views(session, [cluster], today, lists_enabled=False)[0]
        probe.point = Point(cluster_id=cluster.id, existing=existing, status=status,
                            centre_site_id=site.id if site else None)
        probe.centre_name, probe.centre_services = (site.name, site.service_list) if site and site.active else ("", [])
        missing = []
        if probe.missing_sides:
            missing.append("三方进入（" + "、".join(probe.missing_sides) + "）")
        if probe.missing_trinity:
            missing.append("党群服务中心“三位一体”（" + "、".join(probe.missing_trinity) + "）")
        if probe.checklist_status != "passed":
            missing.append("三项保障检查验收通过")
        if missing:
            errors["status"] = f"状态：{POINT_STATUSES[status]}须先落实" + "；".join(missing)
    if errors:
        raise FormErrors(errors)
    point = session.scalar(select(Point).where(Point.cluster_id == cluster.id))
    if point is None:
        point = Point(cluster_id=cluster.id)
        session.add(point)
    point.existing, point.status = existing, status
    point.centre_site_id = site.id if site else None
    point.target_year, point.note = year, note
    session.flush()
    return point


def start_guarantees(session: Session, tenant, cluster: Cluster, today: dt.date):
    """Start the point's 三项保障 checklist (the checklists block's shipped template) unless one is open."""
    from plugins.checklists import api as checklists

    for cl in checklists.checklists_of(session, "cluster", cluster.id, program.SANXIANG_KEY):
        if cl.status == "open":
            return cl
    return checklists.create_checklist(session, tenant, {
        "template_key": program.SANXIANG_KEY, "subject_kind": "cluster", "subject_id": cluster.id,
        "title": f"{cluster.name}“三项保障”"}, today)


@dataclass
class Tally:
    points: int = 0
    existing: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    no_checklist: int = 0
    guarantee_gaps: dict[str, int] = field(default_factory=dict)  # item label → points lacking it
    side_gaps: int = 0
    trinity_gaps: int = 0
    complete: int = 0  # no gap at all

    def add(self, v: PointView) -> None:
        self.points += 1
        self.existing += v.existing
        self.by_status[v.status] = self.by_status.get(v.status, 0) + 1
        if v.checklist_id is None:
            self.no_checklist += 1
        for label in v.missing_guarantees:
            self.guarantee_gaps[label] = self.guarantee_gaps.get(label, 0) + 1
        self.side_gaps += bool(v.missing_sides)
        self.trinity_gaps += bool(v.missing_trinity)
        self.complete += not v.gaps

    @property
    def upgraded(self) -> int:
        return self.by_status.get("upgraded", 0)


def tally(views: Iterable[PointView], key) -> dict[Any, Tally]:
    out: dict[Any, Tally] = {}
    for v in views:
        out.setdefault(key(v), Tally()).add(v)
    return out


# --- CS-2 新业态新就业群体 ----------------------------------------------------------------------------


def census_rows(session: Session, year: int) -> dict[str, GroupCensus]:
    return {r.group_key: r for r in session.scalars(select(GroupCensus).where(GroupCensus.year == year))}


def save_census(session: Session, raw: Mapping[str, Any], today: dt.date) -> GroupCensus:
    """One group's 底数 for one year: headcount, party members among them, main platforms, the
    responsible department (a unit; empty: the seed's department)."""
    from plugins.units import api as units

    errors: dict[str, str] = {}
    group = _text(raw, "group_key")
    if group not in program.GROUPS:
        errors["group_key"] = "群体：请选择九类新就业群体之一"
    year = _int(raw, "year", "年度", 2000, today.year, errors)
    headcount = _int(raw, "headcount", "从业人数", 0, MAX_PEOPLE, errors)
    members = _int(raw, "party_members", "其中党员", 0, MAX_PEOPLE, errors)
    if headcount is not None and members is not None and members > headcount:
        errors["party_members"] = "其中党员：不能多于从业人数"
    platform_ids = []
    for value in _ids(raw, "platform_ids"):
        pid = row_id(value)
        if pid is None or session.get(Platform, pid) is None:
            errors["platform_ids"] = "主要平台：请选择本辖区登记的互联网平台企业"
            break
        platform_ids.append(pid)
    unit_id = None
    if _text(raw, "department_unit_id"):
        uid = row_id(_text(raw, "department_unit_id"))
        unit = units.get_unit(session, uid) if uid else None
        if unit is None:
            errors["department_unit_id"] = "主管部门：请选择本辖区登记的单位，或留空使用种子文件规定的部门"
        else:
            unit_id = unit.id
    note = checked_text(raw, "note", "备注", 2000, errors)
    if errors:
        raise FormErrors(errors)
    row = session.scalar(select(GroupCensus).where(GroupCensus.year == year, GroupCensus.group_key == group))
    if row is None:
        row = GroupCensus(year=year, group_key=group)
        session.add(row)
    row.headcount, row.party_members = headcount, members
    row.platform_ids = sorted(set(platform_ids))
    row.department_unit_id, row.note = unit_id, note
    session.flush()
    return row


def covering_party_orgs(session: Session, org_ids: Iterable[int]) -> dict[int, list[PartyOrg]]:
    """organization id → the live party orgs covering it (the registry's coverage)."""
    ids = list(set(org_ids))
    out: dict[int, list[PartyOrg]] = {}
    if not ids:
        return out
    for oid, po in session.execute(select(PartyOrgCoverage.organization_id, PartyOrg)
                                   .join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
                                   .where(PartyOrgCoverage.organization_id.in_(ids), PartyOrg.dissolved_on.is_(None))
                                   .order_by(PartyOrg.id)):
        out.setdefault(oid, []).append(po)
    return out


def add_association(session: Session, raw: Mapping[str, Any]) -> Association:
    errors: dict[str, str] = {}
    org = _organization(session, raw, "organization_id", errors, "协会（联盟）")
    group = _text(raw, "group_key")
    if group not in program.GROUPS:
        errors["group_key"] = "群体：请选择九类新就业群体之一"
    kind = _text(raw, "kind")
    if kind not in ASSOCIATION_KINDS:
        errors["kind"] = "类型：请选择协会或联盟"
    if org is not None and session.scalar(select(Association.id).where(Association.organization_id == org.id)):
        errors["organization_id"] = "协会（联盟）：该组织已登记"
    if errors:
        raise FormErrors(errors)
    row = Association(organization_id=org.id, group_key=group, kind=kind)
    session.add(row)
    session.flush()
    return row


def save_platform(session: Session, raw: Mapping[str, Any], row: Platform | None = None) -> Platform:
    errors: dict[str, str] = {}
    name = checked_text(raw, "name", "平台企业名称", 200, errors, required=True)
    hq_local = _text(raw, "hq") == "local"
    if _text(raw, "hq") not in ("local", "elsewhere"):
        errors["hq"] = "总部所在地：请选择总部在长沙或总部在外地"
    org = None
    if hq_local:
        org = _organization(session, raw, "organization_id", errors, "总部（台账中的组织）")
    elif _text(raw, "organization_id"):
        errors["organization_id"] = "总部（台账中的组织）：总部在外地的平台企业不选择台账组织，请登记其在长机构"
    hq_city = checked_text(raw, "hq_city", "总部所在城市", 50, errors, required=not hq_local and "hq" not in errors)
    groups = _ids(raw, "groups")
    if not groups:
        errors["groups"] = "服务群体：至少选择一类"
    elif any(g not in program.GROUPS for g in groups):
        errors["groups"] = "服务群体：请从九类新就业群体中选择"
    note = checked_text(raw, "note", "备注", 2000, errors)
    if name and not errors.get("name"):
        dup = session.scalar(select(Platform.id).where(Platform.name == name))
        if dup and (row is None or dup != row.id):
            errors["name"] = "平台企业名称：已登记"
    if errors:
        raise FormErrors(errors)
    if row is None:
        row = Platform(name=name)
        session.add(row)
    row.name, row.hq_local = name, hq_local
    row.organization_id = org.id if org else None
    row.hq_city = "" if hq_local else hq_city
    row.groups = [g for g in program.GROUPS if g in groups]
    row.note = note
    session.flush()
    return row


def add_platform_unit(session: Session, platform: Platform, raw: Mapping[str, Any]) -> PlatformUnit:
    errors: dict[str, str] = {}
    org = _organization(session, raw, "organization_id", errors, "机构（台账中的组织）")
    kind = _text(raw, "unit_kind")
    allowed = UNIT_KINDS_LOCAL if platform.hq_local else UNIT_KINDS_ELSEWHERE
    if kind not in allowed:
        errors["unit_kind"] = "机构类型：" + ("总部在长沙的平台企业可登记" if platform.hq_local else "总部在外地的平台企业可登记") \
            + "、".join(allowed.values())
    if org is not None and platform.organization_id == org.id:
        errors["organization_id"] = "机构（台账中的组织）：不能是平台企业总部本身"
    elif org is not None and session.scalar(select(PlatformUnit.id).where(
            PlatformUnit.platform_id == platform.id, PlatformUnit.organization_id == org.id)):
        errors["organization_id"] = "机构（台账中的组织）：已登记在该平台企业下"
    if errors:
        raise FormErrors(errors)
    row = PlatformUnit(platform_id=platform.id, organization_id=org.id, unit_kind=kind)
    session.add(row)
    session.flush()
    return row


@dataclass
class PlatformGap:
    platform: Platform
    rule: str  # what the seed requires
    subject: str  # the organization concerned
    problem: str


def platform_rule(platform: Platform) -> str:
    if platform.hq_local:
        return "总部在长沙：总部建党委，分支机构、项目团队、基层网点及合作企业建党支部"
    return "总部在外地：在长分（子）公司、配送代理商、劳务派遣公司建党组织"


def platform_gaps(session: Session, platforms: list[Platform]) -> dict[int, list[PlatformGap]]:
    """The seed's HQ rule checked against the registry's coverage, per platform."""
    ids = [p.id for p in platforms]
    units = list(session.scalars(select(PlatformUnit).where(PlatformUnit.platform_id.in_(ids)))) if ids else []
    org_ids = {u.organization_id for u in units} | {p.organization_id for p in platforms if p.organization_id}
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()) \
        if org_ids else {}
    covering = covering_party_orgs(session, org_ids)
    out: dict[int, list[PlatformGap]] = {p.id: [] for p in platforms}
    by_id = {p.id: p for p in platforms}
    for p in platforms:
        if p.hq_local and p.organization_id:
            if not any(po.org_type == "committee" for po in covering.get(p.organization_id, [])):
                out[p.id].append(PlatformGap(p, platform_rule(p), names.get(p.organization_id, ""), "总部未建党委"))
        if not p.hq_local and not any(u.platform_id == p.id for u in units):
            out[p.id].append(PlatformGap(p, platform_rule(p), "", "尚未登记在长分（子）公司、配送代理商或劳务派遣公司"))
    for u in units:
        p = by_id[u.platform_id]
        if not covering.get(u.organization_id):
            need = "党支部" if p.hq_local else "党组织"
            out[p.id].append(PlatformGap(p, platform_rule(p), names.get(u.organization_id, ""),
                                         f"{UNIT_KINDS.get(u.unit_kind, u.unit_kind)}未建{need}"))
    return out


def association_rows(session: Session) -> list[tuple[Association, Organization, list[PartyOrg]]]:
    rows = list(session.execute(select(Association, Organization).join(Organization, Organization.id == Association.organization_id)
                                .order_by(Association.group_key, Organization.name)).all())
    covering = covering_party_orgs(session, [a.organization_id for a, _o in rows])
    return [(a, o, covering.get(o.id, [])) for a, o in rows]


@dataclass
class GroupFigures:
    headcount: int = 0
    party_members: int = 0
    associations: int = 0
    associations_without_party_org: int = 0


def group_figures(session: Session, tenant_ids: Iterable[int], year: int) -> dict[str, GroupFigures]:
    """Per group over ``tenant_ids`` (a session that sees them): the census and the associations."""
    ids = list(tenant_ids)
    out = {g: GroupFigures() for g in program.GROUPS}
    for g, h, m in session.execute(select(GroupCensus.group_key, func.sum(GroupCensus.headcount),
                                          func.sum(GroupCensus.party_members))
                                   .where(GroupCensus.tenant_id.in_(ids), GroupCensus.year == year)
                                   .group_by(GroupCensus.group_key)):
        if g in out:
            out[g].headcount, out[g].party_members = int(h or 0), int(m or 0)
    assoc = list(session.execute(select(Association.group_key, Association.organization_id)
                                 .where(Association.tenant_id.in_(ids))))
    covering = covering_party_orgs(session, [o for _g, o in assoc])
    for g, oid in assoc:
        if g in out:
            out[g].associations += 1
            out[g].associations_without_party_org += not covering.get(oid)
    return out


# --- CS-3 产业链党建 -----------------------------------------------------------------------------------


@dataclass
class ChainView:
    """A chain committee (a cluster) as the chains page shows it; ``members`` are those the
    viewer may name (its own subtree's), ``elsewhere`` counts the others."""

    cluster: Cluster
    owner: str
    lead_party_org: str = ""
    leaders: dict[str, list[str]] = field(default_factory=dict)
    members: list[tuple[str, str]] = field(default_factory=list)  # (tenant name, member name)
    elsewhere: int = 0
    member_tenants: list[str] = field(default_factory=list)
    whistles_open: int = 0
    whistles_closed: int = 0
    whistles_escalated: int = 0

    @property
    def gaps(self) -> list[str]:
        out = []
        if not self.leaders.get("secretary"):
            out.append("未配备产业链党委书记")
        missing = [v for k, v in program.CHAIN_SIDES.items() if not self.leaders.get(k)]
        if missing:
            out.append("三方进入缺" + "、".join(missing))
        if not self.lead_party_org:
            out.append("未明确产业链党委（台账党组织）")
        if not self.members and not self.elsewhere:
            out.append("尚无企业党组织加入")
        return out


def chain_views(session: Session, clusters: list[Cluster], visible: Iterable[int], today: dt.date) -> list[ChainView]:
    """Views of chain clusters through ``session`` (which sees their owners and ``visible``):
    members belonging to ``visible`` are named, the others counted; 吹哨报到 demands of the named
    members' organizations by state."""
    from core.tenancy import tree
    from plugins.lists import api as lists

    visible = set(visible)
    t = tree()
    out = []
    for c in clusters:
        owner = t.by_id.get(c.tenant_id)
        v = ChainView(c, owner.name if owner else "")
        if c.lead_party_org_id:
            v.lead_party_org = session.scalar(select(PartyOrg.name).where(PartyOrg.id == c.lead_party_org_id)) or ""
        for title, name in session.execute(select(ClusterLeader.title, ClusterLeader.person_name).where(
                ClusterLeader.cluster_id == c.id, or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > today))
                .order_by(ClusterLeader.id)):
            v.leaders.setdefault(title, []).append(name)
        members = list(session.scalars(select(ClusterMember).where(
            ClusterMember.cluster_id == c.id, or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > today))
            .order_by(ClusterMember.id)))
        org_names = dict(session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_([m.organization_id for m in members if m.organization_id] or [0]))).all())
        po_names = dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(
            PartyOrg.id.in_([m.party_org_id for m in members if m.party_org_id] or [0]))).all())
        tenants = set()
        for m in members:
            tid = m.member_tenant_id or c.tenant_id
            tenants.add(tid)
            if tid in visible:
                name = org_names.get(m.organization_id) or po_names.get(m.party_org_id) or ""
                if name:
                    v.members.append((t.by_id[tid].name if tid in t.by_id else "", name))
            else:
                v.elsewhere += 1
        v.member_tenants = sorted(t.by_id[x].name for x in tenants if x in t.by_id)
        D = lists.ListDemand
        rows = session.execute(select(D.status, D.escalated_to_id, func.count()).where(
            D.action_tag == program.WHISTLE, D.tenant_id.in_(list(visible)),
            D.organization_id.in_(lists.cluster_org_ids(c.id, today))).group_by(D.status, D.escalated_to_id))
        for status, escalated, n in rows:
            if status in lists.OPEN_STATUSES:
                v.whistles_open += n
            elif status in ("resolved", "rated"):
                v.whistles_closed += n
            if escalated:
                v.whistles_escalated += n
        out.append(v)
    return out
