"""How the nanhu program configures the registry and the engines (clusters, lists, activities,
assessment). Pure functions; ``__init__`` wires them as hookimpls."""

from __future__ import annotations

from plugins.nanhu.keys import CLEAN, INTEGRITY_COURSE  # shared with service.py

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
    types += [ActivityType(key, label, ("party_org", "cluster", "tenant"), group="共建工程", order=70 + i, joint=True,
                           description="联点班子成员、区直单位、街道（管理处）与两新党组织共建共创：由共建双方共同组织")
              for i, (key, label) in enumerate(JOINT_TYPES)]
    types.append(ActivityType(MONTHLY_LESSON, "廉政文化“一月一课一片一实践”主题党日", ("party_org",),
                              Cadence("month", party_org_types=BRANCH_TYPES), group="清朗工程", order=80,
                              description="每月一堂廉政党课、一部警示教育片、一次廉洁实践"))
    types.append(ActivityType(INTEGRITY_COURSE, "党风廉政建设知识必修课", ("party_org", "cluster", "tenant"),
                              has_speakers=True, group="清朗工程", order=81,
                              description="两新组织党支部书记、入党积极分子等各类党务培训的必修课：出席即完成（种子文件001）"))
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

COBUILD_MONTH = "nanhu.cobuild_month"
COBUILD_QUARTER = "nanhu.cobuild_quarter"
COBUILD_HALF = "nanhu.cobuild_half"
COBUILD_ANNUAL = "nanhu.cobuild_annual"
ANNUAL = "nanhu.annual"
#: 001: 共建帮扶单位考核结果记入年度党建考核 — how much of the annual 共建 score each part brings (a
#: reading of the seed, which names the parts but not their weights)
ANNUAL_PARTS = ((COBUILD_QUARTER, "quarters", "一季一考核", 70), (COBUILD_HALF, "reviews", "半年一讲评", 30))


def assessment_templates():
    from plugins.assessment.api import AssessmentTemplate, Criterion, Section

    C = Criterion
    joint = (C("study", "理论知识联学", 25), C("life", "组织生活联过", 25),
             C("venue", "活动阵地联建", 25), C("plan", "发展思路联谋", 25))
    return [
        # 001 NH-3: the 共建帮扶单位 (区直部门、街道（管理处）— units of the units block) are checked,
        # assessed and reviewed on their 共建 with the two-new party orgs they help
        AssessmentTemplate(
            key=COBUILD_MONTH, label="两新组织党建共建检查（一月一检查）", target_kind="unit",
            period_kind="month", order=49, description="每月检查共建帮扶单位开展联学、联过、联建、联谋情况。",
            sections=(Section("joint", "本月共建", joint),)),
        AssessmentTemplate(
            key=COBUILD_QUARTER, label="两新组织党建共建考核（一季一考核）", target_kind="unit",
            period_kind="quarter", order=50,
            description="一月一检查、一季一考核、半年一讲评；共建帮扶单位考核结果记入年度党建考核及绩效考核。",
            sections=(Section("joint", "共建内容", joint),)),
        AssessmentTemplate(
            key=COBUILD_HALF, label="两新组织党建共建讲评（半年一讲评）", target_kind="unit",
            period_kind="half_year", order=52, grade_bands=(("好", 85), ("较好", 70), ("一般", 0)),
            description="半年集中讲评共建成效，结果记入年度党建考核。",
            sections=(Section("review", "讲评", (C("effect", "共建成效", 60), C("brand", "特色与品牌", 40))),)),
        AssessmentTemplate(
            key=COBUILD_ANNUAL, label="共建帮扶单位年度党建考核（两新共建部分）", target_kind="unit",
            period_kind="year", order=53, grade_bands=(("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)),
            description="共建帮扶单位考核结果记入年度党建考核及绩效考核：由本年度已公布的一季一考核、半年一讲评结果计入，不手工录入。",
            sections=(Section("cobuild", "两新共建", tuple(
                C(key, f"{label}平均得分", weight, description=f"本年度已公布的{label}总分平均后按 {weight}% 计入")
                for _template, key, label, weight in ANNUAL_PARTS)),)),
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


def feed_annual(session, tenant, year: int, actor: str):
    """001 NH-3 共建帮扶单位考核结果记入年度党建考核: the year's round of :data:`COBUILD_ANNUAL`
    (created for every unit with a published 一季一考核 or 半年一讲评 result that year, or the
    existing unpublished one), moved to scoring and filled per unit with the average total of
    those results (each on 100) times the part's weight, the rounds named as evidence. Staff
    then review and publish it on the assessment pages. Raises FormErrors (Chinese) when there is
    nothing to feed or the round is already under review."""
    from decimal import ROUND_HALF_UP, Decimal

    from sqlalchemy import select

    from core.forms import FormErrors
    from plugins.assessment import api as assessment

    parts: dict[str, dict[int, list]] = {}
    units: dict[int, str] = {}
    for template, key, _label, _weight in ANNUAL_PARTS:
        parts[key] = {}
        for r in assessment.published_results(session, template, "unit", year=year):
            parts[key].setdefault(r.target_id, []).append(r)
            units.setdefault(r.target_id, r.target_name)
    if not units:
        raise FormErrors({"year": f"{year}年还没有已公布的共建考核（一季一考核、半年一讲评）结果"})
    R = assessment.AssessmentRound
    rnd = session.scalar(select(R).where(R.template_key == COBUILD_ANNUAL, R.period == str(year),
                                         R.state != "published").order_by(R.id.desc()).limit(1))
    if rnd is None:
        if session.scalar(select(R.id).where(R.template_key == COBUILD_ANNUAL, R.period == str(year))):
            raise FormErrors({"year": f"{year}年共建帮扶单位年度考核已公布，不能再计入"})
        rnd = assessment.create_round(session, tenant, {
            "template": COBUILD_ANNUAL, "period": str(year), "target_mode": "chosen", "targets": sorted(units),
            "title": f"{year}年度共建帮扶单位党建考核（两新共建部分）"})
    if rnd.state == "draft":
        assessment.transition(session, tenant, rnd, "open")
    if rnd.state == "open":
        assessment.transition(session, tenant, rnd, "start_scoring")
    if rnd.state != "scoring":
        raise FormErrors({"year": f"「{rnd.title}」正在审核，不能再计入"})
    access = assessment.system_access(actor)
    for sheet in assessment.sheets_of(session, rnd):
        values = {}
        for _template, key, label, weight in ANNUAL_PARTS:
            found = parts[key].get(sheet.target_id, [])
            if not found:
                values[key] = ("0", f"本年度无已公布的{label}结果")
                continue
            avg = sum((r.total for r in found), Decimal(0)) / len(found)
            points = (avg * weight / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            names = "、".join(r.round_title for r in found)
            values[key] = (str(points), f"{names}：平均 {avg.quantize(Decimal('0.01'))} 分")
        assessment.save_scores(session, access, sheet, values)
    session.flush()
    return rnd


# --- NH-1 《管理手册-两新党建篇》: the checklists block ---------------------------------------------

HANDBOOK = "nanhu.handbook"
#: the handbook's six chapters (seed 001); the items are the program's reading of them — a tenant
#: defines its own template on the checklists pages when its handbook says otherwise
HANDBOOK_ITEMS = (
    ("setup_form", "党组织按规定方式组建（单独、联合或区域组建），隶属关系清楚", False, "支部设置"),
    ("setup_committee", "按期换届，支部委员会（或书记、副书记）设置符合规定", False, "支部设置"),
    ("life_lessons", "按期召开支部党员大会、支委会、党小组会，按时上好党课", False, "组织生活"),
    ("life_theme_day", "每月开展主题党日活动", False, "组织生活"),
    ("life_review", "每年召开组织生活会、开展民主评议党员", False, "组织生活"),
    ("service_members", "党员信息、组织关系、党费收缴管理规范", False, "管理服务"),
    ("service_staff", "联系服务职工群众，推动党建带群建", False, "管理服务"),
    ("rules_system", "建立“三会一课”、发展党员、党务公开等制度并上墙", False, "工作制度"),
    ("rules_records", "各类会议记录、台账资料齐全规范", False, "工作制度"),
    ("venue_space", "有固定活动场所，做到有牌子、有党旗、有制度", False, "阵地建设"),
    ("venue_use", "活动阵地常态化使用", False, "阵地建设"),
    ("review_report", "书记年度抓党建述职评议", False, "党建考核"),
    ("review_result", "参加年度党建考核，整改问题按期销号", False, "党建考核"),
)


def checklist_templates():
    from plugins.checklists.api import ChecklistTemplate, ItemSpec

    return [ChecklistTemplate(
        HANDBOOK, "两新党建标准化手册（支部设置、组织生活、管理服务、工作制度、阵地建设、党建考核）",
        items=tuple(ItemSpec(k, label, evidence, chapter=ch) for k, label, evidence, ch in HANDBOOK_ITEMS),
        subject_kinds=("party_org",), order=20,
        description="《南湖新区基层党建工作全域提升管理手册-两新党建篇》：围绕六个方面定制模板、形成标准，逐个党组织对标检查。")]


# --- NH-1 / NH-3 units: the 19 member units, 联点 and 帮扶 with their rules ---------------------------

LEADER_ROLE = "nanhu_leader"  # 党工委班子成员
STREET_OFFICE = "nanhu.street_office"  # 街道（管理处）as a unit that helps
LIANDIAN = "nanhu.liandian"
BANGFU = "nanhu.bangfu"


def unit_kinds():
    from plugins.units.api import UnitKind

    return [UnitKind(STREET_OFFICE, "街道（管理处）", "帮扶两新党组织的街道或管理处")]


def pairing_kinds():
    from plugins.units.api import PairingKind

    return [
        # 001: 每名党工委班子成员结合“1+4”产业链至少联点 1 个两新党组织
        PairingKind(LIANDIAN, "班子成员联点", holder_types=("user",), holder_roles=(LEADER_ROLE,),
                    target_types=("party_org",), min_pairings=1,
                    description="每名党工委班子成员结合“1+4”产业链至少联点1个两新党组织（种子文件001）"),
        # 001: 每个区直部门及街道（管理处）至少帮扶 1 个两新党组织
        PairingKind(BANGFU, "部门街道帮扶", holder_types=("unit",), holder_unit_kinds=("organ", "department", STREET_OFFICE),
                    target_types=("party_org",), min_pairings=1,
                    description="每个区直部门及街道（管理处）至少帮扶1个两新党组织（种子文件001）"),
    ]


# --- NH-2 / NH-4 designations ----------------------------------------------------------------------

RED_WORKSHOP, MODEL_POST, RESPONSIBILITY_AREA = "nanhu.red_workshop", "nanhu.model_post", "nanhu.responsibility_area"
BENCHMARK = "nanhu.benchmark"


def designation_kinds():
    from plugins.designations.api import DesignationKind, FromAssessment

    K = DesignationKind
    return [
        K(RED_WORKSHOP, "红色车间", ("organization",), validity_months=24, description="赋能工程创建活动", order=10),
        K(MODEL_POST, "党员示范岗", ("member",), validity_months=12, description="赋能工程创建活动", order=11),
        K(RESPONSIBILITY_AREA, "党员责任区", ("member",), validity_months=12, description="赋能工程创建活动", order=12),
        K(BENCHMARK, "示范标杆党支部", ("party_org",), validity_months=36, order=13,
          description="已挂牌的“示范标杆”党支部实行动态管理；违法经营、偷逃税款、侵权滥权的列入监管黑名单",
          from_assessment=(FromAssessment(ANNUAL, grades=("优秀",)),)),
        # 创建中 = 申报待审核, 验收命名 = 审核通过 (授予日期 = 验收命名日期); no acceptance without the file
        K(CLEAN, "清廉民企", ("organization",), needs_review=True, validity_months=24, order=14,
          evidence="清廉条款写入企业章程的佐证（章程修正案或股东会决议）",
          description="清廉南湖之“清廉民企”创建：申报即创建中，清廉条款写入企业章程并上传佐证后验收命名"),
    ]


# --- NH-1 / NH-2 indicators: the seed's figures as default targets of the district -------------------------

MEMBER_ORG_RATE, NEW_BRANCHES, TALENTS, SOLVED = "nanhu.member_org_rate", "nanhu.new_branches", "nanhu.talents", "nanhu.solved"
STRENGTHEN_KEYS = ("indicators.coverage_social", "indicators.coverage_enterprise", MEMBER_ORG_RATE,
                   "indicators.work_coverage", NEW_BRANCHES)
EMPOWER_KEYS = (TALENTS, SOLVED)


def _member_org_rate(session, tenant_ids, period):
    from decimal import Decimal

    from core import clock
    from core.registry.services import coverage as cov

    day = min(period.end, clock.today())
    figs = cov.sum_figures(cov.counts_by_tenant(session, tenant_ids, on=day).values())["all"]
    if not figs["has_members"]:
        return None
    return Decimal((figs["has_members"] - figs["members_no_org"]) * 100) / figs["has_members"]


def _new_branches(session, tenant_ids, period):
    import datetime as dt

    from sqlalchemy import func, select

    from core import clock
    from core.registry.models import PartyOrg

    from .service import BRANCH_TYPES

    end = min(period.end, clock.today())
    return session.scalar(select(func.count(PartyOrg.id)).where(
        PartyOrg.tenant_id.in_(tenant_ids), PartyOrg.org_type.in_(BRANCH_TYPES),
        PartyOrg.founded_on > end - dt.timedelta(days=365), PartyOrg.founded_on <= end)) or 0


def _talents(session, tenant_ids, period):
    from sqlalchemy import func, select

    from core import clock

    from .models import Talent

    end = min(period.end, clock.today())
    return session.scalar(select(func.coalesce(func.sum(Talent.headcount), 0)).where(
        Talent.tenant_id.in_(tenant_ids), Talent.recruited_on <= end)) or 0


def _solved(session, tenant_ids, period):
    from sqlalchemy import func, select

    from plugins.lists.api import ListDemand

    return session.scalar(select(func.count(ListDemand.id)).where(
        ListDemand.tenant_id.in_(tenant_ids), ListDemand.status.in_(("resolved", "rated")))) or 0


def indicators():
    from plugins.indicators import api as ind

    district = ("district",)
    return [
        ind.with_default("indicators.coverage_social", "96.5", levels=district, group="强基工程"),
        ind.with_default("indicators.coverage_enterprise", "94.6", levels=district, group="强基工程"),
        ind.with_default("indicators.work_coverage", 100, levels=district, group="强基工程",
                         label="两新组织党的工作覆盖率"),
        ind.Indicator(MEMBER_ORG_RATE, "有党员两新组织党支部组建率", "%", _member_org_rate, default_target=100,
                      default_levels=district, decimals=1, group="强基工程", order=30,
                      description="有党员的两新组织中已被党组织覆盖的比例"),
        ind.Indicator(NEW_BRANCHES, "一年内新建两新组织党支部", "个", _new_branches, default_target=38,
                      default_levels=district, group="强基工程", order=31,
                      description="截至期末前12个月内成立的党支部（含联合党支部、功能型党支部）"),
        ind.Indicator(TALENTS, "累计招引人才", "人", _talents, default_target=1300, default_levels=district,
                      group="赋能工程", order=32, description="人才招引台账累计人数"),
        ind.Indicator(SOLVED, "累计解决企业点单问题", "个", _solved, default_target=800, default_levels=district,
                      group="赋能工程", order=33, description="企业点单中已办结的需求"),
    ]


# --- NH-3 一月一检查、一季一考核、半年一讲评: the cadences block -------------------------------------

CADENCE_TEMPLATES = (COBUILD_MONTH, COBUILD_QUARTER, COBUILD_HALF)


def ensure_cadences(session, tenant) -> list:
    """The program's three recurrences for ``tenant`` (idempotent): each period's round of the
    共建 check / assessment / review is created by the cadences block's daily job."""
    import logging

    from core import clock
    from core.forms import FormErrors
    from plugins.cadences import api as cadences

    have = {r.template_key for r in cadences.recurrences(session, tenant)}
    made = []
    for key in CADENCE_TEMPLATES:
        if key in have:
            continue
        try:
            with session.begin_nested():
                made.append(cadences.create_recurrence(session, tenant, {
                    "kind": "assessment_round", "template_key": key,
                    "note": "两新组织党建共建考核机制：一月一检查、一季一考核、半年一讲评（种子文件001）"}, clock.today()))
        except FormErrors as exc:  # the engines not yet reachable for this tenant: the demo or the admin sets it up
            logging.getLogger(__name__).info("nanhu: recurrence %s not set up for %s: %s", key, tenant.slug, exc.errors)
    return made
