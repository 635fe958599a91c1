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


# --- CS-5 "党建引领、助力千企": the lists engine and the units block ------------------------------------

#: the special action a 助力千企 difficulty carries (the lists engine's ``action_tag``)
QIANQI = "qianqi"
#: 收集 → 梳理 → 交办 → 办结: the lists engine's demand states as the seed's steps
QIANQI_STEPS = (("submitted", "收集"), ("accepted", "梳理"), ("in_progress", "交办"), ("closed", "办结"))
COBUILD = "changsha.cobuild"


def qianqi_scheme():
    from plugins.lists.api import Choice, ListScheme, Urgency

    return ListScheme(
        key="changsha.qianqi", label="党建引领、助力千企",
        demand_list="企业困难诉求", resource_list="部门服务资源", work_lists=(Choice("assign", "交办事项"),),
        categories=(Choice("talent", "人才招引"), Choice("finance", "融资服务"), Choice("tax", "财税"),
                    Choice("legal", "法律服务"), Choice("employment", "用工服务"), Choice("other", "其他")),
        urgencies=(Urgency("normal", "一般", 30), Urgency("urgent", "紧急", 10)),
        triage_levels=(Choice("individual", "个性问题：交办部门解决"), Choice("common", "面上问题：专项服务活动解决"),
                       Choice("escalate", "对上协调争取解决")),
        special_actions=(Choice(QIANQI, "党建引领、助力千企"),),
        provider_kinds=(Choice("department", "职能部门"),), order=31,
        description="及时收集、梳理、交办企业反映的困难诉求，推动个性问题解决；开展专项服务活动推动面上问题解决（种子文件003）。")


def pairing_kinds():
    from plugins.units.api import PairingKind

    # 003: 组织开展机关事业单位党组织与两新党组织结对共建; how many pairs each holds is not stated (tenant setting)
    return [PairingKind(COBUILD, "机关事业单位党组织与两新党组织结对共建", holder_types=("unit",),
                        holder_unit_kinds=("organ",), target_types=("party_org",),
                        description="机关事业单位党组织与两新党组织结对共建促发展，推进党建和业务互融互促（种子文件003）")]


# --- CS-3 产业链党建 ----------------------------------------------------------------------------------

#: 产业链党委 as a cluster: owned by the 园区党工委 / 园区企业党委's tenant (a park or district), its
#: lead party org the chain's 党委, its members the enterprises' party orgs — 三级组织体系
CHAIN = "changsha.chain"
#: 三方进入 of a chain committee
CHAIN_SIDES = {"backbone": "骨干企业方", "department": "政府部门方", "association": "协会联盟方"}
#: 吹哨报到: an enterprise blows the whistle (a lists demand with this special action), departments report
WHISTLE = "whistle"
#: 三个平台 (the seed's roles of a chain committee), for records and activities
PLATFORMS = ("政治引领", "政企沟通", "企业合作")


def chain_type():
    from core.plugin_types import ClusterType, LeaderRule

    leaders = (LeaderRule("secretary", "产业链党委书记", min=1, max=1),
               *(LeaderRule(k, f"{v}委员", min=1) for k, v in CHAIN_SIDES.items()))
    return ClusterType(
        key=CHAIN, label="产业链党委",
        description="园区党工委（园区企业党委）→ 产业链党委 → 企业党组织“三级组织体系”；骨干企业、政府部门、协会联盟“三方进入”；"
                    "定期党委会议、“吹哨报到”、述职评议“三项机制”；政治引领、政企沟通、企业合作“三个平台”（种子文件003）。",
        leaders=leaders, member_kinds=("party_org", "organization", "units.unit"),
        attributes=(("chain", "产业链"),))


def chain_scheme():
    from plugins.lists.api import Choice, ListScheme, Urgency

    return ListScheme(
        key="changsha.chain", label="产业链党建“吹哨报到”",
        demand_list="企业吹哨", resource_list="部门报到资源", work_lists=(Choice("report", "部门报到事项"),),
        categories=(Choice("approval", "审批服务"), Choice("supply", "产业链配套"), Choice("logistics", "物流运输"),
                    Choice("energy", "水电气保障"), Choice("finance", "融资服务"), Choice("other", "其他")),
        urgencies=(Urgency("urgent", "紧急", 7), Urgency("normal", "一般", 15)),
        triage_levels=(Choice("chain", "产业链党委协调解决"), Choice("department", "职能部门报到解决"),
                       Choice("escalate", "对上协调争取解决")),
        special_actions=(Choice(WHISTLE, "吹哨报到"),),
        provider_kinds=(Choice("department", "职能部门"),), order=32,
        description="企业“吹哨”，职能部门“报到”：产业链企业提出的困难由部门认领、办结，解决不了的上报区县（种子文件003）。")
