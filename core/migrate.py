"""Running alembic programmatically, and helpers that revisions use (RLS, seeding)."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import text

from core.config import REPO_ROOT, get_settings
from core.plugins import registry

SCOPE_SQL = "string_to_array(NULLIF(current_setting('app.tenant_ids', true), ''), ',')::int[]"
POLICY = "tenant_isolation"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    locations = [str(REPO_ROOT / "migrations" / "versions")]
    locations += [str(Path(path)) for path in registry().pm.hook.register_migrations()]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().owner_database_url).replace("%", "%%"))
    return cfg


class MissingRevision(RuntimeError):
    """The database records a revision no migration file defines; ``str()`` says what to do."""


def upgrade(url: str | None = None, target: str = "heads") -> None:
    try:
        command.upgrade(alembic_config(url), target)
    except CommandError as exc:
        missing = re.search(r"Can't locate revision identified by '([^']+)'", str(exc))
        if not missing:
            raise
        raise MissingRevision(_missing_hint(missing[1])) from exc


def _missing_hint(revision: str) -> str:
    plugin = revision.rsplit("_", 1)[0] if "_" in revision else ""
    owner = f"the plugin {plugin!r}" if plugin and plugin in registry().meta else "a plugin that is not installed"
    return (
        f"The database is at revision {revision!r}, but no migration file defines it "
        f"(it belongs to {owner}; the file was deleted or renamed, or the plugin was removed).\n"
        f"Either restore the file (e.g. `git checkout -- <plugin>/migrations/versions/`) or reinstall "
        f"the plugin, then run `liandong db upgrade` again; or, if that branch and its tables are gone "
        f"for good, drop its mark: DELETE FROM alembic_version WHERE version_num = '{revision}';"
    )


def downgrade(url: str | None = None, target: str = "base") -> None:
    command.downgrade(alembic_config(url), target)


# --- helpers for revisions ----------------------------------------------------------------


def tenant_condition(*, allow_null: bool = False) -> str:
    """The row-level security condition: the row's tenant is one of ``app.tenant_ids``.

    ``IN (SELECT unnest(…))`` is planned as a hashed sub-plan: the setting is read and parsed
    once per statement and each row costs one hash probe. The first form,
    ``tenant_id = ANY (<the same array>)`` (:func:`legacy_tenant_condition`), parsed the
    comma-separated setting again for every row and searched it linearly — with a
    district's 1,000 tenant ids a roll-up was 7× slower than without RLS — and its row
    estimates (one row for a street) misled the planner into nested loops.
    """
    cond = f"tenant_id IN (SELECT unnest({SCOPE_SQL}))"
    return f"tenant_id IS NULL OR {cond}" if allow_null else cond


def legacy_tenant_condition(*, allow_null: bool = False) -> str:
    """The condition of revisions before ``0004_rls_hashed_scope`` (for its downgrade)."""
    cond = f"tenant_id = ANY ({SCOPE_SQL})"
    return f"tenant_id IS NULL OR {cond}" if allow_null else cond


def enable_tenant_rls(table: str, *, allow_null: bool = False) -> None:
    """Row-level security on a tenant-owned table (PostgreSQL only; FORCE applies to the owner)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    cond = tenant_condition(allow_null=allow_null)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({cond}) WITH CHECK ({cond})")


def disable_tenant_rls(table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def rewrite_tenant_policies(condition) -> list[str]:
    """Set every existing tenant policy of the current schema to ``condition(allow_null=…)``.

    Covers core and plugin tables alike (whatever exists when the revision runs); a policy
    that also admits ``tenant_id IS NULL`` (``audit_log``) keeps doing so. PostgreSQL only;
    returns the tables changed.
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return []
    rows = bind.execute(text(
        "SELECT tablename, qual FROM pg_policies WHERE schemaname = current_schema() AND policyname = :p "
        "ORDER BY tablename"), {"p": POLICY}).all()
    quote = bind.dialect.identifier_preparer.quote
    for table, qual in rows:
        cond = condition(allow_null="tenant_id IS NULL" in (qual or ""))
        op.execute(f"ALTER POLICY {POLICY} ON {quote(table)} USING ({cond}) WITH CHECK ({cond})")
    return [table for table, _qual in rows]
