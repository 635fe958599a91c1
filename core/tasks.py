"""The task queue: work that is not a request runs here (huey), never in a home-made loop.

One shared :data:`huey` instance. Its storage comes from ``LIANDONG_TASK_QUEUE``:

* empty (default): Redis when ``LIANDONG_REDIS_URL`` is set (production, several servers),
  else a SQLite file beside the database (``liandong.db`` → ``liandong-tasks.db``);
* ``sqlite:///path/tasks.db`` or ``redis://…``: that storage;
* ``immediate``: tasks run inline when enqueued (development without a worker).

``liandong worker`` runs the consumer (worker threads and the scheduler of periodic tasks).

Declaring work (``docs/plugins.md`` "Tasks and periodic tasks"):

* :func:`tenant_task` — a task that runs in a session bound to one tenant (the ORM filter and,
  on PostgreSQL, row-level security see that tenant only), with retries and exponential
  backoff. Call ``my_task(tenant_id, …)`` to enqueue; the function receives
  ``(session, tenant, …)``. Put such tasks in ``<plugin package>/tasks.py`` (imported by the
  worker and by :func:`load_tasks`).
* the ``register_periodic_tasks`` hook — :class:`PeriodicTask` entries (a ``crontab``
  schedule and ``run(session, tenant)``). The scheduler fans each one out to one task per
  tenant that has the plugin enabled (the core's: every tenant), each under a lock so two
  workers never run the same job for the same tenant at once.

Jobs must be idempotent (a retry, a second worker or a re-run must not repeat their effect):
key what they produce (e.g. a reminder's key, a delivery record) and skip what exists.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any

from huey import Huey, crontab
from huey.exceptions import TaskLockedException
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.config import Settings, get_settings

__all__ = ["PeriodicTask", "crontab", "huey", "tenant_session", "tenant_task", "configure",
           "load_tasks", "periodic_tasks", "run_periodic", "TaskLockedException", "enqueue_after_commit"]

log = logging.getLogger("liandong.tasks")

#: what a worker writes in the audit log as the actor of a job's writes
WORKER_USERNAME = "系统任务"


def storage_spec(settings: Settings) -> tuple[str, str]:
    """``(kind, target)``: ``("immediate", "")``, ``("redis", url)`` or ``("sqlite", path)``."""
    value = (settings.task_queue or "").strip()
    if value == "immediate":
        return "immediate", ""
    if value.startswith(("redis://", "rediss://", "unix://")):
        return "redis", value
    if value.startswith("sqlite:///"):
        return "sqlite", value.removeprefix("sqlite:///")
    if value:
        raise ValueError(f"LIANDONG_TASK_QUEUE: expected empty, immediate, sqlite:///… or redis://…, not {value!r}")
    if settings.redis_url:
        return "redis", settings.redis_url
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database)
        return "sqlite", str(db.with_name(f"{db.stem}-tasks{db.suffix or '.db'}"))
    return "sqlite", "liandong-tasks.db"


class LiandongHuey(Huey):
    """A huey whose storage is chosen from the settings on first use (never at import time),
    and chosen again after :func:`configure`."""

    _storage = None

    @property
    def storage(self):
        if self._storage is None:
            self._storage = self._storage_from_settings()
        return self._storage

    @storage.setter
    def storage(self, value) -> None:
        self._storage = value

    def create_storage(self):
        if self._immediate and self.immediate_use_memory:
            return self.get_immediate_storage()
        return None  # built lazily by the property

    def _storage_from_settings(self):
        kind, target = storage_spec(get_settings())
        if kind == "immediate":
            self._immediate = True
            return self.get_immediate_storage()
        if kind == "redis":
            return RedisStorage(self.name, url=target)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(self.name, filename=target)


#: the one queue of the installation; core and plugins declare tasks on it
huey = LiandongHuey("liandong", results=False, utc=True)


def configure(settings: Settings | None = None, *, immediate: bool | None = None) -> None:
    """(Re)choose the storage from ``settings`` (tests switching databases, the worker)."""
    settings = settings or get_settings()
    kind, _ = storage_spec(settings)
    huey._immediate = kind == "immediate" if immediate is None else immediate
    huey.storage = huey.get_immediate_storage() if huey._immediate else None


# --- running work for a tenant ----------------------------------------------------------------


@contextmanager
def tenant_session(tenant_id: int) -> Iterator[Session]:
    """Unit of work bound to one tenant, as a job sees it: commits on success."""
    from core.db import scoped_session

    with scoped_session(tenant_id) as session:
        session.info["username"] = WORKER_USERNAME
        yield session


def _tenant(tenant_id: int):
    from core import revisions
    from core.tenancy import tree

    revisions.poll()  # a worker lives long: pick up tenant and plugin changes
    return tree().by_id.get(tenant_id)


def tenant_task(*, retries: int = 3, retry_delay: float = 30, retry_backoff: float = 2,
                name: str | None = None, **options: Any):
    """Declare a task run in a session bound to one tenant.

    ``fn(session, tenant, *args)``; enqueue with ``fn(tenant_id, *args)``. On an exception the
    whole unit of work rolls back and huey retries ``retries`` times, after ``retry_delay``
    seconds, each wait ``retry_backoff`` times the previous one. A tenant that no longer exists
    (or is archived) is skipped. Arguments must be JSON-like (ids, strings), never ORM rows.
    """

    def decorator(fn: Callable[..., Any]):
        @wraps(fn)
        def run(tenant_id: int, *args, **kwargs):
            tenant = _tenant(tenant_id)
            if tenant is None or tenant.archived:
                log.info("task %s skipped: tenant %s is gone or archived", fn.__name__, tenant_id)
                return None
            with tenant_session(tenant_id) as session:
                return fn(session, tenant, *args, **kwargs)

        return huey.task(retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff,
                         name=name or fn.__qualname__, **options)(run)

    return decorator


def enqueue_after_commit(session: Session, task: Callable[..., Any], *args: Any) -> None:
    """Enqueue ``task(*args)`` once ``session`` commits (never for a rolled-back write; never
    before the rows the task reads are visible to a worker)."""
    session.info.setdefault("_after_commit_tasks", []).append((task, args))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    pending = session.info.pop("_after_commit_tasks", None)
    for task, args in pending or ():
        task(*args)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("_after_commit_tasks", None)


# --- periodic tasks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicTask:
    """A job the scheduler runs on ``schedule`` for every tenant that enabled its plugin.

    ``name``: unique, ``<plugin>.<job>``; ``label``: Chinese, shown to operators;
    ``schedule``: ``crontab(...)`` (times in UTC) or any ``datetime -> bool``;
    ``run(session, tenant)``: the work, in a session bound to the tenant; must be idempotent.
    """

    name: str
    label: str
    schedule: Callable[[datetime], bool]
    run: Callable[[Session, Any], Any]
    retries: int = 2
    retry_delay: float = 60


_periodic_lock = threading.Lock()
_registered: set[str] = set()


def periodic_tasks() -> dict[str, tuple[str, PeriodicTask]]:
    """Every installed plugin's periodic tasks: name → (plugin, task)."""
    from core.plugins import registry

    out: dict[str, tuple[str, PeriodicTask]] = {}
    for plugin, tasks in registry().each("register_periodic_tasks"):
        for task in tasks or ():
            if task.name in out:
                raise ValueError(f"periodic task {task.name!r} declared twice ({out[task.name][0]}, {plugin})")
            out[task.name] = (plugin, task)
    return out


def tenants_for(plugin: str) -> list[int]:
    from core import revisions
    from core.plugins import registry
    from core.tenancy import tree

    revisions.poll()
    reg = registry()
    return [t.id for t in tree().by_id.values() if not t.archived and _enabled(reg, t.id, plugin)]


def _enabled(reg, tenant_id: int, plugin: str) -> bool:
    return plugin in reg.parts or reg.is_enabled(tenant_id, plugin)


@huey.task(retries=2, retry_delay=60, retry_backoff=2, name="run_periodic_for_tenant")
def run_periodic_for_tenant(name: str, tenant_id: int) -> Any:
    """One periodic job for one tenant, under a lock (a second worker skips it meanwhile)."""
    return run_periodic(name, tenant_id)


def run_periodic(name: str, tenant_id: int) -> Any:
    """Run periodic job ``name`` for one tenant now, in this process (CLI, tests, the task)."""
    found = periodic_tasks().get(name)
    if found is None:
        log.warning("periodic task %s is not installed any more", name)
        return None
    plugin, task = found
    tenant = _tenant(tenant_id)
    if tenant is None or tenant.archived:
        return None
    from core.plugins import registry

    if not _enabled(registry(), tenant_id, plugin):
        return None
    with huey.lock_task(f"periodic:{name}:{tenant_id}"), tenant_session(tenant_id) as session:
        return task.run(session, tenant)


def fan_out(name: str) -> list[int]:
    """Enqueue periodic job ``name`` once per tenant that enabled its plugin."""
    found = periodic_tasks().get(name)
    if found is None:
        return []
    tenant_ids = tenants_for(found[0])
    for tid in tenant_ids:
        run_periodic_for_tenant(name, tid)
    return tenant_ids


def register_periodic() -> list[str]:
    """Give huey's scheduler one periodic task per declared :class:`PeriodicTask` (idempotent;
    called by ``liandong worker`` before the consumer starts)."""
    with _periodic_lock:
        for name, (_plugin, task) in periodic_tasks().items():
            if name in _registered:
                continue

            def fire(_name=name):
                return fan_out(_name)

            fire.__name__ = f"periodic_{name.replace('.', '_')}"
            huey.periodic_task(task.schedule, name=f"periodic:{name}")(fire)
            _registered.add(name)
        return sorted(_registered)


#: core modules that declare tasks (plugins: ``<package>.tasks``, found by convention)
CORE_TASK_MODULES: list[str] = ["core.notify.tasks"]


def _import_optional(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return False
    return True


def flush_stale_locks() -> int:
    """Release the periodic jobs' locks left by a worker that died mid-job (worker start-up)."""
    prefix = f"{huey.name}.lock.periodic:"
    stale = [k for k in huey.storage.result_items() if str(k).startswith(prefix)]
    for key in stale:
        huey.delete(key)
    return len(stale)


def load_tasks() -> list[str]:
    """Import the core's task modules and every installed plugin's ``tasks`` module, so that
    the worker knows every task by name."""
    from core.plugins import registry

    reg = registry()
    names = [*CORE_TASK_MODULES, *(f"{m.__name__}.tasks" for m in reg.modules.values())]
    loaded = [n for n in names if _import_optional(n)]
    register_periodic()
    return loaded
