"""Every hook a Liandong plugin can implement — the one list.

Naming (DESIGN.md): ``register_*`` returns things to collect; ``prepare_*`` changes an
object in place; ``on_*`` reacts to an event. Hooks marked *per tenant* are called only on
the plugins the tenant has enabled (see :meth:`core.plugins.PluginRegistry.hooks_for`); the
others are called once on every installed plugin. Implementations are synchronous and cheap.

Each hook is documented with an example in ``docs/plugins.md``; ``tests/test_hooks_documented.py``
fails if one is not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from jinja2 import Environment
    from sqlalchemy.orm import Session

    from core.plugin_types import ClusterType, NavItem, Permission, Role, Term, Widget
    from core.tenancy import TenantInfo
    from core.web.context import Ctx

hookspec = pluggy.HookspecMarker("liandong")
hookimpl = pluggy.HookimplMarker("liandong")


# --- installation-wide: called once on every installed plugin ---------------------------


@hookspec
def register_routes() -> list[Any]:
    """Litestar route handlers or controllers, mounted under ``/t/{slug}/<plugin>/``.

    Called once when the app is built. For a tenant that has not enabled the plugin, every
    one of them answers 404. Give each handler ``opt={"permission": "..."}``.
    """


@hookspec
def register_api_routes() -> list[Any]:
    """Like :func:`register_routes`, mounted under ``/api/t/{slug}/<plugin>/``."""


@hookspec
def register_models() -> list[type]:
    """SQLAlchemy model classes the plugin owns (imported so alembic and RLS see them)."""


@hookspec
def register_migrations() -> Path | None:
    """The plugin's alembic ``versions`` directory (branch label = plugin name)."""


@hookspec
def register_permissions() -> list[Permission]:
    """Permissions the plugin checks, with Chinese labels."""


@hookspec
def register_roles() -> list[Role]:
    """Roles the plugin adds, or permissions it grants to existing roles."""


@hookspec
def register_components() -> Path | None:
    """A folder of jinjax components, registered under the prefix ``<plugin name>``."""


@hookspec
def register_static() -> Path | None:
    """A folder of static files, served at ``/static/<plugin name>/``."""


@hookspec
def register_terms() -> list[Term]:
    """Words the UI shows that a tenant may rename in its ``terms`` overrides."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``liandong`` CLI."""


@hookspec
def prepare_jinja_env(env: Environment) -> None:
    """Add filters or tests to the shared Jinja environment (never request data)."""


# --- per tenant: called only on the plugins the tenant enabled --------------------------


@hookspec
def register_cluster_types(tenant: TenantInfo) -> list[ClusterType]:
    """Cluster types available to ``tenant`` (联组, 党建联盟 …) with their leader rules."""



@hookspec
def register_nav_items(tenant: TenantInfo, settings: dict[str, Any]) -> list[NavItem]:
    """Sidebar entries for ``tenant`` (``NavItem.section`` groups them); items whose permission
    the user lacks are hidden.

    ``settings`` maps plugin name → that plugin's validated settings object for the tenant.
    """


@hookspec
def register_dashboard_widgets(
    session: Session, tenant: TenantInfo, settings: dict[str, Any], ctx: Ctx
) -> list[Widget]:
    """Cards for the tenant dashboard; ``session`` is scoped to ``tenant``; ``ctx`` is the
    request's context (user, permissions, read-only roll-up sessions) — take it only if needed."""


@hookspec
def register_demo_data(session: Session, tenant: TenantInfo) -> None:
    """Create demo rows for ``tenant`` (scoped session). Must be idempotent."""


@hookspec
def on_plugin_enabled(session: Session, tenant: TenantInfo, plugin: str) -> None:
    """``plugin`` was just enabled for ``tenant`` (called on every installed plugin)."""


@hookspec
def on_plugin_disabled(session: Session, tenant: TenantInfo, plugin: str) -> None:
    """``plugin`` was just disabled for ``tenant``; its data stays."""
