"""Terminology overrides: a tenant may rename words the UI shows (联组 → 片区联组)."""

from __future__ import annotations

from functools import lru_cache

from core.plugins import registry


@lru_cache(maxsize=1)
def default_terms() -> dict[str, str]:
    out: dict[str, str] = {}
    for batch in registry().pm.hook.register_terms():
        for term in batch or ():
            out[term.key] = term.default
    return out


def terms_for(tenant) -> dict[str, str]:
    """Default words with the tenant's overrides applied."""
    if not tenant.terms:
        return default_terms()
    return {**default_terms(), **{k: v for k, v in tenant.terms.items() if v}}
