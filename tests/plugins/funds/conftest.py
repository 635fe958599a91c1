"""A fresh world for the funds engine: two streets under 岳麓区 with assessment + funds enabled,
party orgs and a cluster in street A, users, and a test program (assessment template + reward rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core import revisions
from core.db import scoped_session
from core.hookspecs import hookimpl
from core.permissions import build_catalog
from core.plugins import registry
from core.registry.models import Cluster, PartyOrg
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import TenantInfo, operator_session, tree
from plugins.assessment.types import AssessmentTemplate, Criterion, Section
from plugins.funds.types import RewardRule
from tests.helpers import unique

PASSWORD = "demo1234"


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
    reg = registry()
    roles = build_catalog(reg.pm).roles
    yuelu = tree().by_slug["yuelu"].id
    with operator_session("test") as s:
        a = create_tenant(s, TenantForm(slug=f"fa-{tag}", name=f"经费测试甲街道{tag}", level="street", parent_id=yuelu))
        b = create_tenant(s, TenantForm(slug=f"fb-{tag}", name=f"经费测试乙街道{tag}", level="street", parent_id=yuelu))
    revisions.poll(force=True)
    with operator_session("test") as s:
        for t in (a, b):
            reg.set_enabled(s, t, "assessment", True)
            reg.set_enabled(s, t, "funds", True)
        users = {}
        for key, role, tenant in (("staff", "staff", a), ("admin", "tenant_admin", a), ("viewer", "viewer", a),
                                  ("secretary", "org_secretary", a), ("staff_b", "staff", b)):
            name = f"f{key}_{tag}"
            u = create_user(s, name, PASSWORD, f"{key}用户", seeded=True)
            grant_role(s, u, role, tenant.id, roles)
            users[key] = name
        ids = (a.id, b.id)
    revisions.poll(force=True)
    w = World(tree().by_id[ids[0]], tree().by_id[ids[1]], users=users)
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
