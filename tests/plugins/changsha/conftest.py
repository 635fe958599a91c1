"""A fresh district with two streets and a sibling district with one street (under 岳阳市, so the
长沙 demo figures stay exact), the changsha program enabled everywhere, fixed registry rows and
users in the program's roles. Built once per module."""

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
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.tenancy import TenantInfo
from tests.worlds import make_tenants, make_users

PLUGINS = ("changsha",)  # its building blocks are enabled with it


@dataclass
class World:
    district: TenantInfo
    a: TenantInfo
    b: TenantInfo
    sibling: TenantInfo
    s: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _org(s, name: str, kind: str = "enterprise") -> Organization:
    o = Organization(name=name, kind=kind, employees=30)
    s.add(o)
    s.flush()
    return o


def _cover(s, org: Organization, name: str, org_type: str = "branch") -> PartyOrg:
    po = PartyOrg(name=name, org_type=org_type, founded_on=clock.today() - dt.timedelta(days=100))
    s.add(po)
    s.flush()
    s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org.id))
    return po


def _point(s, tenant: TenantInfo, name: str, kind: str, sides: tuple[str, ...], orgs: list[Organization]) -> Cluster:
    c = Cluster(cluster_type=kind, name=name, area=tenant.name)
    s.add(c)
    s.flush()
    for o in orgs:
        s.add(ClusterMember(cluster_id=c.id, organization_id=o.id, member_tenant_id=tenant.id))
    for side in sides:
        s.add(ClusterLeader(cluster_id=c.id, title=side, person_name=f"{side}代表人"))
    s.flush()
    return c


@pytest.fixture(scope="module")
def world(database) -> World:
    t = make_tenants("cs", [("d", "长沙测试区", "district", "yueyang"), ("a", "长沙测试甲街道", "street", "d"),
                            ("b", "长沙测试乙街道", "street", "d"), ("x", "长沙测试兄弟区", "district", "yueyang"),
                            ("s", "长沙测试兄弟街道", "street", "x")], plugins=PLUGINS)
    w = World(t["d"], t["a"], t["b"], t["x"], t["s"])
    with scoped_session(w.a.id) as s:
        e1, e2, e3 = _org(s, "甲楼宇企业一"), _org(s, "甲楼宇企业二"), _org(s, "甲楼宇企业三")
        hq = _org(s, "甲平台总部")
        branch = _org(s, "甲平台网点")
        assoc = _org(s, "甲快递协会", "social")
        c1 = _point(s, w.a, "甲科技大厦党建点", "changsha.building", ("operator", "enterprise"), [e1, e2])
        c2 = _point(s, w.a, "甲商圈党建点", "changsha.circle", ("operator", "enterprise", "department"), [e3])
        po_a = _cover(s, e1, "甲企业党支部")
        w.rows.update(a_point=c1.id, a_circle=c2.id, a_e1=e1.id, a_hq=hq.id, a_branch=branch.id, a_assoc=assoc.id,
                      a_po=po_a.id)
    with scoped_session(w.b.id) as s:
        e = _org(s, "乙市场企业")
        c = _point(s, w.b, "乙专业市场党建点", "changsha.market", ("operator",), [e])
        po_b = _cover(s, e, "乙企业党支部")
        w.rows.update(b_point=c.id, b_org=e.id, b_po=po_b.id)
    with scoped_session(w.s.id) as s:
        e = _org(s, "兄弟街道企业")
        c = _point(s, w.s, "兄弟楼宇党建点", "changsha.building", tuple(), [e])
        w.rows.update(s_point=c.id, s_org=e.id)
    # CS-3: the district's chain committee with an enterprise party org of each street
    with scoped_session(w.district.id) as s:
        committee = PartyOrg(name="测试产业链党委", org_type="committee")
        s.add(committee)
        s.flush()
        chain = Cluster(cluster_type="changsha.chain", name="测试智能制造产业链党委", lead_party_org_id=committee.id,
                        attributes={"chain": "智能制造"})
        s.add(chain)
        s.flush()
        s.add_all([ClusterMember(cluster_id=chain.id, party_org_id=w.rows["a_po"], member_tenant_id=w.a.id),
                   ClusterMember(cluster_id=chain.id, party_org_id=w.rows["b_po"], member_tenant_id=w.b.id)])
        for title in ("secretary", "backbone", "department"):
            s.add(ClusterLeader(cluster_id=chain.id, title=title, person_name=f"{title}委员"))
        w.rows["chain"] = chain.id
    w.users, w.ids = make_users("cs", [
        ("staff_a", "staff", w.a), ("viewer_a", "viewer", w.a), ("staff_b", "staff", w.b),
        ("staff_d", "staff", w.district), ("staff_x", "staff", w.sibling),
    ])
    return w


@pytest.fixture
def login_as(client):
    from tests.helpers import login

    return lambda username: login(client, username)
