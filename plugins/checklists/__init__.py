"""Building-block plugin `checklists` (评估清单): evidence checklists of clusters, organizations,
party orgs and sites against templates (六专, 三项保障, 六个有, 阵地验收, 支部标准化手册 …).

Why a building-block plugin: four programs need checklists (004 JH-2 六专 and JH-6 六个有, 003
CS-1 三项保障, 001 NH-1 the standards handbook, 东方红 DFH-5 venue acceptance) but not every
tenant does; as a plugin it owns its tables, migration branch, permissions and pages, and
programs configure it through two hooks (``register_checklist_templates``,
``register_checklist_subject_kinds``) and reach it through :mod:`plugins.checklists.api`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Widget
from plugins.checklists import (
    hookspecs,  # noqa: F401  (plugin-defined hooks, added by the registry)
)


class Settings(BaseModel):
    standard_templates: bool = Field(True, title="提供常用清单模板（六专、三项保障、六个有）")


meta = PluginMeta(
    name="checklists",
    label="评估清单",
    version="0.1.0",
    description="对照清单模板逐项检查联组、两新组织、党组织和阵地，上传佐证材料，验收并统计达标进度。",
    settings=Settings,
)

READ, WRITE, REVIEW = "checklists:read", "checklists:write", "checklists:review"
PERMISSIONS = [
    Permission(READ, "查看评估清单和达标进度"),
    Permission(WRITE, "新建清单、逐项检查、上传佐证材料、维护清单模板"),
    Permission(REVIEW, "验收清单（通过、不通过、重新检查）"),
]
ROLES = [
    Role("tenant_admin", permissions=(READ, WRITE, REVIEW)),
    Role("staff", permissions=(READ, WRITE, REVIEW)),
    Role("instructor", permissions=(READ, WRITE)),
    Role("org_secretary", permissions=(READ,)),
    Role("viewer", permissions=(READ,)),
]


@hookimpl
def register_checklist_subject_kinds(tenant):
    from core.registry.models import Cluster, Organization, PartyOrg
    from plugins.checklists.types import model_kind

    return [
        model_kind("cluster", "组团（联组、联盟、党建点）", Cluster, "clusters/{id}", order=10,
                   active=lambda: Cluster.archived_on.is_(None)),
        model_kind("organization", "两新组织", Organization, "organizations/{id}", order=20),
        model_kind("party_org", "党组织", PartyOrg, "party-orgs/{id}", order=30,
                   active=lambda: PartyOrg.dissolved_on.is_(None)),
    ]


@hookimpl
def register_checklist_templates(tenant):
    from core.plugins import registry
    from plugins.checklists.library import STANDARD

    return list(STANDARD) if registry().settings(tenant.id, "checklists").standard_templates else []


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("评估清单", "checklists", permission=READ, order=75)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.checklists.service import widget_counts

    return [Widget("评估清单", "checklists:Widget", {"counts": widget_counts(session),
                                                   "href": f"/t/{tenant.slug}/checklists"},
                   permission=READ, order=75)]


@hookimpl
def register_demo_data(session, tenant):
    from plugins.checklists.demo import make_demo

    make_demo(session, tenant)


@hookimpl
def register_import_kinds(tenant):
    from plugins.checklists.imports import template_items_kind

    return [template_items_kind()]
