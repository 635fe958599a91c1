"""Demo recurrences (idempotent per row): where the assessment engine runs, its first quarterly
template becomes 一季一考核, its first monthly one 一月一检查, its first half-yearly one 半年一讲评.
The rounds themselves are left to the job (``liandong worker``) or the page's 立即检查 button, so
loading the demo never adds rounds other plugins' demo data does not expect."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.tenancy import TenantInfo
from plugins.cadences import service as svc
from plugins.cadences.models import Recurrence

TITLES = {"month": "一月一检查", "quarter": "一季一考核", "half_year": "半年一讲评"}


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    options = svc.template_options(session, tenant, "assessment_round")
    have = set(session.scalars(select(Recurrence.title)))
    for kind, title in TITLES.items():
        option = next((o for o in options.values() if o.period_kind == kind), None)
        if option is None or option.label in have:
            continue
        svc.create(session, tenant, {"kind": "assessment_round", "template_key": option.key, "title": option.label,
                                     "offset_days": "0", "note": f"{title}：每期开始时自动建立考核轮次（草稿）"}, today)
