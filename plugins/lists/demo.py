"""A few generic demo rows for a tenant that enabled the lists engine (idempotent, deterministic
for a given day). Programs add their own on top; this only shows every state once — and, when
the parent tenant runs the lists too, one escalation in its queue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.plugins import registry
from core.registry.models import Organization
from core.tenancy import TenantInfo, tree
from plugins.lists import service as svc
from plugins.lists.models import ListResource

DEMO = svc.Access(None, "demo", frozenset({"lists:read", "lists:write", "lists:triage"}))


def _pick(scheme, vocabulary: str, *keys: str) -> str:
    options = scheme.options(vocabulary)
    return next((k for k in keys if k in options), next(iter(options), ""))


FIRST_RESOURCE = "惠企政策一对一解读"


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    # loaded already if its first resource is there (never "any row": a program may have added some)
    if session.scalar(select(ListResource.id).where(ListResource.title == FIRST_RESOURCE).limit(1)):
        return
    today = today or clock.today()
    scheme = svc.scheme_for(tenant)
    if not svc.stations(session):
        svc.create_station(session, DEMO, {"name": f"{tenant.name}{scheme.station_label}", "level": "street",
                                           "address": f"{tenant.name}党群服务中心一楼"})
    station = session.scalar(svc.station_select().order_by(svc.STATION_ORDER))
    kinds = scheme.options("provider_kinds")
    dept = "department" if "department" in kinds else next(iter(kinds))
    social = "social" if "social" in kinds else dept
    policy = svc.create_resource(session, DEMO, scheme, {
        "title": FIRST_RESOURCE, "category": _pick(scheme, "categories", "policy"), "provider_kind": dept,
        "provider_name": f"{tenant.name}政务服务中心", "contact_name": "王老师", "contact_phone": "0731-88880001",
        "description": "由政务服务中心联企专员上门解读减税降费、稳岗补贴等政策。"}, today)
    svc.create_resource(session, DEMO, scheme, {
        "title": "公益法律咨询", "category": _pick(scheme, "categories", "legal"), "provider_kind": social,
        "provider_name": "社区公益律师团", "capacity": "20", "contact_name": "李律师",
        "contact_phone": "13800000001", "valid_until": (today + dt.timedelta(days=365)).isoformat(),
        "description": "劳动用工、合同纠纷等法律咨询，每月两次驻点。"}, today)
    svc.create_resource(session, DEMO, scheme, {
        "title": "人才招聘专场", "category": _pick(scheme, "categories", "talent", "employment"),
        "provider_kind": dept, "provider_name": "人力资源和社会保障服务站", "capacity": "5",
        "contact_name": "张主任", "contact_phone": "13800000002"}, today)

    orgs = list(session.scalars(select(Organization).order_by(Organization.name, Organization.id).limit(3)))
    if not orgs:
        return
    urgency = scheme.urgencies[0].key
    level = scheme.triage_levels[0].key

    def submit(org: Organization, title: str, category: str, day: dt.date, station_id: int | None = None):
        return svc.submit_demand(session, DEMO, scheme, {
            "organization_id": str(org.id), "title": title, "category": category, "urgency": urgency,
            "station_id": str(station_id or ""), "description": f"{org.name}提出：{title}。"}, day)

    # resolved and rated
    done = submit(orgs[0], "申请稳岗补贴需要政策辅导", _pick(scheme, "categories", "policy"), today - dt.timedelta(days=20))
    svc.accept(session, DEMO, scheme, done, {"triage_level": level}, today - dt.timedelta(days=19))
    work = svc.match(session, DEMO, scheme, done, {"resource_ids": [policy.id], "owner_name": "街道联企专员",
                                                   "kind": scheme.work_lists[0].key, "triage_level": level}, today - dt.timedelta(days=18))
    svc.complete_work(session, DEMO, work, {"result": "已上门解读并协助提交申请材料"}, today - dt.timedelta(days=12))
    svc.resolve(session, DEMO, scheme, done, {"resolution": "补贴申请已受理", "triage_level": level},
                today - dt.timedelta(days=12))
    svc.rate(session, DEMO, done, {"rating": "5", "rating_comment": "服务及时"}, today - dt.timedelta(days=11))
    # taken at the station, accepted, overdue soon
    if len(orgs) > 1:
        taken = submit(orgs[1], "员工通勤班车线路协调", _pick(scheme, "categories", "commute"),
                       today - dt.timedelta(days=scheme.sla_days(urgency) + 2), station.id if station else None)
        svc.accept(session, DEMO, scheme, taken, {}, today - dt.timedelta(days=scheme.sla_days(urgency)))
        # 对上协调: in the parent's queue when the parent runs the lists too
        parent = tree().by_id.get(tenant.parent_id or 0)
        if parent is not None and registry().is_enabled(parent.id, svc.PLUGIN):
            svc.escalate(session, DEMO, scheme, taken, {"escalation_reason": "班车线路需调整公交站点，请区级协调交通部门"},
                         today - dt.timedelta(days=1))
    # just submitted
    if len(orgs) > 2:
        submit(orgs[2], "招聘技术工人 10 名", _pick(scheme, "categories", "employment", "talent"), today)
