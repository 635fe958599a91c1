"""Building block `indicators` (目标与实绩): indicators with targets per tenant and period, actuals
computed from the registry and engines or entered with evidence, gap and attainment, rolled up over
a subtree.

Plugins register indicators through ``register_indicators`` (:mod:`plugins.indicators.hookspecs`);
programs reach the block through :mod:`plugins.indicators.api`. See ``plugins/indicators/README.md``.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.indicators import (
    hookspecs,  # noqa: F401  (plugin-defined hooks, added by the registry)
)

meta = PluginMeta(
    name="indicators",
    label="目标与实绩",
    version="0.1.0",
    description="各项指标的目标、实绩（台账自动计算或填报佐证）、差距和完成率，可汇总下级。",
)

PERMISSIONS = [
    Permission("indicators:read", "查看指标目标与实绩"),
    Permission("indicators:write", "设定目标、填报实绩"),
]
ROLES = [
    Role("tenant_admin", permissions=("indicators:read", "indicators:write")),
    Role("staff", permissions=("indicators:read", "indicators:write")),
    Role("viewer", permissions=("indicators:read",)),
    Role("instructor", permissions=("indicators:read",)),
]


@hookimpl
def register_indicators(tenant):
    from plugins.indicators.builtin import for_tenant

    return for_tenant(tenant.id)


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("目标与实绩", "indicators", permission="indicators:read", order=15)]


@hookimpl
def register_dashboard_widgets(viewer):
    from plugins.indicators.widgets import indicators_widget

    if not viewer.can("indicators:read"):
        return []
    return [Widget("目标与实绩", "indicators:Widget", indicators_widget(viewer), permission="indicators:read",
                   order=12)]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.indicators.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.indicators.imports import targets_kind

    return [targets_kind(tenant)]
