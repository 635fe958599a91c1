"""Building-block plugin `assessment` (考核评议): templates, rounds, scoring, ranking, appeals.

Programs configure it with ``register_assessment_templates`` and react to
``on_round_published`` (:mod:`plugins.assessment.hookspecs`); other plugins read results with
:mod:`plugins.assessment.api`. Documentation: ``plugins/assessment/README.md``.
"""

from __future__ import annotations

from sqlalchemy import select

from core.hookspecs import hookimpl
from core.plugin_types import NavItem, Permission, PluginMeta, Role, Term, Widget
from plugins.assessment import hookspecs  # noqa: F401  (plugin-defined hooks, see PluginRegistry)

meta = PluginMeta(
    name="assessment",
    label="考核评议",
    version="0.1.0",
    description="考核模板、考核轮次、评分与排名",
    depends=(),
)

PERMISSIONS = [
    Permission("assessment:read", "查看考核"),
    Permission("assessment:write", "管理考核模板与轮次、发布结果、处理申诉"),
    Permission("assessment:score", "考核评分"),
    Permission("assessment:self", "填写本组织自评、提出申诉"),
]

ALL = ("assessment:read", "assessment:write", "assessment:score", "assessment:self")
ROLES = [
    Role("tenant_admin", permissions=ALL),
    Role("staff", permissions=ALL),
    Role("instructor", permissions=("assessment:read", "assessment:score")),
    Role("org_secretary", permissions=("assessment:read", "assessment:self")),
    Role("viewer", permissions=("assessment:read",)),
]


@hookimpl
def register_terms():
    return [Term("assessment", "考核", "a scored evaluation (考核评议)")]


@hookimpl
def register_nav_items(tenant, settings):
    return [NavItem("考核评议", "assessment", permission="assessment:read", order=60)]


@hookimpl
def register_dashboard_widgets(session, tenant, settings):
    from plugins.assessment.models import AssessmentRound, AssessmentSheet

    rnd = session.scalar(select(AssessmentRound).where(AssessmentRound.state == "published")
                         .order_by(AssessmentRound.published_at.desc(), AssessmentRound.id.desc()).limit(1))
    if rnd is None:
        return []
    top = session.scalars(select(AssessmentSheet).where(AssessmentSheet.round_id == rnd.id)
                          .order_by(AssessmentSheet.rank, AssessmentSheet.target_name).limit(3)).all()
    return [Widget("最新考核结果", "assessment:Widget",
                   {"round": rnd, "top": top, "href": f"/t/{tenant.slug}/assessment/rounds/{rnd.id}/ranking"},
                   permission="assessment:write", order=60)]


@hookimpl
def register_demo_data(session, tenant):
    """After the registry's demo data (core parts load first): the party orgs must exist."""
    from plugins.assessment.demo import load_demo

    load_demo(session, tenant)
