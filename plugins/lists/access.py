"""Who may do what in the lists: :class:`Access` (the principal's rights) with the visibility
clauses of demands, resources and work items, and the getters that answer 404 for what is not
visible."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from core.registry.models import ClusterLeader, ClusterMember, UserOrganization
from plugins.lists.models import ListDemand, ListResource, ListWork, ListWorkResource
from plugins.lists.states import OPEN_STATUSES
from plugins.lists.stations import get_station as find_station
from plugins.sites.api import Site


@dataclass(frozen=True)
class Access:
    """The principal's rights in the lists of the session's tenant.

    ``restricted``: an org secretary (``lists:submit``), a resource provider (``lists:offer``) or
    a cluster's liaison (``lists:triage_own``) without staff rights — sees only their own
    organizations' demands (secretary), open demands and what their resources serve (provider),
    the demands of the organizations in the clusters they lead and handles those as a triager
    would (liaison: 001's 联盟汇总 by an alliance's 联络员), and the offers that are on the list.
    """

    user_id: int | None
    username: str = ""
    perms: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ctx) -> Access:
        return cls(ctx.user.id, ctx.user.username, frozenset(p for p in ctx.perms if p.startswith("lists:")))

    def can(self, perm: str) -> bool:
        return f"lists:{perm}" in self.perms

    @property
    def can_write(self) -> bool:
        return self.can("write")

    @property
    def can_triage(self) -> bool:
        """Triage rights — over every demand (``lists:triage``) or, with ``lists:triage_own``, over the
        demands the principal sees (those of the clusters they lead)."""
        return self.can("triage") or self.can("triage_own")

    @property
    def can_submit(self) -> bool:
        return self.can("submit") or self.can_write

    @property
    def can_offer(self) -> bool:
        return self.can("offer") or self.can_write

    @property
    def staff(self) -> bool:
        return self.can_write or self.can("triage")

    @property
    def restricted(self) -> bool:
        return not self.staff and (self.can("submit") or self.can("offer") or self.can("triage_own"))

    def require(self, perm: str, message: str = "没有权限执行此操作") -> None:
        """``triage`` is also met by ``lists:triage_own``: such a principal only ever reaches the
        demands (and their work items) of the clusters they lead — the getters answer 404 for the
        rest. What only tenant-wide triagers do (answering a street's escalation) asks
        :meth:`require_tenant_triage`."""
        if perm == "triage" and self.can_triage:
            return
        if not self.can(perm):
            raise PermissionDeniedException(message)

    def require_tenant_triage(self) -> None:
        if not self.can("triage"):
            raise PermissionDeniedException("只有本辖区的受理人员可以办理下级上报的事项")

    def own_org_ids(self) -> Select:
        return select(UserOrganization.organization_id).where(UserOrganization.user_id == self.user_id)

    def led_org_ids(self) -> Select:
        """Organizations that are current members of a cluster the principal leads (ClusterLeader
        with their user, not ended) — a liaison's reach with ``lists:triage_own``."""
        led = select(ClusterLeader.cluster_id).where(ClusterLeader.user_id == self.user_id,
                                                     ClusterLeader.ended_on.is_(None))
        return select(ClusterMember.organization_id).where(
            ClusterMember.cluster_id.in_(led), ClusterMember.left_on.is_(None), ClusterMember.organization_id.is_not(None))

    def own_resource_ids(self) -> Select:
        return select(ListResource.id).where(ListResource.provider_user_id == self.user_id)

    def demand_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        conds: list[ColumnElement[bool]] = []
        if self.can("submit"):
            conds.append(ListDemand.organization_id.in_(self.own_org_ids()))
            conds.append(ListDemand.submitted_by_id == self.user_id)
        if self.can("triage_own"):
            conds.append(ListDemand.organization_id.in_(self.led_org_ids()))
        if self.can("offer"):
            conds.append(ListDemand.status.in_(OPEN_STATUSES))
            conds.append(ListDemand.id.in_(
                select(ListWork.demand_id).join(ListWorkResource, ListWorkResource.work_id == ListWork.id)
                .where(ListWorkResource.resource_id.in_(self.own_resource_ids()))))
            conds.append(ListDemand.id.in_(select(ListWork.demand_id).where(ListWork.claimed_by_id == self.user_id)))
        return or_(*conds) if conds else false()

    def resource_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        return or_(ListResource.status == "active", ListResource.provider_user_id == self.user_id)

    def work_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        visible = select(ListDemand.id).where(self.demand_clause())
        return or_(ListWork.demand_id.in_(visible), ListWork.claimed_by_id == self.user_id,
                   ListWork.owner_user_id == self.user_id)


def is_requester(session: Session, access: Access, demand: ListDemand) -> bool:
    """The principal asked for this demand: submitted it, or is a secretary of its organization."""
    if access.user_id is None:
        return False
    if demand.submitted_by_id == access.user_id:
        return True
    return demand.organization_id is not None and bool(session.scalar(
        select(UserOrganization.id).where(UserOrganization.user_id == access.user_id,
                                          UserOrganization.organization_id == demand.organization_id)))


def get_demand(session: Session, access: Access, demand_id: int) -> ListDemand:
    demand = session.scalar(select(ListDemand).where(ListDemand.id == demand_id, access.demand_clause()))
    if demand is None:  # another tenant's or one this principal may not see
        raise NotFoundException("需求不存在")
    return demand


def get_resource(session: Session, access: Access, resource_id: int) -> ListResource:
    res = session.scalar(select(ListResource).where(ListResource.id == resource_id, access.resource_clause()))
    if res is None:
        raise NotFoundException("资源不存在")
    return res


def get_work(session: Session, access: Access, work_id: int) -> ListWork:
    work = session.scalar(select(ListWork).where(ListWork.id == work_id, access.work_clause()))
    if work is None:
        raise NotFoundException("清单事项不存在")
    return work


def get_station(session: Session, station_id: int) -> Site:
    station = find_station(session, station_id)
    if station is None:
        raise NotFoundException("服务站不存在")
    return station