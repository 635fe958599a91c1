"""A fresh little world for the campaigns engine: a district with two streets, another district
with a street (campaigns enabled everywhere), users in each, and a test program that registers a
campaign template. Nothing here touches the demo tenants."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core import revisions
from core.hookspecs import hookimpl
from core.permissions import build_catalog
from core.plugins import registry
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import TenantInfo, operator_session, tree
from plugins.campaigns.types import CampaignTemplate, PhaseTemplate, TaskTemplate
from tests.helpers import unique

PASSWORD = "demo1234"


@dataclass
class World:
    district: TenantInfo
    street: TenantInfo
    street2: TenantInfo
    other_district: TenantInfo
    other_street: TenantInfo
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _tenant(s, slug, name, level, parent_id):
    return create_tenant(s, TenantForm(slug=slug, name=name, level=level, parent_id=parent_id))


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    reg = registry()
    roles = build_catalog(reg.pm).roles
    changsha = tree().by_slug["changsha"].id
    with operator_session("test") as s:
        d = _tenant(s, f"cd-{tag}", f"计划测试区{tag}", "district", changsha)
        od = _tenant(s, f"co-{tag}", f"计划另一区{tag}", "district", changsha)
    revisions.poll(force=True)
    with operator_session("test") as s:
        s1 = _tenant(s, f"cs1-{tag}", f"计划一街道{tag}", "street", d.id)
        s2 = _tenant(s, f"cs2-{tag}", f"计划二街道{tag}", "street", d.id)
        os_ = _tenant(s, f"cos-{tag}", f"计划另一街道{tag}", "street", od.id)
    revisions.poll(force=True)
    with operator_session("test") as s:
        for t in (d, s1, s2, od, os_):
            reg.set_enabled(s, t, "campaigns", True)
        users, ids = {}, {}
        for key, role, tenant in (("dstaff", "staff", d), ("staff", "staff", s1), ("s2staff", "staff", s2),
                                  ("viewer", "viewer", s1), ("ostaff", "staff", od), ("osstaff", "staff", os_)):
            name = f"c{key}_{tag}"
            u = create_user(s, name, PASSWORD, f"{key}用户", seeded=True)
            grant_role(s, u, role, tenant.id, roles)
            users[key], ids[key] = name, u.id
        tids = {k: t.id for k, t in (("d", d), ("s1", s1), ("s2", s2), ("od", od), ("os", os_))}
    revisions.poll(force=True)
    t = tree()
    return World(t.by_id[tids["d"]], t.by_id[tids["s1"]], t.by_id[tids["s2"]], t.by_id[tids["od"]],
                 t.by_id[tids["os"]], users, ids)


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
