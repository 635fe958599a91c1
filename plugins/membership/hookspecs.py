"""Hooks other plugins implement to configure the membership building block (党员管理).

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``; documented in
``docs/plugins.md`` (section "Membership hooks").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.membership.types import PointsRuleSet


@hookspec
def register_points_rule_sets(tenant: TenantInfo) -> list[PointsRuleSet]:
    """Points rule sets (积分规则) ``tenant`` may choose from in the membership settings.

    Called when the points pages, the points API or the settings check of ``tenant`` need the
    rule sets. Keys are globally unique and stable ("<plugin>.<name>"): ledger entries store
    the key of the set and of the rule they followed. The membership plugin itself ships
    ``membership.jinhua_12`` (金华 12 分制) and ``membership.changsha_classified`` (长沙分类积分).
    """
