"""Audit log tamper evidence (hash chain per tenant) and retention (no early delete)."""

from __future__ import annotations

import importlib.util
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.audit import record
from core.audit_chain import GENESIS, verify_chain
from core.cli import cli
from core.db import get_engine, open_session, scoped_session
from core.models import AuditEntry
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import operator_session
from tests.conftest import BACKEND
from tests.helpers import unique
from tests.test_migrations import empty_url  # noqa: F401  (fixture: a new, empty database)


@pytest.fixture
def street(database):
    """A tenant of its own: its chain starts with its creation, other tests' entries never land in it."""
    with operator_session("test") as s:
        tenant = create_tenant(s, TenantForm(slug=unique("chain-"), name="链测试街道", level="street",
                                             parent_id=None))
    from core import revisions

    revisions.poll(force=True)
    return tenant.id


def _write(tenant_id: int, n: int, label: str = "x") -> None:
    with scoped_session(tenant_id) as s:
        s.info["username"] = "tester"
        for i in range(n):
            record(s, "test.write", entity="things", entity_id=i, summary=f"{label}{i}",
                   after={"n": i, "when": "2026-12-07", "tags": ("a", "b")})


def _entries(tenant_id: int) -> list[AuditEntry]:
    with open_session(tenant_id) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                              .order_by(AuditEntry.chain_seq)))


def _verify(tenant_id: int):
    with open_session(tenant_id) as s:
        return verify_chain(s, tenant_id)


def _guard_sql() -> list[str]:
    path = next((Path(__file__).parent.parent / "migrations" / "versions").glob("*_audit_chain.py"))
    spec = importlib.util.spec_from_file_location("audit_chain_revision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SQLITE_GUARD


@contextmanager
def _as_dba(database):
    """The owner's connection with the guard triggers off: what someone with full database
    rights could do behind the application's back."""
    engine = get_engine(database["owner_url"])
    with engine.begin() as conn:
        if BACKEND == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard"))
            yield conn
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_retention"))
            yield conn
            for statement in _guard_sql():
                conn.execute(text(statement))


def test_entries_are_chained_in_order(street):
    _write(street, 3)
    _write(street, 2, "y")
    entries = _entries(street)
    assert [e.chain_seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].action == "tenants.create" and entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.row_hash for a, b in zip(entries, entries[1:], strict=False))
    report = _verify(street)
    assert report.problem is None and report.entries == 6 and report.head_hash == entries[-1].row_hash


def test_orm_changes_are_chained_in_the_same_transaction(street):
    from core.registry.models import Organization

    with scoped_session(street) as s:
        s.add(Organization(name="链上企业", kind="enterprise"))
    entries = _entries(street)
    assert entries[-1].action == "organizations.create" and entries[-1].row_hash
    assert _verify(street).problem is None


def test_rolled_back_entries_leave_no_gap(street):
    _write(street, 1)
    with open_session(street) as s:
        record(s, "test.write", summary="rolled back")
        s.flush()
        s.rollback()
    with scoped_session(street) as s:  # a savepoint rolled back inside a committed transaction
        record(s, "test.write", summary="kept 1")
        nested = s.begin_nested()
        record(s, "test.write", summary="dropped")
        s.flush()
        nested.rollback()
        record(s, "test.write", summary="kept 2")
    assert [e.summary for e in _entries(street)][1:] == ["x0", "kept 1", "kept 2"]
    assert _verify(street).problem is None


def test_edited_entry_is_detected_and_reported_by_the_cli(street, database):
    _write(street, 4)
    target = _entries(street)[3]
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0
    with _as_dba(database) as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'nothing happened' WHERE id = :id"), {"id": target.id})
    try:
        report = _verify(street)
        assert report.problem == (target.id, 4, "content changed after it was written")
        result = CliRunner().invoke(cli, ["audit", "verify"])
        assert result.exit_code == 1
        assert f"entry id {target.id} (number 4): content changed" in result.output
    finally:
        with _as_dba(database) as conn:
            conn.execute(text("UPDATE audit_log SET summary = :s WHERE id = :id"),
                         {"s": target.summary, "id": target.id})
    assert _verify(street).problem is None


def test_removed_and_smuggled_entries_are_detected(street, database):
    _write(street, 3)
    middle = _entries(street)[2]
    with _as_dba(database) as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_log WHERE id = :id"), {"id": middle.id}).mappings().one())
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": middle.id})
    problem = _verify(street).problem
    assert problem[1] == 4 and "missing" in problem[2]
    with _as_dba(database) as conn:  # put it back, then add one that bypassed the application
        table = AuditEntry.__table__
        conn.execute(table.insert(), [{k: row[k] for k in ("id", "tenant_id", "username", "action", "entity",
                                                           "entity_id", "summary", "chain_seq", "prev_hash",
                                                           "row_hash")}
                                      | {"before": None, "after": middle.after, "created_at": middle.created_at}])
    assert _verify(street).problem is None
    with _as_dba(database) as conn:
        conn.execute(AuditEntry.__table__.insert(), [{"tenant_id": street, "action": "forged", "username": "x",
                                                      "entity": "", "entity_id": "", "summary": "",
                                                      "created_at": middle.created_at}])
    assert "without a chain hash" in _verify(street).problem[2]
    with _as_dba(database) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE action = 'forged'"))


def test_application_cannot_change_or_delete_entries(street):
    _write(street, 1)
    entry = _entries(street)[-1]
    for statement in ("UPDATE audit_log SET summary = 'x' WHERE id = :id",
                      "UPDATE audit_log SET row_hash = NULL WHERE id = :id",
                      "DELETE FROM audit_log WHERE id = :id"):
        with open_session(street) as s, pytest.raises(DBAPIError):
            s.execute(text(statement), {"id": entry.id})
            s.commit()
    assert _verify(street).problem is None


def test_tenant_with_audit_entries_cannot_be_deleted(street, database):
    _write(street, 1)
    with pytest.raises(DBAPIError), get_engine(database["owner_url"]).begin() as conn:
        conn.execute(text("DELETE FROM tenants WHERE id = :id"), {"id": street})
    assert len(_entries(street)) == 2


def test_concurrent_writers_keep_one_chain(street):
    """Two workers appending to one tenant's chain at once (PostgreSQL: two connections)."""
    barrier = threading.Barrier(2)
    pg = BACKEND == "postgresql"
    errors: list[BaseException] = []

    def worker(label: str) -> None:
        try:
            for i in range(10):
                if i == 0 and not pg:  # SQLite: the flush takes the database's write lock
                    barrier.wait(timeout=30)
                with scoped_session(street) as s:
                    record(s, "test.write", summary=f"{label}{i}")
                    s.flush()  # both entries inserted, neither chained yet
                    if i == 0 and pg:
                        barrier.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    entries = _entries(street)
    assert [e.chain_seq for e in entries] == list(range(1, 22))
    assert _verify(street).problem is None


def test_migration_chains_the_entries_already_there(empty_url):  # noqa: F811 (the fixture)
    """Upgrading a database with an audit log chains its entries, per tenant, in id order."""
    import datetime as dt

    from sqlalchemy import create_engine

    from core import migrate
    from core.db import open_session as session_on

    module_path = next((Path(__file__).parent.parent / "migrations" / "versions").glob("*_audit_chain.py"))
    spec = importlib.util.spec_from_file_location("chain_revision", module_path)
    chain_revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chain_revision)
    migrate.upgrade(empty_url, chain_revision.down_revision)
    engine = create_engine(empty_url)
    now = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenants (id, slug, name, level, terms, created_at, updated_at) "
                          "VALUES (7, 'old', '旧街道', 'street', '{}', :t, :t)"), {"t": now})
        for i, tenant in enumerate([7, None, 7, 7, None]):
            conn.execute(AuditEntry.__table__.insert().values(
                tenant_id=tenant, username="old", action="organizations.update", entity="organizations",
                entity_id=str(i), summary=f"旧记录{i}", before={"name": f"甲{i}"}, after={"name": f"乙{i}"},
                created_at=now + dt.timedelta(minutes=i)))
    engine.dispose()
    migrate.upgrade(empty_url)
    for chain, count in ((7, 3), (0, 2)):
        with session_on(chain or None, url=empty_url) as s:
            report = verify_chain(s, chain)
        assert report.problem is None and report.entries == count and report.head_seq == count
