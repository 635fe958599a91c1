"""A few generic demo rows for a tenant that enabled the campaigns engine (idempotent; dates
relative to the day it runs). Programs start their own campaigns from their templates.

* a campaign with two phases and three tasks (one done, one overdue), unless it is there already;
* a district: the obligation "月度工作报表" (monthly, due on the 5th) for its streets;
* a street whose parent set obligations: its report for the period before the current one, so
  that the district sees one period reported and the current one still missing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.tenancy import TenantInfo, tree
from plugins.campaigns import service as svc
from plugins.campaigns.models import Campaign, CampaignPhase, CampaignReport, ReportObligation

OBLIGATION = "月度工作报表"


def _title(today: dt.date) -> str:
    return f"{today.year}年两新党建重点工作推进"


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    # each step looks for its own rows, never for "any campaign": a program may have started one
    if not session.scalar(select(Campaign.id).where(Campaign.title == _title(today)).limit(1)):
        _campaign(session, tenant, today)
    if tree().children.get(tenant.id) and not session.scalar(
            select(ReportObligation.id).where(ReportObligation.title == OBLIGATION).limit(1)):
        svc.create_obligation(session, {"title": OBLIGATION, "cadence": "monthly", "due_day": "5",
                                        "figure_labels": "走访企业数，解决问题数",
                                        "description": "各街道每月5日前报送上月工作情况。"})
    _reports(session, tenant, today)


def _campaign(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    campaign = svc.create_campaign(session, tenant, {
        "title": _title(today), "year": str(today.year), "start_on": f"{today.year}-01-01",
        "description": "演示数据：分阶段推进的重点任务。"})
    for title in ("调查摸底", "持续推进"):
        svc.add_phase(session, campaign, {"phase_title": title})
    first, second = session.scalars(select(CampaignPhase).where(CampaignPhase.campaign_id == campaign.id)
                                    .order_by(CampaignPhase.position)).all()
    done = svc.add_task(session, tenant, campaign, {"title": "摸清辖区两新组织底数", "phase_id": str(first.id),
                                                     "deadline": "1月底"})[0]
    svc.transition(session, done, "complete", {"evidence": "已完成摸排并建立台账", "completed_on": f"{today.year}-01-20"},
                   max(today, dt.date(today.year, 1, 20)))
    svc.add_task(session, tenant, campaign, {"title": "召开动员部署会", "phase_id": str(first.id),
                                            "deadline": (today - dt.timedelta(days=7)).isoformat()})
    svc.add_task(session, tenant, campaign, {"title": "年度工作总结", "phase_id": str(second.id), "deadline": "全年"})


def _reports(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    if tenant.parent_id is None:
        return
    for ob in svc.inherited_obligations(tenant):
        if ob.tenant_id == tenant.id or session.scalar(select(func.count(CampaignReport.id))
                                                       .where(CampaignReport.obligation_id == ob.id)):
            continue
        period = svc.recent_periods(ob.cadence, today, 2)[1]  # reported; the current one is still open
        raw = {"period": period, "body": f"{tenant.name}{svc.period_label(ob.cadence, period)}工作情况：走访两新组织、"
                                         "收集需求并推动解决，详见附表。"}
        raw |= {f"figure_{i}": str(12 + 3 * i) for i, _label in enumerate(svc.figure_labels(ob))}
        svc.submit_report(session, tenant, ob, raw, svc.due_date(ob, period) - dt.timedelta(days=1))
