"""Reads from a PostgreSQL streaming replica, with read-your-writes.

Dashboards, roll-ups and exports read through :func:`read_session`. It returns a
:mod:`core.db` session (same tenant filter, same row-level security scope) bound to

* the **replica** when one is configured (``LIANDONG_REPLICA_DATABASE_URL``), the caller has
  not written within the read-your-writes window (``LIANDONG_READ_YOUR_WRITES_SECONDS``,
  default 5 s — stretched to the replica's current lag when that is longer), and the
  replica's replay lag is at most ``LIANDONG_REPLICA_MAX_LAG_SECONDS`` (default 10 s);
* the **primary** otherwise — also while the replica is unreachable (checked again after
  ``RETRY_AFTER`` seconds), so a dead replica never takes the dashboards down.

"Has written" is remembered in the web session: :func:`note_write` stores a timestamp in the
session dict, :func:`last_write_at` reads it back. :func:`track_writes` attaches a request's
web session to its database session, and a listener calls :func:`note_write` after every
commit that actually changed rows (a flush with changes, or an ORM bulk UPDATE/DELETE/INSERT).

The lag is measured at most once per ``check_interval`` per worker, without blocking the
requests that arrive meanwhile: the primary's ``pg_current_wal_lsn()`` is read first, then the
replica's ``pg_last_wal_replay_lsn()``; if the replica has replayed at least that far it is
caught up (lag 0), else the lag is ``now() - pg_last_xact_replay_timestamp()`` on the replica
(conservative: an idle-then-busy primary reads as lagging until the replica catches up).

Read sessions are read-only everywhere: a flush with changes raises :class:`ReadOnlySessionError`,
and on PostgreSQL each transaction is ``READ ONLY`` — also when it falls back to the primary,
so code that writes through a read session fails in development, not only in production.

Put ``?connect_timeout=3`` on the replica URL so that an unreachable host fails fast.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from litestar import Request
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session

from core.config import get_settings
from core.db import get_engine, open_session

log = logging.getLogger(__name__)

REPLICA_ENV = "LIANDONG_REPLICA_DATABASE_URL"
WINDOW_ENV = "LIANDONG_READ_YOUR_WRITES_SECONDS"
MAX_LAG_ENV = "LIANDONG_REPLICA_MAX_LAG_SECONDS"
DEFAULT_WINDOW = 5.0
DEFAULT_MAX_LAG = 10.0
CHECK_INTERVAL = 1.0
RETRY_AFTER = 10.0

#: key of the last-write timestamp (epoch seconds) in the web session dict
SESSION_KEY = "last_write_at"
#: ``Session.info`` keys
INFO_WEB_SESSION = "web_session"
INFO_WROTE = "_wrote"
INFO_READ_ONLY = "read_only"
INFO_TARGET = "db_target"  # "replica" | "primary"


class ReadOnlySessionError(RuntimeError):
    """Something tried to write through a read session."""


def _setting(name: str, env: str) -> Any:
    value = getattr(get_settings(), name, None)
    return value if value not in (None, "") else os.environ.get(env) or None


def _float(name: str, env: str, default: float) -> float:
    value = _setting(name, env)
    try:
        return float(value) if value is not None else default
    except ValueError:
        log.warning("%s=%r is not a number; using %s", env, value, default)
        return default


class ReplicaRouter:
    """Chooses the primary or the replica for a read; one per (primary, replica) pair."""

    def __init__(
        self,
        primary_url: str | None = None,
        replica_url: str | None = None,
        *,
        window: float = DEFAULT_WINDOW,
        max_lag: float = DEFAULT_MAX_LAG,
        check_interval: float = CHECK_INTERVAL,
        retry_after: float = RETRY_AFTER,
    ) -> None:
        self.primary_url = primary_url or get_settings().database_url
        self.replica_url = replica_url or None
        if self.replica_url and not (
            self.primary_url.startswith("postgresql") and self.replica_url.startswith("postgresql")
        ):
            log.warning("read replica ignored: it needs PostgreSQL for both the primary and the replica")
            self.replica_url = None
        self.window = window
        self.max_lag = max_lag
        self.check_interval = check_interval
        self.retry_after = retry_after
        self._lag: float | None = None  # None: unknown or unreachable
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    # --- replica health -----------------------------------------------------------------

    def measure_lag(self) -> float | None:
        """Seconds the replica is behind the primary now (0 when caught up); None if unreachable."""
        if not self.replica_url:
            return None
        try:
            with get_engine(self.primary_url).connect() as conn:
                primary_lsn = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar()
            with get_engine(self.replica_url).connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT pg_is_in_recovery(),"
                        " pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn),"
                        " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
                    ),
                    {"lsn": str(primary_lsn)},
                ).one()
        except Exception as exc:  # noqa: BLE001 - any failure means "do not use the replica"
            log.warning("read replica unavailable: %s", exc.__class__.__name__)
            return None
        in_recovery, caught_up, age = row
        if not in_recovery:
            log.warning("read replica is not in recovery (promoted?); not using it")
            return None
        if caught_up:
            return 0.0
        return float(age) if age is not None else float("inf")

    def lag(self) -> float | None:
        """The cached lag, refreshed every ``check_interval`` (``retry_after`` when unreachable)."""
        if not self.replica_url:
            return None
        now = time.monotonic()
        ttl = self.check_interval if self._lag is not None else self.retry_after
        if now - self._checked_at < ttl:
            return self._lag
        first = self._checked_at == float("-inf")
        # one thread measures; the others keep using the previous value (the first call waits)
        if self._lock.acquire(blocking=first):
            try:
                if time.monotonic() - self._checked_at >= ttl:
                    self._lag = self.measure_lag()
                    self._checked_at = time.monotonic()
            finally:
                self._lock.release()
        return self._lag

    def forget(self) -> None:
        """Measure again on the next read (tests, or after a failover)."""
        self._checked_at = float("-inf")
        self._lag = None

    # --- routing ------------------------------------------------------------------------

    def use_replica(self, fresh_write_at: float | None = None) -> bool:
        if not self.replica_url:
            return False
        lag = self.lag()
        if lag is None or lag > self.max_lag:
            return False
        if fresh_write_at is not None and time.time() - fresh_write_at < max(self.window, lag):
            return False
        return True

    def read_session(
        self,
        tenant_id: int | None,
        scope: Iterable[int] | None = None,
        user_id: int | None = None,
        *,
        fresh_write_at: float | None = None,
    ) -> Session:
        replica = self.use_replica(fresh_write_at)
        session = open_session(
            tenant_id, scope, user_id=user_id, url=self.replica_url if replica else self.primary_url
        )
        session.info[INFO_READ_ONLY] = True
        session.info[INFO_TARGET] = "replica" if replica else "primary"
        return session


_router: ReplicaRouter | None = None
_router_key: tuple | None = None
_router_lock = threading.Lock()


def router() -> ReplicaRouter:
    """The process's router, built from the settings (rebuilt when they change)."""
    global _router, _router_key
    key = (
        get_settings().database_url,
        _setting("replica_database_url", REPLICA_ENV),
        _float("read_your_writes_seconds", WINDOW_ENV, DEFAULT_WINDOW),
        _float("replica_max_lag_seconds", MAX_LAG_ENV, DEFAULT_MAX_LAG),
    )
    current = _router
    if current is None or key != _router_key:
        with _router_lock:
            if _router is None or key != _router_key:
                _router = ReplicaRouter(key[0], key[1], window=key[2], max_lag=key[3])
                _router_key = key
            current = _router
    return current


def reset() -> None:
    global _router, _router_key
    _router = _router_key = None


def replica_configured() -> bool:
    return router().replica_url is not None


def read_session(
    tenant_id: int | None,
    scope: Iterable[int] | None = None,
    user_id: int | None = None,
    *,
    fresh_write_at: float | None = None,
) -> Session:
    """A read-only session over ``scope`` (default: ``tenant_id``), on the replica when safe.

    ``fresh_write_at``: when the caller last wrote (``last_write_at(web_session)``), or None.
    The caller closes the session (``with read_session(...) as s:``).
    """
    return router().read_session(tenant_id, scope, user_id, fresh_write_at=fresh_write_at)


# --- read-your-writes bookkeeping -----------------------------------------------------------

#: user id → last write (this worker only): a fallback for API clients without a session cookie
_user_writes: dict[int, float] = {}


def note_write(session_data: MutableMapping[str, Any] | None, *, user_id: int | None = None,
               at: float | None = None) -> None:
    """Remember that this user has just written (call after a commit that changed rows)."""
    at = time.time() if at is None else at
    if session_data is not None:
        session_data[SESSION_KEY] = at
    if user_id is not None:
        _user_writes[user_id] = at
        if len(_user_writes) > 10_000:  # bounded: drop marks older than any sane window
            cutoff = at - 600
            for uid in [u for u, t in _user_writes.items() if t < cutoff]:
                _user_writes.pop(uid, None)


def last_write_at(session_data: MutableMapping[str, Any] | None = None, *,
                  user_id: int | None = None) -> float | None:
    """The latest write mark from the web session and (this worker's) per-user mark."""
    marks = []
    if session_data is not None:
        value = session_data.get(SESSION_KEY)
        if isinstance(value, (int, float)):
            marks.append(float(value))
    if user_id is not None and user_id in _user_writes:
        marks.append(_user_writes[user_id])
    return max(marks) if marks else None


def track_writes(session: Session, session_data: MutableMapping[str, Any] | None) -> None:
    """Call :func:`note_write` on ``session_data`` after each commit of ``session`` that wrote."""
    session.info[INFO_WEB_SESSION] = session_data


def _tracked(session: Session) -> bool:
    return INFO_WEB_SESSION in session.info


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _ctx) -> None:
    if _tracked(session):
        session.info[INFO_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if _tracked(state.session) and (state.is_update or state.is_delete or state.is_insert):
        state.session.info[INFO_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(INFO_WROTE, False) and _tracked(session):
        note_write(session.info[INFO_WEB_SESSION], user_id=session.info.get("user_id"))


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(INFO_WROTE, None)


# --- read-only enforcement ------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _ctx, _instances) -> None:
    if session.info.get(INFO_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySessionError("read sessions (replica routing) cannot write; use the request's db")


@event.listens_for(Session, "after_begin")
def _read_only_transaction(session: Session, _transaction, connection) -> None:
    if session.info.get(INFO_READ_ONLY) and connection.dialect.name == "postgresql" \
            and session.info.get(INFO_TARGET) == "primary":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")


# --- litestar dependency --------------------------------------------------------------------


def provide_read_db(request: Request) -> Iterator[Session]:
    """``read_db`` for dashboards and exports: the request's tenant, read-only."""
    ctx = request.state.ctx
    session = read_session(ctx.tenant.id, None, ctx.user.id, fresh_write_at=ctx.fresh_write_at)
    session.info["username"] = ctx.user.username
    try:
        yield session
    finally:
        session.rollback()
        session.close()
