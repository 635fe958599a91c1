"""Backups, the restore drill and the per-tenant export.

The drill: fill a fresh database, fingerprint every table (row count + sha256 of the sorted
rows), back up, damage the data (delete, update, insert, drop a table), restore, and find
every fingerprint as it was — on SQLite and on PostgreSQL (pg_dump/pg_restore).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url

from core import backup as bk
from core import migrate
from core.cli import cli
from core.db import Base, open_session, tenant_owned_tables
from core.models import AuditEntry, Tenant, TenantPlugin
from core.plugins import registry
from core.registry.models import Organization
from plugins.example.models import Notice
from tests.conftest import BACKEND, PG_ADMIN_URL
from tests.helpers import tenant_id, unique


@pytest.fixture
def scratch_url(database):
    """A brand-new, migrated database of the backend under test (owner's URL)."""
    registry().pm.hook.register_models()
    if BACKEND == "postgresql":
        import psycopg

        if not shutil.which("pg_dump"):
            pytest.fail("pg_dump is needed for the PostgreSQL restore drill")
        name = f"liandong_bk_{secrets.token_hex(4)}"
        admin = psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
        from core.db import reset_engines

        reset_engines()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        url = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'drill.db')}"
        migrate.upgrade(url)
        yield url


def fill(url: str) -> None:
    """Rows in core, registry and plugin tables: Chinese text, NULLs, JSON, dates, booleans."""
    t = Base.metadata.tables
    engine = create_engine(url)
    now = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(t["tenants"]), [
            {"id": 1, "slug": "city", "name": "测试市", "level": "city", "parent_id": None, "terms": {},
             "created_at": now, "updated_at": now},
            {"id": 2, "slug": "street", "name": "测试街道", "level": "street", "parent_id": 1,
             "terms": {"cluster": "片区联组"}, "created_at": now, "updated_at": now},
        ])
        conn.execute(insert(t["users"]), [{"id": 1, "username": "drill", "display_name": "演练",
                                           "password_hash": "x", "is_active": True,
                                           "created_at": now, "updated_at": now}])
        conn.execute(insert(t["tenant_plugins"]), [{"tenant_id": 2, "plugin": "example", "enabled": True,
                                                   "settings": {"board_title": "公告栏", "max_notices": 9},
                                                   "version": "1", "created_at": now, "updated_at": now}])
        conn.execute(insert(t["organizations"]), [
            {"tenant_id": 2, "name": f"演练企业{i}", "credit_code": None if i % 2 else f"91430100MA4L{i:06d}",
             "kind": "enterprise", "employees": i * 10, "has_union": bool(i % 3), "notes": "备注\n第二行" * i,
             "created_at": now + dt.timedelta(minutes=i), "updated_at": now}
            for i in range(1, 41)
        ])
        conn.execute(insert(t["example_notices"]), [
            {"tenant_id": 2, "title": f"公告{i}", "body": "正文 ' \" \\ ;", "pinned": i == 1,
             "created_at": now, "updated_at": now} for i in range(5)
        ])
        conn.execute(insert(t["audit_log"]), [
            {"tenant_id": 2 if i % 2 else None, "user_id": 1, "username": "drill", "action": "organizations.create",
             "entity": "organizations", "entity_id": str(i), "summary": "",
             "before": None, "after": {"name": f"演练企业{i}", "n": i}, "created_at": now}
            for i in range(10)
        ])
    engine.dispose()


def damage(url: str) -> None:
    t = Base.metadata.tables
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(delete(t["organizations"]).where(t["organizations"].c.employees > 100))
        conn.execute(update(t["tenants"]).where(t["tenants"].c.id == 2).values(name="被改了"))
        conn.execute(insert(t["example_notices"]), [{"tenant_id": 2, "title": "多出来的", "body": "",
                                                     "pinned": False}])
        conn.execute(delete(t["audit_log"]))
        conn.execute(text("DROP TABLE party_org_coverage"))
    engine.dispose()


def policies(url: str) -> list[tuple]:
    if not url.startswith("postgresql"):
        return []
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.polname, pg_get_expr(p.polqual, p.polrelid)"
            " FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid ORDER BY 1, 4")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_checksum_is_order_independent_and_sensitive():
    a = [{"id": 1, "name": "甲", "at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)}, {"id": 2, "name": "乙"}]
    assert bk.checksum(a) == bk.checksum(list(reversed(a)))
    assert bk.checksum(a) != bk.checksum(a[:1])
    assert bk.checksum(a) != bk.checksum([a[0], {"id": 2, "name": "丙"}])
    assert bk.checksum(a + a[:1]) != bk.checksum(a)  # a duplicated row counts
    naive = [{"id": 1, "name": "甲", "at": dt.datetime(2024, 1, 1)}, {"id": 2, "name": "乙"}]
    assert bk.checksum(naive) == bk.checksum(a)  # SQLite's naive UTC = the same instant


def test_libpq_args_keep_the_password_off_the_command_line():
    dsn, env = bk.libpq_args("postgresql+psycopg://own%40er:p%40ss@db.local:5433/liandong?sslmode=require")
    assert dsn == "postgresql://own%40er@db.local:5433/liandong?sslmode=require"
    assert env == {"PGPASSWORD": "p@ss"}
    assert bk.libpq_args("postgresql://u@h/d") == ("postgresql://u@h/d", {})
    with pytest.raises(bk.BackupError):
        bk.libpq_args("sqlite:///x.db")


def test_restore_drill(scratch_url, tmp_path):
    fill(scratch_url)
    before = bk.table_fingerprints(scratch_url)
    rls_before = policies(scratch_url)
    assert before["organizations"][0] == 40 and before["audit_log"][0] == 10
    assert set(Base.metadata.tables) <= set(before)

    written = bk.backup(tmp_path, scratch_url)  # a directory: a time-stamped file inside
    assert written.parent == tmp_path and written.name.startswith("liandong-")
    assert written.suffix == (".dump" if BACKEND == "postgresql" else ".sqlite3")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.part"))

    damage(scratch_url)
    damaged = bk.table_fingerprints(scratch_url)
    assert damaged != before and "party_org_coverage" not in damaged

    bk.restore(written, scratch_url)
    after = bk.table_fingerprints(scratch_url)
    assert after == before  # every table: same rows, same content
    printed = CliRunner().invoke(cli, ["db", "fingerprint", "--url", scratch_url])
    assert printed.exit_code == 0, printed.output
    rows = [line.split("\t") for line in printed.output.splitlines()]
    assert {t: (int(n), d) for t, n, d in rows} == before
    assert policies(scratch_url) == rls_before  # row-level security survives a restore
    # the restored database is usable by the app's ORM
    with open_session(2, url=scratch_url) as s:
        assert len(s.scalars(select(Organization)).all()) == 40
        assert s.get(Tenant, 2).name == "测试街道"


def test_restore_of_a_broken_file_changes_nothing(scratch_url, tmp_path):
    fill(scratch_url)
    before = bk.table_fingerprints(scratch_url)
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP" + os.urandom(2000) if BACKEND == "postgresql" else b"not a database" * 100)
    with pytest.raises(bk.BackupError):
        bk.restore(junk, scratch_url)
    assert bk.table_fingerprints(scratch_url) == before
    with pytest.raises(bk.BackupError, match="no backup file"):
        bk.restore(tmp_path / "missing.dump", scratch_url)


def test_cli_backup_of_the_live_database_with_retention(database, tmp_path, client):
    old = tmp_path / "liandong-20000101-000000.dump"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 30 * 86400,) * 2)
    unrelated = tmp_path / "keep-me.txt"
    unrelated.write_text("x")
    os.utime(unrelated, (time.time() - 30 * 86400,) * 2)

    result = CliRunner().invoke(cli, ["backup", str(tmp_path), "--keep-days", "7"])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and "removed old backup" in result.output
    assert not old.exists() and unrelated.exists()
    made = [p for p in tmp_path.glob("liandong-*")]
    assert len(made) == 1
    if BACKEND == "postgresql":
        listing = subprocess.run(["pg_restore", "--list", str(made[0])], capture_output=True, text=True).stdout
        assert "TABLE DATA public organizations" in listing and "POLICY public organizations tenant_isolation" in listing
    else:
        before = bk.table_fingerprints(database["owner_url"])
        copy = bk.table_fingerprints(f"sqlite:///{made[0]}")
        assert copy["tenants"] == before["tenants"] and copy["users"] == before["users"]

    second = CliRunner().invoke(cli, ["restore", str(made[0])], input="n\n")
    assert second.exit_code != 0  # asks first


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
def test_backup_refuses_a_role_under_row_level_security(database, tmp_path):
    with pytest.raises(bk.BackupError, match="BYPASSRLS"):
        bk.backup(tmp_path / "x.dump", database["app_url"])
    assert not list(tmp_path.iterdir())


# --- export of one tenant ----------------------------------------------------------------------


def test_export_tenant(database, tmp_path):
    from core import crypto

    dfh, wyh = tenant_id("dongfanghong"), tenant_id("wangyuehu")
    mine, theirs = unique("导出企业-"), unique("别人的企业-")
    phone = "13800138000"
    with open_session(dfh) as s:
        s.add(Organization(name=mine, kind="enterprise", notes="=1+1", contact_phone_enc=crypto.encrypt(phone)))
        s.add(Notice(title=unique("导出公告-")))
        s.commit()
    with open_session(wyh) as s:
        s.add(Organization(name=theirs, kind="enterprise"))
        s.commit()

    path = tmp_path / "dfh.zip"
    result = CliRunner().invoke(cli, ["export-tenant", "dongfanghong", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    zf = zipfile.ZipFile(path)
    names = set(zf.namelist())
    manifest = json.loads(zf.read("manifest.json"))
    expected = {"tenants", "tenant_plugins", "audit_log", "role_assignments", *tenant_owned_tables()}
    assert set(manifest["tables"]) == expected
    assert {f"json/{t}.json" for t in expected} | {f"xlsx/{t}.xlsx" for t in expected} <= names
    assert manifest["tenant"]["slug"] == "dongfanghong" and manifest["decrypted"] is False

    def rows(table):
        return json.loads(zf.read(f"json/{table}.json"))

    assert [r["slug"] for r in rows("tenants")] == ["dongfanghong"]
    for table in tenant_owned_tables() + ["tenant_plugins", "audit_log"]:
        data = rows(table)
        assert all(r["tenant_id"] == dfh for r in data), table
        assert manifest["tables"][table]["rows"] == len(data)
        assert manifest["tables"][table]["sha256"] == bk.checksum(data)  # same canonical form
    orgs = rows("organizations")
    assert mine in {o["name"] for o in orgs} and theirs not in json.dumps(orgs, ensure_ascii=False)
    assert phone not in zf.read("json/organizations.json").decode()  # stays encrypted
    assert any(r["action"] == "organizations.create" or r["entity"] == "organizations" for r in rows("audit_log"))
    assert {"username": "dfh_admin", "role": "tenant_admin"}.items() <= next(
        r for r in rows("role_assignments") if r["username"] == "dfh_admin").items()
    assert {r["plugin"] for r in rows("tenant_plugins")} >= {"example"}

    wb = load_workbook(io.BytesIO(zf.read("xlsx/organizations.xlsx")), read_only=True)
    sheet = list(wb.active.iter_rows(values_only=True))
    assert "name" in sheet[0] and "tenant_id" in sheet[0]
    assert len(sheet) == len(orgs) + 1
    name_col = sheet[0].index("name")
    notes_col = sheet[0].index("notes")
    row = next(r for r in sheet if r[name_col] == mine)
    assert row[notes_col] == "'=1+1"  # formulas neutralised in the spreadsheet
    assert next(o for o in orgs if o["name"] == mine)["notes"] == "=1+1"  # JSON keeps the value

    with open_session(dfh) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.export")
                          .order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.tenant_id == dfh and "dfh.zip" in entry.summary


def test_export_tenant_decrypted_and_unknown(database, tmp_path):
    from core import crypto

    dfh = tenant_id("dongfanghong")
    name, phone = unique("明文企业-"), "13912345678"
    with open_session(dfh) as s:
        s.add(Organization(name=name, kind="enterprise", contact_phone_enc=crypto.encrypt(phone)))
        s.commit()
    path = tmp_path / "plain.zip"
    result = CliRunner().invoke(cli, ["export-tenant", "dongfanghong", str(path), "--decrypt"])
    assert result.exit_code == 0, result.output
    zf = zipfile.ZipFile(path)
    org = next(o for o in json.loads(zf.read("json/organizations.json")) if o["name"] == name)
    assert org["contact_phone"] == phone and "contact_phone_enc" not in org
    assert json.loads(zf.read("manifest.json"))["decrypted"] is True
    with open_session(dfh) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.export")
                          .order_by(AuditEntry.id.desc())).first()
        assert "decrypted" in entry.summary

    bad = CliRunner().invoke(cli, ["export-tenant", "no-such-tenant", str(tmp_path / "x.zip")])
    assert bad.exit_code != 0 and "no tenant no-such-tenant" in bad.output
    assert not (tmp_path / "x.zip").exists()
