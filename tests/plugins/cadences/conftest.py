"""A fresh world for the cadences block: district D with streets S1 and S2 (assessment, campaigns and
cadences enabled), another district O (isolation), party orgs in S1 and D, users, and a test program
registering a monthly assessment template and a campaign template."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import PartyOrg
from core.tenancy import TenantInfo
from plugins.assessment.api import AssessmentTemplate, Criterion, Section
from plugins.campaigns.api import CampaignTemplate, PhaseTemplate, TaskTemplate
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    d: TenantInfo
    s1: TenantInfo
    s2: TenantInfo
    o: TenantInfo
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("cad", [("d", "周期测试区", "district", "changsha"), ("s1", "周期测试甲街道", "street", "d"),
                             ("s2", "周期测试乙街道", "street", "d"), ("o", "周期测试另区", "district", "changsha")],
                     plugins=("assessment", "campaigns", "cadences"), tag=tag)
    users, _ids = make_users("cad", [("dstaff", "staff", t["d"]), ("s1staff", "staff", t["s1"]),
                                     ("s1viewer", "viewer", t["s1"]), ("ostaff", "staff", t["o"])], tag=tag)
    for key in ("s1", "d"):
        with scoped_session(t[key].id) as s:
            s.add_all([PartyOrg(name=f"周期测试支部{i}{tag}{key}", org_type="branch") for i in (1, 2)])
    return World(t["d"], t["s1"], t["s2"], t["o"], users=users)


MONTHLY = AssessmentTemplate(
    key="testcad.monthly_check", label="党务月度检查（测试）", target_kind="party_org", period_kind="month",
    sections=(Section("all", "检查", (Criterion("meeting", "三会一课", 100),)),))
HALF = CampaignTemplate(key="testcad.showcase", label="半年晒拼创（测试）", phases=(
    PhaseTemplate("晒拼创", (TaskTemplate("报送亮点工作", offset_days=20),)),))


@pytest.fixture
def program():
    module = ModuleType("testcad")
    module.register_assessment_templates = hookimpl(lambda tenant: [MONTHLY])
    module.register_campaign_templates = hookimpl(lambda tenant: [HALF])
    with registry().installed(module, "testcad"):
        yield module
