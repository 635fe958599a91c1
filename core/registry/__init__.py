"""The registry (台账) — a part of the core written as a plugin of the core's own hooks.

Always enabled. Pages live at ``/t/<slug>/organizations`` … and the API at
``/api/t/<slug>/organizations`` …; each web module exports ``ROUTES`` and ``API_ROUTES``.
Permissions, roles, ``components/`` and ``static/`` follow the plugin conventions
(:func:`core.plugins.conventions`).
"""

from __future__ import annotations

import importlib

from core import clock
from core.hookspecs import hookimpl
from core.i18n import gettext as _
from core.plugin_types import NavItem, Permission, Role, Widget
from core.registry.services import (
    coverage_summary,  # its session listeners keep the figures current
)

WEB_MODULES = ("organizations", "party_orgs", "members", "instructors", "clusters", "coverage", "imports", "pick",
               "extensions")

PERMISSIONS = [
    Permission("registry:read", "查看台账"),
    Permission("registry:write", "编辑台账"),
    Permission("registry:write_own", "编辑本组织的台账（书记）"),
    Permission("registry:import", "导入台账"),
    Permission("members:reveal", "查看完整身份证号和手机号"),
    Permission("instructors:visit", "记录指导员走访"),
    Permission("clusters:write", "管理联组/联盟等组团"),
    Permission("coverage:read", "查看两个覆盖"),
]

ROLES = [
    Role("tenant_admin", permissions=("registry:read", "registry:write", "registry:import", "members:reveal",
                                      "instructors:visit", "clusters:write", "coverage:read")),
    Role("staff", permissions=("registry:read", "registry:write", "registry:import", "members:reveal",
                               "instructors:visit", "clusters:write", "coverage:read")),
    Role("instructor", permissions=("registry:read", "instructors:visit", "coverage:read")),
    Role("org_secretary", permissions=("registry:read", "registry:write_own")),
    Role("viewer", permissions=("registry:read", "coverage:read")),
]


def _web(name: str):
    return importlib.import_module(f"core.registry.web.{name}")


@hookimpl
def register_models():
    from core.registry.importer import ImportJob
    from core.registry.mapping import ImportMapping
    from core.registry.models import REGISTRY_TABLES

    return [*REGISTRY_TABLES, ImportJob, ImportMapping]


@hookimpl
def register_routes():
    return [r for m in WEB_MODULES for r in _web(m).ROUTES]


@hookimpl
def register_api_routes():
    return [r for m in WEB_MODULES for r in _web(m).API_ROUTES]


@hookimpl
def register_cluster_types(tenant):
    from core.registry.services.clusters import builtin_cluster_types

    return builtin_cluster_types(tenant)


@hookimpl
def register_import_kinds(tenant):
    from core.registry.import_kinds import registry_kinds

    return registry_kinds(tenant)


@hookimpl
def register_dashboard_widgets(viewer):
    from core.registry.widgets import coverage_widget

    if not viewer.can("coverage:read") or not viewer.scope().whole:
        return []  # nothing counted for a card the user may not see (or that is not theirs to act on)
    return [Widget("两个覆盖", "registry:CoverageWidget", coverage_widget(viewer), permission="coverage:read",
                   order=10, scope=viewer.scope().label + (_("（含下辖）") if viewer.subtree()[1:] else ""))]


def _import_permissions(tenant) -> tuple[str, ...]:
    """Any import kind's permission opens the import page (each kind checks its own; the
    sidebar is kept per tenant and permission set, so this runs once per worker)."""
    from core.registry.importer import kinds_for

    return tuple(sorted({k.permission for k in kinds_for(tenant.id).values()}))


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("两个覆盖", "coverage", permission="coverage:read", order=10, section="registry"),
        NavItem("两新组织", "organizations", permission="registry:read", order=20, section="registry"),
        NavItem("党组织", "party-orgs", permission="registry:read", order=21, section="registry"),
        NavItem("党员", "members", permission="registry:read", order=22, section="registry"),
        NavItem("党建指导员", "instructors", permission="registry:read", order=23, section="registry"),
        NavItem("组团", "clusters", permission="registry:read", order=24, section="registry"),
        NavItem("台账导入", "imports", permission=_import_permissions(tenant), order=30, section="registry"),
    ]


@hookimpl
def register_demo_data(session, tenant):
    """Core parts load first (``PluginRegistry.order``): plugins' demo data finds the registry rows."""
    from core.registry.demo import load_demo_registry

    load_demo_registry(session, tenant)


@hookimpl
def register_periodic_tasks():
    from core.registry.services.coverage import take_snapshot
    from core.tasks import PeriodicTask, crontab

    def snapshot(session, tenant):
        return take_snapshot(session, tenant.id, clock.today()).id

    # daily at 23:30 Beijing time: the current month's snapshot is refreshed, so the last day's
    # figures stand for the month (the 覆盖率 page's button takes one on demand as before)
    def recount(session, tenant):
        return coverage_summary.rebuild(session, [tenant.id])

    # daily at 00:05 Beijing time: the figures kept per tenant are of the new day (coverage
    # depends on the date); until then a dashboard counts a stale tenant live
    return [PeriodicTask("registry.coverage_snapshot", "每月覆盖率快照", crontab(minute="30", hour="15"),
                         snapshot),
            PeriodicTask("registry.coverage_summaries", "当日覆盖率数字", crontab(minute="5", hour="16"), recount)]


@hookimpl
def register_commands(cli):
    import click

    @cli.group("coverage")
    def coverage_group() -> None:
        """Coverage figures (两个覆盖)."""

    @coverage_group.command("rebuild")
    @click.option("--tenant", "slug", default=None, help="one tenant (slug); default: every tenant")
    def coverage_rebuild(slug: str | None) -> None:
        """Recount the coverage figures kept per tenant (after a bulk load outside the app)."""
        from core.db import scoped_session
        from core.tenancy import tree

        t = tree()
        if slug is not None and slug not in t.by_slug:
            raise click.ClickException(f"no tenant {slug!r}")
        ids = [t.by_slug[slug].id] if slug else sorted(t.by_id)
        for tid in ids:
            with scoped_session(tid) as s:
                coverage_summary.rebuild(s, [tid])
        click.echo(f"{len(ids)} tenant(s) recounted")
