"""A fresh street with the dongfanghong program enabled: organizations in three communities,
party orgs covering them with members, users in every role. The demo tenants stay untouched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from core.db import scoped_session
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage
from core.registry.services import clusters as cl
from core.tenancy import TenantInfo
from plugins.dongfanghong import service as svc
from tests.helpers import unique
from tests.worlds import make_tenants, make_users

COMMUNITIES = ("甲社区", "乙社区", "丙社区", "丁村")


@dataclass
class World:
    street: TenantInfo
    other: TenantInfo  # a street with the program enabled too (cross-tenant checks)
    bare: TenantInfo  # a street without the program
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    party_orgs: list[int] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)


def make_registry(s, tag: str, n: int = 12) -> tuple[list[int], list[int]]:
    """n party orgs, each covering one organization in one of the communities, with 1..n members."""
    parent = PartyOrg(name=f"两新综合党委{tag}", org_type="committee")
    s.add(parent)
    s.flush()
    pos, orgs = [], []
    for i in range(n):
        o = Organization(name=f"测试企业{tag}-{i:02d}", kind="enterprise", community=COMMUNITIES[i % 4])
        p = PartyOrg(name=f"测试党支部{tag}-{i:02d}", org_type="branch", parent_id=parent.id)
        s.add_all([o, p])
        s.flush()
        s.add(PartyOrgCoverage(party_org_id=p.id, organization_id=o.id))
        for k in range(1 + i % 5):
            s.add(Member(name=f"党员{i}-{k}", party_org_id=p.id, organization_id=o.id, status="full"))
        pos.append(p.id)
        orgs.append(o.id)
    s.flush()
    return pos, orgs


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("dfh", [("t", "联组测试街道", "street", "yuelu"), ("o", "联组另一街道", "street", "yuelu")],
                     plugins=("dongfanghong",), tag=tag)
    t |= make_tenants("dfh", [("b", "未开通街道", "street", "yuelu")], tag=tag)
    street, other, bare = t["t"], t["o"], t["b"]
    users, ids = make_users("dfh", [("staff", "staff", street), ("staff2", "staff", street),
                                    ("leader_a", "org_secretary", street), ("leader_b", "org_secretary", street),
                                    ("deputy_a", "org_secretary", street), ("viewer", "viewer", street),
                                    ("ostaff", "staff", other), ("bstaff", "staff", bare)], tag=tag)
    w = World(street, other, bare, users, ids)
    with scoped_session(w.street.id) as s:
        w.party_orgs, w.orgs = make_registry(s, tag)
    with scoped_session(w.other.id) as s:
        make_registry(s, tag + "o", 3)
    return w


@pytest.fixture(scope="module")
def groups(world):
    """Apply the regroup proposal (3 groups) through the service and set leaders: leader_a 组长 of
    the first group, deputy_a 副组长 there, leader_b 组长 of the second group."""
    with scoped_session(world.street.id) as s:
        made = svc.apply_regroup(s, 3, on=dt.date(2026, 1, 5))
        types = cl.cluster_types(world.street)
        for g, (lead, deps) in zip(made, (("leader_a", ("deputy_a", None)), ("leader_b", (None, None)), (None, (None, None))), strict=False):
            l = cl.add_leader(s, g, {"title": "leader", "person_name": f"组长{g.id}", "letter_no": f"聘{g.id}-1",
                                     "appointed_on": "2026-01-05", "organization": str(world.orgs[0])}, types)
            l.user_id = world.ids[lead] if lead else None
            for i, d in enumerate(deps):
                x = cl.add_leader(s, g, {"title": "deputy", "person_name": f"副组长{g.id}-{i}",
                                         "appointed_on": "2026-01-05", "organization": str(world.orgs[1])}, types)
                x.user_id = world.ids[d] if d else None
        return [g.id for g in made]
