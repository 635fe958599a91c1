"""The admin action log (CORE-10)."""

from __future__ import annotations

import datetime as dt

from litestar import Response, get

from core import history
from core.services.audit_query import PAGE_SIZE, AuditFilter, actions_in, query_audit
from core.tenancy import tree
from core.web.context import Ctx
from core.web.render import render


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_filter(user: str, tenant: str, action: str, date_from: str, date_to: str, page: int) -> AuditFilter:
    return AuditFilter(
        user=user.strip(),
        tenant_id=int(tenant) if tenant.isdigit() else None,
        action=action.strip(),
        date_from=parse_date(date_from),
        date_to=parse_date(date_to),
        page=max(page, 1),
    )


@get("/audit", opt={"permission": "audit:read"}, include_in_schema=False, sync_to_thread=True)
def audit_page(ctx: Ctx, user: str = "", tenant: str = "", action: str = "",
               date_from: str = "", date_to: str = "", page: int = 1) -> Response:
    f = audit_filter(user, tenant, action, date_from, date_to, page)
    with ctx.read_rollup_session("audit:read") as db:
        entries, total = query_audit(db, ctx.subtree(), f, ctx.can("platform:admin"))
        rows = history.read(db, entries)
        operations = history.operation_choices(actions_in(db, ctx.subtree(), ctx.can("platform:admin")))
    tenants = [tree().by_id[i] for i in ctx.subtree()]
    return render("AuditLog", ctx=ctx, rows=rows, total=total, f=f, page_size=PAGE_SIZE,
                  tenants=tenants, names={t.id: t.name for t in tenants}, operations=operations,
                  query={"user": user, "tenant": tenant, "action": action,
                         "date_from": date_from, "date_to": date_to})


ROUTES = [audit_page]
