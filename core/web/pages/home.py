"""The tenant dashboard: widgets contributed by the core and the tenant's plugins."""

from __future__ import annotations

from litestar import Response, get
from sqlalchemy.orm import Session

from core.plugins import registry
from core.tenancy import tree
from core.web.context import Ctx
from core.web.render import render


def collect_widgets(ctx: Ctx, db: Session) -> list:
    """The cards the user may see. A user who acts on part of the tenant (an org secretary, a
    联组 组长: ``ctx.scope()`` not ``whole``) gets only cards that say whose figures they show
    (``Widget.scope``): a card counting the whole street without saying so is not theirs."""
    widgets = []
    whole = ctx.scope().whole
    for _plugin, batch in registry().each_for(ctx.tenant.id, "register_dashboard_widgets",
                                              session=db, tenant=ctx.tenant, viewer=ctx):
        widgets.extend(w for w in batch if (not w.permission or ctx.can(w.permission)) and (whole or w.scope))
    return sorted(widgets, key=lambda w: (w.order, w.title))


@get("/", include_in_schema=False, sync_to_thread=True)
def dashboard(ctx: Ctx, db: Session) -> Response:
    children = [c for c in tree().children.get(ctx.tenant.id, []) if not c.archived]
    return render("Dashboard", ctx=ctx, widgets=collect_widgets(ctx, db), children=children,
                  enabled=sorted(registry().enabled(ctx.tenant.id)), meta=registry().meta)


ROUTES = [dashboard]
