"""Backups, the restore drill and the per-tenant export.

The drill: fill a fresh database and every upload directory, fingerprint every table (row
count + checksum of the rows) and every stored file (sha256), back up, damage the data
(delete, update, insert, drop a table; delete, change, add files), restore, and find every
fingerprint as it was — on SQLite and on PostgreSQL (pg_dump/pg_restore).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import stat
import subprocess
import tarfile
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
from core.models import AuditEntry, Tenant
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


@pytest.fixture
def upload_dirs(tmp_path, monkeypatch):
    """Every upload store's directory moved to a fresh one: ``{area: directory}``."""
    dirs = {}
    for area in bk.upload_dirs():
        dirs[area] = tmp_path / "uploads" / area
        monkeypatch.setenv(f"LIANDONG_{area.upper()}_UPLOAD_DIR", str(dirs[area]))
    assert {"registry", "activities", "lists", "campaigns", "assessment"} <= set(dirs)
    assert bk.upload_dirs() == dirs
    return dirs


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def put_files(dirs, tenant: int = 2, other: int = 1) -> None:
    """Two files of ``tenant`` and one of ``other`` in every area (the stores' layout)."""
    for area, directory in dirs.items():
        for tid, name, data in [(tenant, "a1b2.png", PNG + area.encode()),
                                (tenant, "c3d4.pdf", f"%PDF-1.4 {area} 正文".encode()),
                                (other, "e5f6.png", PNG + b"other" + area.encode())]:
            (directory / str(tid)).mkdir(parents=True, exist_ok=True)
            (directory / str(tid) / name).write_bytes(data)


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


def test_restore_drill(scratch_url, tmp_path, upload_dirs):
    fill(scratch_url)
    put_files(upload_dirs)
    before = bk.table_fingerprints(scratch_url)
    files_before = bk.file_fingerprints()
    rls_before = policies(scratch_url)
    assert before["organizations"][0] == 40 and before["audit_log"][0] == 10
    assert set(Base.metadata.tables) <= set(before)
    assert all(len(files) == 3 for files in files_before.values())

    backups = tmp_path / "backups"
    written = bk.backup(backups, scratch_url)  # a directory: a time-stamped file inside
    assert written.parent == backups and written.name.startswith("liandong-") and written.suffix == ".tar"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert [p.name for p in backups.iterdir()] == [written.name]  # no .part, no staging left
    with tarfile.open(written) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = set(tar.getnames())
    db_name = "database.dump" if BACKEND == "postgresql" else "database.sqlite3"
    assert manifest["backend"] == BACKEND and manifest["database"]["name"] == db_name and db_name in names
    assert {a: {r: e["sha256"] for r, e in entries.items()} for a, entries in manifest["uploads"].items()} \
        == files_before
    assert {f"uploads/{a}/{r}" for a, entries in files_before.items() for r in entries} <= names

    damage(scratch_url)
    damaged = bk.table_fingerprints(scratch_url)
    assert damaged != before and "party_org_coverage" not in damaged
    (upload_dirs["registry"] / "2" / "a1b2.png").unlink()  # lost
    (upload_dirs["lists"] / "2" / "c3d4.pdf").write_bytes(b"%PDF- overwritten")  # changed
    (upload_dirs["activities"] / "2" / "extra.png").write_bytes(PNG)  # uploaded after the backup
    shutil.rmtree(upload_dirs["activities"] / "1")  # a whole tenant's directory gone
    assert bk.file_fingerprints() != files_before

    done = bk.restore(written, scratch_url)
    assert done["uploads"] == {area: 3 for area in upload_dirs} and done["untouched"] == []
    after = bk.table_fingerprints(scratch_url)
    assert after == before  # every table: same rows, same content
    assert bk.file_fingerprints() == files_before  # every stored file: same bytes, nothing extra
    assert not [p for d in upload_dirs.values() for p in d.iterdir() if p.name.startswith(".")]
    printed = CliRunner().invoke(cli, ["db", "fingerprint", "--url", scratch_url])
    assert printed.exit_code == 0, printed.output
    rows = [line.split("\t") for line in printed.output.splitlines()]
    assert {t: (int(n), d) for t, n, d in rows} == before
    assert policies(scratch_url) == rls_before  # row-level security survives a restore
    # the restored database is usable by the app's ORM
    with open_session(2, url=scratch_url) as s:
        assert len(s.scalars(select(Organization)).all()) == 40
        assert s.get(Tenant, 2).name == "测试街道"


def rewrite(source, target, change) -> None:
    """Copy the tar ``source`` to ``target``, member data passed through ``change(name, data)``
    (None drops the member)."""
    with tarfile.open(source) as src, tarfile.open(target, "w") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))


def test_restore_of_a_broken_file_changes_nothing(scratch_url, tmp_path, upload_dirs):
    fill(scratch_url)
    put_files(upload_dirs)
    good = bk.backup(tmp_path / "good.tar", scratch_url)
    with open_session(url=scratch_url) as s:  # a change the failed restores must not undo
        s.execute(update(Tenant).where(Tenant.id == 2).values(name="备份之后改的"))
        s.commit()
    (upload_dirs["lists"] / "2" / "new.png").write_bytes(PNG)
    before, files_before = bk.table_fingerprints(scratch_url), bk.file_fingerprints()

    def manifest_with(**changes):
        def change(name, data):
            if name != "manifest.json":
                return data
            return json.dumps({**json.loads(data), **changes}).encode()
        return change

    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP" + os.urandom(2000) if BACKEND == "postgresql" else b"not a database" * 100)
    cases = {
        junk: None,
        tmp_path / "file-changed.tar": (lambda n, d: d[:-1] + b"!" if n == "uploads/lists/2/c3d4.pdf" else d,
                                        "uploads/lists/2/c3d4.pdf: checksum mismatch"),
        tmp_path / "file-missing.tar": (lambda n, d: None if n == "uploads/registry/1/e5f6.png" else d,
                                        "missing from the backup"),
        tmp_path / "db-damaged.tar": (lambda n, d: d[:4096] + bytes(len(d) - 4096) if n.startswith("database.") else d,
                                      "database.* checksum mismatch"),
        tmp_path / "unknown-area.tar": (manifest_with(uploads={"photos": {}}), "files of photos"),
        tmp_path / "other-backend.tar": (manifest_with(backend="mysql"), "backup of a mysql database"),
        tmp_path / "escape.tar": (manifest_with(uploads={"lists": {"../../evil": {"size": 1, "sha256": "0"}}}),
                                  "unsafe path"),
        tmp_path / "no-manifest.tar": (lambda n, d: None if n == "manifest.json" else d, "not a Liandong backup"),
    }
    for path, case in cases.items():
        if case is None:
            with pytest.raises(bk.BackupError):
                bk.restore(path, scratch_url)
        else:
            rewrite(good, path, case[0])
            with pytest.raises(bk.BackupError, match=case[1].replace("*", ".*")):
                bk.restore(path, scratch_url)
        assert bk.table_fingerprints(scratch_url) == before, path.name
        assert bk.file_fingerprints() == files_before, path.name
    assert not (tmp_path.parent / "evil").exists()
    assert not [p for d in upload_dirs.values() for p in d.iterdir() if p.name.startswith(".")]
    with pytest.raises(bk.BackupError, match="no backup file"):
        bk.restore(tmp_path / "missing.dump", scratch_url)

    # a backup of an older version (the dump or SQLite file alone) restores the database only
    bare = bk._dump_database(make_url(scratch_url), tmp_path)
    damage(scratch_url)
    done = bk.restore(bare, scratch_url)
    assert done["uploads"] == {} and done["untouched"] == sorted(upload_dirs)
    assert bk.table_fingerprints(scratch_url) == before and bk.file_fingerprints() == files_before

    # a drill restores the files elsewhere: the live ones stay as they are
    drill = tmp_path / "drill"
    result = CliRunner().invoke(cli, ["restore", str(good), "--yes", "--url", scratch_url,
                                      "--uploads-dir", str(drill)])
    assert result.exit_code == 0, result.output
    assert "uploaded files (activities 3," in result.output
    with tarfile.open(good) as tar:
        backed_up = json.loads(tar.extractfile("manifest.json").read())["uploads"]
    assert bk.file_fingerprints({a: drill / a for a in upload_dirs}) == {
        a: {r: e["sha256"] for r, e in entries.items()} for a, entries in backed_up.items()}
    assert bk.file_fingerprints() == files_before


def test_cli_backup_of_the_live_database_with_retention(database, tmp_path, client, upload_dirs):
    put_files(upload_dirs, tenant=tenant_id("dongfanghong"), other=tenant_id("wangyuehu"))
    tmp_path = tmp_path / "backups"
    tmp_path.mkdir()
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
    assert len(made) == 1 and made[0].suffix == ".tar"
    with tarfile.open(made[0]) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        db_file = tmp_path / "unpacked" / manifest["database"]["name"]
        tar.extract(manifest["database"]["name"], db_file.parent)
        files = {a: {r: e["sha256"] for r, e in entries.items()} for a, entries in manifest["uploads"].items()}
    assert files == bk.file_fingerprints()
    if BACKEND == "postgresql":
        listing = subprocess.run(["pg_restore", "--list", str(db_file)], capture_output=True, text=True).stdout
        assert "TABLE DATA public organizations" in listing and "POLICY public organizations tenant_isolation" in listing
    else:
        before = bk.table_fingerprints(database["owner_url"])
        copy = bk.table_fingerprints(f"sqlite:///{db_file}")
        assert copy["tenants"] == before["tenants"] and copy["users"] == before["users"]

    second = CliRunner().invoke(cli, ["restore", str(made[0])], input="n\n")
    assert second.exit_code != 0  # asks first


@pytest.mark.skipif(BACKEND != "postgresql", reason="row-level security is PostgreSQL's")
def test_backup_refuses_a_role_under_row_level_security(database, tmp_path):
    with pytest.raises(bk.BackupError, match="BYPASSRLS"):
        bk.backup(tmp_path / "x.dump", database["app_url"])
    assert not list(tmp_path.iterdir())


# --- export of one tenant ----------------------------------------------------------------------


def test_export_tenant(database, tmp_path, upload_dirs):
    from core import crypto

    dfh, wyh = tenant_id("dongfanghong"), tenant_id("wangyuehu")
    put_files(upload_dirs, tenant=dfh, other=wyh)
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

    # the tenant's uploaded files, and no other tenant's
    mine_files = bk.file_fingerprints({a: p / str(dfh) for a, p in upload_dirs.items()})
    assert {a: {r: e["sha256"] for r, e in entries.items()} for a, entries in manifest["files"].items()} == mine_files
    assert all(len(f) == 2 for f in mine_files.values())
    stored = {n for n in names if n.startswith("files/")}
    assert stored == {f"files/{a}/{r}" for a, entries in mine_files.items() for r in entries}
    for area, entries in mine_files.items():
        for rel, sha in entries.items():
            assert hashlib.sha256(zf.read(f"files/{area}/{rel}")).hexdigest() == sha
    assert not any("e5f6" in n for n in names)  # the other tenant's file

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
    assert f"{2 * len(upload_dirs)} files" in entry.summary  # two in each store


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
