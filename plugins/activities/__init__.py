"""Building-block plugin `activities` (组织活动): 会议、培训、沙龙、主题党日与出勤.

One engine, configured by the programs a tenant enables: each registers
:class:`~plugins.activities.types.ActivityType` s through the ``register_activity_types`` hook
(see :mod:`plugins.activities.hookspecs` and ``plugins/activities/README.md``) on top of the
built-in types (三会一课, 主题党日, 培训, 沙龙). Other plugins read counts and attendance rates
per organizer and period through :mod:`plugins.activities.api`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core import clock
from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.activities import (
    hookspecs,  # noqa: F401  (plugin-defined hooks, added by the registry)
)


class Settings(BaseModel):
    title: str = Field("组织活动", title="栏目名称", min_length=1, max_length=30)
    builtin_types: bool = Field(True, title="使用内置活动类型（三会一课、主题党日、培训、沙龙）")
    show_widget: bool = Field(True, title="在工作台显示应办提醒")


meta = PluginMeta(
    name="activities",
    label="组织活动",
    version="0.1.0",
    description="会议、培训、沙龙、主题党日与出勤",
    depends=(),
    settings=Settings,
)

PERMISSIONS = [
    Permission("activities:read", "查看组织活动"),
    Permission("activities:write", "登记组织活动与出勤（党组织书记限本党组织）"),
]
BOTH = ("activities:read", "activities:write")
ROLES = [
    Role("tenant_admin", permissions=BOTH),
    Role("staff", permissions=BOTH),
    Role("instructor", permissions=("activities:read",)),
    Role("org_secretary", permissions=BOTH),
    Role("viewer", permissions=("activities:read",)),
]


@hookimpl
def register_nav_items(tenant, settings):
    # one entry: the list, the calendar and the due reminders are tabs of the same section
    return [NavItem(settings.title, "activities", permission="activities:read", order=60)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings, viewer):
    if not settings.show_widget:
        return []
    from plugins.activities import service as svc

    today = clock.today()
    access = svc.Access(viewer.user.id, frozenset(viewer.perms))  # an org secretary: their own organizers
    scope = viewer.scope()
    return [Widget(f"{settings.title} · 应办提醒", "activities:Widget",
                   {"w": svc.widget_data(session, tenant, today, access), "href": f"/t/{tenant.slug}/activities/due"},
                   permission="activities:read", order=60, scope=scope.label if access.own_only else "")]


#: days before the end of a period when organizers that still owe an activity are reminded
REMIND_DAYS_BEFORE_PERIOD_END = 7


@hookimpl
def register_reminders(session, tenant, settings, today):
    """Cadence-bound activities (三会一课 …) some organizers have not held in a period that ends
    within a week: one reminder per type and period, naming how many still owe it."""
    import datetime as dt

    from core.notify.types import Reminder
    from plugins.activities.service import due_rows, types_for

    out = []
    for row in due_rows(session, tenant, types_for(tenant), today):
        missing = [o for o in row.missing if o.held + o.scheduled < row.required]
        if not missing or row.period_end - today > dt.timedelta(days=REMIND_DAYS_BEFORE_PERIOD_END):
            continue
        names = "、".join(o.name for o in missing[:5]) + ("等" if len(missing) > 5 else "")
        out.append(Reminder(
            key=f"activities.due:{row.type.key}:{row.period_start.isoformat()}",
            title=f"「{row.type.label}」{row.period_label}尚有 {len(missing)} 个未开展",
            body=f"{names}；本期截止 {row.period_end:%Y-%m-%d}", link=f"activities/due?type={row.type.key}",
            due=row.period_end, permission="activities:write"))
    return out


@hookimpl
def register_demo_data(session, tenant):
    from plugins.activities.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.activities.imports import attendance_kind

    return [attendance_kind()]
