"""Every hook a Liandong plugin can implement — the one list.

Naming (DESIGN.md): ``register_*`` returns things to collect; ``prepare_*`` changes an
object in place; ``on_*`` reacts to an event. Three groups:

* *installation-wide* hooks are called once on every installed plugin;
* *events* (``on_plugin_*``) are called on every installed plugin, whichever changed;
* *per tenant* hooks are called only on the core and the plugins the tenant enabled (see
  :meth:`core.plugins.PluginRegistry.each_for` and ``hooks_for``); a ``settings`` argument
  is the calling plugin's own validated settings for that tenant.

A plugin package need not implement the hooks that follow from its layout
(``models.MODELS``, ``routes.PAGE_ROUTES`` / ``API_ROUTES``, ``PERMISSIONS``, ``ROLES``,
``migrations/versions``, ``components/``, ``static/``): see :func:`core.plugins.conventions`.
Implementations are synchronous and cheap. Each hook is documented with an example in
``docs/plugins.md``; ``tests/test_hooks_documented.py`` fails if one is not.

This module imports nothing of the web layer (not even for type checking), so plugins and
the core import it without a cycle.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from jinja2 import Environment
    from pydantic import BaseModel
    from sqlalchemy.orm import Session

    from core.notify.types import Reminder
    from core.plugin_types import (
        ClusterMemberKind,
        ClusterType,
        CodeList,
        ExtraField,
        NavItem,
        Permission,
        RegistryChange,
        Role,
        Term,
        Viewer,
        Widget,
    )
    from core.registry.importer import ImportKind
    from core.tasks import PeriodicTask
    from core.tenancy import TenantInfo

hookspec = pluggy.HookspecMarker("liandong")
hookimpl = pluggy.HookimplMarker("liandong")


# --- installation-wide: called once on every installed plugin ---------------------------


@hookspec
def register_routes() -> list[Any]:
    """Litestar route handlers or controllers, mounted under ``/t/{slug}/<plugin>/``.

    Called once when the app is built. For a tenant that has not enabled the plugin, every
    one of them answers 404. Give each handler ``opt={"permission": "..."}``.
    Convention: ``<package>.routes.PAGE_ROUTES``.
    """


@hookspec
def register_api_routes() -> list[Any]:
    """Like :func:`register_routes`, mounted under ``/api/t/{slug}/<plugin>/``.
    Convention: ``<package>.routes.API_ROUTES``."""


@hookspec
def register_models() -> list[type]:
    """SQLAlchemy model classes the plugin owns (imported so alembic and RLS see them).
    Convention: ``<package>.models.MODELS``."""


@hookspec
def register_migrations() -> Path | None:
    """The plugin's alembic ``versions`` directory (branch label = plugin name), or ``None``
    for a plugin without tables. Convention: ``<package>/migrations/versions``."""


@hookspec
def register_permissions() -> list[Permission]:
    """Permissions the plugin checks, with Chinese labels. Convention: ``PERMISSIONS``."""


@hookspec
def register_roles() -> list[Role]:
    """Roles the plugin adds, or permissions it grants to existing roles. Convention: ``ROLES``."""


@hookspec
def register_components() -> Path | None:
    """A folder of jinjax components, registered under the prefix ``<plugin name>``.
    Convention: ``<package>/components``."""


@hookspec
def register_static() -> Path | None:
    """A folder of static files, served at ``/static/<plugin name>/``; a ``<name>.css`` in it
    is linked by the layout on the pages of tenants that enabled the plugin.
    Convention: ``<package>/static``."""


@hookspec
def register_terms() -> list[Term]:
    """Words the UI shows that a tenant may rename in its ``terms`` overrides."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``liandong`` CLI."""


@hookspec
def register_periodic_tasks() -> list[PeriodicTask]:
    """Jobs the task queue's scheduler runs on a schedule (:class:`core.tasks.PeriodicTask`:
    name, Chinese label, ``crontab`` in UTC, ``run(session, tenant)``). Each run is fanned out
    to one queued task per tenant that enabled the plugin (the core's: every tenant), in a
    session bound to that tenant, under a lock, with retries. ``run`` must be idempotent."""


@hookspec
def prepare_jinja_env(env: Environment) -> None:
    """Add filters or tests to the shared Jinja environment (never request data)."""


# --- events: called on every installed plugin, whichever plugin changed ------------------


@hookspec
def on_plugin_enabled(session: Session, tenant: TenantInfo, plugin: str) -> None:
    """``plugin`` was just enabled for ``tenant`` — by the admin page, the API or
    ``tenants sync``, all through :meth:`core.plugins.PluginRegistry.set_enabled`.

    While the hook runs, the registry answers for ``tenant`` as ``session`` sees it (the plugin and
    the dependencies enabled with it count as enabled in ``registry().enabled()``, ``each_for()``),
    so a program can set up its defaults through the engines' ``api.py`` in the same transaction
    (nanhu creates its 一月一检查/一季一考核/半年一讲评 recurrences in the cadences block). Keep it
    idempotent and small: it runs inside the admin's request and ``tenants sync``."""


@hookspec
def on_plugin_disabled(session: Session, tenant: TenantInfo, plugin: str) -> None:
    """``plugin`` was just disabled for ``tenant``; its data stays."""


# --- per tenant: called only on the core and the plugins the tenant enabled ---------------


@hookspec
def register_cluster_types(tenant: TenantInfo) -> list[ClusterType]:
    """Cluster types available to ``tenant`` (联组, 党建联盟 …) with their leader rules."""


@hookspec
def register_nav_items(tenant: TenantInfo, settings: BaseModel) -> list[NavItem]:
    """Sidebar entries for ``tenant`` (``NavItem.section`` groups them); items whose permission
    the user lacks are hidden. ``settings``: this plugin's settings for the tenant. The result
    is kept per worker until a plugin, tenant or policy change: depend on the arguments only."""


@hookspec
def register_dashboard_widgets(
    session: Session, tenant: TenantInfo, settings: BaseModel, viewer: Viewer
) -> list[Widget]:
    """Cards for the tenant dashboard; ``session`` is scoped to ``tenant``; ``settings`` is
    this plugin's. ``viewer`` is the user the dashboard is drawn for (:class:`Viewer`: their
    permissions and read-only roll-up session) — a card over the subtree needs it; take it
    only then."""


@hookspec
def register_detail_panels(
    session: Session, tenant: TenantInfo, settings: BaseModel, viewer: Viewer, subject_kind: str, subject_id: int
) -> list[Widget]:
    """Cards for the detail page of one registry row of ``tenant`` — ``subject_kind`` is
    ``organization``, ``party_org`` or ``member``, ``subject_id`` its id (the row exists and the
    viewer may see it). Return :class:`Widget`s (title, jinjax component, props, permission,
    order) like dashboard cards; ``session`` is scoped to ``tenant``, ``settings`` is this
    plugin's. Query only what the card shows."""


@hookspec
def register_import_kinds(tenant: TenantInfo) -> list[ImportKind]:
    """Ledgers ``tenant`` can import from Excel/CSV (:class:`core.registry.importer.ImportKind`):
    fields with Chinese labels, a cleaner, a batch function that matches and writes rows, an
    example row. Each gets the import pages' dry run, column mapping, valid-rows import with
    an error workbook, and a downloadable template."""


@hookspec
def register_demo_data(session: Session, tenant: TenantInfo) -> None:
    """Create demo rows for ``tenant`` (scoped session). Called plugin by plugin, each one's
    dependencies first (the core's registry, then engines, then programs). Idempotent per
    row: never skip because some row of the table already exists."""


@hookspec
def register_extra_fields(tenant: TenantInfo) -> list[ExtraField]:
    """Fields the plugin adds to the organizations, party orgs or members of ``tenant``
    (:class:`core.plugin_types.ExtraField`): stored in the record's ``extra`` JSON column, checked
    with Chinese field-level messages, shown in forms, detail pages, the Excel export and
    accepted by the import. Called whenever one of these is drawn, saved, exported or imported."""


@hookspec
def register_code_lists(tenant: TenantInfo) -> list[CodeList]:
    """Codes the plugin adds to a core code list for ``tenant`` (:class:`core.plugin_types.CodeList`:
    ``formation_modes`` — 选派建、孵化建 …, ``industries``). Offered in forms, filters, the API and
    the import of that tenant only; stored codes of a disabled plugin still read as their code."""


@hookspec
def on_registry_changed(session: Session, tenant: TenantInfo, change: RegistryChange) -> None:
    """An organization, party org or member of ``tenant`` was created, changed, moved, dissolved or
    deleted by the registry's services (:class:`core.plugin_types.RegistryChange`: entity,
    action, id, before, after). Called after the flush, in the same transaction; rows added to
    ``session`` commit with the change; raising refuses it."""


@hookspec
def register_reminders(session: Session, tenant: TenantInfo, settings: BaseModel, today: dt.date) -> list[Reminder]:
    """What is due or overdue in ``tenant`` on ``today`` (Beijing date), as
    :class:`core.notify.types.Reminder` items (a stable ``key`` per item and occasion, a Chinese
    title, a link below the tenant, who gets it). Called by the daily reminders job with a
    session scoped to ``tenant``; each key reaches each recipient's inbox once and each delivery
    channel once. Read only: never write here."""


@hookspec
def register_cluster_member_kinds(tenant: TenantInfo) -> list[ClusterMemberKind]:
    """Kinds of cluster member beyond organizations and party orgs (:class:`ClusterMemberKind`:
    the ``units`` block's units …) that ``tenant``'s cluster types may list in ``member_kinds``:
    how a typed reference is resolved, named, and which tenant a member belongs to."""
