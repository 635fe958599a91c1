"""Building-block plugin `sites` (阵地与站点): a registry of places — 阵地 (一/二/三类), 党群服务中心,
红色驿站 / 零工驿站 / 爱心驿站 / 城管驿站, 红色之家, 三基基地, 街道党校, the lists engine's service
stations — with address, opening hours, managing unit, services and photos.

Why a building-block plugin: several programs keep places (002's 27 stations, 003's 红色之家 and 三基
基地, 东方红's venues and service stations) but not every tenant does; as a plugin it owns its tables,
migration branch and pages, and plugins add kinds through ``register_site_kinds`` and reach sites
through :mod:`plugins.sites.api`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.sites import hookspecs  # noqa: F401  (plugin-defined hooks, added by the registry)


class Settings(BaseModel):
    builtin_kinds: bool = Field(True, title="提供常用类型（阵地、党群服务中心、各类驿站、红色之家、三基基地、街道党校）")


meta = PluginMeta(
    name="sites",
    label="阵地与站点",
    version="0.1.0",
    description="阵地、党群服务中心、各类驿站、红色之家等场所台账：地址、开放时间、管理单位、服务项目和照片。",
    settings=Settings,
)

READ, WRITE = "sites:read", "sites:write"
PERMISSIONS = [Permission(READ, "查看阵地与站点"), Permission(WRITE, "登记和维护阵地与站点")]
ROLES = [
    Role("tenant_admin", permissions=(READ, WRITE)),
    Role("staff", permissions=(READ, WRITE)),
    Role("instructor", permissions=(READ,)),
    Role("org_secretary", permissions=(READ,)),
    Role("viewer", permissions=(READ,)),
]


@hookimpl
def register_site_kinds(tenant):
    from core.plugins import registry
    from plugins.sites.library import BUILTIN

    return list(BUILTIN) if registry().settings(tenant.id, "sites").builtin_kinds else []


@hookimpl(optionalhook=True)
def register_checklist_subject_kinds(tenant):
    """Sites can be checked against checklists (三项保障 of a point, a venue's acceptance)."""
    from plugins.checklists.api import model_kind
    from plugins.sites.models import Site

    return [model_kind("site", "阵地与站点", Site, "sites/{id}", order=40, active=lambda: Site.active.is_(True))]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("阵地与站点", "sites", permission=READ, order=76)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.sites.service import counts, kinds

    all_kinds = kinds(tenant)
    by_kind = counts(session)
    rows = [(all_kinds[k].label if k in all_kinds else k, c["active"], k) for k, c in by_kind.items() if c["active"]]
    rows.sort(key=lambda r: (all_kinds[r[2]].order if r[2] in all_kinds else 999, r[0]))
    return [Widget("阵地与站点", "sites:Widget", {"rows": rows, "href": f"/t/{tenant.slug}/sites"},
                   permission=READ, order=76)]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.sites.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.sites.imports import sites_kind

    return [sites_kind(tenant)]
