"""The "两个覆盖" dashboard card (registered in :mod:`core.registry`)."""

from __future__ import annotations

from core.registry.services import coverage as cov
from core.registry.web.coverage import drill_url, read_session
from core.tenancy import tree

#: tenant levels whose coverage a district's / city's card ranks ("the streets")
STREET_LEVELS = ("street", "town")
#: how many of the lowest-covered streets the card lists
LOWEST_STREETS = 3


def coverage_widget(ctx):
    """Props of the "两个覆盖" card: the subtree's figures by kind and, for a district or city,
    the streets with the lowest organizational coverage — one count over the subtree, on the
    coverage pages' read session."""
    t = tree()
    with read_session(ctx) as rs:
        per_tenant = cov.figures_by_tenant(rs, ctx.subtree())
    streets = []
    if t.children.get(ctx.tenant.id):
        for tid in ctx.subtree():
            street = t.by_id[tid]
            if tid == ctx.tenant.id or street.level not in STREET_LEVELS or street.archived:
                continue
            figs = cov.sum_figures(per_tenant[i] for i in t.descendant_ids(tid) if i in per_tenant)
            if figs["all"].org_rate is not None:
                streets.append((street, figs["all"]))
        streets = sorted(streets, key=lambda s: (s[1].org_rate, s[0].name, s[0].id))[:LOWEST_STREETS]
    return {"figures": cov.sum_figures(per_tenant.values()), "kinds": cov.KINDS, "streets": streets,
            "link": lambda *a, **k: drill_url(ctx, *a, **k), "href": ctx.url("coverage")}
