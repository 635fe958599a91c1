"""The demo's 东方红街道 and 望月湖街道 (membership enabled by tenants/*.toml), plus a third street
with membership enabled and its own staff — it must never see a transfer between the two."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from core.db import scoped_session
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.tenancy import TenantInfo, tree
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    dfh: TenantInfo
    wyh: TenantInfo
    third: TenantInfo
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def world(database) -> World:
    tag = unique("")
    third = make_tenants("m", [("3", "第三街道", "street", "yuelu")], plugins=("membership",), tag=tag)["3"]
    dfh, wyh = tree().by_slug["dongfanghong"], tree().by_slug["wangyuehu"]
    users, _ids = make_users("m", [("dfh_viewer", "viewer", dfh), ("third_staff", "staff", third),
                                   ("wyh_viewer", "viewer", wyh)], tag=tag)
    return World(dfh, wyh, third, users)


def new_member(tenant_id: int, name: str | None = None, **over) -> tuple[int, int]:
    """A full member in a party org of the tenant (created if it has none): (member id, party org id)."""
    with scoped_session(tenant_id) as s:
        po = s.scalar(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None)).order_by(PartyOrg.id).limit(1))
        if po is None:
            po = PartyOrg(name=f"测试党支部{unique('')}", org_type="branch")
            s.add(po)
            s.flush()
        m = Member(name=name or f"测试党员{unique('')}", status="full", party_org_id=po.id, **over)
        s.add(m)
        s.flush()
        return m.id, po.id


def secretary_org(tenant_id: int, username: str) -> int:
    """The organization linked to the org secretary ``username`` (demo: dfh_secretary)."""
    from core.models import User
    from core.registry.models import UserOrganization

    with scoped_session(tenant_id) as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        return s.scalar(select(UserOrganization.organization_id).where(UserOrganization.user_id == uid).limit(1))


def party_org_of(tenant_id: int, organization_id: int) -> int:
    with scoped_session(tenant_id) as s:
        po = s.scalar(select(PartyOrgCoverage.party_org_id).where(PartyOrgCoverage.organization_id == organization_id)
                      .limit(1))
        assert po is not None, s.get(Organization, organization_id).name
        return po
