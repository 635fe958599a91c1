"""The "目标与实绩" dashboard card: this year's indicators of the tenant's subtree that have a
target, with actual and attainment — read through the viewer's roll-up session."""

from __future__ import annotations

from core import clock, periods
from plugins.indicators import service as svc

MAX_ROWS = 6


def indicators_widget(viewer) -> dict:
    tenant = viewer.tenant
    with viewer.read_rollup_session("indicators:read") as rs:
        period, figures = svc.table(rs, tenant, viewer.subtree(), "year", today=clock.today())
    shown = [f for f in figures if f.target is not None][:MAX_ROWS]
    rows = [{"label": f.indicator.label, "target": svc.fmt(f.target, f.indicator),
             "actual": svc.fmt(f.actual, f.indicator), "attainment": f.attainment, "met": f.met} for f in shown]
    return {"rows": rows, "period": period.label, "href": f"/t/{tenant.slug}/indicators",
            "without_target": len(figures) - len(shown), "kinds": periods.KINDS}
