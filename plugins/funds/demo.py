"""A few generic demo rows for a tenant that enabled the funds engine (idempotent): the tenant's
work budget and party-dues refund, and — when the tenant has party orgs — a start-up grant and a
secretary stipend for its first branch, so that the ledger has a party org to show. Programs
add their own (东方红: each 联组's budget and stipends)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import PartyOrg
from core.tenancy import TenantInfo
from plugins.funds import service as svc
from plugins.funds.models import BudgetLine

REQUESTER, APPROVER = "demo", "demo_finance"
BRANCHES = ("branch", "joint_branch", "functional_branch")
WORK_LINE = "两新党建工作经费"


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    # a program may have added lines of its own already: look only for ours
    if session.scalar(select(BudgetLine.id).where(BudgetLine.target_kind == "tenant", BudgetLine.title == WORK_LINE)
                      .limit(1)):
        return
    today = today or clock.today()
    year = str(today.year)
    work = svc.create_line(session, tenant, {"year": year, "target_kind": "tenant", "category": "work",
                                             "title": WORK_LINE, "amount": "200000.00"})
    svc.create_line(session, tenant, {"year": year, "target_kind": "tenant", "category": "dues_refund",
                                      "title": "党费全额返还", "amount": "35000.00"})
    paid = svc.request_disbursement(session, work, {"amount": "12000.00", "purpose": "党群服务中心阵地维护",
                                                    "payee": f"{tenant.name}党群服务中心"}, today, REQUESTER)
    svc.decide(session, paid, "approve", {}, today, APPROVER, separate_approval=True)
    svc.decide(session, paid, "pay", {}, today, APPROVER)
    svc.request_disbursement(session, work, {"amount": "3500.50", "purpose": "主题党日活动物资"}, today, REQUESTER)
    branch = session.scalar(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None), PartyOrg.org_type.in_(BRANCHES))
                            .order_by(PartyOrg.id).limit(1))
    if branch is None:
        return
    startup = svc.create_line(session, tenant, {"year": year, "target_kind": "party_org", "target_id": str(branch.id),
                                                "category": "startup", "title": "新建党组织启动经费",
                                                "amount": "5000.00"})
    stipend = svc.create_line(session, tenant, {"year": year, "target_kind": "party_org", "target_id": str(branch.id),
                                                "category": "subsidy", "title": "书记岗位补贴", "amount": "2400.00"})
    first = svc.request_disbursement(session, startup, {"amount": "3000.00", "purpose": "党员活动室桌椅、制度上墙"},
                                     today, REQUESTER)
    svc.decide(session, first, "approve", {}, today, APPROVER, separate_approval=True)
    svc.decide(session, first, "pay", {}, today, APPROVER)
    svc.request_disbursement(session, stipend, {"amount": "600.00", "purpose": "第一季度书记岗位补贴"}, today,
                             REQUESTER)
