"""Hooks that program plugins implement to configure the campaigns engine (推进计划).

Per tenant: the engine calls them through ``core.plugins.registry().hooks_for(tenant.id)``, so
they reach only the plugins the tenant has enabled. Implement them with
``core.hookspecs.hookimpl``. See ``plugins/campaigns/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo
    from plugins.campaigns.models import CampaignTask
    from plugins.campaigns.types import CampaignTemplate


@hookspec
def register_campaign_templates(tenant: TenantInfo) -> list[CampaignTemplate]:
    """The campaign templates (phased plans) ``tenant``'s enabled programs offer.

    Called when the "new campaign" form or the templates API of ``tenant`` is shown and when
    a campaign is started from a template: its phases and tasks are then copied into the
    campaign (later changes to the hook never rewrite an existing campaign). Keys must be
    unique across programs.
    """


@hookspec
def on_campaign_task_transition(session: Session, tenant: TenantInfo, task: CampaignTask, action: str,
                                old_status: str, new_status: str) -> None:
    """A campaign task owned by ``tenant`` changed state (``action``: "start", "complete",
    "cancel", "reopen").

    Called inside the same transaction, after the change is flushed and before the commit;
    ``session`` is scoped to ``tenant``. Raising aborts the change.
    """
