"""Building-block plugin `units` (单位与结对): units that are not two-new organizations (成员单位,
行业部门, 机关/社区党组织, 驻街单位, 商会 …), pairings (结对/联点/帮扶) between a unit or a person
and organizations or party orgs, the rules a program sets on them (pairings per holder, visits per
period), the gaps (缺口) those rules show, and the visits that close them.

Why a building-block plugin and not the core: units and pairings are needed by several programs
(南湖 NH-3 成员单位和联点, 长沙 CS-2 行业部门, 金华 成员单位每季走访, 东方红 驻街单位共建) but not by every
tenant; as a plugin it has its own tables and migration branch, typed tenant settings (the
numbers a program leaves open) and hooks through which programs register unit and pairing kinds.
Programs reach it through :mod:`plugins.units.api` only. See ``README.md``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.units import hookspecs  # noqa: F401  (plugin-defined hooks, added by the registry)


class Settings(BaseModel):
    min_pairings: int = Field(1, title="每个成员单位、行业部门至少结对的组织数（结对共建）", ge=0, le=100)
    visits: int = Field(1, title="每个结对每个周期至少走访次数（结对共建）", ge=0, le=100)
    visit_period: str = Field("quarter", title="走访统计周期：week 每周 / month 每月 / quarter 每季度 / "
                              "half_year 每半年 / year 每年", pattern="^(week|month|quarter|half_year|year)$")


meta = PluginMeta(
    name="units",
    label="单位与结对",
    version="0.1.0",
    description="成员单位、行业部门、驻街单位等单位台账，单位或个人与两新组织、党组织的结对联点，结对规则的缺口和走访记录。",
    settings=Settings,
)

PERMISSIONS = [
    Permission("units:read", "查看单位、结对和走访"),
    Permission("units:write", "登记单位和结对"),
    Permission("units:visit", "登记走访"),
    Permission("units:reveal", "查看单位联系人完整电话"),
]
ALL = tuple(p.name for p in PERMISSIONS)
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=("units:read", "units:visit")),
    Role("viewer", permissions=("units:read",)),
]


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("单位台账", "units", permission="units:read", order=60),
        NavItem("结对联点", "units/pairings", permission="units:read", order=61),
    ]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.units.service import gap_counts

    holders, visits = gap_counts(session, tenant)
    return [Widget("结对缺口", "units:Widget", {"holders": holders, "visits": visits,
                                              "href": f"/t/{tenant.slug}/units/gaps"},
                   permission="units:read", order=60)]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.units.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.units.imports import unit_kind

    return [unit_kind(tenant)]


@hookimpl
def register_cluster_member_kinds(tenant):
    """Units as cluster members (DM-2: 社区党委 + 商圈联合党支部 + 党建指导员 + 商会)."""
    from core.plugin_types import ClusterMemberKind
    from plugins.units import links

    return [ClusterMemberKind(links.MEMBER_KIND, "单位", links.resolve, links.names, links.tenants)]


@hookimpl(optionalhook=True)
def register_assessment_target_kinds(tenant):
    """Units as assessment targets (NH-3 assesses member units and departments); optional: the
    hook exists where the assessment engine is installed."""
    from plugins.assessment.api import TargetKind
    from plugins.units import links

    return [TargetKind("unit", "单位", options=links.options, href=links.href, own_ids=links.own_ids)]


REMIND_DAYS_BEFORE_PERIOD_END = 15


@hookimpl
def register_reminders(session, tenant, settings, today):
    """The gaps the rules find, as reminders: a pairing with fewer visits than its rule asks,
    in the last 15 days of the period (to the unit's contact user or the holding user, else to
    whoever registers pairings); a holder with fewer pairings than required, once a month."""
    from core.notify.types import Reminder
    from plugins.units import service as svc

    g = svc.gaps(session, tenant, today)
    out = []
    holders = {p.id: p for p in session.scalars(svc.select(svc.Pairing).where(
        svc.Pairing.id.in_([x.pairing_id for x in g.visits])))} if g.visits else {}
    contacts = dict(session.execute(svc.select(svc.Unit.id, svc.Unit.contact_user_id).where(
        svc.Unit.id.in_([p.unit_id for p in holders.values() if p.unit_id]))).all()) if holders else {}
    for x in g.visits:
        start, end, label = svc.period_bounds(x.period, today)
        if (end - today).days > REMIND_DAYS_BEFORE_PERIOD_END:
            continue
        p = holders.get(x.pairing_id)
        who = (p.user_id if p is not None and p.holder_type == "user" else
               contacts.get(p.unit_id) if p is not None and p.unit_id else None)
        out.append(Reminder(
            key=f"units.visits:{x.pairing_id}:{x.period}:{start.isoformat()}",
            title=f"{x.holder_name}走访{x.target_name}未达标（{label}{x.have}/{x.need}次）",
            body=f"「{x.kind_label}」要求{label}至少走访 {x.need} 次，截至 {end:%Y-%m-%d}",
            link=f"units/pairings/{x.pairing_id}", due=end, permission="units:write",
            recipients=(who,) if who else ()))
    month = today.strftime("%Y-%m")
    for h in g.holders:
        out.append(Reminder(
            key=f"units.holders:{h.kind}:{h.holder_type}:{h.holder_id}:{month}",
            title=f"{h.holder_name}的「{h.kind_label}」结对不足（{h.have}/{h.need}）",
            link=f"units/{h.holder_id}" if h.holder_type == "unit" else "units/gaps", permission="units:write",
            recipients=(h.holder_id,) if h.holder_type == "user" else ()))
    return out
