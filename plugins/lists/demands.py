"""Demands (需求): submission, editing, the triage steps (accept, start, resolve, reject), rating
and comments. Every step checks the state machine and fires ``on_list_demand_transition``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from litestar.exceptions import PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.forms import FormErrors, text
from core.registry.models import Organization
from plugins.lists.access import Access, is_requester
from plugins.lists.inputs import Checker, triage_field
from plugins.lists.models import ListComment, ListDemand
from plugins.lists.queries import works_of
from plugins.lists.schemes import fire
from plugins.lists.states import (
    OPEN_STATUSES,
    WORK_ACTIVE,
    Transition,
    check_action,
    check_transition,
    refuse_state,
)
from plugins.lists.stations import get_station
from plugins.lists.types import EffectiveScheme


def organization_options(session: Session, access: Access) -> dict[int, str]:
    """Organizations the principal may submit demands for: all (staff) or their own (secretary)."""
    stmt = select(Organization.id, Organization.name).order_by(Organization.name, Organization.id)
    if not access.can_write:
        if not access.can("submit"):
            return {}
        stmt = stmt.where(Organization.id.in_(access.own_org_ids()))
    return dict(session.execute(stmt.limit(2000)).all())


def clean_demand(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any]
                 ) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "title": c.text(raw, "title", "需求标题", 100, required=True),
        "description": c.text(raw, "description", "需求描述", 5000),
        "category": c.choice(raw, "category", "需求类别", scheme.options("categories"), required=True),
        "urgency": c.choice(raw, "urgency", "紧急程度", scheme.options("urgencies"), required=True,
                            default=scheme.urgencies[0].key),
        "action_tag": c.choice(raw, "action_tag", "专项行动", scheme.options("special_actions")),
        "contact_name": c.text(raw, "contact_name", "联系人", 50),
    }
    org_raw = text(raw, "organization_id")
    org = None
    if not org_raw:
        c.fail("organization_id", "请选择提出需求的组织")
    elif not org_raw.isdigit():
        c.fail("organization_id", "组织不存在")
    else:
        org = session.get(Organization, int(org_raw))  # another tenant's is filtered out
        if org is None:
            c.fail("organization_id", "组织不存在")
        elif not access.can_write and org.id not in organization_options(session, access):
            c.fail("organization_id", "只能为您负责的组织提交需求")
    if org is not None:
        values["organization_id"] = org.id
        values["org_name"] = org.name
    station_raw = text(raw, "station_id")
    values["station_id"] = None
    if station_raw:
        if not access.can_write:
            c.fail("station_id", "只有专干可以登记服务站接单")
        else:
            station = get_station(session, int(station_raw)) if station_raw.isdigit() and len(station_raw) < 10 else None
            if station is None or not station.active:
                c.fail("station_id", "服务站不存在或已停用")
            else:
                values["station_id"] = station.id
    c.done()
    return values


def submit_demand(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                  today: dt.date) -> ListDemand:
    """A new demand: by a secretary for their own organization, or by staff on its behalf
    (``station_id`` set: taken at a service station). The SLA deadline follows the urgency."""
    if not (access.can_write or access.can("submit")):
        raise PermissionDeniedException("没有权限提交需求")
    values = clean_demand(session, access, scheme, raw)
    if values["station_id"]:
        channel = "station"
    elif access.can_write:
        channel = "staff"
    else:
        channel = "secretary"
    demand = ListDemand(**values, channel=channel, submitted_by_id=access.user_id, status="submitted",
                        submitted_on=today, due_on=today + dt.timedelta(days=scheme.sla_days(values["urgency"])))
    session.add(demand)
    session.flush()
    fire(session, demand, "submit", "", "submitted")
    return demand


def can_edit(session: Session, access: Access, demand: ListDemand) -> bool:
    return demand.status == "submitted" and (access.can_write or is_requester(session, access, demand))


def update_demand(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
                  raw: Mapping[str, Any]) -> ListDemand:
    if not (access.can_write or is_requester(session, access, demand)):
        raise PermissionDeniedException("没有权限修改该需求")
    check_action(demand, "edit")
    values = clean_demand(session, access, scheme, raw)
    if not values["station_id"] and demand.channel == "station":
        values["station_id"] = demand.station_id
    for key, value in values.items():
        setattr(demand, key, value)
    demand.due_on = demand.submitted_on + dt.timedelta(days=scheme.sla_days(demand.urgency))
    session.flush()
    return demand


def _advance(session: Session, demand: ListDemand, t: Transition, today: dt.date) -> str:
    old = demand.status
    demand.status = t.target
    if t.action == "accept" or (t.target == "in_progress" and demand.accepted_on is None):
        demand.accepted_on = today
    return old


def accept(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
           raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """受理: submitted → accepted, optionally with the triage level."""
    access.require("triage")
    t = check_transition(demand, "accept")
    c = Checker()
    level = triage_field(c, scheme, raw, required=False)
    c.done()
    old = _advance(session, demand, t, today)
    if level:
        demand.triage_level = level
    fire(session, demand, t.action, old, t.target)
    return demand


def start(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """开始办理: accepted → in progress (e.g. 现场办公快速解决 without a resource)."""
    access.require("triage")
    t = check_transition(demand, "start")
    c = Checker()
    level = triage_field(c, scheme, raw, required=False)
    c.done()
    old = _advance(session, demand, t, today)
    if level:
        demand.triage_level = level
    fire(session, demand, t.action, old, t.target)
    return demand


def resolve(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
            raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """办结: in progress → resolved, with what was done and how (triage level); every work item
    of the demand must be finished or cancelled first."""
    access.require("triage")
    t = check_transition(demand, "resolve")
    c = Checker()
    resolution = c.text(raw, "resolution", "办理结果", 5000, required=True)
    level = triage_field(c, scheme, raw, required=True, default=demand.triage_level)
    c.done()
    active = [w for w in works_of(session, demand.id) if w.status in WORK_ACTIVE]
    if active:
        names = "、".join(f"「{w.title}」" for w in active[:3])
        raise FormErrors({"status": f"还有 {len(active)} 项清单事项未完成（{names}），请先完成或取消"})
    old = _advance(session, demand, t, today)
    demand.resolution, demand.triage_level, demand.resolved_on = resolution, level, today
    fire(session, demand, t.action, old, t.target)
    return demand


def reject(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
           today: dt.date) -> ListDemand:
    """退回 with a reason (from submitted or accepted); pending claims are cancelled."""
    access.require("triage")
    t = check_transition(demand, "reject")
    c = Checker()
    reason = c.text(raw, "reason", "退回原因", 2000, required=True)
    c.done()
    for w in works_of(session, demand.id):
        if w.status in WORK_ACTIVE:
            w.status, w.result = "cancelled", f"需求已退回：{reason}"
    old = _advance(session, demand, t, today)
    demand.reject_reason = reason
    fire(session, demand, t.action, old, t.target)
    return demand


def can_rate(session: Session, access: Access, demand: ListDemand) -> bool:
    return access.can_write or is_requester(session, access, demand)


def rate(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
         today: dt.date) -> ListDemand:
    """评价 by the requester (staff may record it on their behalf): 1–5 with a comment."""
    if not can_rate(session, access, demand):
        raise PermissionDeniedException("只有提出需求的组织可以评价")
    t = check_transition(demand, "rate")
    c = Checker()
    rating = c.integer(raw, "rating", "评分", 1, 5)
    if rating is None and "rating" not in c.errors:
        c.fail("rating", "请选择 1–5 分的评价")
    comment = c.text(raw, "rating_comment", "评价意见", 1000)
    c.done()
    old = _advance(session, demand, t, today)
    demand.rating, demand.rating_comment, demand.rated_by_id, demand.rated_on = rating, comment, access.user_id, today
    fire(session, demand, t.action, old, t.target)
    return demand


def set_triage(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
               raw: Mapping[str, Any]) -> ListDemand:
    """Change the triage level (分级) of an open demand."""
    access.require("triage")
    if demand.status not in OPEN_STATUSES:
        raise refuse_state(demand.status, "调整解决方式")
    c = Checker()
    level = triage_field(c, scheme, raw, required=True)
    c.done()
    demand.triage_level = level
    session.flush()
    return demand


def can_comment(session: Session, access: Access, demand: ListDemand) -> bool:
    return access.staff or access.can("offer") or is_requester(session, access, demand)


def add_comment(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
                author_name: str = "") -> ListComment:
    if not can_comment(session, access, demand):
        raise PermissionDeniedException("没有权限留言")
    c = Checker()
    body = c.text(raw, "body", "留言内容", 2000, required=True)
    c.done()
    comment = ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                          author_name=author_name or access.username, body=body,
                          author_tenant_id=session.info.get("tenant_id"))
    session.add(comment)
    session.flush()
    return comment
