"""Hooks that program plugins implement to configure the activities engine (组织活动).

Both are *per tenant*: the engine calls them through
``core.plugins.registry().hooks_for(tenant.id)``, so they reach only the plugins the tenant
has enabled. Implement them with ``core.hookspecs.hookimpl``. See ``plugins/activities/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo
    from plugins.activities.models import Activity
    from plugins.activities.types import ActivityType


@hookspec
def register_activity_types(tenant: TenantInfo) -> list[ActivityType]:
    """Activity types ``tenant`` records, with who may organize them and their cadence.

    Called on every activities page and API request of ``tenant``, by the dashboard widget,
    the due reminders and :func:`plugins.activities.api.activity_types`. The tenant works with
    the engine's built-in types (主题党日, 支部党员大会, 支委会, 党小组会, 党课, 培训, 沙龙 — unless
    its settings switch them off) plus every type its enabled programs return; a program type
    with a built-in's key replaces the built-in. Types are shown ordered by ``order``.
    """


@hookspec
def on_activity_changed(session: Session, tenant: TenantInfo, activity: Activity, action: str) -> None:
    """An activity of ``tenant`` was created or changed.

    ``action`` is one of ``"create"``, ``"update"``, ``"hold"``, ``"cancel"``, ``"restore"``,
    ``"participants"``, ``"attendance"``, ``"delete"``. Called inside the same transaction,
    after the change is flushed and before it is committed (for ``"delete"``: just before the
    row is deleted); ``session`` is scoped to ``tenant``. Raising aborts the change.
    """
