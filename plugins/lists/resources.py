"""Resources (资源) and the work items (清单事项) that link demands to them: offers, capacity,
matching by staff, two-way claims and their confirmation, completion; attachments' metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from litestar.exceptions import PermissionDeniedException
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.forms import FormErrors, text
from core.models import User
from core.permissions import authorizer
from core.registry.models import Organization
from plugins.lists.access import Access, is_requester
from plugins.lists.inputs import Checker, clean_phone, id_list, set_phone, triage_field
from plugins.lists.models import (
    ListAttachment,
    ListDemand,
    ListResource,
    ListWork,
    ListWorkResource,
)
from plugins.lists.schemes import fire
from plugins.lists.states import (
    OPEN_STATUSES,
    RESOURCE_STATUSES,
    WORK_ACTIVE,
    WORK_STATUSES,
    WORK_TRANSITIONS,
    Transition,
    check_action,
    refuse_state,
)
from plugins.lists.types import EffectiveScheme


def clean_resource(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                   today: dt.date, existing: ListResource | None = None) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "title": c.text(raw, "title", "资源名称", 100, required=True),
        "description": c.text(raw, "description", "资源内容", 5000),
        "category": c.choice(raw, "category", "资源类别", scheme.options("categories")),
        "provider_kind": c.choice(raw, "provider_kind", "提供方类型", scheme.options("provider_kinds"),
                                  required=True),
        "provider_name": c.text(raw, "provider_name", "提供方", 200),
        "capacity": c.integer(raw, "capacity", "可服务次数", 1, 100000),
        "contact_name": c.text(raw, "contact_name", "联系人", 50),
        "valid_until": c.date(raw, "valid_until", "有效期"),
    }
    phone = clean_phone(c, raw)
    org_raw = text(raw, "organization_id")
    values["organization_id"] = None
    if org_raw:
        org = session.get(Organization, int(org_raw)) if org_raw.isdigit() else None
        if org is None:
            c.fail("organization_id", "组织不存在")
        else:
            values["organization_id"] = org.id
            values["provider_name"] = values["provider_name"] or org.name
    username = text(raw, "provider_username")
    if access.can_write and "provider_username" in raw:
        values["provider_user_id"] = None
        if username:
            user = session.scalar(select(User).where(User.username == username))
            tenant_id = session.info.get("tenant_id")
            if user is None:
                c.fail("provider_username", f"用户「{username}」不存在")
            elif tenant_id is None or "lists:offer" not in authorizer.effective_permissions(user.id, tenant_id):
                c.fail("provider_username", f"用户「{username}」在本辖区没有「资源提供方」角色")
            else:
                values["provider_user_id"] = user.id
    if not values["provider_name"] and "provider_name" not in c.errors:
        c.fail("provider_name", "请填写提供方")
    if values["valid_until"] and values["valid_until"] < today and (
            existing is None or existing.valid_until != values["valid_until"]):
        c.fail("valid_until", "有效期不能早于今天")
    if existing is not None and values["capacity"] is not None and "capacity" not in c.errors:
        used = used_capacity(session, [existing.id]).get(existing.id, 0)
        if values["capacity"] < used:
            c.fail("capacity", f"已对接 {used} 次，可服务次数不能少于 {used}")
    c.done()
    values["_phone"] = phone
    return values


def _apply_resource(res: ListResource, values: dict[str, Any]) -> None:
    phone = values.pop("_phone")
    for key, value in values.items():
        setattr(res, key, value)
    set_phone(res, phone)


def can_edit_resource(access: Access, res: ListResource) -> bool:
    return access.can_write or (access.can("offer") and res.provider_user_id == access.user_id
                                and access.user_id is not None)


def create_resource(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                    today: dt.date) -> ListResource:
    """A resource offer: staff register any; a provider (``lists:offer``) registers their own."""
    if not (access.can_write or access.can("offer")):
        raise PermissionDeniedException("没有权限登记资源")
    values = clean_resource(session, access, scheme, raw, today)
    res = ListResource(status="active", provider_user_id=None if access.can_write else access.user_id)
    _apply_resource(res, values)  # staff may name the provider's account (``provider_username``)
    session.add(res)
    session.flush()
    return res


def update_resource(session: Session, access: Access, scheme: EffectiveScheme, res: ListResource,
                    raw: Mapping[str, Any], today: dt.date) -> ListResource:
    if not can_edit_resource(access, res):
        raise PermissionDeniedException("没有权限修改该资源")
    values = clean_resource(session, access, scheme, raw, today, res)
    _apply_resource(res, values)
    session.flush()
    return res


def set_resource_status(session: Session, access: Access, res: ListResource, status: str) -> ListResource:
    if not can_edit_resource(access, res):
        raise PermissionDeniedException("没有权限修改该资源")
    if status not in RESOURCE_STATUSES:
        raise FormErrors({"status": f"状态：无效的选项「{status}」"})
    res.status = status
    session.flush()
    return res


def used_capacity(session: Session, resource_ids: Iterable[int]) -> dict[int, int]:
    """resource id → number of work items using it that are not cancelled."""
    ids = list(resource_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ListWorkResource.resource_id, func.count(ListWorkResource.id))
        .join(ListWork, ListWork.id == ListWorkResource.work_id)
        .where(ListWorkResource.resource_id.in_(ids), ListWork.status != "cancelled")
        .group_by(ListWorkResource.resource_id))
    return {rid: n for rid, n in rows}


def resource_problem(res: ListResource, used: int, today: dt.date) -> str | None:
    """Why the resource cannot take another demand today, or ``None``."""
    if res.status != "active":
        return f"资源「{res.title}」已撤回"
    if res.valid_until is not None and res.valid_until < today:
        return f"资源「{res.title}」已于 {res.valid_until.isoformat()} 过期"
    if res.capacity is not None and used >= res.capacity:
        return f"资源「{res.title}」的服务容量已用完（{used}/{res.capacity}）"
    return None


def available_resources(session: Session, access: Access, today: dt.date, own_only: bool = False
                        ) -> list[ListResource]:
    """Resources that can take a demand today (the principal's own ones if ``own_only``)."""
    stmt = (select(ListResource).where(ListResource.status == "active", access.resource_clause(),
                                       or_(ListResource.valid_until.is_(None), ListResource.valid_until >= today))
            .order_by(ListResource.title, ListResource.id))
    if own_only:
        stmt = stmt.where(ListResource.provider_user_id == access.user_id)
    found = list(session.scalars(stmt.limit(1000)))
    used = used_capacity(session, [r.id for r in found])
    return [r for r in found if resource_problem(r, used.get(r.id, 0), today) is None]


def _resources_for_link(session: Session, access: Access, demand: ListDemand, c: Checker,
                        raw: Mapping[str, Any], today: dt.date) -> list[ListResource]:
    ids = id_list(raw, "resource_ids")
    if ids is None:
        c.fail("resource_ids", "资源编号无效")
        return []
    if not ids:
        c.fail("resource_ids", "请至少选择一项资源")
        return []
    found = {r.id: r for r in session.scalars(select(ListResource).where(ListResource.id.in_(ids),
                                                                          access.resource_clause()))}
    missing = [i for i in ids if i not in found]
    if missing:
        c.fail("resource_ids", f"资源不存在：{'、'.join(str(i) for i in missing)}")
        return []
    used = used_capacity(session, ids)
    linked = set(session.scalars(
        select(ListWorkResource.resource_id).join(ListWork, ListWork.id == ListWorkResource.work_id)
        .where(ListWork.demand_id == demand.id, ListWork.status.in_(WORK_ACTIVE),
               ListWorkResource.resource_id.in_(ids))))
    problems = []
    for rid in ids:
        res = found[rid]
        problem = resource_problem(res, used.get(rid, 0), today)
        if problem:
            problems.append(problem)
        elif rid in linked:
            problems.append(f"资源「{res.title}」已与该需求对接")
    if problems:
        c.fail("resource_ids", "；".join(problems))
    return [found[i] for i in ids]


def _work_fields(c: Checker, scheme: EffectiveScheme, raw: Mapping[str, Any], demand: ListDemand,
                 today: dt.date) -> dict[str, Any]:
    kinds = scheme.options("work_lists")
    values = {
        "kind": c.choice(raw, "kind", "清单", kinds, required=True, default=scheme.work_lists[0].key
                         if len(kinds) == 1 else ""),
        "title": c.text(raw, "title", "事项名称", 100) or demand.title,
        "owner_name": c.text(raw, "owner_name", "责任人", 50, required=True),
        "owner_role": c.choice(raw, "owner_role", "认领角色", scheme.options("claimer_roles")),
        "deadline": c.date(raw, "deadline", "完成时限"),
        "triage_level": triage_field(c, scheme, raw, required=True, default=demand.triage_level),
        "note": c.text(raw, "note", "工作安排", 2000),
    }
    if values["deadline"] is None and "deadline" not in c.errors:
        values["deadline"] = max(demand.due_on, today)
    elif values["deadline"] is not None and values["deadline"] < today:
        c.fail("deadline", "完成时限不能早于今天")
    return values


def _to_in_progress(session: Session, demand: ListDemand, today: dt.date, level: str) -> str:
    old = demand.status
    if demand.status in ("submitted", "accepted"):
        demand.status = "in_progress"
        demand.accepted_on = demand.accepted_on or today
    if not demand.triage_level and level:
        demand.triage_level = level
    return old


def match(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """Staff link the demand to one or more resources: a work item (task / project / service)
    with owner, deadline and triage level. The demand moves on to 办理中."""
    access.require("triage")
    check_action(demand, "match")
    c = Checker()
    resources = _resources_for_link(session, access, demand, c, raw, today)
    values = _work_fields(c, scheme, raw, demand, today)
    c.done()
    work = ListWork(tenant_id=demand.tenant_id, demand_id=demand.id, status="open", claim_side="staff",
                    claimed_by_id=access.user_id, **values)
    session.add(work)
    session.flush()
    session.add_all(ListWorkResource(tenant_id=demand.tenant_id, work_id=work.id, resource_id=r.id)
                    for r in resources)
    old = _to_in_progress(session, demand, today, values["triage_level"])
    fire(session, demand, "match", old, demand.status)
    return work


def claim(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """双向认领: the requester's secretary claims resources for the demand, or a provider claims
    the demand with their own resources. The claim waits for staff to confirm it."""
    check_action(demand, "claim")
    if access.user_id is not None and session.scalar(select(ListWork.id).where(
            ListWork.demand_id == demand.id, ListWork.status == "claimed", ListWork.claimed_by_id == access.user_id)):
        raise FormErrors({"status": "您已认领该需求，待专干确认后再认领其他资源"})
    c = Checker()
    resources = _resources_for_link(session, access, demand, c, raw, today)
    note = c.text(raw, "note", "认领说明", 2000)
    if access.can("submit") and is_requester(session, access, demand):
        side = "requester"
    elif access.can("offer") and access.user_id is not None:
        if any(r.provider_user_id != access.user_id for r in resources):
            raise PermissionDeniedException("只能用您本人提供的资源认领需求")
        side = "provider"
    else:
        raise PermissionDeniedException("没有权限认领")
    c.done()
    first = resources[0]
    work = ListWork(
        tenant_id=demand.tenant_id, demand_id=demand.id, kind=scheme.work_lists[0].key, title=demand.title,
        status="claimed", claim_side=side, claimed_by_id=access.user_id, note=note,
        owner_name=first.provider_name[:50] if side == "provider" else "",
        owner_user_id=access.user_id if side == "provider" else None,
        deadline=max(demand.due_on, today), triage_level=demand.triage_level,
    )
    session.add(work)
    session.flush()
    session.add_all(ListWorkResource(tenant_id=demand.tenant_id, work_id=work.id, resource_id=r.id)
                    for r in resources)
    fire(session, demand, "claim", demand.status, demand.status)
    return work


def _check_work(work: ListWork, action: str) -> Transition:
    t = WORK_TRANSITIONS[action]
    if work.status not in t.sources:
        raise refuse_state(work.status, t.verb, WORK_STATUSES)
    return t


def confirm_claim(session: Session, access: Access, scheme: EffectiveScheme, work: ListWork,
                  raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """Staff accept a claim, naming owner, deadline and triage level; the demand is 办理中."""
    access.require("triage")
    t = _check_work(work, "confirm")
    demand = session.get(ListDemand, work.demand_id)
    if demand.status not in OPEN_STATUSES:
        raise refuse_state(demand.status, "确认认领")
    c = Checker()
    merged = {"owner_name": work.owner_name, "title": work.title, "kind": work.kind, **dict(raw)}
    values = _work_fields(c, scheme, merged, demand, today)
    c.done()
    for key, value in values.items():
        setattr(work, key, value)
    work.status = t.target
    old = _to_in_progress(session, demand, today, values["triage_level"])
    fire(session, demand, "confirm", old, demand.status)
    return work


def can_complete(access: Access, work: ListWork) -> bool:
    return access.can_triage or (work.owner_user_id is not None and work.owner_user_id == access.user_id)


def complete_work(session: Session, access: Access, work: ListWork, raw: Mapping[str, Any],
                  today: dt.date) -> ListWork:
    if not can_complete(access, work):
        raise PermissionDeniedException("只有责任人或专干可以办结该事项")
    t = _check_work(work, "complete")
    c = Checker()
    result = c.text(raw, "result", "完成情况", 2000, required=True)
    c.done()
    work.status, work.result, work.done_on = t.target, result, today
    session.flush()
    return work


def cancel_work(session: Session, access: Access, work: ListWork, raw: Mapping[str, Any]) -> ListWork:
    """Cancel a work item, or decline a claim, with a reason; its resources are freed."""
    access.require("triage")
    t = _check_work(work, "cancel")
    c = Checker()
    reason = c.text(raw, "reason", "取消原因", 2000, required=True)
    c.done()
    work.status, work.result = t.target, reason
    session.flush()
    return work
# --- attachments (metadata; the bytes are handled by plugins.lists.files) -----------------------


def can_attach(session: Session, access: Access, demand: ListDemand) -> bool:
    return demand.status in OPEN_STATUSES and (access.staff or is_requester(session, access, demand))


def attachments_of(session: Session, demand_id: int) -> list[ListAttachment]:
    return list(session.scalars(select(ListAttachment).where(ListAttachment.demand_id == demand_id)
                                .order_by(ListAttachment.id)))


def record_solved(session: Session, access: Access, scheme: EffectiveScheme, rows: list[Mapping[str, Any]]
                  ) -> list[ListDemand]:
    """Demands already met (a program's demo history, records carried over): each row written at
    once in the state submit → accept → match → complete → resolve leaves — the demand resolved,
    one finished work item on one resource — one insert per table for all rows instead of five
    transitions per demand (``on_list_demand_transition`` is not fired: nothing happens now).

    A row: ``organization_id``, ``title``, ``category``, ``description``, ``urgency`` (the first
    urgency if empty), ``submitted_on``, ``resource_id``, ``owner_name``, ``owner_role``,
    ``kind`` (work list), ``triage_level``, ``result``, ``resolution``, ``done_on``; accepted the
    day after submission, matched the day after that. Invalid rows raise :class:`FormErrors`
    naming the row; nothing is written then."""
    access.require("triage")
    if not rows:
        return []
    categories, roles = scheme.options("categories"), scheme.options("claimer_roles")
    levels, kinds, urgencies = scheme.options("triage_levels"), scheme.options("work_lists"), scheme.options("urgencies")
    org_names = dict(session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({int(r["organization_id"]) for r in rows}))).all())
    resource_ids = {int(r["resource_id"]) for r in rows}
    found = {r.id: r for r in session.scalars(select(ListResource).where(ListResource.id.in_(resource_ids),
                                                                          access.resource_clause()))}
    used = used_capacity(session, resource_ids)
    errors: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        res = found.get(int(row["resource_id"]))
        problem = (
            "组织不存在" if int(row["organization_id"]) not in org_names
            else "资源不存在" if res is None
            else resource_problem(res, used.get(res.id, 0), row["done_on"])
            or ("需求类别无效" if row["category"] not in categories else None)
            or ("紧急程度无效" if (row.get("urgency") or scheme.urgencies[0].key) not in urgencies else None)
            or ("认领角色无效" if row.get("owner_role") and row["owner_role"] not in roles else None)
            or ("分级办理层级无效" if row["triage_level"] not in levels else None)
            or ("清单无效" if row["kind"] not in kinds else None)
            or ("标题或结果为空" if not (row["title"].strip() and row["result"].strip()
                                     and row["resolution"].strip()) else None)
        )
        if problem:
            errors[f"row_{i}"] = f"第 {i} 行：{problem}"
        elif res is not None:
            used[res.id] = used.get(res.id, 0) + 1
    if errors:
        raise FormErrors(errors)
    demands = []
    for row in rows:
        urgency = row.get("urgency") or scheme.urgencies[0].key
        submitted = row["submitted_on"]
        demands.append(ListDemand(
            organization_id=int(row["organization_id"]), org_name=org_names[int(row["organization_id"])],
            title=row["title"].strip()[:100], description=row.get("description", ""), category=row["category"],
            urgency=urgency, channel="staff", submitted_by_id=access.user_id, status="resolved",
            triage_level=row["triage_level"], submitted_on=submitted,
            due_on=submitted + dt.timedelta(days=scheme.sla_days(urgency)),
            accepted_on=submitted + dt.timedelta(days=1), resolved_on=row["done_on"], resolution=row["resolution"]))
    session.add_all(demands)
    session.flush()
    works = []
    for row, demand in zip(rows, demands, strict=True):
        works.append(ListWork(
            tenant_id=demand.tenant_id, demand_id=demand.id, kind=row["kind"], title=demand.title,
            owner_name=row["owner_name"][:50], owner_role=row.get("owner_role", ""),
            deadline=max(demand.due_on, demand.submitted_on + dt.timedelta(days=2)),
            triage_level=row["triage_level"], status="done", claim_side="staff", claimed_by_id=access.user_id,
            result=row["result"], done_on=row["done_on"]))
    session.add_all(works)
    session.flush()
    session.add_all(ListWorkResource(tenant_id=w.tenant_id, work_id=w.id, resource_id=int(row["resource_id"]))
                    for row, w in zip(rows, works, strict=True))
    session.flush()
    return demands
