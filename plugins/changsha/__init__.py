"""长沙市两新党建工作要点 program plugin (seed 003, CS-1 … CS-5).

The program configures the registry and the building blocks — 楼宇商圈党建点 as cluster types
whose leaders are the 三方进入, the 党群服务中心 a site of the sites block, the 三张清单 the lists
engine, the 三项保障 the checklists block's shipped template, the 红色之家 site kinds — and keeps
only what no other program shares (models.py): a point's 提质升级 state, the census of the nine
new-employment groups, their associations and the platform enterprises with the seed's HQ rule.
See plugins/changsha/README.md.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget


class Settings(BaseModel):
    program_name: str = Field("两新党建重点工作", title="栏目名称", min_length=1, max_length=30)
    existing_points: int = Field(82, title="已建成楼宇商圈党建点（提质升级对象）数量（种子文件：82 个）", ge=0, le=100000)
    chain_meeting_months: int = Field(3, title="产业链党委定期会议：每几个月至少召开一次（种子文件只要求“定期”，由本辖区设定）",
                                      ge=1, le=12)


meta = PluginMeta(
    name="changsha",
    label="长沙两新党建（楼宇商圈党建点·新业态新就业群体）",
    version="0.1.0",
    description="长沙市委两新工委工作要点：楼宇商圈党建点“三方进入、三位一体、三张清单、三项保障”与提质升级，"
                "新业态新就业群体底数、协会联盟建党组织、平台企业应建尽建与红色之家。",
    depends=("sites", "lists", "checklists", "units"),
    settings=Settings,
)

READ, WRITE = "changsha:read", "changsha:write"
PERMISSIONS = [
    Permission(READ, "查看楼宇商圈党建点、新就业群体底数与平台企业建党情况"),
    Permission(WRITE, "管理楼宇商圈党建点提质升级、新就业群体底数、协会联盟与平台企业"),
]
ROLES = [Role(role, permissions=(READ, WRITE)) for role in ("tenant_admin", "staff")] + [
    Role(role, permissions=(READ,)) for role in ("instructor", "org_secretary", "viewer")]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem(settings.program_name, "changsha", permission=READ, order=16)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.changsha.dashboard import widget_figures

    return [Widget(settings.program_name, "changsha:Widget",
                   {"f": widget_figures(session), "href": f"/t/{tenant.slug}/changsha"}, permission=READ, order=16)]


@hookimpl
def register_cluster_types(tenant):
    from plugins.changsha.program import chain_type, point_types

    return [*point_types(), chain_type()]


@hookimpl
def register_list_schemes(tenant):
    from plugins.changsha.program import chain_scheme, list_scheme, qianqi_scheme

    return [list_scheme(), qianqi_scheme(), chain_scheme()]


@hookimpl
def register_pairing_kinds(tenant):
    from plugins.changsha.program import pairing_kinds

    return pairing_kinds()


@hookimpl
def register_site_kinds(tenant):
    from plugins.changsha.program import site_kinds

    return site_kinds()


@hookimpl
def register_checklist_templates(tenant):
    from plugins.changsha.program import checklist_templates

    return checklist_templates()


@hookimpl
def register_demo_data(session, tenant):
    from plugins.changsha.demo import load

    load(session, tenant)
