"""Hooks that program plugins implement to configure the units plugin (单位与结对).

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/units/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.units.types import PairingKind, UnitKind


@hookspec
def register_unit_kinds(tenant: TenantInfo) -> list[UnitKind]:
    """Kinds of unit ``tenant``'s enabled programs keep, added to the built-in ones (成员单位,
    行业部门, 机关单位, 社区（村）党组织, 驻街单位, 商会, 其他单位).

    Called whenever a unit form, list, import or api call needs the kinds. A key registered
    twice keeps its first label.
    """


@hookspec
def register_pairing_kinds(tenant: TenantInfo) -> list[PairingKind]:
    """Kinds of pairing ``tenant``'s enabled programs use, with their rules (minimum pairings
    per holder, visits per period), added to the built-in 结对共建 whose numbers are the
    tenant's settings.

    Called for pairing forms and for the gaps (缺口) page and API, which check every kind's rules.
    """
