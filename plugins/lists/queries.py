"""The lists' list queries and their filters (demands, resources, work items), with the SLA
states and the small lookups the pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from core import search
from core.forms import FormErrors, text
from core.models import User
from core.registry.models import Cluster, ClusterMember, PartyOrgCoverage
from core.web.listing import PAGE_SIZE, PageOf, paginate
from plugins.lists.access import Access
from plugins.lists.models import ListDemand, ListResource, ListWork, ListWorkResource
from plugins.lists.states import (
    ESCALATION_STATUSES,
    OPEN_STATUSES,
    RESOURCE_STATUSES,
    SOLVED_STATUSES,
    WORK_ACTIVE,
)


def works_of(session: Session, demand_id: int) -> list[ListWork]:
    return list(session.scalars(select(ListWork).where(ListWork.demand_id == demand_id).order_by(ListWork.id)))
# --- lists and filters ------------------------------------------------------------------------


class Filter:
    KEYS: tuple[str, ...] = ()

    def __init__(self, **values: str) -> None:
        for k in self.KEYS:
            setattr(self, k, str(values.get(k, "") or "").strip())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]):
        return cls(**{k: text(data, k) for k in cls.KEYS})

    def query(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}


class DemandFilter(Filter):
    KEYS = ("q", "status", "category", "urgency", "triage", "action", "channel", "station", "org", "sla",
            "escalated", "year", "cluster")

    def check(self, session: Session) -> None:
        """Refuse a ``cluster`` that is not one of the tenant's clusters (FormErrors naming it)."""
        if self.cluster and (not self.cluster.isdigit() or session.scalar(
                select(Cluster.id).where(Cluster.id == int(self.cluster))) is None):
            raise FormErrors({"cluster": "组团不存在"})


def clusters(session: Session) -> list[Cluster]:
    """The tenant's clusters (archived ones last) for the demand list's filter."""
    return list(session.scalars(select(Cluster).order_by(Cluster.archived_on.is_not(None), Cluster.name, Cluster.id)))


def cluster_org_ids(cluster_id: int, today: dt.date) -> Select:
    """Organizations in a cluster on ``today``: current organization members, and those covered by
    its current party-org members (a joint group's members are party orgs)."""
    current = and_(ClusterMember.cluster_id == cluster_id,
                   or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > today))
    direct = select(ClusterMember.organization_id).where(current, ClusterMember.organization_id.is_not(None))
    covered = (select(PartyOrgCoverage.organization_id)
               .join(ClusterMember, ClusterMember.party_org_id == PartyOrgCoverage.party_org_id).where(current))
    return direct.union(covered)


def demand_select(access: Access, f: DemandFilter, today: dt.date) -> Select:
    stmt = select(ListDemand).where(access.demand_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListDemand.title, ListDemand.org_name, ListDemand.description))
    if f.status == "open":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES))
    elif f.status == "solved":
        stmt = stmt.where(ListDemand.status.in_(SOLVED_STATUSES))
    elif f.status == "closed":
        stmt = stmt.where(ListDemand.status.not_in(OPEN_STATUSES))
    elif f.status:
        stmt = stmt.where(ListDemand.status == f.status)
    for key, column in (("category", ListDemand.category), ("urgency", ListDemand.urgency),
                        ("triage", ListDemand.triage_level), ("action", ListDemand.action_tag),
                        ("channel", ListDemand.channel)):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(column == ("" if value == "none" else value))
    if f.station.isdigit():
        stmt = stmt.where(ListDemand.station_id == int(f.station))
    if f.org.isdigit():
        stmt = stmt.where(ListDemand.organization_id == int(f.org))
    if f.cluster.isdigit():
        stmt = stmt.where(ListDemand.organization_id.in_(cluster_org_ids(int(f.cluster), today)))
    if f.sla == "overdue":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES), ListDemand.due_on < today)
    elif f.sla == "due_soon":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES), ListDemand.due_on >= today,
                          ListDemand.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS))
    if f.escalated in ESCALATION_STATUSES:
        stmt = stmt.where(ListDemand.escalation_status == f.escalated)
    elif f.escalated == "1":
        stmt = stmt.where(ListDemand.escalation_status != "")
    if f.year.isdigit() and len(f.year) == 4:
        y = int(f.year)
        stmt = stmt.where(ListDemand.submitted_on >= dt.date(y, 1, 1), ListDemand.submitted_on <= dt.date(y, 12, 31))
    return stmt.order_by(ListDemand.submitted_on.desc(), ListDemand.id.desc())


def list_demands(session: Session, access: Access, f: DemandFilter, today: dt.date, page: int = 1,
                 page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, demand_select(access, f, today), page, page_size)


DUE_SOON_DAYS = 2


def sla_state(demand: ListDemand, today: dt.date) -> str:
    """``overdue`` / ``due_soon`` / ``ok`` for an open demand, ``""`` once it is closed."""
    if demand.status not in OPEN_STATUSES:
        return ""
    if demand.due_on < today:
        return "overdue"
    if demand.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def overdue_days(demand: ListDemand, today: dt.date) -> int:
    return (today - demand.due_on).days if sla_state(demand, today) == "overdue" else 0


def work_overdue(work: ListWork, today: dt.date) -> bool:
    return work.status in WORK_ACTIVE and work.deadline is not None and work.deadline < today


class ResourceFilter(Filter):
    KEYS = ("q", "category", "provider_kind", "status", "available", "mine")


def resource_select(access: Access, f: ResourceFilter, today: dt.date) -> Select:
    stmt = select(ListResource).where(access.resource_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListResource.title, ListResource.provider_name, ListResource.description))
    if f.category:
        stmt = stmt.where(ListResource.category == f.category)
    if f.provider_kind:
        stmt = stmt.where(ListResource.provider_kind == f.provider_kind)
    if f.status in RESOURCE_STATUSES:
        stmt = stmt.where(ListResource.status == f.status)
    if f.available == "1":
        stmt = stmt.where(ListResource.status == "active",
                          or_(ListResource.valid_until.is_(None), ListResource.valid_until >= today))
    elif f.available == "expired":
        stmt = stmt.where(ListResource.valid_until < today)
    if f.mine == "1":
        stmt = stmt.where(ListResource.provider_user_id == access.user_id)
    return stmt.order_by(ListResource.status, ListResource.title, ListResource.id)


def list_resources(session: Session, access: Access, f: ResourceFilter, today: dt.date, page: int = 1,
                   page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, resource_select(access, f, today), page, page_size)


class WorkFilter(Filter):
    KEYS = ("q", "kind", "status", "triage", "role", "overdue", "side", "mine")


def work_select(access: Access, f: WorkFilter, today: dt.date) -> Select:
    stmt = select(ListWork).where(access.work_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListWork.title, ListWork.owner_name))
    for key, column in (("kind", ListWork.kind), ("triage", ListWork.triage_level),
                        ("role", ListWork.owner_role), ("side", ListWork.claim_side)):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(column == value)
    if f.status == "active":
        stmt = stmt.where(ListWork.status.in_(WORK_ACTIVE))
    elif f.status:
        stmt = stmt.where(ListWork.status == f.status)
    if f.overdue == "1":
        stmt = stmt.where(ListWork.status.in_(WORK_ACTIVE), ListWork.deadline < today)
    if f.mine == "1":
        stmt = stmt.where(or_(ListWork.owner_user_id == access.user_id, ListWork.claimed_by_id == access.user_id))
    return stmt.order_by(ListWork.deadline.is_(None), ListWork.deadline, ListWork.id)


def list_works(session: Session, access: Access, f: WorkFilter, today: dt.date, page: int = 1,
               page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, work_select(access, f, today), page, page_size)


def resources_of_works(session: Session, work_ids: list[int]) -> dict[int, list[ListResource]]:
    if not work_ids:
        return {}
    out: dict[int, list[ListResource]] = {}
    rows = session.execute(select(ListWorkResource.work_id, ListResource)
                           .join(ListResource, ListResource.id == ListWorkResource.resource_id)
                           .where(ListWorkResource.work_id.in_(work_ids)).order_by(ListResource.id))
    for wid, res in rows:
        out.setdefault(wid, []).append(res)
    return out


def demands_by_id(session: Session, ids: Iterable[int]) -> dict[int, ListDemand]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(ListDemand).where(ListDemand.id.in_(ids)))}


def works_of_resource(session: Session, resource_id: int) -> list[ListWork]:
    return list(session.scalars(select(ListWork).join(ListWorkResource, ListWorkResource.work_id == ListWork.id)
                                .where(ListWorkResource.resource_id == resource_id).order_by(ListWork.id.desc())))


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: (u.display_name or u.username) for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def own_open_demands(session: Session, access: Access) -> list[ListDemand]:
    """The requester's demands that can still take a claim."""
    if not access.can("submit") or access.user_id is None:
        return []
    return list(session.scalars(
        select(ListDemand).where(ListDemand.status.in_(OPEN_STATUSES),
                                 or_(ListDemand.organization_id.in_(access.own_org_ids()),
                                     ListDemand.submitted_by_id == access.user_id))
        .order_by(ListDemand.submitted_on.desc(), ListDemand.id.desc()).limit(200)))
