"""Database engine, declarative base and the tenant filter.

Isolation has two layers (DESIGN.md "Tenancy"):

1. The ORM: a :class:`Session` carries a *scope* (``session.info["tenant_ids"]``, the tenants
   it may see) and a *home* tenant (``session.info["tenant_id"]``, where new rows go).
   ``do_orm_execute`` adds ``tenant_id IN scope`` to every query of a :class:`TenantOwned`
   entity and ``before_flush`` stamps the home tenant on new rows. A session with no scope
   sees no tenant-owned row at all.
2. PostgreSQL row-level security: every tenant-owned table has a policy on
   ``current_setting('app.tenant_ids')``, set per transaction from the same scope.

A roll-up over a subtree is a session whose scope is that subtree, opened by
:func:`scoped_session` after a permission check; there is no way to switch the filter off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, create_engine, event, text
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

from core.clock import utcnow
from core.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantOwned:
    """Mixin for rows that belong to one tenant; filtered and stamped automatically."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def tenant_owned_tables() -> list[str]:
    """Names of every table whose rows belong to a tenant (core and plugins)."""
    return sorted(
        m.local_table.name
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantOwned) and m.local_table is not None
    )


class TenantScopeError(RuntimeError):
    """A tenant-owned row was written outside its session's scope."""


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("include_all_tenants"):  # only used by migrations/backup
        return
    scope = tuple(state.session.info.get("tenant_ids") or ())
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id.in_(scope),
            include_aliases=True,
            track_closure_variables=False,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _ctx, _instances) -> None:
    home = session.info.get("tenant_id")
    scope = set(session.info.get("tenant_ids") or ())
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if obj.tenant_id is None:
                if home is None:
                    raise TenantScopeError(f"{type(obj).__name__} added without a tenant")
                obj.tenant_id = home
            elif obj.tenant_id not in scope:
                raise TenantScopeError(f"{type(obj).__name__} written outside the session scope")
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and obj.tenant_id not in scope:
            raise TenantScopeError(f"{type(obj).__name__} changed outside the session scope")


def _apply_rls_scope(session: Session, connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    scope = ",".join(str(t) for t in session.info.get("tenant_ids") or ())
    connection.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": scope})


@event.listens_for(Session, "after_begin")
def _set_rls_scope(session: Session, _transaction, connection) -> None:
    _apply_rls_scope(session, connection)


def extend_scope(session: Session, tenant_ids: Iterable[int]) -> None:
    """Let ``session`` see more tenants (e.g. one it just created), in this transaction too."""
    current = tuple(session.info.get("tenant_ids") or ())
    session.info["tenant_ids"] = tuple(dict.fromkeys((*current, *tenant_ids)))
    if session.in_transaction():
        _apply_rls_scope(session, session.connection())


_ENGINES: dict[str, Engine] = {}
_FACTORIES: dict[str, sessionmaker[Session]] = {}


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _make_engine(url)
    return engine


class _SQLiteUTCDateTime(SQLITE_DATETIME):
    """SQLite keeps no offset: a ``DateTime(timezone=True)`` value (stored in UTC) is read back
    UTC-aware, so that every time the app shows or serialises carries its offset."""

    def result_processor(self, dialect, coltype):
        parse = super().result_processor(dialect, coltype)
        if not self.timezone:
            return parse

        def aware(value):
            value = parse(value) if parse else value
            return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value

        return aware


def _make_engine(url: str) -> Engine:
    kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        # times come back with their offset (UTC), as PostgreSQL returns them
        engine.dialect.colspecs = {**engine.dialect.colspecs, DateTime: _SQLiteUTCDateTime}

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def reset_engines() -> None:
    """Dispose every engine (tests switching databases, forked workers)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _FACTORIES.clear()


def _factory(url: str | None) -> sessionmaker[Session]:
    url = url or get_settings().database_url
    factory = _FACTORIES.get(url)
    if factory is None:
        factory = _FACTORIES[url] = sessionmaker(bind=get_engine(url), expire_on_commit=False)
    return factory


def open_session(
    tenant_id: int | None = None,
    scope: Iterable[int] | None = None,
    *,
    user_id: int | None = None,
    url: str | None = None,
) -> Session:
    """A session that sees ``scope`` (default: just ``tenant_id``) and writes to ``tenant_id``."""
    session = _factory(url)()
    ids = tuple(scope) if scope is not None else ((tenant_id,) if tenant_id is not None else ())
    session.info.update(tenant_id=tenant_id, tenant_ids=ids, user_id=user_id)
    return session


@contextmanager
def scoped_session(
    tenant_id: int | None = None,
    scope: Iterable[int] | None = None,
    *,
    user_id: int | None = None,
) -> Iterator[Session]:
    """Unit of work: commit on success, roll back on error."""
    session = open_session(tenant_id, scope, user_id=user_id)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def pk() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True)
