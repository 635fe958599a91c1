"""The plugin manager: installed plugins, their conventions, per-tenant enablement and hook calls.

Hooks are always called through pluggy: ``reg.pm.hook.<name>()`` for every plugin at once,
:meth:`PluginRegistry.each` / :meth:`PluginRegistry.each_for` plugin by plugin (when the caller
needs to know whose result it is, or each plugin gets its own settings) and
:meth:`PluginRegistry.hooks_for` for the plugins one tenant enabled.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.metadata import entry_points
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import hookspecs, revisions
from core.db import open_session
from core.models import Tenant, TenantPlugin
from core.plugin_types import NoSettings, PluginMeta

ENTRY_POINT_GROUP = "liandong.plugins"
CORE = "core"
#: parts of the core written as plugins of its own hooks: always enabled, not listed
CORE_PLUGINS = {CORE: "core.builtin", "registry": "core.registry", "notify": "core.notify"}


#: suffix of the pluggy name under which a plugin's conventional hook implementations run
CONVENTIONS_SUFFIX = ".conventions"


class Conventions:
    """The hook implementations :func:`conventions` made for one plugin package."""

    def __init__(self, package: str):
        self.package = package

    def __repr__(self) -> str:
        return f"<conventions of {self.package}>"


def conventions(module: ModuleType) -> Conventions:
    """Hook implementations that follow from a plugin package's layout, for each of these hooks
    the package does not implement itself:

    ``register_models`` → ``<package>.models.MODELS``; ``register_routes`` /
    ``register_api_routes`` → ``<package>.routes.PAGE_ROUTES`` / ``API_ROUTES``;
    ``register_permissions`` / ``register_roles`` → the package's ``PERMISSIONS`` / ``ROLES``;
    ``register_migrations`` / ``register_components`` / ``register_static`` → the folders
    ``migrations/versions``, ``components`` and ``static`` next to ``__init__.py``.
    Submodules are imported only when the hook is called.
    """
    package = module.__name__
    impls = Conventions(package)
    here = Path(module.__file__).resolve().parent if getattr(module, "__path__", None) else None

    def add(hook: str, fn) -> None:
        if not hasattr(module, hook):
            setattr(impls, hook, hookspecs.hookimpl(fn))

    def submodule(name: str) -> ModuleType | None:
        if here is None or find_spec(f"{package}.{name}") is None:
            return None
        return importlib.import_module(f"{package}.{name}")

    def attribute(mod_name: str, attr: str):
        def impl():
            mod = submodule(mod_name)
            return list(getattr(mod, attr, ())) if mod is not None else None
        return impl

    def folder(*parts: str):
        def impl():
            path = here.joinpath(*parts) if here is not None else None
            return path if path is not None and path.is_dir() else None
        return impl

    add("register_models", attribute("models", "MODELS"))
    add("register_routes", attribute("routes", "PAGE_ROUTES"))
    add("register_api_routes", attribute("routes", "API_ROUTES"))
    if hasattr(module, "PERMISSIONS"):
        add("register_permissions", lambda: list(module.PERMISSIONS))
    if hasattr(module, "ROLES"):
        add("register_roles", lambda: list(module.ROLES))
    add("register_migrations", folder("migrations", "versions"))
    add("register_components", folder("components"))
    add("register_static", folder("static"))
    return impls


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
        elif kind == "value_error" and err.get("ctx", {}).get("error"):
            msg = str(err["ctx"]["error"])  # a validator's own Chinese message (e.g. core.money.Fen)
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
        #: always-on parts (the core's, and programs a test installs without ``meta``)
        self.parts: list[str] = []
        for name, module_name in CORE_PLUGINS.items():
            self._register(importlib.import_module(module_name), name)
            self.parts.append(name)
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
            self._register(module, name)
            self.meta[name] = meta
            self.modules[name] = module
        for name, meta in self.meta.items():
            missing = [d for d in meta.depends if d not in self.meta]
            if missing:
                raise RuntimeError(f"plugin {name!r} depends on uninstalled {missing}")
        self.pm.check_pending()
        self._enablement: dict[int, dict[str, Enablement]] | None = None
        self._subsets: dict[frozenset[str], TenantHooks] = {}
        self._own: dict[str, TenantHooks] = {}
        self._order: list[str] | None = None
        self._lock = threading.Lock()
        revisions.on_change("plugins", self._invalidate)

    def _register(self, module: object, name: str) -> None:
        self.pm.register(module, name=name)
        if isinstance(module, ModuleType):
            self.pm.register(conventions(module), name=name + CONVENTIONS_SUFFIX)

    def _unregister(self, name: str) -> None:
        for n in (name, name + CONVENTIONS_SUFFIX):
            if self.pm.has_plugin(n):
                self.pm.unregister(name=n)

    def _hooks_changed(self) -> None:
        self._subsets.clear()
        self._own.clear()
        self._order = None
        revisions.invalidate("plugins")  # what was derived from the hooks (the kept sidebars) in this process

    # --- installing a plugin while running (tests) --------------------------------------

    def add(self, module: ModuleType, name: str | None = None) -> str:
        """Register ``module``: a plugin if it has ``meta`` (enabled per tenant), else an
        always-on part (a test's program that only implements hooks). Returns its name."""
        meta: PluginMeta | None = getattr(module, "meta", None)
        name = name or (meta.name if meta else module.__name__)
        if meta is not None and meta.name != name:
            raise RuntimeError(f"plugin {name!r}: module {module.__name__} lacks meta with that name")
        specs = getattr(module, "hookspecs", None)
        if specs is not None:
            self.pm.add_hookspecs(specs)
        self._register(module, name)
        if meta is not None:
            self.meta[name], self.modules[name] = meta, module
        else:
            self.parts.append(name)
        self.pm.check_pending()
        self._hooks_changed()
        return name

    def remove(self, name: str) -> None:
        """Undo :meth:`add`."""
        self._unregister(name)
        self.meta.pop(name, None)
        self.modules.pop(name, None)
        if name in self.parts:
            self.parts.remove(name)
        self._hooks_changed()

    @contextmanager
    def installed(self, module: ModuleType, name: str | None = None) -> Iterator[str]:
        """``with registry().installed(module):`` — the plugin is there inside the block only."""
        name = self.add(module, name)
        try:
            yield name
        finally:
            self.remove(name)

    # --- what is installed ------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.meta)

    def dependents(self, name: str) -> list[str]:
        return [n for n, m in self.meta.items() if name in m.depends]

    @property
    def order(self) -> list[str]:
        """Every registered plugin: the always-on parts, then the installed plugins with
        each one's dependencies before it (engines before the programs built on them)."""
        if self._order is None:
            out = list(self.parts)
            for name in sorted(self.meta):
                out.extend(n for n in self.dependency_closure(name) if n not in out)
            self._order = out
        return self._order

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
                    with open_session() as s:  # every tenant's rows (row-level security)
                        ids = list(s.scalars(select(Tenant.id)))
                    with open_session(None, ids) as s:
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
        pending = _PENDING.get()
        if pending and tenant_id in pending:  # inside on_plugin_enabled/disabled: the session's view
            return pending[tenant_id]
        rows = self._state().get(tenant_id, {})
        return frozenset(n for n, e in rows.items() if e.enabled and n in self.meta)

    def offered(self, tenant_id: int, name: str, dev_plugins: bool) -> bool:
        """Whether admins may see and enable ``name`` for the tenant: a development-only plugin
        (``PluginMeta.development``) where ``dev_plugins`` is set or it is enabled already."""
        return not self.meta[name].development or dev_plugins or name in self.enabled(tenant_id)

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
            names = {m for n in self.meta if n not in enabled for m in (n, n + CONVENTIONS_SUFFIX)}
            excluded = [p for p in self.pm.get_plugins() if self.pm.get_name(p) in names]
            hooks = self._subsets[enabled] = TenantHooks(self.pm, excluded)
        return hooks

    def hooks_of(self, name: str) -> TenantHooks:
        """Hook callers that reach the plugin ``name`` (and its conventions) only."""
        hooks = self._own.get(name)
        if hooks is None:
            own = {name, name + CONVENTIONS_SUFFIX}
            others = [p for p in self.pm.get_plugins() if self.pm.get_name(p) not in own]
            hooks = self._own[name] = TenantHooks(self.pm, others)
        return hooks

    def each(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook`` plugin by plugin in :attr:`order`: ``(plugin name, result)`` pairs,
        ``None`` results dropped. For callers that need to know whose result it is."""
        return [(name, result) for name in self.order
                for result in getattr(self.hooks_of(name), hook)(**kwargs)]

    def each_for(self, tenant_id: int, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`each` for a per-tenant hook: the always-on parts and the plugins the
        tenant enabled, in :attr:`order`; a hook that takes ``settings`` gets each plugin's own."""
        enabled = self.enabled(tenant_id)
        takes_settings = "settings" in (getattr(self.pm.hook, hook).spec.argnames or ())
        out = []
        for name in self.order:
            if name in self.meta and name not in enabled:
                continue
            call = dict(kwargs)
            if takes_settings:
                call["settings"] = self.settings(tenant_id, name) if name in self.meta else NoSettings()
            out.extend((name, result) for result in getattr(self.hooks_of(name), hook)(**call))
        return out

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
        current = self.enabled_in(session, tenant.id)
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
            # the hooks see the tenant's plugins as this session does (enabled(), each_for(),
            # is_enabled() in this context only), so a plugin can set up its defaults through the
            # engines it has just enabled before anything is committed
            token = _PENDING.set({**(_PENDING.get() or {}),
                                  tenant.id: frozenset(self.enabled_in(session, tenant.id))})
            try:
                for n in targets:
                    hook(session=session, tenant=tenant, plugin=n)
            finally:
                _PENDING.reset(token)
        return targets

    def enabled_in(self, session: Session, tenant_id: int) -> set[str]:
        """The tenant's enabled plugins as ``session`` sees them (its uncommitted changes too)."""
        return set(session.scalars(select(TenantPlugin.plugin).where(
            TenantPlugin.tenant_id == tenant_id, TenantPlugin.enabled.is_(True)))) & set(self.meta)

    def save_settings(self, session: Session, tenant_id: int, name: str, values: dict[str, Any]) -> BaseModel:
        """Replace ``name``'s settings for the tenant with ``values`` (missing fields: defaults)."""
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

    def update_settings(self, session: Session, tenant_id: int, name: str, values: dict[str, Any]) -> BaseModel:
        """Change the fields given in ``values``; every other field keeps its saved value.

        What the admin page and the API do: a form or client that leaves a field out must not
        reset it to its default (the TOML sync, which declares them all, replaces).
        """
        current = self.settings(tenant_id, name).model_dump(mode="json")
        return self.save_settings(session, tenant_id, name, {**current, **values})


#: tenant id → enabled plugins while set_enabled runs the enable/disable hooks (this context only)
_PENDING: ContextVar[dict[int, frozenset[str]] | None] = ContextVar("liandong_pending_plugins", default=None)

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
