"""南湖新区两新党建「强基·赋能·共建·清朗」四大工程 program plugin (seed 001, NH-1 … NH-4).

The program configures the building blocks and engines (lists: 企业点单 → 联盟汇总 → 部门服务;
activities: 岗位练兵、劳动竞赛、技能比武, the four joint activities and the monthly
「一月一课一片一实践」; assessment: 共建考核) and keeps only what no other program shares
(models.py). See plugins/nanhu/README.md.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget


class Settings(BaseModel):
    program_name: str = Field("两新党建四大工程", title="栏目名称", min_length=1, max_length=30)
    committee_name: str = Field("两新工委", title="牵头机构名称", min_length=1, max_length=30)
    chains: str = Field("电子信息,现代物流,文化旅游,现代金融,总部经济",
                        title="“1+4”优势产业链（逗号分隔，第一个为主导产业链；种子文件未列名称）", min_length=1, max_length=300)


meta = PluginMeta(
    name="nanhu",
    label="两新党建四大工程（强基·赋能·共建·清朗）",
    version="0.1.0",
    description="南湖新区两新工委的强基、赋能、共建、清朗四大工程：覆盖目标、人才招引、企业点单、共建联系、清廉民企与主题党日。",
    depends=("lists", "activities", "assessment", "checklists", "units", "designations", "indicators", "cadences"),
    settings=Settings,
)

READ, WRITE, RESULTS = "nanhu:read", "nanhu:write", "nanhu:results"
PERMISSIONS = [
    Permission(READ, "查看四大工程（目标、人才招引、主题党日、清廉民企、公开记录）"),
    Permission(WRITE, "管理四大工程（登记人才招引、主题党日检查、清廉民企、公开记录、结果运用）"),
    Permission(RESULTS, "查阅两新组织党建考核结果运用（证照年审、争资争项、行业评优）"),
]
ROLES = [
    Role("tenant_admin", permissions=(READ, WRITE, RESULTS)),
    Role("staff", permissions=(READ, WRITE, RESULTS)),
    Role("instructor", permissions=(READ,)),
    Role("viewer", permissions=(READ, RESULTS)),
    Role("org_secretary", permissions=(READ,)),
    # 联盟汇总: the alliance's liaison (a leader of the alliance cluster with their user) collects,
    # triages and closes the orders of the alliance's enterprises — only those (lists:triage_own)
    Role("nanhu_alliance", "产业链联盟联络员", permissions=("tenant:view", READ, "lists:read", "lists:triage_own")),
    # 部门服务: a member unit (成员单位 / 区直部门) serves orders with its resources and reads results
    Role("nanhu_department", "成员单位联络员", permissions=("tenant:view", READ, RESULTS, "lists:read", "lists:offer")),
    # 党工委班子成员: each 联点 at least one two-new party org (units: pairing kind nanhu.liandian)
    Role("nanhu_leader", "党工委班子成员", permissions=("tenant:view", READ, RESULTS)),
]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem(settings.program_name, "nanhu", permission=READ, order=15)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.nanhu.service import widget_figures

    return [Widget(settings.program_name, "nanhu:Widget",
                   {"f": widget_figures(session, settings), "href": f"/t/{tenant.slug}/nanhu"},
                   permission=READ, order=15)]


@hookimpl
def register_cluster_types(tenant):
    from plugins.nanhu.program import alliance_type

    return [alliance_type()]


@hookimpl
def register_list_schemes(tenant):
    from plugins.nanhu.program import list_scheme

    return [list_scheme()]


@hookimpl
def register_activity_types(tenant):
    from plugins.nanhu.program import activity_types

    return activity_types()


@hookimpl
def register_assessment_templates(tenant):
    from plugins.nanhu.program import assessment_templates

    return assessment_templates()


@hookimpl
def register_demo_data(session, tenant):
    from plugins.nanhu.demo import load

    load(session, tenant)


@hookimpl
def register_checklist_templates(tenant):
    from plugins.nanhu.program import checklist_templates

    return checklist_templates()


@hookimpl
def register_unit_kinds(tenant):
    from plugins.nanhu.program import unit_kinds

    return unit_kinds()


@hookimpl
def register_pairing_kinds(tenant):
    from plugins.nanhu.program import pairing_kinds

    return pairing_kinds()


@hookimpl
def register_designation_kinds(tenant):
    from plugins.nanhu.program import designation_kinds

    return designation_kinds()


@hookimpl
def register_indicators(tenant):
    from plugins.nanhu.program import indicators

    return indicators()



@hookimpl
def on_plugin_enabled(session, tenant, plugin):
    """001 NH-3's 一月一检查、一季一考核、半年一讲评: the three recurrences in the cadences block are
    the tenant's defaults from the day it enables the program (idempotent; the tenant may stop or
    change them on the 周期安排 page)."""
    if plugin == "nanhu":
        from plugins.nanhu.program import ensure_cadences

        ensure_cadences(session, tenant)
