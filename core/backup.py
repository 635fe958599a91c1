"""Backups, restores and per-tenant exports (``liandong backup / restore / export-tenant``).

* PostgreSQL: ``pg_dump -Fc`` / ``pg_restore --clean --if-exists --single-transaction``
  through the owner's connection (``LIANDONG_MIGRATION_DATABASE_URL``). Every tenant-owned
  table has ``FORCE ROW LEVEL SECURITY``, so the role that dumps and restores must be a
  superuser or have ``BYPASSRLS`` (the owner role of ``deploy/README.md`` does); otherwise
  :func:`backup` refuses with a clear message instead of a half-empty dump.
  The password travels in ``PGPASSWORD``, never on the command line.
* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot while the app keeps running; a restore copies the backup into the live file the
  same way (page by page, in one transaction), then checks its integrity.

A restore replaces the whole database: stop the service first and restart it afterwards
(every worker's caches then start from the restored data), then run ``liandong db upgrade``
if the backup predates the installed version.

:func:`export_tenant` writes one tenant's data as a zip: ``json/<table>.json`` and
``xlsx/<table>.xlsx`` for each table, plus ``manifest.json`` with row counts and checksums.
It reads through a session scoped to that tenant, so on PostgreSQL row-level security
applies on top of the explicit ``tenant_id`` filter.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import String, Table, select, text
from sqlalchemy.engine import URL, make_url

SHANGHAI = ZoneInfo("Asia/Shanghai")
PREFIX = "liandong-"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why and what to do."""


# --- connection details --------------------------------------------------------------------


def _url(url: str | None) -> URL:
    if url is None:
        from core.config import get_settings

        url = get_settings().owner_database_url
    return make_url(url)


def libpq_args(url: str | URL) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as a libpq connection URI (without the password) and its env.

    ``postgresql+psycopg://owner:pw@db:5432/liandong?sslmode=require`` →
    ``("postgresql://owner@db:5432/liandong?sslmode=require", {"PGPASSWORD": "pw"})``.
    """
    u = make_url(url) if isinstance(url, str) else url
    if u.get_backend_name() != "postgresql":
        raise BackupError(f"not a PostgreSQL URL: {u.get_backend_name()}")
    env = {"PGPASSWORD": u.password} if u.password else {}
    query = {k: v for k, v in u.query.items() if k not in ("client_encoding",)}
    dsn = u.set(drivername="postgresql", query=query)._replace(password=None).render_as_string(hide_password=False)
    return dsn, env


def _sqlite_path(u: URL) -> Path:
    if not u.database or u.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(u.database)


def backend(url: str | None = None) -> str:
    return _url(url).get_backend_name()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt install postgresql-client-15)")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def _check_bypass_rls(u: URL) -> None:
    """pg_dump/pg_restore as a role that RLS would filter yields errors or missing rows."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(u, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ok = conn.execute(
                text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).scalar()
    except Exception as exc:  # noqa: BLE001
        raise BackupError(f"cannot connect to the database: {exc}") from exc
    finally:
        engine.dispose()
    if not ok:
        raise BackupError(
            f"role {u.username} has neither SUPERUSER nor BYPASSRLS: row-level security would hide "
            "tenant rows from pg_dump/pg_restore. Use the owner role (LIANDONG_MIGRATION_DATABASE_URL) "
            "created with BYPASSRLS, see deploy/README.md."
        )


# --- backup and restore --------------------------------------------------------------------


def default_name(url: str | None = None, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(SHANGHAI)).strftime("%Y%m%d-%H%M%S")
    return f"{PREFIX}{stamp}.{'dump' if backend(url) == 'postgresql' else 'sqlite3'}"


def backup(path: str | Path, url: str | None = None) -> Path:
    """Write a consistent backup of the database to ``path``; returns the file written.

    ``path`` is a file name (with a suffix), or a directory — existing, ending in ``/`` or
    without a suffix — for a time-stamped ``liandong-YYYYmmdd-HHMMSS.dump|.sqlite3`` inside.
    The file appears only when complete (written as ``….part``, then renamed).
    """
    u = _url(url)
    target = Path(path)
    if target.is_dir() or str(path).endswith(os.sep) or (not target.exists() and not target.suffix):
        target.mkdir(parents=True, exist_ok=True)
        target = target / default_name(u.render_as_string(hide_password=False))
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        if u.get_backend_name() == "postgresql":
            _check_bypass_rls(u)
            dsn, env = libpq_args(u)
            _run([_tool("pg_dump"), "--format=custom", "--compress=6", f"--file={part}", f"--dbname={dsn}"], env)
            _run([_tool("pg_restore"), "--list", str(part)], {})  # the archive is readable
        elif u.get_backend_name() == "sqlite":
            source = _sqlite_path(u)
            if not source.exists():
                raise BackupError(f"no database file {source}")
            src = sqlite3.connect(source, timeout=30)
            dst = sqlite3.connect(part)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                _integrity(dst)
            finally:
                dst.close()
                src.close()
        else:
            raise BackupError(f"backups of {u.get_backend_name()} are not supported")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    target.chmod(0o600)  # a backup holds everything: only its owner may read it
    return target


def _integrity(conn: sqlite3.Connection) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"SQLite integrity check failed: {result}")


def restore(path: str | Path, url: str | None = None) -> None:
    """Replace the database's content with the backup at ``path`` (all or nothing)."""
    from core.db import reset_engines

    u = _url(url)
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    reset_engines()  # no pooled connection may keep using the old content
    if u.get_backend_name() == "postgresql":
        _check_bypass_rls(u)
        dsn, env = libpq_args(u)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
              "--no-password", f"--dbname={dsn}", str(source)], env)
    elif u.get_backend_name() == "sqlite":
        target = _sqlite_path(u)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            try:
                _integrity(src)
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
                _integrity(dst)
            finally:
                dst.close()
        finally:
            src.close()
    else:
        raise BackupError(f"restores of {u.get_backend_name()} are not supported")
    reset_engines()
    from core import revisions

    revisions.reset()  # this process's caches (tenant tree, plugins, policies) start afresh


def prune(directory: str | Path, keep_days: int, now: float | None = None) -> list[Path]:
    """Delete ``liandong-*`` backups older than ``keep_days`` days in ``directory``."""
    cutoff = (now or time.time()) - keep_days * 86400
    removed = []
    for item in Path(directory).glob(f"{PREFIX}*"):
        if item.is_file() and not item.name.endswith(".part") and item.stat().st_mtime < cutoff:
            item.unlink()
            removed.append(item)
    return sorted(removed)


# --- table contents: checksums and exports -------------------------------------------------


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _excel(value: Any) -> Any:
    """A cell value openpyxl can write: local time without zone, JSON as text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (decimal.Decimal, bytes, bytearray, memoryview, dt.time)):
        return jsonable(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)  # control characters Excel refuses
    return value


def rows_of(conn_or_session, table: Table, where=None) -> list[dict[str, Any]]:
    stmt = select(table)
    if where is not None:
        stmt = stmt.where(where)
    pk = list(table.primary_key.columns) or list(table.columns)
    stmt = stmt.order_by(*pk)
    return [dict(r._mapping) for r in conn_or_session.execute(stmt)]


def _row_line(row: dict[str, Any]) -> bytes:
    return json.dumps({k: jsonable(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False,
                      default=str).encode("utf-8")


def checksum(rows: Iterable[dict[str, Any]]) -> str:
    """A digest of a multiset of rows: the sum (mod 2^256) of each row's sha256.

    Independent of row order (two databases may sort text differently), streaming (constant
    memory on large tables), and a changed, missing or extra row changes it.
    """
    total = 0
    for row in rows:
        total = (total + int.from_bytes(hashlib.sha256(_row_line(row)).digest(), "big")) % (1 << 256)
    return f"{total:064x}"


def table_fingerprints(url: str | None = None) -> dict[str, tuple[int, str]]:
    """``{table: (row count, checksum)}`` for every table in the database at ``url``.

    Meant for the owner's connection (default): restore drills and tests. Streams the rows.
    """
    from sqlalchemy import MetaData, create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(_url(url), poolclass=NullPool)
    try:
        meta = MetaData()
        meta.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                counter = {"n": 0}

                def rows(table=table, counter=counter):
                    result = conn.execution_options(stream_results=True, yield_per=2000).execute(select(table))
                    for r in result:
                        counter["n"] += 1
                        yield dict(r._mapping)

                digest = checksum(rows())
                out[name] = (counter["n"], digest)
        return out
    finally:
        engine.dispose()


def export_tenant(slug: str, path: str | Path, *, decrypt: bool = False, username: str = "cli") -> dict[str, Any]:
    """Write every row of tenant ``slug`` to the zip ``path``; returns the manifest.

    ``decrypt`` replaces each encrypted ``<name>_enc`` column by a plain ``<name>`` column
    (ID-card and phone numbers in clear text) and says so in the audit entry.
    """
    from core import crypto
    from core.audit import record
    from core.db import Base, open_session, tenant_owned_tables
    from core.excel import workbook_bytes
    from core.models import AuditEntry, CasbinRule, Tenant, TenantPlugin, User
    from core.plugins import registry

    registry().pm.hook.register_models()  # every plugin's tables are known
    with open_session() as s:
        tenant = s.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise BackupError(f"no tenant {slug}")
    tid = tenant.id

    session = open_session(tid)
    session.info["username"] = username
    tables: dict[str, list[dict[str, Any]]] = {}
    try:
        from sqlalchemy import inspect as sa_inspect

        present = set(sa_inspect(session.connection()).get_table_names())
        missing = [name for name in tenant_owned_tables() if name not in present]
        if missing:
            raise BackupError(f"tables missing from the database: {', '.join(missing)}; "
                              "run `liandong db upgrade` first (nothing was exported)")
        tables["tenants"] = rows_of(session, Tenant.__table__, Tenant.__table__.c.id == tid)
        tables["tenant_plugins"] = rows_of(session, TenantPlugin.__table__, TenantPlugin.__table__.c.tenant_id == tid)
        tables["audit_log"] = rows_of(session, AuditEntry.__table__, AuditEntry.__table__.c.tenant_id == tid)
        for name in tenant_owned_tables():
            table = Base.metadata.tables[name]
            tables[name] = rows_of(session, table, table.c.tenant_id == tid)
        rule = CasbinRule.__table__
        tables["role_assignments"] = [
            {"user_id": int(r.v0), "username": r.username, "role": r.v1}
            for r in session.execute(
                select(rule.c.v0, rule.c.v1, User.username)
                .join(User, User.id.cast(String) == rule.c.v0)
                .where(rule.c.ptype == "g", rule.c.v2 == str(tid))
                .order_by(User.username, rule.c.v1)
            )
        ]
        if decrypt:
            for rows in tables.values():
                for row in rows:
                    for key in [k for k in row if k.endswith("_enc")]:
                        value = row.pop(key)
                        row[key[:-4]] = crypto.decrypt(value) if value else value

        manifest = {
            "format": "liandong-tenant-export/1",
            "tenant": {"id": tid, "slug": tenant.slug, "name": tenant.name, "level": tenant.level},
            "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "decrypted": decrypt,
            "schema": _schema_revisions(session),
            "tables": {name: {"rows": len(rows), "sha256": checksum(rows)} for name, rows in tables.items()},
        }
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        try:
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
                for name, rows in tables.items():
                    headers = _headers(name, rows)
                    zf.writestr(f"json/{name}.json",
                                json.dumps([{k: jsonable(v) for k, v in r.items()} for r in rows],
                                           ensure_ascii=False, indent=1, default=str))
                    zf.writestr(f"xlsx/{name}.xlsx",
                                workbook_bytes(name, headers, ([_excel(r.get(h)) for h in headers] for r in rows)))
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        target.chmod(0o600)
        record(session, "tenant.export", tenant_id=tid, entity="tenants", entity_id=tid,
               summary=f"{target.name}: {sum(len(r) for r in tables.values())} rows"
                       + ("; decrypted ID/phone numbers" if decrypt else ""))
        session.commit()
    finally:
        session.close()
    return manifest


def _headers(name: str, rows: list[dict[str, Any]]) -> list[str]:
    from core.db import Base

    table = Base.metadata.tables.get(name)
    if rows:
        return list(rows[0].keys())
    return [c.name for c in table.columns] if table is not None else []


def _schema_revisions(session) -> list[str]:
    try:
        return sorted(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 — informational only
        session.rollback()
        return []

