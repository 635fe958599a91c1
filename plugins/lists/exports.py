"""Detail bundles of the pages (with the demand's change history) and the Excel exports of the three
lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import history
from core.tenancy import TenantInfo, tree
from plugins.lists.access import Access
from plugins.lists.inputs import masked_phone
from plugins.lists.models import (
    ListAttachment,
    ListComment,
    ListDemand,
    ListResource,
    ListWork,
)
from plugins.lists.queries import (
    DemandFilter,
    ResourceFilter,
    WorkFilter,
    demand_select,
    demands_by_id,
    overdue_days,
    resource_select,
    resources_of_works,
    user_names,
    work_overdue,
    work_select,
    works_of,
)
from plugins.lists.resources import attachments_of, used_capacity
from plugins.lists.states import (
    CHANNELS,
    CLAIM_SIDES,
    ESCALATION_STATUSES,
    RESOURCE_STATUSES,
    STATUSES,
    WORK_STATUSES,
)
from plugins.lists.stations import stations
from plugins.lists.types import EffectiveScheme
from plugins.sites.api import Site


def demand_history(session: Session, demand: ListDemand) -> list[history.Change]:
    """The demand's history with its works, resource links, comments and files (removed ones too)."""
    work_ids = list(session.scalars(select(ListWork.id).where(ListWork.demand_id == demand.id)))
    by_demand = ("demand_id", demand.id)
    return history.of(session, {"lists_demands": [demand.id]}, demand.tenant_id, children={
        "lists_works": by_demand, "lists_comments": by_demand, "lists_attachments": by_demand,
        "lists_work_resources": ("work_id", work_ids)})
# --- detail bundles ---------------------------------------------------------------------------


@dataclass
class DemandDetail:
    demand: ListDemand
    works: list[ListWork]
    work_resources: dict[int, list[ListResource]]
    comments: list[ListComment]
    attachments: list[ListAttachment]
    history: list[history.Change]
    station: Site | None
    names: dict[int, str]
    escalated_to: TenantInfo | None


def demand_detail(session: Session, scheme: EffectiveScheme, demand: ListDemand) -> DemandDetail:
    works = works_of(session, demand.id)
    comments = list(session.scalars(select(ListComment).where(ListComment.demand_id == demand.id)
                                    .order_by(ListComment.created_at, ListComment.id)))
    return DemandDetail(
        demand=demand, works=works, work_resources=resources_of_works(session, [w.id for w in works]),
        comments=comments, attachments=attachments_of(session, demand.id),
        history=demand_history(session, demand),
        station=session.get(Site, demand.station_id) if demand.station_id else None,
        names=user_names(session, [demand.submitted_by_id, demand.rated_by_id,
                                   *(w.claimed_by_id for w in works), *(w.owner_user_id for w in works)]),
        escalated_to=tree().by_id.get(demand.escalated_to_id) if demand.escalated_to_id else None,
    )
# --- Excel --------------------------------------------------------------------------------------

DEMAND_HEADERS = ["编号", "需求标题", "提出组织", "类别", "紧急程度", "专项行动", "来源", "服务站", "状态", "解决方式",
                  "提交日期", "办理时限", "超期天数", "办结日期", "办理结果", "评分", "评价意见", "上报状态"]


def demand_rows(session: Session, access: Access, scheme: EffectiveScheme, f: DemandFilter,
                today: dt.date) -> Iterator[list[Any]]:
    names = {s.id: s.name for s in stations(session)}
    for d in session.scalars(demand_select(access, f, today).execution_options(yield_per=500)):
        yield [d.id, d.title, d.org_name, scheme.label("categories", d.category),
               scheme.label("urgencies", d.urgency), scheme.label("special_actions", d.action_tag),
               CHANNELS.get(d.channel, d.channel), names.get(d.station_id, ""), STATUSES.get(d.status, d.status),
               scheme.label("triage_levels", d.triage_level), d.submitted_on.isoformat(), d.due_on.isoformat(),
               overdue_days(d, today) or "", d.resolved_on.isoformat() if d.resolved_on else "", d.resolution,
               d.rating if d.rating is not None else "", d.rating_comment,
               ESCALATION_STATUSES.get(d.escalation_status, "")]


RESOURCE_HEADERS = ["编号", "资源名称", "类别", "提供方类型", "提供方", "可服务次数", "已对接", "联系人", "联系电话",
                    "有效期至", "状态"]


def resource_rows(session: Session, access: Access, scheme: EffectiveScheme, f: ResourceFilter,
                  today: dt.date) -> Iterator[list[Any]]:
    items = list(session.scalars(resource_select(access, f, today)))
    used = used_capacity(session, [r.id for r in items])
    for r in items:
        yield [r.id, r.title, scheme.label("categories", r.category), scheme.label("provider_kinds", r.provider_kind),
               r.provider_name, r.capacity if r.capacity is not None else "不限", used.get(r.id, 0), r.contact_name,
               masked_phone(r), r.valid_until.isoformat() if r.valid_until else "长期",
               RESOURCE_STATUSES.get(r.status, r.status)]


WORK_HEADERS = ["编号", "清单", "事项名称", "需求编号", "提出组织", "责任人", "认领角色", "解决方式", "完成时限", "状态",
                "是否超期", "认领方", "对接资源", "完成情况"]


def work_rows(session: Session, access: Access, scheme: EffectiveScheme, f: WorkFilter,
              today: dt.date) -> Iterator[list[Any]]:
    items = list(session.scalars(work_select(access, f, today)))
    res = resources_of_works(session, [w.id for w in items])
    demands = demands_by_id(session, [w.demand_id for w in items])
    for w in items:
        d = demands.get(w.demand_id)
        yield [w.id, scheme.label("work_lists", w.kind), w.title, w.demand_id, d.org_name if d else "",
               w.owner_name, scheme.label("claimer_roles", w.owner_role), scheme.label("triage_levels", w.triage_level),
               w.deadline.isoformat() if w.deadline else "", WORK_STATUSES.get(w.status, w.status),
               "是" if work_overdue(w, today) else "", CLAIM_SIDES.get(w.claim_side, w.claim_side),
               "、".join(r.title for r in res.get(w.id, [])), w.result]
