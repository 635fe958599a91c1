"""How the dongfanghong program configures the building blocks (lists, assessment, activities,
campaigns, funds). Pure functions of the tenant's settings; __init__ wires them as hookimpls."""

from __future__ import annotations

from plugins.dongfanghong.service import JOINT_GROUP

# --- DFH-4 金渠道 / 金口碑: lists ---------------------------------------------------------------

CLAIMER_ROLES = (("policy", "政策宣讲员"), ("liaison", "政企联络员"), ("coordinator", "困难协调员"),
                 ("service", "企业服务员"))
SPECIAL_ACTIONS = (("solve", "我为企业解个难"), ("deed", "我为企业办实事"), ("advice", "我为发展支个招"))
TRIAGE_LEVELS = (("onsite", "现场办公快速解决"), ("integrate", "整合资源协同解决"), ("escalate", "对上协调争取解决"))
CATEGORIES = (("policy", "惠企政策"), ("incubation", "企业孵化"), ("cost", "节本增收"), ("talent", "人才培育"),
              ("commute", "通勤出行"), ("promotion", "宣传推介"), ("other", "其他"))
PROVIDER_KINDS = (("government", "政务"), ("education", "教育"), ("medical", "医疗"), ("finance", "金融"),
                  ("talent", "人才"), ("enterprise", "两新组织"), ("social", "社会机构"))


def list_scheme():
    from plugins.lists.api import Choice, ListScheme

    return ListScheme(
        key="dongfanghong.three_lists",
        label="“双向认领”三张清单",
        demand_list="需求清单",
        resource_list="资源清单",
        work_lists=(Choice("task", "任务清单"),),
        categories=tuple(Choice(k, v) for k, v in CATEGORIES),
        triage_levels=tuple(Choice(k, v) for k, v in TRIAGE_LEVELS),
        claimer_roles=tuple(Choice(k, v) for k, v in CLAIMER_ROLES),
        special_actions=tuple(Choice(k, v) for k, v in SPECIAL_ACTIONS),
        provider_kinds=tuple(Choice(k, v) for k, v in PROVIDER_KINDS),
        station_label="工作服务站",
        escalation_level="escalate",
        order=10,
        description="两新组织的需求清单、整合各方优质资源的资源清单、满足需求解决问题的任务清单；服务管家双向认领。",
    )


# --- DFH-4 金品质: activities -------------------------------------------------------------------


ZERO_DISTANCE = (
    ("dongfanghong.joint_meeting", "政企联席会", "政府部门与两新组织联席协商，畅通沟通渠道"),
    ("dongfanghong.dispatch_meeting", "专题调度会", "围绕两新组织的具体需求和难题专题调度"),
    ("dongfanghong.observation", "交流观摩会", "两新组织之间、联组之间交流观摩"),
    ("dongfanghong.breakfast", "政企早餐会", "“政企早餐会”：面对面听取企业意见建议"),
)


def site_kinds():
    """实践教学点 (000 金品质: 社区（村）、两新组织实践教学点) — the 街道党校 is the sites block's own kind
    ``sites.party_school``."""
    from plugins.sites.api import SiteKind

    return [SiteKind("dongfanghong.teaching_point", "实践教学点", services=("实践教学", "培训讲堂", "主题沙龙"),
                     description="社区（村）、两新组织实践教学点，与街道党校联合开设培训讲堂", order=61)]


def activity_types():
    from plugins.activities.api import ActivityType, Cadence

    return [
        ActivityType("dongfanghong.salon", "金品质主题沙龙", ("tenant", "cluster", "party_org"), has_speakers=True,
                     description="邀请党建专家、企业名家和文化大家为企业高管、行业精英、党建骨干传经送宝",
                     group="金品质", order=30),
        ActivityType("dongfanghong.training", "金品质培训讲堂", ("tenant", "cluster", "party_org"), has_speakers=True,
                     description="依托街道党校、社区（村）和两新组织实践教学点联合开设", group="金品质", order=31),
        ActivityType("dongfanghong.talent_service", "人才服务活动", ("tenant", "cluster"),
                     description="围绕人才就业、医疗、子女教育、住房等需求", group="金品质", order=32),
        # 金渠道: the 零距离服务 platforms (000: 政企联席会、专题调度会、交流观摩会、“政企早餐会”); the seed
        # gives them no cadence, so none is set
        *(ActivityType(key, label, ("tenant", "cluster"), description=desc, group="金渠道·零距离服务", order=20 + i)
          for i, (key, label, desc) in enumerate(ZERO_DISTANCE)),
        ActivityType("dongfanghong.group_meeting", "联组会商", ("cluster",),
                     Cadence("quarter", applies_to="cluster", cluster_types=(JOINT_GROUP,)),
                     description="街道两新综合党委牵头，各联组、社区（村）党组织定期会商", group="联组", order=33),
    ]


# --- DFH-3 量化: assessment ---------------------------------------------------------------------


def assessment_templates():
    from plugins.assessment.api import AssessmentTemplate, Criterion, Section

    C = Criterion
    return [
        AssessmentTemplate(
            key="dongfanghong.group_ranking", label="联组工作考核评优", target_kind="cluster",
            period_kind="year", cluster_type=JOINT_GROUP, order=10,
            description="对各联组年度工作量化考核并排名，结果与工作经费奖补直接挂钩。",
            sections=(
                Section("mechanism", "机制运行", (C("meetings", "定期会商、以会带训", 20), C("supervision", "定期督导", 10))),
                Section("service", "四金服务", (C("lists", "三张清单双向认领办结", 20), C("activities", "沙龙培训等活动", 15))),
                Section("effect", "作用发挥", (C("cobuild", "与社区（村）互联共建", 20), C("coverage", "两个覆盖推进", 15))),
            )),
        AssessmentTemplate(
            key="dongfanghong.inspection", label="日常党务督导检查", target_kind="party_org", period_kind="quarter",
            order=20, description="基本数据动态掌握、基本工具熟练使用、基本制度贯彻落实、基本业务结合开展。",
            sections=(Section("basics", "四个基本", (
                C("data", "基本数据动态掌握", 25), C("tools", "基本工具熟练使用", 25),
                C("rules", "基本制度贯彻落实", 25), C("work", "基本业务结合开展", 25))),)),
        AssessmentTemplate(
            key="dongfanghong.secretary_review", label="党组织书记述职评议", target_kind="party_org",
            period_kind="year", scoring="weighted", self_assessment=True, order=30,
            description="两新党组织考评述职机制：书记述职、评议打分。",
            sections=(Section("review", "述职评议", (
                C("duty", "履行第一责任人职责", weight=30), C("members", "党员队伍建设（双向培养）", weight=30),
                C("development", "党建与发展融合", weight=40))),)),
        AssessmentTemplate(
            key="dongfanghong.demo_site", label="示范性党群活动阵地评选", target_kind="party_org", period_kind="year",
            grade_bands=(("三个一流", 90), ("达标", 75), ("未达标", 0)), order=40,
            description="阵地建设一流、规范管理一流、作用发挥一流。",
            sections=(
                Section("venue", "阵地建设一流", (C("space", "场地与标识", 20), C("facilities", "设施与功能", 15))),
                Section("management", "规范管理一流", (C("rules", "制度上墙与台账", 15), C("records", "活动记录规范", 15))),
                Section("effect", "作用发挥一流", (C("use", "阵地使用频次", 20), C("impact", "服务成效与影响", 15))),
            )),
    ]


# --- DFH-5 funds --------------------------------------------------------------------------------


def reward_rules(settings):
    from plugins.funds.api import RewardRule

    rank_fen = {r: settings.excellent_reward_fen for r in range(1, settings.excellent_top_n + 1)}
    # 量化 results fund the two-new party orgs too (考核结果与工作经费奖补直接挂钩): the ranks and the
    # amount are the tenant's settings — the seed gives neither (0: no proposal)
    po_fen = {r: settings.party_org_reward_fen for r in range(1, settings.party_org_reward_top_n + 1)}
    return [RewardRule(key="dongfanghong.excellent_group", label="优秀联组奖励工作经费",
                       template_key="dongfanghong.group_ranking", rank_fen=rank_fen, grade_fen={}),
            RewardRule(key="dongfanghong.party_org_reward", label="两新党组织工作经费奖补",
                       template_key=settings.party_org_reward_template, rank_fen=po_fen, grade_fen={})]


# --- DFH-3 量化 → designations: demonstration sites ---------------------------------------------

DEMO_SITE = "dongfanghong.demo_site"  # the designation kind and the assessment template share the key
STANDARD_ORG, ADVANCED_ORG, MODEL_POINT = ("dongfanghong.standard_org", "dongfanghong.advanced_org",
                                           "dongfanghong.model_point")


def designation_kinds(settings):
    """评选挂牌一批"阵地建设一流、规范管理一流、作用发挥一流"的示范性党群活动阵地 (000): a party org's
    venue (or a site, once the sites block registers it) graded 三个一流 in the yearly 示范阵地评选
    is recorded in force when the round is published (quantified.record_demo_sites). Validity: the tenant's setting (the seed says none)."""
    from plugins.designations.api import DesignationKind, FromAssessment

    return [DesignationKind(
        key=DEMO_SITE, label="示范性党群活动阵地", subjects=("party_org", "site"), levels=("street", "district", "city"),
        validity_months=settings.demo_site_validity_months or None,
        description="阵地建设一流、规范管理一流、作用发挥一流（评选挂牌）",
        from_assessment=(FromAssessment(DEMO_SITE, grades=("三个一流",), level="street"),), order=10),
        # 选树一批标准化规范化基层党组织 … 争创一批先进基层党组织、两新党建示范点 (000); validity: the setting
        DesignationKind(
            key=STANDARD_ORG, label="标准化规范化党组织", subjects=("party_org",), levels=("street", "district", "city"),
            validity_months=settings.title_validity_months or None,
            description="在上级部门指导下选树的标准化规范化基层党组织", order=11),
        DesignationKind(
            key=ADVANCED_ORG, label="先进基层党组织", subjects=("party_org",), levels=("street", "district", "city"),
            validity_months=settings.title_validity_months or None, description="争创的先进基层党组织", order=12),
        DesignationKind(
            key=MODEL_POINT, label="两新党建示范点", subjects=("party_org", "organization"),
            levels=("street", "district", "city"), validity_months=settings.title_validity_months or None,
            description="争创的两新党建示范点，发挥示范引领作用", order=13)]


# --- DFH-6 campaigns ----------------------------------------------------------------------------


PHASES = (
    ("调查摸底，初步沟通", ("依托企业名录库、党建管理平台拉网式摸底排查", "综合分类、梳理建档，形成工作台账")),
    ("会议动员，成立联组", ("举办两新党组织座谈会暨党建品牌启动仪式", "成立联组，颁发组长、副组长聘书", "开展沙龙培训")),
    ("持续推进，长效聚合", ("各联组、社区（村）党组织定期会商", "组织开展各类共建、创建活动")),
    ("总结提升，选树典型", ("总结上报典型经验", "推荐优秀党员、优秀党务工作者、支持党建工作优秀企业家",
                           "参与市、区两新党建创新案例评选")),
)


def campaign_templates(settings):
    """The four phases and their tasks as the seed lists them; the seed gives no dates, so each
    phase's deadline is the tenant's setting ``phase<n>_due`` ("3月底", "2026-05-31" …; empty: the
    end of the campaign's year, the campaigns engine's default)."""
    from plugins.campaigns.api import CampaignTemplate, PhaseTemplate, TaskTemplate

    return [CampaignTemplate(
        key="dongfanghong.four_phases", label="红色“联”动力四步推进",
        description="调查摸底 → 会议动员、成立联组 → 持续推进 → 总结提升、选树典型（各阶段完成时间为本辖区设置）",
        phases=tuple(PhaseTemplate(title, tuple(TaskTemplate(t, due=getattr(settings, f"phase{n}_due", ""))
                                                for t in tasks))
                     for n, (title, tasks) in enumerate(PHASES, start=1)))]
