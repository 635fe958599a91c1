"""Hooks that program plugins implement to configure the lists engine (清单工作法).

Both are *per tenant*: the engine calls them through
``core.plugins.registry().hooks_for(tenant.id)``, so they reach only the plugins the tenant
has enabled. Implement them with ``core.hookspecs.hookimpl``. See ``plugins/lists/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo
    from plugins.lists.models import ListDemand
    from plugins.lists.types import ListScheme


@hookspec
def register_list_schemes(tenant: TenantInfo) -> list[ListScheme]:
    """The list schemes ``tenant`` runs (names of its lists, categories, triage levels …).

    Called on every lists page and API request of ``tenant`` and when its demo data is made.
    The tenant works with the union of the schemes its enabled programs return; when none
    returns one, the engine's default scheme (需求清单 / 资源清单 / 项目清单) applies.
    """


@hookspec
def on_list_demand_transition(session: Session, tenant: TenantInfo, demand: ListDemand, action: str,
                              old_status: str, new_status: str) -> None:
    """A demand of ``tenant`` changed state (``action`` e.g. ``"accept"``, ``"resolve"``,
    ``"rate"``, ``"escalate"``; ``old_status == new_status`` for escalations and answers).

    Called inside the same transaction, after the change is flushed and before it is
    committed; ``session`` is scoped to ``tenant`` (or, for a district answering an
    escalation, to the district's subtree). Raising aborts the change.
    """
