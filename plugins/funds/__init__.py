"""Building-block plugin `funds` (经费保障): 预算、拨付、补贴与奖励台账.

Programs configure it through ``register_reward_rules`` (see :mod:`plugins.funds.hookspecs` and
``plugins/funds/README.md``); it implements the assessment engine's ``on_round_published`` to
propose reward disbursements from published results.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core import clock
from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.funds import hookspecs  # noqa: F401  (plugin-defined hooks, added by the registry)


class Settings(BaseModel):
    separate_approval: bool = Field(True, title="申请人不得审批本人提出的拨付申请")


meta = PluginMeta(
    name="funds",
    label="经费保障",
    version="0.1.0",
    description="预算、拨付、补贴与奖励台账",
    depends=("assessment",),
    settings=Settings,
)

PERMISSIONS = [
    Permission("funds:read", "查看经费预算、拨付和台账"),
    Permission("funds:write", "编制预算、提出拨付申请"),
    Permission("funds:approve", "审批拨付申请、登记拨付"),
]
ALL = tuple(p.name for p in PERMISSIONS)
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("viewer", permissions=("funds:read",)),
]


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("经费预算", "funds", permission="funds:read", order=70),
        NavItem("经费拨付", "funds/disbursements", permission="funds:read", order=71),
        NavItem("经费台账", "funds/ledger", permission="funds:read", order=72),
    ]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from sqlalchemy import func, select

    from plugins.funds.models import Disbursement

    pending = session.scalar(select(func.count(Disbursement.id)).where(Disbursement.status == "requested")) or 0
    return [Widget("待审批拨付", "funds:Widget", {"pending": pending,
                                                 "href": f"/t/{tenant.slug}/funds/disbursements?status=requested"},
                   permission="funds:read", order=70)]


@hookimpl
def on_round_published(session, tenant, round):
    """Propose reward disbursements (status requested) from the round's results."""
    from plugins.funds.service import propose_rewards

    propose_rewards(session, tenant, round, clock.today())


@hookimpl
def register_demo_data(session, tenant):
    from plugins.funds.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.funds.imports import budget_kind

    return [budget_kind()]
