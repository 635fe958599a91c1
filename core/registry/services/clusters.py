"""Clusters (组团): generic groupings of organizations / party orgs whose *type* a plugin registers.

A type (:class:`core.plugin_types.ClusterType`) says what a cluster groups (``member_kinds``),
which leader titles it has and how many of each (``LeaderRule``), and its extra fields.
Dongfanghong's 联组 needs exactly 1 组长 and 2 副组长; Jinhua's 党建联盟 has a rotating chair …

Leader rules are enforced here, for the web form and the API alike:

* the *maximum* of every rule always: a leader that would exceed it is refused;
* the *minimum* when a cluster is marked complete (``mark_complete``) or checked
  (``check_cluster``); while it is unmet, pages show a warning (``leader_problems``).
  A cluster may be saved incomplete while it is being set up.

A type with ``exclusive_members`` (Dongfanghong's 联组) takes an organization / party org into
at most one current membership among its unarchived clusters (``exclusive_conflict``).

Members and leaders are never deleted: leaving / ending sets a date, so history stays.
The "complete" mark lives in ``Cluster.attributes`` under the reserved key ``_complete``
(type attributes never start with an underscore).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, text
from core.plugin_types import ClusterMemberKind, ClusterType, LeaderRule
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Organization,
    PartyOrg,
    UserOrganization,
)
from core.registry.schemas import FieldSpec, clean, resolve_organization, resolve_party_org

COMPLETE_KEY = "_complete"
COMPLETED_ON_KEY = "_completed_on"

#: the generic type every tenant has (the core registers no program-specific type)
BUILTIN_CLUSTER_TYPE = ClusterType(
    key="core.group",
    label="党建组团",
    description="通用的党建组团：把若干两新组织和党组织编在一起，设负责人和牵头单位。",
    leaders=(LeaderRule("leader", "负责人", 0, 1),),
    member_kinds=("organization", "party_org"),
)

MEMBER_KINDS = {"organization": "两新组织", "party_org": "党组织"}
#: a member row of a kind registered by a plugin (``register_cluster_member_kinds``) keeps the
#: kind's key in ``member_kind`` and the id in ``ref_id``
STATUSES = {"active": "在用", "archived": "已归档", "all": "全部"}


# --- types -------------------------------------------------------------------------------------


def builtin_cluster_types(tenant) -> list[ClusterType]:
    """The core's own cluster types; wire as a ``register_cluster_types`` hookimpl."""
    return [BUILTIN_CLUSTER_TYPE]


def cluster_types(tenant) -> dict[str, ClusterType]:
    """Key → type for every cluster type ``tenant`` may use (its enabled plugins + built-in)."""
    from core.plugins import registry

    out: dict[str, ClusterType] = {}
    for batch in registry().hooks_for(tenant.id).register_cluster_types(tenant=tenant):
        for ct in batch or ():
            out.setdefault(ct.key, ct)
    out.setdefault(BUILTIN_CLUSTER_TYPE.key, BUILTIN_CLUSTER_TYPE)
    return out


def member_kinds(tenant) -> dict[str, ClusterMemberKind]:
    """Key → kind of every member kind beyond organizations and party orgs ``tenant`` may use."""
    from core.plugins import registry

    out: dict[str, ClusterMemberKind] = {}
    if tenant is None:
        return out
    for batch in registry().hooks_for(tenant.id).register_cluster_member_kinds(tenant=tenant):
        for kind in batch or ():
            if kind.key not in MEMBER_KINDS:
                out.setdefault(kind.key, kind)
    return out


def kind_labels(kinds: Mapping[str, ClusterMemberKind]) -> dict[str, str]:
    return {**MEMBER_KINDS, **{k: v.label for k, v in kinds.items()}}


def kind_of(member: ClusterMember) -> str:
    if member.member_kind:
        return member.member_kind
    return "organization" if member.organization_id else "party_org"


def member_names(session: Session, members: Iterable[ClusterMember],
                 kinds: Mapping[str, ClusterMemberKind]) -> dict[int, str]:
    """Member row id → the name of what it stands for (a unit …) for rows of registered kinds;
    a kind no longer registered reads "<key>#<id>"."""
    by_kind: dict[str, list[ClusterMember]] = {}
    for m in members:
        if m.member_kind:
            by_kind.setdefault(m.member_kind, []).append(m)
    out: dict[int, str] = {}
    for key, rows in by_kind.items():
        kind = kinds.get(key)
        names = kind.names(session, sorted({m.ref_id for m in rows if m.ref_id})) if kind else {}
        for m in rows:
            out[m.id] = names.get(m.ref_id) or f"{key}#{m.ref_id}"
    return out


def type_label(types: Mapping[str, ClusterType], key: str) -> str:
    ct = types.get(key)
    return ct.label if ct else f"{key}（未启用）"


def title_labels(ct: ClusterType | None) -> dict[str, str]:
    return {r.title: r.label for r in ct.leaders} if ct else {}


# --- leader rules ------------------------------------------------------------------------------


def rule_text(ct: ClusterType, rule: LeaderRule) -> str:
    """The rule in words: "联组须有且只有 1 名组长", "副组长须为 2 名" …"""
    if rule.max is not None and rule.min == rule.max:
        if rule.min == 1:
            return f"{ct.label}须有且只有 1 名{rule.label}"
        return f"{rule.label}须为 {rule.min} 名"
    if rule.max is None:
        return f"{rule.label}至少须有 {rule.min} 名"
    if rule.min == 0:
        return f"{rule.label}最多 {rule.max} 名"
    return f"{rule.label}须为 {rule.min}至{rule.max} 名"


def _titles(leaders: Iterable[Any]) -> Counter:
    return Counter(x if isinstance(x, str) else x.title for x in leaders)


def validate_leaders(ct: ClusterType, leaders: Iterable[Any], *, check_min: bool = True) -> list[str]:
    """Chinese messages for every leader rule of ``ct`` that ``leaders`` break.

    ``leaders``: the cluster's current leaders (objects with ``.title`` or title codes).
    ``check_min=False`` checks only the maxima (a cluster still being set up).
    """
    counts = _titles(leaders)
    problems: list[str] = []
    known = {r.title for r in ct.leaders}
    for title in counts:
        if title not in known:
            problems.append(f"「{title}」不是{ct.label}的负责人职务")
    for rule in ct.leaders:
        n = counts.get(rule.title, 0)
        too_many = rule.max is not None and n > rule.max
        too_few = check_min and n < rule.min
        if too_many or too_few:
            problems.append(f"{rule_text(ct, rule)}（现有 {n} 名）")
    return problems


def is_active_leader(leader: ClusterLeader, on: dt.date | None = None) -> bool:
    on = on or clock.today()
    return leader.ended_on is None or leader.ended_on > on


def is_active_member(member: ClusterMember, on: dt.date | None = None) -> bool:
    on = on or clock.today()
    return member.left_on is None or member.left_on > on


def leaders_of(session: Session, cluster: Cluster, *, active_only: bool = False) -> list[ClusterLeader]:
    rows = list(session.scalars(
        select(ClusterLeader).where(ClusterLeader.cluster_id == cluster.id)
        .order_by(ClusterLeader.ended_on.is_not(None), ClusterLeader.appointed_on, ClusterLeader.id)
    ))
    return [r for r in rows if is_active_leader(r)] if active_only else rows


def leader_problems(session: Session, cluster: Cluster, types: Mapping[str, ClusterType]) -> list[str]:
    """Unmet rules (minima included) of the cluster's current leaders; [] if the type is unknown."""
    ct = types.get(cluster.cluster_type)
    if ct is None:
        return []
    return validate_leaders(ct, leaders_of(session, cluster, active_only=True))


def problems_by_cluster(session: Session, clusters: list[Cluster],
                        types: Mapping[str, ClusterType]) -> dict[int, list[str]]:
    """``leader_problems`` for a page of clusters in one query."""
    ids = [c.id for c in clusters]
    if not ids:
        return {}
    now = clock.today()
    rows = session.execute(
        select(ClusterLeader.cluster_id, ClusterLeader.title)
        .where(ClusterLeader.cluster_id.in_(ids),
               or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > now))
    ).all()
    by: dict[int, list[str]] = {i: [] for i in ids}
    for cid, title in rows:
        by[cid].append(title)
    out = {}
    for c in clusters:
        ct = types.get(c.cluster_type)
        out[c.id] = validate_leaders(ct, by[c.id]) if ct else []
    return out


def is_complete(cluster: Cluster) -> bool:
    return bool((cluster.attributes or {}).get(COMPLETE_KEY))


def check_cluster(session: Session, cluster: Cluster, types: Mapping[str, ClusterType]) -> list[str]:
    """Every rule the cluster breaks now (the ``check`` endpoint); [] means ready."""
    ct = types.get(cluster.cluster_type)
    if ct is None:
        return [f"组团类型「{cluster.cluster_type}」在本辖区未启用"]
    return validate_leaders(ct, leaders_of(session, cluster, active_only=True))


def mark_complete(session: Session, cluster: Cluster, types: Mapping[str, ClusterType],
                  complete: bool = True) -> None:
    """Mark the cluster as fully set up; refused while a leader rule (minima too) is unmet."""
    if complete:
        problems = check_cluster(session, cluster, types)
        if problems:
            raise FormErrors({"leaders": "；".join(problems)})
    attrs = dict(cluster.attributes or {})
    if complete:
        attrs[COMPLETE_KEY] = True
        attrs[COMPLETED_ON_KEY] = clock.today().isoformat()
    else:
        attrs.pop(COMPLETE_KEY, None)
        attrs.pop(COMPLETED_ON_KEY, None)
    cluster.attributes = attrs
    session.flush()


# --- queries -----------------------------------------------------------------------------------


def own_organizations(session: Session, user_id: int) -> set[int]:
    """Organizations an org secretary runs (``UserOrganization``)."""
    return set(session.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id)))


def visible_to(cluster_id: int, session: Session, only_orgs: set[int] | None) -> bool:
    """``only_orgs`` (an org secretary's organizations): the cluster must include one of them."""
    if only_orgs is None:
        return True
    return session.scalar(select(ClusterMember.id).where(
        ClusterMember.cluster_id == cluster_id, ClusterMember.organization_id.in_(only_orgs)).limit(1)) is not None


def list_query(q: str = "", cluster_type: str = "", status: str = "active",
               only_orgs: set[int] | None = None) -> Select:
    """Clusters matching the filters; ``only_orgs``: just those including one of these organizations."""
    stmt = select(Cluster)
    if only_orgs is not None:
        stmt = stmt.where(Cluster.id.in_(
            select(ClusterMember.cluster_id).where(ClusterMember.organization_id.in_(only_orgs))))
    if q:
        stmt = stmt.where(search.matches(q, Cluster.name, Cluster.area, Cluster.description))
    if cluster_type:
        stmt = stmt.where(Cluster.cluster_type == cluster_type)
    if status == "active":
        stmt = stmt.where(Cluster.archived_on.is_(None))
    elif status == "archived":
        stmt = stmt.where(Cluster.archived_on.is_not(None))
    return stmt.order_by(Cluster.archived_on.is_not(None), Cluster.name, Cluster.id)


def member_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    now = clock.today()
    rows = session.execute(
        select(ClusterMember.cluster_id, func.count())
        .where(ClusterMember.cluster_id.in_(ids),
               or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > now))
        .group_by(ClusterMember.cluster_id)
    ).all()
    return {cid: int(n) for cid, n in rows}


def leader_summaries(session: Session, ids: list[int], types: Mapping[str, ClusterType],
                     clusters: list[Cluster]) -> dict[int, str]:
    """"组长：张三；副组长：李四、王五" per cluster, one query."""
    if not ids:
        return {}
    now = clock.today()
    rows = session.execute(
        select(ClusterLeader.cluster_id, ClusterLeader.title, ClusterLeader.person_name)
        .where(ClusterLeader.cluster_id.in_(ids),
               or_(ClusterLeader.ended_on.is_(None), ClusterLeader.ended_on > now))
        .order_by(ClusterLeader.cluster_id, ClusterLeader.id)
    ).all()
    kind = {c.id: c.cluster_type for c in clusters}
    grouped: dict[int, dict[str, list[str]]] = {}
    for cid, title, name in rows:
        grouped.setdefault(cid, {}).setdefault(title, []).append(name)
    out = {}
    for cid, by_title in grouped.items():
        labels = title_labels(types.get(kind.get(cid, "")))
        out[cid] = "；".join(f"{labels.get(t, t)}：{'、'.join(ns)}" for t, ns in by_title.items())
    return out


def names_of(session: Session, org_ids: Iterable[int | None], party_ids: Iterable[int | None]):
    """(organization id → name, party org id → name) in two queries."""
    oids = {i for i in org_ids if i}
    pids = {i for i in party_ids if i}
    orgs = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(oids))).all()) \
        if oids else {}
    parties = dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(pids))).all()) \
        if pids else {}
    return orgs, parties


def members_of(session: Session, cluster: Cluster) -> list[ClusterMember]:
    return list(session.scalars(
        select(ClusterMember).where(ClusterMember.cluster_id == cluster.id)
        .order_by(ClusterMember.left_on.is_not(None), ClusterMember.joined_on, ClusterMember.id)
    ))


# --- writes ------------------------------------------------------------------------------------

BASE_FIELDS = [
    FieldSpec("name", "组团名称", required=True, max_length=200),
    FieldSpec("area", "片区/范围", max_length=200),
    FieldSpec("description", "简介", "text", max_length=2000),
]


def clean_cluster(session: Session, raw: Mapping[str, Any], types: Mapping[str, ClusterType],
                  existing: Cluster | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values and field errors for a cluster form / API body.

    ``raw``: name, cluster_type (create only), area, description, lead_organization,
    lead_party_org (name, credit code or id), attributes (dict) or ``attr_<key>`` fields.
    """
    values, errors = clean(BASE_FIELDS, raw)
    if existing is None:
        key = text(raw, "cluster_type")
        if not key:
            errors["cluster_type"] = "组团类型：必填"
        elif key not in types:
            errors["cluster_type"] = "组团类型：请选择有效的类型"
        else:
            values["cluster_type"] = key
        ct = types.get(key)
    else:
        ct = types.get(existing.cluster_type)
    for field, label, resolve in (("lead_organization", "牵头组织", resolve_organization),
                                  ("lead_party_org", "牵头党组织", resolve_party_org)):
        found, problem = resolve(session, text(raw, field) or None)
        if problem:
            errors[field] = f"{label}：{problem}"
        else:
            values[f"{field}_id"] = found
    given = raw.get("attributes") if isinstance(raw.get("attributes"), Mapping) else {}
    attrs = {k: v for k, v in ((existing.attributes or {}) if existing else {}).items() if k.startswith("_")}
    for key, label in (ct.attributes if ct else ()):
        value = text(given, key) if key in given else text(raw, f"attr_{key}")
        if len(value) > 200:
            errors[f"attr_{key}"] = f"{label}：最多 200 个字符"
        elif value:
            attrs[key] = value
    if existing is not None and ct is None:  # type no longer enabled: keep what was stored
        attrs.update({k: v for k, v in (existing.attributes or {}).items() if not k.startswith("_")})
    values["attributes"] = attrs
    return values, errors


def create_cluster(session: Session, raw: Mapping[str, Any], types: Mapping[str, ClusterType]) -> Cluster:
    values, errors = clean_cluster(session, raw, types)
    if errors:
        raise FormErrors(errors)
    cluster = Cluster(**values)
    session.add(cluster)
    session.flush()
    return cluster


def update_cluster(session: Session, cluster: Cluster, raw: Mapping[str, Any],
                   types: Mapping[str, ClusterType]) -> Cluster:
    values, errors = clean_cluster(session, raw, types, existing=cluster)
    if errors:
        raise FormErrors(errors)
    for key, value in values.items():
        if getattr(cluster, key) != value:
            setattr(cluster, key, value)
    session.flush()
    return cluster


def set_archived(session: Session, cluster: Cluster, archived: bool) -> None:
    cluster.archived_on = clock.today() if archived else None
    session.flush()


def _date(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str]) -> dt.date | None:
    values, problems = clean([FieldSpec(key, label, "date")], raw)
    if problems:
        errors.update(problems)
    return values.get(key)


def _member_tenant(lookup: Session, kind: str, found: int,
                   registered: Mapping[str, ClusterMemberKind]) -> int | None:
    if kind in MEMBER_KINDS:
        model = Organization if kind == "organization" else PartyOrg
        return lookup.scalar(select(model.tenant_id).where(model.id == found))
    return registered[kind].tenants(lookup, [found]).get(found)


def add_member(session: Session, cluster: Cluster, raw: Mapping[str, Any],
               types: Mapping[str, ClusterType], *, lookup: Session | None = None,
               kinds: Mapping[str, ClusterMemberKind] | None = None) -> ClusterMember:
    """raw: kind ("organization" | "party_org" | a registered kind's key), ref (name / credit
    code / id), joined_on.

    ``lookup``: where references are resolved — for a district's or city's cluster a read-only
    session over its subtree (members may belong to its streets); default ``session``.
    ``kinds``: the member kinds plugins registered (:func:`member_kinds`).
    """
    lookup = lookup or session
    registered = dict(kinds or {})
    errors: dict[str, str] = {}
    ct = types.get(cluster.cluster_type)
    allowed_kinds = ct.member_kinds if ct else tuple(MEMBER_KINDS)
    labels = kind_labels(registered)
    kind = text(raw, "kind") or allowed_kinds[0]
    if kind not in allowed_kinds or (kind not in MEMBER_KINDS and kind not in registered):
        allowed = "、".join(labels.get(k, k) for k in allowed_kinds if k in labels)
        errors["kind"] = f"成员类型：{type_label(types, cluster.cluster_type)}只能包含{allowed}"
    ref = text(raw, "ref")
    found = None
    if not ref:
        errors["ref"] = "成员：必填"
    elif "kind" not in errors:
        if kind in MEMBER_KINDS:
            found, problem = (resolve_organization if kind == "organization" else resolve_party_org)(lookup, ref)
        else:
            found, problem = registered[kind].resolve(lookup, ref)
        if problem:
            errors["ref"] = f"成员：{problem}"
    joined = _date(raw, "joined_on", "加入日期", errors) or clock.today()
    if found and not errors:
        now = clock.today()
        if kind in MEMBER_KINDS:
            same = (ClusterMember.organization_id if kind == "organization" else ClusterMember.party_org_id) == found
        else:
            same = and_(ClusterMember.member_kind == kind, ClusterMember.ref_id == found)
        dup = session.scalar(select(ClusterMember.id).where(
            ClusterMember.cluster_id == cluster.id, same,
            or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > now)))
        if dup:
            errors["ref"] = "成员：已是本组团的成员"
        elif ct is not None and ct.exclusive_members and kind in MEMBER_KINDS:
            other = exclusive_conflict(session, cluster, kind, found)
            if other:
                errors["ref"] = (f"成员：该{MEMBER_KINDS[kind]}已在{ct.label}「{other}」中，同一时间只能属于一个"
                                 f"{ct.label}，请先从「{other}」退出")
    if errors:
        raise FormErrors(errors)
    row = ClusterMember(cluster_id=cluster.id, joined_on=joined,
                        organization_id=found if kind == "organization" else None,
                        party_org_id=found if kind == "party_org" else None,
                        member_kind="" if kind in MEMBER_KINDS else kind,
                        ref_id=None if kind in MEMBER_KINDS else found,
                        member_tenant_id=_member_tenant(lookup, kind, found, registered))
    session.add(row)
    session.flush()
    return row


def exclusive_conflict(session: Session, cluster: Cluster, kind: str, ref_id: int) -> str | None:
    """The name of another unarchived cluster of ``cluster``'s type that the organization /
    party org ``ref_id`` is a current (not left) member of, or None."""
    column = ClusterMember.organization_id if kind == "organization" else ClusterMember.party_org_id
    now = clock.today()
    return session.scalar(
        select(Cluster.name).join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
        .where(Cluster.cluster_type == cluster.cluster_type, Cluster.id != cluster.id,
               Cluster.archived_on.is_(None), column == ref_id,
               or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > now))
        .order_by(Cluster.name, Cluster.id).limit(1))


def end_member(session: Session, cluster: Cluster, member_id: int, raw: Mapping[str, Any]) -> ClusterMember:
    """The member leaves on ``left_on`` (default today); the row stays for the history."""
    row = session.get(ClusterMember, member_id)
    if row is None or row.cluster_id != cluster.id:
        raise LookupError(member_id)
    errors: dict[str, str] = {}
    left = _date(raw, "left_on", "退出日期", errors) or clock.today()
    if row.left_on is not None:
        errors["left_on"] = "退出日期：该成员已退出"
    elif row.joined_on and left < row.joined_on:
        errors["left_on"] = "退出日期：不能早于加入日期"
    if errors:
        raise FormErrors(errors)
    row.left_on = left
    session.flush()
    return row


LEADER_FIELDS = [
    FieldSpec("person_name", "姓名", required=True, max_length=50),
    FieldSpec("appointed_on", "任职日期", "date"),
    FieldSpec("letter_no", "聘书编号", max_length=50),
]


def add_leader(session: Session, cluster: Cluster, raw: Mapping[str, Any],
               types: Mapping[str, ClusterType]) -> ClusterLeader:
    """raw: title (rule code), person_name, organization, appointed_on, letter_no, replaces (leader id),
    user_id (optional: the leader's account — a user with a role in the cluster's tenant or above;
    engines and programs scope the leader's rights to the clusters they lead through it, e.g. the
    activities engine's own-only writers and 金华's alliance liaisons).

    The maximum of the title's rule is enforced (after ending the leader ``replaces`` names,
    so a 组长 can be replaced in one step).
    """
    ct = types.get(cluster.cluster_type)
    values, errors = clean(LEADER_FIELDS, raw)
    if ct is None:
        raise FormErrors({"title": f"职务：组团类型「{cluster.cluster_type}」在本辖区未启用"})
    rules = {r.title: r for r in ct.leaders}
    title = text(raw, "title")
    if title not in rules:
        errors["title"] = "职务：请选择有效的职务" if title else "职务：必填"
    org_id, problem = resolve_organization(session, text(raw, "organization") or None)
    if problem:
        errors["organization"] = f"所在单位：{problem}"
    elif org_id is None and title in rules and rules[title].from_organization:
        errors["organization"] = (f"所在单位：{rules[title].label}须从两新组织的党务或群团工作人员中产生，"
                                  "请填写其所在的两新组织")
    user_id = None
    given_user = text(raw, "user_id")
    if given_user:
        if not (given_user.isascii() and given_user.isdigit()) or int(given_user) not in leader_user_ids(
                session, cluster.tenant_id):
            errors["user_id"] = "平台账号：请选择在本辖区有角色的用户"
        else:
            user_id = int(given_user)
    active = leaders_of(session, cluster, active_only=True)
    replaced = None
    rep = text(raw, "replaces")
    if rep:
        replaced = next((x for x in active if str(x.id) == rep), None)
        if replaced is None:
            errors["replaces"] = "接替：请选择本组团的现任负责人"
    if title in rules and "title" not in errors:
        remaining = [x for x in active if x is not replaced]
        problems = validate_leaders(ct, [*remaining, title], check_min=False)
        rule_msg = rule_text(ct, rules[title])
        mine = [p for p in problems if p.startswith(rule_msg)]
        if mine:
            errors["title"] = f"职务：{mine[0]}，不能再增加"
    appointed = values.get("appointed_on") or clock.today()
    if replaced is not None and replaced.appointed_on and appointed < replaced.appointed_on:
        errors["appointed_on"] = "任职日期：不能早于被接替者的任职日期"
    if errors:
        raise FormErrors(errors)
    if replaced is not None:
        replaced.ended_on = appointed
    leader = ClusterLeader(cluster_id=cluster.id, title=title, person_name=values["person_name"],
                           organization_id=org_id, appointed_on=appointed, letter_no=values.get("letter_no") or "",
                           user_id=user_id)
    session.add(leader)
    session.flush()
    return leader


def leader_user_ids(session: Session, tenant_id: int) -> set[int]:
    """Users holding a role in ``tenant_id`` or a tenant above it (who may be named as a leader's account)."""
    from core.models import CasbinRule
    from core.tenancy import tree

    domains = [str(t.id) for t in tree().ancestors(tenant_id)] + [str(tenant_id)]
    stmt = select(CasbinRule.v0).where(CasbinRule.ptype == "g", CasbinRule.v2.in_(domains))
    return {int(v) for v in session.scalars(stmt) if v.isdigit()}


def led_by(session: Session, user_id: int, on: dt.date | None = None) -> set[int]:
    """Ids of the session's clusters that ``user_id`` leads (a current leader row with their account)."""
    now = on or clock.today()
    return set(session.scalars(select(ClusterLeader.cluster_id).where(
        ClusterLeader.user_id == user_id, ClusterLeader.appointed_on.is_(None) | (ClusterLeader.appointed_on <= now),
        ClusterLeader.ended_on.is_(None) | (ClusterLeader.ended_on > now))))


def end_leader(session: Session, cluster: Cluster, leader_id: int, raw: Mapping[str, Any]) -> ClusterLeader:
    row = session.get(ClusterLeader, leader_id)
    if row is None or row.cluster_id != cluster.id:
        raise LookupError(leader_id)
    errors: dict[str, str] = {}
    ended = _date(raw, "ended_on", "离任日期", errors) or clock.today()
    if row.ended_on is not None:
        errors["ended_on"] = "离任日期：该负责人已离任"
    elif row.appointed_on and ended < row.appointed_on:
        errors["ended_on"] = "离任日期：不能早于任职日期"
    if errors:
        raise FormErrors(errors)
    row.ended_on = ended
    session.flush()
    return row


# --- cross-tenant clusters ---------------------------------------------------------------------
#
# A cluster belongs to the tenant that created it. A district or a city may group organizations
# and party orgs (and units, through ``register_cluster_member_kinds``) of its descendants: the
# references are resolved in a read-only session over its subtree (``lookup``), and each member
# row records the tenant its member belongs to (``member_tenant_id``). A tenant below sees, read
# only, the clusters of its ancestors that have a current member in its own subtree
# (:func:`shared_query`), through a read-only session over exactly those ancestors and its
# subtree (:func:`shared_scope`) — an explicit, permission-checked query; the tenant filter and
# row-level security stay on (the session's scope lists the tenants it may read). A sibling
# district or street is neither an ancestor nor in the subtree: it never sees the cluster.


def shared_scope(tenant_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the tenant's ancestors, its subtree) — what a shared-cluster read may see."""
    from core.tenancy import tree

    t = tree()
    ancestors = tuple(a.id for a in t.ancestors(tenant_id) if a.id != tenant_id)
    return ancestors, t.descendant_ids(tenant_id)


def shared_query(ancestors: Iterable[int], subtree: Iterable[int], q: str = "") -> Select:
    """Unarchived clusters owned by ``ancestors`` with a current member belonging to ``subtree``."""
    now = clock.today()
    ancestors, subtree = tuple(ancestors) or (-1,), tuple(subtree) or (-1,)
    members = select(ClusterMember.cluster_id).where(
        ClusterMember.member_tenant_id.in_(subtree),
        or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > now))
    stmt = select(Cluster).where(Cluster.tenant_id.in_(ancestors), Cluster.archived_on.is_(None),
                                 Cluster.id.in_(members))
    if q:
        stmt = stmt.where(search.matches(q, Cluster.name, Cluster.area, Cluster.description))
    return stmt.order_by(Cluster.name, Cluster.id)


def upper_memberships(tenant_id: int, column: str, ref_id: int) -> int:
    """How many memberships (current or past) in clusters of ``tenant_id``'s ancestors name its
    organization / party org ``ref_id`` (``column``: ``organization_id`` | ``party_org_id``).

    The street's own session cannot see a district's cluster rows; deleting the organization
    would silently remove it from the district's cluster (the foreign key cascades). Read in a
    read-only session scoped to the ancestors (explicit, for this count only)."""
    from core import replica

    ancestors, _subtree = shared_scope(tenant_id)
    if not ancestors:
        return 0
    session = replica.read_session(tenant_id, ancestors)
    try:
        return session.scalar(select(func.count(ClusterMember.id)).where(
            getattr(ClusterMember, column) == ref_id, ClusterMember.tenant_id.in_(ancestors))) or 0
    finally:
        session.rollback()
        session.close()
