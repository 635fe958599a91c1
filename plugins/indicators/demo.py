"""Demo rows for a tenant that enabled the indicators block (idempotent per row): this year's
targets for the coverage rates and new party orgs (the figures of seed 001, 南湖新区 — a tenant's
own setting here, since no program provides them as defaults on the demo tenants), and for a
street, new demonstration points entered with evidence for last year and this year."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, periods
from core.tenancy import TenantInfo
from plugins.indicators import service as svc
from plugins.indicators.models import IndicatorActual, IndicatorTarget

NOTE = "参照南湖新区年度目标（社会组织 96.5%、非公企业 94.6%、全年新建党组织 38 个）"
TARGETS = (("indicators.coverage_social", "96.5"), ("indicators.coverage_enterprise", "94.6"),
           ("indicators.coverage_all", "95"))
NEW_ORGS = {"district": "38", "city": "120", "street": "6"}
POINTS = {"street": ("3", "2"), "district": ("10", "10"), "city": ("30", "30")}


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    year = periods.containing("year", today)
    have = set(session.scalars(select(IndicatorTarget.indicator).where(
        IndicatorTarget.tenant_id == tenant.id, IndicatorTarget.period_kind == "year",
        IndicatorTarget.period == year.key)))
    wanted = [*TARGETS, ("indicators.new_party_orgs", NEW_ORGS.get(tenant.level, "6")),
              ("indicators.new_demonstration_points", POINTS.get(tenant.level, ("3", "2"))[0])]
    for key, value in wanted:
        if key not in have:
            svc.set_target(session, tenant, {"indicator": key, "period_kind": "year", "period": year.key,
                                             "value": value, "note": NOTE if key != "indicators.new_demonstration_points"
                                             else "每年新增示范点目标"})
    ind = svc.indicators_for(tenant).get("indicators.new_demonstration_points")
    if tenant.level != "street" or ind is None or ind.computed:  # counted from designations there
        return
    entered = set(session.scalars(select(IndicatorActual.period).where(
        IndicatorActual.tenant_id == tenant.id, IndicatorActual.indicator == "indicators.new_demonstration_points")))
    last = year.previous()
    for period, value, evidence in (
            (last, "3", f"{last.label}认定：红色车间 2 个、党员示范岗 1 个（街道党工委文件）"),
            (year, POINTS["street"][1], f"{year.label}已认定：楼宇党建示范点 2 个（认定名单已归档）")):
        if period.key not in entered:
            svc.enter_actual(session, tenant, {"indicator": "indicators.new_demonstration_points",
                                               "period_kind": "year", "period": period.key, "value": value,
                                               "evidence": evidence}, today, "demo")
