"""Backups, restores and per-tenant exports (``liandong backup / restore / export-tenant``).

A backup is one tar archive, ``liandong-YYYYmmdd-HHMMSS.tar`` (mode 0600):

* ``database.dump`` — PostgreSQL: ``pg_dump -Fc`` through the owner's connection
  (``LIANDONG_MIGRATION_DATABASE_URL``). Every tenant-owned table has ``FORCE ROW LEVEL
  SECURITY``, so the role that dumps and restores must be a superuser or have ``BYPASSRLS``
  (the owner role of ``deploy/README.md`` does); otherwise :func:`backup` refuses with a clear
  message instead of a half-empty dump. The password travels in ``PGPASSWORD``, never on the
  command line. Or ``database.sqlite3`` — SQLite: the online backup API
  (``sqlite3.Connection.backup``) copies a consistent snapshot while the app keeps running.
* ``uploads/<area>/<tenant id>/<stored name>`` — every file of every upload store
  (:func:`upload_dirs`: the registry's visit photos, the activities and lists plugins'
  attachments, ``LIANDONG_<AREA>_UPLOAD_DIR``). They are read after the database dump, and an
  upload writes its file before its row commits, so every row in the dump finds its file.
* ``manifest.json`` — the backend, and the size and sha256 of the database file and of every
  uploaded file.

:func:`restore` verifies the whole archive first (every checksum, the dump's table of contents
or the SQLite integrity check, every upload area known to this installation) and stages the
files next to their directories; only then does it replace the database (``pg_restore
--single-transaction`` / page by page in one SQLite transaction) and swap each upload
directory for its staged copy. A bare ``.dump`` / ``.sqlite3`` file of older versions still
restores the database alone (the upload directories are left as they are).

A restore replaces the whole database and the upload directories: stop the service first and
restart it afterwards (every worker's caches then start from the restored data), then run
``liandong db upgrade`` if the backup predates the installed version.

:func:`export_tenant` writes one tenant's data as a zip: ``json/<table>.json`` and
``xlsx/<table>.xlsx`` for each table, ``files/<area>/<stored name>`` for that tenant's uploaded
files (its own sub-directory of each upload directory, nothing else), plus ``manifest.json``
with row counts and checksums of the tables and files. It reads through a session scoped to
that tenant, so on PostgreSQL row-level security applies on top of the explicit ``tenant_id``
filter.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import importlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import String, Table, select, text
from sqlalchemy.engine import URL, make_url

from core.clock import SHANGHAI

PREFIX = "liandong-"
FORMAT = "liandong-backup/1"
CHUNK = 1 << 20


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


# --- uploaded files ------------------------------------------------------------------------


def upload_dirs() -> dict[str, Path]:
    """``{area: absolute directory}`` of every upload store (:func:`core.uploads.stores`).

    A store is made when its module is imported: the registry's ``core.registry.files`` and,
    by convention, each installed plugin's ``<package>.files``; all are imported here first.
    """
    from core import uploads
    from core.plugins import registry

    for name in ["core.registry.files", *(f"{m.__name__}.files" for m in registry().modules.values())]:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return {s.area: s.directory().absolute() for s in sorted(uploads.stores(), key=lambda s: s.area)}


def _files_in(directory: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of every regular file under ``directory``, sorted.

    Symbolic links and a restore's leftovers (``.liandong-*`` at the top) are skipped.
    """
    if not directory.is_dir():
        return []
    out = []
    for root, dirs, names in os.walk(directory):
        if Path(root) == directory:
            dirs[:] = [d for d in dirs if not d.startswith(".liandong-")]
        for name in names:
            p = Path(root) / name
            if not p.is_symlink() and p.is_file():
                out.append((p.relative_to(directory).as_posix(), p))
    return sorted(out)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_fingerprints(dirs: dict[str, Path] | None = None) -> dict[str, dict[str, str]]:
    """``{area: {relative path: sha256}}`` of every uploaded file (restore drills, tests)."""
    dirs = upload_dirs() if dirs is None else dirs
    return {area: {rel: _sha256_file(p) for rel, p in _files_in(d)} for area, d in dirs.items()}


def _safe_relative(rel: str) -> str:
    """A path from an archive, refused unless it stays below its directory."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"unsafe path in the backup: {rel!r}; nothing was restored")
    return rel


# --- backup and restore --------------------------------------------------------------------


def default_name(url: str | None = None, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(SHANGHAI)).strftime("%Y%m%d-%H%M%S")
    return f"{PREFIX}{stamp}.tar"


def _dump_database(u: URL, work: Path) -> Path:
    """The database as ``work/database.dump`` (PostgreSQL) or ``work/database.sqlite3``."""
    if u.get_backend_name() == "postgresql":
        _check_bypass_rls(u)
        dsn, env = libpq_args(u)
        out = work / "database.dump"
        _run([_tool("pg_dump"), "--format=custom", "--compress=6", f"--file={out}", f"--dbname={dsn}"], env)
        _run([_tool("pg_restore"), "--list", str(out)], {})  # the archive is readable
        return out
    if u.get_backend_name() == "sqlite":
        source = _sqlite_path(u)
        if not source.exists():
            raise BackupError(f"no database file {source}")
        out = work / "database.sqlite3"
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _integrity(dst)
        finally:
            dst.close()
            src.close()
        return out
    raise BackupError(f"backups of {u.get_backend_name()} are not supported")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(path: str | Path, url: str | None = None) -> Path:
    """Write a backup of the database and of every uploaded file to ``path``; returns the file.

    ``path`` is a file name (with a suffix), or a directory — existing, ending in ``/`` or
    without a suffix — for a time-stamped ``liandong-YYYYmmdd-HHMMSS.tar`` inside. The file
    (a tar archive whatever its name) appears only when complete (written as ``….part``, then
    renamed); the database dump is staged next to it meanwhile.
    """
    u = _url(url)
    target = Path(path)
    if target.is_dir() or str(path).endswith(os.sep) or (not target.exists() and not target.suffix):
        target.mkdir(parents=True, exist_ok=True)
        target = target / default_name(u.render_as_string(hide_password=False))
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    work = Path(tempfile.mkdtemp(prefix=f".{PREFIX}backup-", dir=target.parent))
    try:
        db_file = _dump_database(u, work)
        manifest: dict[str, Any] = {
            "format": FORMAT, "backend": u.get_backend_name(),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "database": {"name": db_file.name, "size": db_file.stat().st_size, "sha256": _sha256_file(db_file)},
            "uploads": {},
        }
        with open(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out, \
                tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(db_file, arcname=db_file.name)
            # after the dump: an upload writes its file before its row commits, so every
            # attachment row of the dump finds its file here
            for area, directory in upload_dirs().items():
                entries = manifest["uploads"][area] = {}
                for rel, p in _files_in(directory):
                    try:
                        mtime, data = p.stat().st_mtime, p.read_bytes()
                    except FileNotFoundError:  # deleted meanwhile, with its row
                        continue
                    _add_bytes(tar, f"uploads/{area}/{rel}", data, mtime)
                    entries[rel] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
                       time.time())
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    target.chmod(0o600)  # a backup holds everything: only its owner may read it
    return target


def _integrity(conn: sqlite3.Connection) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"SQLite integrity check failed: {result}")


def _restore_database(source: Path, u: URL) -> None:
    """Replace the database's content with the dump or SQLite file ``source`` (all or nothing)."""
    if u.get_backend_name() == "postgresql":
        _check_bypass_rls(u)
        dsn, env = libpq_args(u)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
              "--no-password", f"--dbname={dsn}", str(source)], env)
        return
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


def _verify_database(source: Path, u: URL) -> None:
    """Refuse a dump that would fail half-way, before anything is replaced."""
    if u.get_backend_name() == "postgresql":
        _run([_tool("pg_restore"), "--list", str(source)], {})
        return
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _integrity(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database in the backup is damaged: {exc}") from exc
    finally:
        conn.close()


def _extract(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str, dest: Path,
             expected: dict[str, Any]) -> Path:
    """Copy member ``name`` to ``dest``, refused unless its size and sha256 are as expected."""
    member = members.get(name)
    if member is None or not member.isfile():
        raise BackupError(f"{name} is missing from the backup; nothing was restored")
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tar.extractfile(member) as src, dest.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(f"{name}: checksum mismatch, the backup is damaged; nothing was restored")
    return dest


def _read_manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], source: Path) -> dict[str, Any]:
    member = members.get("manifest.json")
    try:
        manifest = json.loads(tar.extractfile(member).read()) if member is not None and member.isfile() else {}
    except ValueError:
        manifest = {}
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or not isinstance(manifest.get("database"), dict) or not isinstance(manifest.get("uploads"), dict)
            or not all(isinstance(e, dict) for e in manifest["uploads"].values())):
        raise BackupError(f"{source} is not a Liandong backup (no {FORMAT} manifest); nothing was restored")
    for area in manifest["uploads"]:
        if "/" in _safe_relative(area):
            raise BackupError(f"unsafe upload area in the backup: {area!r}; nothing was restored")
    return manifest


def _swap(stage: Path, directory: Path) -> None:
    """Give ``directory`` the content of ``stage`` (its own sub-directory: same file system,
    and ``directory`` itself may be a mount point)."""
    old = directory / f".{PREFIX}old-{secrets.token_hex(4)}"
    old.mkdir()
    for child in directory.iterdir():
        if child not in (stage, old):
            os.replace(child, old / child.name)
    for child in stage.iterdir():
        os.replace(child, directory / child.name)
    stage.rmdir()
    shutil.rmtree(old, ignore_errors=True)


def restore(path: str | Path, url: str | None = None, uploads_dir: str | Path | None = None) -> dict[str, Any]:
    """Replace the database and the upload directories with the backup at ``path``.

    Everything is verified and staged first; a damaged or foreign archive changes nothing.
    ``uploads_dir`` puts the files in ``<uploads_dir>/<area>`` instead of the configured
    directories (a restore drill into a scratch database leaves the live files alone).
    Returns ``{"backend", "uploads": {area: files restored}, "untouched": [areas]}`` —
    ``untouched``: upload directories the backup has nothing for (an older bare database
    file, or a plugin installed since), left as they are.
    """
    from core.db import reset_engines

    u = _url(url)
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    if u.get_backend_name() not in ("postgresql", "sqlite"):
        raise BackupError(f"restores of {u.get_backend_name()} are not supported")
    dirs = upload_dirs()
    if uploads_dir is not None:
        dirs = {area: Path(uploads_dir).absolute() / area for area in dirs}
    if not tarfile.is_tarfile(source):  # a bare database file of an older version
        reset_engines()  # no pooled connection may keep using the old content
        _restore_database(source, u)
        _after_restore()
        return {"backend": u.get_backend_name(), "uploads": {}, "untouched": sorted(dirs)}

    work = Path(tempfile.mkdtemp(prefix=f".{PREFIX}restore-"))
    staged: dict[str, Path] = {}
    try:
        try:
            tar = tarfile.open(source, "r:")
        except tarfile.TarError as exc:
            raise BackupError(f"{source} is not a readable backup: {exc}") from exc
        with tar:
            members = {m.name: m for m in tar.getmembers()}
            manifest = _read_manifest(tar, members, source)
            if manifest.get("backend") != u.get_backend_name():
                raise BackupError(f"this is a backup of a {manifest.get('backend')} database, not of "
                                  f"{u.get_backend_name()}; nothing was restored")
            unknown = sorted(set(manifest["uploads"]) - set(dirs))
            if unknown:
                raise BackupError(f"the backup holds files of {', '.join(unknown)}, for which this "
                                  "installation has no upload directory (install that plugin first); "
                                  "nothing was restored")
            db = manifest["database"]
            db_file = _extract(tar, members, _safe_relative(db["name"]), work / "database", db)
            for area, entries in manifest["uploads"].items():
                if not entries and not dirs[area].exists():
                    continue  # nothing to put back, nothing to empty
                dirs[area].mkdir(parents=True, exist_ok=True)
                staged[area] = Path(tempfile.mkdtemp(prefix=f".{PREFIX}restore-", dir=dirs[area]))
                for rel, expected in entries.items():
                    _extract(tar, members, f"uploads/{area}/{_safe_relative(rel)}", staged[area] / rel, expected)
        _verify_database(db_file, u)
        reset_engines()  # no pooled connection may keep using the old content
        _restore_database(db_file, u)
        for area in list(staged):
            try:
                _swap(staged[area], dirs[area])
            except OSError as exc:
                raise BackupError(f"the database was restored, but not the files of {area} ({exc}): "
                                  "run the restore again") from exc
            del staged[area]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for stage in staged.values():
            shutil.rmtree(stage, ignore_errors=True)
    _after_restore()
    return {"backend": u.get_backend_name(),
            "uploads": {area: len(entries) for area, entries in manifest["uploads"].items()},
            "untouched": sorted(set(dirs) - set(manifest["uploads"]))}


def _after_restore() -> None:
    from core import revisions
    from core.db import reset_engines

    reset_engines()
    revisions.reset()  # this process's caches (tenant tree, plugins, policies) start afresh


def prune(directory: str | Path, keep_days: int, now: float | None = None) -> list[Path]:
    """Delete ``liandong-*`` backups older than ``keep_days`` days in ``directory``."""
    cutoff = (now or time.time()) - keep_days * 86400
    removed = []
    for item in Path(directory).glob(f"{PREFIX}*"):
        if item.is_file() and not item.name.endswith(".part") and item.stat().st_mtime < cutoff:
            item.unlink()
            removed.append(item)
    for work in Path(directory).glob(f".{PREFIX}backup-*"):  # left by an interrupted backup
        if work.is_dir() and work.stat().st_mtime < cutoff:
            shutil.rmtree(work, ignore_errors=True)
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
    return value  # text is made safe by core.excel (control characters, formulas)


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
    """Write every row and every uploaded file of tenant ``slug`` to the zip ``path``;
    returns the manifest.

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

        files = {area: _files_in(directory / str(tid)) for area, directory in upload_dirs().items()}
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
                manifest["files"] = {area: _zip_files(zf, f"files/{area}", found) for area, found in files.items()}
                for name, rows in tables.items():
                    headers = _headers(name, rows)
                    zf.writestr(f"json/{name}.json",
                                json.dumps([{k: jsonable(v) for k, v in r.items()} for r in rows],
                                           ensure_ascii=False, indent=1, default=str))
                    zf.writestr(f"xlsx/{name}.xlsx",
                                workbook_bytes(name, headers, ([_excel(r.get(h)) for h in headers] for r in rows)))
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        target.chmod(0o600)
        record(session, "tenant.export", tenant_id=tid, entity="tenants", entity_id=tid,
               summary=f"{target.name}: {sum(len(r) for r in tables.values())} rows, "
                       f"{sum(len(f) for f in manifest['files'].values())} files"
                       + ("; decrypted ID/phone numbers" if decrypt else ""))
        session.commit()
    finally:
        session.close()
    return manifest


def _zip_files(zf: zipfile.ZipFile, prefix: str, found: list[tuple[str, Path]]) -> dict[str, dict[str, Any]]:
    """Copy files into ``zf`` under ``prefix``; ``{relative path: {size, sha256}}`` of those copied."""
    out = {}
    for rel, path in found:
        digest, size = hashlib.sha256(), 0
        try:
            with path.open("rb") as src, zf.open(f"{prefix}/{rel}", "w", force_zip64=True) as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    dst.write(chunk)
        except FileNotFoundError:  # deleted meanwhile, with its row
            continue
        out[rel] = {"size": size, "sha256": digest.hexdigest()}
    return out


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

