"""A fresh little world for the lists engine: its own district with two streets (lists enabled),
another district with a street, organizations and users in every role. Nothing here touches
the demo tenants, so the tests never depend on — or change — what other tests see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import Organization, UserOrganization
from core.tenancy import TenantInfo
from plugins.lists.service import Access
from plugins.lists.types import Choice, ListScheme, Urgency
from tests.helpers import unique
from tests.worlds import make_tenants, make_users

TODAY = dt.date(2024, 6, 10)


@dataclass
class World:
    district: TenantInfo
    street: TenantInfo
    street2: TenantInfo
    other_district: TenantInfo
    other_street: TenantInfo
    users: dict[str, str] = field(default_factory=dict)  # role key → username
    ids: dict[str, int] = field(default_factory=dict)  # role key → user id
    orgs: dict[str, int] = field(default_factory=dict)  # key → organization id

    def access(self, who: str, *perms: str) -> Access:
        return Access(self.ids[who], self.users[who], frozenset(perms))


STAFF_PERMS = ("lists:read", "lists:write", "lists:triage")


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("l", [("d", "清单测试区", "district", "changsha"), ("od", "清单另一区", "district", "changsha"),
                           ("s1", "清单测试一街道", "street", "d"), ("s2", "清单测试二街道", "street", "d"),
                           ("os", "清单另一街道", "street", "od")], plugins=("lists",), tag=tag)
    s1 = t["s1"]
    users, ids = make_users("l", [("staff", "staff", s1), ("sec_a", "org_secretary", s1),
                                  ("sec_b", "org_secretary", s1), ("provider", "lists_provider", s1),
                                  ("provider2", "lists_provider", s1), ("viewer", "viewer", s1),
                                  ("dstaff", "staff", t["d"]), ("s2staff", "staff", t["s2"]),
                                  ("ostaff", "staff", t["od"])], tag=tag)
    w = World(t["d"], s1, t["s2"], t["od"], t["os"], users, ids)
    for key, tenant in (("a", w.street), ("b", w.street), ("c", w.street2), ("x", w.other_street)):
        with scoped_session(tenant.id) as s:
            org = Organization(name=f"清单测试企业{key.upper()}{tag}", kind="enterprise")
            s.add(org)
            s.flush()
            w.orgs[key] = org.id
    with scoped_session(w.street.id) as s:
        s.add(UserOrganization(user_id=ids["sec_a"], organization_id=w.orgs["a"]))
        s.add(UserOrganization(user_id=ids["sec_b"], organization_id=w.orgs["b"]))
    return w




# --- a test program that configures the engine ------------------------------------------------

PROGRAM_SCHEME = ListScheme(
    key="testprog.golden_channel",
    label="金渠道（测试）",
    work_lists=(Choice("task", "任务清单"),),
    categories=(("policy", "惠企政策"), ("incubation", "企业孵化"), ("legal", "法律")),
    urgencies=(Urgency("normal", "一般", 10), ("urgent", "紧急", 3)),
    claimer_roles=("政策宣讲员", "政企联络员", "困难协调员", "企业服务员"),
    special_actions=(("solve", "我为企业解个难"), ("deed", "我为企业办实事"), ("advice", "我为发展支个招")),
    station_label="工作服务站",
    order=10,
)


def make_program(*schemes: ListScheme, events: list | None = None) -> ModuleType:
    module = ModuleType("testprog_lists")

    @hookimpl
    def register_list_schemes(tenant):
        return list(schemes)

    module.register_list_schemes = register_list_schemes
    if events is not None:

        @hookimpl
        def on_list_demand_transition(session, tenant, demand, action, old_status, new_status):
            events.append((tenant.id, demand.id, action, old_status, new_status))

        module.on_list_demand_transition = on_list_demand_transition
    return module


@pytest.fixture
def program():
    """Register a test program (its scheme reaches every tenant while registered)."""
    reg = registry()
    events: list = []
    module = make_program(PROGRAM_SCHEME, events=events)
    with reg.installed(module, "testprog_lists"):
        yield events
