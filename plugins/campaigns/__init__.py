"""Building-block plugin `campaigns` (推进计划): 分阶段推进计划、限时任务与定期报送.

One engine, configured by programs through the ``register_campaign_templates`` hook (see
:mod:`plugins.campaigns.hookspecs` and ``plugins/campaigns/README.md``).
"""

from __future__ import annotations

from core import clock
from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.campaigns import hookspecs  # noqa: F401  (plugin-defined hooks, added by the registry)

meta = PluginMeta(
    name="campaigns",
    label="推进计划",
    version="0.1.0",
    description="分阶段推进计划、限时任务与定期报送",
    depends=(),
)

PERMISSIONS = [
    Permission("campaigns:read", "查看推进计划、任务和报送情况"),
    Permission("campaigns:write", "制定推进计划、分配任务、更新任务进度、设置报送事项"),
    Permission("campaigns:report", "报送定期报表"),
]
ALL = tuple(p.name for p in PERMISSIONS)
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=("campaigns:read",)),
    Role("org_secretary", permissions=("campaigns:read",)),
    Role("viewer", permissions=("campaigns:read",)),
]


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("推进计划", "campaigns", permission="campaigns:read", order=60),
        NavItem("任务与超期", "campaigns/overdue", permission="campaigns:read", order=61),
        NavItem("定期报送", "campaigns/reports", permission="campaigns:read", order=62),
    ]


@hookimpl
def register_dashboard_widgets(session, tenant, settings, viewer):
    from plugins.campaigns.service import overdue_tasks, pending_reports, period_label

    if not viewer.scope().whole:
        return []  # tasks and reports are the tenant's: nothing an org secretary acts on
    today = clock.today()
    overdue = overdue_tasks(session, today)
    reports = [(ob.title, period_label(ob.cadence, period), due, due < today)
               for ob, period, due in pending_reports(session, tenant, today)]
    return [Widget("超期任务", "campaigns:Widget",
                   {"overdue": overdue[:5], "total": len(overdue), "href": f"/t/{tenant.slug}/campaigns/tasks?overdue=1",
                    "reports": reports, "reports_href": f"/t/{tenant.slug}/campaigns/reports"},
                   permission="campaigns:read", order=60, scope=viewer.scope().label)]


#: days before a deadline when a reminder goes out
REMIND_DAYS_BEFORE = 3


@hookimpl
def register_reminders(session, tenant, settings, today):
    """Tasks of this tenant due within three days or overdue; reports due soon or late."""
    import datetime as dt

    from sqlalchemy import select

    from core.notify.types import Reminder
    from plugins.campaigns.models import CampaignTask
    from plugins.campaigns.service import OPEN_STATUSES, pending_reports, period_label

    soon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    out = []
    tasks = session.scalars(select(CampaignTask).where(
        CampaignTask.tenant_id == tenant.id, CampaignTask.status.in_(OPEN_STATUSES),
        CampaignTask.deadline <= soon).order_by(CampaignTask.deadline, CampaignTask.id))
    for t in tasks:
        late = t.deadline < today
        out.append(Reminder(
            key=f"campaigns.task:{t.id}:{'overdue' if late else 'soon'}",
            title=f"任务「{t.title}」{'已超期' if late else '即将到期'}",
            body=f"{t.campaign_title} · {t.phase_title}，截止日期 {t.deadline:%Y-%m-%d}",
            link=f"campaigns/tasks/{t.id}", due=t.deadline, overdue=late, permission="campaigns:write"))
    for ob, period, due in pending_reports(session, tenant, today):
        if due > soon:
            continue
        late = due < today
        out.append(Reminder(
            key=f"campaigns.report:{ob.id}:{period}:{'overdue' if late else 'soon'}",
            title=f"「{ob.title}」{period_label(ob.cadence, period)}{'逾期未报送' if late else '即将到期'}",
            body=f"报送截止日期 {due:%Y-%m-%d}", link=f"campaigns/reports/{ob.id}/submit", due=due,
            overdue=late, permission="campaigns:report"))
    return out


@hookimpl
def register_demo_data(session, tenant):
    from plugins.campaigns.demo import make_demo

    make_demo(session, tenant)
