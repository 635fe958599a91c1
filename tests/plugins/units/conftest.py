"""A fresh world for the units plugin: two streets under 岳麓区 with units enabled, party orgs and
organizations in street A, users in every role, and a test program that registers a unit kind
and a pairing kind with rules (成员单位每季至少走访 1 次, each member unit ≥ 1 pairing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import Member, Organization, PartyOrg
from core.tenancy import TenantInfo
from plugins.units.api import PairingKind, UnitKind
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    a: TenantInfo
    b: TenantInfo
    tag: str = ""
    party_orgs: list[int] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)
    member: int = 0
    b_party_org: int = 0
    b_org: int = 0
    users: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("u", [("a", "单位测试甲街道", "street", "yuelu"), ("b", "单位测试乙街道", "street", "yuelu")],
                     plugins=("units",), tag=tag)
    users, ids = make_users("u", [("staff", "staff", t["a"]), ("admin", "tenant_admin", t["a"]),
                                  ("viewer", "viewer", t["a"]), ("instructor", "instructor", t["a"]),
                                  ("secretary", "org_secretary", t["a"]), ("staff_b", "staff", t["b"])], tag=tag)
    w = World(t["a"], t["b"], tag=tag, users=users, user_ids=ids)
    with scoped_session(w.a.id) as s:
        pos = [PartyOrg(name=f"单位测试党支部{i}{tag}", org_type="branch") for i in (1, 2, 3)]
        orgs = [Organization(name=f"单位测试科技有限公司{i}{tag}", kind="enterprise") for i in (1, 2)]
        s.add_all(pos + orgs)
        s.flush()
        m = Member(name=f"党员甲{tag}", status="full", party_org_id=pos[0].id)
        s.add(m)
        s.flush()
        w.party_orgs, w.orgs, w.member = [p.id for p in pos], [o.id for o in orgs], m.id
    with scoped_session(w.b.id) as s:
        po = PartyOrg(name=f"乙街道支部{tag}", org_type="branch")
        org = Organization(name=f"乙街道公司{tag}", kind="enterprise")
        s.add_all([po, org])
        s.flush()
        w.b_party_org, w.b_org = po.id, org.id
    return w


#: the 004 rule as a program states it: 成员单位每季至少走访 1 次, each member unit contacts ≥ 1
CONTACT = PairingKind("testunits.contact", "联系走访", holder_unit_kinds=("test_member",),
                      target_types=("organization",), min_pairings=1, visits=1, period="quarter")
MEMBER_KIND = UnitKind("test_member", "测试成员单位")
#: the 001 rule: 每名党工委班子成员至少联点 1 个两新党组织 (here: every instructor of the street)
LIANDIAN = PairingKind("testunits.liandian", "联点", holder_types=("user",), holder_roles=("instructor",),
                       target_types=("party_org",), min_pairings=1, visits=0)


@pytest.fixture
def program():
    module = ModuleType("testprog_units")

    @hookimpl
    def register_unit_kinds(tenant):
        return [MEMBER_KIND]

    @hookimpl
    def register_pairing_kinds(tenant):
        return [CONTACT, LIANDIAN]

    module.register_unit_kinds = register_unit_kinds
    module.register_pairing_kinds = register_pairing_kinds
    with registry().installed(module, "testprog_units"):
        yield module
