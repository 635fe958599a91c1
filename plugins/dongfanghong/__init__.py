"""东方红街道「红色'联'动力」二三四五工作体系 program plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from core.hookspecs import hookimpl
from core.money import Fen
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget


class Settings(BaseModel):
    group_count: int = Field(3, title="联组数量", ge=1, le=20)
    group_label: str = Field("联组", title="联组名称", min_length=1, max_length=20)
    brand_name: str = Field("红色“联”动力", title="品牌名称", min_length=1, max_length=40)
    group_budget_fen: Fen = Field(2_000_000, title="每个联组年度工作经费（元）")
    excellent_reward_fen: Fen = Field(1_000_000, title="优秀联组奖励（元）")
    excellent_top_n: int = Field(1, title="优秀联组名额", ge=0, le=20)
    leader_stipend_fen: Fen = Field(200_000, title="组长工作补贴（元）")
    deputy_stipend_fen: Fen = Field(100_000, title="副组长工作补贴（元）")
    startup_fund_fen: Fen = Field(500_000, title="新建企业党组织启动经费（元）")
    venue_subsidy_fen: Fen = Field(300_000, title="新建企业党组织阵地建设补助（元，阵地验收通过当年）")
    secretary_allowance_fen: Fen = Field(120_000, title="新建企业党组织书记岗位补贴（元/年）")
    demo_venue_district_fen: Fen = Field(0, title="区级示范性阵地配套补助及奖励（元；由区核定，原文未规定，0 为不计）")
    demo_venue_city_fen: Fen = Field(0, title="市级示范性阵地配套补助及奖励（元；由市核定，原文未规定，0 为不计）")
    new_org_years: int = Field(
        1, title="新建党组织认定期限（年；1 为成立当年，原文未规定，本辖区设置）", ge=1, le=10)
    young_age: int = Field(35, title="青年党员年龄上限（周岁）", ge=18, le=45)
    duty_min_per_month: int = Field(
        1, title="专干履职：每月每类至少记录数（原文未规定；0 为不提示缺口）", ge=0, le=31)
    party_org_reward_template: Literal["dongfanghong.secretary_review", "dongfanghong.inspection"] = Field(
        "dongfanghong.secretary_review", title="两新党组织经费奖补依据（书记述职评议或日常党务督导检查）")
    party_org_reward_top_n: int = Field(3, title="两新党组织经费奖补名额（原文未规定）", ge=0, le=100)
    party_org_reward_fen: Fen = Field(0, title="两新党组织经费奖补金额（元；原文未规定，0 为不奖补）")
    title_validity_months: int = Field(
        0, title="标准化规范化党组织、先进基层党组织、两新党建示范点称号有效期（月；0 为长期，原文未规定）", ge=0, le=120)
    venue_items_1: str = Field(
        "", title="一类阵地验收事项（本辖区设置，原文未规定；用“；”分隔，事项前加 * 表示须上传佐证）", max_length=2000)
    venue_items_2: str = Field(
        "", title="二类阵地验收事项（本辖区设置，原文未规定；用“；”分隔，事项前加 * 表示须上传佐证）", max_length=2000)
    venue_items_3: str = Field(
        "", title="三类阵地验收事项（本辖区设置，原文未规定；用“；”分隔，事项前加 * 表示须上传佐证）", max_length=2000)
    venue_top_class: int = Field(
        1, title="最高阵地类别（1：一类最高，3：三类最高；原文未规定，本辖区设置）", ge=1, le=3)
    phase1_due: str = Field("", title="第一阶段（调查摸底）完成时间（原文未规定，本辖区设置；如“3月底”，空为年底）", max_length=20)
    phase2_due: str = Field("", title="第二阶段（会议动员、成立联组）完成时间（原文未规定，本辖区设置）", max_length=20)
    phase3_due: str = Field("", title="第三阶段（持续推进）完成时间（原文未规定，本辖区设置）", max_length=20)
    phase4_due: str = Field("", title="第四阶段（总结提升、选树典型）完成时间（原文未规定，本辖区设置）", max_length=20)
    demo_site_validity_months: int = Field(
        36, title="示范性党群活动阵地称号有效期（月；0 为长期，原文未规定）", ge=0, le=120)

    @field_validator("phase1_due", "phase2_due", "phase3_due", "phase4_due")
    @classmethod
    def _due(cls, v: str) -> str:
        from plugins.campaigns.api import parse_deadline

        v = (v or "").strip()
        if v:
            parse_deadline(v, 2026)  # ValueError with a Chinese message: shown on the settings form
        return v

    @field_validator("venue_top_class")
    @classmethod
    def _top(cls, v: int) -> int:
        if v not in (1, 3):
            raise ValueError("请填写 1（一类最高）或 3（三类最高）")
        return v


meta = PluginMeta(
    name="dongfanghong",
    label="红色“联”动力（二三四五工作体系）",
    version="0.1.0",
    description="两级平台、三项工程、四金服务、五大保障：联组、专干履职、四金服务、量化考核、经费保障与四阶段推进。",
    depends=("lists", "assessment", "activities", "campaigns", "funds", "designations", "units", "checklists",
             "membership"),
    settings=Settings,
)

READ, WRITE, ALL_GROUPS = "dongfanghong:read", "dongfanghong:write", "dongfanghong:groups_all"
PERMISSIONS = [
    Permission(READ, "查看红色“联”动力（联组、专干履职、三项工程、阵地、合作、服务管家、推荐）"),
    Permission(WRITE, "管理红色“联”动力（指定专干、服务管家、推荐评审、阵地验收、经费保障、所有联组）"),
    Permission(ALL_GROUPS, "查看全部联组（否则只看本人任组长/副组长的联组）"),
]
ROLES = [
    Role("tenant_admin", permissions=(READ, WRITE, ALL_GROUPS)),
    Role("staff", permissions=(READ, WRITE, ALL_GROUPS)),
    Role("instructor", permissions=(READ, ALL_GROUPS)),
    Role("viewer", permissions=(READ, ALL_GROUPS)),
    # an org secretary who is a 组长 / 副组长 sees (and as 组长 manages) only their own group
    Role("org_secretary", permissions=(READ,)),
]


def _settings(tenant):
    from core.plugins import registry

    return registry().settings(tenant.id, "dongfanghong")


@hookimpl
def register_cluster_types(tenant):
    from plugins.dongfanghong.platform import committee_type
    from plugins.dongfanghong.service import joint_group_type

    return [joint_group_type(_settings(tenant).group_label), committee_type()]


@hookimpl
def register_extra_fields(tenant):
    from plugins.dongfanghong.projects import extra_fields

    return extra_fields(tenant)


@hookimpl
def register_nav_items(tenant, settings):
    # one item: every page of the program carries its sub-navigation (dongfanghong:SubNav)
    return [NavItem(settings.brand_name, "dongfanghong", permission=READ, order=20)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings, viewer):
    from plugins.dongfanghong.service import joint_groups

    groups = joint_groups(session)
    scope = ""
    if not viewer.can(ALL_GROUPS):  # a 组长 / 副组长: the groups they lead
        led = viewer.scope().cluster_ids
        groups = [g for g in groups if g.id in led]
        scope = viewer.scope().label
    return [Widget(settings.brand_name, "dongfanghong:Widget",
                   {"groups": groups, "href": f"/t/{tenant.slug}/dongfanghong"}, permission=READ, order=20,
                   scope=scope)]


@hookimpl
def register_list_schemes(tenant):
    from plugins.dongfanghong.program import list_scheme

    return [list_scheme()]


@hookimpl
def register_activity_types(tenant):
    from plugins.dongfanghong.program import activity_types

    return activity_types()


@hookimpl
def register_site_kinds(tenant):
    from plugins.dongfanghong.program import site_kinds

    return site_kinds()


@hookimpl
def register_assessment_templates(tenant):
    from plugins.dongfanghong.program import assessment_templates

    return assessment_templates()


@hookimpl
def register_reward_rules(tenant):
    from plugins.dongfanghong.program import reward_rules

    return reward_rules(_settings(tenant))


@hookimpl
def register_designation_kinds(tenant):
    from plugins.dongfanghong.program import designation_kinds

    return designation_kinds(_settings(tenant))


@hookimpl
def on_round_published(session, tenant, round):
    """量化 → 示范阵地: a published 示范性党群活动阵地评选 records the designations (quantified.py)."""
    from plugins.dongfanghong.quantified import record_demo_sites

    record_demo_sites(session, tenant, round)


@hookimpl
def register_checklist_templates(tenant):
    from plugins.dongfanghong.venues import venue_templates

    return venue_templates(_settings(tenant))


@hookimpl
def on_checklist_decided(session, tenant, checklist, action):
    from plugins.dongfanghong.venues import on_decided

    on_decided(session, tenant, checklist, action)


@hookimpl
def register_campaign_templates(tenant):
    from plugins.dongfanghong.program import campaign_templates

    return campaign_templates(_settings(tenant))


@hookimpl
def register_demo_data(session, tenant):
    from plugins.dongfanghong.demo import load

    load(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.dongfanghong.imports import cooperation_kind, cultivation_kind, dues_kind

    return [dues_kind(), cultivation_kind(), cooperation_kind()]
