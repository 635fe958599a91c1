"""A fresh little world for the lists engine: its own district with two streets (lists enabled),
another district with a street, organizations and users in every role. Nothing here touches
the demo tenants, so the tests never depend on — or change — what other tests see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType

import pytest
from sqlalchemy import select

from core import revisions
from core.db import scoped_session
from core.hookspecs import hookimpl
from core.models import Tenant, User
from core.permissions import build_catalog
from core.plugins import registry
from core.registry.models import Organization, UserOrganization
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import TenantInfo, operator_session, tree
from plugins.lists.service import Access
from plugins.lists.types import Choice, ListScheme, Urgency
from tests.helpers import unique

PASSWORD = "demo1234"
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


def _tenant(s, slug: str, name: str, level: str, parent_id: int | None) -> Tenant:
    return create_tenant(s, TenantForm(slug=slug, name=name, level=level, parent_id=parent_id))


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    reg = registry()
    roles = build_catalog(reg.pm).roles
    changsha = tree().by_slug["changsha"].id
    with operator_session("test") as s:
        d = _tenant(s, f"ld-{tag}", f"清单测试区{tag}", "district", changsha)
        od = _tenant(s, f"lo-{tag}", f"清单另一区{tag}", "district", changsha)
    revisions.poll(force=True)  # the tree knows the districts now
    with operator_session("test") as s:
        s1 = _tenant(s, f"ls1-{tag}", f"清单测试一街道{tag}", "street", d.id)
        s2 = _tenant(s, f"ls2-{tag}", f"清单测试二街道{tag}", "street", d.id)
        os_ = _tenant(s, f"los-{tag}", f"清单另一街道{tag}", "street", od.id)
    revisions.poll(force=True)
    with operator_session("test") as s:
        for t in (d, s1, s2, od, os_):
            reg.set_enabled(s, t, "lists", True)
        users, ids = {}, {}
        for key, role, tenant in (("staff", "staff", s1), ("sec_a", "org_secretary", s1),
                                  ("sec_b", "org_secretary", s1), ("provider", "lists_provider", s1),
                                  ("provider2", "lists_provider", s1), ("viewer", "viewer", s1),
                                  ("dstaff", "staff", d), ("s2staff", "staff", s2), ("ostaff", "staff", od)):
            name = f"l{key}_{tag}"
            u = create_user(s, name, PASSWORD, f"{key}用户", seeded=True)
            grant_role(s, u, role, tenant.id, roles)
            users[key], ids[key] = name, u.id
        ids_ = {k: t.id for k, t in (("d", d), ("s1", s1), ("s2", s2), ("od", od), ("os", os_))}
    revisions.poll(force=True)
    t = tree()
    w = World(t.by_id[ids_["d"]], t.by_id[ids_["s1"]], t.by_id[ids_["s2"]], t.by_id[ids_["od"]],
              t.by_id[ids_["os"]], users, ids)
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


def user_id(username: str) -> int:
    with scoped_session() as s:
        return s.scalar(select(User.id).where(User.username == username))


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
