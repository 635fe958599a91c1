"""Hooks of the sites block (阵地与站点): plugins register kinds of place.

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/sites/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.sites.types import SiteKind


@hookspec
def register_site_kinds(tenant: TenantInfo) -> list[SiteKind]:
    """The kinds of place ``tenant``'s enabled plugins keep in the sites registry (the lists
    engine's service stations, a program's 红色之家 …), besides the block's own built-in kinds.

    Called on every sites page and API request of ``tenant``, by its import kind, its widget and
    its demo data. A site of a kind no enabled plugin registers any more stays listed under its key.
    """
