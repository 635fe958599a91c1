"""Registry API: what the tenant's plugins add to the registry — extra fields and code lists —
so that API clients know the keys of ``"extra"`` and the codes a form accepts
(:mod:`core.registry.extensions`)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import get

from core.plugin_types import CODE_LISTS, EXTRA_FIELD_ENTITIES
from core.registry import extensions as ext
from core.web.context import Ctx

READ = {"permission": "registry:read"}


@dataclass
class ExtraFieldOut:
    entity: str  # organization | party_org | member
    key: str  # the key in "extra"
    label: str
    type: str  # text | int | date | choice | bool | reference
    required: bool
    choices: dict[str, str]
    reference: str  # organization | party_org | member, for type reference
    max_length: int
    min: int | None
    max: int | None
    help: str


@get("/extra-fields", opt=READ, sync_to_thread=True, tags=["registry"])
def api_extra_fields(ctx: Ctx) -> list[ExtraFieldOut]:
    """The extra fields the tenant's plugins add to organizations, party orgs and members
    (``register_extra_fields``): send and read them as ``"extra": {"<key>": value}``."""
    return [ExtraFieldOut(f.entity, f.key, f.label, f.type, f.required, dict(f.choices), f.reference,
                          f.max_length, f.min, f.max, f.help)
            for entity in EXTRA_FIELD_ENTITIES for f in ext.extra_fields(ctx.tenant, entity)]


@get("/code-lists", opt=READ, sync_to_thread=True, tags=["registry"])
def api_code_lists(ctx: Ctx) -> dict[str, dict[str, str]]:
    """The tenant's extendable code lists (``formation_modes``, ``industries``): code → label,
    the core's codes and those of its plugins (``register_code_lists``)."""
    return {name: ext.code_list(ctx.tenant, name) for name in CODE_LISTS}


ROUTES: list = []
API_ROUTES: list = [api_extra_fields, api_code_lists]
