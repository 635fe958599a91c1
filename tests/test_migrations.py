"""Migrations: upgrade from empty and downgrade to base on SQLite and PostgreSQL; no drift."""

import os
import secrets
import tempfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core import migrate
from core.db import Base
from core.plugins import registry
from tests.conftest import BACKEND, PG_ADMIN_URL


@pytest.fixture
def empty_url(database):
    """A brand-new, empty database of the backend under test."""
    if BACKEND == "postgresql":
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"liandong_mig_{secrets.token_hex(4)}"
        admin = psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        path = os.path.join(tempfile.mkdtemp(), "mig.db")
        yield f"sqlite:///{path}"


def test_upgrade_downgrade_upgrade(empty_url):
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    engine = create_engine(empty_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrate.downgrade(empty_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_match_migrations(database):
    """Autogenerate finds nothing to do: models and migrations cannot drift apart."""
    registry().pm.hook.register_models()
    engine = create_engine(database["owner_url"])
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def test_each_plugin_has_its_own_branch(database):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(database["owner_url"]))
    labels = {label for rev in script.walk_revisions() for label in (rev.branch_labels or ())}
    assert {"core", "example"} <= labels
    reg = registry()
    for name in reg.names:
        if reg.hooks_of(name).register_migrations():  # a plugin without tables needs no branch
            assert name in labels, f"plugin {name} has no alembic branch of its own"


def test_rls_policy_revision_upgrades_and_downgrades(empty_url):
    """0004 rewrites every tenant policy (core and plugin tables) and puts the old form back."""
    from sqlalchemy import text

    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    engine = create_engine(empty_url)

    def state() -> tuple[set[str], dict[str, str]]:
        with engine.connect() as conn:
            versions = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            quals = {} if BACKEND != "postgresql" else dict(conn.execute(text(
                "SELECT tablename, qual FROM pg_policies WHERE policyname = 'tenant_isolation'")).all())
        return versions, quals

    from alembic.script import ScriptDirectory

    core_head = ScriptDirectory.from_config(migrate.alembic_config(empty_url)).get_revision("core@head").revision
    before = versions, quals = state()
    assert core_head in versions
    if BACKEND == "postgresql":
        assert {"organizations", "audit_log", "example_notices"} <= quals.keys()
        assert all("IN ( SELECT unnest(" in q for q in quals.values()), quals
        assert quals["audit_log"].startswith("((tenant_id IS NULL) OR")
    migrate.downgrade(empty_url, "0003_import_jobs")
    versions, old = state()
    assert "0003_import_jobs" in versions and core_head not in versions
    if BACKEND == "postgresql":
        # tables of later core revisions (0005…) are gone at 0003; a plugin table a later revision
        # dropped is back (dongfanghong_0004 moved the member profiles onto the registry's extra fields)
        dropped = {"dongfanghong_member_profiles", "dongfanghong_venue_checks", "dongfanghong_dues"}
        assert {"organizations", "audit_log", "example_notices"} <= old.keys() <= quals.keys() | dropped
        assert all("= ANY ((string_to_array(" in q and "unnest" not in q for q in old.values()), old
        assert old["audit_log"].startswith("((tenant_id IS NULL) OR")
    migrate.upgrade(empty_url)
    # every head again (a plugin revision depending on a later core revision went down and up too)
    assert state() == before
    engine.dispose()


def test_upgrade_after_a_deleted_plugin_migration_gives_a_hint(tmp_path, database):
    """A revision recorded in the database whose file is gone: not just "Can't locate revision"."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'gone.db'}"
    registry().pm.hook.register_models()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('example_0002')"))
    engine.dispose()
    with pytest.raises(migrate.MissingRevision) as exc:
        migrate.upgrade(url)
    hint = str(exc.value)
    assert "'example_0002'" in hint and "the plugin 'example'" in hint
    assert "restore the file" in hint and "DELETE FROM alembic_version WHERE version_num = 'example_0002'" in hint
