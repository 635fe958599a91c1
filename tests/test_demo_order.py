"""Demo data loads engine before program, and a program's demo rows cannot suppress the engine's."""

from __future__ import annotations

import types

from sqlalchemy import select

from core import events  # noqa: F401  (after-commit cache invalidation, as in the app)
from core.db import open_session, scoped_session
from core.demo import load_tenant_demo
from core.hookspecs import hookimpl
from core.plugin_types import PluginMeta
from core.plugins import registry
from core.registry.models import PartyOrg
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import operator_session, tree
from plugins.activities import api as activities
from plugins.activities.demo import THEME_TITLE
from tests.helpers import unique

PROGRAM_TITLE = "程序自己的演示活动"


def _program(calls: list[str]) -> types.ModuleType:
    """A program on the activities engine whose demo records an activity of its own type."""
    module = types.ModuleType("demoorder_program")
    module.meta = PluginMeta(name="demoorder", label="演示顺序测试程序", depends=("activities",))

    def register_activity_types(tenant):
        return [activities.ActivityType("demoorder.visit", "走访", ("party_org",))]

    def register_demo_data(session, tenant):
        engine_first = bool(session.scalar(select(activities.Activity.id).where(activities.Activity.title == THEME_TITLE)))
        calls.append(f"demoorder after engine: {engine_first}")
        if session.scalar(select(activities.Activity.id).where(activities.Activity.title == PROGRAM_TITLE)):
            return
        po = session.scalar(select(PartyOrg).order_by(PartyOrg.id))
        activities.create_activity(session, activities.system_access(), tenant, {
            "activity_type": "demoorder.visit", "organizer": f"party_org:{po.id}", "title": PROGRAM_TITLE,
            "date": "2026-01-05", "start_time": "09:00", "end_time": "10:00"})

    module.register_activity_types = hookimpl(register_activity_types)
    module.register_demo_data = hookimpl(register_demo_data)
    return module


def _street():
    slug = unique("demo-order-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"演示顺序街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    street = tree().by_slug[slug]
    with scoped_session(street.id) as s:
        s.add(PartyOrg(name=f"演示顺序党支部{slug}", org_type="branch"))
    return street


def _titles(street) -> set[str]:
    with open_session(street.id) as s:
        return set(s.scalars(select(activities.Activity.title)))


def test_engines_load_before_the_programs_built_on_them(database):
    calls: list[str] = []
    street = _street()
    reg = registry()
    with reg.installed(_program(calls)):
        assert reg.order.index("activities") < reg.order.index("demoorder")
        with operator_session() as s:
            reg.set_enabled(s, street, "demoorder", True)
        load_tenant_demo(street)
        assert calls == ["demoorder after engine: True"]  # the engine's demo ran before the program's
        assert {THEME_TITLE, PROGRAM_TITLE} <= _titles(street)
        first = _count(street)
        load_tenant_demo(street)  # idempotent, per row
    assert _count(street) == first


def _count(street) -> int:
    with open_session(street.id) as s:
        return len(s.scalars(select(activities.Activity.id)).all())


def test_a_programs_demo_rows_do_not_suppress_the_engines(database):
    """Even run first, a program's activity leaves the engine's demo to load."""
    calls: list[str] = []
    street = _street()
    reg = registry()
    with reg.installed(_program(calls)):
        with operator_session() as s:
            reg.set_enabled(s, street, "demoorder", True)
        with scoped_session(street.id) as s:
            reg.hooks_of("demoorder").register_demo_data(session=s, tenant=street)
        assert _titles(street) == {PROGRAM_TITLE}
        with scoped_session(street.id) as s:
            activities.load_demo(s, street)
    assert {THEME_TITLE, PROGRAM_TITLE} <= _titles(street)
