"""A fresh district with two streets, the nanhu program enabled everywhere, fixed registry rows
(so every NH-1 figure is known in advance) and users in the program's roles. The demo tenants stay
untouched except where a test reads the 南湖新区 demo figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from core import clock
from core.db import scoped_session
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.tenancy import TenantInfo
from plugins.nanhu.program import ALLIANCE
from tests.worlds import make_tenants, make_users

PLUGINS = ("nanhu",)  # its building blocks are enabled with it


@dataclass
class World:
    district: TenantInfo
    a: TenantInfo
    b: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)
    party_orgs: dict[str, int] = field(default_factory=dict)


def _org(s, name: str, kind: str, covered_by: PartyOrg | None = None, members: int = 0, work: bool = False) -> Organization:
    o = Organization(name=name, kind=kind, party_work_active=work, employees=50)
    s.add(o)
    s.flush()
    if covered_by is not None:
        s.add(PartyOrgCoverage(party_org_id=covered_by.id, organization_id=o.id))
    for k in range(members):
        s.add(Member(name=f"{name}党员{k}", organization_id=o.id, status="full",
                     party_org_id=covered_by.id if covered_by else None))
    return o


def _street_registry(tenant: TenantInfo, tag: str, social: tuple[int, int], enterprise: tuple[int, int],
                     new_branches: int, uncovered_with_members: int = 0) -> tuple[dict[str, int], dict[str, int]]:
    """``social``/``enterprise``: (covered, total); ``new_branches`` founded 100 days ago."""
    today = clock.today()
    orgs, pos = {}, {}
    with scoped_session(tenant.id) as s:
        for kind, (covered, total) in (("social", social), ("enterprise", enterprise)):
            for i in range(total):
                po = None
                if i < covered:
                    founded = today - dt.timedelta(days=100 if i < new_branches and kind == "enterprise" else 900)
                    po = PartyOrg(name=f"{tag}{kind}党支部{i}", org_type="branch", founded_on=founded)
                    s.add(po)
                    s.flush()
                    pos[f"{kind}{i}"] = po.id
                members = 3 if po is not None or i - covered < uncovered_with_members else 0
                o = _org(s, f"{tag}{kind}组织{i}", kind, po, members=members, work=po is not None)
                orgs[f"{kind}{i}"] = o.id
    return orgs, pos


@pytest.fixture(scope="module")
def world(database) -> World:
    t = make_tenants("nh", [("d", "南湖测试区", "district", "yueyang"), ("a", "南湖测试甲街道", "street", "d"),
                            ("b", "南湖测试乙街道", "street", "d")], plugins=PLUGINS)
    w = World(t["d"], t["a"], t["b"])
    # street a: social 3/4 (75 %), enterprise 4/5 (80 %), 2 new branches; every org with members has a branch
    orgs, pos = _street_registry(w.a, "甲", (3, 4), (4, 5), 2)
    w.orgs.update({f"a.{k}": v for k, v in orgs.items()})
    w.party_orgs.update({f"a.{k}": v for k, v in pos.items()})
    # street b: social 1/1, enterprise 1/2 with one uncovered enterprise that has members
    orgs, pos = _street_registry(w.b, "乙", (1, 1), (1, 2), 1, uncovered_with_members=1)
    w.orgs.update({f"b.{k}": v for k, v in orgs.items()})
    w.party_orgs.update({f"b.{k}": v for k, v in pos.items()})
    # the district's own enterprises in an alliance (the ordering flow)
    with scoped_session(w.district.id) as s:
        e1 = _org(s, "区直测试企业甲", "enterprise")
        e2 = _org(s, "区直测试企业乙", "enterprise")
        c = Cluster(cluster_type=ALLIANCE, name="测试产业链党建联盟", attributes={"chain": "电子信息"})
        s.add(c)
        s.flush()
        s.add_all([ClusterMember(cluster_id=c.id, organization_id=e1.id), ClusterMember(cluster_id=c.id, organization_id=e2.id)])
        e3 = _org(s, "区直测试企业丙", "enterprise")
        c2 = Cluster(cluster_type=ALLIANCE, name="测试第二产业链党建联盟", attributes={"chain": "现代物流"})
        s.add(c2)
        s.flush()
        s.add(ClusterMember(cluster_id=c2.id, organization_id=e3.id))
        w.orgs.update({"d.e1": e1.id, "d.e2": e2.id, "d.e3": e3.id, "alliance": c.id, "alliance2": c2.id})
    # two helping units (区直部门) of the district, each 帮扶 the district's own branch; the 共建 rounds assess them
    from plugins.units import api as units

    with scoped_session(w.district.id) as s:
        helper_po = PartyOrg(name="区直测试企业甲党支部", org_type="branch")
        s.add(helper_po)
        s.flush()
        for key, name in (("u1", "区测试发展改革局"), ("u2", "区测试人社局")):
            unit = units.create_unit(s, w.district, {"name": name, "kind": "department", "duties": "帮扶两新党组织"})
            units.create_pairing(s, w.district, {
                "kind": "nanhu.bangfu", "holder_type": "unit", "unit_id": str(unit.id), "target_type": "party_org",
                "party_org_id": str(helper_po.id)}, clock.today())
            w.orgs[key] = unit.id
        w.party_orgs["d.helped"] = helper_po.id
    w.users, w.ids = make_users("nh", [
        ("staff", "staff", w.district), ("viewer", "viewer", w.district), ("secretary", "org_secretary", w.district),
        ("alliance", "nanhu_alliance", w.district), ("department", "nanhu_department", w.district),
        ("street_staff", "staff", w.a),
    ])
    with scoped_session(w.district.id) as s:
        s.add(UserOrganization(user_id=w.ids["secretary"], organization_id=w.orgs["d.e1"]))
        # the alliance role's user is the first alliance's 联络员 (a cluster leader with a user)
        s.add(ClusterLeader(cluster_id=w.orgs["alliance"], title="liaison", person_name="联盟联络员",
                            user_id=w.ids["alliance"]))
    return w


@pytest.fixture
def login_as(client):
    from tests.helpers import login

    return lambda username: login(client, username)
