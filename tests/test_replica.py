"""Read-replica routing and read-your-writes, against a real PostgreSQL streaming replica.

The replica is a second cluster started for this module with ``pg_basebackup -R -X stream``
on a free port and stopped/removed afterwards. Its primary is the running cluster
(``LIANDONG_TEST_PG``) when that accepts replication connections from 127.0.0.1; otherwise a
private primary is initialised too (``initdb`` + ``pg_ctl``) and the missing ``pg_hba.conf``
line is named in the output. Binaries: ``LIANDONG_PG_BIN`` or the newest
``/usr/lib/postgresql/*/bin``; as root they run as the ``postgres`` OS user via ``runuser``.

Skipped unless ``LIANDONG_TEST_DB=postgresql``; under ``CI=true`` a replica that cannot be
started fails the test.

The backend-neutral behaviour (no replica → primary, the write marks, the read-only guard)
is also checked on SQLite.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core import replica
from core.db import open_session, reset_engines

BACKEND = os.environ.get("LIANDONG_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("LIANDONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
APP_ROLE, APP_PW = "liandong_app_test", "app-test-pw"
needs_pg = pytest.mark.skipif(BACKEND != "postgresql", reason="needs LIANDONG_TEST_DB=postgresql")


# --- clusters -------------------------------------------------------------------------------


def _pg_bin() -> Path:
    if os.environ.get("LIANDONG_PG_BIN"):
        return Path(os.environ["LIANDONG_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (set LIANDONG_PG_BIN)")
    return Path(found[-1])


def _as_pg(args: list[str]) -> list[str]:
    """Run as the ``postgres`` OS user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    proc = subprocess.run(_as_pg(args), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    datadir: Path
    port: int
    bin: Path
    running: bool = False

    def start(self, *options: str) -> None:
        opts = " ".join(["-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                         "-k", str(self.datadir.parent), *options])
        _run([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-o", opts,
              "-l", str(self.datadir.parent / f"{self.datadir.name}.log"), "-w", "-t", "30", "start"])
        self.running = True

    def stop(self) -> None:
        if self.running:
            subprocess.run(_as_pg([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                                   "-w", "-t", "30", "stop"]), capture_output=True, timeout=60)
            self.running = False


@dataclass
class Pair:
    primary_host: str
    primary_port: int
    replica: Cluster
    workdir: Path
    private_primary: Cluster | None = None
    note: str = ""
    dbname: str = ""
    cleanups: list = field(default_factory=list)

    def url(self, *, replica: bool, owner: bool = False, db: str | None = None) -> str:
        base = make_url(PG_ADMIN_URL).set(host="127.0.0.1", database=db or self.dbname,
                                          port=self.replica.port if replica else self.primary_port)
        if not owner:
            base = base.set(username=APP_ROLE, password=APP_PW)
        return base.render_as_string(hide_password=False)


def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="liandong-replica-"))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o700)
    return path


def _basebackup(bin_: Path, host: str, port: int, dest: Path) -> None:
    _run([str(bin_ / "pg_basebackup"), "-h", host, "-p", str(port), "-U", "postgres",
          "-D", str(dest), "-R", "-X", "stream", "-c", "fast"], timeout=120)


def _start_pair() -> Pair:
    bin_ = _pg_bin()
    work = _workdir()
    admin = make_url(PG_ADMIN_URL)
    host, port = admin.host or "127.0.0.1", admin.port or 5432
    replica_cluster = Cluster(work / "replica", _free_port(), bin_)
    pair = Pair(host, port, replica_cluster, work)
    try:
        try:
            _basebackup(bin_, host, port, replica_cluster.datadir)
        except RuntimeError as exc:
            if "pg_hba.conf" not in str(exc):
                raise
            # the running cluster does not allow replication connections: use a private primary
            pair.note = (f"{host}:{port} refuses replication connections ({exc}); to use it add "
                         f"'host replication postgres 127.0.0.1/32 trust' (or scram-sha-256) to its "
                         f"pg_hba.conf and reload. Using a private primary instead.")
            shutil.rmtree(replica_cluster.datadir, ignore_errors=True)
            primary = Cluster(work / "primary", _free_port(), bin_)
            _run([str(bin_ / "initdb"), "-D", str(primary.datadir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync"])
            primary.start("-c", "wal_level=replica", "-c", "max_wal_senders=5", "-c", "fsync=off")
            pair.private_primary, pair.primary_host, pair.primary_port = primary, "127.0.0.1", primary.port
            _basebackup(bin_, "127.0.0.1", primary.port, replica_cluster.datadir)
        replica_cluster.start("-c", "hot_standby=on", "-c", "fsync=off")
    except BaseException:
        _stop_pair(pair)
        raise
    return pair


def _stop_pair(pair: Pair) -> None:
    reset_engines()
    pair.replica.stop()
    for cleanup in reversed(pair.cleanups):
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - teardown continues
            pass
    if pair.private_primary is not None:
        pair.private_primary.stop()
    shutil.rmtree(pair.workdir, ignore_errors=True)


def _wait(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - e.g. the database does not exist yet on the replica
            last_exc = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} ({last_exc!r})")


@pytest.fixture(scope="module")
def pair():
    if BACKEND != "postgresql":
        pytest.skip("needs LIANDONG_TEST_DB=postgresql")
    import psycopg

    try:
        pair = _start_pair()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"could not start a streaming replica: {exc}")
        pytest.skip(f"could not start a streaming replica: {exc}")
    if pair.note:
        print(f"\n[test_replica] {pair.note}")
    try:
        # a fresh database, created on the primary after the base backup: it reaches the
        # replica through streaming
        pair.dbname = f"liandong_replica_{os.getpid()}_{secrets.token_hex(3)}"
        admin_dsn = make_url(pair.url(replica=False, owner=True, db="postgres")).set(drivername="postgresql")
        admin = psycopg.connect(admin_dsn.render_as_string(hide_password=False), autocommit=True)
        admin.execute(f'CREATE DATABASE "{pair.dbname}"')

        def drop_db() -> None:
            reset_engines()
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (pair.dbname,))
            admin.execute(f'DROP DATABASE IF EXISTS "{pair.dbname}"')
            admin.close()

        pair.cleanups.append(drop_db)
        from core import migrate
        from core.models import Tenant
        from core.pg import create_app_role

        owner = pair.url(replica=False, owner=True)
        migrate.upgrade(owner)
        from core.db import get_engine

        with get_engine(owner).begin() as conn:
            create_app_role(conn, APP_ROLE, APP_PW)
        with open_session(url=owner) as s:
            tenant = Tenant(slug=f"rep-{secrets.token_hex(3)}", name="副本测试街道", level="street")
            other = Tenant(slug=f"rep-{secrets.token_hex(3)}", name="副本测试另一街道", level="street")
            s.add_all([tenant, other])
            s.commit()
            pair.tenant_id, pair.other_id = tenant.id, other.id
        yield pair
    finally:
        _stop_pair(pair)


def _router(pair: Pair, **kw) -> replica.ReplicaRouter:
    return replica.ReplicaRouter(pair.url(replica=False), pair.url(replica=True), **kw)


def _in_recovery(session) -> bool:
    return bool(session.execute(text("SELECT pg_is_in_recovery()")).scalar())


def _add_org(pair: Pair, name: str) -> int:
    from core.registry.models import Organization

    with open_session(pair.tenant_id, url=pair.url(replica=False)) as s:
        org = Organization(name=name, kind="enterprise")
        s.add(org)
        s.commit()
        return org.id


def _org_names(session) -> set[str]:
    from core.registry.models import Organization

    return set(session.scalars(select(Organization.name)))


# --- against a real replica -----------------------------------------------------------------


@needs_pg
def test_row_written_on_primary_is_read_from_replica(pair):
    r = _router(pair)
    name = f"副本组织{secrets.token_hex(3)}"
    _add_org(pair, name)

    def visible() -> bool:
        r.forget()
        with r.read_session(pair.tenant_id) as s:
            return s.info[replica.INFO_TARGET] == "replica" and name in _org_names(s)

    _wait(visible, what="the row on the replica")
    with r.read_session(pair.tenant_id) as s:
        assert _in_recovery(s) is True  # really the standby
        assert name in _org_names(s)
    # tenant filter and row-level security hold on the replica too: the other tenant sees nothing
    with r.read_session(pair.other_id) as s:
        assert s.info[replica.INFO_TARGET] == "replica"
        assert name not in _org_names(s)
        assert s.execute(text("SELECT count(*) FROM organizations")).scalar() == 0  # RLS, raw SQL


@needs_pg
def test_routing_and_read_your_writes(pair):
    r = _router(pair, window=5.0)
    _wait(lambda: (r.forget(), r.lag() == 0.0)[1], what="replica caught up")
    # nobody wrote recently → replica
    with r.read_session(pair.tenant_id, fresh_write_at=None) as s:
        assert s.info[replica.INFO_TARGET] == "replica"
        assert _in_recovery(s) is True
    # the user wrote a second ago → primary, and the new row is there at once
    web_session: dict = {}
    name = f"刚写入{secrets.token_hex(3)}"
    before = time.time()
    with open_session(pair.tenant_id, url=pair.url(replica=False)) as w:
        from core.registry.models import Organization

        replica.track_writes(w, web_session)
        w.add(Organization(name=name, kind="enterprise"))
        w.commit()
    fresh = replica.last_write_at(web_session)
    assert fresh is not None and before <= fresh <= time.time()
    with r.read_session(pair.tenant_id, fresh_write_at=fresh) as s:
        assert s.info[replica.INFO_TARGET] == "primary"
        assert _in_recovery(s) is False
        assert name in _org_names(s)
    # outside the window → replica again (which has the row by now)
    with r.read_session(pair.tenant_id, fresh_write_at=time.time() - 6) as s:
        assert _in_recovery(s) is True
        assert name in _wait(lambda: _org_names(s) if name in _org_names(s) else None, what="row replicated")
    # the module-level helpers read the settings / environment
    from core.config import get_settings

    saved = os.environ.get("LIANDONG_DATABASE_URL")
    os.environ[replica.REPLICA_ENV] = pair.url(replica=True)
    os.environ[replica.WINDOW_ENV] = "60"
    try:
        os.environ["LIANDONG_DATABASE_URL"] = pair.url(replica=False)
        get_settings.cache_clear()
        replica.reset()
        assert replica.router().window == 60.0
        with replica.read_session(pair.tenant_id) as s:
            assert _in_recovery(s) is True
        with replica.read_session(pair.tenant_id, fresh_write_at=time.time() - 1) as s:
            assert _in_recovery(s) is False
        with replica.read_session(pair.tenant_id, fresh_write_at=time.time() - 120) as s:
            assert _in_recovery(s) is True
    finally:
        os.environ.pop(replica.REPLICA_ENV, None)
        os.environ.pop(replica.WINDOW_ENV, None)
        if saved is None:
            os.environ.pop("LIANDONG_DATABASE_URL", None)
        else:
            os.environ["LIANDONG_DATABASE_URL"] = saved
        get_settings.cache_clear()
        replica.reset()


@needs_pg
def test_replica_refuses_writes(pair):
    import sqlalchemy.exc

    from core.registry.models import Organization

    r = _router(pair)
    _wait(lambda: (r.forget(), r.lag() == 0.0)[1], what="replica caught up")
    with r.read_session(pair.tenant_id) as s:
        assert _in_recovery(s) is True
        with pytest.raises(sqlalchemy.exc.InternalError, match="read-only transaction"):
            s.execute(text("INSERT INTO organizations (tenant_id, name, kind, sub_kind, industry, address, "
                           "community, building, employees, investor, legal_rep, contact_name, status, "
                           "has_union, has_youth_league, has_womens_federation, is_internet_platform, "
                           "employs_new_groups, party_work_active, notes) VALUES (:t, 'x', 'enterprise', "
                           "'', '', '', '', '', 0, '', '', '', 'operating', false, false, false, false, "
                           "false, false, '')"), {"t": pair.tenant_id})
        s.rollback()
        s.add(Organization(name="不应写入", kind="enterprise"))
        with pytest.raises(replica.ReadOnlySessionError):
            s.flush()
        s.rollback()
    # the primary fallback of a read session is read-only as well
    with r.read_session(pair.tenant_id, fresh_write_at=time.time()) as s:
        assert _in_recovery(s) is False
        with pytest.raises(sqlalchemy.exc.InternalError, match="read-only transaction"):
            s.execute(text("UPDATE organizations SET notes = 'x'"))
        s.rollback()
    with open_session(pair.tenant_id, url=pair.url(replica=False)) as s:
        assert "不应写入" not in _org_names(s)


@needs_pg
def test_lagging_or_unreachable_replica_falls_back_to_primary(pair):
    superuser_replica = make_url(pair.url(replica=True, owner=True, db="postgres")).set(drivername="postgresql")
    import psycopg

    r = _router(pair, max_lag=0.5, check_interval=0.0)
    _wait(lambda: r.lag() == 0.0, what="replica caught up")
    with psycopg.connect(superuser_replica.render_as_string(hide_password=False), autocommit=True) as su:
        su.execute("SELECT pg_wal_replay_pause()")
        try:
            name = f"滞后{secrets.token_hex(3)}"
            _add_org(pair, name)
            time.sleep(0.7)
            assert r.lag() > 0.5
            with r.read_session(pair.tenant_id) as s:  # the replica is behind: primary, row visible
                assert _in_recovery(s) is False
                assert name in _org_names(s)
        finally:
            su.execute("SELECT pg_wal_replay_resume()")
    _wait(lambda: r.lag() == 0.0, what="replica caught up after resume")
    with r.read_session(pair.tenant_id) as s:
        assert _in_recovery(s) is True
    # a replica that cannot be reached → primary, checked again after retry_after
    down = replica.ReplicaRouter(pair.url(replica=False),
                                 make_url(pair.url(replica=True)).set(port=_free_port())
                                 .render_as_string(hide_password=False) + "?connect_timeout=2",
                                 retry_after=60)
    with down.read_session(pair.tenant_id) as s:
        assert s.info[replica.INFO_TARGET] == "primary"
        assert _in_recovery(s) is False
    assert down.lag() is None


# --- backend-neutral ------------------------------------------------------------------------


def test_no_replica_reads_primary_and_marks_writes(database):
    from core.config import get_settings
    from core.registry.models import Organization
    from tests.helpers import tenant_id, unique

    os.environ.pop(replica.REPLICA_ENV, None)
    replica.reset()
    assert not replica.replica_configured()
    tid = tenant_id("dongfanghong")
    web_session: dict = {}
    name = unique("标记")
    with open_session(tid) as w:
        replica.track_writes(w, web_session)
        w.scalars(select(Organization.id).limit(1)).all()
        w.commit()
        assert replica.last_write_at(web_session) is None  # a read-only commit is no write
        w.add(Organization(name=name, kind="enterprise"))
        w.rollback()
        assert replica.last_write_at(web_session) is None  # rolled back: nothing written
        w.add(Organization(name=name, kind="enterprise"))
        w.commit()
        assert replica.last_write_at(web_session) is not None
        assert replica.last_write_at(user_id=None) is None
    with replica.read_session(tid, fresh_write_at=None) as s:
        assert s.info[replica.INFO_TARGET] == "primary"
        assert str(s.get_bind().url) == str(make_url(get_settings().database_url))
        assert name in set(s.scalars(select(Organization.name)))
        s.add(Organization(name=unique("只读"), kind="enterprise"))
        with pytest.raises(replica.ReadOnlySessionError):
            s.flush()
        s.rollback()
    # per-user mark (API clients without a session cookie)
    before = time.time()
    replica.note_write(None, user_id=987654)
    assert before <= replica.last_write_at(None, user_id=987654) <= time.time()


def test_pages_route_reads_and_remember_the_users_writes(database, client, monkeypatch):
    """Coverage and the audit log read through the replica router; a write pins the user to the primary."""
    from tests.helpers import login, post_form

    calls: list[float | None] = []
    real = replica.read_session

    def spy(tenant_id, scope=None, user_id=None, *, fresh_write_at=None):
        calls.append(fresh_write_at)
        return real(tenant_id, scope, user_id, fresh_write_at=fresh_write_at)

    monkeypatch.setattr(replica, "read_session", spy)
    monkeypatch.setattr(replica, "_user_writes", {})  # other tests in this worker wrote as dfh_admin
    login(client, "dfh_admin")
    assert client.get("/t/dongfanghong/coverage").status_code == 200
    assert client.get("/t/dongfanghong/audit").status_code == 200
    assert calls == [None, None]  # nothing written in this web session yet
    before = time.time()
    r = post_form(client, "/t/dongfanghong/coverage/snapshot", follow_redirects=False)
    assert r.status_code == 303, r.text
    assert client.get("/t/dongfanghong/coverage").status_code == 200
    assert calls[-1] is not None and calls[-1] >= before  # the write is remembered: read-your-writes
