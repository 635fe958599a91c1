"""Building-block plugin `lists` (清单工作法): 需求、资源、项目（任务、服务）清单与双向认领.

One engine, configured by the programs a tenant enables: each registers a
:class:`~plugins.lists.types.ListScheme` through the ``register_list_schemes`` hook (see
:mod:`plugins.lists.hookspecs` and ``plugins/lists/README.md``); a tenant works with the
union of its programs' schemes, or the default scheme when none registers one.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core import clock
from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.lists import hookspecs  # noqa: F401  (plugin-defined hooks, added by the registry)


class Settings(BaseModel):
    title: str = Field("清单工作法", title="栏目名称", min_length=1, max_length=30)
    show_widget: bool = Field(True, title="在工作台显示清单统计")


meta = PluginMeta(
    name="lists",
    label="清单工作法",
    version="0.1.0",
    description="需求、资源、项目（任务、服务）清单与双向认领",
    depends=("sites",),  # service stations are sites (kind lists.station)
    settings=Settings,
)

PERMISSIONS = [
    Permission("lists:read", "查看清单"),
    Permission("lists:write", "登记需求（代企业）、资源和服务站"),
    Permission("lists:submit", "为本组织提交需求、认领资源（书记）"),
    Permission("lists:triage", "受理、分级、匹配、办结、上报需求"),
    Permission("lists:triage_own", "受理、分级、匹配、办结本人牵头的组团（联盟）内组织的需求"),
    Permission("lists:offer", "发布本单位资源、认领需求（资源提供方）"),
]
ALL = tuple(p.name for p in PERMISSIONS if p.name not in ("lists:submit", "lists:offer"))
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=("lists:read",)),
    Role("org_secretary", permissions=("lists:read", "lists:submit")),
    Role("viewer", permissions=("lists:read",)),
    Role("lists_provider", "资源提供方", permissions=("tenant:view", "lists:read", "lists:offer")),
]


@hookimpl
def register_nav_items(tenant, settings):
    from core.tenancy import tree
    from plugins.lists.service import scheme_for

    scheme = scheme_for(tenant)
    items = [
        NavItem(settings.title, "lists/dashboard", permission="lists:read", order=40),
        NavItem(scheme.demand_list, "lists/demands", permission="lists:read", order=41),
        NavItem(scheme.resource_list, "lists/resources", permission="lists:read", order=42),
        NavItem(scheme.work_list_label, "lists/works", permission="lists:read", order=43),
        NavItem(scheme.station_label, "lists/stations", permission="lists:read", order=44),
    ]
    if tree().children.get(tenant.id):
        items.append(NavItem("下级上报事项", "lists/escalations", permission="lists:read", order=45))
    return items


@hookimpl
def register_site_kinds(tenant):
    from plugins.lists.service import scheme_for, station_kind

    return [station_kind(scheme_for(tenant).station_label)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings, viewer):
    if not settings.show_widget:
        return []
    from plugins.lists.service import counters, scheme_for

    scheme = scheme_for(tenant)
    scope = viewer.scope()  # an org secretary: the demands of their own organizations, as their lists show
    return [Widget(settings.title, "lists:Widget",
                   {"c": counters(session, scheme, clock.today(), organization_ids=scope.own_organization_ids),
                    "scheme": scheme, "href": f"/t/{tenant.slug}/lists/dashboard"},
                   permission="lists:read", order=40, scope=scope.own_label)]


@hookimpl
def register_import_kinds(tenant):
    from plugins.lists.imports import demand_kind, resource_kind

    return [resource_kind(tenant), demand_kind(tenant)]


@hookimpl
def register_reminders(session, tenant, settings, today):
    """Open demands of this tenant whose SLA runs out soon (``DUE_SOON_DAYS``) or has run out."""
    import datetime as dt

    from sqlalchemy import select

    from core.notify.types import Reminder
    from plugins.lists.models import ListDemand
    from plugins.lists.queries import DUE_SOON_DAYS
    from plugins.lists.states import OPEN_STATUSES

    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    rows = session.scalars(select(ListDemand).where(
        ListDemand.tenant_id == tenant.id, ListDemand.status.in_(OPEN_STATUSES), ListDemand.due_on <= soon)
        .order_by(ListDemand.due_on, ListDemand.id))
    out = []
    for d in rows:
        late = d.due_on < today
        out.append(Reminder(
            key=f"lists.demand:{d.id}:{'overdue' if late else 'soon'}",
            title=f"需求「{d.title}」{'已超过办理时限' if late else '办理时限将到'}",
            body=f"办理时限 {d.due_on:%Y-%m-%d}", link=f"lists/demands/{d.id}", due=d.due_on, overdue=late,
            permission="lists:triage"))
    return out


@hookimpl
def register_demo_data(session, tenant):
    from plugins.lists.demo import make_demo

    make_demo(session, tenant)
