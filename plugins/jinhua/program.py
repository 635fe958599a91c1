"""How the jinhua program configures the registry and the building blocks (seed 004, 金两新〔2020〕7号).
Pure functions; ``__init__`` wires them as hookimpls."""

from __future__ import annotations

from dataclasses import dataclass

# --- JH-1 the four alliance types (cluster types of the registry) ---------------------------------


@dataclass(frozen=True)
class AllianceType:
    """One of the four 党建联盟 types of 四化重组 and the units it is founded on (依托 …)."""

    key: str
    label: str
    founders: tuple[str, ...]  # unit kinds an alliance of this type may be founded on
    basis: str  # the seed's words


#: unit kinds the alliances are founded on (the seed names each; a tenant records its own units of them)
FOUNDER_KINDS = (
    ("jinhua.park_committee", "园区管委会"),
    ("jinhua.micro_park_office", "小微园管理部门"),
    ("jinhua.street_office", "街道"),
    ("jinhua.market_regulator", "市场监管部门"),
    ("jinhua.chamber", "协会商会"),
    ("jinhua.property_owner", "产权单位"),
    ("jinhua.property_service", "物业服务企业"),
    ("jinhua.backbone_enterprise", "骨干企业"),
    ("jinhua.industry_department", "产业主管部门"),
    ("jinhua.industry_regulator", "行业监管部门"),
    ("jinhua.leading_enterprise", "优势产业和龙头企业"),
)
FOUNDER_LABELS = dict(FOUNDER_KINDS)

ALLIANCE_TYPES = (
    AllianceType("jinhua.regional", "区域和园区化党建联盟", ("jinhua.park_committee", "jinhua.micro_park_office"),
                 "依托园区管委会、小微园管理部门建立"),
    AllianceType("jinhua.business", "商圈和市场化党建联盟",
                 ("jinhua.street_office", "jinhua.market_regulator", "jinhua.chamber", "jinhua.property_owner"),
                 "依托街道、市场监管部门、协会商会或产权单位建立"),
    AllianceType("jinhua.building", "楼宇和单元格化党建联盟",
                 ("jinhua.property_service", "jinhua.property_owner", "jinhua.backbone_enterprise"),
                 "依托物业服务企业、产权单位、骨干企业等建立"),
    AllianceType("jinhua.industry", "产业和行业化党建联盟",
                 ("jinhua.industry_department", "jinhua.industry_regulator", "jinhua.leading_enterprise"),
                 "依托产业主管部门、行业监管部门、优势产业和龙头企业等建立"),
)
TYPES = {t.key: t for t in ALLIANCE_TYPES}
#: 地域相邻、行业相近、规模适当、便于管理 — the principles members are chosen by
PRINCIPLES = (("adjacent", "地域相邻"), ("similar", "行业相近"), ("scale", "规模适当"), ("manageable", "便于管理"))
#: 党建共抓、资源共享、活动共办、事务共商 — the 工作格局 shown per alliance
PATTERN = ("党建共抓", "资源共享", "活动共办", "事务共商")
UNIT_MEMBER = "units.unit"


def cluster_types():
    from core.plugin_types import ClusterType, LeaderRule

    return [ClusterType(
        key=t.key, label=t.label,
        description=f"{t.basis}；按照地域相邻、行业相近、规模适当、便于管理的原则吸收成员单位，实行契约化管理。",
        leaders=(LeaderRule("secretary", "联盟书记", max=1), LeaderRule("liaison", "联络员", max=5)),
        member_kinds=("organization", "party_org", UNIT_MEMBER),
    ) for t in ALLIANCE_TYPES]


def unit_kinds():
    from plugins.units.api import UnitKind

    return [UnitKind(key, label, "党建联盟的发起单位（金两新〔2020〕7号）") for key, label in FOUNDER_KINDS] + [
        UnitKind(MEMBER_UNIT, "两新工委成员单位", "市、县两新工委成员单位：每季至少走访 1 次联系的企业")]


# --- JH-5 联企送服务: member units visit their linked enterprises at least once a quarter -------------

MEMBER_UNIT = "jinhua.member_unit"
CONTACT = "jinhua.contact"
RESIDENT = "jinhua.resident_service"


def pairing_kinds():
    from plugins.units.api import PairingKind

    return [
        PairingKind(CONTACT, "联企送服务", holder_types=("unit",), holder_unit_kinds=(MEMBER_UNIT,),
                    min_pairings=1, visits=1, period="quarter",
                    description="各级两新工委成员单位每季至少走访 1 次联系的企业，走访情况在每季工委例会上交流（金两新〔2020〕7号）"),
        PairingKind(RESIDENT, "驻企服务员", holder_types=("user", "member"), target_types=("organization",),
                    description="驻企服务员为企业提供一对一个性化服务"),
    ]


# --- JH-2 六专 and JH-6 六个有: the checklists block's shipped templates ---------------------------


def checklist_templates():
    from plugins.checklists.api import LIUGEYOU, LIUZHUAN

    return [LIUZHUAN, LIUGEYOU]


# --- JH-3 清单工作法: the lists engine with four lists ----------------------------------------------


def list_scheme():
    from plugins.lists.api import Choice, ListScheme, Urgency

    return ListScheme(
        key="jinhua.four_lists", label="党建联盟清单工作法",
        demand_list="需求清单", resource_list="资源清单",
        work_lists=(Choice("service", "服务清单"), Choice("project", "项目清单")),
        categories=(Choice("policy", "政策"), Choice("finance", "融资"), Choice("talent", "人才"),
                    Choice("employment", "用工"), Choice("market", "市场"), Choice("party", "党建"),
                    Choice("other", "其他")),
        urgencies=(Urgency("normal", "一般", 15), Urgency("urgent", "紧急", 5)),
        provider_kinds=(Choice("member_unit", "联盟成员单位"), Choice("department", "职能部门"),
                        Choice("organization", "两新组织"), Choice("other", "其他")),
        station_label="党群服务中心", order=30,
        description="党建联盟推行清单工作法：需求清单、资源清单、服务清单和项目清单。")


# --- JH-4 例会制: the alliance's regular meeting on the activities engine ---------------------------

MEETING = "jinhua.alliance_meeting"
#: JH-5: 走访联系情况在每季召开的工委例会上进行交流
COMMITTEE_MEETING = "jinhua.committee_meeting"


def activity_types(meeting_period: str):
    from plugins.activities.api import ActivityType, Cadence

    return [ActivityType(MEETING, "党建联盟例会", ("cluster",),
                         Cadence(meeting_period, applies_to="cluster", cluster_types=tuple(TYPES)),
                         group="党建联盟", order=60,
                         description="党建联盟例会制：定期召开联盟例会，记录会议纪要（频次为本辖区设置）"),
            ActivityType(COMMITTEE_MEETING, "两新工委例会", ("tenant",), Cadence("quarter", applies_to="tenant"),
                         group="党建联盟", order=61,
                         description="每季召开两新工委例会，交流成员单位“联企送服务”走访联系情况（金两新〔2020〕7号）")]


# --- JH-1 / JH-5 the 提质增效年 tasks with their deadlines: the campaigns engine ----------------------

PLAN = "jinhua.quality_year"
#: the six key tasks of the document, each with its items and 完成时间
PLAN_PHASES = (
    ("推进党组织设置“四化重组”", (
        ("全面排查摸底（两新组织“六清”、学会协会研究会“六清”）", "4月中旬",
         "两新组织数量清、运转情况清、职工人数清、党组织组建情况清、党员状况清、出资人情况清；"
         "学会协会研究会数量清、运行情况清、会员情况清、党组织组建情况清、党员状况清、负责人以及领导层人员情况清"),
        ("调整完善党组织设置（建立四类党建联盟）", "6月底",
         "按照地域相邻、行业相近、规模适当、便于管理的原则推进覆盖重组"),
        ("建立“党建联盟”工作机制（六专、契约化、清单工作法、五项机制）", "全年", ""))),
    ("实施政治“领航聚力”工程", (("强化政治引领", "全年", ""), ("强化政治吸纳", "全年", ""),
                             ("强化政治把关", "全年", ""))),
    ("打好“战疫情、稳企业、强服务”组合拳", (
        ("“战疫情、促发展、当先锋”专项行动", "全年", ""),
        ("“联企送服务”专项行动", "全年", "成员单位每季至少走访 1 次联系企业，走访情况在每季工委例会上交流"),
        ("新生代企业家“双传承”计划", "全年", "市级每年培训 100 名，每个县（市、区）每年培训 100 名"))),
    ("推进两新领域“基层党建+社会治理”创新", (("实施“两新治理先锋”工程", "全年", "12 分制积分管理、评星定级"),
                                      ("打造区域治理平台", "全年", "15分钟服务圈"),
                                      ("创新社会组织“党建+”治理模式", "全年", ""))),
    ("实施党务工作者“红领计划”", (("选优配强党组织书记", "全年", "书记县级备案管理、书记工作变动报告"),
                             ("建立健全教育培养机制", "全年", "所有书记每年至少参加 1 次县级以上培训"),
                             ("完善激励保障机制", "全年", "推行 10% 党建绩效考核"))),
    ("打造两新党建示范群", (("打造两新党建“产业示范集群”", "全年", "每个县（市、区）至少建成 1 个"),
                        ("打造市区两新党建示范走廊", "全年", "全年至少新增 10 个党建示范点"),
                        ("推进各领域标准化建设", "全年", ""))),
)


def campaign_templates():
    from plugins.campaigns.api import CampaignTemplate, PhaseTemplate, TaskTemplate

    return [CampaignTemplate(
        key=PLAN, label="两新党建“提质增效年”活动",
        description="金两新〔2020〕7号：六项重点任务，完成时间 4月中旬、6月底、全年；以县（市、区）为单位推进。",
        phases=tuple(PhaseTemplate(title, tuple(TaskTemplate(t, due=due, description=d) for t, due, d in tasks))
                     for title, tasks in PLAN_PHASES))]
