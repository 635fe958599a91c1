"""A fresh world for the designations block: two streets under 岳麓区 with assessment +
designations enabled; in street A three organizations, a branch covering one of them only, a
joint branch covering two, a member; users in every role."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.db import scoped_session
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.tenancy import TenantInfo
from tests.helpers import login, unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    a: TenantInfo
    b: TenantInfo
    tag: str
    orgs: list[int] = field(default_factory=list)
    branch: int = 0  # covers orgs[0] only
    joint: int = 0  # covers orgs[1] and orgs[2]
    member: int = 0
    b_org: int = 0
    users: dict[str, str] = field(default_factory=dict)


def make_org(tenant_id: int, name: str) -> int:
    with scoped_session(tenant_id) as s:
        o = Organization(name=name, kind="enterprise")
        s.add(o)
        s.flush()
        return o.id


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("dz", [("a", "称号测试甲街道", "street", "yuelu"), ("b", "称号测试乙街道", "street", "yuelu")],
                     plugins=("assessment", "designations"), tag=tag)
    a, b = t["a"], t["b"]
    users, _ids = make_users("dz", [("staff", "staff", a), ("staff2", "staff", a), ("admin", "tenant_admin", a),
                                    ("viewer", "viewer", a), ("instructor", "instructor", a),
                                    ("secretary", "org_secretary", a), ("staff_b", "staff", b)], tag=tag)
    w = World(a, b, tag, users=users)
    w.orgs = [make_org(a.id, f"称号测试{n}公司{tag}") for n in ("甲", "乙", "丙")]
    with scoped_session(a.id) as s:
        branch = PartyOrg(name=f"称号测试甲公司党支部{tag}", org_type="branch")
        joint = PartyOrg(name=f"称号测试乙丙联合党支部{tag}", org_type="joint_branch", formation_mode="joint")
        s.add_all([branch, joint])
        s.flush()
        s.add_all([PartyOrgCoverage(party_org_id=branch.id, organization_id=w.orgs[0]),
                   PartyOrgCoverage(party_org_id=joint.id, organization_id=w.orgs[1]),
                   PartyOrgCoverage(party_org_id=joint.id, organization_id=w.orgs[2])])
        m = Member(name=f"称号测试党员{tag}", status="full", party_org_id=branch.id, organization_id=w.orgs[0])
        s.add(m)
        s.flush()
        w.branch, w.joint, w.member = branch.id, joint.id, m.id
    w.b_org = make_org(b.id, f"乙街道企业{tag}")
    return w


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in
