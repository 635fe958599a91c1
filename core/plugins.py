"""The plugin manager: installed plugins, per-tenant enablement, per-tenant hook calls."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import hookspecs, revisions
from core.db import open_session
from core.models import TenantPlugin
from core.plugin_types import PluginMeta

ENTRY_POINT_GROUP = "liandong.plugins"
CORE = "core"
#: parts of the core written as plugins of its own hooks: always enabled, not listed
CORE_PLUGINS = {CORE: "core.builtin", "registry": "core.registry"}


class PluginError(ValueError):
    """A refused enablement change; ``str()`` is a Chinese message for the user."""


class SettingsError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Enablement:
    enabled: bool
    settings: dict[str, Any]
    version: str


def settings_errors(model: type[BaseModel], exc: ValidationError) -> dict[str, str]:
    """Field → Chinese message, from a pydantic error."""
    out = {}
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "__all__"
        info = model.model_fields.get(str(err["loc"][0])) if err["loc"] else None
        title = (info.title if info and info.title else field)
        kind = err["type"]
        if kind.startswith(("int_", "float_", "decimal_")) and "parsing" in kind:
            msg = "须为数字"
        elif kind in ("greater_than_equal", "greater_than"):
            msg = f"不能小于 {err['ctx'].get('ge', err['ctx'].get('gt'))}"
        elif kind in ("less_than_equal", "less_than"):
            msg = f"不能大于 {err['ctx'].get('le', err['ctx'].get('lt'))}"
        elif kind in ("string_too_short", "missing"):
            msg = "必填"
        elif kind == "string_too_long":
            msg = f"最多 {err['ctx']['max_length']} 个字符"
        elif kind == "bool_parsing":
            msg = "须为是或否"
        elif kind == "extra_forbidden":
            msg = "不是该插件的设置项"
        else:
            msg = "取值无效"
        out[field] = f"{title}：{msg}"
    return out


class TenantHooks:
    """``hooks_for(tenant).register_nav_items(...)`` reaches only the tenant's plugins."""

    def __init__(self, pm: pluggy.PluginManager, excluded: list[object]):
        self._pm = pm
        self._excluded = excluded
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str):
        caller = self._callers.get(name)
        if caller is None:
            caller = self._callers[name] = self._pm.subset_hook_caller(name, self._excluded)
        return caller


class PluginRegistry:
    def __init__(self, modules: dict[str, ModuleType] | None = None):
        self.pm = pluggy.PluginManager("liandong")
        self.pm.add_hookspecs(hookspecs)
        for name, module_name in CORE_PLUGINS.items():
            self.pm.register(importlib.import_module(module_name), name=name)
        self.meta: dict[str, PluginMeta] = {}
        self.modules: dict[str, ModuleType] = {}
        if modules is None:
            modules = {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}
        # a plugin may define hooks of its own for the plugins built on it (pytest-style):
        # ``hookspecs = <module>`` next to ``meta``; all specs are added before any impl
        for module in modules.values():
            specs = getattr(module, "hookspecs", None)
            if specs is not None:
                self.pm.add_hookspecs(specs)
        for name, module in sorted(modules.items()):
            meta: PluginMeta | None = getattr(module, "meta", None)
            if meta is None or meta.name != name:
                raise RuntimeError(f"plugin {name!r}: module {module.__name__} lacks meta with that name")
            self.pm.register(module, name=name)
            self.meta[name] = meta
            self.modules[name] = module
        for name, meta in self.meta.items():
            missing = [d for d in meta.depends if d not in self.meta]
            if missing:
                raise RuntimeError(f"plugin {name!r} depends on uninstalled {missing}")
        self.pm.check_pending()
        self._enablement: dict[int, dict[str, Enablement]] | None = None
        self._subsets: dict[frozenset[str], TenantHooks] = {}
        self._lock = threading.Lock()
        revisions.on_change("plugins", self._invalidate)

    # --- what is installed ------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.meta)

    def dependents(self, name: str) -> list[str]:
        return [n for n, m in self.meta.items() if name in m.depends]

    def dependency_closure(self, name: str) -> list[str]:
        """``name``'s dependencies, deepest first, ``name`` last."""
        out: list[str] = []

        def visit(n: str, path: tuple[str, ...]) -> None:
            if n in path:
                raise RuntimeError(f"plugin dependency cycle: {' → '.join(path + (n,))}")
            for d in self.meta[n].depends:
                visit(d, path + (n,))
            if n not in out:
                out.append(n)

        visit(name, ())
        return out

    # --- per-tenant enablement ----------------------------------------------------------

    def _invalidate(self) -> None:
        self._enablement = None

    def _state(self) -> dict[int, dict[str, Enablement]]:
        state = self._enablement
        if state is None:
            with self._lock:
                if self._enablement is None:
                    with open_session() as s:
                        rows = s.scalars(select(TenantPlugin)).all()
                        loaded: dict[int, dict[str, Enablement]] = {}
                        for r in rows:
                            loaded.setdefault(r.tenant_id, {})[r.plugin] = Enablement(
                                r.enabled, dict(r.settings or {}), r.version
                            )
                    self._enablement = loaded
                state = self._enablement
        return state

    def enabled(self, tenant_id: int) -> frozenset[str]:
        rows = self._state().get(tenant_id, {})
        return frozenset(n for n, e in rows.items() if e.enabled and n in self.meta)

    def is_enabled(self, tenant_id: int, name: str) -> bool:
        return name in CORE_PLUGINS or name in self.enabled(tenant_id)

    def settings(self, tenant_id: int, name: str) -> BaseModel:
        """Validated settings; stored values that no longer validate fall back to defaults."""
        model = self.meta[name].settings
        raw = self._state().get(tenant_id, {}).get(name)
        try:
            return model.model_validate(raw.settings if raw else {})
        except ValidationError:
            return model()

    def all_settings(self, tenant_id: int) -> dict[str, BaseModel]:
        return {n: self.settings(tenant_id, n) for n in self.enabled(tenant_id)}

    def hooks_for(self, tenant_id: int) -> TenantHooks:
        """Hook callers that reach the core and the tenant's enabled plugins only.

        Cached per set of enabled plugins: tenants with the same programs share callers.
        """
        enabled = self.enabled(tenant_id)
        hooks = self._subsets.get(enabled)
        if hooks is None:
            excluded = [self.modules[n] for n in self.meta if n not in enabled]
            hooks = self._subsets[enabled] = TenantHooks(self.pm, excluded)
        return hooks

    def validate_settings(self, name: str, values: dict[str, Any]) -> BaseModel:
        model = self.meta[name].settings
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            raise SettingsError(settings_errors(model, exc)) from exc

    def set_enabled(self, session: Session, tenant, name: str, enabled: bool) -> list[str]:
        """Enable (with its dependencies) or disable ``name`` for ``tenant``.

        Returns the plugins whose state changed. Refuses to disable a plugin that another
        enabled plugin needs. The caller commits; caches reload after the commit.
        """
        if name not in self.meta:
            raise PluginError(f"未安装插件「{name}」")
        current = set(self.enabled(tenant.id))
        if enabled:
            targets = [n for n in self.dependency_closure(name) if n not in current]
        else:
            needing = [d for d in self.dependents(name) if d in current]
            if needing:
                labels = "、".join(self.meta[d].label for d in needing)
                raise PluginError(
                    f"无法停用「{self.meta[name].label}」：已启用的「{labels}」依赖它，请先停用它们"
                )
            targets = [name] if name in current else []
        for n in targets:
            row = session.scalar(
                select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.plugin == n)
            )
            if row is None:
                row = TenantPlugin(tenant_id=tenant.id, plugin=n, settings={})
                session.add(row)
            row.enabled = enabled
            row.version = self.meta[n].version
        if targets:
            session.flush()
            revisions.bump(session, "plugins")
            hook = self.pm.hook.on_plugin_enabled if enabled else self.pm.hook.on_plugin_disabled
            for n in targets:
                hook(session=session, tenant=tenant, plugin=n)
        return targets

    def save_settings(self, session: Session, tenant_id: int, name: str, values: dict[str, Any]) -> BaseModel:
        validated = self.validate_settings(name, values)
        row = session.scalar(
            select(TenantPlugin).where(TenantPlugin.tenant_id == tenant_id, TenantPlugin.plugin == name)
        )
        if row is None:
            row = TenantPlugin(tenant_id=tenant_id, plugin=name, enabled=False, version=self.meta[name].version)
            session.add(row)
        row.settings = validated.model_dump(mode="json")
        session.flush()
        revisions.bump(session, "plugins")
        return validated


_registry: PluginRegistry | None = None


def registry() -> PluginRegistry:
    global _registry
    if _registry is None:
        _registry = PluginRegistry()
    return _registry


def set_registry(reg: PluginRegistry | None) -> None:
    """Replace the process-wide registry (tests installing extra plugins)."""
    global _registry
    _registry = reg
