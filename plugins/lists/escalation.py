"""Escalation up the tenant tree: a street hands a demand to its district, the district answers
or forwards it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.plugins import registry
from core.tenancy import TenantInfo, tree
from plugins.lists.access import Access
from plugins.lists.inputs import Checker
from plugins.lists.models import ListComment, ListDemand
from plugins.lists.schemes import PLUGIN, fire
from plugins.lists.states import check_action
from plugins.lists.types import EffectiveScheme


def _enabled_parent(tenant_id: int) -> TenantInfo:
    t = tree()
    me = t.by_id[tenant_id]
    parent = t.by_id.get(me.parent_id) if me.parent_id else None
    if parent is None or parent.archived:
        raise FormErrors({"status": f"「{me.name}」没有上级辖区，无法上报"})
    if not registry().is_enabled(parent.id, PLUGIN):
        raise FormErrors({"status": f"上级辖区「{parent.name}」未启用清单工作法，无法上报"})
    return parent


def escalate(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
             raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """对上协调: the demand goes to the parent tenant's escalation queue (its own items stay here)."""
    access.require("triage")
    check_action(demand, "escalate")
    if demand.escalation_status == "pending":
        target = tree().by_id.get(demand.escalated_to_id or 0)
        raise FormErrors({"status": f"已上报「{target.name if target else '上级'}」，请等待答复"})
    c = Checker()
    reason = c.text(raw, "escalation_reason", "上报说明", 2000, required=True)
    c.done()
    parent = _enabled_parent(demand.tenant_id)
    demand.escalated_to_id, demand.escalated_on = parent.id, today
    demand.escalation_reason, demand.escalation_status, demand.escalation_reply = reason, "pending", ""
    if scheme.escalation_level in scheme.labels["triage_levels"]:
        demand.triage_level = scheme.escalation_level
    fire(session, demand, "escalate", demand.status, demand.status)
    return demand


def escalation_select(tenant_id: int) -> Select:
    """Demands escalated to ``tenant_id`` (run in a session over its subtree: its streets only)."""
    return select(ListDemand).where(ListDemand.escalated_to_id == tenant_id)


def get_escalation(session: Session, tenant_id: int, demand_id: int) -> ListDemand:
    demand = session.scalar(escalation_select(tenant_id).where(ListDemand.id == demand_id))
    if demand is None:
        raise NotFoundException("上报事项不存在")
    return demand


def answer_escalation(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand,
                      raw: Mapping[str, Any], author_name: str = "") -> ListDemand:
    """The district (``tenant``) answers an escalation of one of its streets."""
    access.require_tenant_triage()
    if demand.escalated_to_id != tenant.id:
        raise NotFoundException("上报事项不存在")
    if demand.escalation_status != "pending":
        raise FormErrors({"status": "该上报事项已答复"})
    c = Checker()
    reply = c.text(raw, "reply", "答复意见", 2000, required=True)
    c.done()
    demand.escalation_status, demand.escalation_reply = "answered", reply
    session.add(ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                            author_name=author_name or access.username, author_tenant_id=tenant.id,
                            kind="reply", body=f"{tenant.name}答复：{reply}"))
    fire(session, demand, "answer", demand.status, demand.status)
    return demand


def forward_escalation(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand,
                       raw: Mapping[str, Any], today: dt.date, author_name: str = "") -> ListDemand:
    """The district passes an escalation on to its own parent (e.g. the city)."""
    access.require_tenant_triage()
    if demand.escalated_to_id != tenant.id:
        raise NotFoundException("上报事项不存在")
    if demand.escalation_status != "pending":
        raise FormErrors({"status": "该上报事项已答复"})
    c = Checker()
    reason = c.text(raw, "reply", "转报说明", 2000, required=True)
    c.done()
    parent = _enabled_parent(tenant.id)
    demand.escalated_to_id, demand.escalated_on = parent.id, today
    session.add(ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                            author_name=author_name or access.username, author_tenant_id=tenant.id,
                            kind="reply", body=f"{tenant.name}转报{parent.name}：{reason}"))
    fire(session, demand, "forward", demand.status, demand.status)
    return demand
