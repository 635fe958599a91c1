"""Who sees which members here: everyone with ``membership:read`` sees the tenant's members,
except an org secretary (``registry:write_own`` without ``registry:write``), who sees only the
members working in their own organizations and the party orgs covering those — the registry's
rule (:func:`core.registry.services.members.org_scope`), applied to transfers, dues and points.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import Member, PartyOrg, PartyOrgCoverage
from core.registry.services.members import org_scope


class Scope:
    """``orgs is None``: no object-level limit; otherwise the organization ids of the user."""

    def __init__(self, orgs: frozenset[int] | None):
        self.orgs = orgs

    @classmethod
    def of(cls, session: Session, user_id: int, perms: Iterable[str]) -> Scope:
        return cls(org_scope(session, user_id, perms))

    @property
    def limited(self) -> bool:
        return self.orgs is not None

    def member_clause(self):
        """SQL condition on :class:`Member` (``None``: every member)."""
        if self.orgs is None:
            return None
        return Member.organization_id.in_(self.orgs or {-1})

    def member_ids(self):
        """A subquery of the visible members' ids (``None``: every member)."""
        if self.orgs is None:
            return None
        return select(Member.id).where(Member.organization_id.in_(self.orgs or {-1}))

    def party_org_ids(self, session: Session) -> set[int] | None:
        if self.orgs is None:
            return None
        return set(session.scalars(select(PartyOrgCoverage.party_org_id)
                                   .where(PartyOrgCoverage.organization_id.in_(self.orgs or {-1}))))

    def sees_member(self, member: Member | None) -> bool:
        return member is not None and (self.orgs is None or member.organization_id in self.orgs)

    def sees_party_org(self, session: Session, party_org_id: int | None) -> bool:
        ids = self.party_org_ids(session)
        return ids is None or party_org_id in ids


def party_org_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    stmt = select(PartyOrg.id, PartyOrg.name).where(PartyOrg.dissolved_on.is_(None))
    ids = scope.party_org_ids(session)
    if ids is not None:
        stmt = stmt.where(PartyOrg.id.in_(ids or {-1}))
    return [tuple(r) for r in session.execute(stmt.order_by(PartyOrg.name).limit(2000))]
