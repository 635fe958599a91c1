"""The tenant dashboard: widgets contributed by the core and the tenant's plugins."""

from __future__ import annotations

from litestar import Response, get
from sqlalchemy.orm import Session

from core.plugins import registry
from core.tenancy import tree
from core.web.context import Ctx
from core.web.render import render


def collect_widgets(ctx: Ctx, db: Session) -> list:
    widgets = []
    for _plugin, batch in registry().each_for(ctx.tenant.id, "register_dashboard_widgets",
                                              session=db, tenant=ctx.tenant, viewer=ctx):
        widgets.extend(w for w in batch if not w.permission or ctx.can(w.permission))
    return sorted(widgets, key=lambda w: (w.order, w.title))


@get("/", include_in_schema=False, sync_to_thread=True)
def dashboard(ctx: Ctx, db: Session) -> Response:
    children = [c for c in tree().children.get(ctx.tenant.id, []) if not c.archived]
    return render("Dashboard", ctx=ctx, widgets=collect_widgets(ctx, db), children=children,
                  enabled=sorted(registry().enabled(ctx.tenant.id)), meta=registry().meta)


ROUTES = [dashboard]
