"""A fresh world for the sites block: a district with two streets (sites and checklists enabled),
a party org in street A and one in street B, users in several roles."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.db import scoped_session
from core.registry.models import PartyOrg
from core.tenancy import TenantInfo
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    d: TenantInfo
    a: TenantInfo
    b: TenantInfo
    party_org: int = 0
    b_party_org: int = 0
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("st", [("d", "阵地测试区", "district", "yuelu"), ("a", "阵地测试甲街道", "street", "d"),
                            ("b", "阵地测试乙街道", "street", "d")], plugins=("sites", "checklists", "units"), tag=tag)
    users, _ = make_users("st", [("staff", "staff", t["a"]), ("viewer", "viewer", t["a"]),
                                 ("instructor", "instructor", t["a"]), ("staff_b", "staff", t["b"]),
                                 ("dviewer", "viewer", t["d"])], tag=tag)
    w = World(t["d"], t["a"], t["b"], users=users)
    with scoped_session(w.a.id) as s:
        po = PartyOrg(name=f"阵地测试党支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        w.party_org = po.id
    with scoped_session(w.b.id) as s:
        po = PartyOrg(name=f"乙街道阵地支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        w.b_party_org = po.id
    return w
