"""DFH-1 两级平台: the street's 两新综合党委 coordinates; joint groups (联组) link with the community
(社区/村) party orgs; the 驻街部门/单位 carry duties.

- **Linked community party orgs** (``GroupLink``): references to party orgs of the street's
  community / village tenants, or of the street's own registry when they are kept there (a party
  org that is not a two-new party org: top level, covering no organization). A row without
  ``party_org_id`` is a name the migration from the former free text could not match: it stays
  on the group page until someone picks the party org it meant or removes it.
- **两新综合党委的组成** is a cluster of type ``dongfanghong.committee``: 书记 1, 副书记 and 委员 as
  its leaders (the registry's cluster leaders, with 聘书/appointment dates), the 综合党委 itself as
  the cluster's lead party org, and as members the party orgs and units (驻街部门、驻街单位 …
  ``units.unit``) that make it up.
- **驻街部门/单位 with their duties** are units of the ``units`` block (kind ``resident`` 驻街单位,
  ``department`` 行业部门 …) — their ``duties`` field says what each does; the dashboard lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import FormErrors, row_id
from core.plugin_types import ClusterType, LeaderRule
from core.registry.models import Cluster, PartyOrg
from core.tenancy import tree
from plugins.dongfanghong.models import GroupLink

COMMITTEE = "dongfanghong.committee"
COMMUNITY_LEVELS = ("community", "village")


def committee_type() -> ClusterType:
    """街道两新综合党委的组成: 书记 1 名, 副书记 and 委员 as the street sets them (the seed gives no
    numbers); its members: the party orgs and units (驻街部门/单位) it is made up of."""
    return ClusterType(
        key=COMMITTEE, label="两新综合党委组成",
        description="街道两新综合党委统筹协调：组成人员（书记、副书记、委员）与成员单位（驻街部门、社区（村）党组织）。",
        leaders=(LeaderRule("secretary", "书记", 1, 1), LeaderRule("deputy", "副书记", 0, None),
                 LeaderRule("member", "委员", 0, None)),
        member_kinds=("party_org", "units.unit"),
    )


def community_tenant_ids(tenant_id: int) -> list[int]:
    """The street's community / village tenants."""
    return [t.id for t in tree().children.get(tenant_id, []) if t.level in COMMUNITY_LEVELS]


def lookup_scope(tenant_id: int) -> list[int]:
    return [tenant_id, *community_tenant_ids(tenant_id)]


@dataclass(frozen=True)
class LinkOption:
    id: int
    name: str
    tenant_id: int
    tenant_name: str


def link_options(lookup: Session, tenant_id: int) -> list[LinkOption]:
    """Party orgs a 联组 may link with: every live party org of the street's community / village
    tenants, and the street's own live party orgs that are not two-new party orgs (top level,
    covering no organization)."""
    from plugins.dongfanghong.service import two_new_party_orgs

    communities = community_tenant_ids(tenant_id)
    rows = lookup.execute(select(PartyOrg.id, PartyOrg.name, PartyOrg.tenant_id).where(
        PartyOrg.dissolved_on.is_(None), PartyOrg.tenant_id.in_([tenant_id, *communities]))).all()
    two_new = {p.id for p in two_new_party_orgs(lookup)} if rows else set()
    names = tree().by_id
    out = [LinkOption(pid, name, tid, names[tid].name if tid in names else "")
           for pid, name, tid in rows if tid != tenant_id or pid not in two_new]
    return sorted(out, key=lambda o: (o.tenant_id != tenant_id, o.tenant_name, o.name, o.id))


def _option(lookup: Session, tenant_id: int, raw: Mapping[str, Any]) -> LinkOption:
    pid = row_id(str(raw.get("party_org_id") or "").strip())
    found = next((o for o in link_options(lookup, tenant_id) if o.id == pid), None) if pid else None
    if found is None:
        raise FormErrors({"party_org_id": "联动党组织：请选择本街道或所辖社区（村）的党组织"})
    return found


def add_link(session: Session, lookup: Session, cluster: Cluster, raw: Mapping[str, Any]) -> GroupLink:
    """Link the group with a community party org (``party_org_id``)."""
    o = _option(lookup, cluster.tenant_id, raw)
    if session.scalar(select(GroupLink.id).where(GroupLink.cluster_id == cluster.id, GroupLink.party_org_id == o.id)):
        raise FormErrors({"party_org_id": f"联动党组织：「{o.name}」已与本联组联动"})
    row = GroupLink(cluster_id=cluster.id, party_org_id=o.id, party_org_tenant_id=o.tenant_id, name=o.name[:200])
    session.add(row)
    session.flush()
    return row


def resolve_link(session: Session, lookup: Session, cluster: Cluster, link: GroupLink,
                 raw: Mapping[str, Any]) -> GroupLink:
    """Say which party org an unmatched name meant (the name as written stays in the history)."""
    if link.party_org_id is not None:
        raise FormErrors({"party_org_id": "联动党组织：该项已对应党组织"})
    o = _option(lookup, cluster.tenant_id, raw)
    if session.scalar(select(GroupLink.id).where(GroupLink.cluster_id == cluster.id, GroupLink.party_org_id == o.id)):
        raise FormErrors({"party_org_id": f"联动党组织：「{o.name}」已与本联组联动，可直接删除此项"})
    link.party_org_id, link.party_org_tenant_id, link.name = o.id, o.tenant_id, o.name[:200]
    session.flush()
    return link


@dataclass(frozen=True)
class LinkView:
    id: int
    cluster_id: int
    name: str  # the party org's current name (or the unmatched name as written)
    party_org_id: int | None
    tenant_name: str  # "" for the street itself

    @property
    def matched(self) -> bool:
        return self.party_org_id is not None


def links_of(session: Session, lookup: Session, cluster_ids: Iterable[int]) -> dict[int, list[LinkView]]:
    """cluster id → its links, matched first (current names read through ``lookup``)."""
    ids = list(cluster_ids)
    out: dict[int, list[LinkView]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = list(session.scalars(select(GroupLink).where(GroupLink.cluster_id.in_(ids)).order_by(GroupLink.id)))
    pids = [r.party_org_id for r in rows if r.party_org_id]
    current = dict(lookup.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(pids))).all()) if pids else {}
    names = tree().by_id
    for r in sorted(rows, key=lambda r: (r.party_org_id is None, r.id)):
        tname = names[r.party_org_tenant_id].name if r.party_org_tenant_id in names and \
            r.party_org_tenant_id != r.tenant_id else ""
        out[r.cluster_id].append(LinkView(r.id, r.cluster_id, current.get(r.party_org_id, r.name), r.party_org_id,
                                          tname))
    return out


def link_names(session: Session, cluster_ids: Iterable[int]) -> list[str]:
    """The linked party orgs' names (matched ones, as stored) of the groups, for suggestions."""
    ids = list(cluster_ids)
    if not ids:
        return []
    out: list[str] = []
    for name in session.scalars(select(GroupLink.name).where(GroupLink.cluster_id.in_(ids),
                                                             GroupLink.party_org_id.is_not(None))
                                .order_by(GroupLink.id)):
        if name not in out:
            out.append(name)
    return out


# --- the committee and the units in the street ------------------------------------------------


@dataclass
class CommitteeView:
    cluster: Cluster | None
    leaders: list  # ClusterLeader rows, current
    party_orgs: list[str]
    units: list  # units.Unit rows that are members
    resident_units: list  # every unit of the street with its duties (驻街部门/单位)


def committee(session: Session, tenant) -> CommitteeView:
    from core.registry.services import clusters as cl

    c = session.scalar(select(Cluster).where(Cluster.cluster_type == COMMITTEE, Cluster.archived_on.is_(None))
                       .order_by(Cluster.id))
    leaders, pos, units_in = [], [], []
    if c is not None:
        leaders = cl.leaders_of(session, c, active_only=True)
        members = [m for m in cl.members_of(session, c) if cl.is_active_member(m)]
        _, po_names = cl.names_of(session, [], [m.party_org_id for m in members if m.party_org_id])
        pos = [po_names[m.party_org_id] for m in members if m.party_org_id in po_names]
        unit_ids = {m.ref_id for m in members if m.member_kind == "units.unit"}
    else:
        unit_ids = set()
    from core.plugins import registry

    resident = []
    if "units" in registry().enabled(tenant.id):
        from plugins.units import api as units

        resident = [u for u in units.units(session) if u.kind in ("resident", "department", "organ")]
        units_in = [u for u in units.units(session) if u.id in unit_ids]
    return CommitteeView(c, leaders, pos, units_in, resident)
