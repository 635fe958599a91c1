"""JSON API of the core under ``/api``: same guard and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, put
from litestar.exceptions import HTTPException, NotFoundException
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.permissions import authorizer
from core.plugins import PluginError, SettingsError, registry
from core.services.audit_query import AuditFilter, query_audit
from core.tenancy import TenantInfo, tree
from core.web.context import Ctx, user_guard
from core.web.forms import save
from core.web.pages.admin import admin_session, subtree_tenant
from core.web.pages.audit import audit_filter


@dataclass
class TenantOut:
    id: int
    slug: str
    name: str
    level: str
    parent_id: int | None
    archived: bool

    @classmethod
    def of(cls, t: TenantInfo) -> TenantOut:
        return cls(t.id, t.slug, t.name, t.level, t.parent_id, t.archived)


@dataclass
class TenantDetail:
    tenant: TenantOut
    permissions: list[str]
    enabled_plugins: list[str]
    terms: dict[str, str]


@dataclass
class PluginOut:
    name: str
    label: str
    version: str
    depends: list[str]
    enabled: bool
    settings: dict[str, Any]


@dataclass
class PluginChange:
    enabled: bool | None = None
    settings: dict[str, Any] | None = None


@dataclass
class AuditOut:
    id: int
    tenant_id: int | None
    username: str
    action: str
    entity: str
    entity_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: dt.datetime


@dataclass
class Page:
    total: int
    items: list[AuditOut]


@get("/api/me", guards=[user_guard], sync_to_thread=True, tags=["core"])
def me(request: Request) -> dict[str, Any]:
    user = request.state.user
    allowed = authorizer.tenants_of(user.id)
    tenants = [TenantOut.of(t) for t in tree().by_id.values()
               if not t.archived and (allowed is None or t.id in allowed)]
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "tenants": sorted(tenants, key=lambda t: t.id)}


@get("/", sync_to_thread=True, tags=["core"])
def tenant_detail(ctx: Ctx) -> TenantDetail:
    return TenantDetail(TenantOut.of(ctx.tenant), sorted(ctx.perms),
                        sorted(registry().enabled(ctx.tenant.id)), ctx.terms)


@get("/tenants", opt={"permission": "tenant:manage"}, sync_to_thread=True, tags=["core"])
def subtree(ctx: Ctx) -> list[TenantOut]:
    return [TenantOut.of(tree().by_id[i]) for i in ctx.subtree()]


def _plugins(tenant_id: int, dev_plugins: bool) -> list[PluginOut]:
    reg = registry()
    enabled = reg.enabled(tenant_id)
    return [PluginOut(n, m.label, m.version, list(m.depends), n in enabled,
                      reg.settings(tenant_id, n).model_dump(mode="json"))
            for n, m in reg.meta.items() if reg.offered(tenant_id, n, dev_plugins)]


@get("/tenants/{tenant_id:int}/plugins", opt={"permission": "tenant:manage"}, sync_to_thread=True,
     tags=["core"])
def plugins_of(ctx: Ctx, request: Request, tenant_id: int) -> list[PluginOut]:
    return _plugins(subtree_tenant(ctx, tenant_id).id, request.app.state.settings.dev_plugins)


@put("/tenants/{tenant_id:int}/plugins/{name:str}", opt={"permission": "tenant:manage"},
     sync_to_thread=True, tags=["core"])
def change_plugin(ctx: Ctx, db: Session, request: Request, tenant_id: int, name: str,
                  data: PluginChange) -> list[PluginOut]:
    """Enable/disable a plugin for a tenant in the subtree and/or change its settings (fields left out keep their values)."""
    target = subtree_tenant(ctx, tenant_id)
    reg = registry()
    dev_plugins = request.app.state.settings.dev_plugins
    if name not in reg.meta or not reg.offered(target.id, name, dev_plugins):
        raise NotFoundException("插件不存在")
    admin_session(ctx, db)

    def change() -> None:
        if data.settings is not None:
            reg.update_settings(db, target.id, name, data.settings)
        if data.enabled is not None:
            reg.set_enabled(db, target, name, data.enabled)

    try:
        save(db, change)
    except SettingsError as exc:
        raise FormErrors(exc.errors) from exc
    except PluginError as exc:  # a dependency is missing or still needed
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return _plugins(target.id, dev_plugins)


@get("/audit", opt={"permission": "audit:read"}, sync_to_thread=True, tags=["core"])
def audit(ctx: Ctx, user: str = "", tenant: str = "", action: str = "", date_from: str = "",
          date_to: str = "", page: int = 1) -> Page:
    f: AuditFilter = audit_filter(user, tenant, action, date_from, date_to, page)
    with ctx.read_rollup_session("audit:read") as db:
        rows, total = query_audit(db, ctx.subtree(), f, ctx.can("platform:admin"))
        items = [AuditOut(r.id, r.tenant_id, r.username, r.action, r.entity, r.entity_id, r.summary,
                          r.before, r.after, r.created_at) for r in rows]
    return Page(total, items)


TENANT_ROUTES = [tenant_detail, subtree, plugins_of, change_plugin, audit]
ROUTES = [me]
