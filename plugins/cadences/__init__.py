"""Building block `cadences` (周期安排): recurring assessment rounds and campaigns created on
schedule — 一月一检查、一季一考核、半年一讲评 (001 NH-3), 一季一重点、半年晒拼创、一年一述职 (004 JH-5).

A tenant sets up a recurrence (a template of the assessment or campaigns engine + a period kind +
the first period + when in each period); a periodic job on the task queue (``core.tasks``) creates
what is due, once per recurrence and period. It reaches the engines only through their ``api.py``.
See ``plugins/cadences/README.md``.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role

meta = PluginMeta(
    name="cadences",
    label="周期安排",
    version="0.1.0",
    description="按月、季、半年、年或每周自动建立考核轮次和推进计划（一月一检查、一季一考核、半年一讲评）。",
)

PERMISSIONS = [
    Permission("cadences:read", "查看周期安排"),
    Permission("cadences:write", "设置周期安排"),
]
ROLES = [
    Role("tenant_admin", permissions=("cadences:read", "cadences:write")),
    Role("staff", permissions=("cadences:read", "cadences:write")),
    Role("viewer", permissions=("cadences:read",)),
]

#: the job's schedule: daily at 00:10 Beijing time (16:10 UTC)
JOB = "cadences.create_due"


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("周期安排", "cadences", permission="cadences:read", order=16)]


@hookimpl
def register_periodic_tasks():
    from core import clock
    from core.tasks import PeriodicTask, crontab
    from plugins.cadences.service import run_due

    def create_due(session, tenant):
        return len(run_due(session, tenant, clock.today()).created)

    return [PeriodicTask(JOB, "按周期创建考核轮次和推进计划", crontab(minute="10", hour="16"), create_due)]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.cadences.demo import make_demo

    make_demo(session, tenant)
