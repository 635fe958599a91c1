"""Tenant administration within the current tenant's subtree: tenants, plugins, users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import extend_scope
from core.forms import FormErrors
from core.models import TENANT_LEVELS, Tenant, User
from core.money import is_yuan_field, yuan_plain
from core.permissions import PLATFORM, PLATFORM_ADMIN, authorizer, build_catalog
from core.plugins import PluginError, SettingsError, registry
from core.services import tenants as tenant_service
from core.services import users as user_service
from core.services.tenants import TenantForm
from core.tenancy import TenantInfo, tree
from core.terms import default_terms
from core.web.context import Ctx
from core.web.forms import save
from core.web.render import flash, form_value, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MANAGE = {"permission": "tenant:manage"}
USERS = {"permission": "users:manage"}


def subtree_tenant(ctx: Ctx, tenant_id: int) -> TenantInfo:
    """A tenant in the current subtree, else 404 (never reveal what lies outside)."""
    if tenant_id not in ctx.subtree():
        raise NotFoundException("辖区不存在")
    return tree().by_id[tenant_id]


def admin_session(ctx: Ctx, db: Session) -> Session:
    """The request session widened to the subtree: admin writes land in child tenants."""
    extend_scope(db, ctx.subtree())
    return db


def _tenant_form(data: dict[str, Any], parent_default: int | None) -> TenantForm:
    parent = form_value(data, "parent_id")
    if parent == "root":
        parent_default = None
    terms = {k[len("term_"):]: form_value(data, k) for k in data if k.startswith("term_")}
    return TenantForm(
        slug=form_value(data, "slug").lower(),
        name=form_value(data, "name"),
        level=form_value(data, "level"),
        parent_id=int(parent) if parent.isdigit() else parent_default,
        host=form_value(data, "host").lower(),
        terms=terms,
    )


def _tenant_page(ctx: Ctx, form: dict, errors: dict, tenant: TenantInfo | None, status: int = 200):
    parents = [tree().by_id[i] for i in ctx.subtree() if not tree().by_id[i].archived]
    return render("admin.TenantForm", status_code=status, ctx=ctx, form=form, errors=errors,
                  tenant=tenant, levels=TENANT_LEVELS, parents=parents, terms=default_terms())


@get("/admin/tenants", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_list(ctx: Ctx, q: str = "", show_archived: bool = False) -> Response:
    return _tenant_list_page(ctx, q, show_archived)


def _tenant_list_page(ctx: Ctx, q: str = "", show_archived: bool = False, status: int = 200) -> Response:
    t = tree()
    rows = []

    def walk(tid: int, depth: int) -> None:
        node = t.by_id[tid]
        if (show_archived or not node.archived) and (not q or q in node.name or q in node.slug):
            rows.append((depth, node, sorted(registry().enabled(tid))))
        for c in t.children.get(tid, []):
            walk(c.id, depth + 1)

    walk(ctx.tenant.id, 0)
    return render("admin.TenantList", status_code=status, ctx=ctx, rows=rows, meta=registry().meta, q=q,
                  show_archived=show_archived, levels=TENANT_LEVELS)


@get("/admin/tenants/new", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_new(ctx: Ctx, parent: int | None = None) -> Response:
    form = {"parent_id": parent or ctx.tenant.id, "level": "street", "name": "", "slug": "", "host": "", "terms": {}}
    return _tenant_page(ctx, form, {}, None)


@post("/admin/tenants/new", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_create(ctx: Ctx, db: Session, data: Form) -> Response:
    form = _tenant_form(data, ctx.tenant.id)
    errors: dict[str, str] = {}
    if form.parent_id is None and not ctx.can("platform:admin"):
        errors["parent_id"] = "只有平台管理员可以新建顶级辖区"
    elif form.parent_id is not None and form.parent_id not in ctx.subtree():
        errors["parent_id"] = "只能在本辖区及其下级中新建"

    def create() -> Tenant:
        if errors:
            raise FormErrors(errors)
        return tenant_service.create_tenant(admin_session(ctx, db), form)

    tenant = save(db, create, rerender=lambda errs: _tenant_page(ctx, vars(form), errs, None))
    return redirect(ctx.url(f"admin/tenants/{tenant.id}/plugins"))


@get("/admin/tenants/{tenant_id:int}/edit", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_edit(ctx: Ctx, tenant_id: int) -> Response:
    t = subtree_tenant(ctx, tenant_id)
    form = {"slug": t.slug, "name": t.name, "level": t.level, "parent_id": t.parent_id,
            "host": t.host or "", "terms": t.terms}
    return _tenant_page(ctx, form, {}, t)


@post("/admin/tenants/{tenant_id:int}/edit", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_update(ctx: Ctx, db: Session, tenant_id: int, data: Form) -> Response:
    t = subtree_tenant(ctx, tenant_id)
    form = _tenant_form(data, t.parent_id)
    form.slug = t.slug
    errors = {}
    if t.id == ctx.tenant.id:
        form.parent_id = t.parent_id  # a tenant cannot move itself out of its own reach
    elif form.parent_id not in ctx.subtree():
        errors["parent_id"] = "上级辖区须在本辖区范围内"

    def update() -> None:
        if errors:
            raise FormErrors(errors)
        tenant_service.update_tenant(db, admin_session(ctx, db).get(Tenant, tenant_id), form)

    save(db, update, rerender=lambda errs: _tenant_page(ctx, vars(form), errs, t))
    return redirect(ctx.url("admin/tenants"))


@post("/admin/tenants/{tenant_id:int}/archive", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_archive(ctx: Ctx, db: Session, data: Form, tenant_id: int) -> Response:
    subtree_tenant(ctx, tenant_id)
    archive = form_value(data, "archived", "1") == "1"
    if tenant_id == ctx.tenant.id:
        ctx.flashes.append(["error", "不能归档当前所在的辖区"])
        return _tenant_list_page(ctx, status=409)
    try:
        save(db, lambda: tenant_service.set_archived(admin_session(ctx, db), db.get(Tenant, tenant_id), archive))
    except FormErrors as exc:  # refused (a descendant is still in use): 409 on the list
        ctx.flashes.append(["error", exc.errors["__all__"]])
        return _tenant_list_page(ctx, status=409)
    return redirect(ctx.url("admin/tenants"))


@get("/admin/tenants/{tenant_id:int}/plugins", opt=MANAGE, include_in_schema=False, sync_to_thread=True)
def tenant_plugins(ctx: Ctx, request: Request, tenant_id: int) -> Response:
    return _plugins_page(ctx, request, subtree_tenant(ctx, tenant_id))


def _plugins_page(ctx: Ctx, request: Request, target: TenantInfo, errors: dict | None = None,
                  status: int = 200) -> Response:
    reg = registry()
    enabled = reg.enabled(target.id)
    plugins = []
    for name, meta in reg.meta.items():
        if not reg.offered(target.id, name, request.app.state.settings.dev_plugins):
            continue
        settings = reg.settings(target.id, name)
        fields = [
            (key, info.title or key, yuan_plain(getattr(settings, key)) if is_yuan_field(info) else getattr(settings, key),
             info.annotation is bool, info.description or "", is_yuan_field(info))
            for key, info in meta.settings.model_fields.items()
        ]
        plugins.append({"name": name, "meta": meta, "enabled": name in enabled, "fields": fields,
                        "summary": meta.description.split("。")[0],
                        "needs": [reg.meta[d].label for d in meta.depends],
                        "needed_by": [reg.meta[d].label for d in reg.dependents(name)]})
    return render("admin.TenantPlugins", status_code=status, ctx=ctx, target=target, plugins=plugins,
                  errors=errors or {})


@get("/admin/tenants/{tenant_id:int}/plugins/{name:str}/disable", opt=MANAGE,
     include_in_schema=False, sync_to_thread=True)
def plugin_disable_confirm(ctx: Ctx, tenant_id: int, name: str) -> Response:
    """Before disabling: what disappears for the tenant's users, or why it cannot be disabled."""
    target = subtree_tenant(ctx, tenant_id)
    reg = registry()
    meta = reg.meta.get(name)
    if meta is None:
        raise NotFoundException("插件不存在")
    if name not in reg.enabled(target.id):
        return redirect(ctx.url(f"admin/tenants/{target.id}/plugins"))
    hooks = reg.hooks_of(name)
    menu = [i.label for batch in hooks.register_nav_items(tenant=target, settings=reg.settings(target.id, name))
            for i in batch]
    blocking = [reg.meta[d].label for d in reg.dependents(name) if d in reg.enabled(target.id)]
    return render("admin.PluginDisable", ctx=ctx, target=target, name=name, meta=meta, menu=menu,
                  blocking=blocking)


@post("/admin/tenants/{tenant_id:int}/plugins/{name:str}/toggle", opt=MANAGE,
      include_in_schema=False, sync_to_thread=True)
def plugin_toggle(ctx: Ctx, db: Session, request: Request, tenant_id: int, name: str, data: Form) -> Response:
    target = subtree_tenant(ctx, tenant_id)
    if name not in registry().meta:
        raise NotFoundException("插件不存在")
    enable = form_value(data, "enabled") == "1"
    if not registry().offered(target.id, name, request.app.state.settings.dev_plugins):
        raise NotFoundException("插件不存在")
    if not enable and form_value(data, "confirm") != "1":  # disabling is confirmed on its own page
        return redirect(ctx.url(f"admin/tenants/{target.id}/plugins/{name}/disable"))
    try:
        changed = save(db, lambda: registry().set_enabled(admin_session(ctx, db), target, name, enable))
    except PluginError as exc:  # a dependency is missing or still needed: 409, said on the page
        return _plugins_page(ctx, request, target, {name: str(exc)}, 409)
    labels = "、".join(registry().meta[n].label for n in changed)
    flash(request, (f"已启用：{labels}" if enable else f"已停用：{labels}") if changed else "状态未改变")
    return redirect(ctx.url(f"admin/tenants/{target.id}/plugins"))


@post("/admin/tenants/{tenant_id:int}/plugins/{name:str}/settings", opt=MANAGE,
      include_in_schema=False, sync_to_thread=True)
def plugin_settings(ctx: Ctx, db: Session, request: Request, tenant_id: int, name: str, data: Form) -> Response:
    target = subtree_tenant(ctx, tenant_id)
    meta = registry().meta.get(name)
    if meta is None:
        raise NotFoundException("插件不存在")
    values: dict[str, Any] = {}
    for key, info in meta.settings.model_fields.items():
        if info.annotation is bool:
            values[key] = form_value(data, key) == "1"
        elif key in data:
            values[key] = form_value(data, key)

    def change() -> None:
        try:
            registry().update_settings(admin_session(ctx, db), target.id, name, values)
        except SettingsError as exc:
            raise FormErrors({f"{name}.{k}": v for k, v in exc.errors.items()}) from exc

    save(db, change, rerender=lambda errors: _plugins_page(ctx, request, target, errors))
    flash(request, f"「{meta.label}」设置已保存")
    return redirect(ctx.url(f"admin/tenants/{target.id}/plugins"))


# --- users and roles ---------------------------------------------------------------------


def _grantable_roles(ctx: Ctx) -> dict[str, str]:
    roles = build_catalog(registry().pm).roles
    return {n: r.label or n for n, r in roles.items() if n != PLATFORM_ADMIN or ctx.can("platform:admin")}


def _users_page(ctx: Ctx, db: Session, errors: dict | None = None, form: dict | None = None,
                status: int = 200, q: str = "") -> Response:
    subtree = {str(i) for i in ctx.subtree()}
    rows = [a for a in authorizer.assignments() if a[2] in subtree
            or (a[2] == PLATFORM and ctx.can("platform:admin"))]
    user_ids = {a[0] for a in rows}
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    listing: dict[int, list] = {}
    for uid, role, dom in rows:
        if uid in users and (not q or q in users[uid].username or q in users[uid].display_name):
            tenant = tree().by_id.get(int(dom)) if dom != PLATFORM else None
            listing.setdefault(uid, []).append((role, dom, tenant))
    roles = _grantable_roles(ctx)
    parents = [tree().by_id[i] for i in ctx.subtree() if not tree().by_id[i].archived]
    return render("admin.Users", status_code=status, ctx=ctx, users=users, listing=listing,
                  roles=roles, tenants=parents, errors=errors or {}, form=form or {},
                  q=q)


@get("/admin/users", opt=USERS, include_in_schema=False, sync_to_thread=True)
def users_page(ctx: Ctx, db: Session, q: str = "") -> Response:
    return _users_page(ctx, db, q=q)


@post("/admin/users/new", opt=USERS, include_in_schema=False, sync_to_thread=True)
def user_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    """Create a user and give them a first role in the subtree, in one transaction."""
    form = {k: form_value(data, k) for k in ("username", "display_name", "position", "role", "tenant_id")}
    errors: dict[str, str] = {}
    tenant_id = form["tenant_id"]
    if not tenant_id.isdigit() or int(tenant_id) not in ctx.subtree():
        errors["tenant_id"] = "请选择本辖区范围内的辖区"
    roles = _grantable_roles(ctx)
    if form["role"] not in roles or form["role"] == PLATFORM_ADMIN:
        errors["role"] = "请选择角色"

    def create() -> User:
        try:
            user = user_service.create_user(db, form["username"], form_value(data, "password"),
                                            form["display_name"], position=form["position"])
        except FormErrors as exc:  # report these with the role and tenant errors, all at once
            raise FormErrors({**errors, **exc.errors}) from exc
        if errors:
            raise FormErrors(errors)
        admin_session(ctx, db)
        user_service.grant_role(db, user, form["role"], int(tenant_id), roles)
        return user

    user = save(db, create, rerender=lambda errs: _users_page(ctx, db, errs, form))
    flash(request, f"已创建用户 {user.username}")
    return redirect(ctx.url("admin/users"))


@post("/admin/users/grant", opt=USERS, include_in_schema=False, sync_to_thread=True)
def role_grant(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = {k: form_value(data, k) for k in ("username", "role", "tenant_id")}
    roles = _grantable_roles(ctx)
    user = db.scalar(select(User).where(User.username == form["username"]))
    errors = {}
    if user is None:
        errors["username"] = "用户不存在"
    tid = form["tenant_id"]
    if tid == PLATFORM and ctx.can("platform:admin"):
        target: int | str = PLATFORM
    elif tid.isdigit() and int(tid) in ctx.subtree():
        target = int(tid)
    else:
        errors["tenant_id"] = "请选择本辖区范围内的辖区"
    if form["role"] not in roles:
        errors["role"] = "请选择角色"

    def grant() -> bool:
        if errors:
            raise FormErrors(errors)
        admin_session(ctx, db)
        return user_service.grant_role(db, user, form["role"], target, roles)

    changed = save(db, grant, rerender=lambda errs: _users_page(ctx, db, errs, form))
    flash(request, "已授予角色" if changed else "该用户已有此角色")
    return redirect(ctx.url("admin/users"))


@post("/admin/users/revoke", opt=USERS, include_in_schema=False, sync_to_thread=True)
def role_revoke(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    uid, role, tid = form_value(data, "user_id"), form_value(data, "role"), form_value(data, "tenant_id")
    if tid == PLATFORM and ctx.can("platform:admin"):
        target: int | str = PLATFORM
    elif tid.isdigit() and int(tid) in ctx.subtree():
        target = int(tid)
    else:
        raise NotFoundException("辖区不存在")
    user = db.get(User, int(uid)) if uid.isdigit() else None
    if user is None:
        raise NotFoundException("用户不存在")
    if user.id == ctx.user.id and role in ("tenant_admin", PLATFORM_ADMIN):
        return _users_page(ctx, db, {"__all__": "不能撤销自己的管理员角色"}, status=409)
    admin_session(ctx, db)
    user_service.revoke_role(db, user, role, target)
    db.commit()
    flash(request, "已撤销角色")
    return redirect(ctx.url("admin/users"))


ROUTES = [plugin_disable_confirm, tenant_list, tenant_new, tenant_create, tenant_edit, tenant_update, tenant_archive,
          tenant_plugins, plugin_toggle, plugin_settings, users_page, user_create, role_grant,
          role_revoke]
