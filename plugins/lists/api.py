"""The lists engine's public API for program plugins: demands (需求), resources (资源), work items
(清单事项) and service stations.

Programs reach the lists only through this module (never ``plugins.lists.service``). Functions
take a SQLAlchemy session scoped to one tenant; writes flush and leave the commit to the caller.

Reads
-----
:func:`demands` / :func:`resources` build the engine's own list queries (the same filters and
visibility rules as its pages) for a principal; count or page them. Queries of a program's own
may select from :class:`ListDemand`, :class:`ListResource`, :class:`ListWork` and
:class:`Site` (the sites block's table: a service station is a site of kind
:data:`STATION_KIND`, its ``grade`` the level 街道 / 社区) (read only) and must add the principal's ``access.demand_clause()``,
``resource_clause()`` or ``work_clause()``.

Writes
------
Writes act for an :class:`Access` (``access_of(ctx)``, or ``system_access()`` for demo data and
jobs). Bad input raises :class:`core.forms.FormErrors` keyed by the field names below, with
Chinese messages, before anything is written; a refused state change is keyed ``status``;
missing rights raise ``PermissionDeniedException``.

Fields of a demand (:func:`submit_demand`)
    ``organization_id`` (required) · ``title`` (required, ≤ 100) · ``category`` (required, a key
    of the scheme's ``categories``) · ``urgency`` (default the first) · ``action_tag`` ·
    ``station_id`` (taken at a service station; staff only) · ``contact_name`` · ``description``.
Fields of a resource (:func:`create_resource`)
    ``title`` (required, ≤ 100) · ``provider_kind`` · ``provider_name`` · ``category`` ·
    ``capacity`` (1–100000) · ``contact_name`` · ``contact_phone`` · ``valid_until`` (ISO date) ·
    ``description``.
Fields of a match (:func:`match`)
    ``resource_ids`` (required) · ``owner_name`` (required) · ``owner_role`` · ``kind`` ·
    ``title`` · ``deadline`` · ``triage_level`` · ``note``.
Other steps: :func:`accept` (``triage_level``), :func:`complete_work` (``result``, required),
:func:`resolve` (``resolution`` required, ``triage_level``), :func:`rate` (``rating`` 1–5,
``rating_comment``), :func:`create_station` (``name`` required, ``level``, ``community``,
``address``).

Example (a program's form submitting a demand for an enterprise)::

    from plugins.lists import api as lists

    demand = lists.submit_demand(session, lists.access_of(ctx), ctx.tenant, {
        "organization_id": str(org.id), "title": "招聘数控技工", "category": "talent"}, today)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.lists import service as _svc
from plugins.lists.models import ListDemand, ListResource, ListWork
from plugins.lists.types import Choice, EffectiveScheme, ListScheme, Urgency
from plugins.sites.api import Site

__all__ = [
    "OPEN_STATUSES", "STATUSES", "WORK_ACTIVE", "Access", "Choice", "EffectiveScheme", "ListDemand", "ListResource",
    "ListScheme", "ListWork", "STATION_KIND", "Site", "Urgency", "accept", "access_of", "check_resource", "cluster_org_ids",
    "complete_work", "counters", "create_resource", "create_station", "demands", "load_demo", "match", "rate",
    "record_solved", "resolve", "resources", "rollup", "scheme", "submit_demand", "system_access",
]

Access = _svc.Access
#: demand states, key → label
STATUSES = _svc.STATUSES
#: the states of a demand still being handled (submitted, accepted, in_progress)
OPEN_STATUSES = _svc.OPEN_STATUSES
#: the site kind of a service station (sites block)
STATION_KIND = _svc.STATION_KIND
#: the states of a work item still being handled
WORK_ACTIVE = _svc.WORK_ACTIVE


def access_of(ctx) -> Access:
    """The signed-in principal of a request ``ctx``, with their lists rights."""
    return _svc.Access.of(ctx)


def system_access(username: str = "system") -> Access:
    """A principal with the staff rights (read, write, triage) — demo data, scheduled jobs."""
    return _svc.Access(None, username, frozenset({"lists:read", "lists:write", "lists:triage"}))


def scheme(tenant: TenantInfo) -> EffectiveScheme:
    """The tenant's vocabularies (categories, urgencies, triage levels, special actions …): the
    engine's defaults merged with the schemes its enabled programs register."""
    return _svc.scheme_for(tenant)


def demands(access: Access, today: dt.date, **filters: str) -> Select:
    """The demand list's query for ``access`` (newest first). Filters as on the page: ``q``,
    ``status`` (a state, or ``open`` / ``closed`` / ``solved``), ``category``, ``urgency``,
    ``triage``, ``action``, ``channel``, ``station``, ``org``, ``cluster``, ``sla``
    (``overdue`` / ``due_soon``), ``escalated``, ``year``."""
    return _svc.demand_select(access, _svc.DemandFilter(**filters), today)


def resources(access: Access, today: dt.date, **filters: str) -> Select:
    """The resource list's query for ``access``. Filters: ``q``, ``category``, ``provider_kind``,
    ``status``, ``available`` (``1``: can take a demand today; ``expired``), ``mine``."""
    return _svc.resource_select(access, _svc.ResourceFilter(**filters), today)


def cluster_org_ids(cluster_id: int, today: dt.date) -> Select:
    """Ids of the organizations in a cluster on ``today`` (members, and those its member party
    orgs cover) — the set the demand list's ``cluster`` filter uses."""
    return _svc.cluster_org_ids(cluster_id, today)


def counters(session: Session, tenant: TenantInfo, today: dt.date, year: int | None = None,
             organization_ids: Iterable[int] | None = None) -> _svc.Counters:
    """The list dashboard's numbers for ``year`` (default: today's) over the session's scope:
    solved this year, open, overdue, on-time rate, average days to close, average rating, by
    category and by triage level (optionally for some organizations only)."""
    return _svc.counters(session, scheme(tenant), today, year, organization_ids)


def rollup(session: Session, tenant_ids: Iterable[int], today: dt.date, year: int | None = None) -> list:
    """Per tenant of ``tenant_ids`` (a roll-up session over a subtree): open, overdue and solved."""
    return _svc.rollup(session, tenant_ids, today, year)


# --- writes ---------------------------------------------------------------------------------------


def create_station(session: Session, access: Access, fields: Mapping[str, Any]) -> Site:
    """Open a service station (staff): a site of kind :data:`STATION_KIND` (``level`` → its grade)."""
    return _svc.create_station(session, access, fields)


def submit_demand(session: Session, access: Access, tenant: TenantInfo, fields: Mapping[str, Any],
                  today: dt.date) -> ListDemand:
    """A new demand (a secretary for their own organization, or staff on its behalf); its SLA
    deadline follows the urgency."""
    return _svc.submit_demand(session, access, scheme(tenant), fields, today)


def accept(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand, fields: Mapping[str, Any],
           today: dt.date) -> ListDemand:
    """受理: submitted → accepted, optionally with ``triage_level``."""
    return _svc.accept(session, access, scheme(tenant), demand, fields, today)


def match(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand, fields: Mapping[str, Any],
          today: dt.date) -> ListWork:
    """Link the demand to resources as a work item with an owner; the demand moves to 办理中."""
    return _svc.match(session, access, scheme(tenant), demand, fields, today)


def complete_work(session: Session, access: Access, work: ListWork, fields: Mapping[str, Any],
                  today: dt.date) -> ListWork:
    """Finish a work item with its ``result``."""
    return _svc.complete_work(session, access, work, fields, today)


def resolve(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand, fields: Mapping[str, Any],
            today: dt.date) -> ListDemand:
    """办结: in progress → resolved (every work item finished or cancelled first)."""
    return _svc.resolve(session, access, scheme(tenant), demand, fields, today)


def record_solved(session: Session, access: Access, tenant: TenantInfo, rows: list[Mapping[str, Any]]
                  ) -> list[ListDemand]:
    """Demands already met, written at once in their final state (resolved, one finished work item
    on one resource each): a program's demo history or records carried over — one insert per table
    instead of five transitions per demand. Row keys and checks: ``plugins.lists.resources.record_solved``."""
    return _svc.record_solved(session, access, scheme(tenant), rows)


def rate(session: Session, access: Access, demand: ListDemand, fields: Mapping[str, Any],
         today: dt.date) -> ListDemand:
    """评价 by the requester (or staff on their behalf): ``rating`` 1–5 and ``rating_comment``."""
    return _svc.rate(session, access, demand, fields, today)


def check_resource(session: Session, access: Access, tenant: TenantInfo, fields: Mapping[str, Any],
                   today: dt.date) -> None:
    """Validate resource fields without saving (raises :class:`~core.forms.FormErrors`)."""
    _svc.clean_resource(session, access, scheme(tenant), fields, today)


def create_resource(session: Session, access: Access, tenant: TenantInfo, fields: Mapping[str, Any],
                    today: dt.date) -> ListResource:
    """Register a resource offer (staff any; a provider their own)."""
    return _svc.create_resource(session, access, scheme(tenant), fields, today)


def load_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    """The engine's generic demo rows for ``tenant`` (only on an empty list); a program's demo
    calls it first when it builds on them."""
    from plugins.lists.demo import make_demo

    make_demo(session, tenant, today)
