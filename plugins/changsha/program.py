"""How the changsha program configures the registry and the building blocks (seed 003, 长沙市委两新
工委 2022 年工作要点). Pure functions and constants; ``__init__`` wires them as hookimpls."""

from __future__ import annotations

# --- CS-1 楼宇商圈党建点: one cluster type per kind of point --------------------------------------

#: key → label; a point is a registry cluster of one of these types (seed item 13)
POINT_TYPES = {
    "changsha.building": "楼宇",
    "changsha.circle": "商圈",
    "changsha.market": "专业市场（专业园区）",
    "changsha.town": "特色小镇",
    "changsha.incubator": "孵化平台",
}
#: 三方进入: the three sides of a point's party organization, each with named people (cluster leaders)
SIDES = {"operator": "运营管理方", "enterprise": "企业方", "department": "政府职能部门方"}
#: 三位一体: what the point's 党群服务中心 (a site) offers
TRINITY = ("党建服务", "企业服务", "群众服务")
#: the site kind of the 党群服务中心 (the sites block's built-in)
CENTRE_KIND = "sites.service_centre"
#: 三项保障 (the checklists block's shipped template) and its items
SANXIANG_KEY = "checklists.sanxiang"
SANXIANG_ITEMS = {"staff": "专职人员", "funds": "启动运转经费", "venue": "配套场地"}


def point_types():
    from core.plugin_types import ClusterType, LeaderRule

    leaders = tuple(LeaderRule(k, f"{v}代表", min=1) for k, v in SIDES.items())
    return [ClusterType(
        key=key, label=f"{label}党建点",
        description=f"{label}党建点：党组织架构运营管理方、企业方、政府职能部门方“三方进入”，"
                    "党群服务中心“三位一体”，需求、资源、项目“三张清单”，专职人员、经费、场地“三项保障”（种子文件003）。",
        leaders=leaders, member_kinds=("organization", "party_org", "units.unit"),
        attributes=(("address", "地址"), ("operator_name", "运营管理单位")))
        for key, label in POINT_TYPES.items()]


# --- CS-1 三张清单: the lists engine ----------------------------------------------------------------

DEMAND_CATEGORIES = (("policy", "政策咨询"), ("talent", "人才招引"), ("finance", "融资服务"), ("legal", "法律服务"),
                     ("employment", "用工服务"), ("venue", "场地活动"), ("mass", "群众服务"), ("other", "其他"))


def list_scheme():
    from plugins.lists.api import Choice, ListScheme

    return ListScheme(
        key="changsha.points", label="楼宇商圈“三张清单”",
        demand_list="需求清单", resource_list="资源清单", work_lists=(Choice("project", "项目清单"),),
        categories=tuple(Choice(k, v) for k, v in DEMAND_CATEGORIES),
        provider_kinds=(Choice("department", "职能部门"), Choice("social", "社会组织"), Choice("enterprise", "企业"),
                        Choice("operator", "运营管理方"), Choice("other", "其他")),
        station_label="党群服务中心", order=30,
        description="楼宇商圈党建点设置需求清单、资源清单、项目清单，引导职能部门、社会组织整合下沉服务资源（种子文件003）。")


# --- CS-2 新业态新就业群体 -------------------------------------------------------------------------------

#: the nine groups (seed item 4) with the responsible department the seed names for each
GROUPS = {
    "courier": ("快递员", "交通运输部门、邮政管理部门"),
    "delivery": ("外卖配送员", "市场监管部门"),
    "ride_hailing": ("网约车司机", "交通运输部门、邮政管理部门"),
    "truck": ("货车司机", "交通运输部门、邮政管理部门"),
    "new_media": ("新媒体从业人员", "网信部门"),
    "streamer": ("网络主播", "网信部门"),
    "e_shop": ("网络店主", "市场监管部门"),
    "housekeeping": ("网约家政员", "市场监管部门"),
    "writer": ("网络作家", "文联"),
}
GROUP_LABELS = {k: v[0] for k, v in GROUPS.items()}

#: 红色之家 (seed item 4): where each kind belongs
TRUCK_HOME, COURIER_HOME = "changsha.truck_home", "changsha.courier_home"


def site_kinds():
    from plugins.sites.api import SiteKind

    return [
        SiteKind(TRUCK_HOME, "货车司机红色之家", services=("休息服务", "学习教育", "权益维护", "车辆服务信息"), order=41,
                 description="在物流园区建设的“货车司机红色之家”（种子文件003）。"),
        SiteKind(COURIER_HOME, "快递外卖小哥红色之家", services=("休息饮水", "手机充电", "学习教育", "权益维护"), order=42,
                 description="在城区建设的“快递外卖小哥红色之家”（种子文件003）。"),
    ]


def checklist_templates():
    from plugins.checklists.api import SANXIANG

    return [SANXIANG]
