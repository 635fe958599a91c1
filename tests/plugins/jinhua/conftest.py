"""A fresh county under 金华市 with a street, a sibling county, the jinhua program enabled in each,
founding units, organizations in the county and the street, and users in the program's roles."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.db import scoped_session
from core.registry.models import Organization
from core.tenancy import TenantInfo
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    county: TenantInfo
    street: TenantInfo
    other: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    from plugins.units import api as units

    t = make_tenants("jh", [("c", "金华测试县", "district", "jinhua"), ("s", "金华测试街道", "street", "c"),
                            ("o", "金华另一测试县", "district", "jinhua")], plugins=("jinhua",))
    w = World(t["c"], t["s"], t["o"])
    with scoped_session(w.county.id) as s:
        s.info["username"] = "test"
        for key, kind, name in (("park", "jinhua.park_committee", "测试园区管委会"),
                                ("chamber", "jinhua.chamber", "测试商会"),
                                ("regulator", "jinhua.market_regulator", "测试市场监管所")):
            w.units[key] = units.create_unit(s, w.county, {"name": name, "kind": kind}).id
        for i in range(3):
            o = Organization(name=f"县测试企业{i}", kind="enterprise", employees=30)
            s.add(o)
            s.flush()
            w.orgs[f"c{i}"] = o.id
    with scoped_session(w.street.id) as s:
        o = Organization(name="街道测试企业", kind="enterprise", employees=20)
        s.add(o)
        s.flush()
        w.orgs["s0"] = o.id
    w.users, w.ids = make_users("jh", [("staff", "staff", w.county), ("liaison", "jinhua_liaison", w.county),
                                       ("street", "staff", w.street), ("other", "staff", w.other)])
    return w


@pytest.fixture
def login_as(client):
    from tests.helpers import login

    return lambda username: login(client, username)
