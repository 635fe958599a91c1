"""金华两新党建“提质增效年” program plugin (seed 004, 金两新〔2020〕7号, JH-1 … JH-6).

A city enables it; its counties and streets work in it. The program configures the building
blocks — clusters (the four 党建联盟 types), units (founding units, 两新工委成员单位 and
联企送服务), checklists (六专, 六个有), lists (four lists), activities (例会制), campaigns (the
year's six key tasks with 4月中旬 / 6月底 / 全年 deadlines), core bulletins (通报制) — and keeps
what only 金华's alliances have (models.py). See plugins/jinhua/README.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget


class Settings(BaseModel):
    program_name: str = Field("党建联盟", title="栏目名称", min_length=1, max_length=30)
    meeting_period: Literal["month", "quarter", "half_year"] = Field(
        "quarter", title="联盟例会频次（例会制；种子文件未规定，本辖区设置）")
    rota_period: Literal["month", "quarter", "half_year", "year"] = Field(
        "quarter", title="新建联盟的默认轮值周期（轮值制；种子文件未规定，本辖区设置）")
    contract_years: int = Field(3, ge=1, le=10, title="契约默认期限（年；种子文件未规定，本辖区设置）")
    contract_warning_days: int = Field(30, ge=1, le=180, title="契约到期提前提醒天数（本辖区设置）")


meta = PluginMeta(
    name="jinhua",
    label="两新党建“提质增效年”（党建联盟）",
    version="0.1.0",
    description="金华两新党建“提质增效年”：四化重组与四类党建联盟、六专、清单工作法、五项机制和年度重点任务。",
    depends=("units", "checklists", "lists", "activities", "campaigns"),
    settings=Settings,
)

READ, WRITE, ALLIANCE = "jinhua:read", "jinhua:write", "jinhua:alliance"
PERMISSIONS = [
    Permission(READ, "查看党建联盟（四化重组、六专、四张清单、五项机制）"),
    Permission(WRITE, "管理本辖区所有党建联盟（组建、成员与契约、轮值、例会、议事、通报）"),
    Permission(ALLIANCE, "管理自己担任书记或联络员的党建联盟（成员契约、轮值、例会、议事、通报）"),
]
ROLES = [
    Role("tenant_admin", permissions=(READ, WRITE)),
    Role("staff", permissions=(READ, WRITE)),
    Role("instructor", permissions=(READ,)),
    Role("viewer", permissions=(READ,)),
    # the liaison of an alliance (often a lead unit's party secretary): their alliances only —
    # routes check the alliances they lead (core cluster leaders with their account)
    Role("jinhua_liaison", "党建联盟联络员", permissions=(
        "tenant:view", READ, ALLIANCE, "activities:read", "activities:write", "lists:read", "checklists:read")),
]


def settings_of(tenant_id: int) -> Settings:
    from core.plugins import registry

    return registry().settings(tenant_id, "jinhua")


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem(settings.program_name, "jinhua", permission=READ, order=14)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.jinhua.service import counts_by_tenant

    counts = counts_by_tenant(session, [tenant.id]).get(tenant.id, {})
    return [Widget(settings.program_name, "jinhua:Widget",
                   {"total": sum(counts.values()), "href": f"/t/{tenant.slug}/jinhua"},
                   permission=WRITE, order=14)]


@hookimpl
def register_cluster_types(tenant):
    from plugins.jinhua.program import cluster_types

    return cluster_types()


@hookimpl
def register_unit_kinds(tenant):
    from plugins.jinhua.program import unit_kinds

    return unit_kinds()


@hookimpl
def register_pairing_kinds(tenant):
    from plugins.jinhua.program import pairing_kinds

    return pairing_kinds()


@hookimpl
def register_checklist_templates(tenant):
    from plugins.jinhua.program import checklist_templates

    return checklist_templates()


@hookimpl
def register_list_schemes(tenant):
    from plugins.jinhua.program import list_scheme

    return [list_scheme()]


@hookimpl
def register_activity_types(tenant):
    from plugins.jinhua.program import activity_types

    return activity_types(settings_of(tenant.id).meeting_period)


@hookimpl
def register_campaign_templates(tenant):
    from plugins.jinhua.program import campaign_templates

    return campaign_templates()


@hookimpl
def register_reminders(session, tenant, settings, today):
    """契约到期: a contract in force ending within the tenant's warning days (and once more when it
    has ended unrenewed), to the program's staff and the alliance's liaisons."""
    from plugins.jinhua import reminders

    return reminders.contract_reminders(session, tenant, settings, today)


@hookimpl
def register_demo_data(session, tenant):
    from plugins.jinhua.demo import load

    load(session, tenant)
