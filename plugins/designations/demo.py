"""Demo rows for a tenant that enabled the designations block (idempotent per row): a few
designations of the generic kinds on the tenant's first organizations, party orgs and members —
one in force and hung (挂牌), one awaiting review, one revoked — and one organization on the
blacklist (违法经营) with the designation it lost."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.registry.models import Member, Organization, PartyOrg
from core.tenancy import TenantInfo
from plugins.designations import service as svc
from plugins.designations.models import BlacklistEntry, Designation

SOURCE = "demo"


def _add(session: Session, tenant: TenantInfo, key: str, fields: dict, today: dt.date, status: str | None = None
         ) -> Designation | None:
    found = session.scalar(select(Designation).where(Designation.source_key == f"demo:{key}"))
    if found is not None:
        return found
    if fields["kind"] not in svc.kinds_for(tenant):
        return None
    try:
        return svc.create(session, tenant, fields, today, "demo", source="manual", source_key=f"demo:{key}",
                          status=status)
    except FormErrors:
        return None


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    orgs = list(session.scalars(select(Organization).where(Organization.status == "operating")
                                .order_by(Organization.id).limit(4)))
    pos = list(session.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None),
                                                      PartyOrg.org_type.in_(("branch", "joint_branch")))
                               .order_by(PartyOrg.id).limit(2)))
    members = list(session.scalars(select(Member).where(Member.status == "full").order_by(Member.id).limit(2)))
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    if len(orgs) >= 1:
        _add(session, tenant, "demo_point", {
            "kind": "designations.demo_point", "subject_kind": "organization", "subject_id": orgs[0].id,
            "level": "district", "awarded_on": year_ago, "plaque_on": year_ago, "title": f"{today.year - 1}年度区级两新党建示范点",
            "awarded_by": "区委两新工委", "basis": "党组织规范化建设达标，党建与发展深度融合"}, today, "active")
    if len(orgs) >= 2:
        _add(session, tenant, "clean", {
            "kind": "designations.clean_enterprise", "subject_kind": "organization", "subject_id": orgs[1].id,
            "level": "street", "basis": "廉政文化“一月一课一片一实践”，制度进章程"}, today)
    if pos:
        _add(session, tenant, "benchmark", {
            "kind": "designations.benchmark", "subject_kind": "party_org", "subject_id": pos[0].id, "level": "street",
            "awarded_on": year_ago, "plaque_on": year_ago, "awarded_by": "街道两新综合党委"}, today, "active")
    if members:
        _add(session, tenant, "model_post", {
            "kind": "designations.model_post", "subject_kind": "member", "subject_id": members[0].id,
            "level": "street", "awarded_on": (today - dt.timedelta(days=330)).isoformat(),
            "basis": "岗位练兵、技能比武一等奖"}, today, "active")
    if len(orgs) >= 3:
        victim = orgs[2]
        if session.scalar(select(BlacklistEntry.id).where(BlacklistEntry.organization_id == victim.id)) is None:
            _add(session, tenant, "workshop", {
                "kind": "designations.red_workshop", "subject_kind": "organization", "subject_id": victim.id,
                "level": "street", "awarded_on": year_ago}, today, "active")
            try:
                svc.list_organization(session, tenant, {"organization_id": victim.id, "reason": "违法经营",
                                                        "detail": "经市场监管部门查处，存在无证经营行为"}, today, "demo")
            except FormErrors:
                pass
