"""Demo checklists (idempotent per row): the 六专 checklist of the tenant's first two clusters,
part-way checked, when the tenant keeps the standard templates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import Cluster
from core.tenancy import TenantInfo
from plugins.checklists import service as svc
from plugins.checklists.library import LIUZHUAN
from plugins.checklists.models import Checklist


def make_demo(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    if LIUZHUAN.key not in svc.templates(session, tenant):
        return
    clusters = list(session.scalars(select(Cluster).where(Cluster.archived_on.is_(None)).order_by(Cluster.id).limit(2)))
    for n, cluster in enumerate(clusters):
        if session.scalar(select(Checklist.id).where(Checklist.template_key == LIUZHUAN.key,
                                                     Checklist.subject_kind == "cluster",
                                                     Checklist.subject_id == cluster.id).limit(1)):
            continue
        c = svc.create_checklist(session, tenant, {
            "template_key": LIUZHUAN.key, "subject_kind": "cluster", "subject_id": str(cluster.id),
            "opened_on": (today - dt.timedelta(days=30)).isoformat(),
            "due_on": (today + dt.timedelta(days=60)).isoformat(), "note": "年度“六专”建设对照检查"}, today)
        for item in c.items:
            if item.key == "team":
                svc.check_item(session, c, item, {"status": "done", "note": "已组建志愿服务队"}, today, "演示专干")
            elif item.key == "funds" and n == 0:
                svc.check_item(session, c, item, {"status": "failed", "note": "专项经费尚未列入年度预算，请于下月底前落实"},
                               today, "演示专干")
