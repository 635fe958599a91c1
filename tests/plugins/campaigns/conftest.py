"""A fresh little world for the campaigns engine: a district with two streets, another district
with a street (campaigns enabled everywhere), users in each, and a test program that registers a
campaign template. Nothing here touches the demo tenants."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.hookspecs import hookimpl
from core.plugins import registry
from core.tenancy import TenantInfo
from plugins.campaigns.types import CampaignTemplate, PhaseTemplate, TaskTemplate
from tests.helpers import unique
from tests.worlds import make_tenants, make_users


@dataclass
class World:
    district: TenantInfo
    street: TenantInfo
    street2: TenantInfo
    other_district: TenantInfo
    other_street: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("c", [("d", "计划测试区", "district", "changsha"), ("od", "计划另一区", "district", "changsha"),
                           ("s1", "计划一街道", "street", "d"), ("s2", "计划二街道", "street", "d"),
                           ("os", "计划另一街道", "street", "od")], plugins=("campaigns",), tag=tag)
    users, ids = make_users("c", [("dstaff", "staff", t["d"]), ("staff", "staff", t["s1"]), ("s2staff", "staff", t["s2"]),
                                  ("viewer", "viewer", t["s1"]), ("ostaff", "staff", t["od"]),
                                  ("osstaff", "staff", t["os"])], tag=tag)
    return World(t["d"], t["s1"], t["s2"], t["od"], t["os"], users, ids)


FOUR_STEPS = CampaignTemplate(
    key="testprog.four_steps",
    label="四步走（测试）",
    phases=(
        PhaseTemplate("调查摸底", (TaskTemplate("摸清两新组织底数", due="3月底"),)),
        PhaseTemplate("会议动员、成立联组", (TaskTemplate("召开动员大会", due="4月中旬"),
                                            TaskTemplate("成立联合党组", offset_days=120))),
        PhaseTemplate("持续推进", (TaskTemplate("开展联建活动", due="全年"),)),
        PhaseTemplate("总结提升、选树典型", (TaskTemplate("评选优秀联组", due="12月中旬"),)),
    ),
)


def make_program(events: list) -> ModuleType:
    module = ModuleType("testprog_campaigns")

    @hookimpl
    def register_campaign_templates(tenant):
        return [FOUR_STEPS]

    @hookimpl
    def on_campaign_task_transition(session, tenant, task, action, old_status, new_status):
        events.append((tenant.id, task.id, action, old_status, new_status))

    module.register_campaign_templates = register_campaign_templates
    module.on_campaign_task_transition = on_campaign_task_transition
    return module


@pytest.fixture
def program():
    reg = registry()
    events: list = []
    with reg.installed(make_program(events), "testprog_campaigns"):
        yield events
