"""A fresh world for the indicators block: district D with streets S1 and S2, another district O with
street OS (isolation), the block enabled everywhere, fixed registry data and users.

Registry data (operating organizations, covered = a live party org covers it):

====== ====================== ======================= ============================
tenant social (covered/total)  enterprise (cov./total)  party orgs founded in 2025
====== ====================== ======================= ============================
S1     3 / 4                   1 / 2                    2 (and 1 in 2024)
S2     1 / 1                   0 / 2                    1
D      4 / 5 → 80%             1 / 4 → 25%              3
====== ====================== ======================= ============================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import Organization, PartyOrg, PartyOrgCoverage
from core.tenancy import TenantInfo
from plugins.indicators.api import Indicator, with_default
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    d: TenantInfo
    s1: TenantInfo
    s2: TenantInfo
    o: TenantInfo
    os: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    tag: str = ""


def _orgs(tenant: TenantInfo, tag: str, kind: str, covered: int, uncovered: int, founded: list[dt.date]) -> None:
    with scoped_session(tenant.id) as s:
        orgs = [Organization(name=f"指标测试{kind}{i}{tag}{tenant.id}", kind=kind) for i in range(covered + uncovered)]
        s.add_all(orgs)
        s.flush()
        for i, org in enumerate(orgs[:covered]):
            po = PartyOrg(name=f"指标测试{kind}支部{i}{tag}{tenant.id}", org_type="branch",
                          founded_on=founded[i] if i < len(founded) else dt.date(2020, 1, 1))
            s.add(po)
            s.flush()
            s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org.id))


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("ind", [("d", "指标测试区", "district", "changsha"),
                             ("s1", "指标测试甲街道", "street", "d"), ("s2", "指标测试乙街道", "street", "d"),
                             ("o", "指标测试另区", "district", "changsha"), ("os", "指标测试另区街道", "street", "o")],
                     plugins=("indicators",), tag=tag)
    users, _ids = make_users("ind", [("dstaff", "staff", t["d"]), ("dviewer", "viewer", t["d"]),
                                     ("s1staff", "staff", t["s1"]), ("s1viewer", "viewer", t["s1"]),
                                     ("s1sec", "org_secretary", t["s1"]), ("ostaff", "staff", t["o"])], tag=tag)
    y25 = [dt.date(2025, 3, 1), dt.date(2025, 11, 30), dt.date(2024, 6, 1)]
    _orgs(t["s1"], tag, "social", 3, 1, y25)
    _orgs(t["s1"], tag, "enterprise", 1, 1, [])
    _orgs(t["s2"], tag, "social", 1, 0, [dt.date(2025, 7, 1)])
    _orgs(t["s2"], tag, "enterprise", 0, 2, [])
    _orgs(t["os"], tag, "social", 1, 1, [dt.date(2025, 2, 1)])
    return World(t["d"], t["s1"], t["s2"], t["o"], t["os"], users=users, tag=tag)


#: a program's indicators: the seed's figures as defaults (001 at district level), and an entered one
PROGRAM_INDICATORS = [
    with_default("indicators.coverage_social", "96.5", levels=("district",)),
    with_default("indicators.coverage_enterprise", "94.6", levels=("district",)),
    with_default("indicators.new_party_orgs", 38, levels=("district",)),
    Indicator("testind.model_points", "新增示范点（测试）", "个", default_target=10, period_kind="year"),
    Indicator("testind.own_only", "本级专项（测试）", "项", rollup="own"),
]


@pytest.fixture
def program():
    module = ModuleType("testind")
    module.register_indicators = hookimpl(lambda tenant: PROGRAM_INDICATORS)
    with registry().installed(module, "testind"):
        yield module
