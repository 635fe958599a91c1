"""A test program plugin configuring the assessment engine (registered by the ``program`` fixture).

``TEMPLATES`` is mutable so tests can change a registered template (history must not move);
``PUBLISHED`` records every ``on_round_published`` call; a round whose title is in
``FAIL_ON`` makes the hook raise (the publication must then roll back).
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.plugin_types import ClusterType, LeaderRule
from plugins.assessment.types import STAR_GRADE_BANDS, AssessmentTemplate, Criterion, Section

GROUP_TYPE = "testprog.group"

PARTY_ORG_QUARTERLY = AssessmentTemplate(
    key="testprog.po_quarterly",
    label="测试党组织季度考核",
    target_kind="party_org",
    period_kind="quarter",
    self_assessment=True,
    sections=(
        Section("base", "基础工作", (
            Criterion("venue", "阵地建设", 40, evidence="阵地照片"),
            Criterion("ledger", "台账规范", 30),
        )),
        Section("role", "作用发挥", (Criterion("service", "服务发展", 30),)),
    ),
)

ORG_STARS = AssessmentTemplate(
    key="testprog.org_stars",
    label="测试企业星级评定",
    target_kind="organization",
    period_kind="year",
    scoring="weighted",
    rating_max=5,
    scale_max=100,
    precision=1,
    grade_bands=STAR_GRADE_BANDS,
    sections=(Section("all", "综合", (Criterion("norm", "规范管理", weight=1), Criterion("role", "作用发挥", weight=2))),),
)

GROUP_RANKING = AssessmentTemplate(
    key="testprog.group_ranking",
    label="测试联组考核评优",
    target_kind="cluster",
    cluster_type=GROUP_TYPE,
    period_kind="half_year",
    sections=(Section("all", "联组工作", (Criterion("work", "联组活动", 100),)),),
)

TEMPLATES: dict[str, AssessmentTemplate] = {}
PUBLISHED: list[tuple[int, object]] = []
FAIL_ON: set[str] = set()


def reset() -> None:
    TEMPLATES.clear()
    TEMPLATES.update({t.key: t for t in (PARTY_ORG_QUARTERLY, ORG_STARS, GROUP_RANKING)})
    PUBLISHED.clear()
    FAIL_ON.clear()


reset()


@hookimpl
def register_assessment_templates(tenant):
    return list(TEMPLATES.values())


@hookimpl
def on_round_published(session, tenant, round):
    if round.title in FAIL_ON:
        raise RuntimeError("testprog refuses this round")
    PUBLISHED.append((tenant.id, round))


@hookimpl
def register_cluster_types(tenant):
    return [ClusterType(GROUP_TYPE, "测试联组", leaders=(LeaderRule("leader", "组长", 0, 1),))]
