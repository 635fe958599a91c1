"""Whose numbers a dashboard card shows (issue 19): the scope a user acts on.

Street staff, admins, instructors and viewers act on the whole tenant (and read its subtree);
an org secretary (``registry:write_own`` without ``registry:write``) acts on the organizations
linked to their account — and, when they lead a cluster (a 联组's 组长 / 副组长, a
``ClusterLeader`` with their account), on that cluster's organizations and party orgs. Cards
count within :class:`ActingScope` and say which one (``label``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.i18n import gettext
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)

#: how many organization names the label spells out before "等 N 个"
NAMED = 2


@dataclass(frozen=True)
class ActingScope:
    """The rows a user acts on in one tenant. ``organization_ids is None``: the whole tenant."""

    label: str
    organization_ids: frozenset[int] | None = None
    party_org_ids: frozenset[int] | None = None
    cluster_ids: frozenset[int] = frozenset()
    #: the organizations linked to the account itself (a cluster leader's own), and their label
    own_organization_ids: frozenset[int] | None = None
    own_label: str = ""

    @property
    def whole(self) -> bool:
        return self.organization_ids is None


def org_secretary(perms: Iterable[str]) -> bool:
    perms = set(perms)
    return "registry:write_own" in perms and "registry:write" not in perms


def acting_scope(session: Session, user_id: int, perms: Iterable[str], tenant_name: str) -> ActingScope:
    """``session`` is scoped to the tenant (a card over the subtree says so itself)."""
    if not org_secretary(perms):
        return ActingScope(tenant_name, own_label=tenant_name)
    own = set(session.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id)))
    led = list(session.execute(
        select(Cluster.id, Cluster.name).join(ClusterLeader, ClusterLeader.cluster_id == Cluster.id)
        .where(ClusterLeader.user_id == user_id, ClusterLeader.ended_on.is_(None)).distinct().order_by(Cluster.name)))
    cluster_ids = frozenset(c.id for c in led)
    member_pos: set[int] = set()
    orgs = set(own)
    if cluster_ids:
        rows = session.execute(select(ClusterMember.organization_id, ClusterMember.party_org_id).where(
            ClusterMember.cluster_id.in_(cluster_ids), ClusterMember.left_on.is_(None))).all()
        orgs |= {o for o, _ in rows if o}
        member_pos = {p for _, p in rows if p}
        if member_pos:
            orgs |= set(session.scalars(select(PartyOrgCoverage.organization_id)
                                        .where(PartyOrgCoverage.party_org_id.in_(member_pos))))
    party_orgs = member_pos | set(session.scalars(
        select(PartyOrgCoverage.party_org_id).where(PartyOrgCoverage.organization_id.in_(orgs or {-1}))))
    party_orgs = set(session.scalars(select(PartyOrg.id).where(
        PartyOrg.id.in_(party_orgs or {-1}), or_(PartyOrg.dissolved_on.is_(None), PartyOrg.id.in_(member_pos or {-1})))))
    names = list(session.scalars(select(Organization.name).where(Organization.id.in_(own or {-1}))
                                 .order_by(Organization.name)))
    own_label = gettext("本组织：%(names)s") % {"names": (
        "、".join(names[:NAMED]) + (gettext(" 等 %(n)s 个") % {"n": len(names)} if len(names) > NAMED else "")
        if names else gettext("（未关联组织）"))}
    label = "、".join(c.name for c in led) if led else own_label
    return ActingScope(label, frozenset(orgs), frozenset(party_orgs), cluster_ids, frozenset(own), own_label)
