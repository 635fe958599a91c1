"""The tenant's list schemes (the engine's vocabularies merged with its programs') and the
``on_list_demand_transition`` event."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.plugins import registry
from core.tenancy import TenantInfo, tree
from plugins.lists.models import ListDemand
from plugins.lists.types import EffectiveScheme, ListScheme

PLUGIN = "lists"
# --- schemes ----------------------------------------------------------------------------------


def schemes_for(tenant: TenantInfo) -> list[ListScheme]:
    """The schemes the tenant's enabled programs register (possibly none)."""
    found: list[ListScheme] = []
    for batch in registry().hooks_for(tenant.id).register_list_schemes(tenant=tenant):
        found.extend(batch or ())
    return found


def scheme_for(tenant: TenantInfo) -> EffectiveScheme:
    """The union of the tenant's schemes, or the default scheme when there are none."""
    return EffectiveScheme.of(schemes_for(tenant))


def fire(session: Session, demand: ListDemand, action: str, old: str, new: str) -> None:
    """Tell the demand's tenant's programs (``on_list_demand_transition``)."""
    session.flush()
    tenant = tree().by_id.get(demand.tenant_id)
    if tenant is None:
        return
    registry().hooks_for(tenant.id).on_list_demand_transition(
        session=session, tenant=tenant, demand=demand, action=action, old_status=old, new_status=new)
