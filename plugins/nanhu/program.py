"""How the nanhu program configures the registry and the engines (clusters, lists, activities,
assessment). Pure functions; ``__init__`` wires them as hookimpls."""

from __future__ import annotations

#: NH-2 "1+4" 优势产业链党建联盟 (a cluster type of the registry)
ALLIANCE = "nanhu.chain_alliance"

# --- NH-2 企业点单 → 联盟汇总 → 部门服务: the lists engine -------------------------------------

#: what enterprises order (seed: 融资、立项、审批等困难问题)
ORDER_CATEGORIES = (("finance", "融资"), ("project", "立项"), ("approval", "审批"), ("land", "用地"),
                    ("talent", "人才"), ("employment", "用工"), ("policy", "政策"), ("market", "市场"),
                    ("other", "其他"))
PROVIDER_KINDS = (("department", "区直部门"), ("member_unit", "两新工委成员单位"), ("street", "街道（管理处）"),
                  ("finance", "金融机构"), ("organization", "两新组织"), ("other", "其他"))
CLAIMER_ROLES = (("department", "服务部门"), ("alliance", "产业链联盟"))


def list_scheme():
    from plugins.lists.api import Choice, ListScheme, Urgency

    return ListScheme(
        key="nanhu.orders",
        label="企业点单、联盟汇总、部门服务",
        demand_list="企业点单",
        resource_list="部门服务资源",
        work_lists=(Choice("service", "部门服务清单"),),
        categories=tuple(Choice(k, v) for k, v in ORDER_CATEGORIES),
        urgencies=(Urgency("normal", "一般", 15), Urgency("urgent", "紧急", 7)),
        triage_levels=(Choice("alliance", "联盟内部协调解决"), Choice("department", "部门服务解决"),
                       Choice("escalate", "对上协调争取解决")),
        claimer_roles=tuple(Choice(k, v) for k, v in CLAIMER_ROLES),
        provider_kinds=tuple(Choice(k, v) for k, v in PROVIDER_KINDS),
        station_label="党群服务站",
        order=20,
        description="企业点单：两新组织提出融资、立项、审批等困难；联盟汇总：产业链党建联盟受理分级；"
                    "部门服务：成员单位、区直部门认领并办结。",
    )


# --- activities ------------------------------------------------------------------------------

#: NH-2 岗位建功 activity types
WORK_TYPES = (("nanhu.job_drill", "岗位练兵"), ("nanhu.labor_contest", "劳动竞赛"), ("nanhu.skill_contest", "技能比武"))
#: NH-3 the four joint activities (共建共创)
JOINT_TYPES = (("nanhu.joint_study", "理论知识联学"), ("nanhu.joint_life", "组织生活联过"),
               ("nanhu.joint_venue", "活动阵地联建"), ("nanhu.joint_plan", "发展思路联谋"))
#: NH-4 the monthly 廉政文化主题党日
MONTHLY_LESSON = "nanhu.monthly_lesson"


def activity_types():
    from plugins.activities.api import BRANCH_TYPES, ActivityType, Cadence

    types = [ActivityType(key, label, ("party_org", "cluster", "tenant"), group="赋能工程", order=60 + i,
                          description="依托党建优势为两新组织赋能增效")
             for i, (key, label) in enumerate(WORK_TYPES)]
    types += [ActivityType(key, label, ("party_org", "cluster", "tenant"), group="共建工程", order=70 + i,
                           description="联点班子成员、区直单位、街道（管理处）与两新党组织共建共创")
              for i, (key, label) in enumerate(JOINT_TYPES)]
    types.append(ActivityType(MONTHLY_LESSON, "廉政文化“一月一课一片一实践”主题党日", ("party_org",),
                              Cadence("month", party_org_types=BRANCH_TYPES), group="清朗工程", order=80,
                              description="每月一堂廉政党课、一部警示教育片、一次廉洁实践"))
    return types


# --- registry: the "1+4" industry-chain alliances ------------------------------------------------


def alliance_type():
    from core.plugin_types import ClusterType, LeaderRule

    return ClusterType(
        key=ALLIANCE, label="产业链党建联盟",
        description="行业党委及街道综合党委联合助推的“1+4”优势产业链党建联盟：党建引领、产业链接、协同发展。",
        leaders=(LeaderRule("chair", "联盟主席", min=1, max=1), LeaderRule("liaison", "联络员", max=3)),
        member_kinds=("organization", "party_org"),
        attributes=(("chain", "产业链"), ("guide", "指导的行业党委")),
    )


# --- NH-3 共建考核 and the annual party-building assessment: the assessment engine ------------------

COBUILD_QUARTER = "nanhu.cobuild_quarter"
ANNUAL = "nanhu.annual"


def assessment_templates():
    from plugins.assessment.api import AssessmentTemplate, Criterion, Section

    C = Criterion
    return [
        AssessmentTemplate(
            key=COBUILD_QUARTER, label="两新组织党建共建考核（一季一考核）", target_kind="party_org",
            period_kind="quarter", order=50,
            description="一月一检查、一季一考核、半年一讲评；共建帮扶单位考核结果记入年度党建考核及绩效考核。",
            sections=(Section("joint", "共建内容", (
                C("study", "理论知识联学", 25), C("life", "组织生活联过", 25),
                C("venue", "活动阵地联建", 25), C("plan", "发展思路联谋", 25))),)),
        AssessmentTemplate(
            key=ANNUAL, label="两新组织年度党建考核", target_kind="party_org", period_kind="year", order=51,
            grade_bands=(("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)),
            description="考核结果与证照年审、争资争项、行业评优挂钩。",
            sections=(
                Section("base", "强基", (C("setup", "支部设置", 15), C("life", "组织生活", 15), C("rules", "工作制度", 10))),
                Section("empower", "赋能", (C("talent", "人才招引与岗位建功", 15), C("orders", "点单服务", 10))),
                Section("cobuild", "共建", (C("joint", "共建共创活动", 15),)),
                Section("clean", "清朗", (C("clean", "清廉民企与廉政文化", 10), C("open", "党务企务公开", 10))),
            )),
    ]
