"""Demo rows for a tenant that enabled units (idempotent per row).

Faithful to seed 000 (东方红街道): the street's two-new joint groups cooperate with 机关, 社区（村）
党组织 and 驻街单位 ("强化企业间、联组间以及联组与机关、社区（村）、驻街单位合作"), and the 群团组织
(工会、共青团、妇联) and 驻街单位 bring their resources to the two-new organizations (活水工程:
政务、教育、医疗、金融). The unit names are generic (no real office is named). Each unit is paired
with one or two of the tenant's party orgs (结对共建) and some pairings have a visit this quarter,
so that the gaps page shows both what is done and what is missing. A 成员单位 without a pairing
shows a holder gap.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import PartyOrg
from core.tenancy import TenantInfo
from plugins.units import service as svc
from plugins.units.models import Pairing, Visit

UNITS = (
    ("organ", "街道总工会", "推动工会组织向两新组织延伸，开展职工关爱和技能培训"),
    ("organ", "街道团工委", "指导两新组织建立团组织，开展青年志愿服务"),
    ("organ", "街道妇联", "推动两新组织建立妇联组织，开展女职工权益维护"),
    ("community", "{t}社区党委", "以社区党组织为纽带，与联组互联共建，提供活动场地"),
    ("resident", "辖区社区卫生服务中心", "为两新组织职工提供健康体检和义诊服务"),
    ("resident", "辖区中学", "开展职工子女教育和家长课堂"),
    ("resident", "辖区银行网点", "为两新组织提供金融政策宣讲和融资对接"),
    ("member_unit", "街道市场监管所", "指导个体工商户和小微企业党建，督促守法经营"),
)
CONTENT = "理论知识联学、组织生活联过、活动阵地联建、发展思路联谋"


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    party_orgs = list(session.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None),
                                                             PartyOrg.parent_id.is_not(None))
                                      .order_by(PartyOrg.id).limit(12)))
    start = dt.date(today.year, 1, 1)
    quarter_start, _end, _label = svc.period_bounds("quarter", today)
    for i, (kind, name, duties) in enumerate(UNITS):
        name = name.format(t=tenant.name.removesuffix("街道"))
        unit = svc.find_unit(session, kind, name) or svc.create_unit(
            session, tenant, {"kind": kind, "name": name, "duties": duties, "contact_name": "联络员"})
        if kind == "member_unit" or not party_orgs:
            continue  # a member unit without a pairing: the gaps page shows it
        for j in range(1 + i % 2):
            po = party_orgs[(2 * i + j) % len(party_orgs)]
            pairing = session.scalar(select(Pairing).where(Pairing.unit_id == unit.id, Pairing.party_org_id == po.id,
                                                           Pairing.kind == "pairing").limit(1))
            if pairing is None:
                pairing = svc.create_pairing(session, tenant, {
                    "kind": "pairing", "holder_type": "unit", "unit_id": str(unit.id), "target_type": "party_org",
                    "party_org_id": str(po.id), "started_on": start.isoformat(), "content": CONTENT}, today)
            if (i + j) % 3 != 2 and session.scalar(select(Visit.id).where(Visit.pairing_id == pairing.id).limit(1)) is None:
                day = max(quarter_start, min(today, quarter_start + dt.timedelta(days=7 * (i + j))))
                svc.record_visit(session, pairing, {"visited_on": day.isoformat(), "visitor": "联络员",
                                                    "note": f"走访{po.name}，了解党组织活动开展和企业困难诉求"}, today)
