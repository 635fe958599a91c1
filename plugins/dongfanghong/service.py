"""Rules of the dongfanghong program: joint groups (联组), regrouping, the 专干 duty record,
service butlers, nominations and the program dashboard. The web layer stays thin."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, row_id
from core.models import CasbinRule, User
from core.plugin_types import ClusterType, LeaderRule
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.registry.schemas import FieldSpec, clean, resolve_organization
from core.registry.services import clusters as cl

JOINT_GROUP = "dongfanghong.joint_group"

DUTY_KINDS = {"attend": "会议活动必到", "report": "过程动态必报", "help": "企业困难必帮"}
BUTLER_ROLES = {"fulltime": "专职党务工作者", "instructor": "党建指导员", "liaison": "联企专员"}
NOMINATION_CATEGORIES = {"member": "优秀党员", "worker": "优秀党务工作者", "entrepreneur": "支持党建工作优秀企业家"}
NOMINATION_STATUSES = {"proposed": "已推荐", "approved": "已通过", "rejected": "未通过"}
#: (status, action) → new status
NOMINATION_TRANSITIONS = {("proposed", "approve"): "approved", ("proposed", "reject"): "rejected"}
CN_NUMBERS = "一二三四五六七八九十"


def joint_group_type(label: str = "联组") -> ClusterType:
    """The 联组 cluster type: exactly one 组长 and two 副组长; members are party orgs, each in
    one 联组 at a time (the registry's generic pages and API refuse a second)."""
    return ClusterType(
        key=JOINT_GROUP,
        label=label,
        description="按区域相近、便于协调的原则把两新党组织编入联组，与社区（村）党组织联动。",
        leaders=(LeaderRule("leader", "组长", 1, 1, from_organization=True),
                 LeaderRule("deputy", "副组长", 2, 2, from_organization=True)),
        member_kinds=("party_org",),
        # the linked community party orgs are references (platform.GroupLink), not an attribute
        attributes=(("venue", "联组活动阵地"),),
        exclusive_members=True,
    )


def settings_of(tenant_id: int):
    from core.plugins import registry

    return registry().settings(tenant_id, "dongfanghong")


def group_name(i: int, label: str = "联组") -> str:
    return f"第{CN_NUMBERS[i] if i < len(CN_NUMBERS) else i + 1}{label}"


# --- regroup: a pure, balanced proposal -------------------------------------------------------


@dataclass(frozen=True)
class PartyOrgInfo:
    id: int
    name: str
    community: str
    members: int


@dataclass
class ProposedGroup:
    index: int
    party_orgs: list[PartyOrgInfo] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(p.members for p in self.party_orgs)

    @property
    def weight(self) -> int:
        return sum(_w(p) for p in self.party_orgs)

    @property
    def communities(self) -> list[str]:
        return sorted({p.community or "（未填社区）" for p in self.party_orgs})


def _w(p: PartyOrgInfo) -> int:
    """Size used for balancing: members, at least 1 (an org without members still counts)."""
    return max(p.members, 1)


def propose_groups(party_orgs: Sequence[PartyOrgInfo], n: int) -> list[ProposedGroup]:
    """Assign ``party_orgs`` to ``n`` groups by community (kept together where possible) and size.

    1. Party orgs of one community form a block; a block heavier than the average group is split.
    2. Blocks go, heaviest first, to the currently lightest group (ties: fewer orgs, lower index).
    3. Repair: while the heaviest and lightest groups differ by more than the heaviest single
       party org, move the org from the heaviest group that best evens the pair.
    Deterministic: the same input gives the same proposal. Guarantee (tested): the spread of group
    weights (members, min 1 per org) is at most the weight of the largest party org.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    groups = [ProposedGroup(i) for i in range(n)]
    items = sorted(party_orgs, key=lambda p: (p.community, -_w(p), p.id))
    if not items:
        return groups
    total = sum(_w(p) for p in items)
    target = total / n
    blocks: dict[str, list[PartyOrgInfo]] = defaultdict(list)
    for p in items:
        blocks[p.community].append(p)
    units: list[list[PartyOrgInfo]] = []
    for community in sorted(blocks):
        block = blocks[community]
        if sum(_w(p) for p in block) > target:
            units.extend([p] for p in block)
        else:
            units.append(block)
    units.sort(key=lambda u: (-sum(_w(p) for p in u), u[0].community, u[0].id))
    for unit in units:
        g = min(groups, key=lambda g: (g.weight, len(g.party_orgs), g.index))
        g.party_orgs.extend(unit)
    biggest = max(_w(p) for p in items)
    for _ in range(10 * len(items)):
        heavy = max(groups, key=lambda g: (g.weight, -g.index))
        light = min(groups, key=lambda g: (g.weight, g.index))
        gap = heavy.weight - light.weight
        if gap <= biggest:
            break
        # moving weight w changes the gap to |gap - 2w|; pick the org that minimises it (w < gap)
        cand = [p for p in heavy.party_orgs if _w(p) < gap]
        if not cand:
            break
        best = min(cand, key=lambda p: (abs(gap - 2 * _w(p)), p.community != (light.party_orgs[0].community
                                                                           if light.party_orgs else ""), p.id))
        heavy.party_orgs.remove(best)
        light.party_orgs.append(best)
    for g in groups:
        g.party_orgs.sort(key=lambda p: (p.community, p.name, p.id))
    return groups


# --- joint groups -----------------------------------------------------------------------------


def joint_groups(session: Session, include_archived: bool = False) -> list[Cluster]:
    stmt = select(Cluster).where(Cluster.cluster_type == JOINT_GROUP)
    if not include_archived:
        stmt = stmt.where(Cluster.archived_on.is_(None))
    return list(session.scalars(stmt.order_by(Cluster.id)))


def _active_member_filter(on: dt.date):
    return or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > on)


def group_party_org_ids(session: Session, cluster_ids: Iterable[int], on: dt.date | None = None) -> dict[int, list[int]]:
    on = on or clock.today()
    ids = list(cluster_ids)
    out: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(select(ClusterMember.cluster_id, ClusterMember.party_org_id).where(
        ClusterMember.cluster_id.in_(ids), ClusterMember.party_org_id.is_not(None), _active_member_filter(on)))
    for cid, pid in rows:
        out[cid].append(pid)
    return out


def two_new_party_orgs(session: Session) -> list[PartyOrgInfo]:
    """The tenant's live two-new party orgs: every non-dissolved party org except top-level
    umbrellas (no parent and covering no organization, e.g. the street's 两新综合党委). Each comes
    with its community (the most common community of the organizations it covers, "" if none)
    and its size (members)."""
    pos = session.execute(select(PartyOrg.id, PartyOrg.name, PartyOrg.parent_id)
                          .where(PartyOrg.dissolved_on.is_(None))).all()
    rows = session.execute(
        select(PartyOrgCoverage.party_org_id, Organization.community)
        .join(Organization, Organization.id == PartyOrgCoverage.organization_id)
    ).all()
    comm: dict[int, Counter] = defaultdict(Counter)
    for pid, community in rows:
        comm[pid][community or ""] += 1
    keep = [(pid, name) for pid, name, parent in pos if parent is not None or pid in comm]
    ids = [pid for pid, _ in keep]
    sizes = dict(session.execute(
        select(Member.party_org_id, func.count()).where(Member.party_org_id.in_(ids))
        .group_by(Member.party_org_id)).all()) if ids else {}
    out = []
    for pid, name in keep:
        community = sorted(comm[pid].items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if comm[pid] else ""
        out.append(PartyOrgInfo(pid, name, community, int(sizes.get(pid, 0))))
    return sorted(out, key=lambda p: p.id)


def add_group_member(session: Session, cluster: Cluster, raw: Mapping[str, Any], types) -> ClusterMember:
    """Add a party org to the joint group (``raw``: ref, joined_on); one still in another group
    is refused by the registry (the type's ``exclusive_members``)."""
    return cl.add_member(session, cluster, {**raw, "kind": "party_org"}, types)


def unassigned_party_orgs(session: Session, on: dt.date | None = None) -> list[PartyOrgInfo]:
    groups = joint_groups(session)
    taken = {pid for pids in group_party_org_ids(session, [g.id for g in groups], on).values() for pid in pids}
    return [p for p in two_new_party_orgs(session) if p.id not in taken]


def regroup_proposal(session: Session, n: int) -> list[ProposedGroup]:
    return propose_groups(unassigned_party_orgs(session), n)


def apply_regroup(session: Session, n: int, label: str = "联组", on: dt.date | None = None) -> list[Cluster]:
    """Apply the current proposal: fill the existing joint groups (in creation order), creating the
    missing ones ("第一联组" …), and add the proposed party orgs as members from ``on``."""
    if not 1 <= n <= 20:
        raise FormErrors({"n": "联组数量：请输入 1 至 20 之间的整数"})
    on = on or clock.today()
    proposal = regroup_proposal(session, n)
    if not any(g.party_orgs for g in proposal):
        raise FormErrors({"n": "没有未编组的两新党组织"})
    existing = joint_groups(session)
    targets: list[Cluster] = []
    for i in range(n):
        if i < len(existing):
            targets.append(existing[i])
        else:
            c = Cluster(cluster_type=JOINT_GROUP, name=group_name(i, label), area="", description="",
                        attributes={})
            session.add(c)
            targets.append(c)
    session.flush()
    for g, c in zip(proposal, targets, strict=False):
        for p in g.party_orgs:
            session.add(ClusterMember(cluster_id=c.id, party_org_id=p.id, joined_on=on))
    session.flush()
    return targets


# --- who may see / manage a group (object level) ----------------------------------------------

MANAGE_ALL = "dongfanghong:write"
SEE_ALL = "dongfanghong:groups_all"


def led_groups(session: Session, user_id: int, on: dt.date | None = None) -> dict[int, str]:
    """cluster id → title for the joint groups ``user_id`` currently leads."""
    on = on or clock.today()
    rows = session.execute(
        select(ClusterLeader.cluster_id, ClusterLeader.title)
        .join(Cluster, Cluster.id == ClusterLeader.cluster_id)
        .where(Cluster.cluster_type == JOINT_GROUP, ClusterLeader.user_id == user_id,
               or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > on))
    ).all()
    out: dict[int, str] = {}
    for cid, title in rows:
        if out.get(cid) != "leader":
            out[cid] = title
    return out


def visible_groups(session: Session, user_id: int, perms: Iterable[str]) -> list[Cluster]:
    groups = joint_groups(session)
    perms = set(perms)
    if SEE_ALL in perms or MANAGE_ALL in perms:
        return groups
    mine = led_groups(session, user_id)
    staffed = set(session.scalars(select(GroupStaff.cluster_id).where(GroupStaff.user_id == user_id)))
    return [g for g in groups if g.id in mine or g.id in staffed]


def can_see_group(session: Session, user_id: int, perms: Iterable[str], cluster: Cluster) -> bool:
    return any(g.id == cluster.id for g in visible_groups(session, user_id, perms))


def can_manage_group(session: Session, user_id: int, perms: Iterable[str], cluster: Cluster) -> bool:
    """Staff (dongfanghong:write) manage every group; the group's 组长 and its 专干 manage theirs."""
    if MANAGE_ALL in set(perms):
        return True
    if led_groups(session, user_id).get(cluster.id) == "leader":
        return True
    return session.scalar(select(GroupStaff.id).where(GroupStaff.cluster_id == cluster.id,
                                                      GroupStaff.user_id == user_id)) is not None


# --- 专干 (one per group, one group per 专干) ---------------------------------------------------

from plugins.dongfanghong.models import (  # noqa: E402
    Butler,
    ButlerOrganization,
    DutyEntry,
    GroupStaff,
    Nomination,
)


def staff_users(session: Session, tenant_id: int) -> list[User]:
    ids = [int(v) for v in session.scalars(select(CasbinRule.v0).where(
        CasbinRule.ptype == "g", CasbinRule.v1 == "staff", CasbinRule.v2 == str(tenant_id)))]
    if not ids:
        return []
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))


def staff_of(session: Session, cluster_ids: Iterable[int]) -> dict[int, User]:
    ids = list(cluster_ids)
    if not ids:
        return {}
    rows = session.execute(select(GroupStaff.cluster_id, User).join(User, User.id == GroupStaff.user_id)
                           .where(GroupStaff.cluster_id.in_(ids))).all()
    return {cid: u for cid, u in rows}


def assign_staff(session: Session, tenant_id: int, cluster: Cluster, username: str,
                 on: dt.date | None = None) -> GroupStaff | None:
    """Assign the 专干 (a user with role staff here) to the group; "" removes the assignment.
    One-to-one: a 专干 already serving another group is refused."""
    username = (username or "").strip()
    current = session.scalar(select(GroupStaff).where(GroupStaff.cluster_id == cluster.id))
    if not username:
        if current is not None:
            session.delete(current)
            session.flush()
        return None
    user = next((u for u in staff_users(session, tenant_id) if u.username == username), None)
    if user is None:
        raise FormErrors({"staff": "专干：请选择本街道具有「工作人员」角色的用户"})
    other = session.scalar(select(GroupStaff).where(GroupStaff.user_id == user.id, GroupStaff.cluster_id != cluster.id))
    if other is not None:
        name = session.get(Cluster, other.cluster_id).name
        raise FormErrors({"staff": f"专干：{user.username} 已负责「{name}」，一名专干只对接一个联组"})
    if current is None:
        current = GroupStaff(cluster_id=cluster.id, user_id=user.id, assigned_on=on or clock.today())
        session.add(current)
    elif current.user_id != user.id:
        current.user_id = user.id
        current.assigned_on = on or clock.today()
    session.flush()
    return current


# --- duty record (必到 / 必报 / 必帮) ----------------------------------------------------------

DUTY_FIELDS = [
    FieldSpec("occurred_on", "日期", "date", required=True),
    FieldSpec("title", "事项", required=True, max_length=200),
    FieldSpec("notes", "情况说明", "text", max_length=2000),
]


def add_duty_entry(session: Session, cluster: Cluster, raw: Mapping[str, Any], user_id: int | None,
                   today: dt.date | None = None) -> DutyEntry:
    values, errors = clean(DUTY_FIELDS, raw)
    kind = str(raw.get("kind") or "").strip()
    if kind not in DUTY_KINDS:
        errors["kind"] = "类别：请选择会议活动必到、过程动态必报或企业困难必帮"
    today = today or clock.today()
    if values.get("occurred_on") and values["occurred_on"] > today:
        errors["occurred_on"] = "日期：不能晚于今天"
    org_id, problem = resolve_organization(session, str(raw.get("organization") or "").strip() or None)
    if problem:
        errors["organization"] = f"相关企业：{problem}"
    if kind == "help" and not org_id and "organization" not in errors:
        errors["organization"] = "相关企业：企业困难必帮须填写所帮扶的企业"
    if errors:
        raise FormErrors(errors)
    row = DutyEntry(cluster_id=cluster.id, kind=kind, occurred_on=values["occurred_on"], title=values["title"],
                    notes=values.get("notes") or "", organization_id=org_id, recorded_by_id=user_id)
    session.add(row)
    session.flush()
    return row


from plugins.dongfanghong import duty  # noqa: E402  (DFH-2: derived from what happened)
from plugins.dongfanghong.duty import (  # noqa: E402,F401
    ChecklistCell,
    duty_checklist,
    month_start,
    months_back,
)


def group_events(session: Session, cluster: Cluster, first: dt.date, last: dt.date,
                 enabled: Iterable[str] = duty.SOURCES_FROM) -> list[duty.DutyEvent]:
    """What the group's current 专干 did (derived, :mod:`plugins.dongfanghong.duty`) and the
    manual entries, between ``first`` and ``last``, oldest first."""
    staff = staff_of(session, [cluster.id]).get(cluster.id)
    derived: list[duty.DutyEvent] = []
    if staff is not None:
        pids = group_party_org_ids(session, [cluster.id], last).get(cluster.id, [])
        derived = duty.derived_events(session, cluster, staff, pids, first, last, enabled)
    return duty.combine(duty.manual_events(session, cluster, first, last), derived)


def group_checklist(session: Session, cluster: Cluster, today: dt.date, months: int = 6, minimum: int | None = None,
                    enabled: Iterable[str] = duty.SOURCES_FROM):
    """The checklist of the last ``months`` months; the gap rule is the tenant's
    ``duty_min_per_month`` unless ``minimum`` is given."""
    if minimum is None:
        minimum = settings_of(cluster.tenant_id).duty_min_per_month
    ms = months_back(today, months)
    events = group_events(session, cluster, ms[0], duty.month_end(ms[-1]), enabled)
    return duty_checklist([(e.kind, e.on, e.source) for e in events], ms, today, minimum)


def duty_query(cluster: Cluster, kind: str = "", q: str = ""):
    stmt = select(DutyEntry).where(DutyEntry.cluster_id == cluster.id)
    if kind in DUTY_KINDS:
        stmt = stmt.where(DutyEntry.kind == kind)
    if q:
        stmt = stmt.where(search.matches(q, DutyEntry.title, DutyEntry.notes))
    return stmt.order_by(DutyEntry.occurred_on.desc(), DutyEntry.id.desc())


def duty_entries(session: Session, cluster: Cluster, kind: str = "", limit: int = 200, q: str = "") -> list[DutyEntry]:
    return list(session.scalars(duty_query(cluster, kind, q).limit(limit)))


# --- butlers (金品牌) --------------------------------------------------------------------------

# butlers are written through plugins/dongfanghong/butlers.py (a person of the system each)


def butlers(session: Session, q: str = "", role: str = "", active: str = "") -> list[tuple[Butler, list[str]]]:
    """The team with the organizations each serves; ``q`` matches a butler's name or unit or the
    name of an organization served (who serves enterprise X?); ``active``: "1" / "0"."""
    stmt = select(Butler)
    if q:
        served = (select(ButlerOrganization.butler_id)
                  .join(Organization, Organization.id == ButlerOrganization.organization_id)
                  .where(search.matches(q, Organization.name)))
        stmt = stmt.where(or_(search.matches(q, Butler.name, Butler.unit), Butler.id.in_(served)))
    if role in BUTLER_ROLES:
        stmt = stmt.where(Butler.role == role)
    if active in ("1", "0"):
        stmt = stmt.where(Butler.active.is_(active == "1"))
    rows = list(session.scalars(stmt.order_by(Butler.active.desc(), Butler.role, Butler.name, Butler.id)))
    served_by: dict[int, list[str]] = defaultdict(list)
    if rows:
        for bid, name in session.execute(
                select(ButlerOrganization.butler_id, Organization.name)
                .join(Organization, Organization.id == ButlerOrganization.organization_id)
                .where(ButlerOrganization.butler_id.in_([b.id for b in rows])).order_by(Organization.name)):
            served_by[bid].append(name)
    return [(b, served_by[b.id]) for b in rows]


# --- nominations (选树典型) --------------------------------------------------------------------

NOMINATION_FIELDS = [
    FieldSpec("reason", "推荐理由", "text", required=True, max_length=2000),
]
#: what each category nominates (000: 优秀党员 — a party member; 优秀党务工作者 — a person doing party work:
#: a member, an instructor or a user; 支持党建工作优秀企业家 — the enterprise, named by its legal representative)
NOMINEE_KINDS = {"member": ("member",), "worker": ("member", "instructor", "user"), "entrepreneur": ("organization",)}


def add_nomination(session: Session, tenant_id: int, raw: Mapping[str, Any]) -> Nomination:
    """A nomination names a record, never a typed name: ``member_id`` (the member picker) or
    ``person`` (``instructor:<id>`` / ``user:<id>``) for 优秀党员 (a 预备/正式党员 only) and
    优秀党务工作者; ``organization`` (name or credit code) for 支持党建工作优秀企业家 (nominated by its
    legal representative, who must be recorded). ``cluster_id`` (a 联组, optional), ``reason``."""
    from plugins.dongfanghong.people import PARTY_STATUSES, person_record

    values, errors = clean(NOMINATION_FIELDS, raw)
    category = str(raw.get("category") or "").strip()
    if category not in NOMINATION_CATEGORIES:
        errors["category"] = "类别：请选择优秀党员、优秀党务工作者或支持党建工作优秀企业家"
    org_id, problem = resolve_organization(session, str(raw.get("organization") or "").strip() or None)
    if problem:
        errors["organization"] = f"所在单位：{problem}"
    kind, nominee_id, name = "", None, ""
    if category == "entrepreneur":
        org = session.get(Organization, org_id) if org_id else None
        if org_id is None and "organization" not in errors:
            errors["organization"] = "所在单位：推荐优秀企业家时必填（被推荐的企业）"
        elif org is not None and not (org.legal_rep or "").strip():
            errors["organization"] = f"所在单位：「{org.name}」的台账中没有法定代表人，请先在台账中补充"
        elif org is not None:
            kind, nominee_id, name = "organization", org.id, org.legal_rep.strip()
    elif category in NOMINATION_CATEGORIES:
        kind, nominee_id, name = person_record(session, tenant_id, raw, errors)
        if kind and kind not in NOMINEE_KINDS[category]:
            errors["person"] = "被推荐人：优秀党员须从党员中选择"
        elif kind == "member":
            m = session.get(Member, nominee_id)
            if m is None or m.status not in PARTY_STATUSES:
                errors["person"] = "被推荐人：须为预备党员或正式党员"
            elif org_id is None:
                org_id = m.organization_id
    cluster_id = None
    ref = str(raw.get("cluster_id") or "").strip()
    if ref:
        c = session.get(Cluster, row_id(ref)) if row_id(ref) else None
        if c is None or c.cluster_type != JOINT_GROUP:
            errors["cluster_id"] = "所属联组：请选择有效的联组"
        else:
            cluster_id = c.id
    if errors:
        raise FormErrors(errors)
    row = Nomination(category=category, nominee=name[:50], nominee_kind=kind, nominee_id=nominee_id,
                     reason=values["reason"], organization_id=org_id, cluster_id=cluster_id, status="proposed")
    session.add(row)
    session.flush()
    return row


def transition_nomination(session: Session, row: Nomination, action: str, user_id: int | None,
                          note: str = "", today: dt.date | None = None) -> Nomination:
    new = NOMINATION_TRANSITIONS.get((row.status, action))
    if new is None:
        raise FormErrors({"action": f"当前状态为「{NOMINATION_STATUSES.get(row.status, row.status)}」，不能执行此操作"})
    note = (note or "").strip()
    if action == "reject" and not note:
        raise FormErrors({"review_note": "评审意见：不通过时必须填写理由"})
    if len(note) > 500:
        raise FormErrors({"review_note": "评审意见：最多 500 个字符"})
    row.status = new
    row.review_note = note
    row.reviewed_by_id = user_id
    row.reviewed_on = today or clock.today()
    session.flush()
    return row


def nominations_query(q: str = "", category: str = "", status: str = ""):
    stmt = select(Nomination)
    if q:
        stmt = stmt.where(search.matches(q, Nomination.nominee, Nomination.reason))
    if category in NOMINATION_CATEGORIES:
        stmt = stmt.where(Nomination.category == category)
    if status in NOMINATION_STATUSES:
        stmt = stmt.where(Nomination.status == status)
    return stmt.order_by(Nomination.id.desc())


# --- dashboard --------------------------------------------------------------------------------


def quarter_bounds(d: dt.date) -> tuple[dt.date, dt.date]:
    q0 = (d.month - 1) // 3 * 3 + 1
    start = dt.date(d.year, q0, 1)
    end = dt.date(d.year + (q0 == 10), 1 if q0 == 10 else q0 + 3, 1)
    return start, end


@dataclass
class GroupCard:
    cluster: Cluster
    party_orgs: int = 0
    members: int = 0
    activities_quarter: int | None = None
    demands_open: int | None = None
    demands_closed: int | None = None
    score: str = ""
    score_round_id: int | None = None
    funds_budget_fen: int | None = None
    funds_paid_fen: int | None = None
    staff: str = ""  # the 专干's account (username)
    staff_name: str = ""  # and the name people know them by
    leaders: str = ""
    problems: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    can_manage: bool = False


def group_activities_select(cluster_id: int, party_org_ids: Sequence[int], today: dt.date):
    """Activities of the quarter containing ``today`` (Asia/Shanghai dates) organized by the group
    or one of its party orgs, held or planned (not cancelled). Needs the activities plugin."""
    from plugins.activities.api import Activity, utc_range

    qs, qe = quarter_bounds(today)
    start, end = utc_range(qs, qe - dt.timedelta(days=1))
    conds = [Activity.cluster_id == cluster_id]
    if party_org_ids:
        conds.append(Activity.party_org_id.in_(list(party_org_ids)))
    return (select(Activity).where(or_(*conds), Activity.starts_at >= start, Activity.starts_at < end,
                                   Activity.status != "cancelled").order_by(Activity.starts_at, Activity.id))


def group_demands_select(cluster_id: int, today: dt.date):
    """Demands (lists plugin) of the group's organizations — the same set the demand list's
    ``cluster`` filter shows (``lists.api.cluster_org_ids``) — open ones first."""
    from plugins.lists.api import OPEN_STATUSES, ListDemand, cluster_org_ids

    return (select(ListDemand).where(ListDemand.organization_id.in_(cluster_org_ids(cluster_id, today)))
            .order_by(ListDemand.status.not_in(OPEN_STATUSES), ListDemand.submitted_on.desc(), ListDemand.id.desc()))


def group_demand_counts(session: Session, cluster_id: int, today: dt.date, user_id: int | None,
                        perms: Iterable[str]) -> tuple[int, int]:
    """Open and closed demands of the group as the principal's demand list filtered by
    ``cluster=<id>&status=open|closed`` counts them (the dashboard links there)."""
    from plugins.lists import api as lists

    access = lists.Access(user_id, "", frozenset(p for p in perms if p.startswith("lists:")))
    return tuple(count_rows(session, lists.demands(access, today, cluster=str(cluster_id), status=status))
                 for status in ("open", "closed"))  # type: ignore[return-value]


def count_rows(session: Session, stmt) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def dashboard(session: Session, tenant, groups: list[Cluster], enabled: Iterable[str], today: dt.date,
              user_id: int, perms: Iterable[str]) -> list[GroupCard]:
    """One card per group: party orgs and members now, activities this quarter (group or its party
    orgs, not cancelled), demands of the group's organizations the principal may see in the lists
    (current members, or covered by current member party orgs; open = 已提交/已受理/办理中, the rest
    closed), the latest published score of a group assessment, this year's budget and paid funds."""
    enabled = set(enabled)
    ids = [g.id for g in groups]
    pmap = group_party_org_ids(session, ids, today)
    types = {JOINT_GROUP: joint_group_type(settings_of(tenant.id).group_label)}
    problems = cl.problems_by_cluster(session, groups, types)
    leaders = cl.leader_summaries(session, ids, types, groups)
    staff = staff_of(session, ids)
    cards = []
    prev_month = months_back(today, 2)[0]
    for g in groups:
        pids = pmap.get(g.id, [])
        card = GroupCard(g, party_orgs=len(pids), staff=staff[g.id].username if g.id in staff else "",
                         staff_name=(staff[g.id].display_name or staff[g.id].username) if g.id in staff else "",
                         leaders=leaders.get(g.id, ""), problems=list(problems.get(g.id, [])),
                         can_manage=can_manage_group(session, user_id, perms, g))
        if pids:
            card.members = int(session.scalar(select(func.count()).select_from(Member)
                                              .where(Member.party_org_id.in_(pids))) or 0)
        if "activities" in enabled:
            card.activities_quarter = count_rows(session, group_activities_select(g.id, pids, today))
        if "lists" in enabled:
            card.demands_open, card.demands_closed = group_demand_counts(session, g.id, today, user_id, perms)
        if "assessment" in enabled:
            from plugins.assessment.api import latest_result

            result = latest_result(session, "cluster", g.id)
            if result is not None:
                card.score = f"{result.total}（第{result.rank}名）"
                card.score_round_id = result.round_id
        if "funds" in enabled:
            from plugins.funds.api import BudgetLine, Disbursement

            lines = list(session.scalars(select(BudgetLine.id).where(
                BudgetLine.target_kind == "cluster", BudgetLine.target_id == g.id, BudgetLine.year == today.year)))
            card.funds_budget_fen = int(session.scalar(select(func.coalesce(func.sum(BudgetLine.amount_fen), 0))
                                                       .where(BudgetLine.id.in_(lines))) or 0) if lines else 0
            card.funds_paid_fen = int(session.scalar(select(func.coalesce(func.sum(Disbursement.amount_fen), 0))
                                                     .where(Disbursement.line_id.in_(lines),
                                                            Disbursement.status == "paid")) or 0) if lines else 0
        cl_rows = group_checklist(session, g, today, months=2, enabled=enabled)
        for kind, cell in cl_rows[prev_month].items():
            if cell.gap:
                card.gaps.append(f"{prev_month.month}月{DUTY_KINDS[kind]}")
        cards.append(card)
    return cards


GROUP_MEETING = "dongfanghong.group_meeting"


def overdue(cards: list[GroupCard], session: Session, enabled: Iterable[str], today: dt.date,
            tenant=None, scoped: bool = False) -> list[str]:
    """What is overdue or due: unmet leader rules, groups without a 专干, duty gaps, groups that
    have not held this quarter's 联组会商, overdue demands (``scoped``: only those of the cards'
    groups, for a user who sees only their own groups), overdue campaign tasks."""
    enabled = set(enabled)
    out = []
    for c in cards:
        for p in c.problems:
            out.append(f"{c.cluster.name}：{p}")
        if not c.staff:
            out.append(f"{c.cluster.name}：尚未指定专干")
        for gap in c.gaps:
            out.append(f"{c.cluster.name}：{gap}无记录")
    if "activities" in enabled and tenant is not None:
        from plugins.activities import api as activities

        shown = {c.cluster.id for c in cards}
        for row in activities.due(session, tenant, today, GROUP_MEETING):
            for o in row.missing:
                if o.kind == "cluster" and o.id in shown:
                    out.append(f"{o.name}：{row.period_label}尚未举行{row.type.label}"
                               f"（已举行 {o.held} 次，应 {row.required} 次）")
    if "lists" in enabled:
        from plugins.lists.api import OPEN_STATUSES, ListDemand, cluster_org_ids

        stmt = select(func.count()).select_from(ListDemand).where(ListDemand.due_on < today,
                                                                  ListDemand.status.in_(OPEN_STATUSES))
        if scoped:  # the groups the user leads: their organizations, as the demand list's cluster filter
            stmt = stmt.where(or_(false(), *(ListDemand.organization_id.in_(cluster_org_ids(c.cluster.id, today))
                                             for c in cards)))
        n = session.scalar(stmt)
        if n:
            out.append(f"需求清单：{n} 项需求已超过办理时限")
    if "campaigns" in enabled:
        from plugins.campaigns.api import overdue_tasks

        for task in overdue_tasks(session, today)[:10]:
            out.append(f"推进任务：{task.title}（截止 {task.deadline.isoformat()}）已逾期")
    return out


def fen(amount: int | None) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    amount = abs(int(amount))
    return f"{sign}{amount // 100:,}.{amount % 100:02d}"
