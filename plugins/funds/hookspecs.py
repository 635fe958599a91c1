"""Hooks that program plugins implement to configure the funds engine (经费保障).

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/funds/README.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.funds.types import RewardRule


@hookspec
def register_reward_rules(tenant: TenantInfo) -> list[RewardRule]:
    """The reward rules ``tenant``'s enabled programs apply to published assessment results.

    Called when a round of ``tenant`` is published (the funds engine implements the assessment
    engine's ``on_round_published``) and when the rules page is shown. Each rule whose
    ``template_key`` matches the round proposes one ``requested`` disbursement per rewarded
    result, drawn on the target's reward line of the round's year (created when missing).
    """
