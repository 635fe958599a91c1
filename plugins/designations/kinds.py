"""The block's generic designation kinds — the titles the seeds name again and again — offered
while the tenant's setting ``generic_kinds`` is on. Programs register their own (with their own
review rules, validity and assessment links) through ``register_designation_kinds``."""

from __future__ import annotations

from plugins.designations.types import DesignationKind


def generic_kinds() -> list[DesignationKind]:
    K = DesignationKind
    return [
        K("designations.demo_point", "两新党建示范点", ("organization", "party_org"), validity_months=36,
          description="可学习、可借鉴、可复制、可推广的两新党建示范点（004：全年至少新增 10 个）", order=900),
        K("designations.benchmark", "示范标杆党组织", ("party_org",), validity_months=36,
          description="已挂牌的“示范标杆”党支部，实行动态管理（001）", order=901),
        K("designations.demo_venue", "示范性党群活动阵地", ("party_org", "site"), validity_months=36,
          description="阵地建设一流、规范管理一流、作用发挥一流（000）", order=902),
        K("designations.red_workshop", "红色车间", ("organization",), validity_months=24,
          description="赋能工程创建活动（001）", order=903),
        K("designations.model_post", "党员示范岗", ("member",), validity_months=12, order=904),
        K("designations.responsibility_area", "党员责任区", ("member",), validity_months=12, order=905),
        K("designations.vanguard_post", "共产党员先锋岗", ("member",), validity_months=12,
          description="在两新组织关键岗位、产业一线表彰（003）", order=906),
        K("designations.five_star", "五星党组织", ("party_org",), validity_months=12,
          description="“五星三强”培育（004）", order=907),
        K("designations.clean_enterprise", "清廉民企", ("organization",), validity_months=24,
          description="清廉南湖之“清廉民企”创建（001）", order=908),
    ]
