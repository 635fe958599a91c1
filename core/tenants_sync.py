"""Config-as-code: apply ``tenants/<slug>.toml`` idempotently.

A file names the tenant, its level and parent, its terminology overrides and the plugins it
enables with their settings::

    name = "东方红街道"
    level = "street"
    parent = "yuelu"
    [terms]
    cluster = "联组"
    [plugins.example]
    enabled = true
    board_title = "街道公告"

Plugins are switched on and off through the same service as the admin page and the API
(:meth:`core.plugins.PluginRegistry.set_enabled`). Running it twice changes nothing the
second time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import revisions
from core.db import extend_scope
from core.models import TENANT_LEVELS, Tenant, TenantPlugin
from core.plugins import PluginError, registry
from core.services.tenants import slug_problem
from core.tenancy import TenantInfo


@dataclass
class TenantSpec:
    slug: str
    name: str
    level: str
    parent: str | None = None
    host: str | None = None
    terms: dict[str, str] = field(default_factory=dict)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_specs(directory: Path) -> list[TenantSpec]:
    specs = []
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        slug = data.get("slug", path.stem)
        if problem := slug_problem(slug):
            raise ValueError(f"{path.name}: slug {slug!r}: {problem}")
        if data.get("level") not in TENANT_LEVELS:
            raise ValueError(f"{path.name}: level must be one of {sorted(TENANT_LEVELS)}")
        specs.append(TenantSpec(slug=slug, name=data["name"], level=data["level"],
                                parent=data.get("parent"), host=data.get("host"),
                                terms=dict(data.get("terms", {})), plugins=dict(data.get("plugins", {}))))
    return _parents_first(specs)


def _parents_first(specs: list[TenantSpec]) -> list[TenantSpec]:
    by_slug = {s.slug: s for s in specs}
    out: list[TenantSpec] = []
    done: set[str] = set()

    def visit(s: TenantSpec, path: tuple[str, ...]) -> None:
        if s.slug in done:
            return
        if s.slug in path:
            raise ValueError(f"tenant parent cycle: {' → '.join(path + (s.slug,))}")
        if s.parent in by_slug:
            visit(by_slug[s.parent], path + (s.slug,))
        out.append(s)
        done.add(s.slug)

    for s in specs:
        visit(s, ())
    return out


def sync(session: Session, specs: list[TenantSpec]) -> list[str]:
    """Create/update tenants and plugin enablement. Returns a line per change made."""
    changes: list[str] = []
    for spec in specs:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == spec.slug))
        parent_id = None
        if spec.parent:
            parent_id = session.scalar(select(Tenant.id).where(Tenant.slug == spec.parent))
            if parent_id is None:
                raise ValueError(f"{spec.slug}: unknown parent {spec.parent!r}")
        wanted = {"name": spec.name, "level": spec.level, "parent_id": parent_id,
                  "host": spec.host, "terms": spec.terms}
        if tenant is None:
            tenant = Tenant(slug=spec.slug, **wanted)
            session.add(tenant)
            session.flush()
            extend_scope(session, [tenant.id])
            changes.append(f"created tenant {spec.slug}")
        else:
            diff = {k: v for k, v in wanted.items() if getattr(tenant, k) != v}
            if diff:
                for k, v in diff.items():
                    setattr(tenant, k, v)
                changes.append(f"updated tenant {spec.slug}: {', '.join(diff)}")
        changes += _sync_plugins(session, tenant, spec)
    if changes:
        revisions.bump(session, "tenants")
        revisions.bump(session, "plugins")
    return changes


def _sync_plugins(session: Session, tenant: Tenant, spec: TenantSpec) -> list[str]:
    """Settings, then enablement through :meth:`PluginRegistry.set_enabled` — the admin page's
    and the API's path: ``on_plugin_enabled`` fires, dependencies are enabled with the plugin
    (and said so), disabling one that an enabled plugin needs is refused with the reason."""
    reg = registry()
    changes: list[str] = []
    wanted: dict[str, bool] = {}
    for name, conf in spec.plugins.items():
        if name not in reg.meta:
            raise ValueError(f"{spec.slug}: plugin {name!r} is not installed")
        conf = dict(conf)
        wanted[name] = bool(conf.pop("enabled", True))
        settings = reg.validate_settings(name, conf).model_dump(mode="json")
        row = session.scalar(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id,
                                                        TenantPlugin.plugin == name))
        if row is None or dict(row.settings or {}) != settings:
            reg.save_settings(session, tenant.id, name, conf)
            changes.append(f"{spec.slug}: plugin {name} settings saved")
    info = TenantInfo(id=tenant.id, slug=tenant.slug, name=tenant.name, level=tenant.level,
                      parent_id=tenant.parent_id, archived=tenant.archived_at is not None,
                      host=tenant.host, terms=dict(tenant.terms or {}))
    # disable first (a plugin switched off may be one another switched-off plugin needed)
    for name, enabled in sorted(wanted.items(), key=lambda kv: kv[1]):
        try:
            changed = reg.set_enabled(session, info, name, enabled)
        except PluginError as exc:
            raise ValueError(f"{spec.slug}: {exc}") from exc
        for n in changed:
            why = f" (needed by {name})" if n != name else ""
            changes.append(f"{spec.slug}: plugin {n} {'enabled' if enabled else 'disabled'}{why}")
    return changes
