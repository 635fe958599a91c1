"""The hook of the indicators building block (目标与实绩).

Per tenant: called through ``core.plugins.registry().each_for(tenant.id, …)``, reaching only the
tenant's enabled plugins, in dependency order. Implement with ``core.hookspecs.hookimpl``. See
``plugins/indicators/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.indicators.types import Indicator


@hookspec
def register_indicators(tenant: TenantInfo) -> list[Indicator]:
    """The indicators ``tenant`` is measured against (覆盖率、新建党组织数、新增示范点 …).

    Called on every indicators page and API request of ``tenant``, by its dashboard card, its
    demo data and the target import. Each :class:`~plugins.indicators.types.Indicator` says how
    its actual is obtained (a ``compute`` function over the registry or an engine, or entered with
    evidence) and may carry the program's default target. A registration with an earlier key
    replaces it: the block registers its own first, programs after it.
    """
