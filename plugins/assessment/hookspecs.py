"""Hooks that program plugins implement to configure the assessment engine (考核评议).

All are *per tenant*: the engine calls them through
``core.plugins.registry().hooks_for(tenant.id)``, so they reach only the plugins the tenant
has enabled. Implement them with ``core.hookspecs.hookimpl``. See ``plugins/assessment/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo
    from plugins.assessment.api import PublishedRound
    from plugins.assessment.types import AssessmentTemplate, TargetKind


@hookspec
def register_assessment_templates(tenant: TenantInfo) -> list[AssessmentTemplate]:
    """The assessment templates ``tenant``'s enabled programs run (联组考核评优, 书记述职评议 …).

    Called when the templates page, the "new round" form or the template API of ``tenant``
    is shown, and when a round is opened from a registered template: the template is then
    copied into a stored version (a new version only if its definition changed), so a later
    change of the hook never rewrites a round that already exists. Keys must be globally
    unique and stable ("<program>.<name>"): other plugins query results by them.
    """


@hookspec
def on_round_published(session: Session, tenant: TenantInfo, round: PublishedRound) -> None:
    """A round of ``tenant`` was just published; ``round.results`` holds every target's
    total, grade and rank (standard competition ranking).

    Called inside the publishing transaction, after the results are flushed and before the
    commit; ``session`` is scoped to ``tenant``. Raising aborts the publication (the round
    stays in review). Use it to propose rewards (funds), update a blacklist or shortlist
    model sites; read results later with :func:`plugins.assessment.api.published_results`.
    """


@hookspec
def register_assessment_target_kinds(tenant: TenantInfo) -> list[TargetKind]:
    """Kinds of assessment target beyond the engine's own (organizations, party orgs, clusters,
    members, the tenants below): the ``units`` block registers ``unit`` (成员单位、行业部门 — NH-3
    assesses member units and departments). Called when a round of ``tenant`` is created, its
    targets are offered or added, and a sheet links to its target."""
