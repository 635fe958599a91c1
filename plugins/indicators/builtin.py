"""The block's own indicators: coverage rates and new party orgs from the core registry, and the
new demonstration points entered with evidence until a block computes them. None carries a
target: programs give them their seed figures (``api.with_default``), tenants set their own."""

from __future__ import annotations

import dataclasses

from plugins.indicators import sources
from plugins.indicators.types import Indicator

COVERAGE = "两个覆盖"
BUILD = "组织建设"

BUILTINS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("indicators.coverage_social", "社会组织党组织覆盖率", "%", sources.coverage_rate("social"),
              decimals=1, group=COVERAGE, order=10,
              description="在营社会组织中被党组织覆盖的比例（与「两个覆盖」页同一口径，期末或当日）"),
    Indicator("indicators.coverage_enterprise", "非公企业党组织覆盖率", "%", sources.coverage_rate("enterprise"),
              decimals=1, group=COVERAGE, order=11,
              description="在营非公企业中被党组织覆盖的比例（与「两个覆盖」页同一口径，期末或当日）"),
    Indicator("indicators.coverage_all", "两新组织党组织覆盖率", "%", sources.coverage_rate("all"),
              decimals=1, group=COVERAGE, order=12, description="在营两新组织中被党组织覆盖的比例"),
    Indicator("indicators.work_coverage", "两新组织党的工作覆盖率", "%", sources.coverage_rate("all", "work_covered"),
              decimals=1, group=COVERAGE, order=13,
              description="组织覆盖，或开展党的工作，或有党建指导员的在营两新组织的比例"),
    Indicator("indicators.new_party_orgs", "新建党组织数", "个", sources.new_party_orgs(), group=BUILD, order=20,
              description="成立日期在本期间内的党组织（含已撤销的）"),
    Indicator("indicators.new_demonstration_points", "新增示范点数", "个", group=BUILD, order=30,
              description="本期间新认定的示范点；按期填报并附佐证（认定名单、文件文号），上级为下级填报之和"),
)}

#: where the tenant runs the designations block: 新增示范点 counted from its 两新党建示范点
DEMO_POINT_KINDS = ("designations.demo_point",)
COUNTED_DEMO_POINTS = dataclasses.replace(
    BUILTINS["indicators.new_demonstration_points"], compute=sources.new_designations(DEMO_POINT_KINDS),
    description="本期间新认定且未撤销的两新党建示范点（称号管理中「两新党建示范点」，含下级）")


def for_tenant(tenant_id: int) -> list[Indicator]:
    """The built-ins as ``tenant`` gets them (counted demonstration points where it runs designations)."""
    from core.plugins import registry

    counted = registry().is_enabled(tenant_id, "designations")
    return [COUNTED_DEMO_POINTS if counted and i.key == COUNTED_DEMO_POINTS.key else i for i in BUILTINS.values()]
