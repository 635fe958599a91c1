"""The core's own hook implementations: core is a plugin of its own hooks (as in Datasette).

Always enabled for every tenant. Its pages (dashboard, tenant admin, audit log) are mounted
from :func:`register_routes` like any plugin's, at the tenant's top level (``/t/<slug>/``),
and ``core/static`` is served at ``/static/core/`` by :func:`register_static`.
"""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, Role, Term

HERE = Path(__file__).resolve().parent

CORE_PERMISSIONS = [
    Permission("tenant:view", "进入本辖区"),
    Permission("tenant:manage", "管理下级辖区及其插件"),
    Permission("users:manage", "管理用户与角色"),
    Permission("audit:read", "查看操作日志"),
    Permission("platform:admin", "平台管理（创建顶级辖区）"),
]

ROLE_LABELS = {
    "platform_admin": "平台管理员",
    "tenant_admin": "辖区管理员",
    "staff": "专干",
    "instructor": "党建指导员",
    "org_secretary": "党组织书记",
    "viewer": "只读查看",
}

CORE_ROLES = [
    Role("tenant_admin", ROLE_LABELS["tenant_admin"],
         ("tenant:view", "tenant:manage", "users:manage", "audit:read")),
    Role("staff", ROLE_LABELS["staff"], ("tenant:view", "audit:read")),
    Role("instructor", ROLE_LABELS["instructor"], ("tenant:view",)),
    Role("org_secretary", ROLE_LABELS["org_secretary"], ("tenant:view",)),
    Role("viewer", ROLE_LABELS["viewer"], ("tenant:view",)),
]


#: read by the plugin manager's conventions (register_permissions / register_roles)
PERMISSIONS, ROLES = CORE_PERMISSIONS, CORE_ROLES


@hookimpl
def register_routes():
    from core.web.pages import admin, audit, home

    return [*home.ROUTES, *admin.ROUTES, *audit.ROUTES]


@hookimpl
def register_api_routes():
    from core.web.api import TENANT_ROUTES

    return TENANT_ROUTES


@hookimpl
def register_static():
    return HERE / "static"


@hookimpl
def register_terms():
    return [
        Term("tenant", "辖区", "a jurisdiction (tenant)"),
        Term("cluster", "联组", "a cluster of organizations"),
    ]


@hookimpl
def register_nav_items(tenant, settings):
    return [
        NavItem("工作台", "", order=0, section="home"),
        NavItem("下级辖区与插件", "admin/tenants", permission="tenant:manage", order=900, section="admin"),
        NavItem("用户与角色", "admin/users", permission="users:manage", order=910, section="admin"),
        NavItem("操作日志", "audit", permission="audit:read", order=920, section="admin"),
    ]
