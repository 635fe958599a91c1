"""A fresh world for the funds engine: two streets under 岳麓区 with assessment + funds enabled,
party orgs and a cluster in street A, users, and a test program (assessment template + reward rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import Cluster, PartyOrg
from core.tenancy import TenantInfo
from plugins.assessment.types import AssessmentTemplate, Criterion, Section
from plugins.funds.types import RewardRule
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    a: TenantInfo
    b: TenantInfo
    party_orgs: list[int] = field(default_factory=list)
    cluster: int = 0
    b_party_org: int = 0
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("f", [("a", "经费测试甲街道", "street", "yuelu"), ("b", "经费测试乙街道", "street", "yuelu")],
                     plugins=("assessment", "funds"), tag=tag)
    a, b = t["a"], t["b"]
    users, _ids = make_users("f", [("staff", "staff", a), ("admin", "tenant_admin", a), ("viewer", "viewer", a),
                                   ("secretary", "org_secretary", a), ("staff_b", "staff", b)], tag=tag)
    w = World(a, b, users=users)
    with scoped_session(w.a.id) as s:
        pos = [PartyOrg(name=f"经费测试党支部{i}{tag}", org_type="branch") for i in (1, 2, 3)]
        cl = Cluster(cluster_type="core.group", name=f"经费测试联组{tag}")
        s.add_all(pos + [cl])
        s.flush()
        w.party_orgs, w.cluster = [p.id for p in pos], cl.id
    with scoped_session(w.b.id) as s:
        po = PartyOrg(name=f"乙街道支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        w.b_party_org = po.id
    return w


TEMPLATE = AssessmentTemplate(
    key="testfunds.po_year", label="测试党组织年度考核", target_kind="party_org", period_kind="year",
    sections=(Section("all", "综合", (Criterion("work", "党建工作", 100),)),),
)
RULE = RewardRule(key="testfunds.excellent", label="优秀党组织奖励", template_key="testfunds.po_year",
                  rank_fen={1: 500000}, grade_fen={"优秀": 200000})


@pytest.fixture
def program():
    module = ModuleType("testprog_funds")

    @hookimpl
    def register_assessment_templates(tenant):
        return [TEMPLATE]

    @hookimpl
    def register_reward_rules(tenant):
        return [RULE]

    module.register_assessment_templates = register_assessment_templates
    module.register_reward_rules = register_reward_rules
    reg = registry()
    with reg.installed(module, "testprog_funds"):
        yield module
