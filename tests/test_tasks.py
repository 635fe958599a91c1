"""The task queue (core/tasks.py): storage choice, tenant-bound tasks, retries with backoff on a
real consumer, periodic jobs fanned out per tenant, the coverage snapshot job, the CLI."""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from core import tasks
from core.config import Settings
from core.registry.models import CoverageSnapshot, Organization
from core.registry.services.coverage import month_start
from tests.helpers import tenant_id


@contextmanager
def consumer(tmp_path, workers: int = 1, periodic: bool = False, storage=None):
    """A real huey consumer (worker threads) on a temporary SQLite queue (or ``storage``);
    restored afterwards."""
    from huey.storage import SqliteStorage

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    old_storage, old_immediate = tasks.huey._storage, tasks.huey._immediate
    tasks.huey._immediate = False
    tasks.huey.storage = storage or SqliteStorage("liandong", filename=str(tmp_path / "queue.db"))
    c = tasks.huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                   initial_delay=0.05, max_delay=0.2, check_worker_health=False)
    c.start()
    try:
        yield c
    finally:
        c.stop(graceful=True)
        tasks.huey.storage, tasks.huey._immediate = old_storage, old_immediate
        for s, h in saved.items():
            signal.signal(s, h)


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# --- where the queue lives ------------------------------------------------------------------


def test_storage_follows_the_settings(tmp_path):
    def spec(**kw):
        return tasks.storage_spec(Settings(secret_key="x", **{"task_queue": "", "redis_url": None, **kw}))

    assert spec(database_url=f"sqlite:///{tmp_path}/app.db") == ("sqlite", f"{tmp_path}/app-tasks.db")
    assert spec(database_url="postgresql+psycopg://u@h/db") == ("sqlite", "liandong-tasks.db")
    assert spec(database_url="postgresql+psycopg://u@h/db", redis_url="redis://r:6379/0") == ("redis", "redis://r:6379/0")
    assert spec(task_queue="sqlite:////var/lib/q.db", redis_url="redis://r") == ("sqlite", "/var/lib/q.db")
    assert spec(task_queue="redis://q:6379/2") == ("redis", "redis://q:6379/2")
    assert spec(task_queue="immediate") == ("immediate", "")
    with pytest.raises(ValueError, match="LIANDONG_TASK_QUEUE"):
        spec(task_queue="amqp://nope")


# --- tasks bound to a tenant ----------------------------------------------------------------

SEEN: list[dict] = []
ATTEMPTS: dict[str, list[float]] = {}


@tasks.tenant_task(retries=0)
def look_around(session, tenant, marker: str):
    rls = None
    if session.get_bind().dialect.name == "postgresql":  # row-level security, not only the ORM
        rls = session.scalar(text("SELECT count(DISTINCT tenant_id) FROM organizations"))
    SEEN.append({"marker": marker, "tenant": tenant.slug, "scope": session.info["tenant_ids"],
                 "orgs": {t for t in session.scalars(select(Organization.tenant_id))}, "rls": rls,
                 "actor": session.info["username"]})


@tasks.tenant_task(retries=3, retry_delay=1, retry_backoff=2)
def flaky(session, tenant, key: str, failures: int):
    ATTEMPTS.setdefault(key, []).append(time.monotonic())
    if len(ATTEMPTS[key]) <= failures:
        raise RuntimeError("SMTP server not answering")
    return len(ATTEMPTS[key])


def test_tenant_task_runs_in_a_session_bound_to_its_tenant(database):
    tasks.configure(immediate=True)
    try:
        dfh = tenant_id("dongfanghong")
        look_around(dfh, "immediate")
    finally:
        tasks.configure()
    seen = next(s for s in SEEN if s["marker"] == "immediate")
    assert seen["tenant"] == "dongfanghong" and seen["scope"] == (dfh,)
    assert seen["orgs"] == {dfh}  # the ORM filter: another tenant's organizations are invisible
    assert seen["rls"] in (None, 1)  # PostgreSQL: row-level security shows one tenant's rows
    assert seen["actor"] == tasks.WORKER_USERNAME


def test_a_real_consumer_retries_with_backoff(database, tmp_path):
    dfh = tenant_id("dongfanghong")
    with consumer(tmp_path):
        look_around(dfh, "consumer")
        flaky(dfh, "twice", 2)
        assert wait_for(lambda: len(ATTEMPTS.get("twice", [])) == 3, timeout=30)
        assert wait_for(lambda: any(s["marker"] == "consumer" for s in SEEN))
    t = ATTEMPTS["twice"]
    first_wait, second_wait = t[1] - t[0], t[2] - t[1]
    assert first_wait >= 0.9 and second_wait >= 1.8  # 1 s, then 2 s: exponential backoff
    assert next(s for s in SEEN if s["marker"] == "consumer")["scope"] == (dfh,)


def test_the_queue_on_redis_as_in_production(database, tmp_path):
    """LIANDONG_REDIS_URL set: the queue is in Redis; a real consumer retries there too."""
    import os

    import redis
    from huey.storage import RedisStorage

    from tests.test_redis import redis_url_or_skip

    base = redis_url_or_skip()
    url = f"{base.rstrip('/')}/{int(os.environ.get('LIANDONG_TEST_REDIS_TASKS_DB', '14'))}"
    kind, target = tasks.storage_spec(Settings(secret_key="x", task_queue="", redis_url=url))
    assert (kind, target) == ("redis", url)
    name = f"liandong-test-{os.getpid()}"  # a queue of this run only, removed afterwards
    storage = RedisStorage(name, url=target)
    dfh = tenant_id("dongfanghong")
    try:
        with consumer(tmp_path, storage=storage):
            flaky(dfh, "redis", 1)
            assert wait_for(lambda: len(ATTEMPTS.get("redis", [])) == 2, timeout=30)
    finally:
        conn = redis.Redis.from_url(url)
        keys = list(conn.scan_iter(match=f"*{name}*"))
        if keys:
            conn.delete(*keys)
        conn.close()


def test_a_task_for_a_tenant_that_is_gone_is_skipped(database):
    tasks.configure(immediate=True)
    try:
        look_around(10**9, "gone")
    finally:
        tasks.configure()
    assert not any(s["marker"] == "gone" for s in SEEN)


# --- periodic jobs --------------------------------------------------------------------------


def test_coverage_snapshot_is_a_periodic_job_and_idempotent(database):
    found = tasks.periodic_tasks()
    assert "registry.coverage_snapshot" in found
    plugin, job = found["registry.coverage_snapshot"]
    assert plugin == "registry" and job.label
    dfh = tenant_id("dongfanghong")
    month = month_start()

    def count(s):
        return s.scalar(select(func.count()).select_from(CoverageSnapshot).where(CoverageSnapshot.month == month))

    first = tasks.run_periodic("registry.coverage_snapshot", dfh)
    second = tasks.run_periodic("registry.coverage_snapshot", dfh)
    assert first == second  # the same row, refreshed: one snapshot per tenant and month
    with tasks.tenant_session(dfh) as s:
        assert count(s) == 1


def test_periodic_job_fans_out_to_every_tenant_through_the_queue(database):
    from core.tenancy import tree

    tasks.configure(immediate=True)
    try:
        ids = tasks.fan_out("registry.coverage_snapshot")
    finally:
        tasks.configure()
    assert set(ids) == {t.id for t in tree().by_id.values() if not t.archived}
    with tasks.tenant_session(tenant_id("jinhua")) as s:
        assert s.scalar(select(func.count()).select_from(CoverageSnapshot)
                        .where(CoverageSnapshot.month == month_start())) == 1


def test_the_scheduler_gets_one_periodic_task_per_job(database):
    names = tasks.register_periodic()
    assert "registry.coverage_snapshot" in names
    periodic = {t.__name__ for t in tasks.huey._registry._periodic_tasks}
    assert "periodic:registry.coverage_snapshot" in periodic
    assert tasks.register_periodic() == names  # idempotent


def test_a_locked_job_is_not_run_twice_at_once(database):
    dfh = tenant_id("dongfanghong")
    tasks.configure(immediate=True)
    try:
        with tasks.huey.lock_task(f"periodic:registry.coverage_snapshot:{dfh}"):
            with pytest.raises(tasks.TaskLockedException):
                tasks.run_periodic("registry.coverage_snapshot", dfh)
        assert tasks.run_periodic("registry.coverage_snapshot", dfh)  # released afterwards
    finally:
        tasks.configure()


# --- the command line -----------------------------------------------------------------------


def test_cli_lists_and_runs_periodic_jobs(database):
    from core.cli import cli

    runner = CliRunner()
    listed = runner.invoke(cli, ["tasks", "list"])
    assert listed.exit_code == 0 and "registry.coverage_snapshot" in listed.output
    ran = runner.invoke(cli, ["tasks", "run", "registry.coverage_snapshot", "--tenant", "dongfanghong"])
    assert ran.exit_code == 0 and "1 tenant" in ran.output, ran.output
    assert runner.invoke(cli, ["tasks", "run", "nope.nothing"]).exit_code != 0
    assert runner.invoke(cli, ["tasks", "run", "registry.coverage_snapshot", "--tenant", "nowhere"]).exit_code != 0


def test_worker_refuses_immediate_mode(database, monkeypatch):
    from core.cli import cli
    from core.config import get_settings

    monkeypatch.setenv("LIANDONG_TASK_QUEUE", "immediate")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["worker"])
    finally:
        monkeypatch.delenv("LIANDONG_TASK_QUEUE")
        get_settings.cache_clear()
    assert result.exit_code != 0 and "immediate" in result.output
