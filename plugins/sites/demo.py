"""Demo sites (idempotent per row): a 党群服务中心, a 街道党校, two 红色驿站 and the venues of the
tenant's first party orgs, when the tenant keeps the built-in kinds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.registry.models import PartyOrg
from core.tenancy import TenantInfo
from plugins.sites import service as svc
from plugins.sites.models import Site


def make_demo(session: Session, tenant: TenantInfo) -> None:
    all_kinds = svc.kinds(tenant)
    if "sites.service_centre" not in all_kinds:
        return
    have = {(k, n) for k, n in session.execute(select(Site.kind, Site.name))}
    rows = [
        {"kind": "sites.service_centre", "name": f"{tenant.name}党群服务中心", "grade": "street",
         "opening_hours": "周一至周五 9:00–12:00，14:00–17:30", "manager_kind": "tenant", "manager_id": "",
         "services": ["党建服务", "企业服务", "群众服务", "政策咨询"], "address": f"{tenant.name}便民服务大厅二楼"},
        {"kind": "sites.party_school", "name": f"{tenant.name}党校", "opening_hours": "按培训安排开放",
         "manager_kind": "tenant", "manager_id": "", "services": ["主题沙龙", "培训讲堂", "实践教学"]},
        {"kind": "sites.red_station", "name": "万达广场红色驿站", "opening_hours": "每天 8:00–22:00",
         "manager_kind": "other", "manager_name": "商圈党建联盟", "services": ["休息饮水", "手机充电", "应急药箱"],
         "community": "商圈社区"},
        {"kind": "sites.red_station", "name": "快递小哥红色驿站", "opening_hours": "每天 7:00–21:00",
         "manager_kind": "other", "manager_name": "物业服务中心党支部", "services": ["休息饮水", "热饭", "政策宣传"]},
    ]
    for n, po in enumerate(session.scalars(select(PartyOrg).where(PartyOrg.venue_class.is_not(None),
                                                                 PartyOrg.dissolved_on.is_(None))
                                           .order_by(PartyOrg.id).limit(3))):
        rows.append({"kind": "sites.venue", "name": f"{po.name}党员活动室"[:100], "grade": str(po.venue_class),
                     "manager_kind": "party_org", "manager_id": str(po.id), "services": ["组织生活", "党员教育"],
                     "opening_hours": "工作日 9:00–17:30" if n else "每周三下午"})
    for raw in rows:
        if (raw["kind"], raw["name"]) not in have:
            svc.create_site(session, tenant, raw)
