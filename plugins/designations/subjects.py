"""The subject kinds the block knows without any plugin — the registry's organizations, party
orgs and members — and the tenant's registry of subject kinds (these plus the ones plugins
register through ``register_designation_subjects``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import search
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.tenancy import TenantInfo
from plugins.designations.types import SubjectType


def _names(model):
    def names(session: Session, ids: Sequence[int]) -> dict[int, str]:
        ids = [i for i in set(ids) if isinstance(i, int)]
        if not ids:
            return {}
        return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())

    return names


def _options(model, *where):
    def options(session: Session, q: str = "", limit: int = 500) -> list[tuple[int, str]]:
        stmt = select(model.id, model.name).where(*where)
        if q:
            stmt = stmt.where(search.matches(q, model.name))
        return [(i, n) for i, n in session.execute(stmt.order_by(model.name).limit(limit))]

    return options


def _organization_itself(session: Session, subject_id: int) -> list[int]:
    return [subject_id]


def _covered(session: Session, subject_id: int) -> list[int]:
    return list(session.scalars(select(PartyOrgCoverage.organization_id)
                                .where(PartyOrgCoverage.party_org_id == subject_id)))


BUILTIN = (
    SubjectType("organization", "两新组织", _names(Organization),
                _options(Organization, Organization.status == "operating"), "organizations/{id}",
                _organization_itself, order=10),
    SubjectType("party_org", "党组织", _names(PartyOrg), _options(PartyOrg, PartyOrg.dissolved_on.is_(None)),
                "party-orgs/{id}", _covered, order=20),
    SubjectType("member", "党员", _names(Member), _options(Member), "members/{id}", None, order=30),
)


def subject_types(tenant: TenantInfo) -> dict[str, SubjectType]:
    """key → subject type for ``tenant``: the built-in ones, then those its plugins register."""
    from core.plugins import registry

    found = {s.key: s for s in BUILTIN}
    for batch in registry().hooks_for(tenant.id).register_designation_subjects(tenant=tenant):
        for st in batch or ():
            found.setdefault(st.key, st)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def site_subject() -> SubjectType:
    """The ``sites`` block's places as a subject kind (``site``), read through its api. A site
    run by an organization is blocked while that organization is on the blacklist."""
    from plugins.sites import api as sites

    Site = sites.Site

    def organizations(session: Session, subject_id: int) -> list[int]:
        site = sites.get_site(session, subject_id)
        if site is None or site.manager_id is None:
            return []
        if site.manager_kind == "organization":
            return [site.manager_id]
        if site.manager_kind == "party_org":
            return _covered(session, site.manager_id)
        return []

    return SubjectType("site", "阵地与站点", _names(Site), _options(Site, Site.active.is_(True)), "sites/{id}",
                       organizations, order=40)
